/**
 * Critical initialisation hyperparameters (C_b, C_W) of a deep MLP and their universality classes (Roberts, Yaida,
 * Hanin, "The Principles of Deep Learning Theory" (PDLT), §5.1–5.3; docs/criticality.md).
 *
 * Criticality: a fixed point K* = C_b + C_W g(K*) of the single-input kernel map at which both susceptibilities are 1,
 *   χ_∥(K*) = C_W g'(K*) = 1,   χ_⊥(K*) = C_W⟨σ'²⟩_{K*} = 1.
 * Since χ_∥ − χ_⊥ = C_W⟨σσ''⟩_K, a critical K* > 0 is a root of ⟨σσ''⟩_K (independent of C_b, C_W), and then
 *   C_W = 1/⟨σ'²⟩_{K*},   C_b = K* − C_W⟨σ²⟩_{K*}   (admissible when C_b ≥ 0).
 * The classes found:
 *  - scale-invariant (σ = a₊z for z > 0, a₋z for z < 0; PDLT §5.2): χ_∥ = χ_⊥ = C_W(a₊² + a₋²)/2 at every K, so
 *    C_b = 0, C_W = 2/(a₊² + a₋²) and every K is a fixed point (a line of fixed points); ReLU: (0, 2).
 *  - K* = 0 (PDLT §5.3.3): σ(0) = 0, σ'(0) ≠ 0 gives χ_∥, χ_⊥ → C_Wσ'(0)² as K → 0, so C_b = 0, C_W = 1/σ'(0)². With
 *    σ = σ₁z + σ₂z² + σ₃z³ + …, K' = K + a₂K² + O(K³), a₂ = 6σ₃/σ₁ + 3σ₂²/σ₁² = σ'''(0)/σ'(0) + ¾(σ''(0)/σ'(0))²;
 *    the class needs a₂ < 0 (K⁽ℓ⁾ ≈ 1/(−a₂ℓ) → 0); tanh: (0, 1), a₂ = −2. With a₂ > 0 the fixed point repels every
 *    K > 0 and is not a critical initialisation (GELU, SiLU: PDLT §5.3.4).
 *  - K* > 0 (PDLT §5.3.4, "half-stable"): the expansion Δ' = Δ + a₂Δ² about K* (χ_∥ = 1) is approached from one side
 *    only — from above when a₂ < 0, from below when a₂ > 0 — with K⁽ℓ⁾ − K* ≈ 1/(−a₂ℓ). GELU: K* = (3 + √17)/2.
 *  - none: no admissible point (sigmoid, softplus: PDLT §5.3.2).
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import type { ActivationSpec } from '../spec.ts';
import { KernelMap } from './kernel-map.ts';

export type UniversalityClass = 'scale-invariant' | 'K*=0' | 'K*>0';

export interface CriticalPoint {
  class: UniversalityClass;
  cb: number;
  cw: number;
  /** the fixed point (scale-invariant: every K is one; 1 is reported, the analysis does not depend on it) */
  Kstar: number;
  /** χ_∥, χ_⊥ re-evaluated at (C_b, C_W, K*) (for K* = 0: their K → 0 limits, C_Wσ'(0)²) */
  chiParallel: number;
  chiPerpendicular: number;
  /** the second-order coefficient a₂ of Δ' = Δ + a₂Δ² about K* (0 for scale-invariant σ) */
  secondOrder: number;
  /** which side the fixed point is approached from: both (line of fixed points), above, below */
  approach: 'line of fixed points' | 'from above' | 'from below' | 'marginal';
  /** predicted large-depth behaviour (PDLT §5.3–5.4) */
  prediction: string;
}

export interface RejectedPoint {
  Kstar: number;
  cb: number;
  cw: number;
  reason: string;
}

export interface CriticalitySearch {
  activation: string;
  points: CriticalPoint[];
  rejected: RejectedPoint[];
  /** the K range scanned for K* > 0 roots of ⟨σσ''⟩_K */
  scanned: { from: number; to: number; points: number };
}

export interface SearchOptions {
  /** the K range searched for K* > 0 (default [1e-4, 1e4]) */
  range?: [number, number];
  /** grid points per decade of K (default 16) */
  perDecade?: number;
}

/** Brent's method on [a, b] with f(a)·f(b) < 0, to |b − a| ≤ 4ε|b| (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4). */
export function brentRoot(f: (x: number) => number, a0: number, b0: number, fa0: number, fb0: number): number {
  let a = a0, b = b0, fa = fa0, fb = fb0;
  let c = a, fc = fa, d = b - a, e = d;
  for (let it = 0; it < 200; it++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    const tol = 4 * Number.EPSILON * Math.abs(b) + 1e-300;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = d;
      }
    } else {
      d = m;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return b;
}

