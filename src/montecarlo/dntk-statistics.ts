/**
 * The dNTK and the two ddNTKs of one sampled MLP, exactly, and the per-network statistics from which the Monte Carlo
 * estimates P, Q, R, S, T, U (definitions and normalisation: docs/dntk.md; recursions: recursions/quantities/p.ts … u.ts).
 *
 * With output points p = (i, α) of layer ℓ (neuron i, input α), parameters θ of layers 1..ℓ and the learning-rate
 * factors λ_μ (λ_b for biases, λ_W/n_{l−1} for the weights of layer l; docs/conventions.md), let v_p = Λ∇_θ z_p
 * (the gradient-descent direction of output p). Then
 *
 *   Θ̂_{pq}       = ⟨∇z_p, Λ∇z_q⟩,
 *   dΘ̂_{p0p1p2}  = D²z_{p0}[v_{p1}, v_{p2}]                 (= Σ λ_μλ_ν ∂²z_{p0}/∂θ_μ∂θ_ν ∂z_{p1}/∂θ_μ ∂z_{p2}/∂θ_ν),
 *   ddIΘ̂_{p0p1p2p3}  = D³z_{p0}[v_{p1}, v_{p2}, v_{p3}],
 *   ddIIΘ̂_{p1p2p3p4} = ⟨H_{p1} v_{p3}, Λ H_{p2} v_{p4}⟩     (H_p the Hessian of z_p),
 *
 * (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory", ch. 11 and ∞). They are computed by explicit layer
 * formulas, exploiting that the weight block of every direction v_q is rank one, (λ_W/n_{l−1}) g_q a_qᵀ with g_q the
 * back-propagated gradient ∂z_q/∂z⁽ˡ⁾ and a_q the layer below's activations at α_q:
 *  - forward Taylor mode along directions (first, second and third order; the W blocks act on activations through a
 *    dot product, so each order costs one matrix–vector product per layer and input) gives dΘ̂ and ddIΘ̂;
 *  - forward-over-reverse (the tangent of back-propagation along v_q) gives H_p v_q as a rank-two weight block
 *    ġ aᵀ + g ȧᵀ per layer, whose Λ-inner products are products of vector dot products: ddIIΘ̂.
 * Every quantity is a polynomial in the weights and in σ, σ′, σ″, σ‴ at the sampled preactivations. For a
 * piecewise-linear σ the per-network values use σ″ = σ‴ = 0 (their value almost surely); the distributional parts
 * (δ at the kink) are invisible to one network (docs/dntk.md states what that means for the statistics).
 */
import type { Activation } from '../activations/types.ts';
import type { Buffers } from './buffers.ts';
import type { Plan } from './plan.ts';

/** One sampled MLP truncated at layer ℓ = widths.length (every array is read, never written). */
export interface MlpState {
  m: number;
  /** widths[0] = n₀ (input dimension), widths[l] = n_l for l = 1..ℓ */
  widths: readonly number[];
  /** a[0] = inputs, a[l] = σ(z⁽ˡ⁾) for l < ℓ; layout j·m + α (n_l × m) */
  a: readonly Float64Array[];
  /** z[l] for l = 1..ℓ (z[0] unused); layout i·m + α */
  z: readonly Float64Array[];
  /** σ′, σ″, σ‴ at z[l] (index 0 unused), layout i·m + α */
  d1: readonly Float64Array[];
  d2: readonly Float64Array[];
  d3: readonly Float64Array[];
  /** W[l] for l = 2..ℓ (n_l × n_{l−1}, row-major); W[0], W[1] unused (layer 1's weights never enter a derivative) */
  W: readonly Float64Array[];
  /** λ_b, λ_W of layer l at index l (index 0 unused) */
  lambdaB: readonly number[];
  lambdaW: readonly number[];
}

/**
 * A parameter-space direction with rank-one weight blocks: for each layer l, V⁽ˡ⁾ = u⁽ˡ⁾ w⁽ˡ⁾ᵀ (u of length n_l, w of
 * length n_{l−1}) and bias block c⁽ˡ⁾ = cb⁽ˡ⁾·u⁽ˡ⁾. For v_q = Λ∇z_q: u = g_q, w = (λ_W/n_{l−1}) a_q, cb = λ_b.
 */
export interface Direction {
  u: Float64Array[];
  w: Float64Array[];
  cb: number[];
}

/** An output point: neuron i of the last layer at input α. */
export interface OutputPoint {
  i: number;
  alpha: number;
}

