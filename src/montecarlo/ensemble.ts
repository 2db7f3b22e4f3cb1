/**
 * sampleEnsemble: per-layer K, V4, K1, Θ, Θ1, A, B, D, F with standard errors (DESIGN §3, §6, §7), and the
 * shard-state files that `nnft merge` combines exactly.
 */
import { NnftInputError } from '../errors.ts';
import { normalizeSpec } from '../spec.ts';
import { jackknife, mergeGroupState, newGroupState, type GroupState } from './accum.ts';
import { ensembleDerived, nest2, nest4 } from './estimators.ts';
import { defaultWorkers, netsIn, runAll, runLayout, serialisableSpec, type RunLayout } from './run.ts';
import { buildPlan, validateQuantities, type Plan } from './sampler.ts';
import type { EnsembleSpec, McLayerResult, McQuantity, McResult } from './types.ts';

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
  const workers = resolveWorkers(spec, plan, lay);
  const t0 = performance.now();
  const g = await runAll(spec, plan, lay, workers);
  return stateFromGroups('ensemble', spec, lay, g, (performance.now() - t0) / 1000, workers);
}

export function resolveWorkers(spec: EnsembleSpec, plan: Plan, lay: RunLayout): number {
  if (spec.workers === undefined) return defaultWorkers(plan, lay);
  if (!Number.isInteger(spec.workers) || spec.workers < 1) throw new NnftInputError('workers', `expected an integer ≥ 1, got ${String(spec.workers)}`);
  return spec.workers;
}

/** Sample networks and estimate the requested per-layer quantities (mean ± stderr). */
export async function sampleEnsemble(spec: EnsembleSpec): Promise<McResult> {
  // validate cheap things before sampling
  validateQuantities(spec.quantities as string[] | undefined);
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
  const ns = normalizeSpec(spec);
  if (plan.gaussNet) {
    // Gauss-net closed form: ⟨σ_aσ_b⟩ = exp(K_ab − (K_aa + K_bb)/2) =: e_ab (σ' = σ)
    const Ks: Float64Array[] = [];
    const Ts: Float64Array[] = [];
    let k = new Float64Array(m * m);
    let t = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      let dot = 0;
      for (let j = 0; j < ns.n0; j++) dot += ns.inputs[a][j] * ns.inputs[b][j];
      k[a * m + b] = plan.cb[0] + (plan.cw[0] / ns.n0) * dot;
      t[a * m + b] = plan.lb[0] + (plan.lw[0] / ns.n0) * dot;
    }
    Ks.push(k);
    Ts.push(t);
    for (let l = 1; l < plan.L; l++) {
      const k2 = new Float64Array(m * m);
      const t2 = new Float64Array(m * m);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
        const e = Math.exp(k[a * m + b] - (k[a * m + a] + k[b * m + b]) / 2);
        k2[a * m + b] = plan.cb[l] + plan.cw[l] * e;
        t2[a * m + b] = plan.lb[l] + plan.lw[l] * e + plan.cw[l] * e * t[a * m + b];
      }
      k = k2;
      t = t2;
      Ks.push(k);
      Ts.push(t);
    }
    return { K: K ?? Ks, Theta: Theta ?? Ts };
  }
  try {
    const mod = (await import('../../recursions/index.ts')) as { solveRecursions?: (s: unknown) => unknown };
    if (typeof mod.solveRecursions !== 'function') throw new Error('recursions/index.ts has no solveRecursions');
    const res = (await mod.solveRecursions({
      activation: ns.activation,
      inputs: ns.inputs,
      widths: ns.widths,
      cb: plan.cb,
      cw: plan.cw,
      lambdaB: plan.lb,
      lambdaW: plan.lw,
      quantities: ['K', 'Theta'],
    })) as { layers: { K?: number[][]; Theta?: number[][] }[] };
    if (!K && need.K) K = res.layers.map((ly) => Float64Array.from(ly.K!.flat()));
    if (!Theta && need.Theta) Theta = res.layers.map((ly) => Float64Array.from(ly.Theta!.flat()));
    notes?.push('K1/Theta1 use K∞/Θ∞ from recursions/ solveRecursions');
  } catch (e) {
    notes?.push(`K1/Theta1 unavailable: no infinite-width K/Θ (${e instanceof Error ? e.message : String(e)}); pass \`infinite\``);
  }
  return { K, Theta };
}

/** Turn an exact state (single run or merged shards) into the reported result. Deterministic. */
export async function finishEnsemble(state: McState, infinite?: EnsembleSpec['infinite']): Promise<McResult> {
  const spec = state.spec;
  const plan = buildPlan(spec);
  const quantities = validateQuantities(spec.quantities as string[] | undefined) as McQuantity[];
  const notes: string[] = [];
  const inf = await infiniteWidth(spec, plan, { K: quantities.includes('K1'), Theta: quantities.includes('Theta1') }, infinite ?? spec.infinite, notes);
  const { f, slices } = ensembleDerived(plan, quantities, inf.K, inf.Theta);
  const g: GroupState = { groups: state.groups, stats: state.stats, counts: state.counts, partials: state.partials };
  const jk = jackknife(g, f);
  const m = plan.m;
  const layers: McLayerResult[] = [];
  for (let l = 0; l < plan.L; l++) layers.push({ layer: l + 1, width: spec.widths[l] });
  for (const sl of slices) {
    const nest = sl.rank === 2 ? nest2 : nest4;
    (layers[sl.layer] as unknown as Record<string, unknown>)[sl.quantity] = { mean: nest(jk.value, sl.offset, m), stderr: nest(jk.stderr, sl.offset, m) };
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

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

/** Merge shard states exactly (any order). Throws if they do not belong to the same run or overlap. */
export function mergeStates(states: McState[]): McState {
  if (states.length === 0) throw new NnftInputError('files', 'nothing to merge', 'pass one or more shard files written by `nnft mc --shard k/N --state FILE`');
  const first = states[0];
  for (const [i, s] of states.entries()) {
    if (!s || s.format !== SHARD_FORMAT) throw new NnftInputError(`files[${i}]`, `not an nnft Monte Carlo state (format ${String(s?.format)})`);
    for (const key of ['kind', 'nets', 'seed', 'groups', 'blockSize', 'stats'] as const) {
      if (s[key] !== first[key]) throw new NnftInputError(`files[${i}]`, `${key} = ${String(s[key])} differs from the first file's ${String(first[key])}`, 'merge only shards of one run');
    }
    if (canonical(s.spec) !== canonical(first.spec) || canonical(s.request) !== canonical(first.request)) {
      throw new NnftInputError(`files[${i}]`, 'its architecture/spec differs from the first file', 'merge only shards of one run');
    }
  }
  const ranges = states.flatMap((s) => s.blocks).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) throw new NnftInputError('files', `shards overlap (blocks ${ranges[i - 1][0]}–${ranges[i - 1][1]} and ${ranges[i][0]}–${ranges[i][1]})`, 'each shard must be merged once');
  }
  const g = newGroupState(first.groups, first.stats);
  for (const s of states) mergeGroupState(g, { groups: s.groups, stats: s.stats, counts: s.counts, partials: s.partials });
  // coalesce contiguous block ranges
  const blocks: [number, number][] = [];
  for (const r of ranges) {
    const last = blocks[blocks.length - 1];
    if (last && last[1] === r[0]) last[1] = r[1];
    else blocks.push([r[0], r[1]]);
  }
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
