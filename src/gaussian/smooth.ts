/**
 * Fast, accurate Gaussian expectations of products Π_a g_a(z_a) of smooth functions over N(0, C), C of
 * size ≤ 4 (possibly singular), used by expectActivationProduct / makeLayerExpectation (accuracy, limits and
 * refusals for users: docs/quadrature.md).
 *
 * Method.
 * - z = L u with L from pivoted Cholesky (rank r; only the range of C is integrated). Coordinate i (pivot
 *   order) depends on u_0..u_{min(i, r−1)}, so g_i is evaluated once per prefix of the nested loops.
 * - Each u_j is integrated by the truncated trapezoid rule Σ_i h φ(ih) F(ih), which converges
 *   geometrically, e^{−2πd/h}, for integrands analytic in a strip |Im u| < d — much faster than
 *   Gauss–Hermite for saturating activations at large variance (tanh, erf at K ≳ 1). The step h_j for
 *   direction j is calibrated per activation and scale (1-D test integrands against a finer step), and the
 *   nodes are truncated to a ball |u| ≤ R, R also calibrated (it follows the growth of |σ|^P, P factors per
 *   coordinate). The calibration certifies the step or reports why it cannot (CalibrationFailure).
 * - Where no step is certified because σ's features are narrow against the Gaussian (large K) and σ grows at
 *   most like a power, the graded Gauss–Kronrod rule of graded.ts takes over, with an error estimate per
 *   expectation that is checked against the tolerance (refined, or refused). Non-finite σ, divergent and
 *   overflowing integrands are refused with the reason (failures.ts).
 * - When only one coordinate depends on the last direction (full-rank sub-kernel, r ≥ 3), the innermost
 *   integral E[g(c + s u)] is a smooth (entire) function of c: it is tabulated once on a uniform grid and
 *   evaluated by 10-point Lagrange interpolation (checked against direct evaluation, grid refined until
 *   it agrees), which removes one dimension from the loop (3-D cost for a 4-D expectation).
 * - Rank ≤ 2 inside one layer (SmoothLayerContext): the nodes are laid out once per subset of inputs, σ^(k) for
 *   all k comes from one compiled jet pass per coordinate, and each expectation is a nested dot product — a
 *   layer's dozens of 1-D/2-D expectations then cost about one σ evaluation per node in total. Measured by
 *   bench/recursions.bench.ts (tanh, 2 inputs, 100 layers: 12–16 ms warm, ≥ 12× the NumPy original form).
 * - Rank-3 subsets of a kernel that itself has rank 3 (layer 1 over inputs in three dimensions) share one rule
 *   over the kernel's range (shared-rule.ts) instead of a rule per subset; other subsets of rank 3 and 4 take the
 *   lattice rule of lattice.ts.
 * - Work is bounded: at most 1000 trapezoid nodes per direction, 2·10⁶ graded nodes in two dimensions (with their σ^(k)
 *   tables, a few hundred MB at most), and a
 *   budget of node visits in three and four; beyond, the expectation is refused with the estimate.
 */
import type { Activation } from '../activations/types.ts';
import { NnftNumericalError } from '../errors.ts';
import { pivotedCholesky } from './linalg.ts';
import { Float64Arena } from './arena.ts';
import { activationFeatures, coreFeatureWidth } from './features.ts';
import { accuracyError, describeProduct, failureError, overflowError, what } from './failures.ts';
import { latticeProducts, type LatticeCoordinate } from './lattice.ts';
import { SHARED_MAX_BYTES, SHARED_MAX_NODES, SHARED_ORDERS, SharedLowRankRule, orientCoordinates, sharedRuleSize } from './shared-rule.ts';
import { buildGradedNodes, gradedNestedSum, gradedProduct, type Estimate, type GradedNodes, type GradedSettings } from './graded.ts';

const INV_SQRT_2PI = 0.3989422804014327;

/** Why a trapezoid step could not be certified at some scale. */
import type { CalibrationFailure } from './types.ts';
export type { CalibrationFailure };

export interface StepChoice {
  h: number;
  /** truncation radius for integrands with ≤ 2 factors per coordinate */
  R: number;
  /** radii for ≤ 4 and ≤ 8 factors per coordinate (they differ from R only for exponentially growing σ) */
  R4: number;
  R8: number;
  /** h and R are certified (for ≤ 2 factors per coordinate); otherwise `failure` says why */
  certified: boolean;
  failure?: CalibrationFailure;
  /** the largest number of factors per coordinate whose tail is certified (0, 2, 4 or 8) */
  maxPower: number;
  /** why the next power is not certified */
  powerFailure?: CalibrationFailure;
}

/** Step ladder floor and node budget per direction of the trapezoid rule (beyond: the graded rule of graded.ts). */
const H_MIN = 0.003;
export const MAX_TRAPEZOID_NODES = 1000;
/**
 * Largest step in z (= s·h), 3× σ's core feature width (features.ts; 1.5 for tanh, whose core panels are 0.5
 * wide): a coarser step could alias an oscillating σ (sin, sin(1000z)) into a spuriously converged sum.
 */
const Z_STEP_MAX = 1.5;
/** Nodes beyond the calibration's radius cap are not examined: |u| ≤ U_MAX. */
const U_MAX = 40;
/** A non-finite σ^(k) at |u| ≤ U_FATAL (Gaussian weight ≥ 1e-30) invalidates every integrand that contains it. */
const U_FATAL = 11.7;

interface RunResult {
  t1: Float64Array;
  t2: Float64Array;
  m1: Float64Array;
  m2: Float64Array;
  /** radius per power index (powers 1, 2, 4, 8) */
  U: number[];
  /** per power index: the tail became negligible before U_MAX */
  quiet: boolean[];
  overflow: boolean[];
  nonfinite?: { z: number; order: number; value: number };
}
const POWERS = [1, 2, 4, 8];

/** Scales are calibrated in buckets of ratio 1.1: bucket b holds (1.1^(b−1), 1.1^b] and is calibrated at its top. */
export function scaleBucket(s: number): number {
  return Math.ceil(Math.log(s) / Math.log(1.1));
}
function bucketScale(bucket: number): number {
  return Math.pow(1.1, bucket);
}

/** Per-activation calibration of trapezoid step and truncation radius as a function of the scale s. */
export class Calibration {
  private readonly bySBucket = new Map<number, StepChoice>();
  private readonly tol: number;
  /** smallest scale at which the step ladder failed: larger scales fail too (and are not recalibrated) */
  private resolutionFailedAt = Infinity;
  /**
   * `precomputed`: certified choices by scale bucket from an earlier calibration of the same activation and
   * tolerance (calibration-table.ts, shipped with the CLI build); a bucket absent from it is calibrated here.
   */
  constructor(
    private readonly act: Activation,
    tol: number,
    private readonly precomputed?: ReadonlyMap<number, StepChoice>,
  ) {
    // below ~1e-14 the calibration cannot certify a step (rounding dominates), so clamp
    this.tol = Math.max(tol, 1e-14);
  }

  /** Step and radius for a direction whose coordinates have |dz/du| ≤ s. */
  choose(s: number): StepChoice {
    if (!(s > 0)) return { h: 1, R: 9, R4: 9, R8: 9, certified: true, maxPower: 8 };
    const bucket = scaleBucket(s);
    let c = this.bySBucket.get(bucket);
    if (!c) {
      const sb = bucketScale(bucket);
      c = sb >= this.resolutionFailedAt ? failed({ kind: 'resolution', s: sb }) : (this.precomputed?.get(bucket) ?? this.calibrate(sb));
      if (c.failure?.kind === 'resolution') this.resolutionFailedAt = Math.min(this.resolutionFailedAt, sb);
      this.bySBucket.set(bucket, c);
    }
    return c;
  }

  /** A fresh calibration of one scale bucket (what choose caches for every s in it), for precomputed tables. */
  calibrateBucket(bucket: number): StepChoice {
    return this.calibrate(bucketScale(bucket));
  }

