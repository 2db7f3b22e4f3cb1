/**
 * One network at a time: sample it (fast conditional-Gaussian path or full weight matrices) and write its
 * per-network statistics into a flat vector (plan.ts StatisticsOffsets). Everything here is deterministic given
 * (seed, network index): network `net` draws from stream `net` of the run's seed (src/rng), in a fixed order.
 */
import { NetStream } from '../rng/index.ts';
import { cholPsd } from './kernels.ts';
import { conditionalNtk, directStats, thetaProduct } from './ntk-statistics.ts';
import { dntkStatistics } from './dntk-statistics.ts';
import type { Plan } from './plan.ts';
import type { Buffers } from './buffers.ts';

/** Exact sampler of r² for the radial density ∝ r^{k−1} exp(−r²/2σ² − λ r⁴) (t = r²: ∝ t^{k/2−1} e^{−t/2σ² − λt²}). */
export function sampleRadiusSquared(rng: NetStream, k: number, sigma2: number, lambda: number): number {
  const shape = k / 2;
  if (lambda === 0) return 2 * sigma2 * rng.gamma(shape);
  // proposal Gamma(shape, θ) with its mode matched to the target's mode t*
  const a = 1 / (2 * sigma2);
  const tStar = shape > 1 ? (-a + Math.sqrt(a * a + 8 * lambda * (shape - 1))) / (4 * lambda) : 1 / Math.sqrt(2 * lambda) / 2;
  const theta = shape > 1 ? tStar / (shape - 1) : Math.min(2 * sigma2, tStar);
  const c = 1 / theta - a; // log(p/q) = c·t − λt² (+const)
  const logMax = c > 0 ? (c * c) / (4 * lambda) : 0;
  for (;;) {
    const t = theta * rng.gamma(shape);
    const u = rng.uniform();
    if (Math.log(1 - u) <= c * t - lambda * t * t - logMax) return t;
  }
}

/**
 * Simulate network `net` and write its statistics into out[0..S). rng is reset here.
 * Layer l (0-based) has prev activations s⁽ˡ⁻¹⁾ (inputs for l = 0) of size nPrev × m.
 */
