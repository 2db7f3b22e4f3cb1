/**
 * Infinite-width kernels of a group-convolutional network on (input, group element) pairs (docs/gcnn.md):
 *
 *   K⁽¹⁾_{αβ} = C_b + (C_W/(C₀|S₁|)) Σ_{y∈S₁} f_a(g·y)·f_b(g′·y),       Θ⁽¹⁾ likewise with λ_b, λ_W,
 *   K⁽ˡ⁺¹⁾ = 𝒜_{S_{ℓ+1}}[ C_b + C_W ⟨σ_α σ_β⟩_{K⁽ˡ⁾} ],
 *   Θ⁽ˡ⁺¹⁾ = 𝒜_{S_{ℓ+1}}[ λ_b + λ_W ⟨σ_α σ_β⟩_{K⁽ˡ⁾} + C_W ⟨σ′_α σ′_β⟩_{K⁽ˡ⁾} Θ⁽ˡ⁾_{αβ} ],
 * for α = (f_a, g), β = (f_b, g′) and (𝒜T)_{αβ} = (1/|S|) Σ_{k∈S} T_{αk,βk} (Misof, Kessel, Gerken,
 * *Equivariant Neural Tangent Kernels*; Misof, *The Neural Tangent Kernel: Equivariance, Data Augmentation and
 * Corrections from Feynman Diagrams*, "Kernel recursions of the group convolutional layer").
 *
 * Redundant work is avoided twice:
 *  - entries are computed once per orbit of {(α, β)} under the right translations that leave every layer's
 *    statistics invariant (architecture.ts `rightInvariance`; all of G when the lifting filter is global, so
 *    the m²|G|² entries reduce to m²|G|) and under α ↔ β, then copied — which also makes the stored tensors
 *    exactly invariant;
 *  - the Gaussian expectations ⟨σσ⟩, ⟨σ′σ′⟩ depend only on the 2×2 kernel (K_αα, K_αβ, K_ββ) and are memoised
 *    by those values (src/gaussian: exact for piecewise-linear σ, calibrated quadrature for smooth σ).
 * Expectations are computed on the 2×2 (or, for coincident points, 1×1) kernel as the MLP solver does on its
 * inputs. The lifted dot products are correctly rounded sums (Shewchuk's exact partials, src/montecarlo/accum.ts),
 * so they do not depend on the order of the terms: first-layer entries related by a symmetry (or by transforming
 * an input) are equal to the last bit and share their expectations through the value memo.
 */
import { getActivation } from '../activations/index.ts';
import type { Activation } from '../activations/types.ts';
import { NnftNumericalError } from '../errors.ts';
import { Float64Arena, makeLayerExpectation } from '../gaussian/index.ts';
import { fsumAdd, fsumValue } from '../montecarlo/accum.ts';
import { liftedInput, rightInvariance, shiftTable, type NormalizedGcnn } from './architecture.ts';
import { pairShift } from './support-map.ts';

/** Orbits of the pair-of-pairs index q = α·M + β under right translations by H and the swap α ↔ β. */
export interface PairOrbits {
  /** orbit id of every q */
  orbit: Int32Array;
  /** a representative q of every orbit */
  reps: Int32Array;
}

/** right[ki·|G| + g] = g·H[ki] */
export function rightTables(ns: NormalizedGcnn, H: readonly number[]): Int32Array {
  const G = ns.group;
  const t = new Int32Array(H.length * G.order);
  H.forEach((k, ki) => {
    for (let g = 0; g < G.order; g++) t[ki * G.order + g] = G.mul(g, k);
  });
  return t;
}

export function pairOrbits(ns: NormalizedGcnn, H: readonly number[]): PairOrbits {
  const n = ns.group.order;
  const M = ns.pairs;
  const orbit = new Int32Array(M * M).fill(-1);
  const reps: number[] = [];
  const right = rightTables(ns, H);
  for (let q = 0; q < M * M; q++) {
    if (orbit[q] !== -1) continue;
    const id = reps.length;
    reps.push(q);
    const a = Math.floor(q / M);
    const b = q % M;
    const fa = Math.floor(a / n);
    const fb = Math.floor(b / n);
    const ga = a % n;
    const gb = b % n;
    for (let ki = 0; ki < H.length; ki++) {
      const a2 = fa * n + right[ki * n + ga]!;
      const b2 = fb * n + right[ki * n + gb]!;
      orbit[a2 * M + b2] = id;
      orbit[b2 * M + a2] = id;
    }
  }
  return { orbit, reps: Int32Array.from(reps) };
}

