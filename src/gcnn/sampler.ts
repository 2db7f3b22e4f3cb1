/**
 * Sampled group-convolutional networks, one at a time (Float64Array kernels; the group convolution is a gather
 * over the pair shift table), and the per-network statistics of the conditional (Rao–Blackwellised) estimators
 * (docs/gcnn.md, "Monte Carlo"). Network `net` of seed `s` uses src/montecarlo's counter-based stream, so results
 * depend only on (spec, nets, seed).
 *
 * Conditional on layer ℓ (n = n_ℓ channels, S = S_{ℓ+1}, c = C_W/(n|S|)), the channels of layer ℓ+1 are i.i.d.:
 *   Ĝ_αβ = C_b + c Σ_{k∈S} Σ_j σ_j(αk) σ_j(βk)                         = E[z′_{i;α} z′_{i;β} | ℓ],
 *   h_αβ = λ_b + (λ_W/(n|S|)) Σ_{k,j} σ_j(αk)σ_j(βk) + c Σ_{k,j} X_{jj}(αk, βk)   = E[Θ̂′_{ii;αβ} | ℓ],
 * with X_{jj′}(γ, δ) = σ′_j(γ) Θ̂_{jj′;γδ} σ′_{j′}(δ), and for two channels i ≠ i′
 *   E[Θ̂′_{ii′;αβ} Θ̂′_{ii′;γδ} | ℓ] = c² Σ_{k,k′} ⟨X(αk, βk′), X(γk, δk′)⟩_F,
 *   E[Θ̂′_{ii′;αβ} z′_{i;γ} z′_{i′;δ} | ℓ] = c² Σ_{k,k′} σ(γk)ᵀ X(αk, βk′) σ(δk′).
 * Hence K = E[Ĝ], V = n Cov(Ĝ, Ĝ), Θ = E[h], A = n Cov(h, h), D = n Cov(h, Ĝ), B, F = n × the two products
 * (src/montecarlo/estimators.ts, on pairs). The pooled output z̄ = mean_g z uses the same formulas with every
 * pair index averaged over G; for B and F the average absorbs the shifts: Ȳ^{ab} = mean_{g,g′} X((a,g),(b,g′)),
 * B̄ = n (C_W/n)² Σ_{jj′} Ȳ^{ab}_{jj′} Ȳ^{cd}_{jj′}, F̄ = n (C_W/n)² σ̄(c)ᵀ Ȳ^{ab} σ̄(d).
 *
 * Layers are sampled exactly in distribution: layer 1 from its fixed kernel (the empirical NTK of layer 1 is
 * δ_ij Θ⁽¹⁾ whatever W⁽¹⁾ is); preactivation statistics alone use the conditional Gaussian N(0, Ĝ) per layer;
 * NTK statistics draw the weights W(k) and propagate Θ̂ as a (n|P|)² matrix, Θ̂′ = δ⊗h̃ + J X Jᵀ with
 * J_{(i,α),(j,αk)} = W_ij(k).
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { pivotedCholesky } from '../gaussian/linalg.ts';
import type { NetStream } from '../rng/index.ts';
import { shiftTable, type NormalizedGcnn } from './architecture.ts';
import type { KernelLayers } from './kernels.ts';
import { pairShift } from './support-map.ts';

export type GcnnMcQuantity = 'K' | 'V4' | 'K1' | 'Theta' | 'Theta1' | 'A' | 'B' | 'D' | 'F';
export const GCNN_MC_QUANTITIES: readonly GcnnMcQuantity[] = ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'];
const NTK_Q: readonly GcnnMcQuantity[] = ['Theta', 'Theta1', 'A', 'B', 'D', 'F'];

export function parseMcQuantities(q: readonly string[] | undefined): GcnnMcQuantity[] {
  if (q === undefined) return ['K', 'V4'];
  if (!Array.isArray(q) || q.length === 0) throw new NnftInputError('quantities', 'expected a non-empty list', `choose from ${GCNN_MC_QUANTITIES.join(',')}`);
  const alias: Record<string, GcnnMcQuantity> = { 'Θ': 'Theta', 'Θ1': 'Theta1', V: 'V4' };
  const out: GcnnMcQuantity[] = [];
  for (const raw of q) {
    const s = String(raw).trim();
    const name = (alias[s] ?? s) as GcnnMcQuantity;
    if (!GCNN_MC_QUANTITIES.includes(name)) throw new NnftInputError('quantities', `unknown quantity '${raw}'`, `choose from ${GCNN_MC_QUANTITIES.join(',')}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Offsets of one layer's statistics in the per-network vector (−1: absent). */