  private calibrate(s: number): StepChoice {
    const act = this.act;
    const tol = this.tol;
    const maxK = Math.min(2, act.maxOrder);
    // streams g_j(s·u + c_j): σ^(k), k ≤ 2, at three shifts (plain arrays and loops: this runs once per scale
    // bucket, mostly before the JIT has optimised anything, so it avoids closures and allocations per node)
    const gs: ((z: number) => number)[] = [];
    const cs: number[] = [];
    const ks: number[] = [];
    for (let k = 0; k <= maxK; k++) {
      const g = act.derivative(k);
      for (const c of [0, 0.37 * s, 1.3 * s]) {
        gs.push(g);
        cs.push(c);
        ks.push(k);
      }
    }
    const nS = gs.length;
    // trapezoid sums of v and v² for every stream (the step test), and the tails of |v|^P for P = 1, 2, 4, 8 (the
    // radius: the last node whose relative contribution exceeds 1e-2·tol; tails are followed out to U_MAX)
    const run = (h: number, powers: number): RunResult => {
      const t1 = new Float64Array(nS);
      const t2 = new Float64Array(nS);
      const m1 = new Float64Array(nS);
      const m2 = new Float64Array(nS);
      const mP = POWERS.map(() => new Float64Array(nS));
      const U = POWERS.map(() => 6);
      const quietRun = POWERS.map(() => 0);
      const quiet = POWERS.map(() => false);
      const overflow = POWERS.map(() => false);
      const biggest = POWERS.map(() => 0);
      let nonfinite: RunResult['nonfinite'];
      for (let i = 0; ; i++) {
        const u = i * h;
        const w = h * INV_SQRT_2PI * Math.exp(-0.5 * u * u);
        for (let q = 0; q < powers; q++) biggest[q] = 0;
        for (let j = 0; j < nS; j++) {
          const g = gs[j]!;
          const c = cs[j]!;
          for (let sign = 0; sign < (i === 0 ? 1 : 2); sign++) {
            const z = s * (sign === 0 ? u : -u) + c;
            const v = g(z);
            if (!Number.isFinite(v)) {
              if (u <= U_FATAL) {
                nonfinite ??= { z, order: ks[j]!, value: v };
              } else {
                for (let q = 0; q < powers; q++) {
                  biggest[q] = Infinity;
                  overflow[q] = true;
                }
              }
              continue;
            }
            const c1 = v * w;
            const c2 = v * c1;
            t1[j] = t1[j]! + c1;
            t2[j] = t2[j]! + c2;
            m1[j] = m1[j]! + Math.abs(c1);
            m2[j] = m2[j]! + c2;
            let a = Math.abs(v);
            for (let q = 0; q < powers; q++) {
              if (q > 0) a *= a; // |v|, |v|², |v|⁴, |v|⁸
              const cq = a * w;
              if (!Number.isFinite(cq)) {
                biggest[q] = Infinity;
                overflow[q] = true;
                continue;
              }
              const mq = mP[q]!;
              mq[j] = mq[j]! + cq;
              biggest[q] = Math.max(biggest[q]!, cq / (mq[j]! || 1e-300));
            }
          }
        }
        if (nonfinite) break;
        let allQuiet = true;
        for (let q = 0; q < powers; q++) {
          if (quiet[q]) continue;
          if (biggest[q]! > 1e-2 * tol) U[q] = Math.max(U[q]!, u + h);
          if (u > 6 && biggest[q]! < 1e-4 * tol) quietRun[q]!++;
          else quietRun[q] = 0;
          if (quietRun[q]! >= 3) quiet[q] = true;
          else allQuiet = false;
        }
        if (allQuiet || u > U_MAX || w === 0) break;
      }
      return { t1, t2, m1, m2, U, quiet, overflow, nonfinite };
    };
    // the ladder h_j = 0.85^j: step j compares h_j with h_{j+2}, and step j+2 needs h_{j+2} again
    const runs = new Map<number, RunResult>();
    const runAt = (hh: number): RunResult => {
      let r = runs.get(hh);
      if (!r) runs.set(hh, (r = run(hh, 2)));
      return r;
    };
    const ratio = 0.85;
    // the ladder starts at the largest rung with a z-step s·h ≤ 3·(σ's feature width), at most Z_STEP_MAX
    const zStep = Math.min(Z_STEP_MAX, 3 * coreFeatureWidth(act));
    let h = Math.pow(ratio, Math.max(0, Math.ceil(Math.log(zStep / s) / Math.log(ratio))));
    if (!(h > H_MIN)) return failed({ kind: 'resolution', s });
    let cur = runAt(h);
    // tails that do not decay within |u| ≤ U_MAX (growth like e^{γz²} or faster) do not depend on the step
    for (let q = 0; q < 2 && !cur.nonfinite; q++) {
      if (!cur.quiet[q]) return failed({ kind: 'growth', s, power: POWERS[q]!, u: cur.U[q]!, overflow: cur.overflow[q]! });
    }
    const hMin = Math.max(H_MIN, (2 * Math.max(cur.U[0]!, cur.U[1]!)) / MAX_TRAPEZOID_NODES);
    let ok = false;
    for (; h > hMin; h *= ratio) {
      if (cur.nonfinite) break;
      const finer = runAt(h * ratio * ratio);
      if (finer.nonfinite) {
        cur = finer;
        break;
      }
      ok = true;
      for (let j = 0; j < nS && ok; j++) {
        if (Math.abs(cur.t1[j]! - finer.t1[j]!) > 0.5 * tol * finer.m1[j]!) ok = false;
        if (Math.abs(cur.t2[j]! - finer.t2[j]!) > 0.5 * tol * finer.m2[j]!) ok = false;
      }
      if (ok) break;
      cur = runAt(h * ratio);
    }
    if (cur.nonfinite) return failed({ kind: 'nonfinite', s, ...cur.nonfinite });
    for (let q = 0; q < 2; q++) {
      if (!cur.quiet[q]) return failed({ kind: 'growth', s, power: POWERS[q]!, u: cur.U[q]!, overflow: cur.overflow[q]! });
    }
    if (!ok) return failed({ kind: 'resolution', s });
    const R = Math.max(cur.U[0]!, cur.U[1]!);
    const choice: StepChoice = { h: h * 0.9, R, R4: R, R8: R, certified: true, maxPower: 2 };
    // tails of products of 4 and 8 factors: one pass at a coarse step (tails are smooth)
    const high = run(Math.min(0.25, h), 4);
    for (let q = 2; q < 4; q++) {
      if (high.nonfinite || !high.quiet[q]) {
        choice.powerFailure = high.nonfinite
          ? { kind: 'nonfinite', s, ...high.nonfinite }
          : { kind: 'growth', s, power: POWERS[q]!, u: high.U[q]!, overflow: high.overflow[q]! };
        break;
      }
      if (q === 2) choice.R4 = Math.max(choice.R, high.U[q]!);
      else choice.R8 = Math.max(choice.R4, high.U[q]!);
      choice.maxPower = POWERS[q]!;
    }
    return choice;
  }
}

function failed(failure: CalibrationFailure): StepChoice {
  return { h: NaN, R: NaN, R4: NaN, R8: NaN, certified: false, failure, maxPower: 0 };
}

/** Weights h φ(i h) for i = 0..N. */
const weightTables = new Map<number, Float64Array>();
function weightTable(h: number, N: number): Float64Array {
  const key = h * 1e6 + N; // h values come from a discrete ladder
  let t = weightTables.get(key);
  if (!t) {
    t = new Float64Array(N + 1);
    for (let i = 0; i <= N; i++) t[i] = h * INV_SQRT_2PI * Math.exp(-0.5 * (i * h) * (i * h));
    if (weightTables.size > 4096) weightTables.clear();
    weightTables.set(key, t);
  }
  return t;
}

