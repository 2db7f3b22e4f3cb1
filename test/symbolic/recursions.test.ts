/**
 * The derived recursions against docs/equations.md: symbolically (canonical forms of each part equal the
 * hand-written IBP form of test/oracle/ibp-forms.ts term by term), numerically (compiled evaluators against an
 * independent hand-coded formula on
 * random tensors and K, m = 1, 2, 3 with duplicate inputs; against the ORIGINAL forms with numeric K⁻¹ and
 * direct quadrature; against the single-input reductions), plus determinism, term counts and bad input.
 */
import { describe, expect, it } from 'vitest';
import {
  E,
  clearDerivationCache,
  compileExpression,
  compileRecursion,
  compileRecursionDetailed,
  deriveRecursion,
  expression,
  mul,
  sig,
  simplify,
  tensor,
  z,
  type Expression,
} from '../../src/symbolic/index.ts';
import { canonicalSignature } from '../../src/symbolic/canonical.ts';
import { symmetryOf, type QuantityName } from '../../src/quantities.ts';
import { ibpFormParts } from '../oracle/ibp-forms.ts';
import { NnftInputError } from '../../src/errors.ts';
import type { LayerTensors, RecursionContext } from '../../src/recursion-contract.ts';
import { evalAt, expand, inv, makeCtx, quad, randomKernel, randomSym2, randomTensor4, rng, sinAct, tanhAct, type TestActivation } from './quad.ts';

// ------------------------------------------------------------------ stated term counts

// Expanded (product rule onto single σ's) and grouped (⟨∂δ…Π σ⟩ kept whole, the form of docs/equations.md)
// term counts; Ω = λ_W σσ + C_W Θ σ'σ' is multiplied out, so Ω terms count twice.
const COUNTS: Partial<Record<QuantityName, { total: number; parts: Record<string, number>; grouped: number; groupedParts: Record<string, number> }>> = {
  K: { total: 2, parts: { gauss: 2 }, grouped: 2, groupedParts: { gauss: 2 } },
  Theta: { total: 3, parts: { gauss: 3 }, grouped: 3, groupedParts: { gauss: 3 } },
  V4: { total: 11, parts: { gauss: 2, chi: 9 }, grouped: 3, groupedParts: { gauss: 2, chi: 1 } },
  K1: { total: 9, parts: { K1: 3, V: 6 }, grouped: 2, groupedParts: { K1: 1, V: 1 } },
  Theta1: { total: 26, parts: { Theta1: 1, K1: 6, V: 12, D: 3, F: 4 }, grouped: 7, groupedParts: { Theta1: 1, K1: 2, V: 2, D: 1, F: 1 } },
  A: { total: 57, parts: { gauss: 8, V: 36, D: 12, A: 1 }, grouped: 17, groupedParts: { gauss: 8, V: 4, D: 4, A: 1 } },
  B: { total: 2, parts: { gauss: 1, B: 1 }, grouped: 2, groupedParts: { gauss: 1, B: 1 } },
  D: { total: 25, parts: { gauss: 4, V: 18, D: 3 }, grouped: 7, groupedParts: { gauss: 4, V: 2, D: 1 } },
  F: { total: 5, parts: { gauss: 1, F: 4 }, grouped: 2, groupedParts: { gauss: 1, F: 1 } },
};
const NAMES = Object.keys(COUNTS) as QuantityName[];
const FOUR = new Set<QuantityName>(['V4', 'A', 'B', 'D', 'F']);