const dot = (x: Float64Array, y: Float64Array, n: number): number => {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[k]! * y[k]!;
  return s;
};

/** Column α of an n×m array (layout i·m + α) into out. */
function column(x: Float64Array, n: number, m: number, alpha: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) out[i] = x[i * m + alpha]!;
  return out;
}

/** The σ-derivative tables of an MLP state from its preactivations (σ″ = σ‴ = 0 for piecewise-linear σ). */
export function activationTables(act: Activation, z: readonly Float64Array[], upTo: number): { a: Float64Array[]; d1: Float64Array[]; d2: Float64Array[]; d3: Float64Array[] } {
  const f = act.f;
  const f1 = act.derivative(1);
  const smooth = act.kind === 'smooth';
  const f2 = smooth ? act.derivative(2) : (): number => 0;
  const f3 = smooth ? act.derivative(3) : (): number => 0;
  const a: Float64Array[] = [];
  const d1: Float64Array[] = [];
  const d2: Float64Array[] = [];
  const d3: Float64Array[] = [];
  for (let l = 0; l <= upTo; l++) {
    const zl = z[l];
    if (l === 0 || !zl) {
      a.push(new Float64Array(0));
      d1.push(new Float64Array(0));
      d2.push(new Float64Array(0));
      d3.push(new Float64Array(0));
      continue;
    }
    a.push(zl.map(f));
    d1.push(zl.map(f1));
    d2.push(zl.map(f2));
    d3.push(zl.map(f3));
  }
  return { a, d1, d2, d3 };
}

/**
 * Back-propagated gradients of the output points: g[p][l] = ∂z_p/∂z⁽ˡ⁾ (at input α_p), l = 1..ℓ, and
 * pre[p][l] = W⁽ˡ⁺¹⁾ᵀ g[p][l+1] (before the σ′ factor; pre[p][ℓ] unused).
 */
export function backprop(s: MlpState, points: readonly OutputPoint[]): { g: Float64Array[][]; pre: Float64Array[][] } {
  const { m, widths } = s;
  const L = widths.length - 1;
  const g: Float64Array[][] = [];
  const pre: Float64Array[][] = [];
  for (const p of points) {
    const gp: Float64Array[] = new Array(L + 1);
    const pp: Float64Array[] = new Array(L + 1);
    const top = new Float64Array(widths[L]!);
    top[p.i] = 1;
    gp[L] = top;
    pp[L] = new Float64Array(0);
    gp[0] = new Float64Array(0);
    pp[0] = new Float64Array(0);
    for (let l = L - 1; l >= 1; l--) {
      const n = widths[l]!;
      const nUp = widths[l + 1]!;
      const W = s.W[l + 1]!;
      const up = gp[l + 1]!;
      const u = new Float64Array(n);
      for (let r = 0; r < nUp; r++) {
        const c = up[r]!;
        if (c === 0) continue;
        const o = r * n;
        for (let j = 0; j < n; j++) u[j]! += c * W[o + j]!;
      }
      const d1 = s.d1[l]!;
      const gl = new Float64Array(n);
      for (let j = 0; j < n; j++) gl[j] = d1[j * m + p.alpha]! * u[j]!;
      pp[l] = u;
      gp[l] = gl;
    }
    g.push(gp);
    pre.push(pp);
  }
  return { g, pre };
}

/** The directions v_p = Λ∇z_p of the output points. */
export function gradientDirections(s: MlpState, points: readonly OutputPoint[], g: readonly Float64Array[][]): Direction[] {
  const L = s.widths.length - 1;
  return points.map((p, k) => {
    const u: Float64Array[] = [new Float64Array(0)];
    const w: Float64Array[] = [new Float64Array(0)];
    const cb: number[] = [0];
    for (let l = 1; l <= L; l++) {
      const nPrev = s.widths[l - 1]!;
      u.push(g[k]![l]!);
      const ap = column(s.a[l - 1]!, nPrev, s.m, p.alpha, new Float64Array(nPrev));
      const sc = s.lambdaW[l]! / nPrev;
      for (let j = 0; j < nPrev; j++) ap[j]! *= sc;
      w.push(ap);
      cb.push(s.lambdaB[l]!);
    }
    return { u, w, cb };
  });
}