/**
 * ⟨σσ⟩ and ⟨σ′σ′⟩ over the 2×2 Gaussian (K_aa, K_ab, K_bb), memoised by the three values (nested maps keyed by
 * the numbers themselves: building string keys cost as much as a piecewise-linear expectation).
 */
export class PairExpectations {
  private readonly memo = new Map<number, Map<number, Map<number, [number, number]>>>();
  private readonly arena = new Float64Arena();
  /** number of memoised kernels */
  size = 0;
  constructor(private readonly act: Activation) {}

  get(kaa: number, kab: number, kbb: number, withDerivative: boolean): [number, number] {
    if (kaa > kbb) [kaa, kbb] = [kbb, kaa]; // ⟨σσ⟩ and ⟨σ′σ′⟩ are symmetric: one entry for both orders
    let m1 = this.memo.get(kaa);
    if (!m1) this.memo.set(kaa, (m1 = new Map()));
    let m2 = m1.get(kbb);
    if (!m2) m1.set(kbb, (m2 = new Map()));
    const hit = m2.get(kab);
    if (hit && (!withDerivative || !Number.isNaN(hit[1]))) return hit;
    const coincident = kaa === kbb && kab === kaa;
    const expect = coincident
      ? makeLayerExpectation(this.act, [[kaa]], { arena: this.arena })
      : makeLayerExpectation(this.act, [[kaa, kab], [kab, kbb]], { arena: this.arena });
    const b = coincident ? 0 : 1;
    const s = expect([{ input: 0, order: 0 }, { input: b, order: 0 }]);
    const p = withDerivative ? expect([{ input: 0, order: 1 }, { input: b, order: 1 }]) : NaN;
    this.arena.reset();
    const v: [number, number] = [s, p];
    if (!hit) this.size++;
    m2.set(kab, v);
    return v;
  }
}

const shared = new Map<string, PairExpectations>();
/**
 * The process-wide memo of an activation's pair expectations (a pure function of the three kernel values), so
 * repeated solves — e.g. of transformed inputs, whose first-layer kernels are the same numbers permuted — reuse
 * them. Cleared when it holds more than 2¹⁹ kernels (≈50 MB).
 */
export function sharedPairExpectations(act: Activation): PairExpectations {
  let pe = shared.get(act.name);
  if (!pe || pe.size > 1 << 19) {
    pe = new PairExpectations(act);
    shared.set(act.name, pe);
  }
  return pe;
}

/** Forget the memoised pair expectations (benchmarks time solves of unseen inputs). */
export function clearSharedPairExpectations(): void {
  shared.clear();
}

export interface KernelOptions {
  /** also compute Θ */
  theta: boolean;
  /** replaces rightInvariance(ns, 2) (tests: the trivial subgroup checks the orbit reduction) */
  invariance?: readonly number[];
  /** stop after this many layers (default all) */
  depth?: number;
}

export interface KernelLayers {
  /** K⁽ˡ⁾ on pairs, flat (m|G|)², layer ℓ at index ℓ−1 */
  K: Float64Array[];
  Theta?: Float64Array[];
  /** number of orbits computed per layer (of (m|G|)² entries) */
  orbits: number;
}

function fillFromReps(vals: Float64Array, orb: PairOrbits, M: number): Float64Array {
  const out = new Float64Array(M * M);
  for (let q = 0; q < M * M; q++) out[q] = vals[orb.orbit[q]!]!;
  return out;
}

