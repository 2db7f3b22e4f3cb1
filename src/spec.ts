/**
 * The architecture spec shared by the recursion solver, the Monte Carlo sampler and the CLI
 * (docs/conventions.md): a deep MLP z^(ℓ+1) = b + W σ(z^(ℓ)) on m inputs of dimension n0.
 */
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
  /** NTK learning-rate factors λ_b, λ_W (docs/conventions.md). Defaults λ_b = 1, λ_W = 1. */
  lambdaB?: PerLayer;
  lambdaW?: PerLayer;
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

export function normalizeSpec(spec: ArchitectureSpec): NormalizedSpec {
  if (spec === null || typeof spec !== 'object') throw new NnftInputError('spec', 'expected an object');
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
  return {
    activation: spec.activation,
    inputs: inputs.map((x) => x.slice()),
    m: inputs.length,
    n0,
    widths: widths.slice(),
    L,
    cb: perLayer('cb', spec.cb, L, 0, false),
    cw: perLayer('cw', spec.cw, L, 1, true),
    lambdaB: perLayer('lambdaB', spec.lambdaB, L, 1, false),
    lambdaW: perLayer('lambdaW', spec.lambdaW, L, 1, false),
  };
}
