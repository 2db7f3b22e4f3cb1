/**
 * The group-convolutional architecture (docs/gcnn.md): a lifting layer, group convolutions, pointwise σ,
 * group pooling — in the toolkit's conventions (PDLT normalisation; Roberts, Yaida, Hanin,
 * *The Principles of Deep Learning Theory*, ch. 2 and 8), channels in the role of width:
 *
 *   z⁽¹⁾_i(f, g)   = b⁽¹⁾_i + Σ_{y ∈ S₁} Σ_c W⁽¹⁾_{ic}(y) f_c(g·y),                 Var W⁽¹⁾ = C_W/(C₀|S₁|)
 *   z⁽ˡ⁺¹⁾_i(f, g) = b⁽ˡ⁺¹⁾_i + Σ_{k ∈ S_{ℓ+1}} Σ_j W⁽ˡ⁺¹⁾_{ij}(k) σ(z⁽ˡ⁾_j(f, g·k)),  Var W⁽ˡ⁺¹⁾ = C_W/(n_ℓ|S_{ℓ+1}|)
 *   z̄_i(f)         = (1/|G|) Σ_g z⁽ᴸ⁾_i(f, g)                                        (group pooling)
 *
 * Var b = C_b; NTK factors λ_b for biases and λ_W/(fan-in) for weights, fan-in = C₀|S₁| for the lifting layer
 * and n_ℓ|S_{ℓ+1}| for group convolutions. A pair index α = (f_a, g) is stored as α = a·|G| + g.
 */
import { NnftInputError, requirePositiveInteger } from '../errors.ts';
import { normalizeSpec, type ActivationSpec, type PerLayer } from '../spec.ts';
import { groupSupport, liftingSupport, parseGroup, parseSupport, type FiniteGroup, type SupportSpec } from './groups.ts';

/** A signal on X: C_N — number[N] (one channel) or number[N][C0]; p4:N — number[N][N] or number[N][N][C0]. */
export type Signal = number[] | number[][] | number[][][];

export interface GcnnSpec {
  activation: ActivationSpec;
  /** 'C8', 'p4:6', 'C1' (groups.ts) */
  group: string;
  /** m input signals on X */
  inputs: Signal[];
  /** channels n1..nL (nL = output channels, pooled at the end) */
  channels: number[];
  /** filter support: 'global' | 'local:k', one for all layers or one per layer (the first is the lifting layer's). Default 'global'. */
  support?: string | string[];
  cb?: PerLayer;
  cw?: PerLayer;
  lambdaB?: PerLayer;
  lambdaW?: PerLayer;
}

export interface NormalizedGcnn {
  activation: ActivationSpec;
  group: FiniteGroup;
  /** number of input signals */
  m: number;
  /** input channels C₀ */
  C0: number;
  L: number;
  channels: number[];
  cb: number[];
  cw: number[];
  lambdaB: number[];
  lambdaW: number[];
  /** flat signals f[x·C0 + c] */
  signals: Float64Array[];
  /** per layer (index 0 = lifting layer) */
  supports: SupportSpec[];
  /** S₁ ⊂ X as point indices */
  liftSupport: Int32Array;
  /** S_ℓ ⊂ G as element indices for ℓ = 2..L at index ℓ−1 (index 0: empty) */
  convSupports: Int32Array[];
  /** number of (input, group element) pairs m·|G| */
  pairs: number;
}

function isNumArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

