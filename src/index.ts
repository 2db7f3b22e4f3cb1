/**
 * nnft public API (docs/README.md). Each function returns plain data that serialises to the CLI's JSON.
 */
export { NnftInputError, NnftNumericalError, NnftResourceError } from './errors.ts';
export type { ArchitectureSpec, NormalizedSpec, ActivationSpec } from './spec.ts';
export { normalizeSpec } from './spec.ts';
export { checkSymmetry, CASE_NAMES as SYMMETRY_CASES, runPaired, randomElement, rotateOutputIndices } from './symmetry/index.ts';
export type { SymmetrySpec, SymmetryResult } from './symmetry/index.ts';
export { lineErrorPlot, writePlot, gridPlot, writeGridPlot } from './plot/index.ts';
export type { LinePlotSpec, PlotSeries, PlotPoint, GridPlotSpec } from './plot/index.ts';
export { QUANTITIES, QUANTITY_NAMES, DEFAULT_QUANTITIES, parseQuantities, parseQuantity, readsOf, symmetryOf } from './quantities.ts';
export type { QuantityName, SampledQuantity, QuantitySpec } from './quantities.ts';
export type { LayerTensors, RecursionContext, LayerEvaluator, QuantityRecursion } from './recursion-contract.ts';
export { sampleEnsemble, sampleCorrelators, mergeStates, finishState } from './montecarlo/index.ts';
export type { EnsembleSpec, DistributionSpec, McResult, CorrelatorSpec, CorrelatorResult, McState } from './montecarlo/index.ts';
export { getActivation, activationNames } from './activations/index.ts';
export type { Activation } from './activations/index.ts';
export { gaussHermite, gaussExpect, expectActivationProduct, makeLayerExpectation, validateKernel } from './gaussian/index.ts';
export type { DerivFactor, GaussOptions, GaussResult } from './gaussian/index.ts';
export { deriveRecursion, compileRecursion, recursionDiagrams, diagramsSvg, parseExpression } from './symbolic/index.ts';
export type { DerivedRecursion } from './symbolic/index.ts';
export { solveRecursions } from '../recursions/index.ts';
export { solveKernels, solveKernelsSync, runKernels } from './kernels/index.ts';
export type { KernelSpec, KernelOptions, KernelLayer, KernelReport, KernelResult } from './kernels/index.ts';
export { writeNpy, writeNpyNested, NpyWriter } from './output/npy.ts';
export type { RecursionSpec, RecursionResult, LayerResult } from '../recursions/index.ts';
export {
  wickContractions, forEachWickContraction, countWickContractions, nngpCorrelator, feynmanDiagrams, groupByTopology,
  zeroDimensionalSeries, evaluateCorrelator, estimateLambda, nnqftLambdaWorkflow, Rational,
} from '../diagrams/index.ts';
export { solveGcnnRecursions, sampleGcnnEnsemble, checkGcnnSymmetry, parseGroup } from './gcnn/index.ts';
export type { GcnnRecursionSpec, GcnnRecursionResult, GcnnEnsembleSpec, GcnnMcResult, GcnnSymmetrySpec, GcnnSymmetryResult } from './gcnn/index.ts';
