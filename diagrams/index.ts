/**
 * diagrams/ — Wick contractions, EFT Feynman diagrams (canonical classes with exact coefficients),
 * printers (text, LaTeX, JSON, SVG), evaluation on spaces, and the NN-QFT λ workflow (Maiti; Halverson, Maiti, Stoner).
 * Equations: docs/equations.md.
 */
export { Rational } from '../src/rational.ts';
export {
  wickContractions,
  wickContractionsOfPoints,
  forEachWickContraction,
  enumerateWickCount,
  countWickContractions,
  countWickContractionsOfPoints,
  contractionToGraph,
  pairsFromBuffer,
  nngpCorrelator,
  nngpCorrelatorTensor,
  nngpCorrelatorExpression,
  MAX_WICK_PAIRS,
} from './wick.ts';
export type { Contraction, NngpTermFormat } from './wick.ts';
export { feynmanDiagrams, validateFeynmanSpec, groupByTopology, monomialOf, enumerateClasses, matchingWeight, topologyOf } from './feynman.ts';
export { couplingName, propagators, hasSelfLoop, relabelExternals } from './diagram.ts';
export type { FeynmanSpec, FeynmanResult, Diagram, TopologyGroup } from './diagram.ts';
export { diagramExpression, diagramLatex, diagramGraphJSON, diagramToGraph, diagramToJSON, topologyToJSON, vertexName, nodeName } from './printers.ts';
export type { DiagramGraphJSON, DiagramNode, DiagramEdge } from './printers.ts';
export { degreePreservingPermutations, canonicalAut } from './canonical.ts';
export {
  diagramIntegral,
  evaluateDiagram,
  evaluateCorrelator,
  seriesOnSpace,
  zeroDimensionalSeries,
  seriesToJSON,
  monomialValue,
  gaussLegendre,
  spaceNodes,
} from './evaluate.ts';
export type { Space, Kernel, Point, EvalContext } from './evaluate.ts';
export { diagramSVG, diagramsSVG } from './svg.ts';
export type { SvgOptions } from './svg.ts';
export { indexStructure, contractedCoefficient, vectorZeroDimensionalSeries, adjacentPairs, overlayLoops, polyToString, polyValue, polyAdd, polyTimes, MAX_VERTEX_PAIRINGS } from './vector.ts';
export type { DPolynomial, IndexTerm } from './vector.ts';
export { estimateLambda, predictG6, nnqftLambdaWorkflow, gpCorrelator, measuredFromCorrelators, sortedTuples } from './nnqft.ts';
export type { LambdaEstimate, NnqftWorkflowInput, NnqftWorkflowResult, MeasuredCorrelator } from './nnqft.ts';
