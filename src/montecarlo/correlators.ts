/**
 * n-point functions with output indices, G⁽ⁿ⁾_{i1..in}(x_{α1}..x_{αn}) = E[z_{i1;α1} ⋯ z_{in;αn}] (n ≤ 6),
 * of the preactivations of one layer (default: the output), their cumulants (connected correlators:
 * κ = Σ_π (−1)^{|π|−1}(|π|−1)! Π_{B∈π} G⁽|B|⁾_B over set partitions π), and for even n the deviation from
 * Wick's theorem ΔG⁽ⁿ⁾ = G⁽ⁿ⁾ − Σ_pairings Π G⁽²⁾ (Maiti, Non-Perturbative Non-Lagrangian Neural Network Field Theories). Standard errors by the grouped jackknife, which
 * propagates the nonlinear cumulant/Wick combinations consistently.
 *
 * Complex (quaternionic) outputs appear as 2 (4) real components per output, interleaved: real index
 * i·k + c. Correlators of f and f† are linear combinations of these moments; ask for `replicates` to get
 * their standard errors from the jackknife replicates.
 */
import { NnftInputError } from '../errors.ts';
import { nonDecreasingTuples } from '../multisets.ts';
import { groupSums, jackknife, type GroupState } from './accum.ts';
import { finishSeconds, requireRunBudget, runBytes, samplingSeconds } from './budget.ts';
import { requireMemory, requireTime } from '../resources.ts';
import { stateFromGroups, resolveWorkers, validateState, type McState } from './ensemble.ts';
import { checkEstimate, requireEnoughNetworks, requireFiniteMoments, requireFinishable } from './guard.ts';
import { activationName, netsIn, runAll, runLayout, type RunLayout } from './run.ts';
import { buildPlan, type NpointRequest } from './plan.ts';
import type { CorrelatorSpec, EnsembleSpec, Estimate } from './types.ts';

export type { CorrelatorSpec } from './types.ts';


export interface CorrelatorEntry {
  points: [number, number][];
  moment: Estimate<number>;
  cumulant: Estimate<number>;
  wick?: Estimate<number>;
  replicates?: number[];
}

export interface CorrelatorResult {
  layer: number;
  entries: CorrelatorEntry[];
  meta: { nets: number; seed: number; groups: number; blockSize: number; seconds: number; netsPerSecond: number; notes: string[]; shards?: { index: number; count: number }[] };
}

interface Request {
  layer: number;
  labels: [number, number][];
  /** reported correlators as label-index multisets */
  report: number[][];
  monomials: number[][];
  wick: boolean;
  replicates: boolean;
}

const key = (mon: readonly number[]) => mon.join(',');

/** Most distinct moments (and reported correlators) one run estimates. */
const MAX_MOMENTS = 200000;

/**
 * A key of a sorted multiset of labels < nLabels: the number with digits label + 1 in base nLabels + 1 when
 * every multiset up to maxOrder stays below 2⁵³ (exact), else its text. Numbers hash ≈ 10 times faster than
 * the joined text (measured on the 4·10⁷ look-ups of orders 1–6 of 16 outputs).
 */
function multisetKeyer(nLabels: number, maxOrder: number): (mon: readonly number[]) => number | string {
  const base = nLabels + 1;
  if (base ** maxOrder >= 2 ** 53) return key;
  return (mon) => {
    let k = 0;
    for (const x of mon) k = k * base + x + 1;
    return k;
  };
}

/** The binomial coefficient C(a, b) as a double (exact below 2⁵³). */
function binomial(a: number, b: number): number {
  let c = 1;
  for (let k = 1; k <= b; k++) c = (c * (a - b + k)) / k;
  return c;
}

