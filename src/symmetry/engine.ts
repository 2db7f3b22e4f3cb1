/**
 * Paired Monte Carlo comparison of an ensemble with its transform (the statistics of the symmetry checks).
 *
 * For every network t of the ensemble we compute the observable at the original point, O_t, and after each
 * transformation b, O_t^b, from the SAME network: output rotations act on its outputs (F ↦ (I⊗R) F, NTK
 * Θ̂ ↦ R Θ̂ Rᵀ), input transformations re-evaluate it at the transformed inputs. The correlator entries are
 * the monomials Π_k F_{c_k} over multisets of combined (input, output) indices (tensors.ts); the NTK entries
 * are Θ̂_{ij}(x_α, x_β), α ≤ β. The symmetry says E[O^b] = E[O]; the estimate of the difference is the mean
 * of the per-network differences d_t = O_t^b − O_t, with standard error sd(d)/√N — so the noise common to
 * O and O^b cancels and the z-score z = mean(d)/se(d) is honestly N(0,1) under the symmetry (CLT).
 *
 * Verdict (three outcomes; docs/symmetry.md). Each test is one entry u of one order n under one transformation
 * b. Its deviation is measured relative to the typical size of the products that estimate the entry,
 *   ρ_u = E[G′_u − G_u] / s_u,   s_u² = (E[O_u²] + mean_b E[O′_u²]) / 2,
 * with standard error σ_u = se(d_u)/s_u (≤ √2·… by Cauchy–Schwarz: sd(O′ − O) ≤ √(2(E O² + E O′²)) = 2 s_u). With K tests, z* = Φ⁻¹(1 − α/(2K)) (Bonferroni, family-wise false
 * alarm ≤ α) and the held-out confirmation below:
 *  - "broken": max|z| > z* AND the held-out confirmation rejects;
 *  - otherwise the power analysis: a deviation ρ in the least precise test is detected with probability ≈ 1 − β
 *    when |ρ| ≥ δ_det = max(z* + z_β, (z_c + z_β)·√(N/N_B))·max_u σ_u, z_β = Φ⁻¹(1 − β): the pooled test and
 *    the held-out confirmation (threshold z_c on N_B of the N networks, so its standard error is √(N/N_B)
 *    larger) each reach power 1 − β there (the selection of the 10 largest |z| among the first networks is
 *    taken as certain: such a deviation has z ≈ 4 there, above the ≈ 2.6 of the 10th-largest noise entry);
 *    "invariant" if δ_det ≤ δ (the stated deviation: the test had the power to see it and saw nothing),
 *    "inconclusive" otherwise, reporting δ_det and the networks needed, N·(δ_det/δ)² (σ_u ∝ 1/√N).
 * The p-value min(1, 2K·Φ̄(max|z|)) and the entry of the maximum are reported with every verdict; "broken"
 * needs the held-out confirmation (`Confirmation`): the 10 largest |z| of the first ⌊E/2⌋ experiments re-tested
 * on the other networks at Bonferroni level α/10 — robust to the heavy tails of 4-point products.
 *
 * Deviation measure (App. C of Maiti, Stoner, Halverson, Symmetry-via-Duality): the networks are split into E experiments; in experiment e, for
 * element b and entry u, M = |Ĝ′ − Ĝ| and δM = √(δG′² + δG² + δ_R²), δG, δG′ the standard errors of Ĝ, Ĝ′
 * in that experiment and δ_R = √n·δR·D_r^n·max|Ĝ| the eq. 45 term of the element's numerical error (a
 * triangle-inequality bound; output rotations only). M̄_{e,u} = mean_b M; μ_M = mean_u mean_e M̄,
 * σ_M = mean_u std_e M̄ (the elementwise spread across experiments, averaged), bound = mean δM.
 */
import { getActivation, normCdf } from '../activations/index.ts';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { activationLabel, activationProblem, firstNonFinite } from '../montecarlo/guard.ts';
import type { GroupElement, TranslationElement } from './groups.ts';
import type { Mat } from './linalg.ts';
import type { SymNetSampler } from './networks.ts';
import { multisetCount, multisets } from './tensors.ts';
import { PilotClock, requirePairedMemory, requireStatisticsTime, type OrderSize } from './budget.ts';
import { studentUpperQuantile, studentUpperTail } from './student.ts';

