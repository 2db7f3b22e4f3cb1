/**
 * sampleEnsemble: per-layer K, V4, K1, Θ, Θ1, A, B, D, F with standard errors (PDLT normalisation: finite-width quantities times n_{ℓ−1}), and the
 * shard-state files that `nnft merge` combines exactly.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { normalizeSpec } from '../spec.ts';
import { coalesceBlocks, groupSums, jackknife, mergeGroupState, newGroupState, type GroupState } from './accum.ts';
import { capWorkers, requireRunBudget } from './budget.ts';
import { ensembleDerived, nest2, nest4 } from './estimators.ts';
import { checkEstimate, requireEnoughNetworks, momentPowers, requireFiniteMoments, requireFinishable } from './guard.ts';
import { activationName, defaultWorkers, netsIn, runAll, runLayout, serialisableSpec, type RunLayout } from './run.ts';
import { buildPlan, type Plan } from './plan.ts';
import { QUANTITIES, parseQuantities, type SampledQuantity } from '../quantities.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { CORRELATOR_SPEC_KEYS, ENSEMBLE_SPEC_KEYS, type EnsembleSpec, type McLayerResult, type McResult } from './types.ts';

export const SHARD_FORMAT = 'nnft-mc-state/1';

/** A shard (or whole-run) state: exact group sums plus everything needed to finish or merge it. */
export interface McState {
  format: typeof SHARD_FORMAT;
  kind: 'ensemble' | 'correlators';
  spec: EnsembleSpec;
  /** extra request (correlators) */
  request?: unknown;
  nets: number;
  seed: number;
  groups: number;
  blockSize: number;
  stats: number;
  /** block ranges covered [b0, b1) */
  blocks: [number, number][];
  shards: { index: number; count: number }[];
  counts: number[];
  partials: number[][][];
  seconds: number;
  workers: number;
}

export function stateFromGroups(kind: McState['kind'], spec: EnsembleSpec, lay: RunLayout, g: GroupState, seconds: number, workers: number, request?: unknown): McState {
  return {
    format: SHARD_FORMAT,
    kind,
    spec: serialisableSpec(spec),
    request,
    nets: lay.nets,
    seed: lay.seed,
    groups: lay.groups,
    blockSize: lay.blockSize,
    stats: g.stats,
    blocks: [[lay.b0, lay.b1]],
    shards: lay.shard ? [lay.shard] : [],
    counts: g.counts,
    partials: g.partials,
    seconds,
    workers,
  };
}

/** Run (a shard of) the ensemble and return its exact state. */
export async function sampleEnsembleState(spec: EnsembleSpec): Promise<McState> {
  const lay = runLayout(spec);
  const plan = buildPlan(spec);
  const quantities = parseQuantities(spec.quantities, 'montecarlo');
  requireEnoughNetworks(plan, lay, quantities);
  requireFiniteMoments(plan, activationName(spec), ...momentPowers(quantities));
  if (plan.tLayer && (quantities.includes('K1') || quantities.includes('Theta1')) && !(spec.infinite?.K || spec.infinite?.Theta)) {
    throw new NnftInputError('quantities', 'K1 and Theta1 subtract the infinite-width K∞, Θ∞, which a T-layer (random inputs to the MLP) leaves undefined', 'pass `infinite` explicitly, or drop K1/Theta1');
  }
  const workers = resolveWorkers(spec, plan, lay);
  requireRunBudget(plan, lay.groups, workers, netsIn(lay, lay.b0, lay.b1), lay.b1 - lay.b0);
  const t0 = performance.now();
  const g = await runAll(spec, plan, lay, workers);
  return stateFromGroups('ensemble', spec, lay, g, (performance.now() - t0) / 1000, workers);
}

/**
 * Worker threads: the default (all cores for long runs, see run.ts), or the request capped at the available
 * cores — more threads cannot run at once and each costs its own memory (budget.ts). The cap is reported
 * through spec.onNote (default: a line on stderr).
 */
export function resolveWorkers(spec: EnsembleSpec, plan: Plan, lay: RunLayout): number {
  if (spec.workers === undefined) return defaultWorkers(plan, lay);
  if (!Number.isInteger(spec.workers) || spec.workers < 1) throw new NnftInputError('workers', `expected an integer ≥ 1, got ${String(spec.workers)}`);
  return capWorkers(spec.workers, spec.onNote ?? ((line) => process.stderr.write(`nnft: note: ${line}\n`)));
}

/** Sample networks and estimate the requested per-layer quantities (mean ± stderr). */
export async function sampleEnsemble(spec: EnsembleSpec): Promise<McResult> {
  // validate cheap things before sampling
  parseQuantities(spec.quantities, 'montecarlo');
  const state = await sampleEnsembleState(spec);
  return finishEnsemble(state, spec.infinite);
}

