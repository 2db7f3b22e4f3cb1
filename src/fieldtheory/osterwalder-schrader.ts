/**
 * Osterwalder–Schrader checks of a network ensemble's correlators over a one-dimensional Euclidean "time" τ (Leung,
 * "Physics4ML", §3, eqs. 3.1–3.2; Halverson, Maiti, Stoner, "Neural Networks and Quantum Field Theory"): the conditions
 * under which the Euclidean correlators continue to a quantum field theory. Three of them are checked here:
 *
 *  - reflection positivity (eq. 3.1): Σ_ij f_i* f_j G(θτ_i, τ_j) ≥ 0 for every f supported at τ > 0, θτ = −τ, i.e. the
 *    reflected matrix M_ij = G(−τ_i, τ_j) on a grid τ_1..τ_n > 0 is symmetric (reflection symmetry G(θx, y) = G(θy, x),
 *    needed for complex f) and positive semi-definite. For a Gaussian ensemble this is the whole condition.
 *  - cluster decomposition (eq. 3.2): connected correlators vanish when groups of points are separated,
 *    G_c(τ₀, τ₀ + b) → 0 and G_c(τ₀, τ₀, τ₀ + b, τ₀ + b) → 0 as b → ∞; on a finite window, the check is that the connected
 *    correlator at the largest separation is below δ times its value at b = 0.
 *  - Euclidean invariance (in one dimension, translations τ ↦ τ + c and the reflection τ ↦ −τ): G(τ_i + c, τ_j + c) =
 *    G(τ_i, τ_j) and G(−τ_i, −τ_j) = G(τ_i, τ_j).
 *
 * A kernel (the infinite-width two-point function, or any closed form) is checked exactly: verdicts compare with a
 * rounding tolerance (64·n·ε of the matrix scale). Sampled networks are checked statistically, with the three outcomes of
 * the symmetry checks (docs/symmetry.md): "violated" when the data reject the axiom at family-wise significance α,
 * "satisfied" when they do not AND the test had power 1 − β against a violation of the stated relative size δ,
 * "inconclusive" otherwise, with the networks needed. For reflection positivity the smallest eigenvalue of the sampled
 * M is reported with its jackknife standard error, but it is biased low by the noise (the smallest eigenvalue of a
 * noisy PSD matrix with null directions is negative); the verdict therefore uses a held-out test: the most negative
 * direction f of M estimated on the first half of the networks, and q = fᵀMf = mean_t (f·φ_t(−τ))(f·φ_t(τ)) on the second
 * half, an unbiased estimate with an honest standard error; violated if q < −z_α·se(q).
 */
import { NnftInputError } from '../errors.ts';
import { symmetricEigen } from '../gaussian/linalg.ts';
import { normalUpperQuantile } from '../symmetry/engine.ts';
import { sampleCumulants } from './sample-cumulants.ts';

export type OsVerdict = 'satisfied' | 'violated' | 'inconclusive';

export interface OsStatisticsOptions {
  /** significance α of a "violated" verdict (family-wise over the tests of one axiom; default 1e-3) */
  alpha?: number;
  /** power 1 − β against the stated violation (default 0.9) */
  power?: number;
  /** the stated violation δ, relative to the scale of the tested quantity (default 0.05) */
  deviation?: number;
}

export interface PowerStatement {
  deviation: number;
  power: number;
  /** the smallest relative violation detected with probability `power` at this sample size */
  detectable: number;
  /** networks needed to resolve the stated deviation (≤ nets when resolved) */
  networksNeeded: number;
}

/** A set of networks evaluated at any points, the same networks every time (seeded streams). */
export interface SampledEnsemble {
  nets: number;
  /** outputs of every network at the points: nets × points.length, row-major */
  evaluate(points: readonly number[]): Float64Array;
}

export type Kernel1D = (s: number, t: number) => number;

