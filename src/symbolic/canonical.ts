/**
 * Canonical form of terms, so that equal terms collect and counts are exact.
 *
 * A term's canonical key is the lexicographically smallest string over (a) all namings of its dummy
 * indices d1, d2, … and (b) for each tensor, all index orders allowed by its slot symmetries (tensors.ts,
 * from the registry src/quantities.ts; e.g. V_(ab)(cd) = V_(ba)(cd) = V_(ab)(dc) = V_(cd)(ab), 8 orders).
 * Factors inside an expectation commute, and so do expectations and tensors.
 * External indices sort before dummies, in the declared order.
 */
import { ONE, isZero, radd, type Rational } from './rational.ts';
import type { Expression, GaussExpec, RandomFactor, Tensor, Term, ParamName } from './expr.ts';
import { PARAM_NAMES, validateExpression } from './expr.ts';
import { reduceExpression, type ReduceMode } from './ibp.ts';
import { tensorSymmetry, validateTensors } from './tensors.ts';

function* permutations(n: number): Generator<number[]> {
  const a = Array.from({ length: n }, (_, i) => i);
  yield a.slice();
  // Heap's algorithm
  const c = new Array(n).fill(0);
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      if (i % 2 === 0) [a[0], a[i]] = [a[i]!, a[0]!];
      else [a[c[i]], a[i]] = [a[i]!, a[c[i]]!];
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

interface Canon {
  key: string;
  term: Term;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical key of t when its indices are named by `nm` (externals a000…, dummies z000…). */
function keyUnder(t: Term, nm: ReadonlyMap<string, string>, pk: string): string {
  const ts: string[] = [];
  for (const T of t.tensors) {
    let best = '';
    for (const p of tensorSymmetry(T.name)) {
      let k = nm.get(T.idx[p[0]!]!)!;
      for (let q = 1; q < p.length; q++) k += ',' + nm.get(T.idx[p[q]!]!)!;
      if (best === '' || k < best) best = k;
    }
    ts.push(`${T.name}(${best})`);
  }
  ts.sort(cmp);
  const es: string[] = [];
  for (const g of t.expects) {
    const fs = g.factors.map((f) => (f.kind === 'sig' ? `s${f.order}:${nm.get(f.idx)}` : `z:${nm.get(f.idx)}`)).sort(cmp);
    const ds = g.derivs.map((d) => nm.get(d)!).sort(cmp);
    es.push(`<${fs.join('*')}|${ds.join(',')}>`);
  }
  es.sort(cmp);
  const rs = t.random.map((f) => (f.kind === 'sig' ? `s${f.order}:${nm.get(f.idx)}` : `z:${nm.get(f.idx)}`)).sort(cmp);
  return `${pk}#${es.join('')}#${ts.join('')}#${rs.join('*')}`;
}

/** The term written canonically under a naming (display names: externals as given, dummies d1, d2, …). */
function termUnder(t: Term, nm: ReadonlyMap<string, string>, display: ReadonlyMap<string, string>): Term {
  const tensors = t.tensors.map((T) => {
    let best = '';
    let bestIdx: readonly string[] = T.idx;
    for (const p of tensorSymmetry(T.name)) {
      const idx = p.map((s) => T.idx[s]!);
      const k = idx.map((i) => nm.get(i)!).join(',');
      if (best === '' || k < best) {
        best = k;
        bestIdx = idx;
      }
    }
    return { key: `${T.name}(${best})`, T: { name: T.name, idx: bestIdx.map((i) => display.get(i)!) } as Tensor };
  });
  tensors.sort((a, b) => cmp(a.key, b.key));
  const fkey = (f: RandomFactor) => (f.kind === 'sig' ? `s${f.order}:${nm.get(f.idx)}` : `z:${nm.get(f.idx)}`);
  const expects = t.expects.map((g) => {
    const fs = g.factors.map((f) => ({ k: fkey(f), f: { ...f, idx: display.get(f.idx)! } as RandomFactor })).sort((a, b) => cmp(a.k, b.k));
    const ds = g.derivs.map((d) => ({ k: nm.get(d)!, d: display.get(d)! })).sort((a, b) => cmp(a.k, b.k));
    return { key: `<${fs.map((x) => x.k).join('*')}|${ds.map((x) => x.k).join(',')}>`, g: { factors: fs.map((x) => x.f), derivs: ds.map((x) => x.d) } as GaussExpec };
  });
  expects.sort((a, b) => cmp(a.key, b.key));
  const rnd = t.random.map((f) => ({ k: fkey(f), f: { ...f, idx: display.get(f.idx)! } as RandomFactor })).sort((a, b) => cmp(a.k, b.k));
  return { coef: t.coef, params: t.params, tensors: tensors.map((x) => x.T), expects: expects.map((x) => x.g), random: rnd.map((x) => x.f) };
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

/**
 * A renaming-invariant description of where a dummy occurs: for each occurrence, the kind of factor and the
 * factor written with every dummy blanked. Canonical names are handed out block by block in the order of
 * these descriptors, so only permutations inside a block of equal descriptors need to be tried.
 */
function dummyDescriptors(t: Term, dummies: readonly string[], nmBlank: ReadonlyMap<string, string>): Map<string, string> {
  const occ = new Map<string, string[]>(dummies.map((d) => [d, []]));
  for (const T of t.tensors) {
    let best = '';
    for (const p of tensorSymmetry(T.name)) {
      const k = p.map((s) => nmBlank.get(T.idx[s]!)!).join(',');
      if (best === '' || k < best) best = k;
    }
    for (const i of T.idx) occ.get(i)?.push(`T:${T.name}(${best})`);
  }
  for (const g of t.expects) {
    const body = g.factors.map((f) => (f.kind === 'sig' ? `s${f.order}:${nmBlank.get(f.idx)}` : `z:${nmBlank.get(f.idx)}`)).sort(cmp).join('*');
    const gk = `<${body}|${g.derivs.length}>`;
    for (const f of g.factors) occ.get(f.idx)?.push(`F${f.kind}${f.kind === 'sig' ? f.order : ''}:${gk}`);
    for (const d of g.derivs) occ.get(d)?.push(`D:${gk}`);
  }
  for (const f of t.random) occ.get(f.idx)?.push(`R${f.kind}`);
  return new Map([...occ].map(([d, xs]) => [d, xs.sort(cmp).join('&')]));
}

/**
 * Memo of canonical forms by the term's literal structure with dummies renamed in order of first
 * occurrence: terms generated the same way (the ones that will collect) hit it and skip the search.
 */
const canonMemo = new Map<string, Canon>();

/** Forget memoised canonical forms (benchmarks time derivations from scratch). */
export function clearCanonicalMemo(): void {
  canonMemo.clear();
}

function literalKey(t: Term, externals: readonly string[], ext: ReadonlySet<string>): string {
  const ren = new Map<string, string>();
  const n = (i: string) => {
    if (ext.has(i)) return i;
    let r = ren.get(i);
    if (r === undefined) {
      r = `~${ren.size}`;
      ren.set(i, r);
    }
    return r;
  };
  let k = `${externals.join(',')}|${paramsKey(t.params)}|`;
  for (const T of t.tensors) k += `${T.name}(${T.idx.map(n).join(',')})`;
  for (const g of t.expects) k += `<${g.factors.map((f) => (f.kind === 'sig' ? `s${f.order}:${n(f.idx)}` : `z:${n(f.idx)}`)).join('*')}|${g.derivs.map(n).join(',')}>`;
  for (const f of t.random) k += `r${f.kind === 'sig' ? `s${f.order}` : 'z'}:${n(f.idx)}`;
  return k;
}

/** Canonical key and canonically written term (dummies renamed d1, d2, …). */
export function canonicalTerm(t: Term, externals: readonly string[]): Canon {
  const ext = new Set(externals);
  const lk = literalKey(t, externals, ext);
  const hit = canonMemo.get(lk);
  if (hit) return { key: hit.key, term: { ...hit.term, coef: t.coef } };
  const c = canonicalTermUncached(t, externals, ext);
  if (canonMemo.size > 100_000) canonMemo.clear();
  canonMemo.set(lk, c);
  return c;
}

function canonicalTermUncached(t: Term, externals: readonly string[], ext: ReadonlySet<string>): Canon {
  const base = new Map(externals.map((e, i) => [e, `a${String(i).padStart(3, '0')}`]));
  const display = new Map(externals.map((e) => [e, e]));
  const dummies = dummiesOf(t, ext);
  const pk = paramsKey(t.params);
  if (!dummies.length) return { key: keyUnder(t, base, pk), term: termUnder(t, base, display) };
  const blank = new Map(base);
  for (const d of dummies) blank.set(d, '_');
  const desc = dummyDescriptors(t, dummies, blank);
  const order = [...dummies].sort((x, y) => cmp(desc.get(x)!, desc.get(y)!));
  // blocks of equal descriptors; canonical slot numbers 0.. handed out block by block
  const blocks: string[][] = [];
  for (const d of order) {
    const last = blocks[blocks.length - 1];
    if (last && desc.get(last[0]!) === desc.get(d)) last.push(d);
    else blocks.push([d]);
  }
  const names = dummies.map((_, i) => `z${String(i).padStart(3, '0')}`);
  let bestKey = '';
  let bestNm: Map<string, string> | undefined;
  const nm = new Map(base);
  const rec = (b: number, offset: number): void => {
    if (b === blocks.length) {
      const k = keyUnder(t, nm, pk);
      if (!bestNm || k < bestKey) {
        bestKey = k;
        bestNm = new Map(nm);
      }
      return;
    }
    const blk = blocks[b]!;
    for (const perm of permutations(blk.length)) {
      blk.forEach((d, i) => nm.set(d, names[offset + perm[i]!]!));
      rec(b + 1, offset + blk.length);
    }
  };
  rec(0, 0);
  const disp = new Map(display);
  for (const d of dummies) disp.set(d, `d${Number(bestNm!.get(d)!.slice(1)) + 1}`);
  return { key: bestKey, term: termUnder(t, bestNm!, disp) };
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
  const sig: string[] = [];
  for (const k of keys) {
    const { term, coef } = acc.get(k)!;
    if (!isZero(coef)) {
      terms.push({ ...term, coef });
      sig.push(`${coef.num}/${coef.den}·${k}`);
    }
  }
  const out: Expression = { externals: e.externals, terms };
  signatures.set(out, sig);
  return out;
}

/** Signatures of expressions produced by collect (so they are not canonicalised twice). */
const signatures = new WeakMap<Expression, string[]>();

/** Integration by parts to normal form (see ReduceMode), then canonical collection. */
export function simplify(e: Expression, mode: ReduceMode = 'expanded'): Expression {
  validateExpression(e);
  validateTensors(e);
  return collect(reduceExpression(e, mode));
}

/** Canonical keys of the terms, with coefficients: equal iff the expressions are equal term by term. */
export function canonicalSignature(e: Expression): string[] {
  const hit = signatures.get(e);
  if (hit) return hit;
  return signatures.get(collect(e))!;
}

export function expressionsEqual(a: Expression, b: Expression, mode: ReduceMode = 'expanded'): boolean {
  if (a.externals.join() !== b.externals.join()) return false;
  const sa = canonicalSignature(simplify(a, mode));
  const sb = canonicalSignature(simplify(b, mode));
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

export { ONE };
export type { ParamName };
