/**
 * Monte Carlo (docs/architecture.md, docs/equations.md): sampled network ensembles, per-layer K, V4, K1, Θ, Θ1, A, B, D, F,
 * n-point functions with output indices and their cumulants, each with a standard error.
 *
 *   sampleEnsemble(spec)      → { layers: [{ layer, width, K: {mean, stderr}, V4: …, … }], meta }
 *   sampleCorrelators(spec)   → moments G⁽ⁿ⁾_{i1..in}(x_{α1}..x_{αn}) (n ≤ 6) and cumulants, mean ± stderr
 *   sampleEnsembleState / sampleCorrelatorsState + mergeStates + finishState: sharded runs, merged exactly.
 *
 * Standard errors: grouped jackknife over G = 64 groups of networks (network blocks assigned round-robin),
 * which handles the nonlinear estimators (products of means, cumulants) with memory O(G × statistics).
 */
export type { EnsembleSpec, DistributionSpec, McResult, McLayerResult, Estimate } from './types.ts';
export { sampleEnsemble, sampleEnsembleState, finishEnsemble, mergeStates, SHARD_FORMAT, type McState } from './ensemble.ts';
export { sampleCorrelators, sampleCorrelatorsState, finishCorrelators, type CorrelatorSpec, type CorrelatorResult, type CorrelatorEntry } from './correlators.ts';
export { NetStream, philox4x32 } from '../rng/index.ts';
export { finishState } from './finish.ts';
export { timeBackends, availableTfjsBackends } from './backend.ts';