export interface GcnnLayerLayout {
  Gp: number; GGp: number; hp: number; hhp: number; hGp: number; Bp: number; Fp: number;
  G: number; GG: number; h: number; hh: number; hG: number; B: number; F: number;
}

export interface GcnnPlan {
  ns: NormalizedGcnn;
  m: number;
  /** pairs m·|G| */
  M: number;
  order: number;
  L: number;
  f: (z: number) => number;
  df: (z: number) => number;
  quantities: GcnnMcQuantity[];
  ntk: boolean;
  indexed: boolean;
  /** layer-1 kernel factor: z⁽¹⁾_{i, perm[p]} = Σ_q L1[p·r + q] ε_q */
  L1: Float64Array;
  perm1: Int32Array;
  rank1: number;
  /** layer-1 K and Θ on pairs */
  K1: Float64Array;
  T1: Float64Array;
  /** per layer index l ≥ 1 (building layer l+1): pair shift table and support size */
  shifts: Int32Array[];
  sizes: number[];
  /** symmetric pair index: sym[α·M + β] for α, β; P2 = M(M+1)/2 */
  sym: Int32Array;
  P2: number;
  layout: GcnnLayerLayout[];
  S: number;
}

/** Which raw statistics the requested quantities need. */
function needs(q: readonly GcnnMcQuantity[]): { G: boolean; GG: boolean; h: boolean; hh: boolean; hG: boolean; B: boolean; F: boolean } {
  const has = (x: GcnnMcQuantity) => q.includes(x);
  return {
    G: has('K') || has('K1') || has('V4') || has('D'),
    GG: has('V4'),
    h: has('Theta') || has('Theta1') || has('A') || has('D'),
    hh: has('A'),
    hG: has('D'),
    B: has('B'),
    F: has('F'),
  };
}

export interface PlanOptions {
  quantities?: readonly string[];
  groupIndexed?: boolean;
}

export function buildGcnnPlan(ns: NormalizedGcnn, kernels: KernelLayers, opts: PlanOptions): GcnnPlan {
  const quantities = parseMcQuantities(opts.quantities);
  const act = getActivation(ns.activation);
  const M = ns.pairs;
  const m = ns.m;
  const order = ns.group.order;
  const L = ns.L;
  const ntk = quantities.some((x) => NTK_Q.includes(x));
  const indexed = opts.groupIndexed === true;
  const K1 = kernels.K[0]!;
  const T1 = kernels.Theta ? kernels.Theta[0]! : new Float64Array(M * M);
  const nestedK = Array.from({ length: M }, (_, a) => Array.from(K1.subarray(a * M, (a + 1) * M)));
  const { L: Lc, perm, rank } = pivotedCholesky(nestedK, 1e-13);
  const L1 = new Float64Array(M * Math.max(rank, 1));
  for (let p = 0; p < M; p++) for (let q = 0; q < rank; q++) L1[p * rank + q] = Lc[p]![q]!;
  const shifts: Int32Array[] = [new Int32Array(0)];
  const sizes: number[] = [0];
  for (let l = 1; l < L; l++) {
    const S = ns.convSupports[l]!;
    shifts.push(pairShift(m, order, shiftTable(ns.group, S), S.length));
    sizes.push(S.length);
  }
  const sym = new Int32Array(M * M);
  let P2 = 0;
  for (let a = 0; a < M; a++) for (let b = a; b < M; b++) {
    sym[a * M + b] = P2;
    sym[b * M + a] = P2;
    P2++;
  }
  const nd = needs(quantities);
  let S = 0;
  const take = (k: number): number => {
    const o = S;
    S += k;
    return o;
  };
  const m2 = m * m;
  const layout: GcnnLayerLayout[] = [];
  for (let l = 0; l < L; l++) {
    const lay: GcnnLayerLayout = { Gp: -1, GGp: -1, hp: -1, hhp: -1, hGp: -1, Bp: -1, Fp: -1, G: -1, GG: -1, h: -1, hh: -1, hG: -1, B: -1, F: -1 };
    if (l > 0) {
      if (nd.G) lay.Gp = take(m2);
      if (nd.GG) lay.GGp = take(m2 * m2);
      if (nd.h) lay.hp = take(m2);
      if (nd.hh) lay.hhp = take(m2 * m2);
      if (nd.hG) lay.hGp = take(m2 * m2);
      if (nd.B) lay.Bp = take(m2 * m2);
      if (nd.F) lay.Fp = take(m2 * m2);
      if (indexed) {
        if (nd.G) lay.G = take(P2);
        if (nd.GG) lay.GG = take((P2 * (P2 + 1)) / 2);
        if (nd.h) lay.h = take(P2);
        if (nd.hh) lay.hh = take((P2 * (P2 + 1)) / 2);
        if (nd.hG) lay.hG = take(P2 * P2);
        if (nd.B) lay.B = take(M ** 4);
        if (nd.F) lay.F = take(M ** 4);
      }
    }
    layout.push(lay);
  }
  return {
    ns, m, M, order, L, f: act.f, df: act.derivative(1), quantities, ntk, indexed,
    L1, perm1: Int32Array.from(perm), rank1: rank, K1, T1, shifts, sizes, sym, P2, layout, S,
  };
}