/** Tabulated c ↦ E[g(c + s u)] with 10-point Lagrange interpolation on a uniform grid. */
class SmoothedInterpolant {
  readonly c0: number;
  readonly dx: number;
  readonly vals: Float64Array;
  constructor(g: (z: number) => number, s: number, cmax: number, step: StepChoice, dx: number) {
    const M = Math.ceil((2 * cmax) / dx) + 10;
    this.dx = dx;
    this.c0 = -cmax - 5 * dx;
    this.vals = new Float64Array(M);
    const N = Math.ceil(step.R / step.h);
    const w = weightTable(step.h, N);
    for (let j = 0; j < M; j++) {
      const c = this.c0 + j * dx;
      let sum = w[0]! * g(c);
      for (let i = 1; i <= N; i++) {
        const u = i * step.h * s;
        sum += w[i]! * (g(c + u) + g(c - u));
      }
      this.vals[j] = sum;
    }
  }
  eval(x: number): number {
    const t0 = (x - this.c0) / this.dx;
    let j0 = Math.floor(t0) - 4;
    const M = this.vals.length;
    if (j0 < 0) j0 = 0;
    else if (j0 > M - 10) j0 = M - 10;
    const t = t0 - j0;
    const v = this.vals;
    // Lagrange basis by prefix/suffix products (no divisions): L_j = λ_j Π_{m≠j} (t − m)
    const d0 = t, d1 = t - 1, d2 = t - 2, d3 = t - 3, d4 = t - 4, d5 = t - 5, d6 = t - 6, d7 = t - 7, d8 = t - 8, d9 = t - 9;
    const p1 = d0, p2 = p1 * d1, p3 = p2 * d2, p4 = p3 * d3, p5 = p4 * d4, p6 = p5 * d5, p7 = p6 * d6, p8 = p7 * d7, p9 = p8 * d8;
    const s8 = d9, s7 = s8 * d8, s6 = s7 * d7, s5 = s6 * d6, s4 = s5 * d5, s3 = s4 * d4, s2 = s3 * d3, s1 = s2 * d2, s0 = s1 * d1;
    const b = j0;
    return (
      LAMBDA[0]! * s0 * v[b]! +
      LAMBDA[1]! * p1 * s1 * v[b + 1]! +
      LAMBDA[2]! * p2 * s2 * v[b + 2]! +
      LAMBDA[3]! * p3 * s3 * v[b + 3]! +
      LAMBDA[4]! * p4 * s4 * v[b + 4]! +
      LAMBDA[5]! * p5 * s5 * v[b + 5]! +
      LAMBDA[6]! * p6 * s6 * v[b + 6]! +
      LAMBDA[7]! * p7 * s7 * v[b + 7]! +
      LAMBDA[8]! * p8 * s8 * v[b + 8]! +
      LAMBDA[9]! * p9 * v[b + 9]!
    );
  }
}
// λ_j = 1 / Π_{m≠j} (j − m) for nodes 0..9
const LAMBDA = Array.from({ length: 10 }, (_, j) => {
  let p = 1;
  for (let m = 0; m < 10; m++) if (m !== j) p *= j - m;
  return 1 / p;
});

export interface SmoothProblem {
  gs: ((z: number) => number)[];
  L: number[][];
  rank: number;
}

/**
 * How the expectations of one sub-kernel are integrated, decided once from the calibration of every direction:
 * - trapezoid: every direction's step certified (the fast, common case); steps hs, radius R for ≤ 2 factors per
 *   coordinate, R4/R8 for more (exponentially growing σ), maxPower the most factors whose tail is certified;
 * - graded: some direction's features are too narrow for a certified trapezoid step (large K) and σ is tame:
 *   the graded Gauss–Kronrod rule of graded.ts, with a per-evaluation error estimate;
 * - fail: neither applies (non-finite σ, divergent or overflowing integrand, unresolvable non-tame σ).
 */
export type Plan =
  | { kind: 'trapezoid'; hs: number[]; R: number; R4: number; R8: number; maxPower: number; powerFailure?: CalibrationFailure; uniform: boolean }
  | { kind: 'graded'; R0: number }
  | { kind: 'fail'; failure: CalibrationFailure };

/**
 * Work one expectation of rank ≥ 3 may take before it is refused (bounded time): trapezoid node visits (an
 * interpolated innermost integral counts 3), a few seconds; graded integrand evaluations (dearer: the rules of
 * inner directions are rebuilt at every outer node), about a second.
 */
const MAX_EVALS = 3e8;
const MAX_GRADED_EVALS = 4e7;
/** Inner nodes of a two-dimensional graded layout before it is refused. */
const MAX_GRADED_NODES = 2e6;

/**
 * The plan for z = L u (see Plan): trapezoid step per direction u_d, calibrated for the largest |dz_i/du_d| among
 * the coordinates that depend on it, and the truncation radius of the ball |u| ≤ R (widened by 0.3 per extra
 * dimension); the graded rule where a step cannot be certified and σ is tame.
 */
export function planFor(L: number[][], rank: number, cal: Calibration, act: Activation): Plan {
  const k = L.length;
  const hs: number[] = [];
  let R = 0;
  let R4 = 0;
  let R8 = 0;
  let maxPower = 8;
  let powerFailure: CalibrationFailure | undefined;
  for (let d = 0; d < rank; d++) {
    let s = 0;
    for (let i = 0; i < k; i++) s = Math.max(s, Math.abs(L[i]![d]!)); // (L_id = 0 for i < d when L is triangular)
    const st = cal.choose(s);
    if (!st.certified) {
      const failure = st.failure!;
      if (failure.kind === 'resolution' && activationFeatures(act).growth.tame) return { kind: 'graded', R0: 10 + 0.3 * (rank - 1) };
      return { kind: 'fail', failure };
    }
    hs.push(st.h);
    R = Math.max(R, st.R);
    R4 = Math.max(R4, st.R4);
    R8 = Math.max(R8, st.R8);
    if (st.maxPower < maxPower) {
      maxPower = st.maxPower;
      powerFailure = st.powerFailure;
    }
  }
  const extra = 0.3 * (rank - 1);
  const plan = { kind: 'trapezoid' as const, hs, R: R + extra, R4: R4 + extra, R8: R8 + extra, maxPower, powerFailure, uniform: false };
  // every integrand uses radius R when all powers are certified and need no wider radius (tame σ)
  plan.uniform = maxPower >= 8 && plan.R8 <= 1.2 * plan.R + 1;
  return plan;
}

/** Radius of the trapezoid plan for integrands with up to `power` factors at one coordinate (throws if uncertified). */
function radiusFor(plan: Extract<Plan, { kind: 'trapezoid' }>, power: number, fail: (f: CalibrationFailure) => never): number {
  if (power > plan.maxPower) fail(plan.powerFailure ?? { kind: 'growth', s: NaN, power, u: U_MAX, overflow: false });
  const R = power <= 2 ? plan.R : power <= 4 ? plan.R4 : plan.R8;
  // products of tame σ: the ≤ 2-factor radius is ample (the tails differ by polynomial factors)
  return R <= 1.2 * plan.R + 1 ? plan.R : R;
}

/** The σ^(k) tables of one tabulateProducts call (views, reset per call; written by the jet before use). */
const jetScratch = new Float64Arena();

/** The rule shared by the rank-3 subsets of a rank-3 kernel (shared-rule.ts) and the plan it was laid out by. */
interface SharedRule {
  rule: SharedLowRankRule;
  plan: Extract<Plan, { kind: 'trapezoid' }>;
}
/**
 * The patterns the shared rule covers: within the plan's certified powers, with the plan's radius (as radiusFor
 * gives it); the others null (they go to the per-subset rules).
 */
function sharedPatterns(shared: SharedRule, patterns: number[][][]): (number[][] | null)[] {
  const { plan } = shared;
  return patterns.map((pat) => {
    const power = maxFactors(pat);
    const R = power <= 2 ? plan.R : power <= 4 ? plan.R4 : plan.R8;
    return power <= plan.maxPower && R <= 1.2 * plan.R + 1 ? pat : null;
  });
}
/** Inputs from which one rule for the whole kernel is used (below, a rule per subset is cheaper). */
const SHARED_MIN_INPUTS = 6;

/** Largest number of factors at one coordinate. */
function maxFactors(orders: readonly (readonly number[])[]): number {
  let p = 0;
  for (const o of orders) p = Math.max(p, o.length);
  return p;
}

/**
 * Tolerance of a graded evaluation's error estimate, relative to ∫|integrand|. QUADPACK's estimate is pessimistic
 * (measured errors are 1e-13–1e-15 where it says 1e-11–1e-10), and rounding noise in σ^(k) where σ saturates
 * (sech² computed as 1 − tanh²) puts a floor of ~1e-10 under it for products of several localised factors: the
 * estimate is required to be ≤ 1e-9 (1000× the calibration tolerance, at most), i.e. at least 10× inside the
 * 1e-8 that the recursions promise.
 */
function gradedTol(tol: number): number {
  return Math.min(1e-9, Math.max(1e-13, 1000 * tol));
}

/** Context for error messages of one expectation. */
export interface ExpectationInfo {
  act: Activation;
  /** ⟨…⟩ description of the integrand */
  desc: string;
  /** largest number of factors at one coordinate */
  power: number;
}

/**
 * E[Π_i gs[i](z_i)], z = L u, u ~ N(0, I_rank); L lower-trapezoidal (pivot order). Used for rank ≥ 3; ranks 1
 * and 2 go through SmoothLayerContext's tabulated nodes (the same rules). Throws NnftNumericalError (see
 * failures.ts) when the expectation cannot be delivered to its tolerance.
 */