function buildRequest(spec: CorrelatorSpec, L: number, width: number, m: number): Request {
  const layer = spec.layer ?? L;
  if (!Number.isInteger(layer) || layer < 1 || layer > L) throw new NnftInputError('layer', `expected an integer in [1, ${L}], got ${String(layer)}`);
  const checkPoint = (pt: unknown, where: string): [number, number] => {
    if (!Array.isArray(pt) || pt.length !== 2) throw new NnftInputError(where, 'expected a point [i, α]');
    const [i, a] = pt as [number, number]; // integers in range, checked below
    if (!Number.isInteger(i) || i < 0 || i >= width) throw new NnftInputError(where, `output index ${String(i)} out of range [0, ${width - 1}]`);
    if (!Number.isInteger(a) || a < 0 || a >= m) throw new NnftInputError(where, `input index ${String(a)} out of range [0, ${m - 1}]`);
    return [i, a];
  };
  const labels: [number, number][] = [];
  const labelIndex = new Map<string, number>();
  const lab = (i: number, a: number): number => {
    const k = `${i}:${a}`;
    let v = labelIndex.get(k);
    if (v === undefined) {
      v = labels.length;
      labels.push([i, a]);
      labelIndex.set(k, v);
    }
    return v;
  };
  let report: number[][] = [];
  if (spec.points !== undefined) {
    if (!Array.isArray(spec.points) || spec.points.length === 0) throw new NnftInputError('points', 'expected a non-empty list of correlators');
    spec.points.forEach((pts, q) => {
      if (!Array.isArray(pts) || pts.length < 1 || pts.length > 6) {
        throw new NnftInputError(`points[${q}]`, `an n-point function needs 1 ≤ n ≤ 6 points, got ${Array.isArray(pts) ? pts.length : 'none'}`);
      }
      if (spec.wick && pts.length % 2 === 1) throw new NnftInputError(`points[${q}]`, `the Wick deviation is defined for even n only, got n = ${pts.length}`, 'drop `wick` or ask for an even number of points');
      report.push(pts.map((pt, r) => checkPoint(pt, `points[${q}][${r}]`)).map(([i, a]) => lab(i, a)).sort((x, y) => x - y));
    });
  } else {
    const orders = spec.orders ?? [2, 4];
    if (!Array.isArray(orders) || orders.length === 0) throw new NnftInputError('orders', 'expected a non-empty list of orders');
    for (const n of orders) {
      if (!Number.isInteger(n) || n < 1 || n > 6) throw new NnftInputError('orders', `order ${String(n)} is not supported`, 'n-point functions are estimated for 1 ≤ n ≤ 6');
      if (spec.wick && n % 2 === 1) throw new NnftInputError('orders', `the Wick deviation is defined for even n only, got ${n}`, 'drop `wick` or ask for even orders');
    }
    const outs = spec.outputs ?? Array.from({ length: Math.min(width, 16) }, (_, i) => i);
    const ins = spec.inputIndices ?? Array.from({ length: m }, (_, a) => a);
    if (!Array.isArray(outs) || outs.length === 0) throw new NnftInputError('outputs', 'expected a non-empty list of output indices');
    if (!Array.isArray(ins) || ins.length === 0) throw new NnftInputError('inputIndices', 'expected a non-empty list of input indices');
    for (const i of outs) for (const a of ins) {
      checkPoint([i, a], 'outputs/inputIndices');
      lab(i, a);
    }
    // count before listing: 64 labels to order 6 would be 1.2·10⁸ multisets
    const count = [...new Set(orders)].reduce((a, n) => a + binomial(labels.length + n - 1, n), 0);
    if (count > MAX_MOMENTS) throw new NnftInputError('orders', `${count} correlators of ${labels.length} points (${outs.length} outputs × ${ins.length} inputs) to orders ${orders.join(',')} requested, more than ${MAX_MOMENTS}`, 'ask for lower orders or fewer inputs, or restrict `outputs`, `inputIndices`, or pass explicit `points`');
    for (const n of [...new Set(orders)].sort()) report = report.concat(nonDecreasingTuples(labels.length, n));
  }
  // closure: all sub-multisets (for cumulants and Wick)
  const monos = new Map<number | string, number[]>();
  const keyOf = multisetKeyer(labels.length, Math.max(...report.map((mon) => mon.length)));
  const addSubs = (mon: number[]) => {
    const n = mon.length;
    for (let mask = 1; mask < 1 << n; mask++) {
      const sub: number[] = [];
      for (let r = 0; r < n; r++) if (mask & (1 << r)) sub.push(mon[r]!);
      const k = keyOf(sub);
      if (!monos.has(k)) monos.set(k, sub);
    }
  };
  for (const mon of report) addSubs(mon);
  const text = new Map([...monos.values()].map((mon) => [mon, key(mon)]));
  const monomials = [...monos.values()].sort((a, b) => a.length - b.length || (text.get(a)! < text.get(b)! ? -1 : 1));
  if (monomials.length > MAX_MOMENTS) throw new NnftInputError('orders', `${monomials.length} distinct moments requested`, 'restrict `outputs`, `inputIndices` or `orders`, or pass explicit `points`');
  return { layer, labels, report, monomials, wick: spec.wick === true, replicates: spec.replicates === true };
}