/** Flatten one signal to f[x·C0 + c]; returns its channel count. */
function flattenSignal(G: FiniteGroup, s: unknown, a: number): { f: Float64Array; C0: number } {
  const where = `inputs[${a}]`;
  const need = G.kind === 'cyclic' ? `an array of ${G.spaceShape[0]} numbers or ${G.spaceShape[0]} channel vectors` : `an ${G.spaceShape[0]}×${G.spaceShape[0]} image (array of rows), optionally with a channel vector per pixel`;
  const bad = (why: string): never => {
    throw new NnftInputError(where, `${why}; ${G.name} signals are ${need}`, G.kind === 'cyclic' ? "e.g. [[0,1,0,0,0,0,0,0]] for one C8 signal" : 'e.g. a 6×6 array for p4:6');
  };
  if (!Array.isArray(s)) bad('not an array');
  const arr = s as unknown[];
  const N = G.spaceShape[0]!;
  const cells: unknown[] = [];
  if (G.kind === 'cyclic') {
    if (arr.length !== N) bad(`has length ${arr.length}`);
    cells.push(...arr);
  } else {
    if (arr.length !== N) bad(`has ${arr.length} rows`);
    for (const row of arr) {
      if (!Array.isArray(row) || row.length !== N) bad('a row has the wrong length');
      cells.push(...(row as unknown[]));
    }
  }
  const scalar = cells.every((c) => typeof c === 'number');
  const C0 = scalar ? 1 : Array.isArray(cells[0]) ? (cells[0] as unknown[]).length : 0;
  if (!scalar && (C0 < 1 || !cells.every((c) => isNumArray(c) && c.length === C0))) bad('mixes numbers and channel vectors or has unequal channel counts');
  const f = new Float64Array(G.spaceSize * C0);
  cells.forEach((c, x) => {
    const vals = scalar ? [c as number] : (c as number[]);
    vals.forEach((v, k) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) bad(`entry ${x} is not a finite number`);
      f[x * C0 + k] = v;
    });
  });
  return { f, C0 };
}

/** Validate and expand a GCNN spec (NnftInputError naming the argument otherwise). */
export function normalizeGcnn(spec: GcnnSpec): NormalizedGcnn {
  if (spec === null || typeof spec !== 'object') throw new NnftInputError('spec', 'expected an object');
  const group = parseGroup(spec.group);
  if (!Array.isArray(spec.inputs) || spec.inputs.length === 0) {
    throw new NnftInputError('inputs', 'need at least one input signal', group.kind === 'cyclic' ? `pass e.g. [[1,0,0,…]] (${group.spaceShape[0]} numbers per signal)` : 'pass a list of N×N images');
  }
  const flat = spec.inputs.map((s, a) => flattenSignal(group, s, a));
  const C0 = flat[0]!.C0;
  flat.forEach((x, a) => {
    if (x.C0 !== C0) throw new NnftInputError(`inputs[${a}]`, `has ${x.C0} channels but inputs[0] has ${C0}`, 'all signals need the same number of channels');
  });
  if (!Array.isArray(spec.channels) || spec.channels.length === 0) throw new NnftInputError('channels', 'need at least one layer', 'pass e.g. 64,64,64');
  spec.channels.forEach((n, i) => requirePositiveInteger(`channels[${i}]`, n, 'every channel count must be an integer ≥ 1'));
  // per-layer parameters and finiteness through the MLP spec (same rules, same messages)
  const base = normalizeSpec({
    activation: spec.activation,
    inputs: flat.map((x) => Array.from(x.f)),
    widths: spec.channels,
    cb: spec.cb,
    cw: spec.cw,
    lambdaB: spec.lambdaB,
    lambdaW: spec.lambdaW,
  });
  const L = base.L;
  const sup = spec.support ?? 'global';
  const list = typeof sup === 'string' ? sup.split(',').map((s) => s.trim()) : sup;
  if (!Array.isArray(list) || (list.length !== 1 && list.length !== L)) {
    throw new NnftInputError('support', `has ${Array.isArray(list) ? list.length : 'no'} entries but there are ${L} layers`, `give one support for all layers or exactly ${L} (the first is the lifting layer's)`);
  }
  const supports = Array.from({ length: L }, (_, l) => parseSupport(String(list.length === 1 ? list[0] : list[l]), 'support'));
  const convSupports: Int32Array[] = [new Int32Array(0)];
  for (let l = 1; l < L; l++) convSupports.push(groupSupport(group, supports[l]!));
  return {
    activation: spec.activation,
    group,
    m: flat.length,
    C0,
    L,
    channels: base.widths,
    cb: base.cb,
    cw: base.cw,
    lambdaB: base.lambdaB,
    lambdaW: base.lambdaW,
    signals: flat.map((x) => x.f),
    supports,
    liftSupport: liftingSupport(group, supports[0]!),
    convSupports,
    pairs: flat.length * group.order,
  };
}