/** Per-thread scratch. */
export interface GcnnBuffers {
  z: Float64Array[]; // n_ℓ × M per layer
  a: Float64Array; // σ(z) of the current layer
  d: Float64Array; // σ′(z)
  eps: Float64Array;
  P: Float64Array; // M²
  G: Float64Array; // M²
  h: Float64Array; // M²
  diagX: Float64Array; // M²
  T: Float64Array[]; // (n_ℓ M)² per layer (NTK)
  X: Float64Array; // (n M)²
  Y: Float64Array; // (n′M) × (nM)
  Z: Float64Array; // (n|S|) × M gather of one row of Y
  W: Float64Array; // n′ × n × s
  b: Float64Array;
  Lf: Float64Array; // M² factor of Ĝ (conditional Gaussian path)
  Gram: Float64Array; // (M²)² (indexed B)
  Fg: Float64Array; // (M²)² (indexed F)
  Ybar: Float64Array; // m² × n²
  abar: Float64Array; // n × m
  Gp: Float64Array;
  hp: Float64Array;
}

export function makeGcnnBuffers(p: GcnnPlan): GcnnBuffers {
  const { M, L, m } = p;
  const ch = p.ns.channels;
  const nMax = Math.max(...ch);
  const sMax = Math.max(1, ...p.sizes);
  const T: Float64Array[] = [];
  for (let l = 0; l < L; l++) T.push(new Float64Array(p.ntk && l < L - 1 ? (ch[l]! * M) ** 2 : 0));
  const M2 = M * M;
  return {
    z: ch.map((n) => new Float64Array(n * M)),
    a: new Float64Array(nMax * M),
    d: new Float64Array(nMax * M),
    eps: new Float64Array(Math.max(M, nMax * M)),
    P: new Float64Array(M2),
    G: new Float64Array(M2),
    h: new Float64Array(M2),
    diagX: new Float64Array(M2),
    T,
    X: new Float64Array(p.ntk ? (nMax * M) ** 2 : 0),
    Y: new Float64Array(p.ntk ? nMax * M * nMax * M : 0),
    Z: new Float64Array(p.ntk ? nMax * sMax * M : 0),
    W: new Float64Array(p.ntk ? nMax * nMax * sMax : 0),
    b: new Float64Array(nMax),
    Lf: new Float64Array(M2),
    Gram: new Float64Array(p.indexed && p.layout.some((l) => l.B >= 0) ? M2 * M2 : 0),
    Fg: new Float64Array(p.indexed && p.layout.some((l) => l.F >= 0) ? M2 * M2 : 0),
    Ybar: new Float64Array(p.ntk ? m * m * nMax * nMax : 0),
    abar: new Float64Array(nMax * m),
    Gp: new Float64Array(m * m),
    hp: new Float64Array(m * m),
  };
}

