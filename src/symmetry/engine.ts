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
 * Verdict: the largest |z| over all entries, transformations and orders, against the Bonferroni threshold
 * z* = Φ⁻¹(1 − α/(2K)) for K tests (family-wise false alarm ≤ α), with the Bonferroni p-value
 * min(1, 2K·Φ̄(max|z|)) and the entry where the maximum occurs; "broken" needs in addition the held-out
 * confirmation (`Confirmation`): the 10 largest |z| of the first ⌊E/2⌋ experiments re-tested on the other
 * networks at Bonferroni level α/10 — robust to the heavy tails of 4-point products.
 *
 * Deviation measure (Maiti, Stoner, Halverson, "Symmetry-via-Duality" App. C): the networks are split into E experiments; in experiment e, for
 * element b and entry u, M = |Ĝ′ − Ĝ| and δM = √(δG′² + δG² + δ_R²), δG, δG′ the standard errors of Ĝ, Ĝ′
 * in that experiment and δ_R = √n·δR·D_r^n·max|Ĝ| the eq. 45 term of the element's numerical error (a
 * triangle-inequality bound; output rotations only). M̄_{e,u} = mean_b M; μ_M = mean_u mean_e M̄,
 * σ_M = mean_u std_e M̄ (the elementwise spread across experiments, averaged), bound = mean δM.
 */
import { normCdf } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import type { GroupElement, TranslationElement } from './groups.ts';
import type { Mat } from './linalg.ts';
import type { SymNetSampler } from './networks.ts';
import { multisets } from './tensors.ts';

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
  /** transforms grouped under a label for sub-verdicts (e.g. the unbroken subgroup) are passed separately */
  onProgress?: (done: number, total: number) => void;
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
  where: Omit<EntryLocation, 'diff' | 'stderr' | 'z'> | null;
}