/** The support of layer ℓ (1-based) as written: 'global' or 'local:k'. */
export function supportName(s: SupportSpec): string {
  return s.kind === 'global' ? 'global' : `local:${s.radius}`;
}

/**
 * Lifted input of pair (a, g): the vector v[yi·C0 + c] = f_a(g·y)_c over y = S₁[yi] — the lifting layer is an
 * MLP first layer on these vectors with fan-in C₀|S₁|.
 */
export function liftedInput(ns: NormalizedGcnn, a: number, g: number, out?: Float64Array): Float64Array {
  const { C0, liftSupport: S1 } = ns;
  const v = out ?? new Float64Array(S1.length * C0);
  const f = ns.signals[a]!;
  const t = liftTable(ns);
  const s = S1.length;
  for (let yi = 0; yi < s; yi++) {
    const x = t[g * s + yi]!;
    for (let c = 0; c < C0; c++) v[yi * C0 + c] = f[x * C0 + c]!;
  }
  return v;
}

const liftTables = new WeakMap<NormalizedGcnn, Int32Array>();
/** lift[g·|S₁| + yi] = g·S₁[yi] (cached per normalised spec). */
export function liftTable(ns: NormalizedGcnn): Int32Array {
  let t = liftTables.get(ns);
  if (!t) {
    const G = ns.group;
    const S1 = ns.liftSupport;
    t = new Int32Array(G.order * S1.length);
    for (let g = 0; g < G.order; g++) for (let yi = 0; yi < S1.length; yi++) t[g * S1.length + yi] = G.act(g, S1[yi]!);
    liftTables.set(ns, t);
  }
  return t;
}

/** Right multiplication table for a support: out[g·|S| + ki] = g·S[ki]. */
export function shiftTable(G: FiniteGroup, S: Int32Array): Int32Array {
  const t = new Int32Array(G.order * S.length);
  for (let g = 0; g < G.order; g++) for (let k = 0; k < S.length; k++) t[g * S.length + k] = G.mul(g, S[k]!);
  return t;
}

function sameSet(a: readonly number[], b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(b);
  return a.every((x) => s.has(x));
}

/**
 * Right translations k under which the statistics are exactly invariant: the ensemble of z⁽ˡ⁾(f, g·k) has the
 * distribution of z⁽ˡ⁾(f, g) when the lifting filter is global or k·S₁ = S₁, and — for joint statistics of
 * more than one filter application (four-point functions, the NTK variance) — every group-convolution support
 * is normalised, k S_ℓ k⁻¹ = S_ℓ. For two-point functions (K, Θ) a global lifting layer alone makes every
 * layer invariant under all of G (docs/gcnn.md, "Symmetries of the kernels"). Returns the sorted elements.
 */
export function rightInvariance(ns: NormalizedGcnn, points: 2 | 4): number[] {
  const G = ns.group;
  const liftGlobal = ns.liftSupport.length === G.spaceSize;
  if (liftGlobal && points === 2) return Array.from({ length: G.order }, (_, k) => k);
  const out: number[] = [];
  for (let k = 0; k < G.order; k++) {
    if (!liftGlobal && !sameSet(Array.from(ns.liftSupport, (y) => G.act(k, y)), ns.liftSupport)) continue;
    let ok = true;
    const ki = G.inv(k);
    for (let l = 1; l < ns.L && ok; l++) {
      const S = ns.convSupports[l]!;
      if (S.length === G.order) continue;
      ok = sameSet(Array.from(S, (h) => G.mul(G.mul(k, h), ki)), S);
    }
    if (ok) out.push(k);
  }
  return out;
}