/** Θ̂_{pq} = ⟨∇z_p, Λ∇z_q⟩ for all pairs of output points (row-major |P|×|P|). */
export function empiricalNtk(s: MlpState, points: readonly OutputPoint[], g: readonly Float64Array[][]): Float64Array {
  const { m, widths } = s;
  const L = widths.length - 1;
  const P = points.length;
  const out = new Float64Array(P * P);
  const colP = new Float64Array(Math.max(...widths));
  const colQ = new Float64Array(Math.max(...widths));
  for (let p = 0; p < P; p++) {
    for (let q = p; q < P; q++) {
      let v = 0;
      for (let l = 1; l <= L; l++) {
        const nPrev = widths[l - 1]!;
        const gg = dot(g[p]![l]!, g[q]![l]!, widths[l]!);
        const aa = dot(column(s.a[l - 1]!, nPrev, m, points[p]!.alpha, colP), column(s.a[l - 1]!, nPrev, m, points[q]!.alpha, colQ), nPrev);
        v += gg * ((s.lambdaW[l]! / nPrev) * aa + s.lambdaB[l]!);
      }
      out[p * P + q] = v;
      out[q * P + p] = v;
    }
  }
  return out;
}

/**
 * Forward Taylor coefficients of the preactivations along one direction: dz[l] = D z⁽ˡ⁾[v] and da[l] = D a⁽ˡ⁾[v]
 * (all inputs, layout i·m + α), l = 1..ℓ (da[0] = 0: the inputs do not move).
 */
export interface Tangent {
  dz: Float64Array[];
  da: Float64Array[];
}

/** W a for every input column: out (n_l × m) += W⁽ˡ⁾ x with x (n_{l−1} × m). */
function matmulCols(W: Float64Array, x: Float64Array, n: number, nPrev: number, m: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * nPrev;
    for (let al = 0; al < m; al++) {
      let acc = 0;
      for (let j = 0; j < nPrev; j++) acc += W[o + j]! * x[j * m + al]!;
      out[i * m + al]! += acc;
    }
  }
}

/** V⁽ˡ⁾ x = u (w·x) for every input column: out (n_l × m) += u ⊗ (wᵀ x). */
function rankOneCols(u: Float64Array, w: Float64Array, x: Float64Array, n: number, nPrev: number, m: number, out: Float64Array): void {
  for (let al = 0; al < m; al++) {
    let c = 0;
    for (let j = 0; j < nPrev; j++) c += w[j]! * x[j * m + al]!;
    if (c === 0) continue;
    for (let i = 0; i < n; i++) out[i * m + al]! += u[i]! * c;
  }
}

/** First-order tangent along v: ż⁽ˡ⁾ = V⁽ˡ⁾ a⁽ˡ⁻¹⁾ + c⁽ˡ⁾ + W⁽ˡ⁾ ȧ⁽ˡ⁻¹⁾, ȧ = σ′ ż. */
export function firstOrder(s: MlpState, v: Direction): Tangent {
  const { m, widths } = s;
  const L = widths.length - 1;
  const dz: Float64Array[] = [new Float64Array(0)];
  const da: Float64Array[] = [new Float64Array(widths[0]! * m)];
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    const out = new Float64Array(n * m);
    rankOneCols(v.u[l]!, v.w[l]!, s.a[l - 1]!, n, nPrev, m, out);
    const cb = v.cb[l]!;
    if (cb !== 0) for (let i = 0; i < n; i++) for (let al = 0; al < m; al++) out[i * m + al]! += cb * v.u[l]![i]!;
    if (l >= 2) matmulCols(s.W[l]!, da[l - 1]!, n, nPrev, m, out);
    dz.push(out);
    if (l < L) {
      const d1 = s.d1[l]!;
      da.push(out.map((x, k) => d1[k]! * x));
    } else da.push(new Float64Array(0));
  }
  return { dz, da };
}

/**
 * Second-order coefficient D²z⁽ℓ⁾[v_j, v_k] (n_ℓ × m) from the first-order tangents tj, tk:
 * z_jk = W a_jk + V_j ȧ_k + V_k ȧ_j, a_jk = σ″ ż_j ż_k + σ′ z_jk. Returns every layer's (z_jk, a_jk).
 */