/** Set partitions of {0..n−1} (n ≤ 6: at most 203). */
function setPartitions(n: number): number[][][] {
  const out: number[][][] = [];
  const rec = (k: number, blocks: number[][]) => {
    if (k === n) {
      out.push(blocks.map((b) => b.slice()));
      return;
    }
    for (const b of blocks) {
      b.push(k);
      rec(k + 1, blocks);
      b.pop();
    }
    blocks.push([k]);
    rec(k + 1, blocks);
    blocks.pop();
  };
  rec(0, []);
  return out;
}

const FACT = [1, 1, 2, 6, 24, 120, 720];
/** Bell numbers B_n (set partitions of n points) and Σ_π |π| = B_{n+1} − B_n (blocks over all partitions). */
const BELL = [1, 1, 2, 5, 15, 52, 203, 877];
/** (n − 1)!! pairings of n points (n even). */
const PAIRINGS = [1, 0, 1, 0, 3, 0, 15];

/**
 * Size of the cumulant and Wick tables of buildDerived (one entry per partition or pairing, one index per
 * block) and the work of one evaluation, for the budget before sampling: orders 1–6 of the 16 default outputs
 * give 1.2·10⁷ partitions and 4·10⁷ block indices (≈ 0.2 GB; one evaluation ≈ 5·10⁷ multiplications, done
 * once per jackknife group and once for the full sample).
 */
export function derivedTableSize(report: readonly (readonly number[])[], wick: boolean): { terms: number; indices: number } {
  let terms = 0, indices = 0;
  for (const mon of report) {
    const n = mon.length;
    terms += BELL[n]!;
    indices += BELL[n + 1]! - BELL[n]!;
    if (wick && n % 2 === 0) {
      terms += PAIRINGS[n]!;
      indices += (PAIRINGS[n]! * n) / 2;
    }
  }
  return { terms, indices };
}

/** Bytes of the tables of buildDerived: an Int32 index and an Int32 term boundary, plus one Int32 per report entry. */
export function derivedTableBytes(size: { terms: number; indices: number }, reports: number): number {
  return 4 * size.indices + 4 * size.terms + 12 * reports;
}

/**
 * The moments, cumulants κ = Σ_π (−1)^{|π|−1}(|π|−1)! Π_{B∈π} G_B and Wick deviations of the reported
 * correlators as a function of the vector of means. The partitions are stored flat (block indices in one
 * Int32Array, term boundaries in another) because a table of small arrays costs ≈ 20 times the memory
 * (orders 1–6 of 16 outputs: 2 GB as objects, 0.2 GB flat).
 */