export function smoothProduct(p: SmoothProblem, cal: Calibration, tol: number, info: ExpectationInfo): number {
  const { gs, L, rank } = p;
  const k = gs.length;
  if (rank === 0) {
    let v = 1;
    for (const g of gs) v *= g(0);
    if (!Number.isFinite(v)) throw failureError(info.act, info.desc, { kind: 'nonfinite', s: 0, z: 0, order: 0, value: v }, 0, info.power, 0);
    return v;
  }
  const K = maxVariance(L);
  const plan = planFor(L, rank, cal, info.act);
  const fail = (f: CalibrationFailure): never => {
    throw failureError(info.act, info.desc, f, K, info.power, activationFeatures(info.act).growth.gamma);
  };
  if (plan.kind === 'fail') fail(plan.failure);
  if (plan.kind === 'trapezoid') {
    const R = radiusFor(plan, info.power, fail);
    const { hs } = plan;
    // cost: the nested loops over the ball (the last direction tabulated when k = rank ≥ 3)
    const n = hs.map((h) => (2 * R) / h);
    const dims = rank >= 3 && k === rank ? rank - 1 : rank;
    let cost = rank >= 3 && k === rank ? 3 : 1;
    for (let d = 0; d < dims; d++) cost *= n[d]!;
    cost *= dims === 2 ? Math.PI / 4 : dims === 3 ? Math.PI / 6 : 1;
    if (cost <= MAX_EVALS) {
      let v: number | undefined;
      if (rank >= 3 && k === rank) {
        const last = k - 1;
        const sIn = L[last]![rank - 1]!;
        let rowNorm = 0;
        for (let d = 0; d < rank - 1; d++) rowNorm += L[last]![d]! * L[last]![d]!;
        const cmax = R * Math.sqrt(rowNorm) + 1e-12;
        const it = buildInterpolant(gs[last]!, sIn, cmax, cal, tol);
        if (it && rank === 3) v = rank3i(gs[0]!, gs[1]!, it, L, hs, R);
        else if (it && rank === 4) v = rank4i(gs[0]!, gs[1]!, gs[2]!, it, L, hs, R);
      }
      if (v === undefined) {
        // direct nested rule over the ball: n^rank nodes
        let direct = rank === 3 ? Math.PI / 6 : rank === 4 ? Math.PI ** 2 / 32 : rank === 2 ? Math.PI / 4 : 1;
        for (let d = 0; d < rank; d++) direct *= n[d]!;
        if (direct <= MAX_EVALS) v = generic(gs, L, rank, hs, R);
      }
      if (v !== undefined) {
        if (!Number.isFinite(v)) throw nonFiniteValue(info, gs, L, rank, R, v, K);
        return v;
      }
    }
    if (!activationFeatures(info.act).growth.tame) {
      throw new NnftNumericalError(
        what(info.act, info.desc),
        `the ${rank}-dimensional quadrature at K = ${K.toPrecision(3)} would need more than ${MAX_EVALS.toExponential(1)} node visits`,
        'use a smaller kernel scale (smaller --cw or rescaled --inputs) or fewer distinct inputs',
      );
    }
  }
  // graded rule (large K, tame σ): refine until the error estimate meets the tolerance
  const map = activationFeatures(info.act).map;
  const tolG = gradedTol(tol);
  let settings: GradedSettings = { R: plan.kind === 'graded' ? plan.R0 : 10 + 0.3 * (rank - 1), refine: 0 };
  let previous: Estimate | undefined;
  for (;;) {
    const est = rewrap(info, () => gradedProduct(map, gs, L, rank, settings, MAX_GRADED_EVALS, 1e-3 * tolG));
    if (!Number.isFinite(est.value)) throw nonFiniteValue(info, gs, L, rank, settings.R, est.value, K);
    if (est.error + est.tail <= tolG * est.mass) return est.value;
    const next = refineSettings(settings, est, tolG, previous);
    if (!next) throw accuracyError(info.act, info.desc, est.error + est.tail, est.mass, tolG, K);
    previous = next.refine > settings.refine ? est : previous;
    settings = next;
  }
}

/** Run f, attaching the expectation and the activation to a numerical error that names neither. */
function rewrap<T>(info: ExpectationInfo | (() => ExpectationInfo), f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NnftNumericalError && e.what === 'the Gaussian expectation') {
      const i = typeof info === 'function' ? info() : info;
      throw new NnftNumericalError(what(i.act, i.desc), e.reason, e.fix, e.location);
    }
    throw e;
  }
}

/**
 * Next graded settings after a failed estimate: a larger radius if the tail dominates, else narrower panels — unless
 * narrower panels did not halve the panel error (rounding-limited): then undefined (refuse).
 */
function refineSettings(s: GradedSettings, est: Estimate, tolG: number, previous?: Estimate): GradedSettings | undefined {
  if (est.tail > 0.5 * tolG * est.mass) return s.R < 30 ? { R: s.R + 5, refine: s.refine } : undefined;
  if (previous && s.refine > 0 && est.error > 0.5 * previous.error) return undefined;
  return s.refine < 2 ? { R: s.R, refine: s.refine + 1 } : undefined;
}

/** Largest variance Σ_d L_id² among the coordinates. */
function maxVariance(L: number[][]): number {
  let K = 0;
  for (const row of L) {
    let v = 0;
    for (const x of row) v += x * x;
    K = Math.max(K, v);
  }
  return K;
}

/** The error for a non-finite expectation: a non-finite factor at some node (named), or overflow of the sum. */
function nonFiniteValue(info: ExpectationInfo, gs: ((z: number) => number)[], L: number[][], rank: number, R: number, value: number, K: number): NnftNumericalError {
  // look for a non-finite factor along the axes of the ball |u| ≤ R
  for (let d = 0; d < rank; d++) {
    for (let t = -R; t <= R; t += R / 64) {
      for (let i = 0; i < gs.length; i++) {
        const z = (L[i]![d] ?? 0) * t;
        const v = gs[i]!(z);
        if (!Number.isFinite(v)) return failureError(info.act, info.desc, { kind: 'nonfinite', s: NaN, z, order: 0, value: v }, K, info.power, 0);
      }
    }
  }
  return overflowError(info.act, info.desc, value, K);
}

function rank3i(g0: (z: number) => number, g1: (z: number) => number, it: SmoothedInterpolant, L: number[][], hs: number[], R: number): number {
  const h0 = hs[0]!;
  const h1 = hs[1]!;
  const N0 = Math.floor(R / h0);
  const w0 = weightTable(h0, N0);
  const w1 = weightTable(h1, Math.floor(R / h1));
  const L00 = L[0]![0]!;
  const L10 = L[1]![0]!;
  const L11 = L[1]![1]!;
  const L20 = L[2]![0]!;
  const L21 = L[2]![1]!;
  const R2 = R * R;
  let sum = 0;
  for (let a = -N0; a <= N0; a++) {
    const u0 = a * h0;
    const wa = w0[a < 0 ? -a : a]! * g0(L00 * u0);
    if (wa === 0) continue;
    const c1 = L10 * u0;
    const c2 = L20 * u0;
    const N1 = Math.floor(Math.sqrt(R2 - u0 * u0) / h1);
    let sb = 0;
    for (let b = -N1; b <= N1; b++) {
      const u1 = b * h1;
      sb += w1[b < 0 ? -b : b]! * g1(c1 + L11 * u1) * it.eval(c2 + L21 * u1);
    }
    sum += wa * sb;
  }
  return sum;
}

function rank4i(
  g0: (z: number) => number,
  g1: (z: number) => number,
  g2: (z: number) => number,
  it: SmoothedInterpolant,
  L: number[][],
  hs: number[],
  R: number,
): number {
  const h0 = hs[0]!;
  const h1 = hs[1]!;
  const h2 = hs[2]!;
  const N0 = Math.floor(R / h0);
  const w0 = weightTable(h0, N0);
  const w1 = weightTable(h1, Math.floor(R / h1));
  const w2 = weightTable(h2, Math.floor(R / h2));
  const L00 = L[0]![0]!;
  const L10 = L[1]![0]!;
  const L11 = L[1]![1]!;
  const L20 = L[2]![0]!;
  const L21 = L[2]![1]!;
  const L22 = L[2]![2]!;
  const L30 = L[3]![0]!;
  const L31 = L[3]![1]!;
  const L32 = L[3]![2]!;
  const R2 = R * R;
  let sum = 0;
  for (let a = -N0; a <= N0; a++) {
    const u0 = a * h0;
    const wa = w0[a < 0 ? -a : a]! * g0(L00 * u0);
    if (wa === 0) continue;
    const c1 = L10 * u0;
    const c2 = L20 * u0;
    const c3 = L30 * u0;
    const r0 = R2 - u0 * u0;
    const N1 = Math.floor(Math.sqrt(r0) / h1);
    let sb = 0;
    for (let b = -N1; b <= N1; b++) {
      const u1 = b * h1;
      const wb = w1[b < 0 ? -b : b]! * g1(c1 + L11 * u1);
      if (wb === 0) continue;
      const d2 = c2 + L21 * u1;
      const d3 = c3 + L31 * u1;
      const N2 = Math.floor(Math.sqrt(Math.max(0, r0 - u1 * u1)) / h2);
      let sc = 0;
      for (let c = -N2; c <= N2; c++) {
        const u2 = c * h2;
        sc += w2[c < 0 ? -c : c]! * g2(d2 + L22 * u2) * it.eval(d3 + L32 * u2);
      }
      sb += wb * sc;
    }
    sum += wa * sb;
  }
  return sum;
}