/** rows z_i = L ε_i of N(0, C) (C = L Lᵀ in pivoted order) for n channels: z[i·M + perm[p]]. */
function sampleRows(rng: NetStream, Lf: Float64Array, perm: ArrayLike<number>, rank: number, n: number, M: number, z: Float64Array, eps: Float64Array): void {
  z.fill(0, 0, n * M);
  if (rank === 0) return;
  rng.fillNormal(eps, 0, n * rank);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < M; p++) {
      let v = 0;
      for (let q = 0; q < rank; q++) v += Lf[p * rank + q]! * eps[i * rank + q]!;
      z[i * M + perm[p]!] = v;
    }
  }
}

/** Pool a pair matrix (M×M) to m×m. */
function poolInto(src: Float64Array, m: number, order: number, out: Float64Array): void {
  const M = m * order;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
    let acc = 0;
    for (let g = 0; g < order; g++) {
      const row = (a * order + g) * M + b * order;
      for (let h = 0; h < order; h++) acc += src[row + h]!;
    }
    out[a * m + b] = acc / (order * order);
  }
}

/**
 * Simulate network `net` (rng reset here) and write its statistics into out[0..S).
 */
export function simulateGcnn(p: GcnnPlan, B: GcnnBuffers, rng: NetStream, net: number, out: Float64Array): void {
  rng.reset(net);
  const { M, m, L, order } = p;
  const ns = p.ns;
  const ch = ns.channels;
  // layer 1 from its fixed kernel
  sampleRows(rng, p.L1, p.perm1, p.rank1, ch[0]!, M, B.z[0]!, B.eps);
  if (p.ntk && L > 1) {
    const n = ch[0]!;
    const T = B.T[0]!;
    T.fill(0);
    const NM = n * M;
    for (let i = 0; i < n; i++) for (let a = 0; a < M; a++) {
      const row = (i * M + a) * NM + i * M;
      for (let b = 0; b < M; b++) T[row + b] = p.T1[a * M + b]!;
    }
  }
  for (let l = 1; l < L; l++) {
    const n = ch[l - 1]!;
    const nn = ch[l]!;
    const s = p.sizes[l]!;
    const shift = p.shifts[l]!;
    const cb = ns.cb[l]!;
    const cw = ns.cw[l]!;
    const c = cw / (n * s);
    const z = B.z[l - 1]!;
    const A = B.a;
    const Dd = B.d;
    for (let q = 0; q < n * M; q++) {
      A[q] = p.f(z[q]!);
      if (p.ntk) Dd[q] = p.df(z[q]!);
    }
    // P_αβ = Σ_j σ_j(α)σ_j(β)
    const P = B.P;
    for (let a = 0; a < M; a++) for (let b = a; b < M; b++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += A[j * M + a]! * A[j * M + b]!;
      P[a * M + b] = acc;
      P[b * M + a] = acc;
    }
    const G = B.G;
    for (let a = 0; a < M; a++) for (let b = a; b < M; b++) {
      let acc = 0;
      for (let k = 0; k < s; k++) acc += P[shift[a * s + k]! * M + shift[b * s + k]!]!;
      const v = cb + c * acc;
      G[a * M + b] = v;
      G[b * M + a] = v;
    }
    let X: Float64Array | null = null;
    if (p.ntk) {
      // X = diag(σ′) Θ̂ diag(σ′) on (channel, pair) indices
      const T = B.T[l - 1]!;
      const NM = n * M;
      X = B.X;
      for (let r = 0; r < NM; r++) {
        const dr = Dd[r]!;
        const row = r * NM;
        for (let q = 0; q < NM; q++) X[row + q] = dr * T[row + q]! * Dd[q]!;
      }
      const dX = B.diagX;
      for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += X[(j * M + a) * NM + j * M + b]!;
        dX[a * M + b] = acc;
      }
      const h = B.h;
      const lb = ns.lambdaB[l]!;
      const lw = ns.lambdaW[l]! / (n * s);
      for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) {
        let accP = 0;
        let accX = 0;
        for (let k = 0; k < s; k++) {
          const q = shift[a * s + k]! * M + shift[b * s + k]!;
          accP += P[q]!;
          accX += dX[q]!;
        }
        h[a * M + b] = lb + lw * accP + c * accX;
      }
    }
    recordLayer(p, B, l, n, s, c, shift, X, out);
    if (l === L - 1) break;
    // sample layer l+1
    const zn = B.z[l]!;
    if (!p.ntk) {
      const nested = Array.from({ length: M }, (_, a) => Array.from(G.subarray(a * M, (a + 1) * M)));
      const { L: Lc, perm, rank } = pivotedCholesky(nested, 1e-13);
      const Lf = B.Lf;
      for (let a = 0; a < M; a++) for (let q = 0; q < rank; q++) Lf[a * rank + q] = Lc[a]![q]!;
      sampleRows(rng, Lf, perm, rank, nn, M, zn, B.eps);
      continue;
    }
    // explicit weights W[i][j][k] ~ N(0, c), biases ~ N(0, C_b)
    const W = B.W;
    rng.fillNormal(W, 0, nn * n * s, Math.sqrt(c));
    const bb = B.b;
    rng.fillNormal(bb, 0, nn, Math.sqrt(cb));
    for (let i = 0; i < nn; i++) {
      for (let a = 0; a < M; a++) {
        let v = bb[i]!;
        for (let j = 0; j < n; j++) {
          const wrow = (i * n + j) * s;
          const arow = j * M;
          for (let k = 0; k < s; k++) v += W[wrow + k]! * A[arow + shift[a * s + k]!]!;
        }
        zn[i * M + a] = v;
      }
    }
    // Θ̂′ = δ ⊗ (λ_b + λ_W/(n|S|) Σ_k P(αk, βk)) + J X Jᵀ
    const NM = n * M;
    const NNM = nn * M;
    const Y = B.Y; // Y[(i,α), (j′,δ)] = Σ_{j,k} W_ijk X[(j,αk), (j′,δ)]
    Y.fill(0, 0, NNM * NM);
    for (let i = 0; i < nn; i++) for (let a = 0; a < M; a++) {
      const yrow = (i * M + a) * NM;
      for (let j = 0; j < n; j++) {
        const wrow = (i * n + j) * s;
        for (let k = 0; k < s; k++) {
          const w = W[wrow + k]!;
          if (w === 0) continue;
          const xrow = (j * M + shift[a * s + k]!) * NM;
          for (let q = 0; q < NM; q++) Y[yrow + q] = Y[yrow + q]! + w * X![xrow + q]!;
        }
      }
    }
    const Tn = B.T[l]!;
    const lb = ns.lambdaB[l]!;
    const lw = ns.lambdaW[l]! / (n * s);
    // Θ̂′[(i,α), (i′,β)] = Σ_{j,k} Y[(i,α), (j, βk)] W_{i′jk}: gather Z[(j,k), β] = Y[(i,α), (j, βk)] once per row,
    // then a (n′ × n|S|)·(n|S| × M) product with contiguous inner loops
    const Z = B.Z;
    const ns_ = n * s;
    for (let i = 0; i < nn; i++) for (let a = 0; a < M; a++) {
      const yrow = (i * M + a) * NM;
      const trow = (i * M + a) * NNM;
      for (let j = 0; j < n; j++) for (let k = 0; k < s; k++) {
        const zrow = (j * s + k) * M;
        const yj = yrow + j * M;
        for (let b = 0; b < M; b++) Z[zrow + b] = Y[yj + shift[b * s + k]!]!;
      }
      Tn.fill(0, trow, trow + NNM);
      for (let i2 = 0; i2 < nn; i2++) {
        const wrow = i2 * ns_;
        const t0 = trow + i2 * M;
        for (let jk = 0; jk < ns_; jk++) {
          const w = W[wrow + jk]!;
          const zrow = jk * M;
          for (let b = 0; b < M; b++) Tn[t0 + b] = Tn[t0 + b]! + w * Z[zrow + b]!;
        }
      }
      const td = trow + i * M;
      for (let b = 0; b < M; b++) {
        let accP = 0;
        for (let k = 0; k < s; k++) accP += P[shift[a * s + k]! * M + shift[b * s + k]!]!;
        Tn[td + b] = Tn[td + b]! + lb + lw * accP;
      }
    }
  }
}

