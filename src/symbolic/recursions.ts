/**
 * The O(1/n) recursions, derived by the engine from their ORIGINAL forms (inverse kernels, Hermite
 * polynomials) and checked against the IBP forms of DESIGN §4 term by term.
 *
 * How the original forms arise (layer ℓ → ℓ+1, z' = b + W σ(z), Θ̂' = δ(λ_b + λ_W/n Σ_j σσ) + Σ W W σ'σ' Θ̂):
 * conditional on layer ℓ, every layer-(ℓ+1) statistic is an average over the n_ℓ neurons j of layer ℓ of
 * S_j = σσ, P_j = σ'σ', Ω̂_j = λ_W S_j + C_W P_j Θ̂_jj (and of W-Wick contractions of these). Its 1/n
 * corrections come from (PDLT ch. 4, 8; the 1/n rule of DESIGN §4):
 *   (i)  one neuron under the quartic action:  ⟨O⟩_G = ⟨O⟩_K + ½ K¹^{β1β2}⟨O H_{β1β2}⟩ + ⅛ V^{β1β2β3β4}⟨O H_{β1β2β3β4}⟩,
 *   (ii) two neurons j ≠ k:  Cov(f(z_j), g(z_k)) = ¼ V^{β1β2β3β4} ⟨f H_{β1β2}⟩⟨g H_{β3β4}⟩,
 *   (iii) the NTK–preactivation joint statistics (DESIGN §3 definitions of D, F, Θ¹), as a conditional mean
 *        linear in Hermite polynomials of z:
 *        E[ΔΘ̂_{jj;ab} | z_j] = Θ¹_ab + ½ (D_{abγ1γ2} + F_{aγ1bγ2} + F_{aγ2bγ1}) K^{γ1β1}K^{γ2β2} H_{β1β2}(z_j),
 *        E[ΔΘ̂_{jj;ab} | z_k] = ½ D_{abγ1γ2} K^{γ1β1}K^{γ2β2} H_{β1β2}(z_k)            (k ≠ j),
 *        E[Θ̂_{j1j2;ac} | z]  = F_{aγ1cγ2} K^{γ1β1}K^{γ2β2} z_{j1;β1} z_{j2;β2}         (j1 ≠ j2),
 *        E[ΔΘ̂_{jj;ab} ΔΘ̂_{kk;cd}] = A_(ab)(cd),  E[Θ̂_{j1j2;ab} Θ̂_{j1j2;cd}] = B_acbd  (j1 ≠ j2, leading order),
 *        each of which reproduces the defining cumulant of §3 (e.g. E[ΔΘ̂_{jj;ab} z_{j;c} z_{j;d}] = D + F + F).
 * Here H_{β1β2} = z_β1 z_β2 − K_β1β2 and H_{β1..β4} = z⁴ − Σ₆ K z z + Σ₃ K K are the Hermite polynomials of
 * N(0, K) and raised indices carry K⁻¹. Counting neuron pairs, the within-neuron parts come with 1/n_ℓ
 * (coefficient 1 after multiplying by n_ℓ) and the 1/n_{ℓ−1} parts with r = n_ℓ/n_{ℓ−1}.
 * Everything after that — Stein's lemma until no z is left, derivatives onto the σ's, K⁻¹K → δ, δ
 * contraction, cancellation of the Hermite subtractions, canonical collection — is done by the engine.
 * Entered in intermediate form (no IBP content): the Gaussian parts C_W²(⟨SS⟩ − ⟨S⟩⟨S⟩), ⟨ΩΩ⟩ − ⟨Ω⟩⟨Ω⟩, …,
 * the A- and B-propagation terms C_W² r ⟨P⟩⟨P⟩A, C_W² r ⟨P⟩⟨P⟩B and Θ¹'s C_W r ⟨P⟩Θ¹, which are read off
 * the layer map directly; and the conditional-mean rules (iii) above, which are the linear-response form
 * of the §3 definitions rather than something the engine derives.
 */
import { NnftInputError } from '../errors.ts';
import type { LayerEvaluator, QuantityName } from '../../recursions/types.ts';
import { E, add, expression, fresh, mul, num, param, scale, sig, sub, tensor, z, type Expression, type Sum, type TensorName } from './expr.ts';
import { collect, simplify, canonicalSignature, clearCanonicalMemo, TENSOR_SYMMETRY } from './canonical.ts';
import { toLatex, toText } from './print.ts';
import { compileExpression, type CompiledEvaluator } from './compile.ts';