/** Any rank and number of coordinates (rank-deficient sub-kernels with more coordinates than rank). */
function generic(gs: ((z: number) => number)[], L: number[][], rank: number, hs: number[], R: number): number {
  const k = gs.length;
  const finish: number[][] = Array.from({ length: rank }, () => []);
  for (let i = 0; i < k; i++) finish[Math.min(i, rank - 1)]!.push(i);
  const partial: Float64Array[] = Array.from({ length: rank + 1 }, () => new Float64Array(k));
  const rec = (d: number, r2: number): number => {
    const prev = partial[d]!;
    const cur = partial[d + 1]!;
    const fin = finish[d]!;
    const h = hs[d]!;
    const N = Math.floor(Math.sqrt(Math.max(0, r2)) / h);
    const w = weightTable(h, Math.floor(R / h));
    let sum = 0;
    for (let q = -N; q <= N; q++) {
      const u = q * h;
      for (let i = d; i < k; i++) cur[i] = prev[i]! + L[i]![d]! * u;
      let pr = w[q < 0 ? -q : q]!;
      for (let t = 0; t < fin.length; t++) {
        const i = fin[t]!;
        pr *= gs[i]!(cur[i]!);
      }
      if (pr === 0) continue;
      sum += d === rank - 1 ? pr : pr * rec(d + 1, r2 - u * u);
    }
    return sum;
  };
  return rec(0, R * R);
}

function buildInterpolant(g: (z: number) => number, s: number, cmax: number, cal: Calibration, tol: number): SmoothedInterpolant | undefined {
  const step = cal.choose(s);
  const unit = cal.choose(1);
  if (!step.certified || !unit.certified) return undefined;
  // grid spacing: a fraction of the step that resolves g at unit scale, refined until checks pass
  let dx = Math.min(unit.h * 0.3, Math.max(0.05, s) * 0.5);
  const N = Math.ceil(step.R / step.h);
  // the table costs (2 cmax/dx)·(2N + 1) evaluations: beyond the budget the direct nested rule is used
  const affordable = (d: number): boolean => ((2 * cmax) / d + 10) * (2 * N + 1) <= MAX_GRADED_EVALS;
  for (let attempt = 0; attempt < 6 && affordable(dx); attempt++) {
    const it = new SmoothedInterpolant(g, s, cmax, step, dx);
    // verify at off-grid points against direct evaluation
    const w = weightTable(step.h, N);
    let worst = 0;
    let mag = 0;
    for (let j = 0; j < it.vals.length; j++) mag = Math.max(mag, Math.abs(it.vals[j]!));
    for (const frac of [0.137, 0.5, 0.731, -0.29, -0.917, 0.02, 0.33]) {
      const x = frac * cmax + 0.37 * dx;
      let direct = w[0]! * g(x);
      for (let i = 1; i <= N; i++) {
        const u = i * step.h * s;
        direct += w[i]! * (g(x + u) + g(x - u));
      }
      worst = Math.max(worst, Math.abs(it.eval(x) - direct));
    }
    if (worst <= tol * Math.max(mag, 1e-300)) return it;
    dx *= 0.5;
  }
  return undefined;
}

/**
 * Rank ≤ 2 nodes of the trapezoid rule. Outer direction u0: points a = 0..n0−1 with weights w0[a]; rank 2 adds, for
 * each a, inner points p ∈ [seg[a], seg[a+1]) of u1 with weights w1[p] (the trapezoid nodes inside the disc
 * |u| ≤ R). z[i] holds coordinate i at the outer points (length n0) when it does not depend on u1 (inner[i] false:
 * coordinate 0, and every coordinate at rank 1) and at the inner points otherwise.
 */
interface TrapezoidNodes {
  w0: Float64Array;
  seg: Int32Array;
  w1: Float64Array;
  z: Float64Array[];
  inner: boolean[];
}

/** Nodes of one rule for one subset, and the σ^(k) tables at them. */
interface Layout {
  trapezoid?: TrapezoidNodes;
  graded?: GradedNodes;
  z: Float64Array[];
  inner: boolean[];
  /** per coordinate: σ^(k) tables (k ≤ kmax) at its nodes, and products of several orders (outer coordinates) */
  jets: (JetTables | undefined)[];
  products: Map<number, Float64Array>[];
}

interface SubsetInfo {
  inputs: number[];
  L: number[][];
  perm: number[];
  rank: number;
  /** the trapezoid layout of radius plan.R (used by every integrand when plan.uniform) */
  base?: Layout;
  /** tolerance of this subset's calibration */
  tol: number;
  /** rank ≤ 2: set with the subset; rank 3–4: when the lattice rule first needs it */
  plan?: Plan;
  /** layouts by key: 'R<radius>' (trapezoid) or 'g<refine>/<R>' (graded) */
  layouts: Map<string, Layout>;
}

/** Tables σ^(k) (k = 0..kmax) of one coordinate of one layout. */
interface JetTables {
  kmax: number;
  t: Float64Array[];
}

/**
 * Per-kernel state for smooth activations: pivoted Cholesky per subset of inputs, and for subsets of rank
 * ≤ 2 the quadrature nodes and tables of σ^(k) at them (all orders at once by the activation's compiled jet),
 * so that the many 1-D/2-D expectations of a layer cost one (nested) dot product each. The coordinate of the
 * first pivot depends only on the outer direction, so its tables live on the outer points (a 1-D grid) and a
 * 2-D expectation is Σ_a w0_a F_0(z_0a) Σ_{p ∈ a} w1_p F_1(z_1p). Where the calibrated trapezoid step cannot
 * be certified (kernel values large against σ's features) the same layout holds graded Gauss–Kronrod nodes, and
 * each expectation carries an error estimate that is checked against the tolerance.
 */
export class SmoothLayerContext {
  private readonly subsets = new Map<number, SubsetInfo>();
  private readonly subsetsByTol = new Map<string, SubsetInfo>();
  constructor(
    private readonly act: Activation,
    private readonly C: number[][],
    private readonly rankTol: number,
    private readonly calFor: (tol: number) => Calibration,
    private readonly tolByRank: readonly number[],
    /** Scratch for the node and σ^(k) tables (the recursion solver passes one arena, reset per layer). */
    private readonly arena: Float64Arena = new Float64Arena(),
    /** rank-3 subsets of a rank-3 kernel through one shared rule (shared-rule.ts); false: a rule per subset */
    private readonly shareLowRank = true,
  ) {}

  private subset(inputs: number[], tol: number | undefined): SubsetInfo {
    // inputs are sorted and distinct (≤ 4 of them): a number in base m + 1 identifies the subset
    let code = 0;
    const base = this.C.length + 1;
    for (const a of inputs) code = code * base + a + 1;
    let s = tol === undefined ? this.subsets.get(code) : this.subsetsByTol.get(`${code}|${tol}`);
    if (!s) {
      const Csub = inputs.map((a) => inputs.map((b) => this.C[a]![b]!));
      const { L, perm, rank } = pivotedCholesky(Csub, this.rankTol);
      const t = tol ?? this.tolByRank[rank]!;
      s = { inputs: inputs.slice(), L, perm, rank, tol: t, layouts: new Map() };
      if (rank >= 1 && rank <= 2) s.plan = planFor(L, rank, this.calFor(t), this.act);
      if (tol === undefined) this.subsets.set(code, s);
      else this.subsetsByTol.set(`${code}|${tol}`, s);
    }
    return s;
  }

