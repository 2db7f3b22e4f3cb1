/**
 * Weighted least squares of log y against log n for a power law y ∝ n^−p, with weights (y/se)² (the variance of
 * log y is (se/y)² to first order): the exponent, its standard error from the point errors, and χ² per degree of
 * freedom of the fit (NaN with two points).
 */
export interface LogLogFit {
  p: number;
  /** from the point errors alone */
  pStderr: number;
  chi2: number;
}

/** Points with y = 0 or se = 0 are left out; p = NaN with fewer than two left. */
export function weightedLogLogFit(ns: readonly number[], ys: readonly number[], ses: readonly number[]): LogLogFit & { used: number[] } {
  const use = ns.map((n, i) => ({ n, y: Math.abs(ys[i]!), se: ses[i]! })).filter((q) => q.y > 0 && q.se > 0);
  if (use.length < 2) return { p: NaN, pStderr: NaN, chi2: NaN, used: use.map((q) => q.n) };
  const x = use.map((q) => Math.log(q.n));
  const y = use.map((q) => Math.log(q.y));
  const w = use.map((q) => (q.y / q.se) ** 2);
  const W = w.reduce((a, b) => a + b, 0);
  const mx = x.reduce((a, xi, i) => a + w[i]! * xi, 0) / W;
  const my = y.reduce((a, yi, i) => a + w[i]! * yi, 0) / W;
  let sxx = 0;
  let sxy = 0;
  x.forEach((xi, i) => {
    sxx += w[i]! * (xi - mx) ** 2;
    sxy += w[i]! * (xi - mx) * (y[i]! - my);
  });
  const slope = sxy / sxx;
  const nu = use.length - 2;
  const chi2 = nu > 0 ? x.reduce((a, xi, i) => a + w[i]! * (y[i]! - my - slope * (xi - mx)) ** 2, 0) / nu : NaN;
  return { p: -slope, pStderr: Math.sqrt(1 / sxx), chi2, used: use.map((q) => q.n) };
}