export function secondOrder(s: MlpState, vj: Direction, vk: Direction, tj: Tangent, tk: Tangent): Tangent {
  const { m, widths } = s;
  const L = widths.length - 1;
  const dz: Float64Array[] = [new Float64Array(0)];
  const da: Float64Array[] = [new Float64Array(widths[0]! * m)];
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    const out = new Float64Array(n * m);
    if (l >= 2) {
      matmulCols(s.W[l]!, da[l - 1]!, n, nPrev, m, out);
      rankOneCols(vj.u[l]!, vj.w[l]!, tk.da[l - 1]!, n, nPrev, m, out);
      rankOneCols(vk.u[l]!, vk.w[l]!, tj.da[l - 1]!, n, nPrev, m, out);
    }
    dz.push(out);
    if (l < L) {
      const d1 = s.d1[l]!;
      const d2 = s.d2[l]!;
      const zj = tj.dz[l]!;
      const zk = tk.dz[l]!;
      da.push(out.map((x, q) => d2[q]! * zj[q]! * zk[q]! + d1[q]! * x));
    } else da.push(new Float64Array(0));
  }
  return { dz, da };
}

/**
 * Third-order coefficient D³z⁽ℓ⁾[v1, v2, v3] (n_ℓ × m): z_123 = W a_123 + V1 a_23 + V2 a_13 + V3 a_12,
 * a_123 = σ‴ ż1ż2ż3 + σ″ (ż1 z_23 + ż2 z_13 + ż3 z_12) + σ′ z_123.
 */
export function thirdOrder(
  s: MlpState,
  v: readonly [Direction, Direction, Direction],
  t: readonly [Tangent, Tangent, Tangent],
  t12: Tangent, t13: Tangent, t23: Tangent,
): Float64Array {
  const { m, widths } = s;
  const L = widths.length - 1;
  let prev = new Float64Array(widths[0]! * m);
  let out = new Float64Array(0);
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    out = new Float64Array(n * m);
    if (l >= 2) {
      matmulCols(s.W[l]!, prev, n, nPrev, m, out);
      rankOneCols(v[0].u[l]!, v[0].w[l]!, t23.da[l - 1]!, n, nPrev, m, out);
      rankOneCols(v[1].u[l]!, v[1].w[l]!, t13.da[l - 1]!, n, nPrev, m, out);
      rankOneCols(v[2].u[l]!, v[2].w[l]!, t12.da[l - 1]!, n, nPrev, m, out);
    }
    if (l < L) {
      const d1 = s.d1[l]!;
      const d2 = s.d2[l]!;
      const d3 = s.d3[l]!;
      const z1 = t[0].dz[l]!, z2 = t[1].dz[l]!, z3 = t[2].dz[l]!;
      const z12 = t12.dz[l]!, z13 = t13.dz[l]!, z23 = t23.dz[l]!;
      const next = new Float64Array(n * m);
      for (let q = 0; q < n * m; q++) {
        next[q] = d3[q]! * z1[q]! * z2[q]! * z3[q]! + d2[q]! * (z1[q]! * z23[q]! + z2[q]! * z13[q]! + z3[q]! * z12[q]!) + d1[q]! * out[q]!;
      }
      prev = next;
    }
  }
  return out;
}

/**
 * H_p v for output point p along direction v (with its first-order tangent tv): per layer l the weight block is
 * ġ⁽ˡ⁾ a_pᵀ + g_p⁽ˡ⁾ ȧ_pᵀ and the bias block ġ⁽ˡ⁾, with a_p, ȧ_p the layer below's activation and its tangent at α_p.
 * Back-propagated tangent: ġ⁽ℓ⁾ = 0, ġ⁽ˡ⁾ = σ″ ż ⊙ (W⁽ˡ⁺¹⁾ᵀ g⁽ˡ⁺¹⁾) + σ′ ⊙ (V⁽ˡ⁺¹⁾ᵀ g⁽ˡ⁺¹⁾ + W⁽ˡ⁺¹⁾ᵀ ġ⁽ˡ⁺¹⁾).
 */
export interface Hvp {
  /** ġ⁽ˡ⁾, l = 1..ℓ */
  gdot: Float64Array[];
  /** ȧ⁽ˡ⁻¹⁾ at α_p, l = 1..ℓ (zero at l = 1) */
  adot: Float64Array[];
}