  private trapezoidLayout(sub: SubsetInfo, plan: Extract<Plan, { kind: 'trapezoid' }>, R: number): Layout {
    const key = `R${R}`;
    let lay = sub.layouts.get(key);
    if (!lay) {
      const nodes = buildNodes(sub.L, sub.rank, plan.hs, R, this.arena);
      lay = { trapezoid: nodes, z: nodes.z, inner: nodes.inner, jets: [], products: [] };
      sub.layouts.set(key, lay);
    }
    return lay;
  }

  private gradedLayout(sub: SubsetInfo, settings: GradedSettings): Layout {
    const key = `g${settings.refine}/${settings.R}`;
    let lay = sub.layouts.get(key);
    if (!lay) {
      const nodes = buildGradedNodes(activationFeatures(this.act).map, sub.L, sub.rank, settings, MAX_GRADED_NODES);
      lay = { graded: nodes, z: nodes.z, inner: nodes.inner, jets: [], products: [] };
      sub.layouts.set(key, lay);
    }
    return lay;
  }

  /** σ^(k) at the nodes of coordinate i of a layout (cached; all orders ≤ kmax tabulated together). */
  private orderTable(lay: Layout, i: number, k: number): Float64Array {
    let j = lay.jets[i];
    if (!j || j.kmax < k) {
      if (k > this.arena.orderHint) this.arena.orderHint = k;
      const kmax = Math.min(Math.max(k, this.arena.orderHint), this.act.maxOrder);
      const z = lay.z[i]!;
      // one arena buffer for all orders (separate Float64Arrays per table cost more than filling them)
      const n = z.length;
      const buf = this.arena.alloc((kmax + 1) * n);
      const t: Float64Array[] = [];
      for (let q = 0; q <= kmax; q++) t.push(buf.subarray(q * n, (q + 1) * n));
      if (this.act.jet) this.act.jet(kmax)(z, t);
      else {
        for (let q = 0; q <= kmax; q++) {
          const f = q === 0 ? this.act.f : this.act.derivative(q);
          const out = t[q]!;
          for (let p = 0; p < z.length; p++) out[p] = f(z[p]!);
        }
      }
      j = { kmax, t };
      lay.jets[i] = j;
    }
    return j.t[k]!;
  }

  /** Π_{k ∈ ks} σ^(k) at the outer points of coordinate i (cached; these tables are short). */
  private outerProduct(lay: Layout, i: number, ks: readonly number[]): Float64Array {
    if (ks.length === 1) return this.orderTable(lay, i, ks[0]!);
    let code = 0;
    for (const k of ks) code = code * 16 + k + 1; // orders ≤ maxOrder = 10 < 15; exact below 13 factors
    const cache = (lay.products[i] ??= new Map());
    let v = ks.length <= 12 ? cache.get(code) : undefined;
    if (!v) {
      const first = this.orderTable(lay, i, ks[0]!);
      v = this.arena.alloc(first.length);
      v.set(first);
      for (let j = 1; j < ks.length; j++) {
        const t = this.orderTable(lay, i, ks[j]!);
        for (let p = 0; p < v.length; p++) v[p]! *= t[p]!;
      }
      cache.set(code, v);
    }
    return v;
  }

  /** Outer product tables and inner factor tables of one expectation on a layout. */
  private tables(lay: Layout, sub: SubsetInfo, orders: number[][]): { outer: Float64Array[]; inner: Float64Array[] } {
    const outer: Float64Array[] = [];
    const inner: Float64Array[] = [];
    for (let i = 0; i < sub.perm.length; i++) {
      const ks = orders[sub.perm[i]!]!;
      if (ks.length === 0) continue;
      if (lay.inner[i]) for (const k of ks) inner.push(this.orderTable(lay, i, k));
      else outer.push(this.outerProduct(lay, i, ks));
    }
    return { outer, inner };
  }

  /**
   * E[Π_i Π_{k ∈ orders[i]} σ^(k)(z_{inputs[i]})], inputs sorted and distinct; gs() gives each input's product
   * function (only needed by the rank ≥ 3 rules). Throws NnftNumericalError (failures.ts) when the expectation
   * cannot be delivered to its tolerance.
   */
  expect(inputs: number[], orders: number[][], gs: () => ((z: number) => number)[], tol: number | undefined): number {
    const sub = this.subset(inputs, tol);
    const { perm, rank } = sub;
    if (rank > 2) return this.expectBatch(inputs, [orders], tol, gs)[0]!;
    if (rank === 0) {
      const fs = gs();
      return smoothProduct({ gs: perm.map((p) => fs[p]!), L: sub.L, rank }, this.calFor(sub.tol), sub.tol, this.info(inputs, orders));
    }
    const plan = sub.plan!;
    if (plan.kind === 'trapezoid') {
      // the common case: one layout per subset (products of tame σ need no wider radius)
      let lay = sub.base;
      if (!lay || (plan.uniform === false && maxFactors(orders) > 2)) lay = this.trapezoidLayoutFor(sub, plan, orders);
      const outer = this.outerScratch;
      const inner = this.innerScratch;
      outer.length = 0;
      inner.length = 0;
      for (let i = 0; i < perm.length; i++) {
        const ks = orders[perm[i]!]!;
        if (ks.length === 0) continue;
        if (lay.inner[i]) for (const k of ks) inner.push(this.orderTable(lay, i, k));
        else outer.push(this.outerProduct(lay, i, ks));
      }
      const nodes = lay.trapezoid!;
      const v = nestedSum(nodes.w0, nodes.seg, nodes.w1, outer, inner);
      if (!Number.isFinite(v)) throw this.nonFinite(lay, sub, orders, v, maxVariance(sub.L), this.info(inputs, orders));
      return v;
    }
    return this.expectGraded(sub, plan, inputs, orders);
  }

  private readonly outerScratch: Float64Array[] = [];
  private readonly innerScratch: Float64Array[] = [];

  /**
   * The expectations E[Π_i Π_{k ∈ patterns[p][i]} σ^(k)(z_{inputs[i]})] of several integrands over one subset of
   * inputs (sorted, distinct; every pattern has at least one factor at every input). Sub-kernels of rank 3 and 4 go
   * through the lattice rule of lattice.ts, all integrands in one pass over the nodes; anything it does not cover
   * (graded rule, refusals, wider radii) is computed integrand by integrand as by `expect`, with the same errors.
   * `gs` gives, per pattern, each input's product function (the node-by-node rule); by default it is built from σ.
   */
  expectBatch(inputs: number[], patterns: number[][][], tol: number | undefined, gs?: (p: number) => ((z: number) => number)[]): Float64Array {
    const sub = this.subset(inputs, tol);
    const shared = sub.rank === 3 ? this.sharedRule(sub.tol) : null;
    return this.completeBatch(sub, patterns, tol, shared ? shared.rule.products(inputs, sharedPatterns(shared, patterns)) : undefined, gs);
  }

  /**
   * expectBatch for many subsets: those of rank 3 under a shared rule (shared-rule.ts) in one pass over its nodes,
   * the others one by one. Each value is the one expectBatch gives for its subset alone.
   */
  expectBatchMany(tasks: readonly { inputs: number[]; patterns: number[][][] }[], tol: number | undefined): Float64Array[] {
    const out: (Float64Array | undefined)[] = new Array<Float64Array | undefined>(tasks.length);
    const byRule = new Map<SharedRule, number[]>();
    tasks.forEach((t, i) => {
      const sub = this.subset(t.inputs, tol);
      const shared = sub.rank === 3 ? this.sharedRule(sub.tol) : null;
      if (!shared) return;
      const list = byRule.get(shared);
      if (list) list.push(i);
      else byRule.set(shared, [i]);
    });
    for (const [shared, list] of byRule) {
      const values = shared.rule.productsMany(list.map((i) => ({ inputs: tasks[i]!.inputs, patterns: sharedPatterns(shared, tasks[i]!.patterns) })));
      list.forEach((i, j) => (out[i] = this.completeBatch(this.subset(tasks[i]!.inputs, tol), tasks[i]!.patterns, tol, values[j])));
    }
    return tasks.map((t, i) => out[i] ?? this.expectBatch(t.inputs, t.patterns, tol));
  }

