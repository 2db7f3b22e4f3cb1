/**
 * What a training run is given, and its validation (every check runs before anything is computed).
 *
 *   training inputs X (N × n0), targets Y (N × D), test inputs T (m × n0), learning rate η > 0,
 *   and a schedule: gradient-flow times t ≥ 0 (∞ allowed) or gradient-descent step counts s ∈ {0, 1, …, ∞}.
 *
 * Loss L = ½ Σ_{α ∈ train} ‖f(x_α) − y_α‖² (a sum over training points, not a mean). Gradient flow
 * dθ_μ/dt = −η λ_μ ∂L/∂θ_μ gives df(X)/dt = −η Θ(X,X)(f(X) − Y); gradient descent takes steps of size η.
 */
import { NnftInputError, requireFinite } from '../errors.ts';

/** Gradient flow at times t (Infinity allowed), or gradient descent after s steps (integers, Infinity allowed). */
export type Schedule = { kind: 'flow'; times: number[] } | { kind: 'gd'; steps: number[] };

export interface TrainingData {
  /** training inputs x_α, α = 1..N, each of dimension n0 */
  trainInputs: number[][];
  /** targets y_α: N vectors of dimension D (or N numbers for D = 1) */
  trainTargets: number[][] | number[];
  /** test inputs: m vectors of dimension n0 */
  testInputs: number[][];
}

export interface ValidatedData {
  N: number;
  m: number;
  n0: number;
  D: number;
  /** N × n0, m × n0, N × D, row-major */
  X: Float64Array;
  T: Float64Array;
  Y: Float64Array;
  trainInputs: number[][];
  testInputs: number[][];
}

function matrix(argument: string, v: unknown, what: string, fix: string): number[][] {
  if (!Array.isArray(v) || v.length === 0) throw new NnftInputError(argument, `expected a non-empty array of ${what}`, fix);
  return v.map((row, a) => {
    if (!Array.isArray(row) || row.length === 0) throw new NnftInputError(`${argument}[${a}]`, `expected a non-empty array of numbers, got ${JSON.stringify(row)}`, fix);
    return row.map((x, j) => requireFinite(`${argument}[${a}][${j}]`, x, 'every entry must be a finite number (JSON has no NaN; null is not a number)'));
  });
}

/** Validate inputs and targets: shapes agree, every entry finite. */
export function validateData(d: TrainingData): ValidatedData {
  if (d === null || typeof d !== 'object') throw new NnftInputError('training data', 'expected an object with trainInputs, trainTargets, testInputs');
  const X = matrix('train-inputs', d.trainInputs, 'input vectors', "e.g. [[-3,1],[0,1],[3,1]]");
  const n0 = X[0]!.length;
  X.forEach((x, a) => {
    if (x.length !== n0) throw new NnftInputError(`train-inputs[${a}]`, `has dimension ${x.length} but train-inputs[0] has ${n0}`, 'all inputs must have the same dimension');
  });
  const N = X.length;
  const rawY = d.trainTargets;
  if (!Array.isArray(rawY)) throw new NnftInputError('train-targets', 'expected an array (one target per training input)', 'e.g. [[0.1],[0.5],[-0.2]] or [0.1,0.5,-0.2]');
  const Yrows: number[][] = rawY.every((y) => typeof y === 'number' || y === null)
    ? (rawY as unknown[]).map((y, a) => [requireFinite(`train-targets[${a}]`, y, 'every target must be a finite number (JSON has no NaN; null is not a number)')])
    : matrix('train-targets', rawY, 'target vectors', 'e.g. [[0.1],[0.5],[-0.2]]');
  if (Yrows.length !== N) {
    throw new NnftInputError('train-targets', `has ${Yrows.length} targets but there are ${N} training inputs`, 'give exactly one target per training input, in the same order');
  }
  const D = Yrows[0]!.length;
  Yrows.forEach((y, a) => {
    if (y.length !== D) throw new NnftInputError(`train-targets[${a}]`, `has ${y.length} outputs but train-targets[0] has ${D}`, 'every target must have the same dimension D (the output width)');
  });
  const T = matrix('test-inputs', d.testInputs, 'input vectors', 'e.g. [[-1,1],[0.5,1]]');
  T.forEach((x, a) => {
    if (x.length !== n0) throw new NnftInputError(`test-inputs[${a}]`, `has dimension ${x.length} but the training inputs have dimension ${n0}`, 'test and training inputs must have the same dimension');
  });
  const m = T.length;
  // the first layer's kernel needs x·x/n0 (PDLT eq. 4.8): refuse an input whose square norm overflows, by name
  const requireNormFinite = (rows: number[][], argument: string): void => {
    rows.forEach((x, a) => {
      let xx = 0;
      for (const v of x) xx += v * v;
      if (!Number.isFinite(xx / n0)) {
        throw new NnftInputError(`${argument}[${a}]`, `x·x/n0 is Infinity (overflow of the floating-point range; largest |x_j| = ${Math.max(...x.map(Math.abs)).toExponential(3)})`, 'rescale the inputs (|x_j| below ~1e150)');
      }
    });
  };
  requireNormFinite(X, 'train-inputs');
  requireNormFinite(T, 'test-inputs');
  const flat = (rows: number[][], w: number): Float64Array => {
    const out = new Float64Array(rows.length * w);
    rows.forEach((r, a) => r.forEach((x, j) => (out[a * w + j] = x)));
    return out;
  };
  return { N, m, n0, D, X: flat(X, n0), T: flat(T, n0), Y: flat(Yrows, D), trainInputs: X, testInputs: T };
}

