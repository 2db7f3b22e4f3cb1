/**
 * Symmetry via duality (Maiti, Stoner, Halverson, Symmetry-via-Duality): group elements, transformations of correlators and of the mean NTK,
 * deviation measures with the App. C error bounds, and statistical invariance verdicts.
 *
 * - groups.ts   SO(D) (Haar; the paper's exp(Σ α_i T^i)), SU(D), Sp(D), translations, numerical checks
 * - tensors.ts  correlator tensors: rotate every output index, eq. 45 bound, the Wick GP correlator
 * - networks.ts the Symmetry-via-Duality ensembles, one network at a time (paired evaluation)
 * - engine.ts   paired Monte Carlo statistics, M_n measures, verdicts
 * - cases.ts    the named cases and `checkSymmetry(spec)`
 */
export * from './groups.ts';
export * from './tensors.ts';
export { Rng } from './rng.ts';
export { makeSampler, type SymNetSpec, type SymNetSampler, type Network, type FirstLayerSpec, type LastLayerSpec } from './networks.ts';
export { runPaired, normalUpperQuantile, upperTail, type Transform, type Order, type EngineOptions, type EngineResult, type MeasureResult, type Verdict, type EntryLocation } from './engine.ts';
export { checkSymmetry, CASE_NAMES, EXPECTED, defaultInputs, type CaseName, type SymmetrySpec, type SymmetryResult } from './cases.ts';
export { expm, det, qrHouseholder, orthogonalityError, type Mat } from './linalg.ts';
