/**
 * The engine applied to the registered quantities (src/quantities.ts): each quantity's defining expectation
 * (recursions/quantities/<name>.ts, original form with inverse kernels and Hermite polynomials) is integrated by
 * parts, collected canonically, printed, and compiled into the LayerEvaluator the solver runs.
 *
 * Two normal forms (ibp.ts): 'expanded' — the product rule taken onto single σ's (the text form of Misof's
 * symbolic IBP output); 'grouped' — ⟨∂δ1…∂δk Π σ⟩ kept whole (the form of docs/equations.md), which is what
 * is compiled: well defined for piecewise-linear σ, where single product-rule terms (δ² at one point) are not.
 */
import type { LayerEvaluator } from '../recursion-contract.ts';
import { QUANTITIES, parseQuantity, symmetryOf, type QuantityName } from '../quantities.ts';
import { collect, simplify, clearCanonicalMemo } from './canonical.ts';
import type { Expression } from './expr.ts';
import { toLatex, toText } from './print.ts';
import { compileExpression, evaluatorFromSource, type CompiledEvaluator } from './compile.ts';

export interface DerivedPart {
  label: string;
  ibp: boolean;
  /** The defining expectation as entered. */
  original: Expression;
  /** The original after IBP with the product rule taken onto single σ's ('expanded'), collected. */
  derived: Expression;
  /** The original after IBP keeping ⟨∂δ1…∂δk Π σ⟩ whole ('grouped'), collected. */
  grouped: Expression;
  terms: number;
  groupedTerms: number;
}

export interface DerivedRecursion {
  name: QuantityName;
  /** The paper and equation the recursion implements. */
  source: string;
  /** Number of terms of the collected expression in the expanded form. */
  terms: number;
  /** Text format (expanded form). */
  text: string;
  latex: string;
  /** Canonical expanded normal form (external indices a1, a2[, a3, a4] = the output slots). */
  expression: Expression;
  /** Canonical grouped normal form; this is what compileRecursion compiles. */
  grouped: Expression;
  groupedTerms: number;
  groupedText: string;
  groupedLatex: string;
  parts: DerivedPart[];
}

const derivedCache = new Map<QuantityName, DerivedRecursion>();
const compiledCache = new Map<QuantityName, CompiledEvaluator>();

function sumOf(parts: readonly Expression[]): Expression {
  return collect({ externals: parts[0]?.externals ?? [], terms: parts.flatMap((p) => p.terms) });
}

/** Derive the recursion of a quantity (a registry name or alias) by Gaussian integration by parts. Cached. */
export function deriveRecursion(name: string): DerivedRecursion {
  const q = parseQuantity(name, 'recursion name');
  const hit = derivedCache.get(q);
  if (hit) return hit;
  const rec = QUANTITIES[q].recursion;
  const parts: DerivedPart[] = rec.parts().map((p) => {
    const derived = simplify(p.original, 'expanded');
    const grouped = simplify(p.original, 'grouped');
    return { label: p.label, ibp: p.ibp, original: p.original, derived, grouped, terms: derived.terms.length, groupedTerms: grouped.terms.length };
  });
  const expr = sumOf(parts.map((p) => p.derived));
  const grouped = sumOf(parts.map((p) => p.grouped));
  const out: DerivedRecursion = {
    name: q,
    source: rec.source,
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
  derivedCache.set(q, out);
  return out;
}

/** Forget cached derivations (benchmarks time a cold derivation). */
export function clearDerivationCache(): void {
  clearCanonicalMemo();
  derivedCache.clear();
  compiledCache.clear();
}

/** Generated bodies of compileRecursionDetailed by quantity, as shipped with the CLI build (dist/precomputed.json). */
export type PrecompiledRecursions = Partial<Record<QuantityName, { source: string; expectationShapes: string[] }>>;
let precompiled: (() => PrecompiledRecursions | undefined) | undefined;

/**
 * Let compileRecursionDetailed take a quantity's generated body from `read()` (called at each cache miss; it
 * returns undefined when there is none) instead of deriving and compiling it: the symbolic derivation of V4
 * and K¹ is ~35 ms of a cold process, the whole registry ~0.3 s. The bodies are the output of this compiler on the
 * same registry (the CLI build writes them; test/cli/precomputed.test.ts compares them with fresh compilations).
 */
export function usePrecompiledRecursions(read: (() => PrecompiledRecursions | undefined) | undefined): void {
  precompiled = read;
  compiledCache.clear();
}

/** The generated body of every compiled (not direct) recursion of the registry, for a precomputed table. */
export function precompileRecursions(): PrecompiledRecursions {
  const out: PrecompiledRecursions = {};
  for (const q of Object.keys(QUANTITIES) as QuantityName[]) {
    if (QUANTITIES[q].recursion.direct) continue;
    const { source, expectationShapes } = compileFresh(q);
    out[q] = { source, expectationShapes };
  }
  return out;
}

/** The compiled evaluator of a quantity's recursion (grouped IBP form), with its generated source. Cached. */
export function compileRecursionDetailed(name: string): CompiledEvaluator {
  const q = parseQuantity(name, 'recursion name');
  const hit = compiledCache.get(q);
  if (hit) return hit;
  const c = fromPrecompiled(q) ?? compileFresh(q);
  compiledCache.set(q, c);
  return c;
}

/** The precompiled evaluator of q, or undefined when there is none or it is malformed (then q is compiled here). */
function fromPrecompiled(q: QuantityName): CompiledEvaluator | undefined {
  try {
    const pre = precompiled?.()?.[q];
    if (!pre || typeof pre.source !== 'string' || !Array.isArray(pre.expectationShapes) || !pre.expectationShapes.every((k) => typeof k === 'string')) return undefined;
    return evaluatorFromSource(pre.source, [...pre.expectationShapes]);
  } catch {
    return undefined;
  }
}

function compileFresh(q: QuantityName): CompiledEvaluator {
  // Only the grouped form is compiled; the full derivation (expanded form, printers) is reused when it was
  // already computed and otherwise skipped: it is 4× the work.
  const full = derivedCache.get(q);
  const grouped = full ? full.grouped : sumOf(QUANTITIES[q].recursion.parts().map((p) => simplify(p.original, 'grouped')));
  return compileExpression(grouped, { symmetry: symmetryOf(q) });
}

/** LayerEvaluator for one quantity: layer ℓ's tensors in ctx.prev → layer ℓ+1's (finite-width ones without 1/n_ℓ). */
export function compileRecursion(name: string): LayerEvaluator {
  return compileRecursionDetailed(name).evaluate;
}
