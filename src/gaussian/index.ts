/**
 * Gaussian expectations ⟨f(z)⟩ over N(0, K) in 1–4 dimensions (accuracy and refusals: docs/quadrature.md).
 *
 * - gaussHermite(n): probabilists' Gauss–Hermite rules to double precision.
 * - validateKernel(K): square, finite, symmetric, PSD (beyond rounding) or NnftInputError.
 * - gaussExpect(f, K): general integrands, eigen-decomposition (integrates over K's range only),
 *   tensor Gauss–Hermite, error = |value(n) − value(n')|.
 * - expectActivationProduct(act, K, factors): ⟨Π σ^(k_i)(z_{a_i})⟩. Smooth σ: nested quadrature in
 *   pivoted-Cholesky coordinates of the distinct inputs (dimension = rank of the sub-kernel) — the calibrated
 *   trapezoid rule, or where the kernel is large against σ's features the graded Gauss–Kronrod rule with an
 *   error estimate (src/gaussian/smooth.ts, graded.ts). Singular σ (activation.singularity), divergent or
 *   overflowing integrands throw NnftNumericalError (overflow: NnftOverflowError), see failures.ts.
 *   Piecewise-linear σ: exact analytic reduction (src/gaussian/piecewise.ts, pair.ts), δ-terms included.
 * - makeLayerExpectation(act, K): validated once, memoised by the sorted factor list.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { describeProduct, what } from './failures.ts';
import type { Activation } from '../activations/types.ts';
import type { DerivFactor, GaussOptions, GaussResult } from './types.ts';
import { gaussHermite } from './hermite.ts';
import { pivotedCholesky, symmetricEigen, validateKernel } from './linalg.ts';
import { plProductExpectation } from './piecewise.ts';
import { productExpectation } from './quadrature.ts';
import { Calibration, SmoothLayerContext } from './smooth.ts';
import { calibrationKey, precomputedCalibration } from './calibration-table.ts';

export type { DerivFactor, GaussOptions, GaussResult } from './types.ts';
export { gaussHermite } from './hermite.ts';
export { validateKernel, pivotedCholesky, symmetricEigen } from './linalg.ts';
export { orthant } from './piecewise.ts';
export { Float64Arena } from './arena.ts';
export { NnftOverflowError } from './failures.ts';

const DEFAULT_ORDER_BY_DIM = [0, 64, 48, 24, 16];

/** ⟨f(z)⟩ over z ~ N(0, K), K of size 1..4 (PSD, possibly singular). */
export function gaussExpect(f: (z: Float64Array) => number, K: number[][], opts: GaussOptions = {}): GaussResult {
  const C = validateKernel(K, 'K');
  const k = C.length;
  if (k > 4) throw new NnftInputError('K', `gaussExpect supports 1–4 dimensions, got ${k}`);
  const { values, vectors } = symmetricEigen(C);
  const lmax = Math.max(0, ...values);
  const tol = (opts.rankTol ?? 1e-12) * lmax;
  const dirs: number[][] = [];
  for (let j = 0; j < k; j++) {
    if (values[j]! > tol) dirs.push(vectors.map((row) => row[j]! * Math.sqrt(values[j]!)));
  }
  const r = dirs.length;
  const z = new Float64Array(k);
  if (r === 0) return { value: f(z), error: 0 };
  const n = opts.order ?? DEFAULT_ORDER_BY_DIM[r]!;
  const run = (order: number): number => {
    const { nodes, weights } = gaussHermite(order);
    const idx = new Array(r).fill(0);
    let sum = 0;
    const total = Math.pow(order, r);
    for (let t = 0; t < total; t++) {
      let rem = t;
      let w = 1;
      z.fill(0);
      for (let d = 0; d < r; d++) {
        idx[d] = rem % order;
        rem = Math.floor(rem / order);
        const u = nodes[idx[d]]!;
        w *= weights[idx[d]]!;
        const dir = dirs[d]!;
        for (let i = 0; i < k; i++) z[i] = z[i]! + dir[i]! * u;
      }
      sum += w * f(z);
    }
    return sum;
  };
  const value = run(n);
  const lower = Math.max(1, Math.round((n * 3) / 4));
  const error = Math.abs(value - run(lower));
  return { value, error };
}

function checkFactors(act: Activation, m: number, factors: readonly DerivFactor[]): void {
  if (!Array.isArray(factors)) throw new NnftInputError('factors', 'expected an array of {input, order}');
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i]!;
    if (!f || !Number.isInteger(f.input) || f.input < 0 || f.input >= m) {
      throw new NnftInputError(`factors[${i}].input`, `must be an integer in 0..${m - 1}, got ${String(f?.input)}`);
    }
    if (!Number.isInteger(f.order) || f.order < 0) {
      throw new NnftInputError(`factors[${i}].order`, `must be an integer ≥ 0, got ${String(f.order)}`);
    }
    if (act.kind === 'smooth' && f.order > act.maxOrder) {
      throw new NnftInputError(`factors[${i}].order`, `${f.order} exceeds the maximum derivative order ${act.maxOrder} of ${act.name}`);
    }
  }
}

