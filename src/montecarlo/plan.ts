/**
 * The sampling plan of a Monte Carlo run: the validated spec (architecture, parameter distribution, sampler and
 * estimator choice) and where each per-network statistic sits in the statistics vector. Built once per run;
 * everything downstream (simulate.ts, ntk-statistics.ts, estimators.ts) reads it.
 */
import { getActivation } from '../activations/index.ts';
import type { Activation } from '../activations/types.ts';
import { NnftInputError } from '../errors.ts';
import { normalizeSpec, rejectUnknownKeys } from '../spec.ts';
import { NetStream } from '../rng/index.ts';
import { CORRELATOR_SPEC_KEYS, DISTRIBUTION_SPEC_KEYS, ENSEMBLE_SPEC_KEYS, type EnsembleSpec } from './types.ts';
import { QUANTITIES, parseQuantities } from '../quantities.ts';

/**
 * Where each per-network statistic of one layer starts in the statistics vector (−1: not collected). Indices
 * a, b, c, d run over inputs, q = a·m + b and r = c·m + d; n = n_ℓ (this layer), n' = n_{ℓ−1}; the estimators
 * that combine them are in estimators.ts.
 */
export interface StatisticsOffsets {
  // conditional estimators (given layer ℓ−1; Gaussian weights)
  /** Ĝ_ab = C_b + (C_W/n') Σ_j σ_{j;a}σ_{j;b} = E[z_{i;a} z_{i;b} | ℓ−1]  (m²) */
  condKernel: number;
  /** Ĝ_q Ĝ_r  (m⁴) */
  condKernelPairs: number;
  /** h_ab = E[Θ̂_{ii;ab} | ℓ−1] = λ_b + (λ_W/n') σ_a·σ_b + (C_W/n') tr T_ab  (m²) */
  condNtk: number;
  /** h_q h_r  (m⁴) */
  condNtkPairs: number;
  /** h_q Ĝ_r  (m⁴) */
  condNtkKernel: number;
  /** (C_W/n')² ⟨T_ab, T_cd⟩_F = E[Θ̂_{ij;ab} Θ̂_{ij;cd} | ℓ−1], i ≠ j  (m⁴, B's estimator) */
  condNtkFrobenius: number;
  /** (C_W/n')² σ_cᵀ T_ab σ_d = E[Θ̂_{ij;ab} z_{i;c} z_{j;d} | ℓ−1], i ≠ j  (m⁴, F's estimator) */
  condNtkZZ: number;
  // direct estimators (from the sampled z and Θ̂ of this layer)
  /** (1/n) Σ_i z_{i;a} z_{i;b}  (m²) */
  zz: number;
  /** zz_q zz_r  (m⁴) */
  zzPairs: number;
  /** (1/n) Σ_i z_{i;a} z_{i;b} z_{i;c} z_{i;d}  (m⁴) */
  zzzz: number;
  /** (1/n) Σ_i Θ̂_{ii;ab}  (m²) */
  ntkDiag: number;
  /** mean over pairs i ≠ j of Θ̂_{ii;q} Θ̂_{jj;r}  (m⁴) */
  ntkDiagPairs: number;
  /** mean over pairs i ≠ j of Θ̂_{ij;q} Θ̂_{ij;r}  (m⁴) */
  ntkOffDiagPairs: number;
  /** mean over pairs i ≠ j of Θ̂_{ii;q} z_{j;c} z_{j;d}  (m⁴) */
  ntkDiagZZ: number;
  /** mean over pairs i ≠ j of Θ̂_{ij;q} z_{i;c} z_{j;d}  (m⁴) */
  ntkOffDiagZZ: number;
  /**
   * the dNTK statistics of this layer (dntk-statistics.ts): one m⁴ block per entry of DntkPlan.blocks, each the mean
   * over ordered pairs i ≠ i′ of sampled neurons of dΘ̂_{ii′i′}z_i (P), dΘ̂_{iii′}z_{i′} (Q), ddIΘ̂_{iii′i′} (R),
   * ddIIΘ̂_{iii′i′} (S), ddIIΘ̂_{ii′ii′} (T), ddIIΘ̂_{ii′i′i} (U)
   */
  dntk: number;
}

