/**
 * Fixed points of the single-input kernel map at given hyperparameters (Roberts, Yaida, Hanin, "The Principles of
 * Deep Learning Theory" (PDLT), §5.1): the roots K* ≥ 0 of
 *
 *   F(K) = C_b + C_W⟨σ²⟩_K − K,
 *
 * with the susceptibilities there. A fixed point with χ_∥(K*) < 1 attracts nearby kernels (exponentially in depth,
 * with correlation depth −1/log χ_∥), one with χ_∥ > 1 repels them; χ_⊥ < 1 (> 1) makes nearby inputs converge
 * (diverge) in depth. K* = 0 is a fixed point when C_b = 0 and σ(0) = 0; its susceptibilities are the limits
 * C_Wσ'(0)² (smooth σ) or C_W(a₊² + a₋²)/2 (piecewise-linear σ).
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import type { ActivationSpec } from '../spec.ts';
import { brentRoot } from './critical-point.ts';
import { KernelMap } from './kernel-map.ts';

export interface KernelFixedPoint {
  Kstar: number;
  chiParallel: number;
  chiPerpendicular: number;
  /** attracting (χ_∥ < 1), repelling (χ_∥ > 1) or marginal (|χ_∥ − 1| ≤ 1e-9) */
  stability: 'attracting' | 'repelling' | 'marginal';
}

export interface FixedPointOptions {
  /** the K range scanned (default [1e-6, 1e6]) */
  range?: [number, number];
  perDecade?: number;
}

function stabilityOf(chi: number): KernelFixedPoint['stability'] {
  return Math.abs(chi - 1) <= 1e-9 ? 'marginal' : chi < 1 ? 'attracting' : 'repelling';
}

/** All fixed points K* of K ↦ C_b + C_W⟨σ²⟩_K in the scanned range (and K* = 0 where it is one). */
export function kernelFixedPoints(activation: ActivationSpec, cb: number, cw: number, opts: FixedPointOptions = {}): KernelFixedPoint[] {
  if (!(Number.isFinite(cb) && cb >= 0)) throw new NnftInputError('cb', `C_b must be a finite number ≥ 0, got ${cb}`);
  if (!(Number.isFinite(cw) && cw > 0)) throw new NnftInputError('cw', `C_W must be a finite number > 0, got ${cw}`);
  const map = new KernelMap(activation);
  const act = map.activation;
  const [from, to] = opts.range ?? [1e-6, 1e6];
  if (!(from > 0 && to > from && Number.isFinite(to))) throw new NnftInputError('range', `need 0 < from < to < ∞, got [${from}, ${to}]`);
  const perDecade = opts.perDecade ?? 8;
  const out: KernelFixedPoint[] = [];
  if (cb === 0 && act.f(0) === 0) {
    const chi = act.kind === 'piecewise-linear' ? (cw * (act.pl!.slopeNeg ** 2 + act.pl!.slopePos ** 2)) / 2 : cw * act.derivative(1)(0) ** 2;
    out.push({ Kstar: 0, chiParallel: chi, chiPerpendicular: chi, stability: stabilityOf(chi) });
    if (act.kind === 'piecewise-linear' && Math.abs(chi - 1) <= 1e-12) return out; // every K is a fixed point
  }
  const n = Math.max(2, Math.round(Math.log10(to / from) * perDecade) + 1);
  const F = (K: number): number => map.next(K, cb, cw) - K;
  let prevK = NaN, prevF = NaN;
  for (let i = 0; i < n; i++) {
    const K = from * Math.pow(to / from, i / (n - 1));
    let f: number;
    try {
      f = F(K);
    } catch (e) {
      if (e instanceof NnftNumericalError || e instanceof NnftInputError) break;
      throw e;
    }
    if (!Number.isFinite(f)) break;
    if (f === 0 || (i > 0 && prevF * f < 0)) {
      const Kstar = f === 0 ? K : brentRoot(F, prevK, K, prevF, f);
      const chiParallel = map.chiParallel(Kstar, cw);
      out.push({ Kstar, chiParallel, chiPerpendicular: map.chiPerpendicular(Kstar, cw), stability: stabilityOf(chiParallel) });
    }
    prevK = K;
    prevF = f;
  }
  return out;
}
