/**
 * The network ensembles of Maiti, Stoner, Halverson, Symmetry-via-Duality, sampled one network at a time with all parameters explicit, so that
 * the SAME network can be evaluated at original and transformed inputs (paired comparisons; see engine.ts).
 *
 * This is a minimal sampler of the symmetry module's own: the shared Monte Carlo sampler (src/montecarlo)
 * aggregates layer statistics and does not hand out individual networks, which the paired statistics need.
 * It uses the shared counter-based generator (network t = stream t of the seed), the activation registry,
 * and the same layouts as src/montecarlo's DistributionSpec (complex / quaternionic outputs interleaved:
 * real component c of output i at index i·k + c; T-layer ((Wx) mod 1 + b) mod 1 with W fixed).
 *
 * Architecture (PDLT conventions): z¹ = b¹ + W¹ x, z^{ℓ+1} = b^{ℓ+1} + W^{ℓ+1} σ(z^ℓ),
 * Var b = C_b, Var W^{ℓ+1} = C_W / n_ℓ; outputs f = z^L with L = hidden.length + 1.
 * Parameter distributions (Symmetry-via-Duality):
 * - first layer 'gaussian' (isotropic: SO(d) input symmetry), 'anisotropic' (W¹_jk ~ N(0, C_W s_k²/n0):
 *   the broken control), or a prepended T-layer (§2, App. A.4) with bias U[0,1) ('uniform', symmetric) or
 *   N(0, s²) mod 1 ('gaussian', the broken control); or 'complex' (App. A.3, SU(d) input symmetry): complex inputs
 *   x ∈ C^d given realified and interleaved (Re x_1, Im x_1, Re x_2, …; n₀ = 2d), complex weights W = W¹ + iW² and
 *   biases with W¹, W² ~ N(0, C_W/n₀) (b¹, b² ~ N(0, C_b)), and each complex preactivation z_j = W_j·x + b_j entering
 *   the next layer as two real units (Re z_j, Im z_j) — rows 2j, 2j+1 of the first layer, so its width is even;
 *   unequal `componentScales` [s¹, s²] on W¹, W² break the phase symmetry (the broken control);
 * - last layer 'gaussian', 'mean-rows' (eq. 14: mean μ_W on the first k rows), 'quartic' (eq. 16:
 *   P ∝ exp(−Tr WᵀW/2σ_W² − λ(Tr WᵀW)²), same for b with σ_b² = C_b; W = r·u with u uniform on the
 *   sphere and r² by rejection from a mode-matched Gamma proposal, `sampleQuartic`), 'complex'
 *   (App. A.2: Re, Im ~ N(0, C_W/n) each) or 'quaternionic' (App. A.5: 4 components ~ N(0, C_W/n) each),
 *   biases likewise with C_b (the convention of src/montecarlo's DistributionSpec).
 * - activation: a registry name (getActivation), or 'gauss-net' (Symmetry-via-Duality App. C; Maiti, Non-Perturbative Non-Lagrangian Neural Network Field Theories: one hidden
 *   layer, σ_α = exp(z_α − K_αα) with K_αα = C_b + C_W |x_α|²/n0).
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { Rng, STREAM_FIXED } from './rng.ts';

export type FirstLayerSpec =
  | { kind: 'gaussian' }
  | { kind: 'anisotropic'; scales: number[] }
  | { kind: 't-layer'; width: number; bias: 'uniform' | 'gaussian'; biasSigma?: number; weights?: number[][] }
  /** complex first layer over interleaved realified complex inputs (App. A.3); componentScales on Re W, Im W */
  | { kind: 'complex'; componentScales?: [number, number] };

export type LastLayerSpec =
  | { kind: 'gaussian' }
  | { kind: 'mean-rows'; mu: number; rows: number }
  | { kind: 'quartic'; lambda: number; lambdaBias?: number }
  /** componentScales: per real component c a factor on its standard deviation (default all 1; unequal
   *  scales break SU(D) / Sp(D) — the broken controls of the tests) */
  | { kind: 'complex'; componentScales?: number[] }
  | { kind: 'quaternionic'; componentScales?: number[] };

