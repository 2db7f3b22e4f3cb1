/**
 * Criticality of deep MLPs (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. 5;
 * docs/criticality.md):
 *
 * - kernel-map.ts      the single-input kernel map, g = ⟨σ²⟩_K and its derivatives, χ_∥, χ_⊥, the second-order coefficient
 * - critical-point.ts  critical (C_b, C_W, K*) with χ_∥ = χ_⊥ = 1 and the universality class
 * - fixed-point.ts     fixed points of the map at given (C_b, C_W) and their stability
 * - exponents.ts       power-law exponents of K⁽ℓ⁾ − K* and V⁽ℓ⁾/K² on a long recursion run
 *
 * `criticality(spec)` runs the search and, for every critical point found, the exponents.
 */
import type { ActivationSpec } from '../spec.ts';
import { findCriticalPoints, type CriticalPoint, type CriticalitySearch, type SearchOptions } from './critical-point.ts';
import { criticalExponents, type ExponentReport } from './exponents.ts';
import { kernelFixedPoints, type KernelFixedPoint } from './fixed-point.ts';

export { KernelMap, type KernelMapPoint } from './kernel-map.ts';
export { findCriticalPoints, brentRoot, type CriticalPoint, type CriticalitySearch, type RejectedPoint, type UniversalityClass, type SearchOptions } from './critical-point.ts';
export { kernelFixedPoints, type KernelFixedPoint, type FixedPointOptions } from './fixed-point.ts';
export { criticalExponents, powerLawFit, linearFit, type ExponentReport, type PowerLawFit, type ExponentOptions } from './exponents.ts';

export interface CriticalitySpec {
  activation: ActivationSpec;
  /** depth of the exponent runs (default 1000); 0 skips them */
  depth?: number;
  /** K⁽¹⁾ of the exponent runs (default per class, exponents.ts) */
  K1?: number;
  /** also list the fixed points of the map at these hyperparameters */
  at?: { cb: number; cw: number };
  search?: SearchOptions;
}

export interface CriticalityReport extends CriticalitySearch {
  /** per critical point (same order as `points`): the exponent run, when its approach is not marginal */
  exponents: (ExponentReport | { skipped: string })[];
  fixedPoints?: { cb: number; cw: number; points: KernelFixedPoint[] };
}

export function criticality(spec: CriticalitySpec): CriticalityReport {
  const search = findCriticalPoints(spec.activation, spec.search);
  const depth = spec.depth ?? 1000;
  const exponents = search.points.map((p: CriticalPoint) => {
    if (depth === 0) return { skipped: 'depth 0: no exponent run' };
    if (p.approach === 'marginal') return { skipped: 'a₂ = 0: the approach to K* is not a power law at this order' };
    return criticalExponents(spec.activation, p, { depth, K1: spec.K1 });
  });
  const report: CriticalityReport = { ...search, exponents };
  if (spec.at) report.fixedPoints = { ...spec.at, points: kernelFixedPoints(spec.activation, spec.at.cb, spec.at.cw) };
  return report;
}