/** The statistics of layer l+1 (0-based l ≥ 1 in the layout) from the conditional quantities. */
function recordLayer(p: GcnnPlan, B: GcnnBuffers, l: number, n: number, s: number, c: number, shift: Int32Array, X: Float64Array | null, out: Float64Array): void {
  const lay = p.layout[l]!;
  const { m, M, order, P2, sym } = p;
  const m2 = m * m;
  const G = B.G;
  const h = B.h;
  const Gp = B.Gp;
  const hp = B.hp;
  if (lay.Gp >= 0) {
    poolInto(G, m, order, Gp);
    for (let q = 0; q < m2; q++) out[lay.Gp + q] = Gp[q]!;
  }
  if (lay.GGp >= 0) for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.GGp + q * m2 + r] = Gp[q]! * Gp[r]!;
  if (lay.hp >= 0) {
    poolInto(h, m, order, hp);
    for (let q = 0; q < m2; q++) out[lay.hp + q] = hp[q]!;
  }
  if (lay.hhp >= 0) for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.hhp + q * m2 + r] = hp[q]! * hp[r]!;
  if (lay.hGp >= 0) for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.hGp + q * m2 + r] = hp[q]! * Gp[r]!;
  if ((lay.Bp >= 0 || lay.Fp >= 0) && X) {
    // Ȳ^{ab}_{jj′} = mean_{g,g′} X[(j,(a,g)), (j′,(b,g′))];  σ̄_j(c) = mean_g σ_j(c, g)
    const NM = n * M;
    const Yb = B.Ybar;
    const nn2 = n * n;
    const inv = 1 / (order * order);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      const base = (a * m + b) * nn2;
      for (let j = 0; j < n; j++) for (let j2 = 0; j2 < n; j2++) {
        let acc = 0;
        for (let g = 0; g < order; g++) {
          const row = (j * M + a * order + g) * NM + j2 * M + b * order;
          for (let g2 = 0; g2 < order; g2++) acc += X[row + g2]!;
        }
        Yb[base + j * n + j2] = acc * inv;
      }
    }
    const f2 = n * (p.ns.cw[l]! / n) ** 2;
    if (lay.Bp >= 0) {
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let cc = 0; cc < m; cc++) for (let d = 0; d < m; d++) {
        const o1 = (a * m + b) * nn2;
        const o2 = (cc * m + d) * nn2;
        let acc = 0;
        for (let t = 0; t < nn2; t++) acc += Yb[o1 + t]! * Yb[o2 + t]!;
        out[lay.Bp + ((a * m + cc) * m + b) * m + d] = f2 * acc;
      }
    }
    if (lay.Fp >= 0) {
      const ab = B.abar;
      for (let j = 0; j < n; j++) for (let cc = 0; cc < m; cc++) {
        let acc = 0;
        for (let g = 0; g < order; g++) acc += B.a[j * M + cc * order + g]!;
        ab[j * m + cc] = acc / order;
      }
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let cc = 0; cc < m; cc++) for (let d = 0; d < m; d++) {
        const o1 = (a * m + b) * nn2;
        let acc = 0;
        for (let j = 0; j < n; j++) {
          let inner = 0;
          for (let j2 = 0; j2 < n; j2++) inner += Yb[o1 + j * n + j2]! * ab[j2 * m + d]!;
          acc += ab[j * m + cc]! * inner;
        }
        out[lay.Fp + ((a * m + cc) * m + b) * m + d] = f2 * acc;
      }
    }
  }
  if (!p.indexed) return;
  if (lay.G >= 0) for (let a = 0; a < M; a++) for (let b = a; b < M; b++) out[lay.G + sym[a * M + b]!] = G[a * M + b]!;
  if (lay.h >= 0) for (let a = 0; a < M; a++) for (let b = a; b < M; b++) out[lay.h + sym[a * M + b]!] = h[a * M + b]!;
  if (lay.GG >= 0 || lay.hh >= 0 || lay.hG >= 0) {
    const gv = new Float64Array(P2);
    const hv = new Float64Array(P2);
    for (let a = 0; a < M; a++) for (let b = a; b < M; b++) {
      gv[sym[a * M + b]!] = G[a * M + b]!;
      hv[sym[a * M + b]!] = h[a * M + b]!;
    }
    let t = 0;
    for (let q = 0; q < P2; q++) for (let r = q; r < P2; r++, t++) {
      if (lay.GG >= 0) out[lay.GG + t] = gv[q]! * gv[r]!;
      if (lay.hh >= 0) out[lay.hh + t] = hv[q]! * hv[r]!;
    }
    if (lay.hG >= 0) for (let q = 0; q < P2; q++) for (let r = 0; r < P2; r++) out[lay.hG + q * P2 + r] = hv[q]! * gv[r]!;
  }
  if ((lay.B >= 0 || lay.F >= 0) && X) {
    const NM = n * M;
    const M2 = M * M;
    const f2 = n * c * c;
    if (lay.B >= 0) {
      // Gram[(εζ),(ε′ζ′)] = Σ_{jj′} X[(j,ε),(j′,ζ)] X[(j,ε′),(j′,ζ′)]
      const Gm = B.Gram;
      for (let e = 0; e < M; e++) for (let zt = 0; zt < M; zt++) for (let e2 = 0; e2 < M; e2++) for (let z2 = 0; z2 < M; z2++) {
        let acc = 0;
        for (let j = 0; j < n; j++) {
          const r1 = (j * M + e) * NM + zt;
          const r2 = (j * M + e2) * NM + z2;
          for (let j2 = 0; j2 < n; j2++) acc += X[r1 + j2 * M]! * X[r2 + j2 * M]!;
        }
        Gm[(e * M + zt) * M2 + e2 * M + z2] = acc;
      }
      for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) for (let cc = 0; cc < M; cc++) for (let d = 0; d < M; d++) {
        let acc = 0;
        for (let k1 = 0; k1 < s; k1++) for (let k2 = 0; k2 < s; k2++) {
          acc += Gm[(shift[a * s + k1]! * M + shift[b * s + k2]!) * M2 + shift[cc * s + k1]! * M + shift[d * s + k2]!]!;
        }
        out[lay.B + ((a * M + cc) * M + b) * M + d] = f2 * acc;
      }
    }
    if (lay.F >= 0) {
      // Fg[(εζ),(ε′ζ′)] = Σ_{jj′} σ_j(ε′) X[(j,ε),(j′,ζ)] σ_{j′}(ζ′)
      const Fg = B.Fg;
      const A = B.a;
      const u = new Float64Array(n);
      for (let e = 0; e < M; e++) for (let zt = 0; zt < M; zt++) {
        for (let z2 = 0; z2 < M; z2++) {
          for (let j = 0; j < n; j++) {
            let acc = 0;
            const r1 = (j * M + e) * NM + zt;
            for (let j2 = 0; j2 < n; j2++) acc += X[r1 + j2 * M]! * A[j2 * M + z2]!;
            u[j] = acc;
          }
          for (let e2 = 0; e2 < M; e2++) {
            let acc = 0;
            for (let j = 0; j < n; j++) acc += A[j * M + e2]! * u[j]!;
            Fg[(e * M + zt) * M2 + e2 * M + z2] = acc;
          }
        }
      }
      for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) for (let cc = 0; cc < M; cc++) for (let d = 0; d < M; d++) {
        let acc = 0;
        for (let k1 = 0; k1 < s; k1++) for (let k2 = 0; k2 < s; k2++) {
          acc += Fg[(shift[a * s + k1]! * M + shift[b * s + k2]!) * M2 + shift[cc * s + k1]! * M + shift[d * s + k2]!]!;
        }
        out[lay.F + ((a * M + cc) * M + b) * M + d] = f2 * acc;
      }
    }
  }
}
