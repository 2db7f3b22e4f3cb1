/**
 * Symbolic Gaussian integration by parts: expressions with index structure, Stein's lemma, canonical
 * collection, printers, compilation to LayerEvaluators, and the derived recursions of the registered
 * quantities (docs/architecture.md).
 */
export * from './rational.ts';
export * from './expr.ts';
export { reduceExpression, reduceTerm, type ReduceMode } from './ibp.ts';
export { simplify, collect, canonicalTerm, canonicalSignature, expressionsEqual, clearCanonicalMemo } from './canonical.ts';
export { tensorSymbols, tensorRank, tensorSymmetry, validateTensors } from './tensors.ts';
export { toText, toLatex } from './print.ts';
export { compileExpression, type CompileOptions, type CompiledEvaluator } from './compile.ts';
export { deriveRecursion, compileRecursion, compileRecursionDetailed, clearDerivationCache, type DerivedRecursion, type DerivedPart } from './derive.ts';
export { recursionDiagrams, termGraph, diagramsSvg, type TermDiagram, type TermGraphNode, type TermGraphEdge } from './diagrams.ts';
export { parseExpression } from './parse.ts';