export type RecursionName = 'K' | 'Theta' | 'V4' | 'K1' | 'Theta1' | 'A' | 'B' | 'D' | 'F';
export const RECURSION_NAMES: readonly RecursionName[] = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];

// ------------------------------------------------------------------ building blocks

const CW = () => param('C_W');
const R = () => param('r');
const S = (a: string, b: string) => mul(sig(a), sig(b));
const P = (a: string, b: string) => mul(sig(a, 1), sig(b, 1));
/** Ω_ab = λ_W σ_aσ_b + C_W Θ_ab σ'_aσ'_b (Θ outside the expectation). */
const Om = (a: string, b: string) => add(mul(param('lambda_W'), S(a, b)), mul(CW(), tensor('Theta', a, b), P(a, b)));
/** H_{b1b2}(z) = z_b1 z_b2 − K_b1b2. */
const H2 = (b1: string, b2: string) => sub(mul(z(b1), z(b2)), tensor('K', b1, b2));
/** H_{b1b2b3b4}(z) = z z z z − Σ₆ K z z + Σ₃ K K. */
function H4(b: [string, string, string, string]): Sum {
  const [p, q, s, t] = b;
  const K = (i: string, j: string) => tensor('K', i, j);
  return add(
    mul(z(p), z(q), z(s), z(t)),
    scale(add(mul(K(p, q), z(s), z(t)), mul(K(p, s), z(q), z(t)), mul(K(p, t), z(q), z(s)), mul(K(q, s), z(p), z(t)), mul(K(q, t), z(p), z(s)), mul(K(s, t), z(p), z(q))), -1),
    mul(K(p, q), K(s, t)),
    mul(K(p, s), K(q, t)),
    mul(K(p, t), K(q, s)),
  );
}
/** T with the listed slots raised by K⁻¹: slots[i] = null keeps slot i, a name raises it onto that index. */
function raised(name: TensorName, slots: (string | null)[], lower: string[]): Sum {
  const idx: string[] = [];
  const inv: Sum[] = [];
  slots.forEach((s, i) => {
    if (s === null) idx.push(lower[i]);
    else {
      const g = fresh();
      idx.push(g);
      inv.push(tensor('Kinv', s, g));
    }
  });
  return mul(tensor(name, ...idx), ...inv);
}
const up2 = (name: TensorName, b1: string, b2: string) => raised(name, [b1, b2], []);
const up4 = (name: TensorName, b: string[]) => raised(name, b, []);
const betas = (k: number) => Array.from({ length: k }, () => fresh());

/** Building blocks of the original forms (exported for tests and benchmarks). */
export const blocks = { S, P, Om, H2, H4, raised };

// ------------------------------------------------------------------ original and target forms

export interface RecursionPart {
  /** Short label: 'gauss', 'chi', 'K1', 'V', 'D', 'F', … (the Θ¹ parts are the five GMG diagrams). */
  label: string;
  /** Original form (inverse kernels / Hermite polynomials), as entered. */
  original: Expression;
  /** DESIGN §4's hand-written IBP form of the same part. */
  target: Expression;
  /** Whether the part needs integration by parts (false: read off the layer map). */
  ibp: boolean;
}

const A2 = ['a1', 'a2'];
const A4 = ['a1', 'a2', 'a3', 'a4'];

function part(label: string, ext: string[], original: Sum, target: Sum, ibp = true): RecursionPart {
  return { label, original: expression(ext, original), target: expression(ext, target), ibp };
}