  /** The values of a batch: those given (shared rule), else the lattice rule, else integrand by integrand. */
  private completeBatch(sub: SubsetInfo, patterns: number[][][], tol: number | undefined, values: Float64Array | undefined, gs?: (p: number) => ((z: number) => number)[]): Float64Array {
    const { perm, rank, inputs } = sub;
    const out = new Float64Array(patterns.length);
    const products = gs ?? ((p: number) => patterns[p]!.map((ks) => productFunction(this.act, ks)));
    const one = (p: number): number => {
      const orders = patterns[p]!;
      if (rank <= 2) return this.expect(inputs, orders, () => products(p), tol);
      const fs = products(p);
      return smoothProduct({ gs: perm.map((i) => fs[i]!), L: sub.L, rank }, this.calFor(sub.tol), sub.tol, this.info(inputs, orders));
    };
    if (rank >= 3 && (!values || values.some((v) => Number.isNaN(v)))) {
      const lattice = this.latticeBatch(sub, patterns);
      if (!values) values = lattice;
      else if (lattice) for (let p = 0; p < patterns.length; p++) if (Number.isNaN(values[p]!)) values[p] = lattice[p]!;
    }
    for (let p = 0; p < patterns.length; p++) {
      const v = values?.[p];
      out[p] = v !== undefined && Number.isFinite(v) ? v : one(p);
    }
    return out;
  }

  private readonly sharedRules = new Map<number, SharedRule | null>();

  /**
   * The rule shared by all rank-3 subsets when the whole kernel has rank 3 (shared-rule.ts), at tolerance tol; null
   * when the kernel has another rank, when its plan is not the certified trapezoid rule, when there are fewer than
   * SHARED_MIN_INPUTS inputs (a rule per subset is then cheaper) or when its tables would exceed SHARED_MAX_BYTES.
   */
  private sharedRule(tol: number): SharedRule | null {
    let r = this.sharedRules.get(tol);
    if (r !== undefined) return r;
    r = null;
    const m = this.C.length;
    if (this.shareLowRank && m >= SHARED_MIN_INPUTS) {
      const { L, perm, rank } = pivotedCholesky(this.C, this.rankTol);
      if (rank === 3) {
        const cal = this.calFor(tol);
        const parity = activationParity(this.act);
        const V0: number[][] = new Array<number[]>(m);
        perm.forEach((a, i) => (V0[a] = L[i]!.slice(0, rank)));
        const nodes = (W: number[][]): number => {
          const p = planFor(W, rank, cal, this.act);
          return p.kind === 'trapezoid' ? sharedRuleSize(p.hs, p.R, parity, m, 1).nodes : Infinity;
        };
        const V = orientCoordinates(V0, nodes);
        const plan = planFor(V, rank, cal, this.act);
        if (plan.kind === 'trapezoid') {
          const size = sharedRuleSize(plan.hs, plan.R, parity, m, SHARED_ORDERS);
          if (size.nodes <= SHARED_MAX_NODES && size.bytes <= SHARED_MAX_BYTES) {
            const act = this.act;
            const rule = new SharedLowRankRule({
              V, hs: plan.hs, R: plan.R, parity,
              derivative: (k, z, out) => {
                if (act.jet) {
                  const jet: Float64Array[] = [];
                  for (let q = 0; q < k; q++) jet.push(new Float64Array(z.length));
                  jet.push(out);
                  act.jet(k)(z, jet);
                } else {
                  const f = k === 0 ? act.f : act.derivative(k);
                  for (let q = 0; q < z.length; q++) out[q] = f(z[q]!);
                }
              },
            });
            r = { rule, plan };
          }
        }
      }
    }
    this.sharedRules.set(tol, r);
    return r;
  }

  /**
   * The lattice rule for a rank-3/4 subset when the plan is the trapezoid rule. Integrands are grouped by the
   * truncation radius their largest power of σ at one input needs (one lattice pass per radius), so that each value
   * depends on its own integrand and the covariance only, not on the integrands computed with it; NaN for those the
   * rule does not cover (they go node by node).
   */
  private latticeBatch(sub: SubsetInfo, patterns: number[][][]): Float64Array | undefined {
    const { L, rank, perm } = sub;
    const k = L.length;
    if (!(k === rank || (k === 4 && rank === 3))) return undefined;
    const cal = this.calFor(sub.tol);
    sub.plan ??= planFor(L, rank, cal, this.act);
    const plan = sub.plan;
    if (plan.kind !== 'trapezoid') return undefined;
    const hs = plan.hs;
    // the work bound of the node-by-node rule (beyond it that rule refuses or grades)
    const dims = k === rank ? rank - 1 : rank;
    let cost = k === rank ? 3 : 1;
    for (let d = 0; d < dims; d++) cost *= (2 * plan.R) / hs[d]!;
    cost *= dims === 2 ? Math.PI / 4 : Math.PI / 6;
    if (cost > MAX_EVALS) return undefined;
    const unit = cal.choose(1);
    const last = k === rank ? cal.choose(L[k - 1]![rank - 1]!) : unit;
    if (!unit.certified || !last.certified) return undefined;
    const byRadius = new Map<number, number[]>();
    patterns.forEach((pat, p) => {
      const power = maxFactors(pat);
      if (power > plan.maxPower) return;
      const R = power <= 2 ? plan.R : power <= 4 ? plan.R4 : plan.R8;
      if (R > 1.2 * plan.R + 1) return; // integrands that need their own radius: node by node
      const members = byRadius.get(R);
      if (members) members.push(p);
      else byRadius.set(R, [p]);
    });
    const out = new Float64Array(patterns.length).fill(NaN);
    const par = activationParity(this.act);
    for (const [R, members] of byRadius) {
      const coords: LatticeCoordinate[] = [];
      const index: number[][] = members.map(() => []);
      let empty = false;
      for (let i = 0; i < k; i++) {
        const input = perm[i]!;
        const sets: number[][] = [];
        const keys: string[] = [];
        members.forEach((p, j) => {
          const ks = patterns[p]![input]!;
          const key = ks.join(',');
          let f = keys.indexOf(key);
          if (f < 0) {
            keys.push(key);
            sets.push(ks.slice());
            f = sets.length - 1;
          }
          index[j]![i] = f;
        });
        if (sets.some((ks) => ks.length === 0)) empty = true;
        const parity = new Int8Array(sets.length);
        sets.forEach((ks, f) => {
          let q = 1;
          for (const o of ks) q *= par === 0 ? 0 : o % 2 === 0 ? par : -par;
          parity[f] = q;
        });
        coords.push({ count: sets.length, parity, tabulate: (z, outs) => this.tabulateProducts(sets, z, outs) });
      }
      if (empty) continue;
      const v = latticeProducts({ L, rank, hs, R, Rlast: last.R, coords, patterns: index, tol: sub.tol, unitStep: unit.h });
      if (v) members.forEach((p, j) => (out[p] = v[j]!));
    }
    return out;
  }

  /** outs[f][p] = Π_{k ∈ sets[f]} σ^(k)(z[p]) (one jet pass for all orders). */
  private tabulateProducts(sets: number[][], z: Float64Array, outs: Float64Array[]): void {
    let kmax = 0;
    for (const ks of sets) for (const o of ks) kmax = Math.max(kmax, o);
    const n = z.length;
    const jet: Float64Array[] = [];
    jetScratch.reset();
    for (let q = 0; q <= kmax; q++) jet.push(jetScratch.alloc(n));
    if (this.act.jet) this.act.jet(kmax)(z, jet);
    else {
      for (let q = 0; q <= kmax; q++) {
        const f = q === 0 ? this.act.f : this.act.derivative(q);
        const o = jet[q]!;
        for (let p = 0; p < n; p++) o[p] = f(z[p]!);
      }
    }
    sets.forEach((ks, f) => {
      const o = outs[f]!;
      o.set(jet[ks[0]!]!);
      for (let j = 1; j < ks.length; j++) {
        const t = jet[ks[j]!]!;
        for (let p = 0; p < n; p++) o[p]! *= t[p]!;
      }
    });
  }

  private info(inputs: number[], orders: number[][]): ExpectationInfo {
    return { act: this.act, desc: describeProduct(inputs, orders), power: maxFactors(orders) };
  }

  /** The trapezoid layout whose radius covers the tails of this integrand (throws if they are not certified). */
  private trapezoidLayoutFor(sub: SubsetInfo, plan: Extract<Plan, { kind: 'trapezoid' }>, orders: number[][]): Layout {
    const fail = (f: CalibrationFailure): never => {
      const i = this.info(sub.inputs, orders);
      throw failureError(i.act, i.desc, f, maxVariance(sub.L), i.power, activationFeatures(this.act).growth.gamma);
    };
    const R = radiusFor(plan, maxFactors(orders), fail);
    const lay = this.trapezoidLayout(sub, plan, R);
    if (R === plan.R) sub.base = lay;
    return lay;
  }

