/**
 * The single-input kernel map of a deep MLP and its derivatives (Roberts, Yaida, Hanin, "The Principles of Deep
 * Learning Theory" (PDLT), §5.1):
 *
 *   K⁽ℓ⁺¹⁾ = C_b + C_W g(K⁽ℓ⁾),   g(K) = ⟨σ(z)²⟩_K,  z ~ N(0, K),
 *   g'(K)  = ½⟨(σ²)''⟩_K,  g''(K) = ¼⟨(σ²)⁗⟩_K          (Price's theorem: d/dK ⟨f⟩_K = ½⟨f''⟩_K),
 *   χ_∥(K) = C_W g'(K) = (C_W/K)⟨zσσ'⟩_K,   χ_⊥(K) = C_W⟨σ'²⟩_K,
 *   Δ' = χ_∥ Δ + a₂ Δ² + O(Δ³) about a fixed point K*, with a₂ = (C_W/2) g''(K*) = (C_W/8)⟨(σ²)⁗⟩_{K*},
 *   and the Gaussian part of the single-input four-point recursion, V' = C_W²[⟨σ⁴⟩ − ⟨σ²⟩²] + χ_∥² V.
 *
 * Every expectation comes from src/gaussian (smooth σ: quadrature to ~1e-13 relative; piecewise-linear σ: exact,
 * the derivative acting on the whole product (σ²)'' so that ReLU's δ-terms are well defined).
 */
import { getActivation, type Activation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { makeLayerExpectations } from '../gaussian/groups.ts';
import type { ActivationSpec } from '../spec.ts';

/** The expectations of one kernel value K > 0 that the criticality analysis uses. */
export interface KernelMapPoint {
  K: number;
  /** g = ⟨σ²⟩_K */
  g: number;
  /** g' = ½⟨(σ²)''⟩_K */
  dg: number;
  /** g'' = ¼⟨(σ²)⁗⟩_K */
  d2g: number;
  /** ⟨σ'²⟩_K */
  sigmaPrime2: number;
  /** ⟨σσ''⟩_K = g' − ⟨σ'²⟩: zero exactly where χ_∥ = χ_⊥ */
  sigmaSigma2: number;
  /** Var(σ²) = ⟨σ⁴⟩ − ⟨σ²⟩² */
  varSigma2: number;
}

export class KernelMap {
  readonly activation: Activation;
  private readonly memo = new Map<number, KernelMapPoint>();

  constructor(activation: ActivationSpec | Activation) {
    this.activation = typeof activation === 'object' && 'derivative' in activation ? activation : getActivation(activation);
  }

  /** The expectations at K (> 0, finite), memoised. */
  at(K: number): KernelMapPoint {
    if (!(Number.isFinite(K) && K > 0)) throw new NnftInputError('K', `the kernel must be a finite number > 0, got ${K}`);
    const hit = this.memo.get(K);
    if (hit) return hit;
    const { expect, expectGroups } = makeLayerExpectations(this.activation, [[K]]);
    const g = expect([{ input: 0, order: 0 }, { input: 0, order: 0 }]);
    const dg = 0.5 * expectGroups([{ input: 0, orders: [0, 0], deriv: 2 }]);
    const d2g = 0.25 * expectGroups([{ input: 0, orders: [0, 0], deriv: 4 }]);
    const sigmaPrime2 = expect([{ input: 0, order: 1 }, { input: 0, order: 1 }]);
    const sigma4 = expect([{ input: 0, order: 0 }, { input: 0, order: 0 }, { input: 0, order: 0 }, { input: 0, order: 0 }]);
    const p: KernelMapPoint = { K, g, dg, d2g, sigmaPrime2, sigmaSigma2: dg - sigmaPrime2, varSigma2: sigma4 - g * g };
    if (this.memo.size > 10000) this.memo.clear();
    this.memo.set(K, p);
    return p;
  }

  /** K' = C_b + C_W⟨σ²⟩_K. */
  next(K: number, cb: number, cw: number): number {
    return cb + cw * this.at(K).g;
  }

  /** χ_∥(K) = C_W g'(K). */
  chiParallel(K: number, cw: number): number {
    return cw * this.at(K).dg;
  }

  /** χ_⊥(K) = C_W⟨σ'²⟩_K. */
  chiPerpendicular(K: number, cw: number): number {
    return cw * this.at(K).sigmaPrime2;
  }

  /** The second-order coefficient a₂ = (C_W/2)g''(K) of the map about K. */
  secondOrder(K: number, cw: number): number {
    return 0.5 * cw * this.at(K).d2g;
  }
}