function partsOf(name: RecursionName): RecursionPart[] {
  const [a, b, c, d] = A4;
  switch (name) {
    case 'K':
      return [part('gauss', A2, add(param('C_b'), mul(CW(), E(S(a, b)))), add(param('C_b'), mul(CW(), E(S(a, b)))), false)];
    case 'Theta': {
      const f = () => add(param('lambda_b'), mul(param('lambda_W'), E(S(a, b))), mul(CW(), tensor('Theta', a, b), E(P(a, b))));
      return [part('gauss', A2, f(), f(), false)];
    }
    case 'V4': {
      const gauss = () => mul(CW(), CW(), sub(E(mul(S(a, b), S(c, d))), mul(E(S(a, b)), E(S(c, d)))));
      const bs = betas(4);
      const chi = mul(num(1, 4), CW(), CW(), R(), up4('V', bs), E(mul(S(a, b), H2(bs[0], bs[1]))), E(mul(S(c, d), H2(bs[2], bs[3]))));
      const ds = betas(4);
      const chiT = mul(num(1, 4), CW(), CW(), R(), tensor('V', ...ds), E(S(a, b), [ds[0], ds[1]]), E(S(c, d), [ds[2], ds[3]]));
      return [part('gauss', A4, gauss(), gauss(), false), part('chi', A4, chi, chiT)];
    }
    case 'K1': {
      const b2 = betas(2);
      const k1 = mul(num(1, 2), CW(), R(), up2('K1', b2[0], b2[1]), E(mul(S(a, b), H2(b2[0], b2[1]))));
      const d2 = betas(2);
      const k1T = mul(num(1, 2), CW(), R(), tensor('K1', d2[0], d2[1]), E(S(a, b), d2));
      const b4 = betas(4);
      const v = mul(num(1, 8), CW(), R(), up4('V', b4), E(mul(S(a, b), H4(b4 as [string, string, string, string]))));
      const d4 = betas(4);
      const vT = mul(num(1, 8), CW(), R(), tensor('V', ...d4), E(S(a, b), d4));
      return [part('K1', A2, k1, k1T), part('V', A2, v, vT)];
    }
    case 'Theta1': {
      const th = () => mul(CW(), R(), tensor('Theta1', a, b), E(P(a, b)));
      const b2 = betas(2);
      const k1 = mul(num(1, 2), R(), up2('K1', b2[0], b2[1]), E(mul(Om(a, b), H2(b2[0], b2[1]))));
      const d2 = betas(2);
      const k1T = mul(num(1, 2), R(), tensor('K1', d2[0], d2[1]), E(Om(a, b), d2));
      const b4 = betas(4);
      const v = mul(num(1, 8), R(), up4('V', b4), E(mul(Om(a, b), H4(b4 as [string, string, string, string]))));
      const d4 = betas(4);
      const vT = mul(num(1, 8), R(), tensor('V', ...d4), E(Om(a, b), d4));
      const e2 = betas(2);
      const dd = mul(num(1, 2), CW(), R(), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(P(a, b), H2(e2[0], e2[1]))));
      const f2 = betas(2);
      const ddT = mul(num(1, 2), CW(), R(), tensor('D', a, b, f2[0], f2[1]), E(P(a, b), f2));
      const g2 = betas(2);
      const ff = mul(
        num(1, 2),
        CW(),
        R(),
        add(raised('F', [null, g2[0], null, g2[1]], [a, '', b, '']), raised('F', [null, g2[1], null, g2[0]], [a, '', b, ''])),
        E(mul(P(a, b), H2(g2[0], g2[1]))),
      );
      const h2 = betas(2);
      const ffT = mul(CW(), R(), tensor('F', a, h2[0], b, h2[1]), E(P(a, b), h2));
      return [part('Theta1', A2, th(), th(), false), part('K1', A2, k1, k1T), part('V', A2, v, vT), part('D', A2, dd, ddT), part('F', A2, ff, ffT)];
    }
    case 'D': {
      const gauss = () => mul(CW(), sub(E(mul(Om(a, b), S(c, d))), mul(E(Om(a, b)), E(S(c, d)))));
      const bs = betas(4);
      const v = mul(num(1, 4), CW(), R(), up4('V', bs), E(mul(Om(a, b), H2(bs[0], bs[1]))), E(mul(S(c, d), H2(bs[2], bs[3]))));
      const ds = betas(4);
      const vT = mul(num(1, 4), CW(), R(), tensor('V', ...ds), E(Om(a, b), [ds[0], ds[1]]), E(S(c, d), [ds[2], ds[3]]));
      const e2 = betas(2);
      const dd = mul(num(1, 2), CW(), CW(), R(), E(P(a, b)), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(S(c, d), H2(e2[0], e2[1]))));
      const f2 = betas(2);
      const ddT = mul(num(1, 2), CW(), CW(), R(), E(P(a, b)), tensor('D', a, b, f2[0], f2[1]), E(S(c, d), f2));
      return [part('gauss', A4, gauss(), gauss(), false), part('V', A4, v, vT), part('D', A4, dd, ddT)];
    }
    case 'F': {
      const gauss = () => mul(CW(), CW(), tensor('Theta', a, c), E(mul(sig(a, 1), sig(b), sig(c, 1), sig(d))));
      const bs = betas(2);
      const ff = mul(CW(), CW(), R(), raised('F', [null, bs[0], null, bs[1]], [a, '', c, '']), E(mul(sig(a, 1), sig(b), z(bs[0]))), E(mul(sig(c, 1), sig(d), z(bs[1]))));
      const ds = betas(2);
      const ffT = mul(CW(), CW(), R(), tensor('F', a, ds[0], c, ds[1]), E(mul(sig(a, 1), sig(b)), [ds[0]]), E(mul(sig(c, 1), sig(d)), [ds[1]]));
      return [part('gauss', A4, gauss(), gauss(), false), part('F', A4, ff, ffT)];
    }
    case 'A': {
      const gauss = () => sub(E(mul(Om(a, b), Om(c, d))), mul(E(Om(a, b)), E(Om(c, d))));
      const bs = betas(4);
      const v = mul(num(1, 4), R(), up4('V', bs), E(mul(Om(a, b), H2(bs[0], bs[1]))), E(mul(Om(c, d), H2(bs[2], bs[3]))));
      const ds = betas(4);
      const vT = mul(num(1, 4), R(), tensor('V', ...ds), E(Om(a, b), [ds[0], ds[1]]), E(Om(c, d), [ds[2], ds[3]]));
      const e1 = betas(2);
      const e2 = betas(2);
      const dd = mul(
        num(1, 2),
        CW(),
        R(),
        add(
          mul(E(P(c, d)), raised('D', [null, null, e1[0], e1[1]], [c, d]), E(mul(Om(a, b), H2(e1[0], e1[1])))),
          mul(E(P(a, b)), raised('D', [null, null, e2[0], e2[1]], [a, b]), E(mul(Om(c, d), H2(e2[0], e2[1])))),
        ),
      );
      const f1 = betas(2);
      const f2 = betas(2);
      const ddT = mul(
        num(1, 2),
        CW(),
        R(),
        add(mul(E(Om(a, b), f1), tensor('D', c, d, f1[0], f1[1]), E(P(c, d))), mul(E(Om(c, d), f2), tensor('D', a, b, f2[0], f2[1]), E(P(a, b)))),
      );
      const aa = () => mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('A', a, b, c, d));
      return [part('gauss', A4, gauss(), gauss(), false), part('V', A4, v, vT), part('D', A4, dd, ddT), part('A', A4, aa(), aa(), false)];
    }
    case 'B': {
      const gauss = () => mul(CW(), CW(), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 1), sig(b, 1), sig(c, 1), sig(d, 1))));
      const bb = () => mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('B', a, b, c, d));
      return [part('gauss', A4, gauss(), gauss(), false), part('B', A4, bb(), bb(), false)];
    }
    default:
      throw unknown(name);
  }
}