function stats(o: OsStatisticsOptions): { alpha: number; power: number; deviation: number; zBeta: number } {
  const alpha = o.alpha ?? 1e-3;
  const power = o.power ?? 0.9;
  const deviation = o.deviation ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new NnftInputError('alpha', `need 0 < α < 0.5, got ${alpha}`);
  if (!(power > 0.5 && power < 1)) throw new NnftInputError('power', `need 0.5 < 1 − β < 1, got ${power}`);
  if (!(deviation > 0 && Number.isFinite(deviation))) throw new NnftInputError('deviation', `need δ > 0, got ${deviation}`);
  return { alpha, power, deviation, zBeta: normalUpperQuantile(1 - power) };
}

function checkTimes(times: readonly number[], name = 'times'): void {
  if (!Array.isArray(times) || times.length < 1) throw new NnftInputError(name, 'need at least one time');
  if (times.length > 400) throw new NnftInputError(name, `${times.length} times: the n×n reflected matrix is limited to n ≤ 400`);
  for (const t of times) if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw new NnftInputError(name, `reflection positivity uses times τ > 0, got ${String(t)}`);
}

function powerStatement(se: number, threshold: number, zBeta: number, scale: number, deviation: number, nets: number): PowerStatement {
  const detectable = ((threshold + zBeta) * se) / scale;
  return { deviation, power: 0, detectable, networksNeeded: Math.ceil(nets * (detectable / deviation) ** 2) };
}

// ---------------------------------------------------------------- reflection positivity

export interface ReflectionPositivityResult {
  times: number[];
  /** M_ij = G(−τ_i, τ_j) */
  matrix: number[][];
  /** eigenvalues of the symmetric part (M + Mᵀ)/2, ascending */
  eigenvalues: number[];
  minEigenvalue: number;
  /** jackknife standard error of the smallest eigenvalue (0 for a kernel) */
  minEigenvalueStderr: number;
  /** the largest eigenvalue: the scale violations are measured against */
  scale: number;
  /** max |M_ij − M_ji| (reflection symmetry) */
  asymmetry: number;
  /** the eigenvector of the smallest eigenvalue (a test function f on the grid) */
  mostNegativeDirection: number[];
  verdict: OsVerdict;
  /** kernel: the rounding tolerance; sampled: the held-out test of fᵀMf */
  test: { kind: 'exact'; tolerance: number } | { kind: 'held-out'; value: number; stderr: number; z: number; threshold: number; selectionNets: number; testNets: number };
  power?: PowerStatement;
}

function eigenSorted(M: number[][]): { values: number[]; vectors: number[][] } {
  const n = M.length;
  const S = M.map((r, i) => r.map((v, j) => 0.5 * (v + M[j]![i]!)));
  const { values, vectors } = symmetricEigen(S);
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  return { values: order.map((i) => values[i]!), vectors: order.map((i) => Array.from({ length: n }, (_, k) => vectors[k]![i]!)) };
}

/** Reflection positivity of a kernel G(s, t) on the grid τ_1..τ_n > 0, exactly (up to rounding). */
export function reflectionPositivityOfKernel(kernel: Kernel1D, times: readonly number[]): ReflectionPositivityResult {
  checkTimes(times);
  if (typeof kernel !== 'function') throw new NnftInputError('kernel', 'expected a function G(s, t)');
  const n = times.length;
  const M = times.map((s) => times.map((t) => kernel(-s, t)));
  for (const row of M) for (const v of row) if (!Number.isFinite(v)) throw new NnftInputError('kernel', `G(−τ, τ') = ${v} is not finite on the grid`);
  const { values, vectors } = eigenSorted(M);
  const scale = Math.max(Math.abs(values[0]!), Math.abs(values[n - 1]!), 1e-300);
  let asym = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(M[i]![j]! - M[j]![i]!));
  const tolerance = 64 * n * Number.EPSILON * scale;
  const verdict: OsVerdict = values[0]! >= -tolerance && asym <= tolerance ? 'satisfied' : 'violated';
  return { times: [...times], matrix: M, eigenvalues: values, minEigenvalue: values[0]!, minEigenvalueStderr: 0, scale: values[n - 1]!, asymmetry: asym, mostNegativeDirection: vectors[0]!, verdict, test: { kind: 'exact', tolerance } };
}