function requireFiniteLayer(what: string, layer: number, t: Float64Array): void {
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i])) {
      throw new NnftNumericalError(`the group-convolutional ${what}`, `a Gaussian expectation is not finite (entry ${i}: ${t[i]})`, 'use a bounded activation or smaller --cw/--cb', { layer, quantity: what });
    }
  }
}

/** K (and Θ) of every layer on pairs; see the module comment. */
export function gcnnKernels(ns: NormalizedGcnn, opts: KernelOptions, act: Activation = getActivation(ns.activation)): KernelLayers {
  const G = ns.group;
  const n = G.order;
  const M = ns.pairs;
  const H = opts.invariance ?? rightInvariance(ns, 2);
  const orb = pairOrbits(ns, H);
  const R = orb.reps.length;

  // layer 1: lifted dot products at the orbit representatives
  const liftFan = ns.C0 * ns.liftSupport.length;
  const va = new Float64Array(liftFan);
  const vb = new Float64Array(liftFan);
  const kRep = new Float64Array(R);
  const tRep = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    const q = orb.reps[r]!;
    const a = Math.floor(q / M);
    const b = q % M;
    liftedInput(ns, Math.floor(a / n), a % n, va);
    liftedInput(ns, Math.floor(b / n), b % n, vb);
    const part: number[] = [];
    for (let j = 0; j < liftFan; j++) fsumAdd(part, va[j]! * vb[j]!);
    const dot = fsumValue(part);
    kRep[r] = ns.cb[0]! + (ns.cw[0]! / liftFan) * dot;
    tRep[r] = ns.lambdaB[0]! + (ns.lambdaW[0]! / liftFan) * dot;
  }
  let K = fillFromReps(kRep, orb, M);
  let T = opts.theta ? fillFromReps(tRep, orb, M) : undefined;
  requireFiniteLayer('kernel K', 1, K);
  const Ks = [K];
  const Ts = T ? [T] : undefined;

  const pe = sharedPairExpectations(act);
  const depth = Math.min(ns.L, opts.depth ?? ns.L);
  for (let l = 1; l < depth; l++) {
    const S = ns.convSupports[l]!;
    const s = S.length;
    const shift = pairShift(ns.m, n, shiftTable(G, S), s);
    const { cb, cw, lambdaB, lambdaW } = { cb: ns.cb[l]!, cw: ns.cw[l]!, lambdaB: ns.lambdaB[l]!, lambdaW: ns.lambdaW[l]! };
    // the layer map before the support average, at the representatives (same expressions as recursions/kernel.ts)
    const fk = new Float64Array(R);
    const ft = T ? new Float64Array(R) : undefined;
    for (let r = 0; r < R; r++) {
      const q = orb.reps[r]!;
      let a = Math.floor(q / M);
      let b = q % M;
      if (a > b) [a, b] = [b, a];
      const [sv, pv] = pe.get(K[a * M + a]!, K[a * M + b]!, K[b * M + b]!, T !== undefined);
      fk[r] = cb + cw * sv;
      if (ft) ft[r] = lambdaB + lambdaW * sv + cw * pv * T![a * M + b]!;
    }
    const FK = fillFromReps(fk, orb, M);
    const FT = ft ? fillFromReps(ft, orb, M) : undefined;
    const kNext = new Float64Array(R);
    const tNext = FT ? new Float64Array(R) : undefined;
    for (let r = 0; r < R; r++) {
      const q = orb.reps[r]!;
      const a = Math.floor(q / M);
      const b = q % M;
      let ak = 0;
      let at = 0;
      for (let k = 0; k < s; k++) {
        const p = shift[a * s + k]! * M + shift[b * s + k]!;
        ak += FK[p]!;
        if (FT) at += FT[p]!;
      }
      kNext[r] = ak / s;
      if (tNext) tNext[r] = at / s;
    }
    K = fillFromReps(kNext, orb, M);
    requireFiniteLayer('kernel K', l + 1, K);
    Ks.push(K);
    if (tNext) {
      T = fillFromReps(tNext, orb, M);
      requireFiniteLayer('NTK Θ', l + 1, T);
      Ts!.push(T);
    }
  }
  return { K: Ks, Theta: Ts, orbits: R };
}