function unknown(name: unknown): NnftInputError {
  return new NnftInputError('recursion name', `unknown recursion '${String(name)}'`, `use one of ${RECURSION_NAMES.join(', ')}`);
}

export function isRecursionName(name: unknown): name is RecursionName {
  return typeof name === 'string' && (RECURSION_NAMES as readonly string[]).includes(name);
}

// ------------------------------------------------------------------ derivation

export interface DerivedPart {
  label: string;
  ibp: boolean;
  original: Expression;
  /** The original after IBP with the product rule taken onto single σ's ('expanded'), collected. */
  derived: Expression;
  /** DESIGN §4's form after the same normalisation. */
  target: Expression;
  /** derived and target are equal term by term (identical canonical signatures). */
  matchesDesign: boolean;
  /** The original after IBP keeping ⟨∂δ1…∂δk Π σ⟩ whole ('grouped': DESIGN §4's own way of writing it). */
  grouped: Expression;
  /** grouped equals DESIGN §4's form exactly as written there, term by term. */
  matchesDesignGrouped: boolean;
  terms: number;
  groupedTerms: number;
}

export interface DerivedRecursion {
  name: RecursionName;
  /** Number of terms of the collected expression in the expanded (seed-004) form. */
  terms: number;
  /** Seed-004 text format (expanded form). */
  text: string;
  latex: string;
  /** Canonical expanded normal form (external indices a1, a2[, a3, a4] = the output slots). */
  expression: Expression;
  /** Canonical grouped normal form (DESIGN §4's ⟨∂δ…⟩ form); this is what compileRecursion compiles. */
  grouped: Expression;
  groupedTerms: number;
  groupedText: string;
  groupedLatex: string;
  parts: DerivedPart[];
}