/** Σ_t φ_t(−τ_i) φ_t(τ_j) over networks [lo, hi) of samples (columns: −τ_1..−τ_n, τ_1..τ_n), n×n row-major. */
function reflectedSum(samples: Float64Array, n: number, lo: number, hi: number): Float64Array {
  const S = new Float64Array(n * n);
  const w = 2 * n;
  for (let t = lo; t < hi; t++) {
    const o = t * w;
    for (let i = 0; i < n; i++) {
      const a = samples[o + i]!;
      for (let j = 0; j < n; j++) S[i * n + j] = S[i * n + j]! + a * samples[o + n + j]!;
    }
  }
  return S;
}

function toMatrix(S: Float64Array, n: number, count: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => S[i * n + j]! / count));
}

/**
 * Reflection positivity of sampled networks: the reflected matrix of the two-point function on the grid, its smallest
 * eigenvalue with a jackknife error (groups of networks), and the held-out verdict (module comment).
 */
export function reflectionPositivityOfSamples(ensemble: SampledEnsemble, times: readonly number[], opts: OsStatisticsOptions & { groups?: number } = {}): ReflectionPositivityResult {
  checkTimes(times);
  const { alpha, power, deviation, zBeta } = stats(opts);
  const n = times.length;
  const nets = ensemble.nets;
  const G = opts.groups ?? 32;
  if (!Number.isInteger(nets) || nets < 4 * G) throw new NnftInputError('nets', `need at least ${4 * G} networks, got ${String(nets)}`);
  const samples = ensemble.evaluate([...times.map((t) => -t), ...times]);
  // group sums of the reflected products: the full matrix and the leave-one-group-out replicates from one pass
  const bounds = Array.from({ length: G + 1 }, (_, g) => Math.floor((g * nets) / G));
  const sums = Array.from({ length: G }, (_, g) => reflectedSum(samples, n, bounds[g]!, bounds[g + 1]!));
  const total = new Float64Array(n * n);
  for (const S of sums) for (let k = 0; k < n * n; k++) total[k] = total[k]! + S[k]!;
  const M = toMatrix(total, n, nets);
  const { values, vectors } = eigenSorted(M);
  const reps: number[] = [];
  const rest = new Float64Array(n * n);
  for (let g = 0; g < G; g++) {
    const S = sums[g]!;
    for (let k = 0; k < n * n; k++) rest[k] = total[k]! - S[k]!;
    reps.push(eigenSorted(toMatrix(rest, n, nets - (bounds[g + 1]! - bounds[g]!))).values[0]!);
  }
  const mean = reps.reduce((s, v) => s + v, 0) / G;
  const minEigenvalueStderr = Math.sqrt(((G - 1) / G) * reps.reduce((s, v) => s + (v - mean) ** 2, 0));
  let asym = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(M[i]![j]! - M[j]![i]!));
  // held-out: direction from the first half, fᵀMf with its standard error on the second
  const half = bounds[G >> 1]!;
  const firstHalf = new Float64Array(n * n);
  for (let g = 0; g < G >> 1; g++) for (let k = 0; k < n * n; k++) firstHalf[k] = firstHalf[k]! + sums[g]![k]!;
  const f = eigenSorted(toMatrix(firstHalf, n, half)).vectors[0]!;
  let s1 = 0, s2 = 0;
  for (let t = half; t < nets; t++) {
    const o = t * 2 * n;
    let a = 0, b = 0;
    for (let i = 0; i < n; i++) {
      a += f[i]! * samples[o + i]!;
      b += f[i]! * samples[o + n + i]!;
    }
    const q = a * b;
    s1 += q;
    s2 += q * q;
  }
  const nb = nets - half;
  const q = s1 / nb;
  const se = Math.sqrt(Math.max(0, s2 / nb - q * q) / (nb - 1));
  const threshold = normalUpperQuantile(alpha);
  const z = se > 0 ? q / se : q < 0 ? -Infinity : 0;
  const scale = Math.max(values[n - 1]!, 1e-300);
  const ps = powerStatement(se, threshold, zBeta, scale, deviation, nets);
  ps.power = power;
  const verdict: OsVerdict = z < -threshold ? 'violated' : ps.detectable <= deviation ? 'satisfied' : 'inconclusive';
  return {
    times: [...times],
    matrix: M,
    eigenvalues: values,
    minEigenvalue: values[0]!,
    minEigenvalueStderr,
    scale,
    asymmetry: asym,
    mostNegativeDirection: vectors[0]!,
    verdict,
    test: { kind: 'held-out', value: q, stderr: se, z: Number.isFinite(z) ? z : -1e300, threshold, selectionNets: half, testNets: nb },
    power: ps,
  };
}