export type Transform =
  | { kind: 'output'; label: string; element: GroupElement }
  | { kind: 'input'; label: string; map: (x: number[]) => number[]; element?: GroupElement | TranslationElement };

export type Order = number | 'ntk';

export interface EngineOptions {
  sampler: SymNetSampler;
  inputs: number[][];
  orders: Order[];
  transforms: Transform[];
  nets: number;
  /** experiments for μ_M ± σ_M (App. C); ≥ 2 */
  experiments?: number;
  seed?: number;
  /** family-wise significance of the verdict (default 1e-3) */
  alpha?: number;
  /**
   * the stated deviation δ the test must be able to resolve, relative to the typical size s_u of the products
   * (default DEFAULT_DEVIATION): "invariant" needs the power to see a deviation δ, else "inconclusive"
   */
  deviation?: number;
  /** power 1 − β for the stated deviation (default 0.9) */
  power?: number;
  /** transforms grouped under a label for sub-verdicts (e.g. the unbroken subgroup) are passed separately */
  onProgress?: (done: number, total: number) => void;
  /**
   * how many comparisons of this size the caller runs in all (broken-mean: the group and its unbroken
   * subgroup); the time budget covers all of them (default 1)
   */
  repeats?: number;
}

export interface EntryLocation {
  order: Order;
  transform: string;
  /** input indices α of the entry (into `inputs`) */
  inputs: number[];
  /** realified output components i of the entry */
  outputs: number[];
  /** Ĝ′ − Ĝ and its standard error */
  diff: number;
  stderr: number;
  z: number;
  /** the same relative to the entry's typical product size s_u: ρ = (Ĝ′ − Ĝ)/s_u ± σ */
  relative: number;
  relativeStderr: number;
}

export interface MeasureResult {
  /** μ_M: mean elementwise |G′ − G| (App. C averaging) */
  mean: number;
  /** σ_M: elementwise spread across experiments, averaged over entries */
  sigma: number;
  /** mean δM (eq. 45 with Monte Carlo standard errors) */
  bound: number;
  /** entries (distinct correlator entries) in this order */
  entries: number;
  /** largest |z| of this order (all networks pooled) */
  maxZ: number;
  /** root-mean-square over the order's entries of s_u (the units of ρ_u) */
  scale: number;
  /** smallest relative deviation this order's least precise test detects with the stated power */
  detectable: number;
}

/** entries carried from the selection half to the confirmation half */
export const CONFIRM_ENTRIES = 10;

/**
 * Held-out confirmation of a significant maximum: the CONFIRM_ENTRIES entries with the largest |z| on the first
 * ⌊E/2⌋ experiments are tested on the remaining networks (Bonferroni over those entries only). Order-4 products
 * are heavy-tailed, so the normal approximation at the pooled Bonferroni level (~1e-6) is optimistic; at the
 * confirmation level (~5e-5) it is accurate. The verdict is "broken" only when both tests reject.
 */
export interface Confirmation {
  selected: number;
  selectionNets: number;
  confirmationNets: number;
  maxZ: number;
  threshold: number;
  where: Omit<EntryLocation, 'diff' | 'stderr' | 'z' | 'relative' | 'relativeStderr'> | null;
}

/** The power analysis behind "invariant" / "inconclusive" (see the module comment). */
export interface PowerAnalysis {
  /** the stated deviation δ (relative to s_u) */
  deviation: number;
  /** 1 − β */
  power: number;
  /** δ_det: the smallest relative deviation detected with probability `power` at this sample size */
  detectable: number;
  /** networks needed to resolve the stated deviation: N·(δ_det/δ)², rounded up (≤ nets when resolved) */
  networksNeeded: number;
  /** z_β = Φ⁻¹(1 − β) and the effective threshold z_eff, δ_det = (z_eff + z_β)·max σ_u */
  thresholdEffective: number;
  zBeta: number;
  /** the least precise test: its order, transformation, entry and relative standard error σ */
  leastPrecise: Omit<EntryLocation, 'diff' | 'stderr' | 'z' | 'relative'> | null;
}

export interface Verdict {
  /**
   * "broken" iff max|z| > threshold (all networks, Bonferroni over all tests) AND the held-out confirmation
   * rejects; otherwise "invariant" when the test could see the stated deviation, "inconclusive" when not
   */
  verdict: 'invariant' | 'broken' | 'inconclusive';
  powerAnalysis: PowerAnalysis;
  confirmation: Confirmation;
  /** family-wise significance α */
  significance: number;
  /** Bonferroni threshold z* for |z| */
  threshold: number;
  /** number of tests K (entries × transformations × orders) */
  tests: number;
  maxZ: number;
  /** Bonferroni p-value of maxZ */
  pValue: number;
  where: EntryLocation | null;
}