/** Infinite-width K and Θ per layer (flat m×m), for K1 and Θ1. */
async function infiniteWidth(
  spec: EnsembleSpec,
  plan: Plan,
  need: { K: boolean; Theta: boolean },
  given?: EnsembleSpec['infinite'],
  notes?: string[],
): Promise<{ K: Float64Array[] | null; Theta: Float64Array[] | null }> {
  const m = plan.m;
  const flat = (arr: number[][][] | undefined, name: string): Float64Array[] | null => {
    if (!arr) return null;
    if (!Array.isArray(arr) || arr.length !== plan.L) throw new NnftInputError(`infinite.${name}`, `expected ${plan.L} layers of ${m}×${m} matrices`);
    return arr.map((M, l) => {
      if (!Array.isArray(M) || M.length !== m || M.some((r) => !Array.isArray(r) || r.length !== m)) {
        throw new NnftInputError(`infinite.${name}[${l}]`, `expected a ${m}×${m} matrix`);
      }
      return Float64Array.from(M.flat());
    });
  };
  let K = flat(given?.K, 'K');
  let Theta = flat(given?.Theta, 'Theta');
  if ((!need.K || K) && (!need.Theta || Theta)) return { K, Theta };
  if (plan.tLayer) {
    notes?.push('K1/Theta1 need fixed inputs (a T-layer makes them random): pass `infinite` explicitly');
    return { K, Theta };
  }
  const ns = normalizeSpec(spec, [...ENSEMBLE_SPEC_KEYS, ...CORRELATOR_SPEC_KEYS]);
  if (plan.gaussNet) {
    // Gauss-net closed form: ⟨σ_aσ_b⟩ = exp(K_ab − (K_aa + K_bb)/2) =: e_ab (σ' = σ)
    const Ks: Float64Array[] = [];
    const Ts: Float64Array[] = [];
    let k = new Float64Array(m * m);
    let t = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      let dot = 0;
      for (let j = 0; j < ns.n0; j++) dot += ns.inputs[a]![j]! * ns.inputs[b]![j]!;
      k[a * m + b] = plan.cb[0]! + (plan.cw[0]! / ns.n0) * dot;
      t[a * m + b] = plan.lambdaB[0]! + (plan.lambdaW[0]! / ns.n0) * dot;
    }
    Ks.push(k);
    Ts.push(t);
    for (let l = 1; l < plan.L; l++) {
      const k2 = new Float64Array(m * m);
      const t2 = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
        const e = Math.exp(k[a * m + b]! - (k[a * m + a]! + k[b * m + b]!) / 2);
        k2[a * m + b] = plan.cb[l]! + plan.cw[l]! * e;
        t2[a * m + b] = plan.lambdaB[l]! + plan.lambdaW[l]! * e + plan.cw[l]! * e * t[a * m + b]!;
      }
      k = k2;
      t = t2;
      Ks.push(k);
      Ts.push(t);
    }
    return { K: K ?? Ks, Theta: Theta ?? Ts };
  }
  const res = solveRecursions({
    activation: ns.activation,
    inputs: ns.inputs,
    widths: ns.widths,
    cb: plan.cb,
    cw: plan.cw,
    lambdaB: plan.lambdaB,
    lambdaW: plan.lambdaW,
    quantities: ['K', 'Theta'],
  });
  const flatAt = (q: 'K' | 'Theta'): Float64Array[] => res.layers.map((ly) => Float64Array.from((ly[q] ?? []).flat()));
  if (!K && need.K) K = flatAt('K');
  if (!Theta && need.Theta) Theta = flatAt('Theta');
  notes?.push('K1/Theta1 use K∞/Θ∞ from recursions/ solveRecursions');
  return { K, Theta };
}