// ---------------------------------------------------------------- cluster decomposition

export interface ClusterPoint {
  separation: number;
  value: number;
  stderr: number;
}

export interface ClusterDecompositionResult {
  origin: number;
  /** connected two-point function G_c(τ₀, τ₀ + b) */
  twoPoint: { points: ClusterPoint[]; ratio: number; ratioStderr: number; verdict: OsVerdict; power?: PowerStatement };
  /** connected four-point function G_c(τ₀, τ₀, τ₀ + b, τ₀ + b) (sampled ensembles only) */
  fourPoint?: { points: ClusterPoint[]; ratio: number; ratioStderr: number; verdict: OsVerdict; power?: PowerStatement };
}

function checkSeparations(separations: readonly number[]): void {
  if (!Array.isArray(separations) || separations.length < 2) throw new NnftInputError('separations', 'need at least two separations b (0 first)');
  if (separations[0] !== 0) throw new NnftInputError('separations', 'the first separation must be 0 (the reference value)');
  for (let i = 1; i < separations.length; i++) {
    const b = separations[i]!;
    if (!Number.isFinite(b) || !(b > separations[i - 1]!)) throw new NnftInputError('separations', 'must be finite and strictly increasing');
  }
}

function exactClusterVerdict(points: ClusterPoint[], deviation: number, what: string): { ratio: number; ratioStderr: number; verdict: OsVerdict } {
  for (const p of points) if (!Number.isFinite(p.value)) throw new NnftInputError(what, `the connected correlator at separation ${p.separation} is not finite`);
  const g0 = Math.abs(points[0]!.value);
  if (!(g0 > 0)) throw new NnftInputError('origin', `the connected ${what} at zero separation is 0: nothing to compare the decay with`, 'choose an origin τ₀ where the output fluctuates');
  const ratio = Math.abs(points[points.length - 1]!.value) / g0;
  return { ratio, ratioStderr: 0, verdict: ratio <= deviation ? 'satisfied' : ratio >= 1 - deviation ? 'violated' : 'inconclusive' };
}

/**
 * Exact correlators: the kernel G(τ₀, τ₀ + b) and, when given, the connected four-point function
 * G_c(τ₀, τ₀, τ₀ + b, τ₀ + b) as a function of b (e.g. from duality.ts). Satisfied if the connected correlator at the
 * largest separation is ≤ δ of its value at b = 0, violated if it has not decayed at all (≥ (1 − δ) of it),
 * inconclusive in between (it decays, but the window is too short to show it falls below δ).
 */
export function clusterDecompositionOfKernel(kernel: Kernel1D, origin: number, separations: readonly number[], opts: OsStatisticsOptions & { fourPoint?: (b: number) => number } = {}): ClusterDecompositionResult {
  checkSeparations(separations);
  const { deviation } = stats(opts);
  const points = separations.map((b) => ({ separation: b, value: kernel(origin, origin + b), stderr: 0 }));
  const out: ClusterDecompositionResult = { origin, twoPoint: { points, ...exactClusterVerdict(points, deviation, 'two-point function') } };
  if (opts.fourPoint) {
    const f = opts.fourPoint;
    const p4 = separations.map((b) => ({ separation: b, value: f(b), stderr: 0 }));
    out.fourPoint = { points: p4, ...exactClusterVerdict(p4, deviation, 'four-point function') };
  }
  return out;
}