/** Validate the learning rate η (finite, > 0). */
export function validateLr(lr: unknown, argument = 'lr'): number {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new NnftInputError(argument, `expected a finite number > 0, got ${String(lr)}`, 'pass the learning rate η, e.g. 1');
  }
  return lr;
}

/** Validate a schedule: times ≥ 0 (∞ allowed), or step counts that are non-negative integers (∞ allowed). */
export function validateSchedule(s: Schedule): Schedule {
  if (!s || (s.kind !== 'flow' && s.kind !== 'gd')) throw new NnftInputError('schedule', "expected { kind: 'flow', times } or { kind: 'gd', steps }");
  const list = s.kind === 'flow' ? s.times : s.steps;
  const arg = s.kind === 'flow' ? 'time' : 'steps';
  if (!Array.isArray(list) || list.length === 0) throw new NnftInputError(arg, 'expected a non-empty list', s.kind === 'flow' ? 'e.g. --time 0,1,10,inf' : 'e.g. --steps 0,10,100,inf');
  list.forEach((x, i) => {
    if (typeof x !== 'number' || Number.isNaN(x) || x < 0 || x === -Infinity) {
      throw new NnftInputError(`${arg}[${i}]`, `expected a number ≥ 0 or inf, got ${String(x)}`, 'times and step counts cannot be negative or NaN');
    }
    if (s.kind === 'gd' && x !== Infinity && !Number.isSafeInteger(x)) {
      throw new NnftInputError(`${arg}[${i}]`, `a number of gradient-descent steps must be an integer, got ${x}`, 'use --time for gradient flow at non-integer times');
    }
  });
  return s.kind === 'flow' ? { kind: 'flow', times: list.slice() } : { kind: 'gd', steps: list.slice() };
}

/** Parse a CLI list such as "0,1,10,inf" (inf, Infinity and ∞ accepted). */
export function parseScheduleList(argument: string, text: string): number[] {
  return String(text).split(',').map((raw) => {
    const t = raw.trim();
    if (/^(\+?inf(inity)?|∞)$/i.test(t)) return Infinity;
    const x = t === '' ? NaN : Number(t);
    if (!Number.isFinite(x)) throw new NnftInputError(`--${argument}`, `'${t}' is not a number or inf`, `pass numbers ≥ 0 separated by commas, e.g. --${argument} 0,10,inf`);
    if (x < 0) throw new NnftInputError(`--${argument}`, `${t} is negative`, 'training runs forward: times and step counts must be ≥ 0');
    return x;
  });
}

/** JSON cannot hold Infinity: ∞ is written as the string "inf". */
export function scheduleForJson(list: number[]): (number | 'inf')[] {
  return list.map((x) => (x === Infinity ? 'inf' : x));
}