export interface Verdict {
  /** "broken" iff max|z| > threshold (all networks, Bonferroni over all tests) AND the held-out confirmation rejects */
  verdict: 'invariant' | 'broken';
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
    const Ri = R[i];
    for (let j = 0; j < D; j++) s += Ri[j] * v[off + j];
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
  if (!Number.isInteger(N) || N < 2) throw new NnftInputError('nets', `need an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(E) || E < 2 || E > N) throw new NnftInputError('experiments', `need an integer 2 ≤ E ≤ nets, got ${E}`);
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
    if (K * B > 2e6) throw new NnftInputError('orders', `order ${order} over ${P} combined indices has ${K} entries — too many`, 'use fewer inputs, a smaller D or a lower order');
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

  for (let t = 0; t < N; t++) {
    const e = Math.min(E - 1, Math.floor((t * E) / N));
    counts[e]++;
    const net = sampler.draw(seed, t);
    for (let a = 0; a < m; a++) net.forward(inputs[a], F0, a * Dr);
    for (let b = 0; b < B; b++) {
      const tr = transforms[b];
      if (tr.kind === 'output') for (let a = 0; a < m; a++) mulRot(tr.element.real, F0, a * Dr, Dr, Fb[b], a * Dr);
      else for (let a = 0; a < m; a++) net.forward(mapped[b][a], Fb[b], a * Dr);
    }
    if (hasNtk) {
      const pairs = plans.find((p) => p.order === 'ntk')!.pairs!;
      pairs.forEach(([a, c], q) => net.ntk(inputs[a], inputs[c], T0, q * Dr * Dr));
      for (let b = 0; b < B; b++) {
        const tr = transforms[b];
        pairs.forEach(([a, c], q) => {
          const off = q * Dr * Dr;
          if (tr.kind === 'output') {
            // R Θ Rᵀ
            const R = tr.element.real;
            for (let i = 0; i < Dr; i++) for (let j = 0; j < Dr; j++) {
              let s = 0;
              for (let k = 0; k < Dr; k++) s += R[i][k] * T0[off + k * Dr + j];
              tmpM[i * Dr + j] = s;
            }
            for (let i = 0; i < Dr; i++) for (let j = 0; j < Dr; j++) {
              let s = 0;
              for (let k = 0; k < Dr; k++) s += tmpM[i * Dr + k] * R[j][k];
              Tb[b][off + i * Dr + j] = s;
            }
          } else net.ntk(mapped[b][a], mapped[b][c], Tb[b], off);
        });
      }
    }
    for (const plan of plans) {
      const K = plan.K;
      const s0 = plan.s0[e], s0q = plan.s0q[e];
      if (plan.order === 'ntk') {
        for (let u = 0; u < K; u++) {
          g0[u] = T0[u];
          s0[u] += T0[u];
          s0q[u] += T0[u] * T0[u];
        }
        for (let b = 0; b < B; b++) {
          const sd = plan.sd[e][b], sdq = plan.sdq[e][b], st = plan.st[e][b], stq = plan.stq[e][b], Tv = Tb[b];
          for (let u = 0; u < K; u++) {
            const g = Tv[u], dd = g - g0[u];
            sd[u] += dd;
            sdq[u] += dd * dd;
            st[u] += g;
            stq[u] += g * g;
          }
        }
        continue;
      }
      const n = plan.n, ms = plan.ms!;
      for (let u = 0; u < K; u++) {
        let p = 1;
        for (let s = 0; s < n; s++) p *= F0[ms[u * n + s]];
        g0[u] = p;
        s0[u] += p;
        s0q[u] += p * p;
      }
      for (let b = 0; b < B; b++) {
        const sd = plan.sd[e][b], sdq = plan.sdq[e][b], st = plan.st[e][b], stq = plan.stq[e][b], F = Fb[b];
        for (let u = 0; u < K; u++) {
          let p = 1;
          for (let s = 0; s < n; s++) p *= F[ms[u * n + s]];
          const dd = p - g0[u];
          sd[u] += dd;
          sdq[u] += dd * dd;
          st[u] += p;
          stq[u] += p * p;
        }
      }
    }
    if (opts.onProgress && (t + 1) % 1000 === 0) opts.onProgress(t + 1, N);
  }

  // ---- statistics
  const meanSe = (s: number, q: number, n: number): [number, number] => {
    const mu = s / n;
    const v = Math.max(0, q / n - mu * mu) * (n / (n - 1));
    return [mu, Math.sqrt(v / n)];
  };
  let tests = 0;
  let best: EntryLocation | null = null;
  // held-out confirmation: experiments [0, EA) select, the rest confirm
  const EA = Math.floor(E / 2);
  let nA = 0;
  for (let e = 0; e < EA; e++) nA += counts[e];
  const candidates: { zA: number; zB: number; order: Order; b: number; u: number; plan: OrderPlan }[] = [];
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
      S0[u] += plan.s0[e][u];
      S0q[u] += plan.s0q[e][u];
    }
    let scale = 0;
    for (let u = 0; u < K; u++) scale = Math.max(scale, Math.abs(S0[u] / N), Math.sqrt(Math.max(0, S0q[u] / N)));
    const tiny = 1e-12 * (scale || 1);
    const zOf = (mu: number, se: number): number => (se > tiny ? Math.abs(mu) / se : Math.abs(mu) > tiny ? Infinity : 0);
    for (let b = 0; b < B; b++) {
      for (let u = 0; u < K; u++) {
        let s = 0, q = 0, sA = 0, qA = 0;
        for (let e = 0; e < E; e++) {
          s += plan.sd[e][b][u];
          q += plan.sdq[e][b][u];
          if (e < EA) {
            sA += plan.sd[e][b][u];
            qA += plan.sdq[e][b][u];
          }
        }
        const [mu, se] = meanSe(s, q, N);
        const z = zOf(mu, se);
        const [muA, seA] = meanSe(sA, qA, nA);
        const [muB, seB] = meanSe(s - sA, q - qA, N - nA);
        candidates.push({ zA: zOf(muA, seA), zB: zOf(muB, seB), order: plan.order, b, u, plan });
        tests++;
        orderMax = Math.max(orderMax, z);
        if (!best || z > best.z) best = { order: plan.order, transform: transforms[b].label, ...describe(plan, u, Dr), diff: mu, stderr: se, z };
      }
    }
    // App. C measure over experiments
    let sumMean = 0, sumSigma = 0, sumBound = 0, nBound = 0;
    for (let u = 0; u < K; u++) {
      const Mbar = new Float64Array(E);
      for (let e = 0; e < E; e++) {
        const ne = counts[e];
        const [gmu, gse] = meanSe(plan.s0[e][u], plan.s0q[e][u], ne);
        let acc = 0;
        for (let b = 0; b < B; b++) {
          const [dmu] = meanSe(plan.sd[e][b][u], plan.sdq[e][b][u], ne);
          const [, tse] = meanSe(plan.st[e][b][u], plan.stq[e][b][u], ne);
          acc += Math.abs(dmu);
          const tr = transforms[b];
          const dRterm = tr.kind === 'output' ? Math.sqrt(n) * tr.element.check.deltaR * Dr ** n * Math.abs(gmu) : 0;
          sumBound += Math.sqrt(tse * tse + gse * gse + dRterm * dRterm);
          nBound++;
        }
        Mbar[e] = acc / B;
      }
      let mu = 0;
      for (let e = 0; e < E; e++) mu += Mbar[e];
      mu /= E;
      let v = 0;
      for (let e = 0; e < E; e++) v += (Mbar[e] - mu) ** 2;
      sumMean += mu;
      sumSigma += Math.sqrt(v / (E - 1));
    }
    M[String(plan.order)] = { mean: sumMean / K, sigma: sumSigma / K, bound: sumBound / nBound, entries: K, maxZ: orderMax };
  }
  const threshold = normalUpperQuantile(alpha / (2 * tests));
  const maxZ = best ? best.z : 0;
  const pValue = Math.min(1, 2 * tests * upperTail(maxZ));
  candidates.sort((p, q) => q.zA - p.zA);
  const L = Math.min(CONFIRM_ENTRIES, candidates.length);
  const confirmThreshold = normalUpperQuantile(alpha / (2 * L));
  let top = candidates[0];
  for (let i = 1; i < L; i++) if (candidates[i].zB > top.zB) top = candidates[i];
  const confirmation: Confirmation = {
    selected: L,
    selectionNets: nA,
    confirmationNets: N - nA,
    maxZ: top ? top.zB : 0,
    threshold: confirmThreshold,
    where: top ? { order: top.order, transform: transforms[top.b].label, ...describe(top.plan, top.u, Dr) } : null,
  };
  const broken = maxZ > threshold && confirmation.maxZ > confirmThreshold;
  return {
    verdict: broken ? 'broken' : 'invariant',
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

function describe(plan: OrderPlan, u: number, Dr: number): { inputs: number[]; outputs: number[] } {
  if (plan.order === 'ntk') {
    const q = Math.floor(u / (Dr * Dr)), r = u % (Dr * Dr);
    const [a, b] = plan.pairs![q];
    return { inputs: [a, b], outputs: [Math.floor(r / Dr), r % Dr] };
  }
  const n = plan.n;
  const idx = Array.from(plan.ms!.subarray(u * n, u * n + n));
  return { inputs: idx.map((c) => Math.floor(c / Dr)), outputs: idx.map((c) => c % Dr) };
}
