/**
 * The rewriting rules of Gaussian integration by parts (docs/equations.md), applied to a term until it is in normal form:
 *  1. derivative:  ∂_γ σ^(k)(z_α) = δ_{γα} σ^(k+1)(z_α),  ∂_γ z_β = δ_{γβ}, product rule over the integrand;
 *  2. Stein:       ⟨z_β F⟩ = Σ_γ K_{βγ} ⟨∂_γ F⟩ (γ a new dummy), until no bare z remains;
 *  3. Kronecker:   δ_{γα} with γ summed → rename γ to α; δ_{γγ} summed → m (number of inputs);
 *  4. inverse:     K^{ιγ} K_{γκ} → δ_ικ (γ summed), then rule 3;
 *  5. ⟨1⟩ = 1.
 * Normal form: no bare z, no K⁻¹ contracted with K, no δ carrying a dummy, and (mode 'expanded') no
 * pending derivative. Pending derivatives act on the σ product of their GaussExpec (see expr.ts E).
 */
import { NnftInputError } from '../errors.ts';
import { mulTerms, fresh, type Expression, type GaussExpec, type RandomFactor, type Term, type Tensor, validateExpression } from './expr.ts';
import { ONE } from './rational.ts';

function renameInTerm(t: Term, from: string, to: string): Term {
  const r = (i: string) => (i === from ? to : i);
  return {
    ...t,
    tensors: t.tensors.map((T) => ({ name: T.name, idx: T.idx.map(r) })),
    expects: t.expects.map((g) => ({ factors: g.factors.map((f) => ({ ...f, idx: r(f.idx) })), derivs: g.derivs.map(r) })),
    random: t.random.map((f) => ({ ...f, idx: r(f.idx) })),
  };
}

/** Contract every Kronecker δ that carries a dummy index (rule 3). */
function contractDeltas(t: Term, ext: ReadonlySet<string>): Term {
  for (;;) {
    const k = t.tensors.findIndex((T) => T.name === 'delta' && (!ext.has(T.idx[0]!) || !ext.has(T.idx[1]!) || T.idx[0] === T.idx[1]));
    if (k < 0) return t;
    const { idx } = t.tensors[k]!;
    const i = idx[0]!; // a δ carries exactly two indices
    const j = idx[1]!;
    const rest: Term = { ...t, tensors: t.tensors.filter((_, q) => q !== k) };
    if (i === j) {
      // δ_ii: an external i gives 1; a summed i gives the trace m.
      t = ext.has(i) ? rest : mulTerms(rest, { coef: ONE, params: { m: 1 }, tensors: [], expects: [], random: [] });
    } else if (!ext.has(i)) t = renameInTerm(rest, i, j);
    else t = renameInTerm(rest, j, i);
  }
}

/** K^{ιγ} K_{γκ} → δ_{ικ} for a summed γ (rule 4), then δ contraction. */
function contractInverses(t: Term, ext: ReadonlySet<string>): Term {
  for (;;) {
    let done = true;
    outer: for (let p = 0; p < t.tensors.length; p++) {
      const P = t.tensors[p]!;
      if (P.name !== 'Kinv') continue;
      for (let s = 0; s < 2; s++) {
        const g = P.idx[s]!;
        if (ext.has(g)) continue;
        for (let q = 0; q < t.tensors.length; q++) {
          const Q = t.tensors[q]!;
          if (q === p || Q.name !== 'K') continue;
          const u = Q.idx.indexOf(g);
          if (u < 0) continue;
          const delta: Tensor = { name: 'delta', idx: [P.idx[1 - s]!, Q.idx[1 - u]!] };
          t = { ...t, tensors: [...t.tensors.filter((_, w) => w !== p && w !== q), delta] };
          t = contractDeltas(t, ext);
          done = false;
          break outer;
        }
      }
    }
    if (done) return t;
  }
}

