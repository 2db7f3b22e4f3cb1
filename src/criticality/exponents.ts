/**
 * Critical exponents in depth (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), §5.3–5.4):
 * at a critical point the kernel approaches its fixed point and the normalised four-point vertex grows as power
 * laws in the layer ℓ,
 *
 *   K⁽ℓ⁾ − K* ≈ A_K ℓ^{−p_K},      V⁽ℓ⁾/(K⁽ℓ⁾)² ≈ A_V ℓ^{p_V},
 *
 * (K* = 0 class: p_K = 1, A_K = 1/(−a₂); p_V = 1, A_V = 2/3; scale-invariant: K constant, V/K² = C_W²Var(σ²)/K²·(ℓ−1)).
 * The exponents are measured on a long run of the recursions (recursions/, V4 without the 1/n factor, so the
 * width drops out) by least squares of log y against log ℓ over the window ℓ ∈ [ℓ_max/10, ℓ_max]. The fit's
 * standard error is the usual regression one, σ_p² = Σ r²/((n − 2) Σ (log ℓ − mean)²); the residuals here are
 * not noise but the O(log ℓ/ℓ) corrections to scaling, so the drift — the difference between the slopes of the two
 * halves of the window in log ℓ — is reported beside it as the systematic error of the asymptotic exponent.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import type { ActivationSpec } from '../spec.ts';
import { solveRecursions } from '../../recursions/index.ts';
import type { CriticalPoint } from './critical-point.ts';

export interface PowerLawFit {
  /** the exponent p of y ≈ A ℓ^{±p} (sign convention of the quantity: decay for K − K*, growth for V/K²) */
  exponent: number;
  /** regression standard error of the exponent */
  stderr: number;
  /** |slope(first half) − slope(second half)| of the window in log ℓ: the size of the corrections to scaling */
  drift: number;
  amplitude: number;
  window: [number, number];
  points: number;
}

export interface ExponentReport {
  depth: number;
  /** K⁽¹⁾ of the run (one input) */
  K1: number;
  /** K⁽ℓ⁾ − K*: decay exponent p_K (absent when K is constant: scale-invariant σ) */
  kernel?: PowerLawFit;
  /** scale-invariant σ: the largest relative change of K over the run (0 up to rounding) */
  kernelConstant?: number;
  /** V⁽ℓ⁾/(K⁽ℓ⁾)²: growth exponent p_V */
  vertex: PowerLawFit;
  /** at the last layer: ℓ·(K − K*) and (V/K²)/ℓ, the amplitudes the exponents multiply */
  last: { layer: number; K: number; VoverK2: number; lTimesDeltaK: number; VoverK2PerLayer: number };
  /** the run itself, every layer (for plots) */
  layers: { layer: number; K: number; VoverK2: number }[];
}

/** Ordinary least squares y = c + s x; slope, its standard error, intercept. */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; stderr: number; intercept: number } {
  const n = xs.length;
  if (n < 3) throw new NnftInputError('fit', `need at least 3 points, got ${n}`);
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (ys[i]! - intercept - slope * xs[i]!) ** 2;
  return { slope, stderr: Math.sqrt(ss / (n - 2) / sxx), intercept };
}

/** Fit log y = log A + sign·p log ℓ over the layers in [lo, hi] (y > 0 required there). */
export function powerLawFit(layers: readonly number[], ys: readonly number[], lo: number, hi: number, sign: 1 | -1, what: string): PowerLawFit {
  const xs: number[] = [];
  const ls: number[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    if (l < lo || l > hi) continue;
    const y = ys[i]!;
    if (!(y > 0) || !Number.isFinite(y)) {
      throw new NnftNumericalError(`the power-law fit of ${what}`, `${what} = ${y} at layer ${l} is not positive`, 'start the run on the side from which the fixed point is approached (--k1), or fit a shorter window', { layer: l, quantity: what });
    }
    xs.push(Math.log(l));
    ls.push(Math.log(y));
  }
  const all = linearFit(xs, ls);
  const mid = (Math.log(lo) + Math.log(hi)) / 2;
  const half = (pred: (x: number) => boolean) => {
    const xi: number[] = [];
    const yi: number[] = [];
    xs.forEach((x, i) => {
      if (pred(x)) {
        xi.push(x);
        yi.push(ls[i]!);
      }
    });
    return linearFit(xi, yi).slope;
  };
  const drift = Math.abs(half((x) => x <= mid) - half((x) => x >= mid));
  return { exponent: sign * all.slope, stderr: all.stderr, drift, amplitude: Math.exp(all.intercept), window: [lo, hi], points: xs.length };
}

export interface ExponentOptions {
  /** number of layers of the run (default 1000) */
  depth?: number;
  /** K⁽¹⁾ (default: 1 for K* = 0 and scale-invariant points; K*·(1 ± ½) on the attracting side for K* > 0) */
  K1?: number;
}

/** The depth run at a critical point and the power-law fits of K⁽ℓ⁾ − K* and V⁽ℓ⁾/K². */
export function criticalExponents(activation: ActivationSpec, point: CriticalPoint, opts: ExponentOptions = {}): ExponentReport {
  const depth = opts.depth ?? 1000;
  if (!(Number.isInteger(depth) && depth >= 30 && depth <= 100000)) throw new NnftInputError('depth', `need an integer in 30..100000, got ${String(depth)}`, 'the fit window is [depth/10, depth]');
  const { cb, cw, Kstar } = point;
  let K1 = opts.K1;
  if (K1 === undefined) {
    if (point.class === 'K*>0') K1 = point.approach === 'from below' ? Math.max(cb, Kstar / 2) : 1.5 * Kstar;
    else K1 = 1;
  }
  if (!(Number.isFinite(K1) && K1 > 0)) throw new NnftInputError('k1', `K⁽¹⁾ must be a finite number > 0, got ${String(K1)}`);
  if (K1 < cb) throw new NnftInputError('k1', `K⁽¹⁾ = C_b + C_W|x|²/n₀ ≥ C_b = ${cb}, got ${K1}`, `pass --k1 ≥ ${cb}`);
  // one input x with C_b + C_W x² = K⁽¹⁾ (n₀ = 1)
  const x = Math.sqrt((K1 - cb) / cw);
  const run = solveRecursions({ activation, inputs: [[x]], widths: new Array(depth).fill(1000), cb, cw, quantities: ['K', 'V4'] });
  const layers = run.layers.map((l) => {
    const K = l.K![0]![0]!;
    return { layer: l.layer, K, VoverK2: l.V4![0]![0]![0]![0]! / (K * K) };
  });
  const ls = layers.map((r) => r.layer);
  const lo = Math.max(2, Math.floor(depth / 10));
  const vertex = powerLawFit(ls, layers.map((r) => r.VoverK2), lo, depth, 1, 'V/K²');
  const lastRow = layers[layers.length - 1]!;
  const report: ExponentReport = {
    depth,
    K1,
    vertex,
    last: { layer: lastRow.layer, K: lastRow.K, VoverK2: lastRow.VoverK2, lTimesDeltaK: lastRow.layer * (lastRow.K - (point.class === 'scale-invariant' ? lastRow.K : Kstar)), VoverK2PerLayer: lastRow.VoverK2 / lastRow.layer },
    layers,
  };
  if (point.class === 'scale-invariant') {
    report.kernelConstant = Math.max(...layers.map((r) => Math.abs(r.K - K1!) / K1!));
  } else {
    const sgn = point.approach === 'from below' ? -1 : 1;
    report.kernel = powerLawFit(ls, layers.map((r) => sgn * (r.K - Kstar)), lo, depth, -1, 'K − K*');
  }
  return report;
}