function clusterVerdict(points: ClusterPoint[], alpha: number, zBeta: number, deviation: number, nets: number, power: number): { ratio: number; ratioStderr: number; verdict: OsVerdict; power: PowerStatement } {
  const ref = points[0]!;
  const last = points[points.length - 1]!;
  const g0 = Math.abs(ref.value);
  if (!(g0 > 0)) throw new NnftInputError('origin', 'the connected correlator at zero separation is 0: nothing to compare the decay with');
  const ratio = Math.abs(last.value) / g0;
  // error of the ratio from the numerator (the reference is measured far more precisely at b = 0)
  const ratioStderr = Math.sqrt((last.stderr / g0) ** 2 + (ratio * ref.stderr / g0) ** 2);
  const threshold = normalUpperQuantile(alpha);
  const ps = powerStatement(ratioStderr, threshold, zBeta, 1, deviation, nets);
  ps.power = power;
  const verdict: OsVerdict = ratio - threshold * ratioStderr > deviation ? 'violated' : ratio + (threshold + zBeta) * ratioStderr <= deviation ? 'satisfied' : 'inconclusive';
  return { ratio, ratioStderr, verdict, power: ps };
}

/**
 * Sampled: connected G_c(τ₀, τ₀ + b) and G_c(τ₀, τ₀, τ₀ + b, τ₀ + b) with jackknife errors (which assume the products
 * have a finite variance — log-normal outputs, such as the Gauss-net's far from the origin, are dominated by networks
 * too rare to sample; use the exact correlators of duality.ts there); at the largest separation the
 * ratio ρ = |G_c(b_max)|/|G_c(0)|: violated if ρ > δ significantly (ρ − z_α σ_ρ > δ), satisfied if ρ + (z_α + z_β)σ_ρ ≤ δ,
 * inconclusive otherwise.
 */
export function clusterDecompositionOfSamples(ensemble: SampledEnsemble, origin: number, separations: readonly number[], opts: OsStatisticsOptions = {}): ClusterDecompositionResult {
  checkSeparations(separations);
  const { alpha, power, deviation, zBeta } = stats(opts);
  const points = separations.map((b) => origin + b);
  const samples = ensemble.evaluate(points);
  const k = points.length;
  const two = sampleCumulants(samples, k, separations.map((_, i) => [0, i]));
  const four = sampleCumulants(samples, k, separations.map((_, i) => [0, 0, i, i]));
  const toPoints = (c: { value: number; stderr: number }[]): ClusterPoint[] => c.map((x, i) => ({ separation: separations[i]!, value: x.value, stderr: x.stderr }));
  const p2 = toPoints(two), p4 = toPoints(four);
  return {
    origin,
    twoPoint: { points: p2, ...clusterVerdict(p2, alpha, zBeta, deviation, ensemble.nets, power) },
    fourPoint: { points: p4, ...clusterVerdict(p4, alpha, zBeta, deviation, ensemble.nets, power) },
  };
}

// ---------------------------------------------------------------- Euclidean invariance

export interface EuclideanInvarianceResult {
  shifts: number[];
  /** the largest |G(τ_i + c, τ_j + c) − G(τ_i, τ_j)| (and for the reflection, |G(−τ_i, −τ_j) − G(τ_i, τ_j)|), relative to max|G| */
  translation: { maxDeviation: number; verdict: OsVerdict; maxZ?: number; threshold?: number; power?: PowerStatement };
  reflection: { maxDeviation: number; verdict: OsVerdict; maxZ?: number; threshold?: number; power?: PowerStatement };
}

function checkGrid(times: readonly number[]): void {
  if (!Array.isArray(times) || times.length < 1) throw new NnftInputError('times', 'need at least one time');
  if (times.length > 400) throw new NnftInputError('times', `${times.length} times: at most 400`);
  for (const t of times) if (typeof t !== 'number' || !Number.isFinite(t)) throw new NnftInputError('times', `not a finite number: ${String(t)}`);
}