const derivedCache = new Map<RecursionName, DerivedRecursion>();

function sameSignature(a: Expression, b: Expression): boolean {
  const sa = canonicalSignature(a);
  const sb = canonicalSignature(b);
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

export function deriveRecursion(name: string): DerivedRecursion {
  if (!isRecursionName(name)) throw unknown(name);
  const hit = derivedCache.get(name);
  if (hit) return hit;
  const parts: DerivedPart[] = partsOf(name).map((p) => {
    const derived = simplify(p.original, 'expanded');
    const target = simplify(p.target, 'expanded');
    const grouped = simplify(p.original, 'grouped');
    const targetGrouped = simplify(p.target, 'grouped');
    return {
      label: p.label,
      ibp: p.ibp,
      original: p.original,
      derived,
      target,
      matchesDesign: sameSignature(derived, target),
      grouped,
      matchesDesignGrouped: sameSignature(grouped, targetGrouped),
      terms: derived.terms.length,
      groupedTerms: grouped.terms.length,
    };
  });
  const ext = parts[0].derived.externals;
  const expr = collect({ externals: ext, terms: parts.flatMap((p) => p.derived.terms) });
  const grouped = collect({ externals: ext, terms: parts.flatMap((p) => p.grouped.terms) });
  const out: DerivedRecursion = {
    name,
    terms: expr.terms.length,
    text: toText(expr),
    latex: toLatex(expr),
    expression: expr,
    grouped,
    groupedTerms: grouped.terms.length,
    groupedText: toText(grouped),
    groupedLatex: toLatex(grouped),
    parts,
  };
  derivedCache.set(name, out);
  return out;
}

/** Forget cached derivations (benchmarks time a cold derivation). */
export function clearDerivationCache(): void {
  clearCanonicalMemo();
  derivedCache.clear();
  compiledCache.clear();
}

// ------------------------------------------------------------------ compilation

const OUTPUT_SYMMETRY: Record<RecursionName, TensorName> = {
  K: 'K',
  Theta: 'Theta',
  V4: 'V',
  K1: 'K1',
  Theta1: 'Theta1',
  A: 'A',
  B: 'B',
  D: 'D',
  F: 'F',
};

const compiledCache = new Map<RecursionName, CompiledEvaluator>();

/** The compiled evaluator of a derived recursion, with its generated source. */
export function compileRecursionDetailed(name: string): CompiledEvaluator {
  if (!isRecursionName(name)) throw unknown(name);
  const hit = compiledCache.get(name);
  if (hit) return hit;
  // Only the grouped IBP form is compiled; the full derivation (expanded form, DESIGN §4 targets, printers) is
  // reused when it was already computed, and otherwise skipped: it is 4× the work, and its agreement with
  // DESIGN §4 is asserted by test/symbolic/recursions.test.ts for every quantity.
  const full = derivedCache.get(name);
  const grouped = full
    ? full.grouped
    : (() => {
        const parts = partsOf(name).map((p) => simplify(p.original, 'grouped'));
        return collect({ externals: parts[0]!.externals, terms: parts.flatMap((g) => g.terms) });
      })();
  const c = compileExpression(grouped, { symmetry: TENSOR_SYMMETRY[OUTPUT_SYMMETRY[name]] });
  compiledCache.set(name, c);
  return c;
}

/**
 * LayerEvaluator for one quantity (recursions/types.ts): layer ℓ's tensors in ctx.prev → layer ℓ+1's.
 * 'V4' is the full recursion C_W²(⟨SS⟩ − ⟨S⟩⟨S⟩) + χ-term; all finite-width outputs without 1/n_ℓ.
 */
export function compileRecursion(name: QuantityName | string): LayerEvaluator {
  return compileRecursionDetailed(name).evaluate;
}