export function simulateNetwork(p: Plan, B: Buffers, rng: NetStream, net: number, out: Float64Array): void {
  if (p.fusedPreactivation) {
    simulateFusedPreactivations(p, B, rng, net, out);
    return;
  }
  rng.reset(net);
  const { m, L, widths } = p;
  const m2 = m * m;
  // inputs
  let xin: Float64Array;
  if (p.tLayer) {
    const { width, nx, W, x } = p.tLayer;
    xin = B.xin;
    for (let i = 0; i < width; i++) {
      const bi = rng.uniform();
      for (let a = 0; a < m; a++) {
        let v = 0;
        for (let j = 0; j < nx; j++) v += W[i * nx + j]! * x[j * m + a]!;
        v = ((v % 1) + 1) % 1;
        xin[i * m + a] = (v + bi) % 1;
      }
    }
  } else xin = p.inputs!;
  const G = B.G;
  const H = B.H;
  for (let l = 0; l < L; l++) {
    const n = widths[l]!;
    const nPrev = l === 0 ? p.n0 : widths[l - 1]!;
    const prevS = l === 0 ? xin : B.s[l - 1]!;
    const cb = p.cb[l]!;
    const cw = p.cw[l]!;
    const lay = p.offsets[l]!;
    // Ĝ and H from the layer below
    for (let a = 0; a < m; a++) {
      for (let c = a; c < m; c++) {
        let acc = 0;
        for (let j = 0; j < nPrev; j++) acc += prevS[j * m + a]! * prevS[j * m + c]!;
        G[a * m + c] = G[c * m + a] = cb + (cw / nPrev) * acc;
        H[a * m + c] = H[c * m + a] = p.lambdaB[l]! + (p.lambdaW[l]! / nPrev) * acc;
      }
    }
    // T_ab = diag(σ'_a) Θ̂⁽ˡ⁻¹⁾_ab diag(σ'_b)
    const T = B.T[l]!;
    const diagT = l === 1;
    if (p.ntkStatistics && l > 0) {
      const dsp = B.ds[l - 1]!;
      if (diagT) {
        const t0 = B.thetaDiag0;
        for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
          const o = (a * m + c) * nPrev;
          const th = t0[a * m + c]!;
          for (let j = 0; j < nPrev; j++) T[o + j] = dsp[j * m + a]! * th * dsp[j * m + c]!;
        }
      } else {
        const thp = B.theta[l - 1]!;
        const nn = nPrev * nPrev;
        for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
          const o = (a * m + c) * nn;
          for (let j = 0; j < nPrev; j++) {
            const dj = dsp[j * m + a]!;
            const row = o + j * nPrev;
            if (dj === 0) T.fill(0, row, row + nPrev); // (ReLU: half the rows)
            else for (let k = 0; k < nPrev; k++) T[row + k] = dj * thp[row + k]! * dsp[k * m + c]!;
          }
        }
      }
    }
    if (p.estimator === 'conditional') {
      const o = lay.condKernel;
      for (let q = 0; q < m2; q++) out[o + q] = G[q]!;
      const oo = lay.condKernelPairs;
      for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[oo + q * m2 + r] = G[q]! * G[r]!;
      if (p.ntkStatistics) conditionalNtk(p, B, l, nPrev, prevS, T, diagT, out);
    }
    if (!p.sampleZ[l] && !p.sampleNtk[l]) continue;
    // sample z⁽ˡ⁾
    const z = B.z[l]!;
    const W = B.W[l]!;
    if (p.conditionalLayer[l]) {
      cholPsd(G, m, B.chol);
      const xi = B.xi;
      rng.fillNormal(xi, 0, n * m);
      const Lc = B.chol;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) {
          let v = 0;
          for (let k = 0; k <= a; k++) v += Lc[a * m + k]! * xi[i * m + k]!;
          z[i * m + a] = v;
        }
      }
    } else {
      sampleLayerParams(p, B, rng, l, n, nPrev);
      const bb = B.b[l]!;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) z[i * m + a] = bb[i]!;
        const wr = i * nPrev;
        for (let j = 0; j < nPrev; j++) {
          const w = W[wr + j]!;
          const so = j * m;
          for (let a = 0; a < m; a++) z[i * m + a]! += w * prevS[so + a]!;
        }
      }
    }
    // activations
    if (l < L - 1 || p.gaussNet) {
      const s = B.s[l]!;
      const ds = B.ds[l]!;
      if (p.gaussNet) {
        for (let a = 0; a < m; a++) {
          const kaa = l === 0 ? G[a * m + a]! : p.cb[l]! + p.cw[l]!;
          for (let i = 0; i < n; i++) {
            const v = Math.exp(z[i * m + a]! - kaa);
            s[i * m + a] = v;
            ds[i * m + a] = v;
          }
        }
      } else {
        const f = p.sigma;
        for (let q = 0; q < n * m; q++) s[q] = f(z[q]!);
        if (p.ntkStatistics) {
          const df = p.sigmaPrime;
          for (let q = 0; q < n * m; q++) ds[q] = df(z[q]!);
        }
      }
    }
    // Θ̂⁽ˡ⁾
    if (p.sampleNtk[l]) {
      if (l === 0) B.thetaDiag0.set(H);
      else thetaProduct(p, B, l, n, nPrev, T, diagT);
    }
    if (p.estimator === 'direct') directStats(p, B, l, n, out);
  }
  if (p.dntk) dntkStatistics(p, B, out);
  if (p.npoint) {
    const np = p.npoint;
    const z = B.z[np.layer]!;
    const phi = B.phi;
    const nl = np.labels.length / 2;
    for (let k = 0; k < nl; k++) phi[k] = z[np.labels[2 * k]! * m + np.labels[2 * k + 1]!]!;
    const o = np.offset;
    const mons = np.monomials;
    const pp = np.prefixProduct;
    if (pp) {
      const { prefix, last } = pp;
      for (let q = 0; q < mons.length; q++) {
        const p = prefix[q]!;
        out[o + q] = (p < 0 ? 1 : out[o + p]!) * phi[last[q]!]!;
      }
    } else {
      for (let q = 0; q < mons.length; q++) {
        const mon = mons[q]!;
        let v = 1;
        for (let r = 0; r < mon.length; r++) v *= phi[mon[r]!]!;
        out[o + q] = v;
      }
    }
  }
}

/**
 * The pure preactivation fast path (K, V4, K1 only; Gaussian weights; conditional estimators), with the
 * loops fused: per neuron, m normals → z = L ξ (Ĝ = L Lᵀ) → σ(z) → the next layer's Σ_j σ_a σ_b, so nothing
 * of size n is stored. The same numbers as the general path (same draws, same order of operations).
 */