export interface SymNetSpec {
  /** input dimension d (n0) */
  inputDim: number;
  /** hidden widths n1..n_{L−1} (at least one) */
  hidden: number[];
  /** D: number of outputs (complex / quaternionic outputs count once; they are realified to 2D / 4D reals) */
  outputDim: number;
  activation: string;
  cb?: number;
  cw?: number;
  lambdaB?: number;
  lambdaW?: number;
  first?: FirstLayerSpec;
  last?: LastLayerSpec;
  /** seed for the fixed hyper-parameters (T-layer weights) */
  seed?: number;
}

/** One drawn network: evaluate outputs (and the empirical NTK) at any inputs. */
export interface Network {
  /** realified outputs f(x) (length realOutputDim) written into out */
  forward(x: ArrayLike<number>, out: Float64Array, offset?: number): void;
  /** empirical NTK Θ̂_{ij}(x, x') (realOutputDim² entries, row-major) written into out */
  ntk(x: ArrayLike<number>, xp: ArrayLike<number>, out: Float64Array, offset?: number): void;
}

export interface SymNetSampler {
  spec: Required<Omit<SymNetSpec, 'first' | 'last' | 'seed'>> & { first: FirstLayerSpec; last: LastLayerSpec; seed: number };
  realOutputDim: number;
  /** network number `index` of the ensemble (stream `index` of `seed`) */
  draw(seed: number, index: number): Network;
}

function componentsOf(last: LastLayerSpec): number {
  return last.kind === 'complex' ? 2 : last.kind === 'quaternionic' ? 4 : 1;
}