/** Turn an exact state (single run or merged shards) into the reported result. Deterministic. */
export async function finishEnsemble(state: McState, infinite?: EnsembleSpec['infinite']): Promise<McResult> {
  validateState(state);
  const spec = state.spec;
  const plan = buildPlan(spec);
  if (plan.statisticsSize !== state.stats) throw new NnftInputError('state', `it holds ${state.stats} statistics per network but its architecture needs ${plan.statisticsSize}`, 'pass files written by `nnft mc --state`, unmodified');
  const quantities = parseQuantities(spec.quantities, 'montecarlo');
  const notes: string[] = [];
  const inf = await infiniteWidth(spec, plan, { K: quantities.includes('K1'), Theta: quantities.includes('Theta1') }, infinite ?? spec.infinite, notes);
  for (const [q, arr] of [['K1', inf.K], ['Theta1', inf.Theta]] as const) {
    if (quantities.includes(q) && !arr) {
      throw new NnftNumericalError(`${q}`, `the infinite-width ${q === 'K1' ? 'K∞' : 'Θ∞'} it subtracts is unavailable (${notes.at(-1) ?? 'no recursion result'})`, 'pass `infinite` (--infinite) explicitly, or drop it from --quantities', { quantity: q });
    }
  }
  const { f, slices, zeroLayer1 } = ensembleDerived(plan, quantities, inf.K, inf.Theta);
  const g: GroupState = { groups: state.groups, stats: state.stats, counts: state.counts, partials: state.partials };
  requireFinishable(g);
  const jk = jackknife(g, f);
  const m = plan.m;
  const nAll = state.counts.reduce((a, b) => a + b, 0);
  // every reported number finite, and a zero standard error only for a quantity that did not vary
  const statMeans = jackknifeMeans(g);
  for (const sl of slices) {
    const size = sl.rank === 2 ? m * m : m ** 4;
    const nP = sl.layer === 0 ? plan.n0 : plan.widths[sl.layer - 1]!;
    const finiteWidth = sl.quantity !== 'K' && sl.quantity !== 'Theta';
    const scale = (finiteWidth ? nP : 1) * layerScale(plan, sl.layer, statMeans);
    for (let q = 0; q < size; q++) {
      checkEstimate(
        {
          quantity: sl.quantity,
          layer: sl.layer + 1,
          index: indexOf(q, m, sl.rank),
          value: jk.value[sl.offset + q]!,
          stderr: jk.stderr[sl.offset + q]!,
          replicates: jk.replicates.map((r) => r[sl.offset + q]!),
          exact: sl.layer === 0 && zeroLayer1,
          scale,
        },
        nAll,
      );
    }
  }
  const layers: McLayerResult[] = [];
  for (let l = 0; l < plan.L; l++) layers.push({ layer: l + 1, width: spec.widths[l]! });
  for (const sl of slices) {
    const nest = sl.rank === 2 ? nest2 : nest4;
    const row: Record<string, unknown> | undefined = layers[sl.layer];
    if (row) row[sl.quantity] = { mean: nest(jk.value, sl.offset, m), stderr: nest(jk.stderr, sl.offset, m) };
  }
  if (plan.estimator === 'conditional') notes.push('conditional (Rao–Blackwellised) estimators: moments of layer ℓ from the exact conditional expectations given layer ℓ−1');
  else notes.push('direct estimators: neuron averages and pairs of distinct neurons i ≠ j of the sampled z, Θ̂');
  if (plan.outComponents > 1) notes.push(`output layer: ${plan.outComponents} real components per output (interleaved); its neuron averages run over them`);
  const n = state.counts.reduce((a, b) => a + b, 0);
  const complete = n === state.nets;
  if (!complete) notes.push(`partial result: ${n} of ${state.nets} networks`);
  return {
    layers,
    meta: {
      nets: n,
      seed: state.seed,
      sampler: plan.sampler,
      estimator: plan.estimator,
      groups: state.groups,
      blockSize: state.blockSize,
      workers: state.workers,
      seconds: state.seconds,
      netsPerSecond: state.seconds > 0 ? n / state.seconds : 0,
      shards: state.shards.length ? state.shards : undefined,
      notes,
    },
  };
}

/** Plain means of every statistic (for the scale of the zero-standard-error check). */
function jackknifeMeans(g: GroupState): Float64Array {
  const { total, n } = groupSums(g);
  return total.map((t) => t / n);
}

/** The largest |mean| of the statistics of layer l: the size of the terms its estimators combine. */
function layerScale(p: Plan, l: number, means: Float64Array): number {
  const lay = p.offsets[l]!;
  const starts = Object.values(lay).filter((o) => o >= 0).sort((a, b) => a - b);
  let end = p.statisticsSize;
  const nextLayer = p.offsets[l + 1];
  if (nextLayer) end = Math.min(...Object.values(nextLayer).filter((o) => o >= 0));
  let s = 0;
  for (let i = starts[0] ?? end; i < end; i++) s = Math.max(s, Math.abs(means[i]!));
  return s;
}

function indexOf(q: number, m: number, rank: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rank; r++) {
    out.unshift(q % m);
    q = Math.floor(q / m);
  }
  return out;
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/**
 * Check the structure of a state read from a file (nothing is trusted): the format tag, integer layout fields,
 * counts and partials of the declared shape with finite numbers, block ranges inside the run, and networks in
 * the blocks equal to the counts. A corrupt or hand-edited file is a user error (NnftInputError), never a crash.
 */
