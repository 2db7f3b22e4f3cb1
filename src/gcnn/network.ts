/**
 * One drawn group-convolutional network with all parameters explicit (architecture.ts conventions), evaluated at
 * any input signals: the group-indexed outputs z⁽ᴸ⁾_i(f, g), the pooled outputs z̄_i(f), and the empirical NTK
 * Θ̂_{ii′}(f, g; f′, g′) = Σ_μ λ_μ ∂z_i(f, g)/∂θ_μ ∂z_{i′}(f′, g′)/∂θ_μ by the exact forward recursion
 *   Θ̂⁽¹⁾ = δ_{ii′} (λ_b + λ_W/(C₀|S₁|) v_α·v_β),
 *   Θ̂⁽ˡ⁺¹⁾_{(i,α)(i′,β)} = δ_{ii′} (λ_b + λ_W/(n|S|) Σ_{k,j} σ_j(αk)σ_j(βk)) + Σ_{jk, j′k′} W_ijk W_i′j′k′ σ′_j(αk) Θ̂_{(j,αk)(j′,βk′)} σ′_j′(βk′),
 * (v_α the lifted input of pair α). Network `index` of `seed` draws its parameters from src/montecarlo's stream
 * `index` in a fixed order (lifting W, b, then each layer's W, b). Used by the symmetry checks (paired
 * comparisons need the same network at original and transformed inputs) and by the tests.
 *
 * `padding: 'zero'` (C_N only) is the non-equivariant control: the lifting layer reads f outside 0..N−1 as 0
 * instead of wrapping around (a CNN with zero padding).
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { NetStream } from '../rng/index.ts';
import { shiftTable, type NormalizedGcnn } from './architecture.ts';

/** One parameter tensor of a drawn network and its NTK factor λ (λ_b, or λ_W/fan-in for weights). */
export interface GcnnParameter {
  name: string;
  values: Float64Array;
  lambda: number;
}

export interface GcnnNetwork {
  /** the weights and biases, layer by layer (mutable: forward and ntk read them at every call) */
  parameters: GcnnParameter[];
  /** z⁽ᴸ⁾_i(f, g) at out[i·|G| + g] (n_L·|G| numbers) */
  forward(f: ArrayLike<number>, out?: Float64Array): Float64Array;
  /** Θ̂_{(i,g),(i′,g′)}(f, f′) at out[(i·|G| + g)·n_L|G| + i′·|G| + g′] */
  ntk(f: ArrayLike<number>, fp: ArrayLike<number>, out?: Float64Array): Float64Array;
}

export interface DrawOptions {
  padding?: 'periodic' | 'zero';
}

/** Lifting index table lift[g·|S₁| + yi] = point g·S₁[yi], or −1 where zero padding cuts it off. */
function liftTable(ns: NormalizedGcnn, padding: 'periodic' | 'zero'): Int32Array {
  const G = ns.group;
  const S1 = ns.liftSupport;
  const t = new Int32Array(G.order * S1.length);
  const N = G.spaceShape[0]!;
  for (let g = 0; g < G.order; g++) {
    for (let yi = 0; yi < S1.length; yi++) {
      let x = G.act(g, S1[yi]!);
      if (padding === 'zero') {
        // C_N: offsets of the support are taken in −N/2..N/2; a point that wraps past the ends reads zero
        const y = S1[yi]!;
        const off = y > N / 2 ? y - N : y;
        const p = g + off;
        if (p < 0 || p >= N) x = -1;
      }
      t[g * S1.length + yi] = x;
    }
  }
  return t;
}

