/**
 * Canonical form of terms, so that equal terms collect and counts are exact.
 *
 * A term's canonical key is the lexicographically smallest string over (a) all namings of its dummy
 * indices d1, d2, … and (b) for each tensor, all index orders allowed by its slot symmetries (DESIGN §3):
 *   K, K⁻¹, K¹, Θ, Θ¹, δ   symmetric;
 *   V, A                   V_(ab)(cd) = V_(ba)(cd) = V_(ab)(dc) = V_(cd)(ab)   (8 orders);
 *   B_abcd                 = B_cdab = B_badc = B_dcba        (swap of the two Θ̂'s; joint (i,α) swaps);
 *   D_abcd                 = D_bacd = D_abdc                  (NTK slots a,b; z slots c,d);
 *   F_abcd                 = F_cdab                           (NTK a,c; z b,d).
 * Factors inside an expectation commute, and so do expectations and tensors.
 * External indices sort before dummies, in the declared order.
 */
import { ONE, isZero, radd, type Rational } from './rational.ts';
import type { Expression, GaussExpec, RandomFactor, Tensor, TensorName, Term, ParamName } from './expr.ts';
import { PARAM_NAMES, validateExpression } from './expr.ts';
import { reduceExpression, type ReduceMode } from './ibp.ts';

function closeGroup(gens: number[][], n: number): number[][] {
  const id = Array.from({ length: n }, (_, i) => i);
  const seen = new Map<string, number[]>([[id.join(), id]]);
  const queue = [id];
  while (queue.length) {
    const p = queue.pop()!;
    for (const g of gens) {
      const q = g.map((s) => p[s]);
      const k = q.join();
      if (!seen.has(k)) {
        seen.set(k, q);
        queue.push(q);
      }
    }
  }
  return [...seen.values()].sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

const SYM2 = closeGroup([[1, 0]], 2);
const SYM_V = closeGroup([[1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1]], 4);

/** Slot permutations p under which T[idx] = T[p.map(s => idx[s])]. */
export const TENSOR_SYMMETRY: Readonly<Record<TensorName, readonly (readonly number[])[]>> = {
  K: SYM2,
  Kinv: SYM2,
  K1: SYM2,
  Theta: SYM2,
  Theta1: SYM2,
  delta: SYM2,
  V: SYM_V,
  A: SYM_V,
  B: closeGroup([[2, 3, 0, 1], [1, 0, 3, 2]], 4),
  D: closeGroup([[1, 0, 2, 3], [0, 1, 3, 2]], 4),
  F: closeGroup([[2, 3, 0, 1]], 4),
};

function* permutations(n: number): Generator<number[]> {
  const a = Array.from({ length: n }, (_, i) => i);
  yield a.slice();
  // Heap's algorithm
  const c = new Array(n).fill(0);
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      if (i % 2 === 0) [a[0], a[i]] = [a[i], a[0]];
      else [a[c[i]], a[i]] = [a[i], a[c[i]]];
      yield a.slice();
      c[i] += 1;
      i = 0;
    } else {
      c[i] = 0;
      i += 1;
    }
  }
}

export function paramsKey(p: Term['params']): string {
  return PARAM_NAMES.filter((k) => p[k]).map((k) => `${k}^${p[k]}`).join('*');
}

function factorKey(f: RandomFactor, name: (i: string) => string): string {
  return f.kind === 'sig' ? `s${f.order}:${name(f.idx)}` : `z:${name(f.idx)}`;
}

interface Canon {
  key: string;
  term: Term;
}