export function validateState(s: unknown, name = 'state'): McState {
  const bad = (problem: string): never => {
    throw new NnftInputError(name, problem, 'pass files written by `nnft mc --state` (or `nnft merge --state`), unmodified');
  };
  if (!s || typeof s !== 'object' || Array.isArray(s)) bad('not an nnft Monte Carlo state (not a JSON object)');
  const st = s as Record<string, unknown>;
  if (st.format !== SHARD_FORMAT) bad(`not an nnft Monte Carlo state (format ${JSON.stringify(st.format) ?? 'missing'}, expected ${SHARD_FORMAT})`);
  if (st.kind !== 'ensemble' && st.kind !== 'correlators') bad(`unknown kind ${JSON.stringify(st.kind)}`);
  for (const key of ['nets', 'groups', 'blockSize', 'stats'] as const) {
    const v = st[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(`${key} = ${JSON.stringify(v)} is not a positive integer`);
  }
  if (typeof st.seed !== 'number' || !Number.isSafeInteger(st.seed) || st.seed < 0) bad(`seed = ${JSON.stringify(st.seed)} is not a non-negative integer`);
  if (!st.spec || typeof st.spec !== 'object') bad('the architecture (spec) is missing');
  const { nets, groups, blockSize, stats } = st as { nets: number; groups: number; blockSize: number; stats: number };
  const nBlocks = Math.ceil(nets / blockSize);
  const counts = st.counts;
  if (!Array.isArray(counts) || counts.length !== groups || counts.some((c) => typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0)) {
    bad(`counts must be ${groups} non-negative integers`);
  }
  const partials = st.partials;
  if (!Array.isArray(partials) || partials.length !== groups) bad(`partials must hold ${groups} groups`);
  for (const row of partials as unknown[]) {
    if (!Array.isArray(row) || row.length !== stats) bad(`every group of partials must hold ${stats} statistics`);
    for (const p of row as unknown[]) {
      if (!Array.isArray(p) || p.some((x) => typeof x !== 'number' || !Number.isFinite(x))) bad('partials must be lists of finite numbers');
    }
  }
  const blocks = st.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0) bad('the block ranges are missing');
  let covered = 0;
  for (const r of blocks as unknown[]) {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => Number.isSafeInteger(x)) || r[0] < 0 || r[1] > nBlocks || r[0] > r[1]) {
      bad(`block range ${JSON.stringify(r)} is not inside [0, ${nBlocks}]`);
    }
    const [b0, b1] = r as [number, number];
    covered += Math.max(0, Math.min(nets, b1 * blockSize) - Math.min(nets, b0 * blockSize));
  }
  const n = (counts as number[]).reduce((a, b) => a + b, 0);
  if (n !== covered) bad(`its counts add up to ${n} networks but its blocks hold ${covered}`);
  if (!Array.isArray(st.shards)) bad('the shard list is missing');
  for (const key of ['seconds', 'workers'] as const) {
    if (typeof st[key] !== 'number' || !Number.isFinite(st[key] as number)) bad(`${key} is not a number`);
  }
  return s as McState;
}

/** Merge shard states exactly (any order). Throws if they do not belong to the same run or overlap. */
export function mergeStates(states: McState[], names?: readonly string[]): McState {
  if (!Array.isArray(states) || states.length === 0) throw new NnftInputError('files', 'nothing to merge', 'pass one or more shard files written by `nnft mc --shard k/N --state FILE`');
  const label = (i: number) => names?.[i] ?? `files[${i}]`;
  states.forEach((s, i) => validateState(s, label(i)));
  const first = states[0]!;
  for (const [i, s] of states.entries()) {
    for (const key of ['kind', 'nets', 'seed', 'groups', 'blockSize', 'stats'] as const) {
      if (s[key] !== first[key]) throw new NnftInputError(label(i), `${key} = ${String(s[key])} differs from ${label(0)}'s ${String(first[key])}`, 'merge only shards of one run');
    }
    if (canonical(s.spec) !== canonical(first.spec) || canonical(s.request) !== canonical(first.request)) {
      throw new NnftInputError(label(i), `its architecture/spec differs from ${label(0)}'s`, 'merge only shards of one run');
    }
  }
  const ranges = states.flatMap((s) => s.blocks).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]![0]! < ranges[i - 1]![1]!) throw new NnftInputError('files', `shards overlap (blocks ${ranges[i - 1]![0]!}–${ranges[i - 1]![1]!} and ${ranges[i]![0]!}–${ranges[i]![1]!})`, 'each shard must be merged once');
  }
  const g = newGroupState(first.groups, first.stats);
  for (const s of states) mergeGroupState(g, { groups: s.groups, stats: s.stats, counts: s.counts, partials: s.partials });
  const blocks = coalesceBlocks(ranges);
  return {
    ...first,
    blocks,
    shards: states.flatMap((s) => s.shards).sort((a, b) => a.index - b.index),
    counts: g.counts,
    partials: g.partials,
    seconds: states.reduce((a, s) => a + s.seconds, 0),
    workers: Math.max(...states.map((s) => s.workers)),
  };
}

export { netsIn };