export function hessianVector(s: MlpState, p: OutputPoint, gp: readonly Float64Array[], prep: readonly Float64Array[], v: Direction, tv: Tangent): Hvp {
  const { m, widths } = s;
  const L = widths.length - 1;
  const gdot: Float64Array[] = new Array(L + 1);
  const adot: Float64Array[] = new Array(L + 1);
  gdot[0] = new Float64Array(0);
  adot[0] = new Float64Array(0);
  gdot[L] = new Float64Array(widths[L]!);
  for (let l = L - 1; l >= 1; l--) {
    const n = widths[l]!;
    const nUp = widths[l + 1]!;
    const W = s.W[l + 1]!;
    const gUp = gp[l + 1]!;
    const gdUp = gdot[l + 1]!;
    // V⁽ˡ⁺¹⁾ᵀ g⁽ˡ⁺¹⁾ = w⁽ˡ⁺¹⁾ (u⁽ˡ⁺¹⁾·g⁽ˡ⁺¹⁾)
    const ug = dot(v.u[l + 1]!, gUp, nUp);
    const w = v.w[l + 1]!;
    const acc = new Float64Array(n);
    for (let r = 0; r < nUp; r++) {
      const c = gdUp[r]!;
      if (c === 0) continue;
      const o = r * n;
      for (let j = 0; j < n; j++) acc[j]! += c * W[o + j]!;
    }
    const pre = prep[l]!;
    const d1 = s.d1[l]!;
    const d2 = s.d2[l]!;
    const zt = tv.dz[l]!;
    const gd = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const q = j * m + p.alpha;
      gd[j] = d2[q]! * zt[q]! * pre[j]! + d1[q]! * (w[j]! * ug + acc[j]!);
    }
    gdot[l] = gd;
  }
  for (let l = 1; l <= L; l++) adot[l] = column(tv.da[l - 1]!, widths[l - 1]!, m, p.alpha, new Float64Array(widths[l - 1]!));
  return { gdot, adot };
}

/** ⟨H_p v, v_r⟩ = D²z_p[v, v_r] from the HVP representation (an independent route to dΘ̂, used by the tests). */
export function hvpDotDirection(s: MlpState, p: OutputPoint, gp: readonly Float64Array[], h: Hvp, vr: Direction): number {
  const { m, widths } = s;
  const L = widths.length - 1;
  const col = new Float64Array(Math.max(...widths));
  let v = 0;
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    const ap = column(s.a[l - 1]!, nPrev, m, p.alpha, col);
    // weight block: ⟨ġ a_pᵀ + g ȧᵀ, u wᵀ⟩_F ; bias block: ġ · (cb u)
    const gu = dot(h.gdot[l]!, vr.u[l]!, n);
    v += gu * dot(ap, vr.w[l]!, nPrev) + dot(gp[l]!, vr.u[l]!, n) * dot(h.adot[l]!, vr.w[l]!, nPrev) + vr.cb[l]! * gu;
  }
  return v;
}

/** ⟨H_1 v_3, Λ H_2 v_4⟩ from two HVP representations (ddIIΘ̂). */
export function hvpInner(s: MlpState, p1: OutputPoint, g1: readonly Float64Array[], h1: Hvp, p2: OutputPoint, g2: readonly Float64Array[], h2: Hvp): number {
  const { m, widths } = s;
  const L = widths.length - 1;
  const c1 = new Float64Array(Math.max(...widths));
  const c2 = new Float64Array(Math.max(...widths));
  let v = 0;
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    const a1 = column(s.a[l - 1]!, nPrev, m, p1.alpha, c1);
    const a2 = column(s.a[l - 1]!, nPrev, m, p2.alpha, c2);
    const gd1 = h1.gdot[l]!, gd2 = h2.gdot[l]!;
    const gdgd = dot(gd1, gd2, n);
    const weight =
      gdgd * dot(a1, a2, nPrev) +
      dot(gd1, g2[l]!, n) * dot(a1, h2.adot[l]!, nPrev) +
      dot(g1[l]!, gd2, n) * dot(h1.adot[l]!, a2, nPrev) +
      dot(g1[l]!, g2[l]!, n) * dot(h1.adot[l]!, h2.adot[l]!, nPrev);
    v += (s.lambdaW[l]! / nPrev) * weight + s.lambdaB[l]! * gdgd;
  }
  return v;
}

/** The dNTK and ddNTKs of one network on a set of output points, as dense tensors over the points. */
export interface NetworkDerivatives {
  /** |P|² */
  ntk: Float64Array;
  /** dΘ̂[p0][p1][p2] (|P|³) */
  dntk: Float64Array;
  /** ddIΘ̂[p0][p1][p2][p3] (|P|⁴), when requested */
  ddI: Float64Array | null;
  /** ddIIΘ̂[p1][p2][p3][p4] (|P|⁴), when requested */
  ddII: Float64Array | null;
}

