/**
 * Expressions for Gaussian expectations with index structure (docs/architecture.md, docs/equations.md).
 *
 * An expression is a sum of terms; a term is
 *   rational coefficient × monomial in scalar parameters (C_W, r, λ_W, …)
 *   × tensor factors with index slots (K, K⁻¹, V, K¹, Θ, Θ¹, A, B, D, F, Kronecker δ)
 *   × Gaussian expectations GaussExpec(∂_{γ1}…∂_{γk} Π z_β Π σ^(k)(z_α))
 *   (× a "random" product of z's and σ's not yet inside an expectation — only while building integrands).
 * Indices are names. The expression declares its external (free) indices; every other index is a
 * dummy, summed over all inputs, and must occur exactly twice in a term.
 * Tensors are named by their symbol (tensors.ts: the registered quantities' symbols, 'Kinv', 'delta'); the
 * builders do not import the registry (the quantity definitions use them), and the engine checks names and
 * ranks against it when it receives an expression (tensors.ts validateTensors).
 *
 * Why a hand-written rewriter and not a CAS: the JavaScript CAS packages (nerdamer, mathjs) manipulate
 * scalar expressions; neither knows indexed tensors with slot symmetries, dummy-index renaming, or
 * Gaussian integration by parts (Stein's lemma) inside an expectation. The rules needed here are few and
 * purely combinatorial, so they are written out (ibp.ts, canonical.ts) with exact rational coefficients.
 */
import { NnftInputError } from '../errors.ts';
import { ONE, rat, rmul, rneg, isZero, type Rational } from './rational.ts';

/** A tensor symbol: a registered quantity's symbol (K, Theta, V, K1, …), 'Kinv' (K⁻¹) or 'delta' (Kronecker δ). */
export type TensorName = string;

/** Scalar parameters a term may carry (ctx fields in compiled evaluators). `m` = number of inputs (a trace δ_ii). */
export type ParamName = 'C_W' | 'C_b' | 'r' | 'lambda_W' | 'lambda_b' | 'm';
export const PARAM_NAMES: readonly ParamName[] = ['C_W', 'C_b', 'lambda_W', 'lambda_b', 'm', 'r'];

export interface Tensor {
  readonly name: TensorName;
  readonly idx: readonly string[];
}

/** σ^(order)(z_idx) or a bare z_idx. */
export type RandomFactor =
  | { readonly kind: 'sig'; readonly order: number; readonly idx: string }
  | { readonly kind: 'z'; readonly idx: string };

/** ⟨∂_{derivs[0]} … ∂_{derivs[k−1]} Π factors⟩ over z ~ N(0, K). */
export interface GaussExpec {
  readonly factors: readonly RandomFactor[];
  readonly derivs: readonly string[];
}

export interface Term {
  readonly coef: Rational;
  readonly params: Readonly<Partial<Record<ParamName, number>>>;
  readonly tensors: readonly Tensor[];
  readonly expects: readonly GaussExpec[];
  /** Random factors not yet inside an expectation (builder stage only). */
  readonly random: readonly RandomFactor[];
}

/** A sum of terms with declared external indices. */
export interface Expression {
  readonly externals: readonly string[];
  readonly terms: readonly Term[];
}

/** A builder value: a sum of terms (no externals declared yet). */
export type Sum = Term[];

// ---------------------------------------------------------------- builders

let freshCounter = 0;
/** A new dummy index name, unique in this process (canonical forms rename dummies, so the names never show). */
export function fresh(): string {
  freshCounter += 1;
  return `_${freshCounter}`;
}

const EMPTY: Term = { coef: ONE, params: {}, tensors: [], expects: [], random: [] };

export function num(n: number | bigint, d: number | bigint = 1): Sum {
  return [{ ...EMPTY, coef: rat(n, d) }];
}

export function param(name: ParamName, power = 1): Sum {
  return [{ ...EMPTY, params: { [name]: power } }];
}

/** A tensor factor T_{idx…} (rank and name are checked by the engine, tensors.ts). */
export function tensor(name: TensorName, ...idx: string[]): Sum {
  return [{ ...EMPTY, tensors: [{ name, idx: [...idx] }] }];
}

/** σ^(order)(z_idx) as a random factor. */
export function sig(idx: string, order = 0): Sum {
  if (!Number.isInteger(order) || order < 0) throw new NnftInputError('sig order', `must be an integer ≥ 0, got ${order}`);
  return [{ ...EMPTY, random: [{ kind: 'sig', order, idx }] }];
}

/** A bare preactivation z_idx as a random factor. */
export function z(idx: string): Sum {
  return [{ ...EMPTY, random: [{ kind: 'z', idx }] }];
}

function mulParams(a: Term['params'], b: Term['params']): Term['params'] {
  const out: Partial<Record<ParamName, number>> = { ...a };
  for (const [k, v] of Object.entries(b) as [ParamName, number][]) {
    const s = (out[k] ?? 0) + v;
    if (s === 0) delete out[k];
    else out[k] = s;
  }
  return out;
}

