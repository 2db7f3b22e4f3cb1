/**
 * One network at a time: sample it (fast conditional-Gaussian path or full weight matrices) and write its
 * per-network statistics into a flat vector. Everything here is deterministic given (seed, network index).
 *
 * Kernels are hand-written Float64Array loops. Measured for this workload (bench/montecarlo.bench.ts, section
 * 3; shared 2-core x86 container, Node 20, wall clock under load): one 64×64·(64×64)ᵀ product — the empirical-
 * NTK kernel — takes ≈0.3 ms in gemmABt (4×2 register blocks, float64, 1.6–1.8 GFLOP/s; ≈3.5 by CPU time),
 * ≈0.58 ms in tfjs-backend-wasm (float32, batched ×32; 0.65 ms for a single op with dispatch and readback) and
 * ≈1.5 ms in tfjs-backend-cpu; @tensorflow/tfjs-node does not install here (it stays an optional dependency,
 * timed by the bench when present). TFJS is float32 only and its per-op overhead dominates per-network 64×64
 * work, so the sampler uses the typed-array kernels; the fast path needs no matrix products at all
 * (O(n·m²) per layer).
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { normalizeSpec, rejectUnknownKeys } from '../spec.ts';
import { NetStream } from './rng.ts';
import type { EnsembleSpec, McQuantity } from './types.ts';
import { CORRELATOR_SPEC_KEYS, DISTRIBUTION_SPEC_KEYS, ENSEMBLE_SPEC_KEYS, NTK_QUANTITIES } from './types.ts';

export interface LayerLayout {
  /** offsets into the per-network statistics vector (−1: absent) */
  G: number; GG: number; // conditional K/V4
  S2: number; PP: number; Q: number; // direct K/V4
  h: number; hh: number; hG: number; Bc: number; Fc: number; // conditional NTK
  th: number; X: number; Y: number; Zd: number; Zf: number; // direct NTK
}

export interface NpointPlan {
  layer: number; // 0-based
  /** label k = (neuron labels[2k], input labels[2k+1]) */
  labels: Int32Array;
  /** monomials as lists of label indices (sorted, with repetition), each of order 1..6 */
  monomials: number[][];
  offset: number;
}

export interface Plan {
  m: number;
  L: number;
  /** MLP input dimension (T-layer width if there is one) */
  n0: number;
  widths: number[]; // real widths (complex/quaternion outputs multiplied)
  outComponents: number; // 1, 2 or 4
  cb: number[];
  cw: number[];
  lb: number[];
  lw: number[];
  bias: boolean;
  gaussNet: boolean;
  f: (z: number) => number;
  df: (z: number) => number;
  /** fixed inputs n0×m (layout j*m + a), or null when a T-layer makes them random */
  inputs: Float64Array | null;
  tLayer: { width: number; nx: number; W: Float64Array; x: Float64Array } | null;
  weights: 'gaussian' | 'uniform';
  meanShift: { mu: number; rows: number } | null;
  correlated: { lambda: number; lambdaBias: number } | null;
  ntk: boolean;
  preact: boolean;
  estimator: 'conditional' | 'direct';
  sampler: 'fast' | 'full';
  layerFast: boolean[];
  /** the pure preactivation fast path (fused loops, see simulateFastPreact) applies */
  pureFast: boolean;
  /** piecewise-linear slopes (σ(z) = z > 0 ? pos·z : neg·z), inlined on the fused path */
  pl: { neg: number; pos: number } | null;
  needZ: boolean[];
  needTheta: boolean[];
  layout: LayerLayout[];
  npoint: NpointPlan | null;
  S: number;
  seed: number;
}

const ALL: McQuantity[] = ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'];

