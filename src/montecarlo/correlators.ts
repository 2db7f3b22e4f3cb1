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
import { groupSums, jackknife, type GroupState } from './accum.ts';
import { requireRunBudget } from './budget.ts';
import { stateFromGroups, resolveWorkers, validateState, type McState } from './ensemble.ts';
import { checkEstimate, requireEnoughNetworks, requireFiniteMoments, requireFinishable } from './guard.ts';
import { activationName, netsIn, runAll, runLayout } from './run.ts';
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

function multisets(nLabels: number, order: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (start: number) => {
    if (cur.length === order) {
      out.push(cur.slice());
      return;
    }
    for (let k = start; k < nLabels; k++) {
      cur.push(k);
      rec(k);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

function buildRequest(spec: CorrelatorSpec, L: number, width: number, m: number): Request {
  const layer = spec.layer ?? L;
  if (!Number.isInteger(layer) || layer < 1 || layer > L) throw new NnftInputError('layer', `expected an integer in [1, ${L}], got ${String(layer)}`);
  const checkPoint = (pt: unknown, where: string): [number, number] => {
    if (!Array.isArray(pt) || pt.length !== 2) throw new NnftInputError(where, 'expected a point [i, α]');
    const [i, a] = pt as number[];
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
    for (const n of [...new Set(orders)].sort()) report = report.concat(multisets(labels.length, n));
  }
  // closure: all sub-multisets (for cumulants and Wick)
  const monos = new Map<string, number[]>();
  const addSubs = (mon: number[]) => {
    const n = mon.length;
    for (let mask = 1; mask < 1 << n; mask++) {
      const sub: number[] = [];
      for (let r = 0; r < n; r++) if (mask & (1 << r)) sub.push(mon[r]);
      const k = key(sub);
      if (!monos.has(k)) monos.set(k, sub);
    }
  };
  for (const mon of report) addSubs(mon);
  const monomials = [...monos.values()].sort((a, b) => a.length - b.length || (key(a) < key(b) ? -1 : 1));
  if (monomials.length > 200000) throw new NnftInputError('orders', `${monomials.length} distinct moments requested`, 'restrict `outputs`, `inputIndices` or `orders`, or pass explicit `points`');
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

function buildDerived(req: Request, offset: number): (mean: Float64Array) => Float64Array {
  const index = new Map<string, number>();
  req.monomials.forEach((mon, q) => index.set(key(mon), offset + q));
  const look = (positions: number[], mon: number[]) => index.get(key(positions.map((r) => mon[r]).sort((x, y) => x - y)))!;
  const partsByN = new Map<number, number[][][]>();
  const terms = req.report.map((mon) => {
    const n = mon.length;
    if (!partsByN.has(n)) partsByN.set(n, setPartitions(n));
    const cum = partsByN.get(n)!.map((pi) => ({ coef: (pi.length % 2 === 1 ? 1 : -1) * FACT[pi.length - 1], idx: pi.map((b) => look(b, mon)) }));
    const wick = req.wick && n % 2 === 0 ? partsByN.get(n)!.filter((pi) => pi.every((b) => b.length === 2)).map((pi) => pi.map((b) => look(b, mon))) : [];
    return { own: index.get(key(mon))!, cum, wick };
  });
  const R = req.report.length;
  return (mu: Float64Array) => {
    const out = new Float64Array(3 * R);
    terms.forEach((t, q) => {
      out[q] = mu[t.own];
      let c = 0;
      for (const term of t.cum) {
        let prod = term.coef;
        for (const i of term.idx) prod *= mu[i];
        c += prod;
      }
      out[R + q] = c;
      if (req.wick && t.wick.length) {
        let w = 0;
        for (const pairing of t.wick) {
          let prod = 1;
          for (const i of pairing) prod *= mu[i];
          w += prod;
        }
        out[2 * R + q] = mu[t.own] - w;
      }
    });
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
  requireRunBudget(plan, lay.groups, workers, netsIn(lay, lay.b0, lay.b1));
  const t0 = performance.now();
  const g = await runAll(espec, plan, lay, workers, toNpoint(req));
  const { layer, orders, outputs, inputIndices, points, wick, replicates, ...rest } = spec;
  return stateFromGroups('correlators', rest as EnsembleSpec, lay, g, (performance.now() - t0) / 1000, workers, { layer, orders, outputs, inputIndices, points, wick, replicates });
}

export function finishCorrelators(state: McState): CorrelatorResult {
  validateState(state);
  const spec = { ...(state.spec as CorrelatorSpec), ...(state.request as Partial<CorrelatorSpec>) };
  const espec: EnsembleSpec = { ...(spec as EnsembleSpec), quantities: ['K'] };
  const probe = buildPlan(espec);
  const req = buildRequest(spec, probe.L, probe.widths[(spec.layer ?? probe.L) - 1], probe.m);
  const plan = buildPlan(espec, toNpoint(req));
  if (plan.statisticsSize !== state.stats) throw new NnftInputError('state', `it holds ${state.stats} statistics per network but its request needs ${plan.statisticsSize}`, 'pass files written by `nnft mc --out`, unmodified');
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
      points: mon.map((k) => req.labels[k]),
      moment: { mean: jk.value[q], stderr: jk.stderr[q] },
      cumulant: { mean: jk.value[R + q], stderr: jk.stderr[R + q] },
    };
    if (req.wick) e.wick = { mean: jk.value[2 * R + q], stderr: jk.stderr[2 * R + q] };
    if (req.replicates) e.replicates = jk.replicates.map((r) => r[q]);
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