export function makeSampler(specIn: SymNetSpec): SymNetSampler {
  const first: FirstLayerSpec = specIn.first ?? { kind: 'gaussian' };
  const last: LastLayerSpec = specIn.last ?? { kind: 'gaussian' };
  const spec = {
    inputDim: specIn.inputDim,
    hidden: specIn.hidden.slice(),
    outputDim: specIn.outputDim,
    activation: specIn.activation,
    cb: specIn.cb ?? 0,
    cw: specIn.cw ?? 1,
    lambdaB: specIn.lambdaB ?? 1,
    lambdaW: specIn.lambdaW ?? 1,
    first,
    last,
    seed: specIn.seed ?? 0,
  };
  const d = spec.inputDim;
  if (!Number.isInteger(d) || d < 1) throw new NnftInputError('input dimension', `need an integer ≥ 1, got ${d}`);
  if (!Array.isArray(spec.hidden) || spec.hidden.length < 1) throw new NnftInputError('hidden widths', 'need at least one hidden layer');
  spec.hidden.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 1) throw new NnftInputError(`hidden[${i}]`, `width must be an integer ≥ 1, got ${n}`);
  });
  if (!Number.isInteger(spec.outputDim) || spec.outputDim < 1) throw new NnftInputError('output dimension', `need an integer ≥ 1, got ${spec.outputDim}`);
  if (!(spec.cw > 0) || !(spec.cb >= 0)) throw new NnftInputError('cb/cw', 'need C_W > 0 and C_b ≥ 0');
  const kc = componentsOf(last);
  const Dr = spec.outputDim * kc;
  const gaussNet = spec.activation === 'gauss-net';
  if (gaussNet && spec.hidden.length !== 1) throw new NnftInputError('activation', "'gauss-net' is defined for one hidden layer", 'use hidden = [n]');
  const act = gaussNet ? null : getActivation(spec.activation);
  const sigma = act ? act.f : Math.exp;
  const dsigma = act ? act.derivative(1) : Math.exp;
  if (first.kind === 'complex') {
    if (d % 2 !== 0) throw new NnftInputError('input dimension', `complex inputs are realified to 2d real components, got an odd dimension ${d}`);
    if (spec.hidden[0]! % 2 !== 0) throw new NnftInputError('hidden[0]', `a complex first layer has an even number of real units (Re z_j, Im z_j), got ${spec.hidden[0]}`);
    const cs = first.componentScales;
    if (cs !== undefined && (cs.length !== 2 || !cs.every((x) => Number.isFinite(x) && x > 0))) throw new NnftInputError('componentScales', 'need two positive scales [Re W, Im W]');
  }
  if (first.kind === 'anisotropic' && first.scales.length !== d) {
    throw new NnftInputError('anisotropic scales', `need ${d} scales (one per input coordinate), got ${first.scales.length}`);
  }
  if (last.kind === 'mean-rows' && !(Number.isInteger(last.rows) && last.rows >= 1 && last.rows <= spec.outputDim)) {
    throw new NnftInputError('mean rows k', `need 1 ≤ k ≤ D = ${spec.outputDim}, got ${last.rows}`);
  }
  // fixed T-layer weights (a hyper-parameter: the same for every network)
  let tW: number[][] | null = null;
  let n0 = d;
  if (first.kind === 't-layer') {
    if (!Number.isInteger(first.width) || first.width < 1) throw new NnftInputError('T-layer width', `need an integer ≥ 1, got ${first.width}`);
    if (first.weights) {
      if (first.weights.length !== first.width || first.weights.some((r) => r.length !== d)) {
        throw new NnftInputError('T-layer weights', `must be ${first.width}×${d}`);
      }
      tW = first.weights;
    } else {
      const r = new Rng(spec.seed, STREAM_FIXED);
      tW = Array.from({ length: first.width }, () => Array.from({ length: d }, () => r.normal()));
    }
    n0 = first.width;
  }
  const widths = [...spec.hidden, Dr];
  const L = widths.length;
  const fanIn = [n0, ...spec.hidden];

  function draw(seed: number, index: number): Network {
    const rng = new Rng(seed, index);
    // T-layer bias
    let tb: Float64Array | null = null;
    if (first.kind === 't-layer') {
      tb = new Float64Array(first.width);
      for (let j = 0; j < first.width; j++) {
        const v = first.bias === 'uniform' ? rng.uniform() : (first.biasSigma ?? 0.25) * rng.normal();
        tb[j] = v - Math.floor(v);
      }
    }
    const Ws: Float64Array[] = [];
    const bs: Float64Array[] = [];
    for (let l = 0; l < L; l++) {
      const nOut = widths[l]!, nIn = fanIn[l]!;
      const W = new Float64Array(nOut * nIn);
      const b = new Float64Array(nOut);
      const isLast = l === L - 1;
      if (isLast && last.kind === 'quartic') {
        sampleQuartic(rng, W, spec.cw / nIn, last.lambda);
        if (spec.cb > 0) sampleQuartic(rng, b, spec.cb, last.lambdaBias ?? last.lambda);
      } else {
        // complex / quaternionic outputs: every real component N(0, C_W/n) (bias N(0, C_b)), as App. A.2/A.5
        // and src/montecarlo's DistributionSpec; with real g this is a real layer of 2D / 4D outputs
        const sb = Math.sqrt(spec.cb);
        if (l === 0 && first.kind === 'complex') {
          // rows 2j, 2j+1 = Re z_j, Im z_j; columns 2k, 2k+1 = Re x_k, Im x_k:  [[W¹, −W²], [W², W¹]] per entry
          const sw = Math.sqrt(spec.cw / nIn);
          const [s1, s2] = first.componentScales ?? [1, 1];
          for (let j = 0; j < nOut / 2; j++) {
            for (let k = 0; k < nIn / 2; k++) {
              const w1 = s1 * sw * rng.normal();
              const w2 = s2 * sw * rng.normal();
              W[2 * j * nIn + 2 * k] = w1;
              W[2 * j * nIn + 2 * k + 1] = -w2;
              W[(2 * j + 1) * nIn + 2 * k] = w2;
              W[(2 * j + 1) * nIn + 2 * k + 1] = w1;
            }
          }
        } else if (l === 0 && first.kind === 'anisotropic') {
          for (let j = 0; j < nOut; j++) for (let k = 0; k < nIn; k++) W[j * nIn + k] = Math.sqrt(spec.cw / nIn) * first.scales[k]! * rng.normal();
        } else rng.fillNormal(W, 0, W.length, Math.sqrt(spec.cw / nIn));
        rng.fillNormal(b, 0, b.length, sb);
        if (isLast && (last.kind === 'complex' || last.kind === 'quaternionic') && last.componentScales) {
          const cs = last.componentScales;
          if (cs.length !== kc) throw new NnftInputError('componentScales', `need ${kc} scales, got ${cs.length}`);
          for (let r = 0; r < nOut; r++) {
            const f = cs[r % kc]!;
            for (let j = 0; j < nIn; j++) W[r * nIn + j]! *= f;
            b[r]! *= f;
          }
        }
        if (isLast && last.kind === 'mean-rows') for (let i = 0; i < last.rows; i++) for (let j = 0; j < nIn; j++) W[i * nIn + j]! += last.mu;
      }
      Ws.push(W);
      bs.push(b);
    }
    const maxW = Math.max(n0, ...widths);
    const h0 = new Float64Array(n0);
    const acts = widths.map((n) => new Float64Array(n)); // σ(z^ℓ) for hidden layers
    const dacts = widths.map((n) => new Float64Array(n));
    const tmp = new Float64Array(maxW);

    /** forward pass: fills acts/dacts of hidden layers; returns the output in `out` */
    function run(x: ArrayLike<number>, out: Float64Array, off: number): void {
      let input: ArrayLike<number> = x;
      if (tW && tb) {
        for (let j = 0; j < n0; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += tW[j]![k]! * x[k]!;
          s = s - Math.floor(s) + tb[j]!;
          h0[j] = s - Math.floor(s);
        }
        input = h0;
      } else if (x.length !== d) {
        throw new NnftInputError('input', `has dimension ${x.length} but the network expects ${d}`);
      }
      let shift = 0;
      if (gaussNet) {
        let xx = 0;
        for (let k = 0; k < n0; k++) xx += input[k]! * input[k]!;
        shift = spec.cb + (spec.cw * xx) / n0;
      }
      for (let l = 0; l < L; l++) {
        const nOut = widths[l]!, nIn = fanIn[l]!, W = Ws[l]!, b = bs[l]!;
        const src = l === 0 ? input : acts[l - 1]!;
        const dst = l === L - 1 ? null : acts[l];
        for (let j = 0; j < nOut; j++) {
          let s = b[j]!;
          const row = j * nIn;
          for (let k = 0; k < nIn; k++) s += W[row + k]! * src[k]!;
          if (dst) {
            const zz = gaussNet ? s - shift : s;
            dst[j] = sigma(zz);
            dacts[l]![j] = gaussNet ? dst[j]! : dsigma(zz);
          } else out[off + j] = s;
        }
      }
    }

    const scratch = new Float64Array(Dr);
    return {
      forward(x, out, offset = 0) {
        run(x, out, offset);
      },
      ntk(x, xp, out, offset = 0) {
        if (tW) throw new NnftInputError('ntk', 'the empirical NTK is not implemented for T-layer networks');
        if (first.kind === 'complex') throw new NnftInputError('ntk', 'the empirical NTK is not implemented for a complex first layer (its weights are shared by two real rows)');
        // forward at x, keep σ, σ'; then at x'
        run(x, scratch, 0);
        const sa = acts.map((a) => a.slice()), da = dacts.map((a) => a.slice());
        run(xp, scratch, 0);
        const sb = acts, db = dacts;
        let xx = 0;
        for (let k = 0; k < d; k++) xx += x[k]! * xp[k]!;
        // Θ¹ = c1 δ; layer 2 from the δ shortcut, deeper layers by the full recursion
        const c1 = spec.lambdaB + (spec.lambdaW / d) * xx;
        let theta: Float64Array | null = null; // n_l × n_l, null means c·δ with c = diagC
        for (let l = 1; l < L; l++) {
          const nOut = widths[l]!, nIn = widths[l - 1]!, W = Ws[l]!;
          const sA = sa[l - 1]!, sB = sb[l - 1]!, dA = da[l - 1]!, dB = db[l - 1]!;
          let ss = 0;
          for (let k = 0; k < nIn; k++) ss += sA[k]! * sB[k]!;
          const diag = spec.lambdaB + (spec.lambdaW / nIn) * ss;
          const next = new Float64Array(nOut * nOut);
          if (theta === null) {
            for (let k = 0; k < nIn; k++) tmp[k] = c1 * dA[k]! * dB[k]!;
            for (let i = 0; i < nOut; i++) {
              for (let j = i; j < nOut; j++) {
                let s = 0;
                for (let k = 0; k < nIn; k++) s += W[i * nIn + k]! * W[j * nIn + k]! * tmp[k]!;
                next[i * nOut + j] = s;
                next[j * nOut + i] = s;
              }
            }
          } else {
            // A = diag(σ'_a) Θ diag(σ'_b); next = W A Wᵀ
            const A = new Float64Array(nIn * nIn);
            for (let k = 0; k < nIn; k++) for (let q = 0; q < nIn; q++) A[k * nIn + q] = dA[k]! * theta[k * nIn + q]! * dB[q]!;
            const WA = new Float64Array(nOut * nIn);
            for (let i = 0; i < nOut; i++) {
              for (let q = 0; q < nIn; q++) {
                let s = 0;
                for (let k = 0; k < nIn; k++) s += W[i * nIn + k]! * A[k * nIn + q]!;
                WA[i * nIn + q] = s;
              }
            }
            for (let i = 0; i < nOut; i++) {
              for (let j = 0; j < nOut; j++) {
                let s = 0;
                for (let q = 0; q < nIn; q++) s += WA[i * nIn + q]! * W[j * nIn + q]!;
                next[i * nOut + j] = s;
              }
            }
          }
          for (let i = 0; i < nOut; i++) next[i * nOut + i]! += diag;
          theta = next;
        }
        for (let i = 0; i < Dr * Dr; i++) out[offset + i] = theta![i]!;
      },
    };
  }

  return { spec, realOutputDim: Dr, draw };
}