export function validateQuantities(q: readonly string[] | undefined): McQuantity[] {
  if (q === undefined) return ['K', 'V4'];
  if (!Array.isArray(q) || q.length === 0) throw new NnftInputError('quantities', 'expected a non-empty list', `choose from ${ALL.join(',')}`);
  const alias: Record<string, McQuantity> = { 'Θ': 'Theta', 'Θ1': 'Theta1', V: 'V4' };
  const out: McQuantity[] = [];
  for (const raw of q) {
    const s = String(raw).trim();
    const name = (alias[s] ?? s) as McQuantity;
    if (!ALL.includes(name)) throw new NnftInputError('quantities', `unknown quantity '${raw}'`, `choose from ${ALL.join(',')}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export interface NpointRequest {
  layer: number; // 1-based
  labels: [number, number][];
  monomials: number[][];
}

/** Build the sampling plan (validates the spec; throws NnftInputError on bad input). */
export function buildPlan(spec: EnsembleSpec, npoint?: NpointRequest): Plan {
  const ns = normalizeSpec(spec, [...ENSEMBLE_SPEC_KEYS, ...CORRELATOR_SPEC_KEYS]);
  rejectUnknownKeys('distribution', spec.distribution, DISTRIBUTION_SPEC_KEYS);
  const quantities = validateQuantities(spec.quantities as string[] | undefined);
  const seed = spec.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new NnftInputError('seed', `expected a non-negative integer, got ${String(seed)}`);
  const dist = spec.distribution ?? {};
  const weights = dist.weights ?? 'gaussian';
  if (weights !== 'gaussian' && weights !== 'uniform') throw new NnftInputError('distribution.weights', `unknown '${String(weights)}'`, "use 'gaussian' or 'uniform'");
  const output = dist.output ?? 'real';
  const outComponents = output === 'real' ? 1 : output === 'complex' ? 2 : output === 'quaternion' ? 4 : -1;
  if (outComponents < 0) throw new NnftInputError('distribution.output', `unknown '${String(output)}'`, "use 'real', 'complex' or 'quaternion'");
  const L = ns.L;
  const m = ns.m;
  const widths = ns.widths.slice();
  widths[L - 1] *= outComponents;
  const bias = spec.bias !== false;
  const cb = bias ? ns.cb : ns.cb.map(() => 0);
  const lb = bias ? ns.lambdaB : ns.lambdaB.map(() => 0);
  const network = spec.network ?? 'mlp';
  if (network !== 'mlp' && network !== 'gauss-net') throw new NnftInputError('network', `unknown '${String(network)}'`, "use 'mlp' or 'gauss-net'");
  const gaussNet = network === 'gauss-net';
  let f: (z: number) => number;
  let df: (z: number) => number;
  let pl: Plan['pl'] = null;
  if (gaussNet) {
    f = Math.exp;
    df = Math.exp;
  } else {
    const act = getActivation(ns.activation);
    f = act.f;
    df = act.derivative(1);
    if (act.kind === 'piecewise-linear' && act.pl) pl = { neg: act.pl.slopeNeg, pos: act.pl.slopePos };
  }
  let meanShift: Plan['meanShift'] = null;
  if (dist.meanShift) {
    const { mu, rows } = dist.meanShift;
    if (!Number.isFinite(mu)) throw new NnftInputError('distribution.meanShift.mu', `expected a finite number, got ${String(mu)}`);
    if (!Number.isInteger(rows) || rows < 0 || rows > widths[L - 1]) {
      throw new NnftInputError('distribution.meanShift.rows', `expected an integer in [0, ${widths[L - 1]}], got ${String(rows)}`);
    }
    meanShift = { mu, rows };
  }
  let correlated: Plan['correlated'] = null;
  if (dist.correlated) {
    const lam = dist.correlated.lambda;
    const lamB = dist.correlated.lambdaBias ?? lam;
    if (!Number.isFinite(lam) || lam < 0 || !Number.isFinite(lamB) || lamB < 0) {
      throw new NnftInputError('distribution.correlated.lambda', `expected a number ≥ 0, got ${String(lam)}`, 'the density must be normalisable');
    }
    correlated = { lambda: lam, lambdaBias: lamB };
  }
  // inputs (and T-layer)
  let n0 = ns.n0;
  let inputs: Float64Array | null = new Float64Array(n0 * m);
  for (let a = 0; a < m; a++) for (let j = 0; j < n0; j++) inputs[j * m + a] = ns.inputs[a][j];
  let tLayer: Plan['tLayer'] = null;
  if (dist.tLayer) {
    const width = dist.tLayer.width;
    if (!Number.isInteger(width) || width < 1) throw new NnftInputError('distribution.tLayer.width', `expected an integer ≥ 1, got ${String(width)}`);
    const W = new Float64Array(width * n0);
    if (dist.tLayer.weights) {
      const w = dist.tLayer.weights;
      if (!Array.isArray(w) || w.length !== width || w.some((r) => !Array.isArray(r) || r.length !== n0)) {
        throw new NnftInputError('distribution.tLayer.weights', `expected a ${width}×${n0} matrix`);
      }
      for (let i = 0; i < width; i++) for (let j = 0; j < n0; j++) W[i * n0 + j] = w[i][j];
    } else {
      new NetStream(seed).reset(Number.MAX_SAFE_INTEGER).fillNormal(W, 0, W.length);
    }
    tLayer = { width, nx: n0, W, x: inputs };
    inputs = null;
    n0 = width;
  }
  const ntk = quantities.some((q) => NTK_QUANTITIES.includes(q));
  const preact = quantities.some((q) => q === 'K' || q === 'V4' || q === 'K1');
  const special = weights !== 'gaussian' || meanShift !== null || correlated !== null;
  const reqSampler = spec.sampler ?? 'auto';
  if (!['auto', 'fast', 'full'].includes(reqSampler)) throw new NnftInputError('sampler', `unknown '${String(reqSampler)}'`, "use 'auto', 'fast' or 'full'");
  if (reqSampler === 'fast' && special) throw new NnftInputError('sampler', "the fast path needs Gaussian weights", "use sampler 'full' (or 'auto') for this parameter distribution");
  if (reqSampler === 'fast' && ntk) throw new NnftInputError('sampler', 'NTK statistics need the weight matrices (backprop)', "use sampler 'full' or 'auto'");
  const sampler: 'fast' | 'full' = reqSampler === 'full' || special || ntk ? 'full' : 'fast';
  const reqEst = spec.estimator ?? 'auto';
  if (!['auto', 'conditional', 'direct'].includes(reqEst)) throw new NnftInputError('estimator', `unknown '${String(reqEst)}'`, "use 'auto', 'conditional' or 'direct'");
  if (reqEst === 'conditional' && special) {
    throw new NnftInputError('estimator', 'conditional estimators need independent zero-mean Gaussian rows', "use 'direct' (or 'auto') with this distribution");
  }
  const estimator: 'conditional' | 'direct' = reqEst === 'direct' || special ? 'direct' : 'conditional';
  // per-layer needs
  const layerFast: boolean[] = [];
  const needZ: boolean[] = [];
  const needTheta: boolean[] = [];
  for (let l = 0; l < L; l++) {
    needTheta.push(ntk && (l < L - 1 || estimator === 'direct'));
    needZ.push(l < L - 1 || estimator === 'direct' || (npoint !== undefined && npoint.layer - 1 === l));
    // Θ̂⁽¹⁾ = δ·Θ⁽¹⁾ does not depend on W⁽¹⁾, so layer 1 can always use the conditional Gaussian when weights are Gaussian
    layerFast.push(!special && (sampler === 'fast' || (l === 0 && reqSampler !== 'full')));
  }
  // layout
  let S = 0;
  const take = (k: number): number => {
    const o = S;
    S += k;
    return o;
  };
  const m2 = m * m;
  const m4 = m2 * m2;
  const layout: LayerLayout[] = [];
  for (let l = 0; l < L; l++) {
    const lay: LayerLayout = { G: -1, GG: -1, S2: -1, PP: -1, Q: -1, h: -1, hh: -1, hG: -1, Bc: -1, Fc: -1, th: -1, X: -1, Y: -1, Zd: -1, Zf: -1 };
    if (estimator === 'conditional') {
      lay.G = take(m2);
      lay.GG = take(m4);
      if (ntk) {
        lay.h = take(m2);
        lay.hh = take(m4);
        lay.hG = take(m4);
        lay.Bc = take(m4);
        lay.Fc = take(m4);
      }
    } else {
      lay.S2 = take(m2);
      lay.PP = take(m4);
      lay.Q = take(m4);
      if (ntk) {
        lay.th = take(m2);
        lay.X = take(m4);
        lay.Y = take(m4);
        lay.Zd = take(m4);
        lay.Zf = take(m4);
      }
    }
    layout.push(lay);
  }
  let np: NpointPlan | null = null;
  if (npoint) {
    const labels = new Int32Array(npoint.labels.length * 2);
    npoint.labels.forEach(([i, a], k) => {
      labels[2 * k] = i;
      labels[2 * k + 1] = a;
    });
    np = { layer: npoint.layer - 1, labels, monomials: npoint.monomials, offset: take(npoint.monomials.length) };
  }
  const pureFast = !ntk && estimator === 'conditional' && layerFast.every((x) => x) && tLayer === null && !gaussNet && npoint === undefined;
  return {
    pureFast, pl,
    m, L, n0, widths, outComponents, cb, cw: ns.cw, lb, lw: ns.lambdaW, bias, gaussNet, f, df, inputs, tLayer, weights,
    meanShift, correlated, ntk, preact, estimator, sampler, layerFast, needZ, needTheta, layout, npoint: np, S, seed,
  };
}

/** Reusable per-thread buffers. */
export interface Buffers {
  xin: Float64Array;
  z: Float64Array[];
  s: Float64Array[];
  ds: Float64Array[];
  W: Float64Array[];
  b: Float64Array[];
  theta: Float64Array[]; // m² matrices n×n per layer (pair p = a*m + b at offset p*n*n)
  thetaDiag0: Float64Array; // Θ̂⁽¹⁾ = δ·H⁽¹⁾
  T: Float64Array[]; // per layer: m² matrices nPrev×nPrev (or diagonals for layer index 1)
  X: Float64Array;
  Wa: Float64Array;
  Wb: Float64Array;
  Tc: Float64Array;
  idxA: Int32Array;
  idxB: Int32Array;
  G: Float64Array;
  H: Float64Array;
  h: Float64Array;
  chol: Float64Array;
  xi: Float64Array;
  tmp: Float64Array;
  phi: Float64Array;
}

export function makeBuffers(p: Plan): Buffers {
  const { m, L, widths, n0 } = p;
  const nPrev = (l: number) => (l === 0 ? n0 : widths[l - 1]);
  const z: Float64Array[] = [];
  const s: Float64Array[] = [];
  const ds: Float64Array[] = [];
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  const theta: Float64Array[] = [];
  const T: Float64Array[] = [];
  let maxX = 1;
  let maxT = 1;
  let maxPrev = 1;
  let maxTmp = 1;
  for (let l = 0; l < L; l++) {
    const n = widths[l];
    z.push(new Float64Array(n * m));
    s.push(new Float64Array(n * m));
    ds.push(new Float64Array(n * m));
    const full = !p.layerFast[l] && p.needZ[l];
    W.push(new Float64Array(full || (p.ntk && l > 0 && p.needTheta[l]) ? n * nPrev(l) : 0));
    b.push(new Float64Array(n));
    theta.push(new Float64Array(p.needTheta[l] && l > 0 ? m * m * n * n : 0));
    T.push(new Float64Array(p.ntk && l > 0 ? (l === 1 ? m * m * nPrev(l) : m * m * nPrev(l) * nPrev(l)) : 0));
    maxX = Math.max(maxX, n * nPrev(l));
    maxT = Math.max(maxT, nPrev(l) * nPrev(l));
    maxPrev = Math.max(maxPrev, nPrev(l));
    maxTmp = Math.max(maxTmp, n * m, nPrev(l) * m, nPrev(l));
  }
  return {
    xin: new Float64Array(n0 * m),
    z, s, ds, W, b, theta, T,
    thetaDiag0: new Float64Array(m * m),
    X: new Float64Array(p.ntk ? maxX : 1),
    Wa: new Float64Array(p.ntk ? maxX : 1),
    Wb: new Float64Array(p.ntk ? maxX : 1),
    Tc: new Float64Array(p.ntk ? maxT : 1),
    idxA: new Int32Array(maxPrev),
    idxB: new Int32Array(maxPrev),
    G: new Float64Array(m * m),
    H: new Float64Array(m * m),
    h: new Float64Array(m * m),
    chol: new Float64Array(m * m),
    xi: new Float64Array(Math.max(...widths) * m + 2),
    tmp: new Float64Array(maxTmp),
    phi: new Float64Array(p.npoint ? p.npoint.monomials.length + p.npoint.labels.length : 1),
  };
}

/** Lower-triangular L with L Lᵀ = G for PSD G (zero columns for null directions: duplicate inputs are fine). */
function cholPsd(G: Float64Array, m: number, Lc: Float64Array): void {
  let scale = 0;
  for (let a = 0; a < m; a++) scale = Math.max(scale, Math.abs(G[a * m + a]));
  const tol = 1e-12 * scale;
  Lc.fill(0);
  for (let j = 0; j < m; j++) {
    let d = G[j * m + j];
    for (let k = 0; k < j; k++) d -= Lc[j * m + k] * Lc[j * m + k];
    if (d <= tol) continue;
    const ljj = Math.sqrt(d);
    Lc[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let v = G[i * m + j];
      for (let k = 0; k < j; k++) v -= Lc[i * m + k] * Lc[j * m + k];
      Lc[i * m + j] = v / ljj;
    }
  }
}

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
  if (p.pureFast) {
    simulateFastPreact(p, B, rng, net, out);
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
        for (let j = 0; j < nx; j++) v += W[i * nx + j] * x[j * m + a];
        v = ((v % 1) + 1) % 1;
        xin[i * m + a] = (v + bi) % 1;
      }
    }
  } else xin = p.inputs!;
  const G = B.G;
  const H = B.H;
  for (let l = 0; l < L; l++) {
    const n = widths[l];
    const nPrev = l === 0 ? p.n0 : widths[l - 1];
    const prevS = l === 0 ? xin : B.s[l - 1];
    const cb = p.cb[l];
    const cw = p.cw[l];
    const lay = p.layout[l];
    // Ĝ and H from the layer below
    for (let a = 0; a < m; a++) {
      for (let c = a; c < m; c++) {
        let acc = 0;
        for (let j = 0; j < nPrev; j++) acc += prevS[j * m + a] * prevS[j * m + c];
        G[a * m + c] = G[c * m + a] = cb + (cw / nPrev) * acc;
        H[a * m + c] = H[c * m + a] = p.lb[l] + (p.lw[l] / nPrev) * acc;
      }
    }
    // T_ab = diag(σ'_a) Θ̂⁽ˡ⁻¹⁾_ab diag(σ'_b)
    const T = B.T[l];
    const diagT = l === 1;
    if (p.ntk && l > 0) {
      const dsp = B.ds[l - 1];
      if (diagT) {
        const t0 = B.thetaDiag0;
        for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
          const o = (a * m + c) * nPrev;
          const th = t0[a * m + c];
          for (let j = 0; j < nPrev; j++) T[o + j] = dsp[j * m + a] * th * dsp[j * m + c];
        }
      } else {
        const thp = B.theta[l - 1];
        const nn = nPrev * nPrev;
        for (let a = 0; a < m; a++) for (let c = 0; c < m; c++) {
          const o = (a * m + c) * nn;
          for (let j = 0; j < nPrev; j++) {
            const dj = dsp[j * m + a];
            const row = o + j * nPrev;
            if (dj === 0) T.fill(0, row, row + nPrev); // (ReLU: half the rows)
            else for (let k = 0; k < nPrev; k++) T[row + k] = dj * thp[row + k] * dsp[k * m + c];
          }
        }
      }
    }
    if (p.estimator === 'conditional') {
      const o = lay.G;
      for (let q = 0; q < m2; q++) out[o + q] = G[q];
      const oo = lay.GG;
      for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[oo + q * m2 + r] = G[q] * G[r];
      if (p.ntk) conditionalNtk(p, B, l, nPrev, prevS, T, diagT, out);
    }
    if (!p.needZ[l] && !p.needTheta[l]) continue;
    // sample z⁽ˡ⁾
    const z = B.z[l];
    const W = B.W[l];
    if (p.layerFast[l]) {
      cholPsd(G, m, B.chol);
      const xi = B.xi;
      rng.fillNormal(xi, 0, n * m);
      const Lc = B.chol;
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) {
          let v = 0;
          for (let k = 0; k <= a; k++) v += Lc[a * m + k] * xi[i * m + k];
          z[i * m + a] = v;
        }
      }
    } else {
      sampleLayerParams(p, B, rng, l, n, nPrev);
      const bb = B.b[l];
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < m; a++) z[i * m + a] = bb[i];
        const wr = i * nPrev;
        for (let j = 0; j < nPrev; j++) {
          const w = W[wr + j];
          const so = j * m;
          for (let a = 0; a < m; a++) z[i * m + a] += w * prevS[so + a];
        }
      }
    }
    // activations
    if (l < L - 1 || p.gaussNet) {
      const s = B.s[l];
      const ds = B.ds[l];
      if (p.gaussNet) {
        for (let a = 0; a < m; a++) {
          const kaa = l === 0 ? G[a * m + a] : p.cb[l] + p.cw[l];
          for (let i = 0; i < n; i++) {
            const v = Math.exp(z[i * m + a] - kaa);
            s[i * m + a] = v;
            ds[i * m + a] = v;
          }
        }
      } else {
        const f = p.f;
        for (let q = 0; q < n * m; q++) s[q] = f(z[q]);
        if (p.ntk) {
          const df = p.df;
          for (let q = 0; q < n * m; q++) ds[q] = df(z[q]);
        }
      }
    }
    // Θ̂⁽ˡ⁾
    if (p.needTheta[l]) {
      if (l === 0) B.thetaDiag0.set(H);
      else thetaProduct(p, B, l, n, nPrev, T, diagT);
    }
    if (p.estimator === 'direct') directStats(p, B, l, n, out);
  }
  if (p.npoint) {
    const np = p.npoint;
    const z = B.z[np.layer];
    const phi = B.phi;
    const nl = np.labels.length / 2;
    for (let k = 0; k < nl; k++) phi[k] = z[np.labels[2 * k] * m + np.labels[2 * k + 1]];
    const o = np.offset;
    const mons = np.monomials;
    for (let q = 0; q < mons.length; q++) {
      const mon = mons[q];
      let v = 1;
      for (let r = 0; r < mon.length; r++) v *= phi[mon[r]];
      out[o + q] = v;
    }
  }
}

/**
 * The pure preactivation fast path (K, V4, K1 only; Gaussian weights; conditional estimators), with the
 * loops fused: per neuron, m normals → z = L ξ (Ĝ = L Lᵀ) → σ(z) → the next layer's Σ_j σ_a σ_b, so nothing
 * of size n is stored. The same numbers as the general path (same draws, same order of operations).
 */
function simulateFastPreact(p: Plan, B: Buffers, rng: NetStream, net: number, out: Float64Array): void {
  rng.reset(net);
  const { m, L, widths } = p;
  const m2 = m * m;
  const G = B.G;
  const Lc = B.chol;
  const xi = B.xi;
  const acc = B.h; // m×m accumulator of Σ_j σ_a σ_b
  const zz = B.tmp; // z of one neuron (m) and σ(z) (m)
  const xin = p.inputs!;
  const pl = p.pl;
  const f = p.f;
  // layer 1: Σ_j x_a x_b
  acc.fill(0);
  for (let j = 0; j < p.n0; j++) for (let a = 0; a < m; a++) for (let c = a; c < m; c++) acc[a * m + c] += xin[j * m + a] * xin[j * m + c];
  let nPrev = p.n0;
  for (let l = 0; l < L; l++) {
    const cb = p.cb[l];
    const k = p.cw[l] / nPrev;
    for (let a = 0; a < m; a++) for (let c = a; c < m; c++) G[a * m + c] = G[c * m + a] = cb + k * acc[a * m + c];
    const lay = p.layout[l];
    for (let q = 0; q < m2; q++) out[lay.G + q] = G[q];
    for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.GG + q * m2 + r] = G[q] * G[r];
    if (l === L - 1) break;
    const n = widths[l];
    cholPsd(G, m, Lc);
    rng.fillNormal(xi, 0, n * m);
    acc.fill(0);
    if (m === 1) {
      const l00 = Lc[0];
      let s00 = 0;
      if (pl) for (let i = 0; i < n; i++) {
        const z = l00 * xi[i];
        const v = z > 0 ? pl.pos * z : pl.neg * z;
        s00 += v * v;
      }
      else for (let i = 0; i < n; i++) {
        const v = f(l00 * xi[i]);
        s00 += v * v;
      }
      acc[0] = s00;
    } else if (m === 2) {
      const l00 = Lc[0], l10 = Lc[2], l11 = Lc[3];
      let s00 = 0, s01 = 0, s11 = 0;
      for (let i = 0; i < n; i++) {
        const x0 = xi[2 * i], x1 = xi[2 * i + 1];
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
          for (let c = 0; c <= a; c++) v += Lc[a * m + c] * xi[i * m + c];
          zz[a] = f(v);
        }
        for (let a = 0; a < m; a++) for (let c = a; c < m; c++) acc[a * m + c] += zz[a] * zz[c];
      }
    }
    nPrev = n;
  }
}

function sampleLayerParams(p: Plan, B: Buffers, rng: NetStream, l: number, n: number, nPrev: number): void {
  const W = B.W[l];
  const bb = B.b[l];
  const cw = p.cw[l];
  const cb = p.cb[l];
  const last = l === p.L - 1;
  if (last && p.correlated) {
    const k = n * nPrev;
    rng.fillNormal(W, 0, k);
    let nrm = 0;
    for (let q = 0; q < k; q++) nrm += W[q] * W[q];
    const r = Math.sqrt(sampleRadiusSquared(rng, k, cw / nPrev, p.correlated.lambda));
    const sc = r / Math.sqrt(nrm);
    for (let q = 0; q < k; q++) W[q] *= sc;
    if (p.bias && cb > 0) {
      rng.fillNormal(bb, 0, n);
      let nb = 0;
      for (let q = 0; q < n; q++) nb += bb[q] * bb[q];
      const rb = Math.sqrt(sampleRadiusSquared(rng, n, cb, p.correlated.lambdaBias));
      const sb = rb / Math.sqrt(nb);
      for (let q = 0; q < n; q++) bb[q] *= sb;
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
    for (let i = 0; i < rows; i++) for (let j = 0; j < nPrev; j++) W[i * nPrev + j] += mu;
  }
}

/**
 * C (p×q, row stride ldc, at offset oc) = A (p×r) · B (q×r)ᵀ, both row-major and contiguous; 4×2 register
 * blocks (eight dot products share six loads per step: ≈3.5 GFLOP/s here vs ≈2.5 for 2×2 and ≈1 for a plain
 * loop). upper: only blocks touching j ≥ i are computed (for symmetric results; the caller mirrors them).
 */
export function gemmABt(A: Float64Array, Bm: Float64Array, C: Float64Array, p: number, q: number, r: number, ldc: number, oc: number, upper: boolean): void {
  let i = 0;
  for (; i + 3 < p; i += 4) {
    const a0 = i * r;
    const a1 = a0 + r;
    const a2 = a1 + r;
    const a3 = a2 + r;
    let j = upper ? i & ~1 : 0;
    for (; j + 1 < q; j += 2) {
      const b0 = j * r;
      const b1 = b0 + r;
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0, c30 = 0, c31 = 0;
      for (let k = 0; k < r; k++) {
        const y0 = Bm[b0 + k];
        const y1 = Bm[b1 + k];
        const x0 = A[a0 + k];
        const x1 = A[a1 + k];
        const x2 = A[a2 + k];
        const x3 = A[a3 + k];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c30 += x3 * y0;
        c31 += x3 * y1;
      }
      const o = oc + i * ldc + j;
      C[o] = c00;
      C[o + 1] = c01;
      C[o + ldc] = c10;
      C[o + ldc + 1] = c11;
      C[o + 2 * ldc] = c20;
      C[o + 2 * ldc + 1] = c21;
      C[o + 3 * ldc] = c30;
      C[o + 3 * ldc + 1] = c31;
    }
    if (j < q) {
      const b0 = j * r;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < r; k++) {
        const y = Bm[b0 + k];
        c0 += A[a0 + k] * y;
        c1 += A[a1 + k] * y;
        c2 += A[a2 + k] * y;
        c3 += A[a3 + k] * y;
      }
      const o = oc + i * ldc + j;
      C[o] = c0;
      C[o + ldc] = c1;
      C[o + 2 * ldc] = c2;
      C[o + 3 * ldc] = c3;
    }
  }
  for (; i < p; i++) {
    const a0 = i * r;
    for (let j = upper ? i : 0; j < q; j++) {
      const b0 = j * r;
      let c = 0;
      for (let k = 0; k < r; k++) c += A[a0 + k] * Bm[b0 + k];
      C[oc + i * ldc + j] = c;
    }
  }
}

/**
 * Θ̂⁽ˡ⁾_ab = δ H_ab + W T_ab Wᵀ for all pairs (a ≤ b computed, b > a by transposition), with
 * T_ab = diag(σ'_a) Θ̂⁽ˡ⁻¹⁾_ab diag(σ'_b). Indices k with σ'_{k;a} = 0 (half of them for ReLU) are dropped
 * first: X = W[:, S_a] T[S_a, S_b] (n × |S_b|), Θ̂ = X W[:, S_b]ᵀ, both as row·row dot products (gemmABt).
 */
function thetaProduct(p: Plan, B: Buffers, l: number, n: number, nPrev: number, T: Float64Array, diagT: boolean): void {
  const m = p.m;
  const W = B.W[l];
  const th = B.theta[l];
  const H = B.H;
  const nn = n * n;
  const dsp = B.ds[l - 1];
  const { X, Wa, Wb, Tc, idxA, idxB } = B;
  const active = (a: number, idx: Int32Array): number => {
    let c = 0;
    for (let k = 0; k < nPrev; k++) if (dsp[k * m + a] !== 0) idx[c++] = k;
    return c;
  };
  const gather = (idx: Int32Array, cnt: number, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const r = i * nPrev;
      const o = i * cnt;
      for (let k = 0; k < cnt; k++) out[o + k] = W[r + idx[k]];
    }
  };
  for (let a = 0; a < m; a++) {
    const na = active(a, idxA);
    gather(idxA, na, Wa);
    for (let c = a; c < m; c++) {
      const pair = a * m + c;
      const oo = pair * nn;
      let nc = na;
      let Wc = Wa;
      if (c !== a) {
        nc = active(c, idxB);
        gather(idxB, nc, Wb);
        Wc = Wb;
      }
      const ic = c === a ? idxA : idxB;
      if (diagT) {
        // X[i][k'] = W[i][ic[k']] · t_ac[ic[k']]  (T diagonal: S_a ∩ S_c contributes; others are zero)
        const to = pair * nPrev;
        for (let i = 0; i < n; i++) {
          const r = i * nPrev;
          const o = i * nc;
          for (let k = 0; k < nc; k++) X[o + k] = W[r + ic[k]] * T[to + ic[k]];
        }
      } else {
        // Tc[k'][j'] = T_ac[ia[j']][ic[k']] = T_ca[ic[k']][ia[j']]  → X = Wa · Tcᵀ
        const to = (c * m + a) * nPrev * nPrev;
        for (let k = 0; k < nc; k++) {
          const r = to + ic[k] * nPrev;
          const o = k * na;
          for (let j = 0; j < na; j++) Tc[o + j] = T[r + idxA[j]];
        }
        gemmABt(Wa, Tc, X, n, nc, na, nc, 0, false);
      }
      gemmABt(X, Wc, th, n, n, nc, n, oo, a === c);
      if (a === c) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) th[oo + j * n + i] = th[oo + i * n + j];
      for (let i = 0; i < n; i++) th[oo + i * n + i] += H[pair];
      if (a !== c) {
        const ot = (c * m + a) * nn;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) th[ot + j * n + i] = th[oo + i * n + j];
      }
    }
  }
}

/** Conditional NTK statistics of layer l from layer l−1 (T = 0 at l = 0). */
function conditionalNtk(p: Plan, B: Buffers, l: number, nPrev: number, prevS: Float64Array, T: Float64Array, diagT: boolean, out: Float64Array): void {
  const m = p.m;
  const m2 = m * m;
  const lay = p.layout[l];
  const h = B.h;
  const H = B.H;
  const G = B.G;
  const cw = p.cw[l];
  const k1 = cw / nPrev;
  const k2 = k1 * k1;
  const nn = nPrev * nPrev;
  for (let q = 0; q < m2; q++) {
    let tr = 0;
    if (l > 0) {
      if (diagT) for (let j = 0; j < nPrev; j++) tr += T[q * nPrev + j];
      else for (let j = 0; j < nPrev; j++) tr += T[q * nn + j * nPrev + j];
    }
    h[q] = H[q] + k1 * tr;
    out[lay.h + q] = h[q];
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
    out[lay.hh + q * m2 + r] = h[q] * h[r];
    out[lay.hG + q * m2 + r] = h[q] * G[r];
  }
  // Bc[q][r] = k2 ⟨T_q, T_r⟩_F ; Fc[a][b][c][d] = k2 σ_cᵀ T_ab σ_d
  if (l === 0) {
    for (let q = 0; q < m2 * m2; q++) {
      out[lay.Bc + q] = 0;
      out[lay.Fc + q] = 0;
    }
    return;
  }
  // rows j of T_ab vanish where σ'_{j;a} = 0: skip them (ReLU: three quarters of the Bc work)
  const dsp = B.ds[l - 1];
  for (let q = 0; q < m2; q++) {
    const a = (q / m) | 0;
    for (let r = q; r < m2; r++) {
      const c = (r / m) | 0;
      let acc = 0;
      if (diagT) {
        const oq = q * nPrev;
        const or = r * nPrev;
        for (let j = 0; j < nPrev; j++) acc += T[oq + j] * T[or + j];
      } else {
        const oq = q * nn;
        const or = r * nn;
        for (let j = 0; j < nPrev; j++) {
          if (dsp[j * m + a] === 0 || dsp[j * m + c] === 0) continue;
          const rq = oq + j * nPrev;
          const rr = or + j * nPrev;
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          let k = 0;
          for (; k + 3 < nPrev; k += 4) {
            a0 += T[rq + k] * T[rr + k];
            a1 += T[rq + k + 1] * T[rr + k + 1];
            a2 += T[rq + k + 2] * T[rr + k + 2];
            a3 += T[rq + k + 3] * T[rr + k + 3];
          }
          for (; k < nPrev; k++) a0 += T[rq + k] * T[rr + k];
          acc += a0 + a1 + a2 + a3;
        }
      }
      out[lay.Bc + q * m2 + r] = out[lay.Bc + r * m2 + q] = k2 * acc;
    }
  }
  const u = B.tmp; // u = T_q σ_d
  for (let q = 0; q < m2; q++) {
    const a = (q / m) | 0;
    for (let d = 0; d < m; d++) {
      if (diagT) {
        for (let j = 0; j < nPrev; j++) u[j] = T[q * nPrev + j] * prevS[j * m + d];
      } else {
        const oq = q * nn;
        for (let j = 0; j < nPrev; j++) {
          if (dsp[j * m + a] === 0) {
            u[j] = 0;
            continue;
          }
          const row = oq + j * nPrev;
          let a0 = 0, a1 = 0;
          let k = 0;
          for (; k + 1 < nPrev; k += 2) {
            a0 += T[row + k] * prevS[k * m + d];
            a1 += T[row + k + 1] * prevS[(k + 1) * m + d];
          }
          if (k < nPrev) a0 += T[row + k] * prevS[k * m + d];
          u[j] = a0 + a1;
        }
      }
      for (let c = 0; c < m; c++) {
        let acc = 0;
        for (let j = 0; j < nPrev; j++) acc += prevS[j * m + c] * u[j];
        // q = a*m + b ; Fc index [a][b][c][d]
        out[lay.Fc + (q * m + c) * m + d] = k2 * acc;
      }
    }
  }
}

/** Direct (sampled z, Θ̂) statistics of layer l: averages over neurons and over pairs of distinct neurons. */
function directStats(p: Plan, B: Buffers, l: number, n: number, out: Float64Array): void {
  const m = p.m;
  const m2 = m * m;
  const lay = p.layout[l];
  const z = B.z[l];
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += z[i * m + a] * z[i * m + b];
    out[lay.S2 + a * m + b] = acc / n;
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.PP + q * m2 + r] = out[lay.S2 + q] * out[lay.S2 + r];
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += z[i * m + a] * z[i * m + b] * z[i * m + c] * z[i * m + d];
    out[lay.Q + ((a * m + b) * m + c) * m + d] = acc / n;
  }
  if (!p.ntk) return;
  const th = B.theta[l];
  const nn = n * n;
  const diag = (q: number, i: number): number => (l === 0 ? (B.thetaDiag0[q]) : th[q * nn + i * n + i]);
  const norm = n > 1 ? 1 / (n * (n - 1)) : 0;
  const dsum = new Float64Array(m2);
  for (let q = 0; q < m2; q++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += diag(q, i);
    dsum[q] = acc;
    out[lay.th + q] = acc / n;
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
    let dd = 0;
    for (let i = 0; i < n; i++) dd += diag(q, i) * diag(r, i);
    out[lay.X + q * m2 + r] = (dsum[q] * dsum[r] - dd) * norm;
    let full = dd;
    if (l > 0) {
      full = 0;
      const oq = q * nn;
      const or = r * nn;
      for (let j = 0; j < nn; j++) full += th[oq + j] * th[or + j];
    }
    out[lay.Y + q * m2 + r] = (full - dd) * norm;
  }
  const u = B.tmp;
  for (let q = 0; q < m2; q++) {
    for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) {
      let dz = 0;
      for (let i = 0; i < n; i++) dz += diag(q, i) * z[i * m + c] * z[i * m + d];
      const szz = out[lay.S2 + c * m + d] * n;
      out[lay.Zd + q * m2 + c * m + d] = (dsum[q] * szz - dz) * norm;
      let quad = dz;
      if (l > 0) {
        const oq = q * nn;
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += th[oq + i * n + j] * z[j * m + d];
          u[i] = acc;
        }
        quad = 0;
        for (let i = 0; i < n; i++) quad += z[i * m + c] * u[i];
      }
      out[lay.Zf + q * m2 + c * m + d] = (quad - dz) * norm;
    }
  }
}
