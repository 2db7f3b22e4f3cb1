/**
 * The NN-QFT workflow of Maiti's slides and Halverson, Maiti, Stoner ("estimate λ from 4-pt function experiments, use λ to predict the 6-pt
 * function"), built on the diagram machinery:
 *
 *   λ(x1..x4) = [K12K34 + K13K24 + K14K23 − G⁽⁴⁾(x1..x4)] / [24 ∫dy K1y K2y K3y K4y]      (docs/equations.md)
 *
 * averaged over input tuples ("λ is a rank-4 tensor, we average over all its elements"), then
 *
 *   G⁽⁶⁾_pred = Σ_{15 pairings} KKK − 24 λ Σ_{15} ∫dy K_iy K_jy K_ky K_ly K_mn .
 *
 * The K's are the exact (measured or infinite-width) two-point function, so first-order diagrams with a
 * self-loop (propagator corrections, the tadpoles) are not added again: the λ terms are exactly the
 * order-1 g4 diagrams of feynmanDiagrams without self-loops, with g4 = λ.
 */
import { NnftInputError } from '../src/errors.ts';
import { nonDecreasingTuples } from '../src/multisets.ts';
import { feynmanDiagrams } from './feynman.ts';
import { hasSelfLoop, type Diagram } from './diagram.ts';
import { diagramIntegral } from './evaluate.ts';
import type { Kernel, Point, Space } from './evaluate.ts';
import { nngpCorrelator } from './wick.ts';

/** A measured correlator: a function of input indices, or a nested array indexed by them. */
export type MeasuredCorrelator = ((...idx: number[]) => number) | unknown[];

export interface NnqftWorkflowInput<P extends Point = Point> {
  /** the input points x_α (α = 0..m−1) the correlators were measured at */
  inputs: P[];
  /** the two-point function K(u, v) (infinite-width kernel, or the measured G⁽²⁾) */
  kernel: Kernel<P>;
  /** the integration domain of ∫dy (a weighted point set or an interval) */
  space: Space<P>;
  /** measured G⁽⁴⁾[α1][α2][α3][α4] */
  G4: MeasuredCorrelator;
  /** measured G⁽⁶⁾[α1]..[α6] (optional: then only λ and the prediction are returned) */
  G6?: MeasuredCorrelator;
  /** standard errors of G6 (same layout), to express residuals in standard errors */
  G6stderr?: MeasuredCorrelator;
  /** 4-tuples used for λ (default: all α1 ≤ α2 ≤ α3 ≤ α4) */
  tuples4?: number[][];
  /** 6-tuples where G⁽⁶⁾ is predicted (default: all non-decreasing 6-tuples) */
  tuples6?: number[][];
}

export interface LambdaEstimate {
  perTuple: Array<{ tuple: number[]; lambda: number; numerator: number; integral: number }>;
  /** plain mean over tuples (as in Maiti's slides) */
  mean: number;
  /** standard deviation over tuples */
  spread: number;
  /** least-squares λ: minimises Σ (numerator − 24 λ integral)² */
  leastSquares: number;
}

export interface NnqftWorkflowResult {
  lambda: LambdaEstimate;
  g6: Array<{ tuple: number[]; measured?: number; stderr?: number; gp: number; predicted: number }>;
  /** RMS of measured − GP and of measured − (GP + λ terms), over tuples6 (when G6 was given) */
  residual?: { gpRms: number; predictedRms: number; gpChi2PerPoint?: number; predictedChi2PerPoint?: number };
}