/** Apply the first pending derivative of expectation e to its σ product (product rule, rule 1). */
function applyOneDerivative(t: Term, e: number, ext: ReadonlySet<string>): Term[] {
  const g = t.expects[e]!;
  const gamma = g.derivs[0]!; // the caller picks an expectation with a pending derivative
  const restDerivs = g.derivs.slice(1);
  const out: Term[] = [];
  g.factors.forEach((f, i) => {
    if (f.kind !== 'sig') return;
    const factors: RandomFactor[] = g.factors.map((h, q) => (q === i ? { kind: 'sig', order: f.order + 1, idx: f.idx } : h));
    const ng: GaussExpec = { factors, derivs: restDerivs };
    let nt: Term = {
      ...t,
      tensors: [...t.tensors, { name: 'delta', idx: [gamma, f.idx] }],
      expects: t.expects.map((h, q) => (q === e ? ng : h)),
    };
    nt = contractDeltas(nt, ext);
    out.push(nt);
  });
  return out;
}

/**
 * Stein's lemma on the first bare z of expectation e (rule 2): ⟨z_β Z ∂_D Σ⟩ = K_βγ ⟨∂_γ(Z ∂_D Σ)⟩ with Z the
 * other bare z's and Σ the σ product; ∂_γ hits a z of Z (δ) or joins the derivatives acting on Σ.
 */
function steinOnce(t: Term, e: number, ext: ReadonlySet<string>): Term[] {
  const g = t.expects[e]!;
  const zi = g.factors.findIndex((f) => f.kind === 'z');
  const beta = g.factors[zi]!.idx;
  const gamma = fresh();
  const rest = g.factors.filter((_, q) => q !== zi);
  const base: Term = { ...t, tensors: [...t.tensors, { name: 'K', idx: [beta, gamma] }] };
  const out: Term[] = [];
  rest.forEach((f, i) => {
    if (f.kind !== 'z') return;
    const ng: GaussExpec = { factors: rest.filter((_, q) => q !== i), derivs: g.derivs };
    out.push(contractDeltas({ ...base, tensors: [...base.tensors, { name: 'delta', idx: [gamma, f.idx] }], expects: t.expects.map((h, q) => (q === e ? ng : h)) }, ext));
  });
  if (rest.some((f) => f.kind === 'sig')) {
    const ng: GaussExpec = { factors: rest, derivs: [...g.derivs, gamma] };
    out.push({ ...base, expects: t.expects.map((h, q) => (q === e ? ng : h)) });
  }
  return out;
}

/**
 * How far derivatives are taken:
 *  'expanded' — product rule onto single σ's (the form of Misof's symbolic IBP output: ⟨σ''_a σ_b⟩ …; every summed index collapses);
 *  'grouped'  — ⟨∂_δ1…∂_δk Π σ⟩ kept as a derivative of the whole σ product (the form of docs/equations.md). The compiled
 *               evaluators use it: at run time the δ's run over the distinct inputs the product depends on, and
 *               each input's factors are differentiated as one group (well defined for ReLU at coinciding inputs).
 */
export type ReduceMode = 'expanded' | 'grouped';

/** Reduce one term to normal form (a sum of terms). */
export function reduceTerm(t: Term, ext: ReadonlySet<string>, mode: ReduceMode = 'expanded'): Term[] {
  if (t.random.length) throw new NnftInputError('expression', 'has σ or z factors outside any GaussExpec', 'wrap the integrand in E(…)');
  const out: Term[] = [];
  const work: Term[] = [contractDeltas(t, ext)];
  while (work.length) {
    const cur = work.pop()!;
    if (mode === 'expanded') {
      const d = cur.expects.findIndex((g) => g.derivs.length > 0);
      if (d >= 0) {
        work.push(...applyOneDerivative(cur, d, ext));
        continue;
      }
    }
    const s = cur.expects.findIndex((g) => g.factors.some((f) => f.kind === 'z'));
    if (s >= 0) {
      work.push(...steinOnce(cur, s, ext));
      continue;
    }
    // a derivative of a constant vanishes; ⟨1⟩ = 1
    if (cur.expects.some((g) => g.derivs.length > 0 && g.factors.length === 0)) continue;
    let fin = contractInverses(cur, ext);
    fin = { ...fin, expects: fin.expects.filter((g) => g.factors.length > 0) };
    out.push(fin);
  }
  return out;
}

/** Apply the rules to every term (no collection; see canonical.ts `simplify`). */
export function reduceExpression(e: Expression, mode: ReduceMode = 'expanded'): Expression {
  validateExpression(e);
  const ext = new Set(e.externals);
  return { externals: e.externals, terms: e.terms.flatMap((t) => reduceTerm(t, ext, mode)) };
}
