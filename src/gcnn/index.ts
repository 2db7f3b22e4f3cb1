/**
 * Group-convolutional networks (docs/gcnn.md): groups C_N and p4:N, infinite-width K and Θ on (input, group
 * element) pairs, the O(1/n) tensors through the compiled MLP evaluators and the support average, Monte Carlo
 * ensembles, single drawn networks with their empirical NTK, and symmetry verdicts.
 */
export { parseGroup, transformSignal, parseSupport, liftingSupport, groupSupport, cayleyTable, type FiniteGroup, type SupportSpec } from './groups.ts';
export { normalizeGcnn, liftedInput, rightInvariance, type GcnnSpec, type NormalizedGcnn, type Signal } from './architecture.ts';
export { gcnnKernels, type KernelLayers, type KernelOptions } from './kernels.ts';
export { gcnnFiniteWidth } from './finite.ts';
export { solveGcnnRecursions, solveGcnnTensors, type GcnnRecursionSpec, type GcnnRecursionResult, type GcnnSolveOptions, type GcnnDescription, type PairLabel } from './solve.ts';
export { supportAverage2, supportAverage4, pool2, pool4 } from './support-map.ts';
export { sampleGcnnEnsemble, type GcnnEnsembleSpec, type GcnnMcResult, type GcnnMcLayer } from './ensemble.ts';
export { drawGcnn, poolOutput, poolNtk, type GcnnNetwork, type GcnnParameter } from './network.ts';
export { checkGcnnSymmetry, type GcnnSymmetrySpec, type GcnnSymmetryResult } from './symmetry.ts';