function buildDerived(req: Request, offset: number): (mean: Float64Array) => Float64Array {
  const keyOf = multisetKeyer(req.labels.length, Math.max(...req.monomials.map((mon) => mon.length)));
  const index = new Map<number | string, number>();
  req.monomials.forEach((mon, q) => index.set(keyOf(mon), offset + q));
  // a block's positions increase, and mon is sorted, so the block's labels come out sorted
  const look = (positions: number[], mon: number[]) => index.get(keyOf(positions.map((r) => mon[r]!)))!;
  const parts = Array.from({ length: 7 }, (_, n) => setPartitions(n));
  const R = req.report.length;
  const size = derivedTableSize(req.report, req.wick);
  const idx = new Int32Array(size.indices);
  const termEnd = new Int32Array(size.terms); // end (exclusive) of each term's indices in idx
  const cumEnd = new Int32Array(R); // end (exclusive) of each report entry's cumulant terms
  const wickEnd = new Int32Array(R); // end (exclusive) of its Wick pairings (which follow its cumulant terms)
  const own = new Int32Array(R);
  let t = 0, i = 0;
  req.report.forEach((mon, q) => {
    const n = mon.length;
    own[q] = index.get(keyOf(mon))!;
    for (const pi of parts[n]!) {
      for (const b of pi) idx[i++] = look(b, mon);
      termEnd[t++] = i;
    }
    cumEnd[q] = t;
    if (req.wick && n % 2 === 0) {
      for (const pi of parts[n]!) {
        if (!pi.every((b) => b.length === 2)) continue;
        for (const b of pi) idx[i++] = look(b, mon);
        termEnd[t++] = i;
      }
    }
    wickEnd[q] = t;
  });
  return (mu: Float64Array) => {
    const out = new Float64Array(3 * R);
    let t = 0, i = 0;
    for (let q = 0; q < R; q++) {
      out[q] = mu[own[q]!]!;
      let c = 0;
      for (; t < cumEnd[q]!; t++) {
        const blocks = termEnd[t]! - i;
        let prod = (blocks % 2 === 1 ? 1 : -1) * FACT[blocks - 1]!;
        for (; i < termEnd[t]!; i++) prod *= mu[idx[i]!]!;
        c += prod;
      }
      out[R + q] = c;
      if (t < wickEnd[q]!) {
        let w = 0;
        for (; t < wickEnd[q]!; t++) {
          let prod = 1;
          for (; i < termEnd[t]!; i++) prod *= mu[idx[i]!]!;
          w += prod;
        }
        out[2 * R + q] = mu[own[q]!]! - w;
      }
    }
    return out;
  };
}

function toNpoint(req: Request): NpointRequest {
  return { layer: req.layer, labels: req.labels, monomials: req.monomials };
}

export async function sampleCorrelatorsState(spec: CorrelatorSpec): Promise<McState> {
  const lay = runLayout(spec as EnsembleSpec);
  const probe = buildPlan({ ...(spec as EnsembleSpec), quantities: ['K'] });
  const req = buildRequest(spec, probe.L, probe.widths[(spec.layer ?? probe.L) - 1] ?? 0, probe.m);
  const espec: EnsembleSpec = { ...(spec as EnsembleSpec), quantities: ['K'], estimator: spec.estimator ?? 'auto' };
  const plan = buildPlan(espec, toNpoint(req));
  requireEnoughNetworks(plan, lay, ['K']);
  requireFiniteMoments(plan, activationName(espec), Math.max(2, ...req.report.map((mon) => mon.length)), 0);
  const workers = resolveWorkers(espec, plan, lay);
  requireRunBudget(plan, lay.groups, workers, netsIn(lay, lay.b0, lay.b1), lay.b1 - lay.b0);
  requireFinishBudget(req, plan, lay, workers);
  const t0 = performance.now();
  const g = await runAll(espec, plan, lay, workers, toNpoint(req));
  const { layer, orders, outputs, inputIndices, points, wick, replicates, ...rest } = spec;
  return stateFromGroups('correlators', rest as EnsembleSpec, lay, g, (performance.now() - t0) / 1000, workers, { layer, orders, outputs, inputIndices, points, wick, replicates });
}

/**
 * Nanoseconds of finishing per table entry (block index or partition) and evaluation of the cumulant tables
 * (buildDerived), covering the table's construction: order 6 of 16 outputs (4.8·10⁷ entries), 20 networks
 * (21 evaluations) took 12.7 s of CPU time on a shared two-core machine, group sums included (these are now
 * counted apart, budget.ts FINISH_NS, so the two overlap on the safe side).
 */
export const DERIVED_NS_PER_ENTRY = 12;

/**
 * Refuse, before sampling, correlators whose cumulant tables and jackknife (one evaluation per group and one
 * for the full sample) exceed the memory budget (the group sums of the sampling are still held then), or whose
 * sampling, group sums and finishing together exceed the time budget.
 */