function canonUnder(t: Term, name: (i: string) => string, display: (i: string) => string): Canon {
  const tensors: { key: string; T: Tensor }[] = t.tensors.map((T) => {
    let best = '';
    let bestIdx: string[] = [];
    for (const p of TENSOR_SYMMETRY[T.name]) {
      const idx = p.map((s) => T.idx[s]);
      const k = idx.map(name).join(',');
      if (best === '' || k < best) {
        best = k;
        bestIdx = idx;
      }
    }
    return { key: `${T.name}(${best})`, T: { name: T.name, idx: bestIdx.map(display) } };
  });
  tensors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const expects: { key: string; g: GaussExpec }[] = t.expects.map((g) => {
    const fs = g.factors.map((f) => ({ k: factorKey(f, name), f: { ...f, idx: display(f.idx) } as RandomFactor }));
    fs.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    const ds = g.derivs.map((d) => ({ k: name(d), d: display(d) }));
    ds.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    return { key: `<${fs.map((x) => x.k).join('*')}|${ds.map((x) => x.k).join(',')}>`, g: { factors: fs.map((x) => x.f), derivs: ds.map((x) => x.d) } };
  });
  expects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rnd = t.random.map((f) => ({ k: factorKey(f, name), f: { ...f, idx: display(f.idx) } as RandomFactor }));
  rnd.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const key = `${paramsKey(t.params)}#${expects.map((x) => x.key).join('')}#${tensors.map((x) => x.key).join('')}#${rnd.map((x) => x.k).join('*')}`;
  return {
    key,
    term: { coef: t.coef, params: t.params, tensors: tensors.map((x) => x.T), expects: expects.map((x) => x.g), random: rnd.map((x) => x.f) },
  };
}

/** Dummy indices of a term, in order of first occurrence. */
export function dummiesOf(t: Term, ext: ReadonlySet<string>): string[] {
  const seen: string[] = [];
  const visit = (i: string) => {
    if (!ext.has(i) && !seen.includes(i)) seen.push(i);
  };
  for (const T of t.tensors) T.idx.forEach(visit);
  for (const g of t.expects) {
    g.factors.forEach((f) => visit(f.idx));
    g.derivs.forEach(visit);
  }
  t.random.forEach((f) => visit(f.idx));
  return seen;
}

/** Canonical key and canonically written term (dummies renamed d1, d2, …). */
export function canonicalTerm(t: Term, externals: readonly string[]): Canon {
  const ext = new Set(externals);
  const rank = new Map(externals.map((e, i) => [e, `a${String(i).padStart(3, '0')}`]));
  const dummies = dummiesOf(t, ext);
  let best: Canon | undefined;
  for (const perm of permutations(dummies.length)) {
    const dmap = new Map(dummies.map((d, i) => [d, perm[i]]));
    const name = (i: string) => rank.get(i) ?? `z${String(dmap.get(i)).padStart(3, '0')}`;
    const display = (i: string) => (rank.has(i) ? i : `d${dmap.get(i)! + 1}`);
    const c = canonUnder(t, name, display);
    if (!best || c.key < best.key) best = c;
  }
  return best!;
}

/** Canonicalise every term and collect equal ones (exact rational sums; zero terms dropped). */
export function collect(e: Expression): Expression {
  const acc = new Map<string, { term: Term; coef: Rational }>();
  for (const t of e.terms) {
    const c = canonicalTerm(t, e.externals);
    const prev = acc.get(c.key);
    if (prev) prev.coef = radd(prev.coef, t.coef);
    else acc.set(c.key, { term: c.term, coef: t.coef });
  }
  const keys = [...acc.keys()].sort();
  const terms: Term[] = [];
  for (const k of keys) {
    const { term, coef } = acc.get(k)!;
    if (!isZero(coef)) terms.push({ ...term, coef });
  }
  return { externals: e.externals, terms };
}

/** Integration by parts to normal form (see ReduceMode), then canonical collection. */
export function simplify(e: Expression, mode: ReduceMode = 'expanded'): Expression {
  validateExpression(e);
  return collect(reduceExpression(e, mode));
}

/** Canonical keys of the terms, with coefficients: equal iff the expressions are equal term by term. */
export function canonicalSignature(e: Expression): string[] {
  return collect(e).terms.map((t) => `${t.coef.n}/${t.coef.d}·${canonicalTerm(t, e.externals).key}`);
}

export function expressionsEqual(a: Expression, b: Expression, mode: ReduceMode = 'expanded'): boolean {
  if (a.externals.join() !== b.externals.join()) return false;
  const sa = canonicalSignature(simplify(a, mode));
  const sb = canonicalSignature(simplify(b, mode));
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

export { ONE };
export type { ParamName };