function sameTerms(a: Expression, b: Expression): boolean {
  const sa = canonicalSignature(a);
  const sb = canonicalSignature(b);
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

describe('derivation: symbolic agreement with the hand-written IBP forms, counts, determinism', () => {
  for (const name of NAMES) {
    const count = COUNTS[name]!;
    it(`${name}: every part equals its IBP form term by term; ${count.total} expanded / ${count.grouped} grouped terms`, () => {
      const d = deriveRecursion(name);
      expect(d.terms).toBe(count.total);
      expect(d.groupedTerms).toBe(count.grouped);
      expect(Object.fromEntries(d.parts.map((p) => [p.label, p.terms]))).toEqual(count.parts);
      expect(Object.fromEntries(d.parts.map((p) => [p.label, p.groupedTerms]))).toEqual(count.groupedParts);
      const forms = ibpFormParts(name)!;
      expect(forms.map((f) => f.label)).toEqual(d.parts.map((p) => p.label));
      for (const p of d.parts) {
        const form = forms.find((f) => f.label === p.label)!.form;
        expect(sameTerms(p.derived, simplify(form, 'expanded')), `${name}/${p.label}`).toBe(true);
        expect(sameTerms(p.grouped, simplify(form, 'grouped')), `${name}/${p.label} (grouped)`).toBe(true);
        // grouped form: no K⁻¹, no bare z; every summed index sits in a tensor slot and a derivative
        for (const t of p.grouped.terms) {
          expect(t.tensors.some((T) => T.name === 'Kinv' || T.name === 'delta')).toBe(false);
          for (const g of t.expects) for (const f of g.factors) expect(f.kind).toBe('sig');
        }
        // no inverse kernel, no bare z, no summed index left: every δ collapsed onto the α's
        for (const t of p.derived.terms) {
          expect(t.tensors.some((T) => T.name === 'Kinv' || T.name === 'delta')).toBe(false);
          for (const T of t.tensors) for (const i of T.idx) expect(d.expression.externals).toContain(i);
          for (const g of t.expects) for (const f of g.factors) expect(f.kind).toBe('sig');
        }
      }
    });
  }

  it('prints identically on two independent derivations (text and LaTeX)', () => {
    const first = NAMES.map((n) => deriveRecursion(n));
    clearDerivationCache();
    const second = NAMES.map((n) => deriveRecursion(n));
    for (let i = 0; i < NAMES.length; i++) {
      expect(second[i]).not.toBe(first[i]);
      expect(second[i]!.text).toBe(first[i]!.text);
      expect(second[i]!.latex).toBe(first[i]!.latex);
    }
    expect(first[2]!.text.startsWith('C_W**2*GaussExpec(sig(z[a1])*sig(z[a2])*sig(z[a3])*sig(z[a4]))')).toBe(true);
    expect(first[3]!.latex).toContain('K^{\\{1\\}}');
  });

  it('generated evaluator source is identical on two derivations; each shape is one lazily filled table', () => {
    const a = NAMES.map((n) => compileRecursionDetailed(n).source);
    clearDerivationCache();
    const b = NAMES.map((n) => compileRecursionDetailed(n).source);
    expect(b).toEqual(a);
    const v4 = compileRecursionDetailed('V4');
    // ⟨σσσσ⟩, ⟨σσ⟩, ⟨∂δ∂δ(σσ)⟩ (the χ-term's two factors share one table)
    expect(v4.expectationShapes).toEqual(['0@0|0@1|0@2|0@3', '0@0|0@1', '0@0|0@1|d2']);
  });

  it('rejects unknown names and unpaired indices with NnftInputError', () => {
    expect(() => deriveRecursion('V6')).toThrow(NnftInputError);
    expect(() => compileRecursion('Theta2')).toThrow(/unknown quantity 'Theta2'/);
    expect(() => expression(['a1'], E(mul(sig('a1'), z('b1'))))).toThrow(/index 'b1' is unpaired/);
    expect(() => expression(['a1'], mul(tensor('K', 'a1', 'b1'), tensor('K', 'b1', 'b2')))).toThrow(NnftInputError);
    expect(() => expression(['a1'], mul(tensor('K', 'b1', 'b1'), tensor('K', 'a1', 'b1')))).toThrow(/occurs 3 times/);
    // a K⁻¹ that IBP cannot remove is refused by the compiler
    const e = simplify(expression(['a1'], mul(tensor('Kinv', 'a1', 'b1'), E(sig('b1')))));
    expect(() => compileExpression(e)).toThrow(/inverse kernel/);
  });
});

// ------------------------------------------------------------------ hand-coded IBP forms (independent of the engine)

type F = [number, number][]; // [input, order]

/** ⟨∂_{ds} Π σ^(order)(z_input)⟩ by the product rule: each ∂_δ hits a factor whose input is δ. */
function dE(ex: RecursionContext['expect'], fs: F, ds: number[]): number {
  if (!ds.length) return ex(fs.map(([input, order]) => ({ input, order })));
  const [d, ...rest] = ds;
  let s = 0;
  fs.forEach(([input, order], i) => {
    if (input !== d) return;
    s += dE(ex, fs.map((f, q) => (q === i ? [input, order + 1] : f)), rest);
  });
  return s;
}

function handCoded(name: QuantityName, ctx: RecursionContext): Float64Array {
  const { m, cw, cb, r, lambdaB: lb, lambdaW: lw } = ctx;
  const ex = ctx.expect;
  const K1 = ctx.prev.K1!, Th = ctx.prev.Theta!, V = ctx.prev.V4!, D = ctx.prev.D!, Fq = ctx.prev.F!, A = ctx.prev.A!, B = ctx.prev.B!, T1 = ctx.prev.Theta1!;
  const i2 = (a: number, b: number) => a * m + b;
  const i4 = (a: number, b: number, c: number, d: number) => ((a * m + b) * m + c) * m + d;
  const S = (a: number, b: number): F => [[a, 0], [b, 0]];
  const P = (a: number, b: number): F => [[a, 1], [b, 1]];
  const dS = (a: number, b: number, ds: number[]) => dE(ex, S(a, b), ds);
  const dP = (a: number, b: number, ds: number[]) => dE(ex, P(a, b), ds);
  const dOm = (a: number, b: number, ds: number[]) => lw * dS(a, b, ds) + cw * Th[i2(a, b)]! * dP(a, b, ds);
  const E2 = (f: F) => dE(ex, f, []);
  const OmS = (a: number, b: number, c: number, d: number) => lw * E2([...S(a, b), ...S(c, d)]) + cw * Th[i2(a, b)]! * E2([...P(a, b), ...S(c, d)]);
  const OmOm = (a: number, b: number, c: number, d: number) =>
    lw * lw * E2([...S(a, b), ...S(c, d)]) +
    lw * cw * Th[i2(c, d)]! * E2([...S(a, b), ...P(c, d)]) +
    cw * lw * Th[i2(a, b)]! * E2([...P(a, b), ...S(c, d)]) +
    cw * cw * Th[i2(a, b)]! * Th[i2(c, d)]! * E2([...P(a, b), ...P(c, d)]);
  const sum2 = (f: (d1: number, d2: number) => number) => {
    let s = 0;
    for (let d1 = 0; d1 < m; d1++) for (let d2 = 0; d2 < m; d2++) s += f(d1, d2);
    return s;
  };
  const sum4 = (f: (d1: number, d2: number, d3: number, d4: number) => number) => sum2((d1, d2) => sum2((d3, d4) => f(d1, d2, d3, d4)));
  const four = FOUR.has(name);
  const out = new Float64Array(four ? m ** 4 : m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      if (!four) {
        let v = 0;
        if (name === 'K') v = cb + cw * E2(S(a, b));
        if (name === 'Theta') v = lb + lw * E2(S(a, b)) + cw * Th[i2(a, b)]! * E2(P(a, b));
        if (name === 'K1') v = cw * r * (0.5 * sum2((d1, d2) => K1[i2(d1, d2)]! * dS(a, b, [d1, d2])) + 0.125 * sum4((d1, d2, d3, d4) => V[i4(d1, d2, d3, d4)]! * dS(a, b, [d1, d2, d3, d4])));
        if (name === 'Theta1')
          v =
            r *
            (cw * E2(P(a, b)) * T1[i2(a, b)]! +
              0.5 * sum2((d1, d2) => K1[i2(d1, d2)]! * dOm(a, b, [d1, d2])) +
              0.125 * sum4((d1, d2, d3, d4) => V[i4(d1, d2, d3, d4)]! * dOm(a, b, [d1, d2, d3, d4])) +
              0.5 * cw * sum2((d1, d2) => D[i4(a, b, d1, d2)]! * dP(a, b, [d1, d2])) +
              cw * sum2((d1, d2) => Fq[i4(a, d1, b, d2)]! * dP(a, b, [d1, d2])));
        out[i2(a, b)] = v;
        continue;
      }
      for (let c = 0; c < m; c++)
        for (let d = 0; d < m; d++) {
          let v = 0;
          if (name === 'V4')
            v = cw * cw * (E2([...S(a, b), ...S(c, d)]) - E2(S(a, b)) * E2(S(c, d))) + ((cw * cw) / 4) * r * sum4((d1, d2, d3, d4) => V[i4(d1, d2, d3, d4)]! * dS(a, b, [d1, d2]) * dS(c, d, [d3, d4]));
          if (name === 'D')
            v =
              cw * (OmS(a, b, c, d) - dOm(a, b, []) * E2(S(c, d))) +
              (cw / 4) * r * sum4((d1, d2, d3, d4) => V[i4(d1, d2, d3, d4)]! * dOm(a, b, [d1, d2]) * dS(c, d, [d3, d4])) +
              ((cw * cw) / 2) * r * E2(P(a, b)) * sum2((d1, d2) => D[i4(a, b, d1, d2)]! * dS(c, d, [d1, d2]));
          if (name === 'F')
            v = cw * cw * E2([[a, 1], [b, 0], [c, 1], [d, 0]]) * Th[i2(a, c)]! + cw * cw * r * sum2((d1, d2) => dE(ex, [[a, 1], [b, 0]], [d1]) * dE(ex, [[c, 1], [d, 0]], [d2]) * Fq[i4(a, d1, c, d2)]!);
          if (name === 'A')
            v =
              OmOm(a, b, c, d) -
              dOm(a, b, []) * dOm(c, d, []) +
              0.25 * r * sum4((d1, d2, d3, d4) => V[i4(d1, d2, d3, d4)]! * dOm(a, b, [d1, d2]) * dOm(c, d, [d3, d4])) +
              (cw / 2) * r * sum2((d1, d2) => dOm(a, b, [d1, d2]) * D[i4(c, d, d1, d2)]! * E2(P(c, d)) + dOm(c, d, [d1, d2]) * D[i4(a, b, d1, d2)]! * E2(P(a, b))) +
              cw * cw * r * E2(P(a, b)) * E2(P(c, d)) * A[i4(a, b, c, d)]!;
          if (name === 'B') v = cw * cw * E2([...P(a, b), ...P(c, d)]) * Th[i2(a, c)]! * Th[i2(b, d)]! + cw * cw * r * E2(P(a, b)) * E2(P(c, d)) * B[i4(a, b, c, d)]!;
          out[i4(a, b, c, d)] = v;
        }
    }
  return out;
}

// ------------------------------------------------------------------ random layers

function randomLayer(seed: number, of: number[], act: TestActivation, lo = 0.3, hi = 1.0): RecursionContext {
  const R = rng(seed);
  const md = Math.max(...of) + 1;
  const K = randomKernel(R, md, of, lo, hi);
  const sym2 = () => expand(randomSym2(R, md), 2, of, md);
  const t4 = (n: 'V4' | 'A' | 'B' | 'D' | 'F') => expand(randomTensor4(R, md, symmetryOf(n)), 4, of, md);
  const theta = Float64Array.from(randomKernel(R, md, of, 0.5, 1.5).flat());
  const prev: Omit<LayerTensors, 'K'> = { Theta: theta, K1: sym2(), Theta1: sym2(), V4: t4('V4'), A: t4('A'), B: t4('B'), D: t4('D'), F: t4('F') };
  return makeCtx(act, K, prev, { cb: 0.1 + R(), cw: 0.5 + R(), lambdaB: R(), lambdaW: 0.2 + R(), r: 0.5 + R() });
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let scale = 1e-300;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d / scale;
}

const INPUT_SETS: { label: string; of: number[] }[] = [
  { label: 'm=1', of: [0] },
  { label: 'm=2', of: [0, 1] },
  { label: 'm=3', of: [0, 1, 2] },
  { label: 'm=3 with a duplicate {x,y,x}', of: [0, 1, 0] },
];

describe('compiled evaluators equal the hand-coded IBP formulas (random tensors and K)', () => {
  for (const name of NAMES) {
    it(`${name}: m = 1, 2, 3 and duplicate inputs (grouped and expanded forms)`, () => {
      const ev = compileRecursion(name);
      const evExpanded = compileExpression(deriveRecursion(name).expression).evaluate;
      INPUT_SETS.forEach(({ of }, k) => {
        const ctx = randomLayer(1000 + 17 * k + name.length, of, tanhAct);
        const got = ev(ctx);
        const want = handCoded(name, ctx);
        expect(got.length).toBe(want.length);
        expect(maxRelDiff(got, want)).toBeLessThan(1e-12);
        expect(maxRelDiff(evExpanded(ctx), want)).toBeLessThan(1e-12);
        expect(got.every(Number.isFinite)).toBe(true);
      });
    });
  }

  it('duplicate inputs {x, y, x} give the entries of {x, y}', () => {
    for (const name of NAMES) {
      const ev = compileRecursion(name);
      const full = randomLayer(77, [0, 1, 0], tanhAct);
      const md = 2;
      const pick = (T: Float64Array | undefined, rank: number) => {
        if (!T) return undefined;
        const out = new Float64Array(md ** rank);
        for (let q = 0; q < out.length; q++) {
          let rem = q;
          let u = 0;
          const ix: number[] = [];
          for (let s = 0; s < rank; s++) {
            ix.unshift(rem % md);
            rem = Math.floor(rem / md);
          }
          for (const v of ix) u = u * 3 + v;
          out[q] = T[u]!;
        }
        return out;
      };
      const K = [0, 1].map((i) => [0, 1].map((j) => full.prev.K[i * 3 + j]!));
      const p = full.prev;
      const small = makeCtx(tanhAct, K, { Theta: pick(p.Theta, 2), K1: pick(p.K1, 2), Theta1: pick(p.Theta1, 2), V4: pick(p.V4, 4), A: pick(p.A, 4), B: pick(p.B, 4), D: pick(p.D, 4), F: pick(p.F, 4) }, { cb: full.cb, cw: full.cw, lambdaB: full.lambdaB, lambdaW: full.lambdaW, r: full.r });
      const big = ev(full);
      const rank = FOUR.has(name) ? 4 : 2;
      const expected = expand(ev(small), rank, [0, 1, 0], md);
      expect(maxRelDiff(big, expected)).toBeLessThan(1e-12);
    }
  });

  it('symmetric filling equals computing every entry', () => {
    for (const name of NAMES) {
      const d = deriveRecursion(name);
      const plain = compileExpression(d.expression).evaluate;
      const ctx = randomLayer(5, [0, 1, 2], tanhAct);
      expect(maxRelDiff(compileRecursion(name)(ctx), plain(ctx))).toBeLessThan(1e-14);
    }
  });

  it('layer 1 → 2: missing finite-width tensors count as zero', () => {
    const ctx = randomLayer(9, [0, 1], tanhAct);
    const bare: RecursionContext = { ...ctx, prev: { K: ctx.prev.K, Theta: ctx.prev.Theta } };
    expect([...compileRecursion('K1')(bare)].every((x) => x === 0)).toBe(true);
    expect([...compileRecursion('Theta1')(bare)].every((x) => x === 0)).toBe(true);
    expect(maxRelDiff(compileRecursion('V4')(bare), handCoded('V4', { ...ctx, prev: { ...ctx.prev, V4: new Float64Array(16) } }))).toBeLessThan(1e-13);
  });
});

// ------------------------------------------------------------------ original forms with numeric K⁻¹

describe('each IBP part (expanded and grouped) equals its ORIGINAL form (numeric K⁻¹, direct quadrature of the Hermite integrands)', () => {
  const cases: [QuantityName, TestActivation][] = [
    ['V4', sinAct],
    ['K1', sinAct],
    ['Theta1', sinAct],
    ['D', sinAct],
    ['F', sinAct],
    ['A', sinAct],
    ['V4', tanhAct],
    ['K1', tanhAct],
  ];
  for (const [name, act] of cases) {
    it(`${name} (${act.name}, m = 2)`, () => {
      const d = deriveRecursion(name);
      const ctx = randomLayer(31 + name.length, [0, 1], act, 0.4, 0.9);
      const m = 2;
      const K = [0, 1].map((i) => [0, 1].map((j) => ctx.prev.K[i * m + j]!));
      const Kinv = inv(K);
      const ext = d.expression.externals;
      const n = ext.length;
      const groupedValues = new Map(d.parts.filter((p) => p.ibp).map((p) => [p.label, compileExpression(p.grouped).evaluate(ctx)]));
      for (let q = 0; q < m ** n; q++) {
        const at: Record<string, number> = {};
        let rem = q;
        for (let s = n - 1; s >= 0; s--) {
          at[ext[s]!] = rem % m;
          rem = Math.floor(rem / m);
        }
        for (const p of d.parts) {
          if (!p.ibp) continue;
          const orig = evalAt(p.original, at, ctx, Kinv, { act, K });
          const ibp = evalAt(p.derived, at, ctx);
          expect(Math.abs(orig - ibp), `${name}/${p.label} at ${JSON.stringify(at)}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(orig)));
          expect(Math.abs(orig - groupedValues.get(p.label)![q]!), `${name}/${p.label} grouped`).toBeLessThan(1e-9 * Math.max(1, Math.abs(orig)));
        }
      }
    });
  }
});

// ------------------------------------------------------------------ single input (docs/equations.md)

describe('single-input reductions (r = 1)', () => {
  it('V, K1, D, F, B, A, Θ1 equal the χ∥, χ⊥ forms (tanh, 1-D Hermite weights)', () => {
    const ctx0 = randomLayer(3, [0], tanhAct, 0.5, 0.9);
    const ctx: RecursionContext = { ...ctx0, r: 1 };
    const Kv = ctx.prev.K[0]!;
    const { cw, lambdaW: lw } = ctx;
    const th = ctx.prev.Theta![0]!, V = ctx.prev.V4![0]!, K1 = ctx.prev.K1![0]!, D = ctx.prev.D![0]!, Fv = ctx.prev.F![0]!, A = ctx.prev.A![0]!, B = ctx.prev.B![0]!, T1 = ctx.prev.Theta1![0]!;
    type Q = Parameters<typeof quad>[2][number];
    const s = (o: number): Q => ({ kind: 'sig', order: o, input: 0 });
    const zz: Q = { kind: 'z', input: 0 };
    const q = (...f: Q[]) => quad(tanhAct, [[Kv]], f);
    // ⟨f''⟩ = ⟨f (z² − K)⟩/K², ⟨f''''⟩ = ⟨f (z⁴ − 6Kz² + 3K²)⟩/K⁴ for f a product of σ's
    const d2 = (...f: Q[]) => (q(...f, zz, zz) - Kv * q(...f)) / Kv ** 2;
    const d4 = (...f: Q[]) => (q(...f, zz, zz, zz, zz) - 6 * Kv * q(...f, zz, zz) + 3 * Kv * Kv * q(...f)) / Kv ** 4;
    const Om = (g: (...f: Q[]) => number) => lw * g(s(0), s(0)) + cw * th * g(s(1), s(1));
    const chiPar = (cw / 2) * d2(s(0), s(0));
    const chiPerp = cw * q(s(1), s(1));
    const varS2 = q(s(0), s(0), s(0), s(0)) - q(s(0), s(0)) ** 2;
    const covOmS = lw * q(s(0), s(0), s(0), s(0)) + cw * th * q(s(1), s(1), s(0), s(0)) - Om(q) * q(s(0), s(0));
    const varOm = lw * lw * q(s(0), s(0), s(0), s(0)) + 2 * lw * cw * th * q(s(0), s(0), s(1), s(1)) + cw * cw * th * th * q(s(1), s(1), s(1), s(1)) - Om(q) ** 2;
    const want: Record<string, number> = {
      V4: cw * cw * varS2 + chiPar ** 2 * V,
      K1: chiPar * K1 + (cw / 8) * d4(s(0), s(0)) * V,
      D: cw * covOmS + (cw / 4) * d2(s(0), s(0)) * Om(d2) * V + chiPar * chiPerp * D,
      F: cw * cw * q(s(0), s(0), s(1), s(1)) * th + chiPar ** 2 * Fv,
      B: cw * cw * q(s(1), s(1), s(1), s(1)) * th * th + chiPerp ** 2 * B,
      A: varOm + 0.25 * Om(d2) ** 2 * V + cw * Om(d2) * q(s(1), s(1)) * D + chiPerp ** 2 * A,
      Theta1: chiPerp * T1 + 0.5 * Om(d2) * K1 + 0.125 * Om(d4) * V + (cw / 2) * d2(s(1), s(1)) * D + cw * d2(s(1), s(1)) * Fv,
    };
    for (const [name, w] of Object.entries(want)) {
      const got = compileRecursion(name)(ctx)[0]!;
      expect(Math.abs(got - w), name).toBeLessThan(1e-9 * Math.max(1, Math.abs(w)));
    }
  });
});

describe('compiled evaluators come from the same grouped form as the full derivation', () => {
  it('the lean compile path (grouped form only) generates the same source as compiling after deriveRecursion', async () => {
    const { compileRecursionDetailed, deriveRecursion, clearDerivationCache } = await import('../../src/symbolic/derive.ts');
    const names = ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;
    clearDerivationCache();
    const lean = names.map((n) => compileRecursionDetailed(n).source);
    clearDerivationCache();
    const full = names.map((n) => {
      deriveRecursion(n);
      return compileRecursionDetailed(n).source;
    });
    names.forEach((n, i) => expect(lean[i], n).toBe(full[i]));
  });
});