/**
 * Θ̂, dΘ̂ and (optionally) ddIΘ̂, ddIIΘ̂ of network s on the output points (all at the last layer of s). Cost for |P|
 * points and width n: |P|(|P|+1)/2 second-order and C(|P|+2, 3) third-order forward passes (one n×n product per layer
 * and input each), and |P|² back-propagated tangents.
 */
export function networkDerivatives(s: MlpState, points: readonly OutputPoint[], ddntk: boolean): NetworkDerivatives {
  const P = points.length;
  const { m, widths } = s;
  const L = widths.length - 1;
  const { g, pre } = backprop(s, points);
  const dirs = gradientDirections(s, points, g);
  const ntk = empiricalNtk(s, points, g);
  const tan = dirs.map((v) => firstOrder(s, v));
  // second order for every unordered pair; dΘ̂[p0][j][k] = D²z_{p0}[v_j, v_k]
  const second = new Map<number, Tangent>();
  const dntk = new Float64Array(P * P * P);
  for (let j = 0; j < P; j++) {
    for (let k = j; k < P; k++) {
      const t = secondOrder(s, dirs[j]!, dirs[k]!, tan[j]!, tan[k]!);
      second.set(j * P + k, t);
      const top = t.dz[L]!;
      for (let p0 = 0; p0 < P; p0++) {
        const v = top[points[p0]!.i * m + points[p0]!.alpha]!;
        dntk[(p0 * P + j) * P + k] = v;
        dntk[(p0 * P + k) * P + j] = v;
      }
    }
  }
  if (!ddntk) return { ntk, dntk, ddI: null, ddII: null };
  const pair = (j: number, k: number): Tangent => second.get(j <= k ? j * P + k : k * P + j)!;
  const ddI = new Float64Array(P ** 4);
  for (let a = 0; a < P; a++) {
    for (let b = a; b < P; b++) {
      for (let c = b; c < P; c++) {
        const top = thirdOrder(s, [dirs[a]!, dirs[b]!, dirs[c]!], [tan[a]!, tan[b]!, tan[c]!], pair(a, b), pair(a, c), pair(b, c));
        for (let p0 = 0; p0 < P; p0++) {
          const v = top[points[p0]!.i * m + points[p0]!.alpha]!;
          for (const [x, y, w] of [[a, b, c], [a, c, b], [b, a, c], [b, c, a], [c, a, b], [c, b, a]] as const) {
            ddI[((p0 * P + x) * P + y) * P + w] = v;
          }
        }
      }
    }
  }
  const hv: Hvp[][] = points.map((p, k) => dirs.map((v, q) => hessianVector(s, p, g[k]!, pre[k]!, v, tan[q]!)));
  const ddII = new Float64Array(P ** 4);
  for (let p1 = 0; p1 < P; p1++) {
    for (let p2 = 0; p2 < P; p2++) {
      for (let p3 = 0; p3 < P; p3++) {
        for (let p4 = 0; p4 < P; p4++) {
          const idx = ((p1 * P + p2) * P + p3) * P + p4;
          const sym = ((p2 * P + p1) * P + p4) * P + p3;
          if (sym < idx) {
            ddII[idx] = ddII[sym]!;
            continue;
          }
          ddII[idx] = hvpInner(s, points[p1]!, g[p1]!, hv[p1]![p3]!, points[p2]!, g[p2]!, hv[p2]![p4]!);
        }
      }
    }
  }
  void widths;
  return { ntk, dntk, ddI, ddII };
}

/**
 * The last layer's preactivations at θ + Σ_k c_k v_k (all inputs, layout i·m + α), by a forward pass from the stored
 * state: z'⁽ˡ⁾ = z⁽ˡ⁾ + W⁽ˡ⁾(a'⁽ˡ⁻¹⁾ − a⁽ˡ⁻¹⁾) + ΔW⁽ˡ⁾ a'⁽ˡ⁻¹⁾ + Δb⁽ˡ⁾ with the rank-one blocks of the directions,
 * so neither the first layer's weights nor the biases are needed.
 */