export function mulTerms(a: Term, b: Term): Term {
  return {
    coef: rmul(a.coef, b.coef),
    params: mulParams(a.params, b.params),
    tensors: [...a.tensors, ...b.tensors],
    expects: [...a.expects, ...b.expects],
    random: [...a.random, ...b.random],
  };
}

/** Product of sums (distributes). */
export function mul(...xs: Sum[]): Sum {
  let acc: Sum = [EMPTY];
  for (const x of xs) {
    const next: Sum = [];
    for (const a of acc) for (const b of x) {
      const t = mulTerms(a, b);
      if (!isZero(t.coef)) next.push(t);
    }
    acc = next;
  }
  return acc;
}

export function add(...xs: Sum[]): Sum {
  return xs.flat();
}

export function neg(x: Sum): Sum {
  return x.map((t) => ({ ...t, coef: rneg(t.coef) }));
}

export function sub(a: Sum, b: Sum): Sum {
  return [...a, ...neg(b)];
}

export function scale(x: Sum, n: number | bigint, d: number | bigint = 1): Sum {
  const c = rat(n, d);
  return x.map((t) => ({ ...t, coef: rmul(t.coef, c) })).filter((t) => !isZero(t.coef));
}

/**
 * Gaussian expectation of an integrand, by linearity: ⟨∂_{derivs} (non-random × random)⟩ =
 * non-random × ⟨∂_{derivs} random⟩. A derivative of a constant vanishes; ⟨1⟩ = 1.
 * Inside a GaussExpec the pending derivatives act on the product of its σ factors only; derivatives of
 * the whole integrand that hit a bare z are taken here (∂_γ z_β = δ_γβ), so that convention holds.
 */
export function E(x: Sum, derivs: readonly string[] = []): Sum {
  const out: Sum = [];
  for (const t of x) {
    if (t.random.length === 0) {
      if (derivs.length === 0) out.push(t);
      continue;
    }
    // distribute each derivative over the bare z's (→ δ) or the σ product (stays pending)
    let branches: { zs: RandomFactor[]; deltas: Tensor[]; pending: string[] }[] = [
      { zs: t.random.filter((f) => f.kind === 'z'), deltas: [], pending: [] },
    ];
    const sigs = t.random.filter((f) => f.kind === 'sig');
    for (const d of derivs) {
      const next: typeof branches = [];
      for (const b of branches) {
        if (sigs.length) next.push({ ...b, pending: [...b.pending, d] });
        b.zs.forEach((zf, i) => next.push({ zs: b.zs.filter((_, q) => q !== i), deltas: [...b.deltas, { name: 'delta', idx: [d, zf.idx] }], pending: b.pending }));
      }
      branches = next;
    }
    for (const b of branches) {
      const factors = [...sigs, ...b.zs];
      const expects = factors.length ? [...t.expects, { factors, derivs: b.pending }] : [...t.expects];
      out.push({ ...t, random: [], tensors: [...t.tensors, ...b.deltas], expects });
    }
  }
  return out;
}

/** Declare the external indices; validates index pairing (see validateExpression). */
export function expression(externals: readonly string[], x: Sum): Expression {
  const e: Expression = { externals: [...externals], terms: x };
  validateExpression(e);
  return e;
}

// ---------------------------------------------------------------- index bookkeeping

/** Every index occurrence of a term, in a fixed order (tensors, expectations, random factors). */
export function termIndices(t: Term): string[] {
  const out: string[] = [];
  for (const T of t.tensors) out.push(...T.idx);
  for (const g of t.expects) {
    for (const f of g.factors) out.push(f.idx);
    out.push(...g.derivs);
  }
  for (const f of t.random) out.push(f.idx);
  return out;
}

/**
 * Throws NnftInputError unless every non-external index of every term occurs exactly twice (a summed
 * pair). Tensor names and ranks are checked by tensors.ts validateTensors.
 */
export function validateExpression(e: Expression): void {
  const ext = new Set(e.externals);
  if (ext.size !== e.externals.length) throw new NnftInputError('externals', `repeated external index in [${e.externals.join(', ')}]`);
  e.terms.forEach((t, k) => {
    const count = new Map<string, number>();
    for (const i of termIndices(t)) count.set(i, (count.get(i) ?? 0) + 1);
    for (const [i, c] of count) {
      if (ext.has(i)) continue;
      if (c === 1) {
        throw new NnftInputError(
          `term ${k + 1}`,
          `index '${i}' is unpaired (it occurs once and is not an external index [${e.externals.join(', ')}])`,
          'sum it against a second slot, or declare it external',
        );
      }
      if (c !== 2) throw new NnftInputError(`term ${k + 1}`, `dummy index '${i}' occurs ${c} times; a summed index must occur exactly twice`);
    }
  });
}
