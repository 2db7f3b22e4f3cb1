/**
 * Student's t distribution: upper tail and quantiles, for the z-scores of the symmetry tests.
 *
 * A paired z-score z = mean(d)/se(d) whose standard error is estimated from the same n differences is, for
 * normal d, t-distributed with ν = n − 1 degrees of freedom. At the Bonferroni levels of the tests (10⁻⁶ …
 * 10⁻¹²) the normal quantile is far too small for small n: at n = 4 networks a symmetric ensemble came out
 * "broken" in 11–19 of 30 seeds with normal thresholds; the t quantiles restore the stated family-wise level.
 *
 * P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½) (Abramowitz & Stegun 26.7.1 with 26.5.27), with the regularized incomplete
 * beta function I_x(a, b) from its continued fraction (A&S 26.5.8, evaluated by the modified Lentz method),
 * in logarithms so that tails down to 10⁻³⁰⁰ stay representable. Hand-written because no dependency of the
 * project provides the incomplete beta function (mathjs has Γ but not I_x); checked against scipy.stats.t to
 * 1e-10 relative (test/symmetry/student.test.ts).
 */

/** ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms; relative error < 2e-15), reflection-free. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const y = x - 1;
  let s = c[0]!;
  for (let k = 1; k < 9; k++) s += c[k]! / (y + k);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). For b = ½ and a ≥ 100 (the t tails at ν ≥ 200) the difference
 * of two large ln Γ would cancel (ν = 10⁷: 4e-9 absolute), so ln Γ(a + ½) − ln Γ(a) comes from its asymptotic
 * series ½ ln a − 1/(8a) + 1/(192a³) + 1/(640a⁵) − 17/(14336a⁷) (error < 4e-13 at a = 100).
 */
function lnBeta(a: number, b: number): number {
  if (b === 0.5 && a >= 100) {
    const r = 1 / a;
    return 0.5 * Math.log(Math.PI) - (0.5 * Math.log(a) - r / 8 + r ** 3 / 192 + r ** 5 / 640 - (17 * r ** 7) / 14336);
  }
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** The continued fraction of I_x(a, b) (A&S 26.5.8), modified Lentz; converges fast for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const maxIterations = 100000;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) return h;
  }
  return h;
}

/**
 * ln I_x(a, b), the log of the regularized incomplete beta function, for 0 ≤ x ≤ 1; `lnX`, `ln1mX` (ln x and
 * ln(1 − x)) may be passed when x or 1 − x is too small to hold their logs accurately.
 */
export function lnIncompleteBeta(x: number, a: number, b: number, lnX = Math.log(x), ln1mX = Math.log1p(-x)): number {
  if (lnX === -Infinity) return -Infinity;
  if (ln1mX === -Infinity) return 0;
  const lnFront = a * lnX + b * ln1mX - lnBeta(a, b);
  if (x < (a + 1) / (a + b + 2)) return lnFront + Math.log(betaContinuedFraction(x, a, b)) - Math.log(a);
  // the complement converges fast here: I_x(a, b) = 1 − I_{1−x}(b, a)
  return Math.log1p(-Math.exp(lnFront + Math.log(betaContinuedFraction(1 - x, b, a)) - Math.log(b)));
}

/** ln P(T_ν > t), the log upper tail of Student's t with ν > 0 degrees of freedom. */
export function lnStudentUpperTail(t: number, nu: number): number {
  if (t === Infinity) return -Infinity;
  // x = ν/(ν + t²) = 1/(1 + r²), r = |t|/√ν, without forming t² (it overflows for |t| > 1e154)
  const r = Math.abs(t) / Math.sqrt(nu);
  const x = 1 / (1 + r * r);
  const lnX = r > 1 ? -2 * Math.log(r) - Math.log1p(1 / (r * r)) : -Math.log1p(r * r);
  const ln1mX = r > 1 ? -Math.log1p(1 / (r * r)) : 2 * Math.log(r) - Math.log1p(r * r);
  const lnHalfI = Math.log(0.5) + lnIncompleteBeta(x, nu / 2, 0.5, lnX, ln1mX);
  return t >= 0 ? lnHalfI : Math.log1p(-Math.exp(lnHalfI));
}

/** P(T_ν > t). */
export function studentUpperTail(t: number, nu: number): number {
  return Math.exp(lnStudentUpperTail(t, nu));
}

/** The t with P(T_ν > t) = p, 0 < p < 1 (bisection on the log tail, to 1e-12 relative in t). */
export function studentUpperQuantile(p: number, nu: number): number {
  if (p > 0.5) return -studentUpperQuantile(1 - p, nu);
  if (p === 0.5) return 0;
  const lnP = Math.log(p);
  let lo = 0;
  let hi = 1;
  while (lnStudentUpperTail(hi, nu) > lnP) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (lnStudentUpperTail(mid, nu) > lnP) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