function simulateFusedPreactivations(p: Plan, B: Buffers, rng: NetStream, net: number, out: Float64Array): void {
  rng.reset(net);
  const { m, L, widths } = p;
  const m2 = m * m;
  const G = B.G;
  const Lc = B.chol;
  const xi = B.xi;
  const acc = B.h; // m×m accumulator of Σ_j σ_a σ_b
  const zz = B.tmp; // z of one neuron (m) and σ(z) (m)
  const xin = p.inputs!;
  const pl = p.piecewiseSlopes;
  const f = p.sigma;
  // layer 1: Σ_j x_a x_b
  acc.fill(0);
  for (let j = 0; j < p.n0; j++) for (let a = 0; a < m; a++) for (let c = a; c < m; c++) acc[a * m + c]! += xin[j * m + a]! * xin[j * m + c]!;
  let nPrev = p.n0;
  for (let l = 0; l < L; l++) {
    const cb = p.cb[l]!;
    const k = p.cw[l]! / nPrev;
    for (let a = 0; a < m; a++) for (let c = a; c < m; c++) G[a * m + c] = G[c * m + a] = cb + k * acc[a * m + c]!;
    const lay = p.offsets[l]!;
    for (let q = 0; q < m2; q++) out[lay.condKernel + q] = G[q]!;
    for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.condKernelPairs + q * m2 + r] = G[q]! * G[r]!;
    if (l === L - 1) break;
    const n = widths[l]!;
    cholPsd(G, m, Lc);
    rng.fillNormal(xi, 0, n * m);
    acc.fill(0);
    if (m === 1) {
      const l00 = Lc[0]!;
      let s00 = 0;
      if (pl) for (let i = 0; i < n; i++) {
        const z = l00 * xi[i]!;
        const v = z > 0 ? pl.pos * z : pl.neg * z;
        s00 += v * v;
      }
      else for (let i = 0; i < n; i++) {
        const v = f(l00 * xi[i]!);
        s00 += v * v;
      }
      acc[0] = s00;
    } else if (m === 2) {
      const l00 = Lc[0]!, l10 = Lc[2]!, l11 = Lc[3]!;
      let s00 = 0, s01 = 0, s11 = 0;
      for (let i = 0; i < n; i++) {
        const x0 = xi[2 * i]!, x1 = xi[2 * i + 1]!;
        const z0 = l00 * x0;
        const z1 = l10 * x0 + l11 * x1;
        let v0: number, v1: number;
        if (pl) {
          v0 = z0 > 0 ? pl.pos * z0 : pl.neg * z0;
          v1 = z1 > 0 ? pl.pos * z1 : pl.neg * z1;
        } else {
          v0 = f(z0);
          v1 = f(z1);
        }
        s00 += v0 * v0;
        s01 += v0 * v1;
        s11 += v1 * v1;
      }
      acc[0] = s00;
      acc[1] = s01;
      acc[3] = s11;
    } else {
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) {
          let v = 0;
          for (let c = 0; c <= a; c++) v += Lc[a * m + c]! * xi[i * m + c]!;
          zz[a] = f(v);
        }
        for (let a = 0; a < m; a++) for (let c = a; c < m; c++) acc[a * m + c]! += zz[a]! * zz[c]!;
      }
    }
    nPrev = n;
  }
}

function sampleLayerParams(p: Plan, B: Buffers, rng: NetStream, l: number, n: number, nPrev: number): void {
  const W = B.W[l]!;
  const bb = B.b[l]!;
  const cw = p.cw[l]!;
  const cb = p.cb[l]!;
  const last = l === p.L - 1;
  if (last && p.correlated) {
    const k = n * nPrev;
    rng.fillNormal(W, 0, k);
    let nrm = 0;
    for (let q = 0; q < k; q++) nrm += W[q]! * W[q]!;
    const r = Math.sqrt(sampleRadiusSquared(rng, k, cw / nPrev, p.correlated.lambda));
    const sc = r / Math.sqrt(nrm);
    for (let q = 0; q < k; q++) W[q]! *= sc;
    if (p.bias && cb > 0) {
      rng.fillNormal(bb, 0, n);
      let nb = 0;
      for (let q = 0; q < n; q++) nb += bb[q]! * bb[q]!;
      const rb = Math.sqrt(sampleRadiusSquared(rng, n, cb, p.correlated.lambdaBias));
      const sb = rb / Math.sqrt(nb);
      for (let q = 0; q < n; q++) bb[q]! *= sb;
    } else bb.fill(0);
  } else if (p.weights === 'uniform') {
    const aw = Math.sqrt((3 * cw) / nPrev);
    for (let q = 0; q < n * nPrev; q++) W[q] = (2 * rng.uniform() - 1) * aw;
    const ab = Math.sqrt(3 * cb);
    if (p.bias && cb > 0) for (let q = 0; q < n; q++) bb[q] = (2 * rng.uniform() - 1) * ab;
    else bb.fill(0);
  } else {
    rng.fillNormal(W, 0, n * nPrev, Math.sqrt(cw / nPrev));
    if (p.bias && cb > 0) rng.fillNormal(bb, 0, n, Math.sqrt(cb));
    else bb.fill(0);
  }
  if (last && p.meanShift && p.meanShift.mu !== 0) {
    const { mu, rows } = p.meanShift;
    for (let i = 0; i < rows; i++) for (let j = 0; j < nPrev; j++) W[i * nPrev + j]! += mu;
  }
}

