/**
 * Symbolic Gaussian integration by parts (issue 4): expressions with index structure, Stein's lemma,
 * canonical collection, printers, compilation to LayerEvaluators, and the derived O(1/n) recursions.
 */
export * from './rational.ts';
export * from './expr.ts';
export { reduceExpression, reduceTerm, type ReduceMode } from './ibp.ts';
export { simplify, collect, canonicalTerm, canonicalSignature, expressionsEqual, clearCanonicalMemo, TENSOR_SYMMETRY } from './canonical.ts';
export { toText, toLatex } from './print.ts';
export { compileExpression, type CompileOptions, type CompiledEvaluator } from './compile.ts';
export {
  deriveRecursion,
  compileRecursion,
  compileRecursionDetailed,
  clearDerivationCache,
  isRecursionName,
  RECURSION_NAMES,
  type RecursionName,
  type DerivedRecursion,
  type DerivedPart,
} from './recursions.ts';
export { blocks } from './recursions.ts';
export { recursionDiagrams, termGraph, diagramsSvg, type TermDiagram, type DiagramNode, type DiagramEdge } from './diagrams.ts';
export { parseExpression } from './parse.ts';