/** Group factors by input: sorted distinct inputs and, for each, its sorted list of orders. */
function groupFactors(factors: readonly DerivFactor[]): { inputs: number[]; orders: number[][] } {
  if (isSorted(factors)) {
    // fast path (the memoised layer evaluator sorts first): runs of equal inputs
    const inputs: number[] = [];
    const orders: number[][] = [];
    for (const f of factors) {
      if (inputs.length === 0 || inputs[inputs.length - 1] !== f.input) {
        inputs.push(f.input);
        orders.push([f.order]);
      } else orders[orders.length - 1]!.push(f.order);
    }
    return { inputs, orders };
  }
  const map = new Map<number, number[]>();
  for (const f of factors) {
    let l = map.get(f.input);
    if (!l) map.set(f.input, (l = []));
    l.push(f.order);
  }
  const inputs = [...map.keys()].sort((a, b) => a - b);
  return { inputs, orders: inputs.map((a) => map.get(a)!.sort((x, y) => x - y)) };
}

function isSorted(factors: readonly DerivFactor[]): boolean {
  for (let i = 1; i < factors.length; i++) {
    const a = factors[i - 1]!;
    const b = factors[i]!;
    if (a.input > b.input || (a.input === b.input && a.order > b.order)) return false;
  }
  return true;
}

function smoothProductFn(act: Activation, orders: number[]): (z: number) => number {
  const fs = orders.map((k) => act.derivative(k));
  if (fs.length === 1) return fs[0]!;
  if (fs.length === 2) {
    const [f0, f1] = fs as [(z: number) => number, (z: number) => number];
    return (z) => f0(z) * f1(z);
  }
  return (z) => {
    let p = 1;
    for (const f of fs) p *= f(z);
    return p;
  };
}

interface Prepared {
  C: number[][];
  scale: number;
  smooth?: SmoothLayerContext;
}

function subKernel(C: number[][], inputs: number[]): number[][] {
  return inputs.map((a) => inputs.map((b) => C[a]![b]!));
}

function evalProduct(
  act: Activation, prep: Prepared, factors: readonly DerivFactor[], opts: GaussOptions, grouped = groupFactors(factors),
): number {
  if (factors.length === 0) return 1;
  const { inputs, orders } = grouped;
  if (act.kind === 'piecewise-linear') return plProductExpectation(act.pl!, subKernel(prep.C, inputs), orders);
  if (act.singularity !== undefined) {
    throw new NnftNumericalError(
      what(act, describeProduct(inputs, orders)),
      `the activation is not finite on the whole real line, which a Gaussian preactivation covers: ${act.singularity}`,
      'use an activation that is smooth and finite for every real z (e.g. softplus = log(1+exp(z)) instead of log(z), or relu / leaky_relu)',
    );
  }
  const gs = (): ((z: number) => number)[] => orders.map((ol) => smoothProductFn(act, ol));
  if (opts.order !== undefined) {
    const { L, perm, rank } = pivotedCholesky(subKernel(prep.C, inputs), opts.rankTol ?? 1e-13);
    const fs = gs();
    return productExpectation(perm.map((p) => fs[p]!), L, rank, opts.order);
  }
  prep.smooth ??= new SmoothLayerContext(act, prep.C, opts.rankTol ?? 1e-13, (t) => calibrationFor(act, t), DEFAULT_TOL_BY_RANK, opts.arena, opts.sharedRule !== false);
  return prep.smooth.expect(inputs, orders, gs, opts.tol);
}

/**
 * Calibration tolerances by rank (dimension actually integrated). Measured accuracy is about 100× better
 * than the tolerance (the calibration is conservative): ~1e-14 in 1–2 D, ~1e-12 in 3 D, ~1e-10 in 4 D.
 */
const DEFAULT_TOL_BY_RANK = [1e-12, 1e-12, 1e-12, 1e-10, 1e-8];
const calibrations = new Map<string, Calibration>();
function calibrationFor(act: Activation, tol: number): Calibration {
  const key = calibrationKey(act.name, tol);
  let c = calibrations.get(key);
  if (!c) {
    c = new Calibration(act, tol, precomputedCalibration(key));
    calibrations.set(key, c);
  }
  return c;
}

function prepare(K: number[][], argumentName: string): Prepared {
  const C = validateKernel(K, argumentName);
  let scale = 0;
  for (let i = 0; i < C.length; i++) scale = Math.max(scale, C[i]![i]!);
  return { C, scale: scale > 0 ? scale : 1 };
}

/** ⟨Π_i σ^(order_i)(z_{input_i})⟩ over z ~ N(0, K). */
export function expectActivationProduct(act: Activation, K: number[][], factors: readonly DerivFactor[], opts: GaussOptions = {}): number {
  const prep = prepare(K, 'K');
  checkFactors(act, prep.C.length, factors);
  const { inputs } = groupFactors(factors);
  if (inputs.length > 4) throw new NnftInputError('factors', `at most 4 distinct inputs are supported, got ${inputs.length}`);
  return evalProduct(act, prep, factors, opts);
}

