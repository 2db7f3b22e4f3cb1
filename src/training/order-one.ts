/**
 * The trained networks' mean prediction to O(1/n) for an architecture and a data set: the output layer's K, Θ, Θ¹, A,
 * B, P, Q, R, S, T, U on train ∪ test inputs from the recursion solver, then the dynamics of
 * src/training/finite-width.ts. What it computes and when it applies: docs/dntk.md.
 */
import { NnftInputError } from '../errors.ts';
import { getActivation } from '../activations/index.ts';
import { normalizeSpec, type ArchitectureSpec } from '../spec.ts';
import { requireTime } from '../resources.ts';
import { solveRecursions } from '../../recursions/index.ts';
import type { QuantityName } from '../quantities.ts';
import { orderOnePrediction, type OrderOneParts, type OutputLayerTensors, type Schedule } from './finite-width.ts';

export interface OrderOnePredictionSpec extends Omit<ArchitectureSpec, 'inputs'> {
  trainInputs: number[][];
  /** N × D (or N numbers for D = 1) */
  trainTargets: number[][] | number[];
  testInputs: number[][];
  lr: number;
  schedule: Schedule;
}

export interface OrderOnePredictionResult {
  times: number[];
  /** the frozen-NTK mean μ⁰, [time][test][output] */
  mean0: number[][][];
  /** the coefficient μ¹ of 1/n_{L−1}, [time][test][output] */
  correction: number[][][];
  /** μ⁰ + μ¹/n_{L−1} at the widths of the spec */
  mean: number[][][];
  /** n_{L−1}, the width the correction is divided by */
  width: number;
  /** the correction split by origin (each [time][test][output]) */
  parts: OrderOneParts;
  /** the same on the training inputs (μ¹ → 0 there as the training set is fitted) */
  train: { mean0: number[][][]; correction: number[][][] };
  seconds: number;
}

const QUANTITIES: QuantityName[] = ['K', 'Theta', 'Theta1', 'A', 'B', 'P', 'Q', 'R', 'S', 'T', 'U'];

/**
 * Estimated seconds of the recursions on m inputs: the four-index quantities need a Gaussian expectation over every
 * set of up to four distinct inputs per layer, ≈ 0.03 s each (tanh, measured on one core of this project's CI
 * container: m = 4 in 3 s, m = 13 in ≈ 3 min).
 */
export function orderOneSeconds(m: number, layers: number): number {
  const subsets = (m * (m + 1) * (m + 2) * (m + 3)) / 24;
  return 0.03 * subsets * Math.max(1, layers - 1) * 3;
}

export function predictOrderOne(spec: OrderOnePredictionSpec): OrderOnePredictionResult {
  const t0 = performance.now();
  const { trainInputs, testInputs } = spec;
  if (!Array.isArray(trainInputs) || trainInputs.length === 0) throw new NnftInputError('trainInputs', 'need at least one training input');
  if (!Array.isArray(testInputs)) throw new NnftInputError('testInputs', 'expected an array of inputs');
  const N = trainInputs.length;
  const targets = spec.trainTargets;
  if (!Array.isArray(targets) || targets.length !== N) throw new NnftInputError('trainTargets', `expected ${N} targets (one per training input), got ${Array.isArray(targets) ? targets.length : 'none'}`);
  const rows = targets.map((t) => (Array.isArray(t) ? t : [t]));
  const D = rows[0]!.length;
  rows.forEach((r, a) => {
    if (r.length !== D) throw new NnftInputError(`trainTargets[${a}]`, `has dimension ${r.length} but trainTargets[0] has ${D}`);
    r.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new NnftInputError(`trainTargets[${a}][${i}]`, `expected a finite number, got ${v}`);
    });
  });
  if (!(spec.lr > 0) || !Number.isFinite(spec.lr)) throw new NnftInputError('lr', `expected a positive learning rate, got ${spec.lr}`);
  const inputs = [...trainInputs, ...testInputs];
  const arch: ArchitectureSpec = { activation: spec.activation, inputs, widths: spec.widths, cb: spec.cb, cw: spec.cw, lambdaB: spec.lambdaB, lambdaW: spec.lambdaW };
  for (const k of ['cb', 'cw', 'lambdaB', 'lambdaW'] as const) if (arch[k] === undefined) delete arch[k];
  const ns = normalizeSpec(arch);
  const act = getActivation(ns.activation);
  if (act.kind === 'piecewise-linear') {
    throw new NnftInputError(
      'activation',
      `the O(1/n) prediction of trained networks does not exist for the piecewise-linear ${act.name}: it needs the ddNTK means R, S, T, U, which contain ⟨δ(z)²⟩ and diverge, and the kinks make the ensemble mean one-sided at second order in the step — a coherent O(n^−1/2) change per step that no 1/n term describes (docs/dntk.md)`,
      'use a smooth activation (gelu, softplus, tanh, …), or the frozen-NTK prediction (order 0)',
    );
  }
  if (ns.widths[ns.L - 1] !== D) throw new NnftInputError('widths', `the last width is ${ns.widths[ns.L - 1]} but the targets have dimension ${D}`, 'the output layer has one neuron per target component');
  if (ns.L < 2) throw new NnftInputError('widths', 'a network without hidden layers is linear in its parameters: there is no 1/n correction', 'add hidden layers');
  const m = inputs.length;
  requireTime(`the finite-width tensors of the output layer on ${m} inputs`, orderOneSeconds(m, ns.L), 'use fewer training or test inputs, or raise NNFT_MAX_SECONDS');
  const res = solveRecursions({ ...arch, quantities: QUANTITIES });
  const last = res.layers[ns.L - 1]!;
  const flat = (q: QuantityName): Float64Array => Float64Array.from(((last as Record<string, unknown>)[q] as number[]).flat(3) as number[]);
  const tensors: OutputLayerTensors = {
    m,
    K: flat('K'), Theta: flat('Theta'), Theta1: flat('Theta1'), A: flat('A'), B: flat('B'),
    P: flat('P'), Q: flat('Q'), R: flat('R'), S: flat('S'), T: flat('T'), U: flat('U'),
  };
  const Y = Float64Array.from(rows.flat());
  const r = orderOnePrediction({ tensors, nTrain: N, Y, D, lr: spec.lr, schedule: spec.schedule });
  const width = ns.widths[ns.L - 2]!;
  const test = <T>(x: T[][]): T[][] => x.map((row) => row.slice(N));
  const train = <T>(x: T[][]): T[][] => x.map((row) => row.slice(0, N));
  const split = (x: number[][][]): number[][][] => x.map((row) => row.slice(N));
  return {
    times: [...(spec.schedule.kind === 'descent' ? spec.schedule.steps : spec.schedule.times)],
    mean0: test(r.mean0),
    correction: test(r.correction),
    mean: test(r.mean0).map((row, ti) => row.map((v, p) => v.map((x, i) => x + r.correction[ti]![N + p]![i]! / width))),
    width,
    parts: { ntkMean: split(r.parts.ntkMean), ntkVariance: split(r.parts.ntkVariance), dntk: split(r.parts.dntk), ddntk: split(r.parts.ddntk) },
    train: { mean0: train(r.mean0), correction: train(r.correction) },
    seconds: (performance.now() - t0) / 1000,
  };
}