export function drawGcnn(ns: NormalizedGcnn, seed: number, index: number, opts: DrawOptions = {}): GcnnNetwork {
  const padding = opts.padding ?? 'periodic';
  if (padding === 'zero' && ns.group.kind !== 'cyclic') throw new NnftInputError('padding', 'zero padding is defined here for C_N only', 'use a cyclic group for the zero-padding control');
  const act = getActivation(ns.activation);
  const f = act.f;
  const df = act.derivative(1);
  const G = ns.group;
  const n = G.order;
  const L = ns.L;
  const ch = ns.channels;
  const C0 = ns.C0;
  const S1 = ns.liftSupport.length;
  const lift = liftTable(ns, padding);
  const rng = new NetStream(seed).reset(index);
  const fan1 = C0 * S1;
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  const shifts: Int32Array[] = [new Int32Array(0)];
  const sizes: number[] = [0];
  W.push(new Float64Array(ch[0]! * fan1));
  rng.fillNormal(W[0]!, 0, W[0]!.length, Math.sqrt(ns.cw[0]! / fan1));
  b.push(new Float64Array(ch[0]!));
  rng.fillNormal(b[0]!, 0, ch[0]!, Math.sqrt(ns.cb[0]!));
  for (let l = 1; l < L; l++) {
    const S = ns.convSupports[l]!;
    shifts.push(shiftTable(G, S));
    sizes.push(S.length);
    const w = new Float64Array(ch[l]! * ch[l - 1]! * S.length);
    rng.fillNormal(w, 0, w.length, Math.sqrt(ns.cw[l]! / (ch[l - 1]! * S.length)));
    W.push(w);
    const bb = new Float64Array(ch[l]!);
    rng.fillNormal(bb, 0, bb.length, Math.sqrt(ns.cb[l]!));
    b.push(bb);
  }

  /** preactivations of every layer for a list of signals (pairs (a, g) at a·|G| + g) */
  function preacts(signals: ArrayLike<number>[]): Float64Array[] {
    const m = signals.length;
    const M = m * n;
    const zs: Float64Array[] = [];
    const z1 = new Float64Array(ch[0]! * M);
    for (let i = 0; i < ch[0]!; i++) {
      for (let a = 0; a < m; a++) {
        const sig = signals[a]!;
        for (let g = 0; g < n; g++) {
          let v = b[0]![i]!;
          for (let yi = 0; yi < S1; yi++) {
            const x = lift[g * S1 + yi]!;
            if (x < 0) continue;
            for (let c = 0; c < C0; c++) v += W[0]![i * fan1 + yi * C0 + c]! * sig[x * C0 + c]!;
          }
          z1[i * M + a * n + g] = v;
        }
      }
    }
    zs.push(z1);
    for (let l = 1; l < L; l++) {
      const nIn = ch[l - 1]!;
      const nOut = ch[l]!;
      const s = sizes[l]!;
      const sh = shifts[l]!;
      const zp = zs[l - 1]!;
      const sp = zp.map(f);
      const z = new Float64Array(nOut * M);
      for (let i = 0; i < nOut; i++) for (let a = 0; a < m; a++) for (let g = 0; g < n; g++) {
        let v = b[l]![i]!;
        for (let j = 0; j < nIn; j++) for (let k = 0; k < s; k++) v += W[l]![(i * nIn + j) * s + k]! * sp[j * M + a * n + sh[g * s + k]!]!;
        z[i * M + a * n + g] = v;
      }
      zs.push(z);
    }
    return zs;
  }

  function forward(sig: ArrayLike<number>, out?: Float64Array): Float64Array {
    if (sig.length !== G.spaceSize * C0) throw new NnftInputError('signal', `has ${sig.length} numbers, expected |X|·C₀ = ${G.spaceSize * C0}`);
    const zs = preacts([sig]);
    const o = out ?? new Float64Array(ch[L - 1]! * n);
    o.set(zs[L - 1]!);
    return o;
  }

  function ntk(sa: ArrayLike<number>, sb: ArrayLike<number>, out?: Float64Array): Float64Array {
    const sigs = [sa, sb];
    const M = 2 * n;
    const zs = preacts(sigs);
    // layer 1: δ (λ_b + λ_W/(C₀|S₁|) v_α·v_β)
    let nPrev = ch[0]!;
    let T = new Float64Array((nPrev * M) ** 2);
    const dots = new Float64Array(M * M);
    for (let p = 0; p < M; p++) for (let q = 0; q < M; q++) {
      const fa = sigs[Math.floor(p / n)]!;
      const fb = sigs[Math.floor(q / n)]!;
      let acc = 0;
      for (let yi = 0; yi < S1; yi++) {
        const x = lift[(p % n) * S1 + yi]!;
        const y = lift[(q % n) * S1 + yi]!;
        if (x < 0 || y < 0) continue;
        for (let c = 0; c < C0; c++) acc += fa[x * C0 + c]! * fb[y * C0 + c]!;
      }
      dots[p * M + q] = ns.lambdaB[0]! + (ns.lambdaW[0]! / fan1) * acc;
    }
    for (let i = 0; i < nPrev; i++) for (let p = 0; p < M; p++) for (let q = 0; q < M; q++) T[(i * M + p) * nPrev * M + i * M + q] = dots[p * M + q]!;
    for (let l = 1; l < L; l++) {
      const nn = ch[l]!;
      const s = sizes[l]!;
      const sh = shifts[l]!;
      const zp = zs[l - 1]!;
      const NM = nPrev * M;
      const shiftPair = (p: number, k: number): number => Math.floor(p / n) * n + sh[(p % n) * s + k]!;
      const sp = zp.map(f);
      const dp = zp.map(df);
      const X = new Float64Array(NM * NM);
      for (let r = 0; r < NM; r++) for (let q = 0; q < NM; q++) X[r * NM + q] = dp[r]! * T[r * NM + q]! * dp[q]!;
      // Y[(i,α), (j′,δ)] = Σ_{j,k} W_ijk X[(j,αk), (j′,δ)], then Θ̂′[(i,α), (i′,β)] = Σ_{j′,k′} Y[(i,α), (j′,βk′)] W_i′j′k′
      const NNM = nn * M;
      const Y = new Float64Array(NNM * NM);
      for (let i = 0; i < nn; i++) for (let p = 0; p < M; p++) {
        const yrow = (i * M + p) * NM;
        for (let j = 0; j < nPrev; j++) for (let k = 0; k < s; k++) {
          const w = W[l]![(i * nPrev + j) * s + k]!;
          const xrow = (j * M + shiftPair(p, k)) * NM;
          for (let q = 0; q < NM; q++) Y[yrow + q] = Y[yrow + q]! + w * X[xrow + q]!;
        }
      }
      const Tn = new Float64Array(NNM * NNM);
      for (let i = 0; i < nn; i++) for (let p = 0; p < M; p++) for (let i2 = 0; i2 < nn; i2++) for (let q = 0; q < M; q++) {
        const yrow = (i * M + p) * NM;
        let v = 0;
        for (let j2 = 0; j2 < nPrev; j2++) for (let k2 = 0; k2 < s; k2++) v += Y[yrow + j2 * M + shiftPair(q, k2)]! * W[l]![(i2 * nPrev + j2) * s + k2]!;
        if (i === i2) {
          let acc = 0;
          for (let j = 0; j < nPrev; j++) for (let k = 0; k < s; k++) acc += sp[j * M + shiftPair(p, k)]! * sp[j * M + shiftPair(q, k)]!;
          v += ns.lambdaB[l]! + (ns.lambdaW[l]! / (nPrev * s)) * acc;
        }
        Tn[(i * M + p) * NNM + i2 * M + q] = v;
      }
      T = Tn;
      nPrev = nn;
    }
    // the (f, f′) block: rows (i, a = 0, g), columns (i′, a = 1, g′)
    const nL = ch[L - 1]!;
    const o = out ?? new Float64Array((nL * n) ** 2);
    for (let i = 0; i < nL; i++) for (let g = 0; g < n; g++) for (let i2 = 0; i2 < nL; i2++) for (let g2 = 0; g2 < n; g2++) {
      o[(i * n + g) * nL * n + i2 * n + g2] = T[(i * M + g) * nL * M + i2 * M + n + g2]!;
    }
    return o;
  }
  const parameters: GcnnParameter[] = [];
  for (let l = 0; l < L; l++) {
    const fan = l === 0 ? fan1 : ch[l - 1]! * sizes[l]!;
    parameters.push({ name: `W${l + 1}`, values: W[l]!, lambda: ns.lambdaW[l]! / fan });
    parameters.push({ name: `b${l + 1}`, values: b[l]!, lambda: ns.lambdaB[l]! });
  }
  return { parameters, forward, ntk };
}

/** Pool a group-indexed output (n_L·|G|) to n_L numbers. */
export function poolOutput(z: ArrayLike<number>, nL: number, order: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(nL);
  for (let i = 0; i < nL; i++) {
    let acc = 0;
    for (let g = 0; g < order; g++) acc += z[i * order + g]!;
    o[i] = acc / order;
  }
  return o;
}

/** Pool a group-indexed NTK block ((n_L|G|)²) to n_L × n_L. */
export function poolNtk(T: ArrayLike<number>, nL: number, order: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(nL * nL);
  const D = nL * order;
  for (let i = 0; i < nL; i++) for (let i2 = 0; i2 < nL; i2++) {
    let acc = 0;
    for (let g = 0; g < order; g++) for (let g2 = 0; g2 < order; g2++) acc += T[(i * order + g) * D + i2 * order + g2]!;
    o[i * nL + i2] = acc / (order * order);
  }
  return o;
}