function requireFinishBudget(req: Request, plan: ReturnType<typeof buildPlan>, lay: RunLayout, workers: number): void {
  const groups = lay.groups;
  const nets = netsIn(lay, lay.b0, lay.b1);
  const size = derivedTableSize(req.report, req.wick);
  const R = req.report.length;
  const bytes = runBytes(plan, groups, 1) + derivedTableBytes(size, R) + 8 * (groups + 2) * (plan.statisticsSize + 3 * R);
  const fix = 'ask for lower --orders, or fewer outputs or inputs (explicit points)';
  const what = `the cumulants of ${R} correlators (${size.terms} set partitions) with their jackknife over ${groups} groups`;
  requireMemory(what, bytes, `${fix}; or raise NNFT_MAX_MEMORY`);
  const sampling = samplingSeconds(plan, nets, lay.b1 - lay.b0, workers);
  const finishing = finishSeconds(plan.statisticsSize, groups) + (Math.min(groups, nets) + 1) * (size.indices + size.terms) * DERIVED_NS_PER_ENTRY * 1e-9;
  requireTime(`sampling ${nets} networks (≈ ${sampling.toPrecision(2)} s) and ${what} (≈ ${finishing.toPrecision(2)} s)`, sampling + finishing, `${fix}; or fewer --nets; or raise NNFT_MAX_SECONDS`);
}

export function finishCorrelators(state: McState): CorrelatorResult {
  validateState(state);
  const spec = { ...(state.spec as CorrelatorSpec), ...(state.request as Partial<CorrelatorSpec>) };
  const espec: EnsembleSpec = { ...(spec as EnsembleSpec), quantities: ['K'] };
  const probe = buildPlan(espec);
  const req = buildRequest(spec, probe.L, probe.widths[(spec.layer ?? probe.L) - 1]!, probe.m);
  const plan = buildPlan(espec, toNpoint(req));
  if (plan.statisticsSize !== state.stats) throw new NnftInputError('state', `it holds ${state.stats} statistics per network but its request needs ${plan.statisticsSize}`, 'pass files written by `nnft mc --state`, unmodified');
  const f = buildDerived(req, plan.npoint!.offset);
  const g: GroupState = { groups: state.groups, stats: state.stats, counts: state.counts, partials: state.partials };
  requireFinishable(g);
  const jk = jackknife(g, f);
  const R = req.report.length;
  // finite values, and a zero standard error only where nothing varied (the scale: the largest moment magnitude)
  const { total, n: nTot } = groupSums(g);
  let scale = 0;
  for (let s = plan.npoint!.offset; s < plan.statisticsSize; s++) scale = Math.max(scale, Math.abs(total[s]! / nTot));
  const kinds = ['moment', 'cumulant', 'wick'] as const;
  for (let k = 0; k < (req.wick ? 3 : 2); k++) {
    for (let q = 0; q < R; q++) {
      const i = k * R + q;
      if (k === 2 && req.report[q]!.length % 2 === 1) continue;
      checkEstimate(
        { quantity: `${kinds[k]} of G(${req.report[q]!.length}) at points ${JSON.stringify(req.report[q]!.map((l) => req.labels[l]))}`, layer: req.layer, index: [], value: jk.value[i]!, stderr: jk.stderr[i]!, replicates: jk.replicates.map((r) => r[i]!), scale },
        nTot,
      );
    }
  }
  const entries: CorrelatorEntry[] = req.report.map((mon, q) => {
    const e: CorrelatorEntry = {
      points: mon.map((k) => req.labels[k]!),
      moment: { mean: jk.value[q]!, stderr: jk.stderr[q]! },
      cumulant: { mean: jk.value[R + q]!, stderr: jk.stderr[R + q]! },
    };
    if (req.wick) e.wick = { mean: jk.value[2 * R + q]!, stderr: jk.stderr[2 * R + q]! };
    if (req.replicates) e.replicates = jk.replicates.map((r) => r[q]!);
    return e;
  });
  const n = state.counts.reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  if (plan.outComponents > 1 && req.layer === plan.L) notes.push(`output components: real index = i·${plan.outComponents} + c`);
  if (n !== state.nets) notes.push(`partial result: ${n} of ${state.nets} networks`);
  return {
    layer: req.layer,
    entries,
    meta: {
      nets: n, seed: state.seed, groups: state.groups, blockSize: state.blockSize, seconds: state.seconds,
      netsPerSecond: state.seconds > 0 ? n / state.seconds : 0, notes, shards: state.shards.length ? state.shards : undefined,
    },
  };
}

/** Sample networks and estimate n-point functions with output indices, cumulants (and Wick deviations). */
export async function sampleCorrelators(spec: CorrelatorSpec): Promise<CorrelatorResult> {
  return finishCorrelators(await sampleCorrelatorsState(spec));
}