export function shiftedOutput(s: MlpState, act: Activation, dirs: readonly Direction[], coefs: readonly number[]): Float64Array {
  const { m, widths } = s;
  const L = widths.length - 1;
  const f = act.f;
  let aNew = s.a[0]!;
  let diff = new Float64Array(widths[0]! * m);
  let zNew = new Float64Array(0);
  for (let l = 1; l <= L; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    zNew = s.z[l]!.slice();
    if (l >= 2) matmulCols(s.W[l]!, diff, n, nPrev, m, zNew);
    dirs.forEach((v, k) => {
      const c = coefs[k]!;
      if (c === 0) return;
      const u = v.u[l]!.map((x) => c * x);
      rankOneCols(u, v.w[l]!, aNew, n, nPrev, m, zNew);
      const cb = c * v.cb[l]!;
      for (let i = 0; i < n; i++) for (let al = 0; al < m; al++) zNew[i * m + al]! += cb * v.u[l]![i]!;
    });
    if (l < L) {
      const a = zNew.map(f);
      const aOld = s.a[l]!;
      diff = a.map((x, q) => x - aOld[q]!);
      aNew = a;
    }
  }
  return zNew;
}

/**
 * dΘ̂[p0][j][k] by the central mixed second difference of the network along v_j, v_k with step h:
 * [z(+h,+h) − z(+h,−h) − z(−h,+h) + z(−h,−h)]/(4h²). For a piecewise-linear σ this counts the kinks crossed within
 * the step, so its ensemble mean tends (as h → 0) to the distributional second derivative with σ″ = (s₊ − s₋)δ and
 * the symmetric value δ(z)θ(z) = δ(z)/2 at a kink (the convention of src/gaussian), while one network's exact
 * derivative misses the kinks; the price is a variance that grows like 1/h.
 */
export function smoothedDntk(s: MlpState, act: Activation, points: readonly OutputPoint[], dirs: readonly Direction[], h: number): Float64Array {
  const P = points.length;
  const { m } = s;
  const out = new Float64Array(P * P * P);
  for (let j = 0; j < P; j++) {
    for (let k = j; k < P; k++) {
      const pair = [dirs[j]!, dirs[k]!];
      const pp = shiftedOutput(s, act, pair, [h, h]);
      const pm = shiftedOutput(s, act, pair, [h, -h]);
      const mp = shiftedOutput(s, act, pair, [-h, h]);
      const mm = shiftedOutput(s, act, pair, [-h, -h]);
      for (let p0 = 0; p0 < P; p0++) {
        const q = points[p0]!.i * m + points[p0]!.alpha;
        const v = (pp[q]! - pm[q]! - mp[q]! + mm[q]!) / (4 * h * h);
        out[(p0 * P + j) * P + k] = v;
        out[(p0 * P + k) * P + j] = v;
      }
    }
  }
  return out;
}

/**
 * Step of the smoothed dNTK for piecewise-linear σ, as the displacement of each output along its own gradient
 * direction: h = DNTK_SMOOTHING / max_p Θ̂_pp moves z_p by at most DNTK_SMOOTHING. Measured (ReLU, n = 64, depth 3,
 * 2000 networks): 0.4 keeps the bias of P, Q within about one standard error while the standard errors stay within
 * a factor 3 of those of a smooth activation; the bias grows linearly with the step (the kinks make the ensemble
 * mean one-sided at second order, docs/dntk.md).
 */
export const DNTK_SMOOTHING = 0.4;

/**
 * The per-network dNTK statistics of every layer (plan.ts StatisticsOffsets.dntk): for ℓ ≥ 2, the network truncated
 * at layer ℓ with the first `neurons` neurons of layer ℓ as outputs; the means over ordered pairs i ≠ i′ of
 *   dΘ̂_{(iα0)(i′α1)(i′α2)} z_{i;α3} (P), dΘ̂_{(iα0)(iα1)(i′α2)} z_{i′;α3} (Q), ddIΘ̂_{(iα0)(iα1)(i′α2)(i′α3)} (R),
 *   ddIIΘ̂_{(iα1)(iα2)(i′α3)(i′α4)} (S), ddIIΘ̂_{(iα1)(i′α2)(iα3)(i′α4)} (T), ddIIΘ̂_{(iα1)(i′α2)(i′α3)(iα4)} (U),
 * each with E[·] = (its tensor)/n_{ℓ−1} (docs/dntk.md). Layer 1 is linear in its parameters: all zero.
 */