const ZERO_TOL = 1e-14;

function isNumericalFailure(e: unknown): boolean {
  return e instanceof NnftNumericalError || e instanceof NnftInputError || e instanceof RangeError;
}

/** All critical points of σ (see the module comment). */
export function findCriticalPoints(activation: ActivationSpec, opts: SearchOptions = {}): CriticalitySearch {
  const map = new KernelMap(activation);
  const act = map.activation;
  const points: CriticalPoint[] = [];
  const rejected: RejectedPoint[] = [];
  const [from, to] = opts.range ?? [1e-4, 1e4];
  if (!(from > 0 && to > from && Number.isFinite(to))) throw new NnftInputError('range', `need 0 < from < to < ∞, got [${from}, ${to}]`);
  const perDecade = opts.perDecade ?? 16;
  if (!(Number.isInteger(perDecade) && perDecade >= 2 && perDecade <= 1000)) throw new NnftInputError('perDecade', `need an integer in 2..1000, got ${perDecade}`);

  // scale-invariant: piecewise-linear σ, or σ'' ≡ 0 (linear)
  if (act.kind === 'piecewise-linear') {
    const { slopeNeg, slopePos } = act.pl!;
    const s2 = (slopeNeg * slopeNeg + slopePos * slopePos) / 2;
    if (!(s2 > 0)) throw new NnftInputError('activation', `${act.name} is identically zero`, 'choose a non-trivial activation');
    const cw = 1 / s2;
    const K = 1;
    points.push({
      class: 'scale-invariant',
      cb: 0,
      cw,
      Kstar: K,
      chiParallel: map.chiParallel(K, cw),
      chiPerpendicular: map.chiPerpendicular(K, cw),
      secondOrder: map.secondOrder(K, cw),
      approach: 'line of fixed points',
      prediction: `every K is a fixed point; V⁽ℓ⁾/K² = ${(cw * cw * map.at(K).varSigma2).toPrecision(6)}·(ℓ − 1) grows linearly (PDLT §5.4.1)`,
    });
    return { activation: act.name, points, rejected, scanned: { from, to, points: 0 } };
  }
  const d1 = act.derivative(1)(0);
  const d2 = act.derivative(2)(0);
  const d3 = act.derivative(3)(0);
  const s0 = act.f(0);
  const linear = [-2.3, -0.7, 0.4, 1.9].every((z) => Math.abs(act.derivative(2)(z)) <= ZERO_TOL * (1 + Math.abs(act.derivative(1)(z))));
  if (linear && Math.abs(s0) <= ZERO_TOL * (1 + Math.abs(d1)) && d1 !== 0) {
    const cw = 1 / (d1 * d1);
    points.push({ class: 'scale-invariant', cb: 0, cw, Kstar: 1, chiParallel: map.chiParallel(1, cw), chiPerpendicular: map.chiPerpendicular(1, cw), secondOrder: 0, approach: 'line of fixed points', prediction: 'every K is a fixed point; V⁽ℓ⁾/K² = 2(ℓ − 1) (a deep linear network)' });
    return { activation: act.name, points, rejected, scanned: { from, to, points: 0 } };
  }

  // K* = 0 candidate
  if (Math.abs(s0) <= ZERO_TOL * (1 + Math.abs(d1)) && d1 !== 0 && Number.isFinite(d1)) {
    const cw = 1 / (d1 * d1);
    const a2 = d3 / d1 + 0.75 * (d2 / d1) ** 2;
    if (a2 < -1e-12) {
      points.push({
        class: 'K*=0',
        cb: 0,
        cw,
        Kstar: 0,
        chiParallel: cw * d1 * d1,
        chiPerpendicular: cw * d1 * d1,
        secondOrder: a2,
        approach: 'from above',
        prediction: `K⁽ℓ⁾ ≈ 1/(${(-a2).toPrecision(6)}·ℓ), V⁽ℓ⁾/K⁽ℓ⁾² ≈ (2/3)ℓ (PDLT §5.3.3, §5.4.2)`,
      });
    } else {
      rejected.push({ Kstar: 0, cb: 0, cw, reason: a2 > 1e-12 ? `K' = K + a₂K² with a₂ = ${a2.toPrecision(6)} > 0: every K > 0 flows away from K* = 0` : 'a₂ = 0: the flow near K* = 0 is decided at higher order, which this analysis does not cover' });
    }
  }

  // K* > 0: roots of ⟨σσ''⟩_K
  const n = Math.max(2, Math.round(Math.log10(to / from) * perDecade) + 1);
  const grid: number[] = [];
  const vals: number[] = [];
  let lostBelow: number | undefined;
  for (let i = 0; i < n; i++) {
    const K = from * Math.pow(to / from, i / (n - 1));
    let v: number;
    let sigmaPrime2: number;
    try {
      ({ sigmaSigma2: v, sigmaPrime2 } = map.at(K));
    } catch (e) {
      if (isNumericalFailure(e)) break; // e.g. ⟨σ²⟩ overflows for exponential σ: stop the scan there
      throw e;
    }
    // A high power such as z^1000 has ⟨σ'²⟩_K ∝ K^999: it underflows to 0 at small K and overflows at large K.
    // A K where ⟨σ'²⟩ is not a positive finite double is outside what double precision can analyse: below the
    // usable window it is skipped (a 0 there is underflow, not a root of ⟨σσ''⟩), above it the scan stops.
    if (!Number.isFinite(v) || !(Number.isFinite(sigmaPrime2) && sigmaPrime2 > 0)) {
      if (grid.length === 0 && Number.isFinite(v) && Number.isFinite(sigmaPrime2)) {
        lostBelow = K;
        continue;
      }
      break;
    }
    grid.push(K);
    vals.push(v);
  }
  const nonConstant = [-2.3, -0.7, 0.4, 1.9].some((z) => act.derivative(1)(z) !== 0);
  if (grid.length === 0 && lostBelow !== undefined && nonConstant) {
    throw new NnftNumericalError(
      `⟨σ'²⟩_K of the activation ${act.name}`,
      `it comes out 0 for every K up to ${lostBelow.toPrecision(3)} (and the expectations overflow above) although σ' is not zero: σ'(z)² grows like so high a power of z that its expectation underflows, or its Gaussian weight lies beyond the quadrature nodes, at every K where it does not overflow, so no K has a value in double precision`,
      'use a lower power of z or a bounded activation',
      { argument: '--activation' },
    );
  }
  const f = (K: number): number => map.at(K).sigmaSigma2;
  for (let i = 0; i + 1 < grid.length; i++) {
    const va = vals[i]!, vb = vals[i + 1]!;
    let Kstar: number | undefined;
    if (va === 0) Kstar = grid[i];
    else if (va * vb < 0) Kstar = brentRoot(f, grid[i]!, grid[i + 1]!, va, vb);
    if (Kstar === undefined) continue;
    const p = map.at(Kstar);
    const cw = 1 / p.sigmaPrime2;
    const cb = Kstar - cw * p.g;
    if (!(cw > 0 && Number.isFinite(cw))) {
      rejected.push({ Kstar, cb, cw, reason: 'C_W = 1/⟨σ\'²⟩ is not a positive finite number' });
      continue;
    }
    if (cb < -1e-12 * Kstar) {
      rejected.push({ Kstar, cb, cw, reason: `C_b = K* − C_W⟨σ²⟩ = ${cb.toPrecision(6)} < 0 is not a variance` });
      continue;
    }
    const cbAdmissible = Math.max(0, cb);
    const a2 = map.secondOrder(Kstar, cw);
    const approach = Math.abs(a2) <= 1e-10 ? 'marginal' : a2 < 0 ? 'from above' : 'from below';
    points.push({
      class: 'K*>0',
      cb: cbAdmissible,
      cw,
      Kstar,
      chiParallel: map.chiParallel(Kstar, cw),
      chiPerpendicular: map.chiPerpendicular(Kstar, cw),
      secondOrder: a2,
      approach,
      prediction:
        approach === 'marginal'
          ? 'a₂ = 0: the approach to K* is decided at higher order'
          : `half-stable: approached ${approach} only, K⁽ℓ⁾ − K* ≈ 1/(${(-a2).toPrecision(6)}·ℓ); V⁽ℓ⁾/K*² ≈ ${((cw * cw * p.varSigma2) / (5 * Kstar * Kstar)).toPrecision(6)}·ℓ (PDLT §5.3.4)`,
    });
  }
  return { activation: act.name, points, rejected, scanned: { from: grid.length > 0 ? grid[0]! : from, to: grid.length > 0 ? grid[grid.length - 1]! : from, points: grid.length } };
}