/** Memo key of a sorted factor list: one character per factor, (input, order) → 48 + 32·input + order, else spelled out. */
export function expectationKey(list: readonly DerivFactor[]): string {
  let key = '';
  for (const f of list) key += f.order < 32 && f.input < 2000 ? String.fromCharCode(48 + f.input * 32 + f.order) : `[${f.input}:${f.order}]`;
  return key;
}

/** The memoised expectations of one layer kernel K, with batched evaluation of the expectations of one subset of inputs. */
export interface LayerExpectationStore {
  /** ⟨Π σ^(k)(z_a)⟩, memoised. */
  expect(factors: readonly DerivFactor[]): number;
  /**
   * ⟨Π_i Π_{k ∈ patterns[p][i]} σ^(k)(z_{inputs[i]})⟩ for every pattern p (inputs sorted and distinct, every input
   * with at least one factor), computed together (smooth σ: one pass over the quadrature nodes of the subset,
   * src/gaussian/lattice.ts); not memoised. Throws as `expect` would for an expectation that cannot be delivered.
   */
  batch(inputs: number[], patterns: number[][][]): Float64Array;
  /**
   * `batch` for many subsets at once (each value as `batch` gives it for its subset alone): the subsets that share
   * one quadrature rule (src/gaussian/shared-rule.ts) are computed in one pass over its nodes. Throws as `batch`.
   */
  batchMany(tasks: readonly { inputs: number[]; patterns: number[][][] }[]): Float64Array[];
  /** Whether the memo holds the sorted factor list with this key (expectationKey). */
  has(key: string): boolean;
  /** Put a value computed elsewhere (by `batch` of an identical store, e.g. on a worker thread) into the memo. */
  store(key: string, value: number): void;
}

/** The memoised expectations of one layer kernel K (validated once). */
export function makeLayerExpectationStore(act: Activation, K: number[][], opts: GaussOptions = {}): LayerExpectationStore {
  const prep = prepare(K, 'K');
  const memo = new Map<string, number>();
  const expect = (factors: readonly DerivFactor[]): number => {
    checkFactors(act, prep.C.length, factors);
    const list = isSorted(factors) ? factors : [...factors].sort((x, y) => x.input - y.input || x.order - y.order);
    const key = expectationKey(list);
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const grouped = groupFactors(list);
    if (grouped.inputs.length > 4) throw new NnftInputError('factors', `at most 4 distinct inputs are supported, got ${grouped.inputs.length}`);
    const v = evalProduct(act, prep, list, opts, grouped);
    memo.set(key, v);
    return v;
  };
  const batch = (inputs: number[], patterns: number[][][]): Float64Array => {
    const factorsOf = (p: number): DerivFactor[] => inputs.flatMap((a, i) => patterns[p]![i]!.map((order) => ({ input: a, order })));
    if (act.kind === 'smooth' && act.singularity === undefined && opts.order === undefined && inputs.length >= 3) {
      for (let p = 0; p < patterns.length; p++) checkFactors(act, prep.C.length, factorsOf(p));
      prep.smooth ??= new SmoothLayerContext(act, prep.C, opts.rankTol ?? 1e-13, (t) => calibrationFor(act, t), DEFAULT_TOL_BY_RANK, opts.arena, opts.sharedRule !== false);
      return prep.smooth.expectBatch(inputs, patterns, opts.tol);
    }
    const out = new Float64Array(patterns.length);
    for (let p = 0; p < patterns.length; p++) {
      const list = factorsOf(p);
      checkFactors(act, prep.C.length, list);
      out[p] = evalProduct(act, prep, list, opts, { inputs, orders: patterns[p]! });
    }
    return out;
  };
  const batchMany = (tasks: readonly { inputs: number[]; patterns: number[][][] }[]): Float64Array[] => {
    if (act.kind === 'smooth' && act.singularity === undefined && opts.order === undefined && tasks.every((t) => t.inputs.length >= 3)) {
      for (const t of tasks) for (const pat of t.patterns) checkFactors(act, prep.C.length, t.inputs.flatMap((a, i) => pat[i]!.map((order) => ({ input: a, order }))));
      prep.smooth ??= new SmoothLayerContext(act, prep.C, opts.rankTol ?? 1e-13, (t) => calibrationFor(act, t), DEFAULT_TOL_BY_RANK, opts.arena, opts.sharedRule !== false);
      return prep.smooth.expectBatchMany(tasks, opts.tol);
    }
    return tasks.map((t) => batch(t.inputs, t.patterns));
  };
  return { expect, batch, batchMany, has: (key) => memo.has(key), store: (key, value) => void memo.set(key, value) };
}

/** A memoised evaluator of ⟨Π σ^(k)(z_a)⟩ for one layer kernel K (validated once). */
export function makeLayerExpectation(act: Activation, K: number[][], opts: GaussOptions = {}): (factors: readonly DerivFactor[]) => number {
  return makeLayerExpectationStore(act, K, opts).expect;
}