export function dntkStatistics(p: Plan, B: Buffers, out: Float64Array): void {
  const d = p.dntk;
  if (!d) return;
  const { m, L } = p;
  const m4 = m ** 4;
  const act = d.activation;
  const pl = act.kind === 'piecewise-linear';
  const xin = p.tLayer ? B.xin : p.inputs!;
  const zAll: Float64Array[] = [new Float64Array(0), ...B.z.slice(0, L)];
  const tables = activationTables(act, zAll, L);
  for (let l = 0; l < L; l++) {
    const o = p.offsets[l]!.dntk;
    out.fill(0, o, o + d.blocks.length * m4);
  }
  for (let l = 2; l <= L; l++) {
    const widths = [p.n0, ...p.widths.slice(0, l)];
    const state: MlpState = {
      m,
      widths,
      a: [xin, ...tables.a.slice(1, l)],
      z: zAll.slice(0, l + 1),
      d1: tables.d1.slice(0, l + 1),
      d2: tables.d2.slice(0, l + 1),
      d3: tables.d3.slice(0, l + 1),
      W: [new Float64Array(0), ...B.W.slice(0, l)],
      lambdaB: [0, ...p.lambdaB.slice(0, l)],
      lambdaW: [0, ...p.lambdaW.slice(0, l)],
    };
    const k = Math.min(d.neurons, widths[l]!);
    const points: OutputPoint[] = [];
    for (let i = 0; i < k; i++) for (let al = 0; al < m; al++) points.push({ i, alpha: al });
    const P = points.length;
    const pt = (i: number, al: number): number => i * m + al;
    let dntk: Float64Array;
    let ddI: Float64Array | null = null;
    let ddII: Float64Array | null = null;
    if (pl) {
      const { g } = backprop(state, points);
      const dirs = gradientDirections(state, points, g);
      const ntk = empiricalNtk(state, points, g);
      let tmax = 0;
      for (let q = 0; q < P; q++) tmax = Math.max(tmax, Math.abs(ntk[q * P + q]!));
      dntk = smoothedDntk(state, act, points, dirs, DNTK_SMOOTHING / tmax);
    } else {
      const nd = networkDerivatives(state, points, d.second);
      dntk = nd.dntk;
      ddI = nd.ddI;
      ddII = nd.ddII;
    }
    const z = zAll[l]!;
    const o = p.offsets[l - 1]!.dntk;
    const pairs = k * (k - 1);
    const w = 1 / pairs;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        if (i === j) continue;
        d.blocks.forEach((q, b) => {
          const ob = o + b * m4;
          for (let a0 = 0; a0 < m; a0++) for (let a1 = 0; a1 < m; a1++) for (let a2 = 0; a2 < m; a2++) for (let a3 = 0; a3 < m; a3++) {
            const e = ((a0 * m + a1) * m + a2) * m + a3;
            let v: number;
            switch (q) {
              case 'P': v = dntk[(pt(i, a0) * P + pt(j, a1)) * P + pt(j, a2)]! * z[i * m + a3]!; break;
              case 'Q': v = dntk[(pt(i, a0) * P + pt(i, a1)) * P + pt(j, a2)]! * z[j * m + a3]!; break;
              case 'R': v = ddI![((pt(i, a0) * P + pt(i, a1)) * P + pt(j, a2)) * P + pt(j, a3)]!; break;
              case 'S': v = ddII![((pt(i, a0) * P + pt(i, a1)) * P + pt(j, a2)) * P + pt(j, a3)]!; break;
              case 'T': v = ddII![((pt(i, a0) * P + pt(j, a1)) * P + pt(i, a2)) * P + pt(j, a3)]!; break;
              case 'U': v = ddII![((pt(i, a0) * P + pt(j, a1)) * P + pt(j, a2)) * P + pt(i, a3)]!; break;
            }
            out[ob + e]! += w * v;
          }
        });
      }
    }
  }
}

/** Work units (≈ ns) of dntkStatistics per network, for the run's time estimate (run.ts networkCost). */
export function dntkCost(p: Pick<Plan, 'm' | 'L' | 'n0' | 'widths' | 'dntk'>): number {
  const d = p.dntk;
  if (!d) return 0;
  let cost = 0;
  let layers = 0;
  for (let l = 1; l <= p.L; l++) {
    const nPrev = l === 1 ? p.n0 : p.widths[l - 2]!;
    layers += p.widths[l - 1]! * nPrev * p.m;
    if (l < 2) continue;
    const P = Math.min(d.neurons, p.widths[l - 1]!) * p.m;
    const passes = d.activation.kind === 'piecewise-linear' ? 2 * P * (P + 1) : P * (P + 1) / 2 + (d.second ? (P * (P + 1) * (P + 2)) / 6 + P * P : 0);
    cost += 2 * passes * layers + (d.second ? P ** 4 * 4 * l * 64 : 0);
  }
  return cost;
}