/** What the dNTK statistics of a run compute (src/montecarlo/dntk-statistics.ts). */
export interface DntkPlan {
  /** the quantities whose m⁴ blocks each layer's dntk statistics hold, in this order */
  blocks: ('P' | 'Q' | 'R' | 'S' | 'T' | 'U')[];
  /** the ddNTKs are needed (R, S, T or U requested) */
  second: boolean;
  /** neurons per layer whose ordered pairs are averaged */
  neurons: number;
  activation: Activation;
}

export interface NpointPlan {
  layer: number; // 0-based
  /** label k = (neuron labels[2k], input labels[2k+1]) */
  labels: Int32Array;
  /** monomials as lists of label indices (sorted, with repetition), each of order 1..6 */
  monomials: number[][];
  /**
   * The monomial as its prefix times one label, z_{l1}⋯z_{ln} = (z_{l1}⋯z_{l(n−1)})·z_{ln}: prefix[q] the index of
   * monomial q without its last label (−1 for order 1), last[q] that label; null when some prefix is not listed
   * before its monomial. The same left-to-right product, so the same bits, at one multiplication per monomial
   * instead of n reads through a list of arrays.
   */
  prefixProduct: { prefix: Int32Array; last: Int32Array } | null;
  offset: number;
}

/** The prefix-times-label table of NpointPlan.prefixProduct, or null if a prefix is missing or comes later. */
export function prefixProductTable(monomials: readonly (readonly number[])[]): NpointPlan['prefixProduct'] {
  const index = new Map<string, number>();
  const prefix = new Int32Array(monomials.length);
  const last = new Int32Array(monomials.length);
  for (let q = 0; q < monomials.length; q++) {
    const mon = monomials[q]!;
    if (mon.length === 0) return null;
    const p = mon.length === 1 ? -1 : index.get(mon.slice(0, -1).join(','));
    if (p === undefined) return null;
    prefix[q] = p;
    last[q] = mon[mon.length - 1]!;
    index.set(mon.join(','), q);
  }
  return { prefix, last };
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
  lambdaB: number[];
  lambdaW: number[];
  bias: boolean;
  gaussNet: boolean;
  /** σ and σ' */
  sigma: (z: number) => number;
  sigmaPrime: (z: number) => number;
  /** fixed inputs n0×m (layout j*m + a), or null when a T-layer makes them random */
  inputs: Float64Array | null;
  tLayer: { width: number; nx: number; W: Float64Array; x: Float64Array } | null;
  weights: 'gaussian' | 'uniform';
  meanShift: { mu: number; rows: number } | null;
  correlated: { lambda: number; lambdaBias: number } | null;
  /** some requested quantity reads NTK statistics (src/quantities.ts `montecarlo.statistics`) */
  ntkStatistics: boolean;
  /** some requested quantity reads preactivation statistics */
  preactivationStatistics: boolean;
  /** the dNTK / ddNTK statistics, when some requested quantity reads them */
  dntk: DntkPlan | null;
  estimator: 'conditional' | 'direct';
  sampler: 'fast' | 'full';
  /** per layer: z sampled from the conditional Gaussian N(0, Ĝ) (no weight matrix) */
  conditionalLayer: boolean[];
  /** the fused preactivation path applies (loops fused, see simulateFusedPreactivations) */
  fusedPreactivation: boolean;
  /** piecewise-linear slopes (σ(z) = z > 0 ? pos·z : neg·z), inlined on the fused path */
  piecewiseSlopes: { neg: number; pos: number } | null;
  /** per layer: the preactivations z are sampled */
  sampleZ: boolean[];
  /** per layer: the empirical NTK Θ̂ is propagated */
  sampleNtk: boolean[];
  /** per layer: where its statistics sit in the per-network vector */
  offsets: StatisticsOffsets[];
  npoint: NpointPlan | null;
  /** length of the per-network statistics vector */
  statisticsSize: number;
  seed: number;
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
  const quantities = parseQuantities(spec.quantities, 'montecarlo');
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
  widths[L - 1]! *= outComponents;
  const bias = spec.bias !== false;
  const cb = bias ? ns.cb : ns.cb.map(() => 0);
  const lambdaB = bias ? ns.lambdaB : ns.lambdaB.map(() => 0);
  const network = spec.network ?? 'mlp';
  if (network !== 'mlp' && network !== 'gauss-net') throw new NnftInputError('network', `unknown '${String(network)}'`, "use 'mlp' or 'gauss-net'");
  const gaussNet = network === 'gauss-net';
  let sigma: (z: number) => number;
  let sigmaPrime: (z: number) => number;
  let piecewiseSlopes: Plan['piecewiseSlopes'] = null;
  if (gaussNet) {
    sigma = Math.exp;
    sigmaPrime = Math.exp;
  } else {
    const act = getActivation(ns.activation);
    sigma = act.f;
    sigmaPrime = act.derivative(1);
    if (act.kind === 'piecewise-linear' && act.pl) piecewiseSlopes = { neg: act.pl.slopeNeg, pos: act.pl.slopePos };
  }
  let meanShift: Plan['meanShift'] = null;
  if (dist.meanShift) {
    const { mu, rows } = dist.meanShift;
    if (!Number.isFinite(mu)) throw new NnftInputError('distribution.meanShift.mu', `expected a finite number, got ${String(mu)}`);
    if (!Number.isInteger(rows) || rows < 0 || rows > widths[L - 1]!) {
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
  for (let a = 0; a < m; a++) for (let j = 0; j < n0; j++) inputs[j * m + a] = ns.inputs[a]![j]!;
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
      for (let i = 0; i < width; i++) for (let j = 0; j < n0; j++) W[i * n0 + j] = w[i]![j]!;
    } else {
      new NetStream(seed).reset(Number.MAX_SAFE_INTEGER).fillNormal(W, 0, W.length);
    }
    tLayer = { width, nx: n0, W, x: inputs };
    inputs = null;
    n0 = width;
  }
  const ntk = quantities.some((q) => QUANTITIES[q].montecarlo.statistics === 'ntk');
  const dntkBlocks = (['P', 'Q', 'R', 'S', 'T', 'U'] as const).filter((q) => quantities.includes(q));
  let dntk: DntkPlan | null = null;
  if (dntkBlocks.length) {
    if (gaussNet) throw new NnftInputError('quantities', `${dntkBlocks.join(', ')}: the dNTK statistics are implemented for MLPs, not for the Gauss-net`, "use network 'mlp'");
    const first = dntkBlocks.some((q) => q === 'P' || q === 'Q');
    const second = dntkBlocks.some((q) => q !== 'P' && q !== 'Q');
    const blocks: DntkPlan['blocks'] = [...(first ? (['P', 'Q'] as const) : []), ...(second ? (['R', 'S', 'T', 'U'] as const) : [])];
    const act = getActivation(ns.activation);
    if (second && act.kind === 'piecewise-linear') {
      throw new NnftInputError(
        'quantities',
        `${dntkBlocks.filter((q) => q !== 'P' && q !== 'Q').join(', ')} do not exist for the piecewise-linear ${act.name}: the ddNTK means contain ⟨δ(z)²⟩ and ⟨δ′(z)θ(z)⟩ at coinciding inputs, which diverge (docs/dntk.md)`,
        'use a smooth activation (gelu, softplus, tanh, …), or only P and Q',
      );
    }
    dntk = { blocks, second, neurons: 2, activation: act };
  }
  const preactivationStatistics = quantities.some((q) => QUANTITIES[q].montecarlo.statistics === 'preactivation');
  const special = weights !== 'gaussian' || meanShift !== null || correlated !== null;
  const reqSampler = spec.sampler ?? 'auto';
  if (!['auto', 'fast', 'full'].includes(reqSampler)) throw new NnftInputError('sampler', `unknown '${String(reqSampler)}'`, "use 'auto', 'fast' or 'full'");
  if (reqSampler === 'fast' && special) throw new NnftInputError('sampler', "the fast path needs Gaussian weights", "use sampler 'full' (or 'auto') for this parameter distribution");
  if (reqSampler === 'fast' && ntk) throw new NnftInputError('sampler', 'NTK statistics need the weight matrices (backprop)', "use sampler 'full' or 'auto'");
  if (reqSampler === 'fast' && dntk) throw new NnftInputError('sampler', 'dNTK statistics need the weight matrices', "use sampler 'full' or 'auto'");
  const sampler: 'fast' | 'full' = reqSampler === 'full' || special || ntk || dntk !== null ? 'full' : 'fast';
  const reqEst = spec.estimator ?? 'auto';
  if (!['auto', 'conditional', 'direct'].includes(reqEst)) throw new NnftInputError('estimator', `unknown '${String(reqEst)}'`, "use 'auto', 'conditional' or 'direct'");
  if (reqEst === 'conditional' && special) {
    throw new NnftInputError('estimator', 'conditional estimators need independent zero-mean Gaussian rows', "use 'direct' (or 'auto') with this distribution");
  }
  const estimator: 'conditional' | 'direct' = reqEst === 'direct' || special ? 'direct' : 'conditional';
  // per-layer needs
  const conditionalLayer: boolean[] = [];
  const sampleZ: boolean[] = [];
  const sampleNtk: boolean[] = [];
  for (let l = 0; l < L; l++) {
    sampleNtk.push(ntk && (l < L - 1 || estimator === 'direct'));
    sampleZ.push(l < L - 1 || estimator === 'direct' || dntk !== null || (npoint !== undefined && npoint.layer - 1 === l));
    // Θ̂⁽¹⁾ = δ·Θ⁽¹⁾ does not depend on W⁽¹⁾, so layer 1 can always use the conditional Gaussian when weights are Gaussian
    conditionalLayer.push(!special && (sampler === 'fast' || (l === 0 && reqSampler !== 'full')));
  }
  // where each statistic sits in the per-network vector
  let statisticsSize = 0;
  const take = (k: number): number => {
    const o = statisticsSize;
    statisticsSize += k;
    return o;
  };
  const m2 = m * m;
  const m4 = m2 * m2;
  const offsets: StatisticsOffsets[] = [];
  for (let l = 0; l < L; l++) {
    const lay: StatisticsOffsets = {
      condKernel: -1, condKernelPairs: -1, condNtk: -1, condNtkPairs: -1, condNtkKernel: -1, condNtkFrobenius: -1, condNtkZZ: -1,
      zz: -1, zzPairs: -1, zzzz: -1, ntkDiag: -1, ntkDiagPairs: -1, ntkOffDiagPairs: -1, ntkDiagZZ: -1, ntkOffDiagZZ: -1, dntk: -1,
    };
    if (estimator === 'conditional') {
      lay.condKernel = take(m2);
      lay.condKernelPairs = take(m4);
      if (ntk) {
        lay.condNtk = take(m2);
        lay.condNtkPairs = take(m4);
        lay.condNtkKernel = take(m4);
        lay.condNtkFrobenius = take(m4);
        lay.condNtkZZ = take(m4);
      }
    } else {
      lay.zz = take(m2);
      lay.zzPairs = take(m4);
      lay.zzzz = take(m4);
      if (ntk) {
        lay.ntkDiag = take(m2);
        lay.ntkDiagPairs = take(m4);
        lay.ntkOffDiagPairs = take(m4);
        lay.ntkDiagZZ = take(m4);
        lay.ntkOffDiagZZ = take(m4);
      }
    }
    if (dntk) lay.dntk = take(dntk.blocks.length * m4);
    offsets.push(lay);
  }
  let np: NpointPlan | null = null;
  if (npoint) {
    const labels = new Int32Array(npoint.labels.length * 2);
    npoint.labels.forEach(([i, a], k) => {
      labels[2 * k] = i;
      labels[2 * k + 1] = a;
    });
    np = { layer: npoint.layer - 1, labels, monomials: npoint.monomials, prefixProduct: prefixProductTable(npoint.monomials), offset: take(npoint.monomials.length) };
  }
  const fusedPreactivation = !ntk && dntk === null && estimator === 'conditional' && conditionalLayer.every((x) => x) && tLayer === null && !gaussNet && npoint === undefined;
  return {
    fusedPreactivation, piecewiseSlopes,
    m, L, n0, widths, outComponents, cb, cw: ns.cw, lambdaB, lambdaW: ns.lambdaW, bias, gaussNet, sigma, sigmaPrime, inputs, tLayer, weights,
    meanShift, correlated, ntkStatistics: ntk, preactivationStatistics, dntk, estimator, sampler, conditionalLayer, sampleZ, sampleNtk, offsets, npoint: np,
    statisticsSize, seed,
  };
}

