/**
 * A plain preactivation sampler for the recursion tests (src/montecarlo is the
 * toolkit's real sampler). It uses the fast path of src/montecarlo (docs/architecture.md), exact in distribution for Gaussian weights:
 * z⁽¹⁾_i ~ N(0, K⁽¹⁾) i.i.d. over neurons; given layer ℓ, z⁽ℓ⁺¹⁾_i ~ N(0, Ĝ⁽ℓ⁺¹⁾) i.i.d. with
 * Ĝ⁽ℓ⁺¹⁾_αβ = C_b + (C_W/n_ℓ) Σ_j σ(z_{j;α}) σ(z_{j;β}).
 *
 * The last layer L is never sampled: its statistics follow from Ĝ⁽ᴸ⁾ exactly in expectation,
 *   E[z_{i;a} z_{i;b}] = E[Ĝ_ab],   E[z_{i;a} z_{i;b} z_{j;c} z_{j;d}] (i ≠ j) = E[Ĝ_ab Ĝ_cd],
 * so the connected four-point coefficient is V_(ab)(cd) = n_{L−1} Cov(Ĝ_ab, Ĝ_cd) and G = K + K¹/n_{L−1}
 * with G = E[Ĝ] (normalisation of docs/conventions.md).
 */

/** xoshiro128** (32-bit state words), seeded by splitmix32. */
export class Rng {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  u32(): number {
    const s = this.s;
    const result = Math.imul(((Math.imul(s[1]!, 5) << 7) | (Math.imul(s[1]!, 5) >>> 25)) >>> 0, 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = ((s[3]! << 11) | (s[3]! >>> 21)) >>> 0;
    return result;
  }
  /** uniform in (0, 1) with 53 random bits */
  uniform(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6) + 0.5) / 9007199254740992;
  }
  /** standard normal (Marsaglia's polar method) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = this.u32() * 4.656612873077393e-10 - 1;
      const v = this.u32() * 4.656612873077393e-10 - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }
}

/** Lower-triangular L with L Lᵀ = G (PSD; zero pivots give zero columns). */
function cholesky(G: Float64Array, m: number, L: Float64Array): void {
  L.fill(0);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = G[i * m + j]!;
      for (let k = 0; k < j; k++) s -= L[i * m + k]! * L[j * m + k]!;
      if (i === j) L[i * m + i] = s > 0 ? Math.sqrt(s) : 0;
      else L[i * m + j] = L[j * m + j]! > 0 ? s / L[j * m + j]! : 0;
    }
  }
}

export interface SamplerSpec {
  sigma: (z: number) => number;
  inputs: number[][];
  /** widths n1..n_{L−1} of the sampled layers; the last layer's Ĝ is computed from layer L−1 */
  hidden: number[];
  cb: number;
  cw: number;
  nets: number;
  seed: number;
}

/** Returns Ĝ⁽ᴸ⁾ of every sampled network: nets × m × m, flat. */
export function sampleLastKernel(spec: SamplerSpec): Float64Array {
  const { sigma, inputs, hidden, cb, cw, nets } = spec;
  const m = inputs.length;
  const n0 = inputs[0]!.length;
  const rng = new Rng(spec.seed);
  const out = new Float64Array(nets * m * m);
  const G = new Float64Array(m * m);
  const Lc = new Float64Array(m * m);
  const maxN = Math.max(...hidden);
  const act = new Float64Array(maxN * m);
  const eps = new Float64Array(m);
  const G1 = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let s = 0;
      for (let j = 0; j < n0; j++) s += inputs[a]![j]! * inputs[b]![j]!;
      G1[a * m + b] = cb + (cw / n0) * s;
    }
  }
  for (let net = 0; net < nets; net++) {
    G.set(G1);
    for (const n of hidden) {
      cholesky(G, m, Lc);
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) eps[a] = rng.normal();
        for (let a = 0; a < m; a++) {
          let z = 0;
          for (let k = 0; k <= a; k++) z += Lc[a * m + k]! * eps[k]!;
          act[i * m + a] = sigma(z);
        }
      }
      for (let a = 0; a < m; a++) {
        for (let b = a; b < m; b++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += act[i * m + a]! * act[i * m + b]!;
          G[a * m + b] = G[b * m + a] = cb + (cw / n) * s;
        }
      }
    }
    out.set(G, net * m * m);
  }
  return out;
}

export interface Estimate {
  mean: number;
  stderr: number;
}

/** E[Ĝ_ab] with its standard error. */
export function meanG(samples: Float64Array, m: number, a: number, b: number): Estimate {
  const N = samples.length / (m * m);
  let s = 0;
  let s2 = 0;
  for (let k = 0; k < N; k++) {
    const x = samples[k * m * m + a * m + b]!;
    s += x;
    s2 += x * x;
  }
  const mean = s / N;
  const varx = (s2 / N - mean * mean) * (N / (N - 1));
  return { mean, stderr: Math.sqrt(Math.max(varx, 0) / N) };
}

/** Cov(Ĝ_ab, Ĝ_cd) with a standard error from the spread of the centred products. */
export function covG(samples: Float64Array, m: number, a: number, b: number, c: number, d: number): Estimate {
  const N = samples.length / (m * m);
  const x = meanG(samples, m, a, b).mean;
  const y = meanG(samples, m, c, d).mean;
  let s = 0;
  let s2 = 0;
  for (let k = 0; k < N; k++) {
    const p = (samples[k * m * m + a * m + b]! - x) * (samples[k * m * m + c * m + d]! - y);
    s += p;
    s2 += p * p;
  }
  const mean = s / (N - 1);
  const varp = s2 / N - (s / N) ** 2;
  return { mean, stderr: Math.sqrt(Math.max(varp, 0) / N) };
}