export interface EngineResult extends Verdict {
  nets: number;
  experiments: number;
  M: Record<string, MeasureResult>;
  /** the elements' numerical errors: worst max|RᵀR − I| and mean δR */
  elementError: { orthogonality: number; deltaR: number };
}

/**
 * Default stated deviation δ: 10% of each entry's typical product size s_u (docs/symmetry.md). The least precise
 * test of orders 1, 2, 4 has σ_u ≈ 1.8/√N, so δ_det ≈ 6.3 · 1.8/√N: 0.1 is resolved by ≈ 13 000 networks.
 */
export const DEFAULT_DEVIATION = 0.1;
/** Default power 1 − β for the stated deviation. */
export const DEFAULT_POWER = 0.9;

/** upper-tail normal quantile: z with Φ̄(z) = p (bisection on Φ̄, accurate to 1e-10 in z) */
export function normalUpperQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new NnftInputError('p', `need 0 < p < 1, got ${p}`);
  let lo = -40, hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (upperTail(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Φ̄(z) = 1 − Φ(z), accurate in the far tail */
export function upperTail(z: number): number {
  return z > 0 ? normCdf(-z) : 1 - normCdf(z);
}

interface OrderPlan {
  order: Order;
  K: number;
  /** correlators: multiset index tuples (K × n) */
  ms?: Int32Array;
  n: number;
  /** NTK: input pairs α ≤ β */
  pairs?: [number, number][];
  // accumulators [experiment][...]
  s0: Float64Array[];
  s0q: Float64Array[];
  sd: Float64Array[][];
  sdq: Float64Array[][];
  st: Float64Array[][];
  stq: Float64Array[][];
}

function mulRot(R: Mat, v: Float64Array, off: number, D: number, out: Float64Array, outOff: number): void {
  for (let i = 0; i < D; i++) {
    let s = 0;
    const Ri = R[i]!;
    for (let j = 0; j < D; j++) s += Ri[j]! * v[off + j]!;
    out[outOff + i] = s;
  }
}

export function runPaired(opts: EngineOptions): EngineResult {
  const { sampler, inputs, orders, transforms } = opts;
  const Dr = sampler.realOutputDim;
  const d = sampler.spec.inputDim;
  const m = inputs.length;
  const N = opts.nets;
  const E = opts.experiments ?? 5;
  const seed = opts.seed ?? 0;
  const alpha = opts.alpha ?? 1e-3;
  const deviation = opts.deviation ?? DEFAULT_DEVIATION;
  const power = opts.power ?? DEFAULT_POWER;
  if (!(deviation > 0 && Number.isFinite(deviation))) throw new NnftInputError('deviation', `need a stated deviation δ > 0 (relative to the products' size), got ${deviation}`, 'e.g. 0.05 for 5%');
  if (!(power > 0.5 && power < 1)) throw new NnftInputError('power', `need a power 1 − β in (0.5, 1), got ${power}`, 'e.g. 0.9');
  if (!Number.isInteger(N) || N < 2) throw new NnftInputError('nets', `need an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(E) || E < 2) throw new NnftInputError('experiments', `need an integer E ≥ 2, got ${E}`);
  // every experiment's Ĝ needs a standard error (App. C δM), so at least two networks each
  if (E > Math.floor(N / 2)) {
    throw new NnftInputError('experiments', `${E} experiments of ${N} networks leave fewer than 2 networks in some experiment, which then has no standard error`, N >= 4 ? `use at most ${Math.floor(N / 2)} experiments, or at least ${2 * E} networks` : `use at least ${2 * E} networks (--nets)`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new NnftInputError('significance', `need 0 < α < 1, got ${alpha}`);
  if (m < 1) throw new NnftInputError('inputs', 'need at least one input');
  inputs.forEach((x, a) => {
    if (!Array.isArray(x) || x.length !== d) throw new NnftInputError(`inputs[${a}]`, `has dimension ${x?.length} but the network input dimension is ${d}`);
  });
  if (transforms.length === 0) throw new NnftInputError('transforms', 'need at least one transformation');
  if (!Array.isArray(orders) || orders.length === 0) throw new NnftInputError('orders', 'need at least one correlator order or ntk', 'e.g. [1, 2, 4]');
  if (new Set(orders.map(String)).size !== orders.length) throw new NnftInputError('orders', `repeated order in [${orders.join(', ')}]`);
  const mapped: number[][][] = [];
  for (const tr of transforms) {
    if (tr.kind === 'output') {
      const R = tr.element.real;
      if (R.length !== Dr) {
        throw new NnftInputError(`transformation '${tr.label}'`, `acts on ${R.length} real output components but the network has ${Dr}`, 'the group dimension must match the network output (complex: 2D, quaternionic: 4D real components)');
      }
      mapped.push([]);
    } else {
      const xs = inputs.map((x) => tr.map(x));
      xs.forEach((x) => {
        if (x.length !== d) throw new NnftInputError(`transformation '${tr.label}'`, `maps inputs to dimension ${x.length} but the network input dimension is ${d}`);
      });
      mapped.push(xs);
    }
  }
  const B = transforms.length;
  const P = m * Dr;
  const alloc = (K: number): Float64Array[] => Array.from({ length: E }, () => new Float64Array(K));
  const alloc2 = (K: number): Float64Array[][] => Array.from({ length: E }, () => Array.from({ length: B }, () => new Float64Array(K)));
  // sizes first: refuse what does not fit before allocating (budget.ts)
  const sizes: OrderSize[] = orders.map((order) => {
    if (order === 'ntk') return { K: ((m * (m + 1)) / 2) * Dr * Dr, n: 2, multisets: false };
    if (!Number.isInteger(order) || order < 1 || order > 8) throw new NnftInputError('orders', `correlator order must be an integer 1..8 or 'ntk', got ${order}`);
    const K = multisetCount(P, order);
    if (K * B > 2e6) throw new NnftInputError('orders', `order ${order} over ${P} combined indices has ${K} entries — too many`, 'use fewer inputs, a smaller D or a lower order');
    return { K, n: order, multisets: true };
  });
  requirePairedMemory(sizes, E, B);
  const repeats = opts.repeats ?? 1;
  const statisticsSeconds = requireStatisticsTime(sizes, E, B, repeats);
  const plans: OrderPlan[] = orders.map((order) => {
    if (order === 'ntk') {
      const pairs: [number, number][] = [];
      for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
      const K = pairs.length * Dr * Dr;
      return { order, K, n: 2, pairs, s0: alloc(K), s0q: alloc(K), sd: alloc2(K), sdq: alloc2(K), st: alloc2(K), stq: alloc2(K) };
    }
    if (!Number.isInteger(order) || order < 1 || order > 8) throw new NnftInputError('orders', `correlator order must be an integer 1..8 or 'ntk', got ${order}`);
    const ms = multisets(P, order);
    const K = ms.length / order;
    return { order, K, n: order, ms, s0: alloc(K), s0q: alloc(K), sd: alloc2(K), sdq: alloc2(K), st: alloc2(K), stq: alloc2(K) };
  });
  const hasNtk = plans.some((p) => p.order === 'ntk');
  const F0 = new Float64Array(P);
  const Fb = Array.from({ length: B }, () => new Float64Array(P));
  const npairs = (m * (m + 1)) / 2;
  const T0 = new Float64Array(npairs * Dr * Dr);
  const Tb = Array.from({ length: B }, () => new Float64Array(npairs * Dr * Dr));
  const tmpM = new Float64Array(Dr * Dr);
  const g0 = new Float64Array(Math.max(1, ...plans.map((p) => p.K)));
  const counts = new Array<number>(E).fill(0);
  const clock = new PilotClock(N, statisticsSeconds, repeats, `the paired comparison of ${orders.join(', ')} under ${B} transformation${B === 1 ? '' : 's'}`);

  for (let t = 0; t < N; t++) {
    const e = Math.min(E - 1, Math.floor((t * E) / N));
    counts[e]!++;
    const net = sampler.draw(seed, t);
    for (let a = 0; a < m; a++) net.forward(inputs[a]!, F0, a * Dr);
    for (let b = 0; b < B; b++) {
      const tr = transforms[b]!;
      if (tr.kind === 'output') for (let a = 0; a < m; a++) mulRot(tr.element.real, F0, a * Dr, Dr, Fb[b]!, a * Dr);
      else for (let a = 0; a < m; a++) net.forward(mapped[b]![a]!, Fb[b]!, a * Dr);
    }
    if (hasNtk) {
      const pairs = plans.find((p) => p.order === 'ntk')!.pairs!;
      pairs.forEach(([a, c], q) => net.ntk(inputs[a]!, inputs[c]!, T0, q * Dr * Dr));
      for (let b = 0; b < B; b++) {
        const tr = transforms[b]!;
        pairs.forEach(([a, c], q) => {
          const off = q * Dr * Dr;
          if (tr.kind === 'output') {
            // R Θ Rᵀ
            const R = tr.element.real;
            for (let i = 0; i < Dr; i++) for (let j = 0; j < Dr; j++) {
              let s = 0;
              for (let k = 0; k < Dr; k++) s += R[i]![k]! * T0[off + k * Dr + j]!;
              tmpM[i * Dr + j] = s;
            }
            for (let i = 0; i < Dr; i++) for (let j = 0; j < Dr; j++) {
              let s = 0;
              for (let k = 0; k < Dr; k++) s += tmpM[i * Dr + k]! * R[j]![k]!;
              Tb[b]![off + i * Dr + j] = s;
            }
          } else net.ntk(mapped[b]![a]!, mapped[b]![c]!, Tb[b]!, off);
        });
      }
    }
    checkFiniteOutputs(sampler, inputs, transforms, t, F0, Fb, hasNtk ? T0 : null, hasNtk ? Tb : null, P, Dr);
    for (const plan of plans) {
      const K = plan.K;
      const s0 = plan.s0[e]!, s0q = plan.s0q[e]!;
      if (plan.order === 'ntk') {
        for (let u = 0; u < K; u++) {
          g0[u] = T0[u]!;
          s0[u]! += T0[u]!;
          s0q[u]! += T0[u]! * T0[u]!;
        }
        for (let b = 0; b < B; b++) {
          const sd = plan.sd[e]![b]!, sdq = plan.sdq[e]![b]!, st = plan.st[e]![b]!, stq = plan.stq[e]![b]!, Tv = Tb[b]!;
          for (let u = 0; u < K; u++) {
            const g = Tv[u]!, dd = g - g0[u]!;
            sd[u]! += dd;
            sdq[u]! += dd * dd;
            st[u]! += g;
            stq[u]! += g * g;
          }
        }
        continue;
      }
      const n = plan.n, ms = plan.ms!;
      for (let u = 0; u < K; u++) {
        let p = 1;
        for (let s = 0; s < n; s++) p *= F0[ms[u * n + s]!]!;
        g0[u] = p;
        s0[u]! += p;
        s0q[u]! += p * p;
      }
      for (let b = 0; b < B; b++) {
        const sd = plan.sd[e]![b]!, sdq = plan.sdq[e]![b]!, st = plan.st[e]![b]!, stq = plan.stq[e]![b]!, F = Fb[b]!;
        for (let u = 0; u < K; u++) {
          let p = 1;
          for (let s = 0; s < n; s++) p *= F[ms[u * n + s]!]!;
          const dd = p - g0[u]!;
          sd[u]! += dd;
          sdq[u]! += dd * dd;
          st[u]! += p;
          stq[u]! += p * p;
        }
      }
    }
    if (opts.onProgress && (t + 1) % 1000 === 0) opts.onProgress(t + 1, N);
    clock.tick(t + 1);
  }
  requireFiniteSums(plans, F0, Fb);

  // ---- statistics
  // standard error of the mean of n values with sum s and sum of squares q (no tuple: the loops below run
  // K·E·B times)
  const seOf = (s: number, q: number, n: number): number => {
    const mu = s / n;
    const v = Math.max(0, q / n - mu * mu) * (n / (n - 1));
    return Math.sqrt(v / n);
  };
  let tests = 0;
  let best: EntryLocation | null = null;
  let leastPrecise: PowerAnalysis['leastPrecise'] = null;
  // held-out confirmation: experiments [0, EA) select, the rest confirm
  const EA = Math.floor(E / 2);
  let nA = 0;
  for (let e = 0; e < EA; e++) nA += counts[e]!;
  // the CONFIRM_ENTRIES tests with the largest |z| on the selection half, in decreasing order (ties: first
  // seen first) — kept as they come instead of sorting all K·B tests
  type Candidate = { zA: number; zB: number; order: Order; b: number; u: number; plan: OrderPlan };
  const candidates: Candidate[] = [];
  let tested = 0;
  const offer = (c: Candidate): void => {
    tested++;
    if (candidates.length === CONFIRM_ENTRIES && !(c.zA > candidates[CONFIRM_ENTRIES - 1]!.zA)) return;
    let i = candidates.length;
    while (i > 0 && c.zA > candidates[i - 1]!.zA) i--;
    candidates.splice(i, 0, c);
    if (candidates.length > CONFIRM_ENTRIES) candidates.pop();
  };
  const M: Record<string, MeasureResult> = {};
  let orth = 0, dR = 0, nOut = 0;
  for (const tr of transforms) {
    if (tr.kind === 'output') {
      orth = Math.max(orth, tr.element.check.orthogonality);
      dR += tr.element.check.deltaR;
      nOut++;
    } else if (tr.element && tr.element.group !== 'T') {
      orth = Math.max(orth, tr.element.check.orthogonality);
      dR += tr.element.check.deltaR;
      nOut++;
    }
  }
  for (const plan of plans) {
    const K = plan.K;
    const n = plan.n;
    let orderMax = 0;
    // pooled
    const S0 = new Float64Array(K), S0q = new Float64Array(K);
    for (let e = 0; e < E; e++) for (let u = 0; u < K; u++) {
      S0[u]! += plan.s0[e]![u]!;
      S0q[u]! += plan.s0q[e]![u]!;
    }
    let scale = 0;
    for (let u = 0; u < K; u++) scale = Math.max(scale, Math.abs(S0[u]! / N), Math.sqrt(Math.max(0, S0q[u]! / N)));
    const tiny = 1e-12 * (scale || 1);
    // a difference with (numerically) zero spread is deterministic: a finite z as large as it is certain
    const zOf = (mu: number, se: number): number => (se > tiny ? Math.abs(mu) / se : Math.abs(mu) > tiny ? Math.abs(mu) / tiny : 0);
    // s_u² = (E[O_u²] + mean_b E[O′_u²])/2: the typical size of entry u's products, the unit of its ρ_u
    const su = new Float64Array(K);
    let sq = 0;
    for (let u = 0; u < K; u++) {
      let tq = 0;
      for (let e = 0; e < E; e++) for (let b = 0; b < B; b++) tq += plan.stq[e]![b]![u]!;
      su[u] = Math.sqrt((S0q[u]! + tq / B) / (2 * N));
      sq += su[u]! * su[u]!;
    }
    const Sn = Math.sqrt(sq / K);
    let orderRelSe = 0;
    for (let b = 0; b < B; b++) {
      for (let u = 0; u < K; u++) {
        let s = 0, q = 0, sA = 0, qA = 0;
        for (let e = 0; e < E; e++) {
          s += plan.sd[e]![b]![u]!;
          q += plan.sdq[e]![b]![u]!;
          if (e < EA) {
            sA += plan.sd[e]![b]![u]!;
            qA += plan.sdq[e]![b]![u]!;
          }
        }
        const mu = s / N;
        const se = seOf(s, q, N);
        const z = zOf(mu, se);
        const zA = zOf(sA / nA, seOf(sA, qA, nA));
        if (candidates.length < CONFIRM_ENTRIES || zA > candidates[CONFIRM_ENTRIES - 1]!.zA) offer({ zA, zB: zOf((s - sA) / (N - nA), seOf(s - sA, q - qA, N - nA)), order: plan.order, b, u, plan });
        else tested++;
        tests++;
        orderMax = Math.max(orderMax, z);
        const rel = su[u]! > 0 ? mu / su[u]! : 0;
        const relSe = su[u]! > 0 ? se / su[u]! : 0;
        if (!best || z > best.z) best = { order: plan.order, transform: transforms[b]!.label, ...describe(plan, u, Dr), diff: mu, stderr: se, z, relative: rel, relativeStderr: relSe };
        if (relSe > orderRelSe) orderRelSe = relSe;
        if (!leastPrecise || relSe > leastPrecise.relativeStderr) leastPrecise = { order: plan.order, transform: transforms[b]!.label, ...describe(plan, u, Dr), relativeStderr: relSe };
      }
    }
    // App. C measure over experiments
    let sumMean = 0, sumSigma = 0, sumBound = 0, nBound = 0;
    // eq. 45's element term δ_R = √n·δR·D_r^n·|Ĝ| (output rotations), its factor per transformation
    const dRfactor = transforms.map((tr) => (tr.kind === 'output' ? Math.sqrt(n) * tr.element.check.deltaR * Dr ** n : 0));
    const Mbar = new Float64Array(E);
    for (let u = 0; u < K; u++) {
      for (let e = 0; e < E; e++) {
        const ne = counts[e]!;
        const gmu = plan.s0[e]![u]! / ne;
        const gse = seOf(plan.s0[e]![u]!, plan.s0q[e]![u]!, ne);
        let acc = 0;
        for (let b = 0; b < B; b++) {
          const dmu = plan.sd[e]![b]![u]! / ne;
          const tse = seOf(plan.st[e]![b]![u]!, plan.stq[e]![b]![u]!, ne);
          acc += Math.abs(dmu);
          const dRterm = dRfactor[b]! * Math.abs(gmu);
          sumBound += Math.sqrt(tse * tse + gse * gse + dRterm * dRterm);
          nBound++;
        }
        Mbar[e] = acc / B;
      }
      let mu = 0;
      for (let e = 0; e < E; e++) mu += Mbar[e]!;
      mu /= E;
      let v = 0;
      for (let e = 0; e < E; e++) v += (Mbar[e]! - mu) ** 2;
      sumMean += mu;
      sumSigma += Math.sqrt(v / (E - 1));
    }
    M[String(plan.order)] = { mean: sumMean / K, sigma: sumSigma / K, bound: sumBound / nBound, entries: K, maxZ: orderMax, scale: Sn, detectable: orderRelSe };
  }
  // each z = mean/se with se estimated from the same networks is Student-t distributed (student.ts): N − 1
  // degrees of freedom pooled, N_B − 1 in the confirmation
  const nuPooled = N - 1;
  const nuConfirm = N - nA - 1;
  const threshold = studentUpperQuantile(alpha / (2 * tests), nuPooled);
  const maxZ = best ? best.z : 0;
  const pValue = Math.min(1, 2 * tests * studentUpperTail(maxZ, nuPooled));
  const L = Math.min(CONFIRM_ENTRIES, tested);
  const confirmThreshold = studentUpperQuantile(alpha / (2 * L), nuConfirm);
  let top = candidates[0]!;
  for (let i = 1; i < L; i++) if (candidates[i]!.zB > top.zB) top = candidates[i]!;
  const confirmation: Confirmation = {
    selected: L,
    selectionNets: nA,
    confirmationNets: N - nA,
    maxZ: top ? top.zB : 0,
    threshold: confirmThreshold,
    where: top ? { order: top.order, transform: transforms[top.b]!.label, ...describe(top.plan, top.u, Dr) } : null,
  };
  const broken = maxZ > threshold && confirmation.maxZ > confirmThreshold;
  // power analysis: power 1 − β in the pooled test and in the held-out confirmation (its standard error is
  // √(N/N_B) times the pooled one), in units of the pooled standard error
  const zBeta = studentUpperQuantile(1 - power, nuPooled);
  const factor = Math.max(threshold + zBeta, (confirmThreshold + studentUpperQuantile(1 - power, nuConfirm)) * Math.sqrt(N / Math.max(1, N - nA)));
  if (!Number.isFinite(factor)) {
    throw new NnftInputError('significance', `α = ${alpha} over ${tests} tests with ${N} networks puts the t threshold beyond the double range`, 'use a larger --significance or more --nets');
  }
  const thresholdEffective = factor - zBeta;
  for (const m of Object.values(M)) m.detectable *= factor;
  const detectable = factor * (leastPrecise?.relativeStderr ?? 0);
  const networksNeeded = Math.max(2, Math.ceil(N * (detectable / deviation) ** 2));
  const verdict: Verdict['verdict'] = broken ? 'broken' : detectable <= deviation ? 'invariant' : 'inconclusive';
  return {
    verdict,
    powerAnalysis: { deviation, power, detectable, networksNeeded, thresholdEffective, zBeta, leastPrecise },
    confirmation,
    significance: alpha,
    threshold,
    tests,
    maxZ,
    pValue,
    where: best,
    nets: N,
    experiments: E,
    M,
    elementError: { orthogonality: orth, deltaR: nOut ? dR / nOut : 0 },
  };
}

/**
 * Stop at the first network whose outputs (or empirical NTK) are NaN or ±Infinity, naming the network, the input,
 * the transformation and the likely cause (σ undefined at some real z, or overflow) — averages of such numbers
 * are meaningless, and a NaN difference would otherwise read as "no deviation".
 */
function checkFiniteOutputs(
  sampler: SymNetSampler,
  inputs: number[][],
  transforms: Transform[],
  t: number,
  F0: Float64Array,
  Fb: Float64Array[],
  T0: Float64Array | null,
  Tb: Float64Array[] | null,
  P: number,
  Dr: number,
): void {
  const arrays: [Float64Array, string, boolean][] = [[F0, 'the outputs', false]];
  Fb.forEach((F, b) => arrays.push([F, `the outputs under ${transforms[b]!.label}`, false]));
  if (T0 && Tb) {
    arrays.push([T0, 'the empirical NTK', true]);
    Tb.forEach((T, b) => arrays.push([T, `the empirical NTK under ${transforms[b]!.label}`, true]));
  }
  for (const [arr, what, ntk] of arrays) {
    const i = firstNonFinite(arr, ntk ? arr.length : P);
    if (i < 0) continue;
    const alpha = ntk ? -1 : Math.floor(i / Dr);
    const x = alpha >= 0 ? inputs[alpha]! : inputs[0]!;
    const spec = sampler.spec;
    const variance = spec.cb + (spec.cw * x.reduce((a, v) => a + v * v, 0)) / Math.max(1, spec.inputDim);
    let cause = 'the preactivations overflow the double range: use smaller inputs or a smaller C_W';
    let argument = '--activation';
    if (spec.activation !== 'gauss-net') {
      const act = getActivation(spec.activation);
      const problem = activationProblem(act.f, variance, activationLabel(spec.activation)) ?? (ntk ? activationProblem(act.derivative(1), variance, activationLabel(spec.activation, true)) : null);
      if (problem) cause = problem.text;
      else argument = 'inputs';
    }
    throw new NnftNumericalError(
      'the symmetry test',
      `network ${t} gives ${arr[i]} in ${what}${alpha >= 0 ? ` at input α = ${alpha}` : ''}: ${cause}`,
      argument === '--activation' ? 'use an activation that is finite on all of ℝ (an ensemble with undefined outputs has no symmetry to test)' : 'rescale the inputs',
      { argument },
    );
  }
}

/**
 * Stop when a product of outputs, or its square (the variance sums), overflowed the double range: finite
 * outputs of magnitude ≳ 10^(154/n) give Infinity in the order-n sums, and a z-score or bound built on them
 * would be NaN.
 */
function requireFiniteSums(plans: OrderPlan[], F0: Float64Array, Fb: Float64Array[]): void {
  for (const plan of plans) {
    const arrays = [...plan.s0, ...plan.s0q, ...plan.sd.flat(), ...plan.sdq.flat(), ...plan.st.flat(), ...plan.stq.flat()];
    if (arrays.every((a) => firstNonFinite(a, a.length) < 0)) continue;
    let big = 0;
    for (const F of [F0, ...Fb]) for (const x of F) big = Math.max(big, Math.abs(x));
    const what = plan.order === 'ntk' ? 'the squared empirical NTK entries' : `the order-${plan.order} products of the outputs (and their squares)`;
    throw new NnftNumericalError(
      'the symmetry test',
      `${what} overflow the double range (outputs of the last network up to ${big.toExponential(2)})`,
      plan.order === 'ntk' ? 'use an activation that grows more slowly, or smaller inputs' : 'use lower --orders, or an activation whose outputs stay moderate (e.g. tanh)',
      { quantity: `order ${plan.order}`, argument: '--orders' },
    );
  }
}

function describe(plan: OrderPlan, u: number, Dr: number): { inputs: number[]; outputs: number[] } {
  if (plan.order === 'ntk') {
    const q = Math.floor(u / (Dr * Dr)), r = u % (Dr * Dr);
    const [a, b] = plan.pairs![q]!;
    return { inputs: [a, b], outputs: [Math.floor(r / Dr), r % Dr] };
  }
  const n = plan.n;
  const idx = Array.from(plan.ms!.subarray(u * n, u * n + n));
  return { inputs: idx.map((c) => Math.floor(c / Dr)), outputs: idx.map((c) => c % Dr) };
}