/**
 * Fill x (length M) from P ∝ exp(−|x|²/2σ² − λ|x|⁴): direction uniform on the sphere, s = |x|² from the
 * density ∝ s^{a} e^{−s/2σ² − λs²} (a = M/2 − 1) by rejection from a Gamma(M/2, θ) proposal whose mode
 * matches the target's mode s_m (2λ s_m² + s_m/2σ² = a, θ = s_m/a): acceptance e^{−λ(s − s_m)²}.
 */
function sampleQuartic(rng: Rng, x: Float64Array, sigma2: number, lambda: number): void {
  const M = x.length;
  if (!(lambda >= 0)) throw new NnftInputError('lambda', `the quartic coupling must be ≥ 0, got ${lambda}`);
  const a = M / 2 - 1;
  let s: number;
  if (lambda === 0) s = 2 * sigma2 * rng.gamma(M / 2);
  else {
    const inv = 1 / (2 * sigma2);
    const sm = a > 0 ? (-inv + Math.sqrt(inv * inv + 8 * lambda * a)) / (4 * lambda) : 0;
    const theta = a > 0 ? sm / a : 2 * sigma2; // a ≤ 0 (M ≤ 2): plain proposal, acceptance e^{−λs²}
    for (let tries = 0; ; tries++) {
      s = theta * rng.gamma(M / 2);
      const logAcc = a > 0 ? -lambda * (s - sm) ** 2 : -lambda * s * s;
      if (Math.log(rng.uniform()) < logAcc) break;
      if (tries > 1e6) throw new NnftInputError('lambda', `quartic rejection sampler stuck (λ = ${lambda})`);
    }
  }
  let nn = 0;
  for (let i = 0; i < M; i++) {
    x[i] = rng.normal();
    nn += x[i]! * x[i]!;
  }
  const f = Math.sqrt(s / nn);
  for (let i = 0; i < M; i++) x[i]! *= f;
}