/** Kernel: exact comparison on the grid, satisfied within the rounding tolerance. */
export function euclideanInvarianceOfKernel(kernel: Kernel1D, times: readonly number[], shifts: readonly number[]): EuclideanInvarianceResult {
  checkGrid(times);
  if (!Array.isArray(shifts) || shifts.length === 0 || shifts.some((c) => !Number.isFinite(c))) throw new NnftInputError('shifts', 'need at least one finite shift c');
  let scale = 0, dt = 0, dr = 0;
  for (const s of times) for (const t of times) scale = Math.max(scale, Math.abs(kernel(s, t)));
  for (const c of shifts) for (const s of times) for (const t of times) dt = Math.max(dt, Math.abs(kernel(s + c, t + c) - kernel(s, t)));
  for (const s of times) for (const t of times) dr = Math.max(dr, Math.abs(kernel(-s, -t) - kernel(s, t)));
  if (!Number.isFinite(scale + dt + dr)) throw new NnftInputError('kernel', 'is not finite on the grid or its shifts');
  const tol = 64 * Number.EPSILON;
  const rel = (d: number) => (scale > 0 ? d / scale : d);
  return {
    shifts: [...shifts],
    translation: { maxDeviation: rel(dt), verdict: rel(dt) <= tol ? 'satisfied' : 'violated' },
    reflection: { maxDeviation: rel(dr), verdict: rel(dr) <= tol ? 'satisfied' : 'violated' },
  };
}

/**
 * Sampled: paired comparisons, as in the symmetry checks — every network evaluated on the grid and on its image, the
 * per-network differences d_t = φ_t(τ_i′)φ_t(τ_j′) − φ_t(τ_i)φ_t(τ_j) of every two-point entry i ≤ j, z = mean(d)/se(d),
 * Bonferroni over the entries; the deviation relative to s_u = √((E[O²] + E[O′²])/2), the typical size of the products.
 */
export function euclideanInvarianceOfSamples(ensemble: SampledEnsemble, times: readonly number[], shifts: readonly number[], opts: OsStatisticsOptions = {}): EuclideanInvarianceResult {
  checkGrid(times);
  if (!Array.isArray(shifts) || shifts.length === 0 || shifts.some((c) => !Number.isFinite(c))) throw new NnftInputError('shifts', 'need at least one finite shift c');
  const { alpha, power, deviation, zBeta } = stats(opts);
  const n = times.length;
  const nets = ensemble.nets;
  if (nets < 16) throw new NnftInputError('nets', `need at least 16 networks, got ${nets}`);
  const base = ensemble.evaluate(times);
  const paired = (image: Float64Array, tests: number) => {
    let maxZ = 0, maxRel = 0, worstSigma = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let sd = 0, sdd = 0, so = 0;
        for (let t = 0; t < nets; t++) {
          const o = base[t * n + i]! * base[t * n + j]!;
          const op = image[t * n + i]! * image[t * n + j]!;
          const d = op - o;
          sd += d;
          sdd += d * d;
          so += (o * o + op * op) / 2;
        }
        const md = sd / nets;
        const se = Math.sqrt(Math.max(0, sdd / nets - md * md) / (nets - 1));
        const s = Math.sqrt(so / nets);
        if (!(s > 0)) continue;
        const z = se > 0 ? Math.abs(md) / se : md === 0 ? 0 : Infinity;
        maxZ = Math.max(maxZ, Number.isFinite(z) ? z : 1e300);
        maxRel = Math.max(maxRel, Math.abs(md) / s);
        worstSigma = Math.max(worstSigma, se / s);
      }
    }
    const threshold = normalUpperQuantile(alpha / (2 * tests));
    const ps = powerStatement(worstSigma, threshold, zBeta, 1, deviation, nets);
    ps.power = power;
    const verdict: OsVerdict = maxZ > threshold ? 'violated' : ps.detectable <= deviation ? 'satisfied' : 'inconclusive';
    return { maxDeviation: maxRel, verdict, maxZ, threshold, power: ps };
  };
  const entries = (n * (n + 1)) / 2;
  const transl = shifts.map((c) => ensemble.evaluate(times.map((t) => t + c)));
  // one verdict over all shifts: Bonferroni over shifts × entries
  const results = transl.map((img) => paired(img, entries * shifts.length));
  const worst = results.reduce((a, b) => (b.maxZ > a.maxZ ? b : a));
  const translation = { ...worst, maxDeviation: Math.max(...results.map((r) => r.maxDeviation)), verdict: results.some((r) => r.verdict === 'violated') ? 'violated' as const : results.every((r) => r.verdict === 'satisfied') ? 'satisfied' as const : 'inconclusive' as const };
  const reflection = paired(ensemble.evaluate(times.map((t) => -t)), entries);
  return { shifts: [...shifts], translation, reflection };
}
