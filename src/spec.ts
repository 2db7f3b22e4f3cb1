/**
 * The architecture spec shared by the recursion solver, the Monte Carlo sampler and the CLI
 * (docs/conventions.md): a deep MLP z^(ℓ+1) = b + W σ(z^(ℓ)) on m inputs of dimension n0.
 */
import { closestName } from './closest.ts';
import { NnftInputError, requireFinite, requirePositiveInteger } from './errors.ts';

/** A registry name ('tanh', 'leaky_relu'), a name with parameters ('leaky_relu(0.1)'), an expression in z, or an object. */
export type ActivationSpec = string | { name: string; params?: Record<string, number> };

export type PerLayer = number | number[];

export interface ArchitectureSpec {
  activation: ActivationSpec;
  /** m inputs, each a vector of length n0. */
  inputs: number[][];
  /** widths n1..nL (nL is the output dimension). */
  widths: number[];
  /** bias variance C_b, scalar or one per layer (length L). Default 0. */
  cb?: PerLayer;
  /** weight variance C_W, scalar or one per layer. Default 1. */
  cw?: PerLayer;
  /** NTK learning-rate factors: Θ̂ weighs bias gradients by λ_b and weight gradients of layer ℓ by λ_W/n_{ℓ−1}. Defaults λ_b = 1, λ_W = 1. */
  lambdaB?: PerLayer;
  lambdaW?: PerLayer;
}

/**
 * The keys of a spec type, listed once next to its interface. `Record<keyof T, true>` makes the compiler
 * insist on exactly the interface's keys, so a key added to the interface and not here fails to compile.
 */
export function specKeys<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.keys(keys);
}

export const ARCHITECTURE_KEYS = specKeys<ArchitectureSpec>({ activation: true, inputs: true, widths: true, cb: true, cw: true, lambdaB: true, lambdaW: true });

/**
 * Refuse keys of a spec object that its type does not have (a misspelt 'widht' would otherwise be ignored
 * and the default used), suggesting the closest valid key.
 */
export function rejectUnknownKeys(argument: string, obj: unknown, allowed: readonly string[]): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = closestName(key, allowed);
    throw new NnftInputError(
      argument,
      `unknown key '${key}'`,
      `${near !== undefined ? `did you mean '${near}'? ` : ''}valid keys: ${allowed.join(', ')}`,
    );
  }
}

/** A validated spec with every per-layer quantity expanded to an array of length L. */
export interface NormalizedSpec {
  activation: ActivationSpec;
  inputs: number[][];
  m: number;
  n0: number;
  widths: number[];
  L: number;
  cb: number[];
  cw: number[];
  lambdaB: number[];
  lambdaW: number[];
}

function perLayer(name: string, v: PerLayer | undefined, L: number, dflt: number, positive: boolean): number[] {
  const arr = v === undefined ? new Array(L).fill(dflt) : typeof v === 'number' ? new Array(L).fill(v) : v;
  if (!Array.isArray(arr)) throw new NnftInputError(name, `expected a number or an array of ${L} numbers`);
  if (arr.length !== L) {
    throw new NnftInputError(name, `has ${arr.length} entries but there are ${L} layers`, `give one value, or exactly ${L} (one per layer)`);
  }
  return arr.map((x, i) => {
    requireFinite(`${name}[${i}]`, x);
    if (positive ? x <= 0 : x < 0) {
      throw new NnftInputError(`${name}[${i}]`, `must be ${positive ? '> 0' : '≥ 0'}, got ${x}`, positive ? 'a variance C_W must be positive' : 'variances and learning rates cannot be negative');
    }
    return x;
  });
}

/**
 * Validate an architecture spec and expand per-layer values. `extraKeys`: the keys that the caller's spec
 * type adds to ArchitectureSpec (e.g. 'quantities'); any key outside both is refused.
 */