  /** Graded rule or failure: refine until the error estimate meets the tolerance. */
  private expectGraded(sub: SubsetInfo, plan: Exclude<Plan, { kind: 'trapezoid' }>, inputs: number[], orders: number[][]): number {
    const K = maxVariance(sub.L);
    if (plan.kind === 'fail') {
      const i = this.info(inputs, orders);
      throw failureError(i.act, i.desc, plan.failure, K, i.power, activationFeatures(this.act).growth.gamma);
    }
    const tolG = gradedTol(sub.tol);
    let settings: GradedSettings = { R: plan.R0, refine: 0 };
    let previous: Estimate | undefined;
    for (;;) {
      const lay = rewrap(() => this.info(inputs, orders), () => this.gradedLayout(sub, settings));
      const { outer, inner } = this.tables(lay, sub, orders);
      const est = gradedNestedSum(lay.graded!, outer, inner);
      if (!Number.isFinite(est.value)) throw this.nonFinite(lay, sub, orders, est.value, K, this.info(inputs, orders));
      if (est.error + est.tail <= tolG * est.mass) return est.value;
      const next = refineSettings(settings, est, tolG, previous);
      previous = next && next.refine > settings.refine ? est : previous;
      if (!next) {
        const i = this.info(inputs, orders);
        throw accuracyError(i.act, i.desc, est.error + est.tail, est.mass, tolG, K);
      }
      settings = next;
    }
  }

  /** Name the first non-finite σ^(k) value in a layout's tables, or report an overflow of the sum. */
  private nonFinite(lay: Layout, sub: SubsetInfo, orders: number[][], value: number, K: number, info: ExpectationInfo): NnftNumericalError {
    for (let i = 0; i < sub.perm.length; i++) {
      for (const k of orders[sub.perm[i]!]!) {
        const t = this.orderTable(lay, i, k);
        const z = lay.z[i]!;
        for (let p = 0; p < t.length; p++) {
          if (!Number.isFinite(t[p]!)) {
            return failureError(info.act, info.desc, { kind: 'nonfinite', s: NaN, z: z[p]!, order: k, value: t[p]! }, K, info.power, 0);
          }
        }
      }
    }
    return overflowError(info.act, info.desc, value, K);
  }
}

/** z ↦ Π_{k ∈ ks} σ^(k)(z). */
function productFunction(act: Activation, ks: readonly number[]): (z: number) => number {
  const fs = ks.map((k) => act.derivative(k));
  if (fs.length === 1) return fs[0]!;
  return (z) => {
    let p = 1;
    for (const f of fs) p *= f(z);
    return p;
  };
}

const parities = new Map<string, number>();
/**
 * +1 if σ is even, −1 if odd, 0 otherwise, checked to 1e-14 relative on |z| ≤ 64 (step 1/64) and geometrically out
 * to 1e12 (σ^(k) then has parity ±(−1)^k). A parity holding only to rounding changes the symmetric sums of
 * lattice.ts by rounding only.
 */
export function activationParity(act: Activation): number {
  let par = parities.get(act.name);
  if (par !== undefined) return par;
  const f = act.f;
  let odd = true;
  let even = true;
  const check = (z: number): void => {
    const a = f(z);
    const b = f(-z);
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      odd = even = false;
      return;
    }
    const scale = 1e-14 * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;
    if (!(Math.abs(a + b) <= scale)) odd = false;
    if (!(Math.abs(a - b) <= scale)) even = false;
  };
  for (let i = 1; i <= 64 * 64 && (odd || even); i++) check(i / 64);
  for (let z = 64; z <= 1e12 && (odd || even); z *= 1.03) check(z);
  par = odd && !even ? -1 : even && !odd ? 1 : 0;
  parities.set(act.name, par);
  return par;
}

/**
 * Node geometry of the rank-1/rank-2 trapezoid rules (weights and the disc's segment layout): it depends only on
 * the steps and the radius, which come from the calibration's discrete ladder, so it is shared by all layers.
 */
interface NodeGeometry {
  N0: number;
  h0: number;
  h1: number;
  w0: Float64Array;
  seg: Int32Array;
  /** half-width of the inner segment of each outer point */
  N1: Int32Array;
  w1: Float64Array;
}
const geometries = new Map<string, NodeGeometry>();
function nodeGeometry(rank: number, h0: number, h1: number, R: number): NodeGeometry {
  const key = `${rank}|${h0}|${h1}|${R}`;
  let g = geometries.get(key);
  if (g) return g;
  const N0 = Math.floor(R / h0);
  const n0 = 2 * N0 + 1;
  const wt0 = weightTable(h0, N0);
  const w0 = new Float64Array(n0);
  for (let a = 0; a < n0; a++) w0[a] = wt0[a < N0 ? N0 - a : a - N0]!;
  const seg = new Int32Array(n0 + 1);
  const N1 = new Int32Array(n0);
  let w1: Float64Array;
  if (rank === 1) {
    for (let a = 0; a <= n0; a++) seg[a] = a;
    w1 = new Float64Array(n0).fill(1);
  } else {
    const wt1 = weightTable(h1, Math.floor(R / h1));
    let total = 0;
    for (let a = 0; a < n0; a++) {
      const u0 = (a - N0) * h0;
      N1[a] = Math.floor(Math.sqrt(Math.max(0, R * R - u0 * u0)) / h1);
      seg[a] = total;
      total += 2 * N1[a]! + 1;
    }
    seg[n0] = total;
    w1 = new Float64Array(total);
    for (let a = 0; a < n0; a++) {
      const n = N1[a]!;
      const base = seg[a]! + n;
      for (let b = -n; b <= n; b++) w1[base + b] = wt1[b < 0 ? -b : b]!;
    }
  }
  g = { N0, h0, h1, w0, seg, N1, w1 };
  if (geometries.size > 512) geometries.clear();
  geometries.set(key, g);
  return g;
}

/** The trapezoid nodes of the rank-1/rank-2 rules (steps hs, the disc |u| ≤ R), laid out for nestedSum. */
function buildNodes(L: number[][], rank: number, hs: number[], R: number, arena: Float64Arena): TrapezoidNodes {
  const k = L.length;
  const { N0, h0, h1, w0, seg, N1, w1 } = nodeGeometry(rank, hs[0]!, rank === 2 ? hs[1]! : 0, R);
  const n0 = w0.length;
  const inner: boolean[] = [];
  const z: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const l0 = L[i]![0]!;
    inner.push(rank === 2 && L[i]![1]! !== 0);
    if (!inner[i]) {
      const out = arena.alloc(n0);
      for (let a = 0; a < n0; a++) out[a] = l0 * ((a - N0) * h0);
      z.push(out);
      continue;
    }
    const out = arena.alloc(w1.length);
    const l1 = L[i]![1]! * h1;
    for (let a = 0; a < n0; a++) {
      const c = l0 * ((a - N0) * h0);
      const n = N1[a]!;
      const base = seg[a]! + n;
      for (let b = -n; b <= n; b++) out[base + b] = c + l1 * b;
    }
    z.push(out);
  }
  return { w0, seg, w1, z, inner };
}

/** Σ_a w0_a Π outer[·][a] Σ_{p ∈ [seg_a, seg_{a+1})} w1_p Π inner[·][p]. */
function nestedSum(w0: Float64Array, seg: Int32Array, w1: Float64Array, outer: Float64Array[], inner: Float64Array[]): number {
  const n0 = w0.length;
  const i0 = inner[0];
  const i1 = inner[1];
  const no = outer.length;
  let sum = 0;
  for (let a = 0; a < n0; a++) {
    let wa = w0[a]!;
    for (let j = 0; j < no; j++) wa *= outer[j]![a]!;
    if (wa === 0) continue;
    const lo = seg[a]!;
    const hi = seg[a + 1]!;
    let s = 0;
    if (i0 === undefined) for (let p = lo; p < hi; p++) s += w1[p]!;
    else if (i1 === undefined) for (let p = lo; p < hi; p++) s += w1[p]! * i0[p]!;
    else if (inner.length === 2) for (let p = lo; p < hi; p++) s += w1[p]! * i0[p]! * i1[p]!;
    else if (inner.length === 3) {
      const i2 = inner[2]!;
      for (let p = lo; p < hi; p++) s += w1[p]! * i0[p]! * i1[p]! * i2[p]!;
    }
    else {
      for (let p = lo; p < hi; p++) {
        let pr = w1[p]!;
        for (const t of inner) pr *= t[p]!;
        s += pr;
      }
    }
    sum += wa * s;
  }
  return sum;
}