function read(c: MeasuredCorrelator, idx: number[], name: string): number {
  let v: unknown;
  if (typeof c === 'function') v = (c as (...i: number[]) => number)(...idx);
  else {
    v = c;
    for (const i of idx) {
      if (!Array.isArray(v) || i >= v.length) throw new NnftInputError(name, `no entry at [${idx.join('][')}]`, `pass a nested array indexed by input indices`);
      v = v[i];
    }
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new NnftInputError(name, `entry [${idx.join('][')}] is ${String(v)}, not a finite number`);
  return v;
}

/**
 * Adapter for Monte Carlo output shaped like src/montecarlo's CorrelatorResult (structurally typed, so
 * this module does not depend on it): entries with points [[i, α], …] and moment {mean, stderr}. Returns
 * the measured correlator of output `output` as functions of input indices (any order: entries are
 * symmetric), for estimateLambda / nnqftLambdaWorkflow.
 */
export function measuredFromCorrelators(
  result: { entries: ReadonlyArray<{ points: ReadonlyArray<readonly [number, number]>; moment: { mean: number; stderr: number } }> },
  output = 0,
): { mean: (...idx: number[]) => number; stderr: (...idx: number[]) => number } {
  const mean = new Map<string, number>();
  const err = new Map<string, number>();
  for (const e of result.entries) {
    if (!e.points.every(([i]) => i === output)) continue;
    const key = e.points.map(([, a]) => a).sort((x, y) => x - y).join(',');
    mean.set(key, e.moment.mean);
    err.set(key, e.moment.stderr);
  }
  const look = (map: Map<string, number>, what: string) => (...idx: number[]) => {
    const key = [...idx].sort((x, y) => x - y).join(',');
    const v = map.get(key);
    if (v === undefined) throw new NnftInputError('correlators', `no measured ${what} at input indices [${idx}] (output ${output})`, 'sample that correlator (orders / inputIndices)');
    return v;
  };
  return { mean: look(mean, 'moment'), stderr: look(err, 'standard error') };
}

/** All non-decreasing k-tuples over 0..m−1. */
export const sortedTuples = nonDecreasingTuples;

/** Σ over pairings of Π K(x_a, x_b) at the given inputs (the NNGP / free correlator). */
export function gpCorrelator<P extends Point>(kernel: Kernel<P>, xs: P[]): number {
  const K = xs.map((u) => xs.map((v) => kernel(u, v)));
  return nngpCorrelator(K);
}

let g4Connected: Diagram | null = null;
let g6LambdaTerms: Diagram[] | null = null;

function g4ConnectedDiagram(): Diagram {
  if (!g4Connected) g4Connected = feynmanDiagrams({ points: 4, couplings: [4], order: 1 }).diagrams.find((d) => d.order === 1 && d.connected)!;
  return g4Connected;
}

function g6Terms(): Diagram[] {
  if (!g6LambdaTerms) g6LambdaTerms = feynmanDiagrams({ points: 6, couplings: [4], order: 1 }).diagrams.filter((d) => d.order === 1 && !hasSelfLoop(d));
  return g6LambdaTerms;
}

function checkInputs<P extends Point>(inp: NnqftWorkflowInput<P>): void {
  if (!Array.isArray(inp.inputs) || inp.inputs.length === 0) throw new NnftInputError('inputs', 'expected a non-empty array of input points');
  if (typeof inp.kernel !== 'function') throw new NnftInputError('kernel', 'expected a function K(u, v)');
  if (!inp.space || inp.space.kind === 'zero') throw new NnftInputError('space', 'λ needs ∫dy over the input space: pass a weighted point set or an interval');
}

/** λ per 4-tuple and its averages. */
export function estimateLambda<P extends Point>(inp: NnqftWorkflowInput<P>): LambdaEstimate {
  checkInputs(inp);
  const m = inp.inputs.length;
  const tuples = inp.tuples4 ?? sortedTuples(m, 4);
  const d = g4ConnectedDiagram(); // −24 g4 ∫dy K1y K2y K3y K4y
  const perTuple = tuples.map((t) => {
    if (t.length !== 4 || t.some((i) => !Number.isInteger(i) || i < 0 || i >= m)) throw new NnftInputError('tuples4', `bad tuple [${t}]`, `four input indices in 0..${m - 1}`);
    const xs = t.map((i) => inp.inputs[i]!);
    const numerator = gpCorrelator(inp.kernel, xs) - read(inp.G4, t, 'G4');
    const integral = diagramIntegral(d, { space: inp.space, kernel: inp.kernel, externals: xs });
    return { tuple: t, lambda: numerator / (24 * integral), numerator, integral };
  });
  const n = perTuple.length;
  const mean = perTuple.reduce((s, r) => s + r.lambda, 0) / n;
  const spread = Math.sqrt(perTuple.reduce((s, r) => s + (r.lambda - mean) ** 2, 0) / Math.max(1, n - 1));
  let sxy = 0;
  let sxx = 0;
  for (const r of perTuple) {
    sxy += r.numerator * 24 * r.integral;
    sxx += (24 * r.integral) ** 2;
  }
  return { perTuple, mean, spread, leastSquares: sxy / sxx };
}

/** G⁽⁶⁾ at the inputs xs (six points) to first order in λ, with the exact two-point function K. */
export function predictG6<P extends Point>(kernel: Kernel<P>, space: Space<P>, lambda: number, xs: P[]): { gp: number; predicted: number } {
  if (xs.length !== 6) throw new NnftInputError('tuple', `expected 6 points, got ${xs.length}`);
  const gp = gpCorrelator(kernel, xs);
  let corr = 0;
  for (const d of g6Terms()) corr += d.coefficient.toNumber() * diagramIntegral(d, { space, kernel, externals: xs });
  return { gp, predicted: gp + lambda * corr };
}

/** The whole workflow: λ from G⁽⁴⁾, prediction of G⁽⁶⁾, residuals against measured G⁽⁶⁾. */
export function nnqftLambdaWorkflow<P extends Point>(inp: NnqftWorkflowInput<P>, which: 'mean' | 'leastSquares' = 'mean'): NnqftWorkflowResult {
  const lambda = estimateLambda(inp);
  const lam = which === 'mean' ? lambda.mean : lambda.leastSquares;
  const m = inp.inputs.length;
  const tuples = inp.tuples6 ?? sortedTuples(m, 6);
  const g6 = tuples.map((t) => {
    if (t.length !== 6 || t.some((i) => !Number.isInteger(i) || i < 0 || i >= m)) throw new NnftInputError('tuples6', `bad tuple [${t}]`, `six input indices in 0..${m - 1}`);
    const { gp, predicted } = predictG6(inp.kernel, inp.space, lam, t.map((i) => inp.inputs[i]!));
    const row: NnqftWorkflowResult['g6'][number] = { tuple: t, gp, predicted };
    if (inp.G6) row.measured = read(inp.G6, t, 'G6');
    if (inp.G6stderr) row.stderr = read(inp.G6stderr, t, 'G6stderr');
    return row;
  });
  const out: NnqftWorkflowResult = { lambda, g6 };
  if (inp.G6) {
    const n = g6.length;
    const rms = (f: (r: (typeof g6)[number]) => number) => Math.sqrt(g6.reduce((s, r) => s + f(r) ** 2, 0) / n);
    out.residual = { gpRms: rms((r) => r.measured! - r.gp), predictedRms: rms((r) => r.measured! - r.predicted) };
    if (inp.G6stderr) {
      out.residual.gpChi2PerPoint = g6.reduce((s, r) => s + ((r.measured! - r.gp) / r.stderr!) ** 2, 0) / n;
      out.residual.predictedChi2PerPoint = g6.reduce((s, r) => s + ((r.measured! - r.predicted) / r.stderr!) ** 2, 0) / n;
    }
  }
  return out;
}