export function normalizeSpec(spec: ArchitectureSpec, extraKeys: readonly string[] = []): NormalizedSpec {
  if (spec === null || typeof spec !== 'object') throw new NnftInputError('spec', 'expected an object');
  rejectUnknownKeys('spec', spec, [...ARCHITECTURE_KEYS, ...extraKeys]);
  const { inputs, widths } = spec;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new NnftInputError('inputs', 'need at least one input (m ≥ 1)', "pass e.g. [[1,0.5],[0.2,-0.9]]");
  }
  const n0 = Array.isArray(inputs[0]) ? inputs[0].length : -1;
  if (n0 < 1) throw new NnftInputError('inputs', 'each input must be a non-empty array of numbers');
  inputs.forEach((x, a) => {
    if (!Array.isArray(x) || x.length !== n0) {
      throw new NnftInputError(`inputs[${a}]`, `has dimension ${Array.isArray(x) ? x.length : 'none'} but inputs[0] has ${n0}`, 'all inputs must have the same dimension n0');
    }
    x.forEach((v, j) => requireFinite(`inputs[${a}][${j}]`, v));
  });
  if (!Array.isArray(widths) || widths.length === 0) {
    throw new NnftInputError('widths', 'need at least one layer', 'pass e.g. [64,64,64]');
  }
  widths.forEach((n, i) => requirePositiveInteger(`widths[${i}]`, n, 'every width must be an integer ≥ 1'));
  const L = widths.length;
  if (spec.activation === undefined || spec.activation === null || spec.activation === '') {
    throw new NnftInputError('activation', 'missing', "pass a registry name such as 'tanh' or an expression in z");
  }
  const cb = perLayer('cb', spec.cb, L, 0, false);
  const cw = perLayer('cw', spec.cw, L, 1, true);
  const lambdaB = perLayer('lambdaB', spec.lambdaB, L, 1, false);
  const lambdaW = perLayer('lambdaW', spec.lambdaW, L, 1, false);
  requireFiniteFirstLayer(inputs, n0, cb[0]!, cw[0]!, lambdaB[0]!, lambdaW[0]!);
  return { activation: spec.activation, inputs: inputs.map((x) => x.slice()), m: inputs.length, n0, widths: widths.slice(), L, cb, cw, lambdaB, lambdaW };
}

/**
 * The first layer's kernel K⁽¹⁾_αα = C_b + C_W x_α·x_α/n0 and NTK Θ⁽¹⁾_αα = λ_b + λ_W x_α·x_α/n0 (PDLT eq. 4.8
 * and the NTK of the first layer) must be finite floating-point numbers; the off-diagonal entries are bounded
 * by the diagonal ones (Cauchy–Schwarz). Names the input when x·x/n0 itself overflows, else C_b or λ_b when the
 * bias term is the larger, else C_W or λ_W.
 */
function requireFiniteFirstLayer(inputs: number[][], n0: number, cb: number, cw: number, lambdaB: number, lambdaW: number): void {
  inputs.forEach((x, a) => {
    let xx = 0;
    for (const v of x) xx += v * v;
    const norm = xx / n0;
    if (!Number.isFinite(norm)) {
      throw new NnftInputError('inputs', `layer 1: x·x/n0 of input ${a} overflows to Infinity (largest |x_j| = ${Math.max(...x.map(Math.abs)).toExponential(3)})`, 'rescale the inputs (|x_j| below ~1e150)');
    }
    // blame the larger of the two terms: the bias term, else the weight coefficient (x·x/n0 itself is finite here)
    if (!Number.isFinite(cb + cw * norm)) {
      const what = `the first layer's kernel C_b + C_W x·x/n0 of input ${a} overflows (C_b = ${cb}, C_W = ${cw}, x·x/n0 = ${norm.toExponential(3)})`;
      if (cb >= cw * norm) throw new NnftInputError('cb', what, 'use a smaller C_b (the bias variance alone is near the largest double, 1.8e308)');
      throw new NnftInputError('cw', what, 'use a smaller C_W or rescale the inputs');
    }
    if (!Number.isFinite(lambdaB + lambdaW * norm)) {
      const what = `the first layer's NTK λ_b + λ_W x·x/n0 of input ${a} overflows (λ_b = ${lambdaB}, λ_W = ${lambdaW}, x·x/n0 = ${norm.toExponential(3)})`;
      if (lambdaB >= lambdaW * norm) throw new NnftInputError('lambdaB', what, 'use a smaller λ_b (the bias learning-rate factor alone is near the largest double, 1.8e308)');
      throw new NnftInputError('lambdaW', what, 'use a smaller λ_W or rescale the inputs');
    }
  });
}
