/**
 * One MLP trained by full-batch gradient descent on L = ½ Σ_α ‖f(x_α) − y_α‖², with exact gradients by
 * backpropagation on Float64Arrays. Parameterisation as everywhere in the toolkit (PDLT conventions):
 *
 *   z⁽¹⁾ = b⁽¹⁾ + W⁽¹⁾x,  z⁽ℓ⁺¹⁾ = b⁽ℓ⁺¹⁾ + W⁽ℓ⁺¹⁾σ(z⁽ℓ⁾),  f = z⁽ᴸ⁾;  b ~ N(0, C_b), W⁽ℓ⁾ ~ N(0, C_W/n_{ℓ−1}),
 *
 * and per-parameter learning rates η·λ_μ with λ = λ_b for biases and λ_W/n_{ℓ−1} for the weights of layer ℓ:
 *
 *   θ_μ ← θ_μ − η λ_μ ∂L/∂θ_μ,   so   Δf(x) = −η Σ_α Θ̂(x, x_α)(f(x_α) − y_α) + O(η²)
 *
 * with Θ̂ = Σ_μ λ_μ ∂f/∂θ_μ ∂f/∂θ_μ — exactly the empirical NTK of src/montecarlo (same λ's), whose mean is
 * the recursions' Θ. Backpropagation (Δ⁽ᴸ⁾ = f − Y on the training batch):
 *
 *   ∂L/∂W⁽ℓ⁾ = Δ⁽ℓ⁾ᵀ σ(z⁽ℓ⁻¹⁾),  ∂L/∂b⁽ℓ⁾ = Σ_α Δ⁽ℓ⁾_α,  Δ⁽ℓ⁻¹⁾ = (Δ⁽ℓ⁾ W⁽ℓ⁾) ⊙ σ'(z⁽ℓ⁻¹⁾)   (σ(z⁽⁰⁾) ≡ x)
 *
 * with Δ⁽ℓ⁻¹⁾ formed from W⁽ℓ⁾ before W⁽ℓ⁾ is updated. Matrices are points-major (N × n_ℓ).
 *
 * Initial parameters come from the network's counter-based stream (src/rng/index.ts): reset(stream),
 * then for each layer W (n_ℓ·n_{ℓ−1} normals × √(C_W/n_{ℓ−1})) and b (n_ℓ normals × √C_b, only if C_b > 0;
 * b = 0 otherwise) — the same draws, in the same order, as `nnft mc --sampler full` network `stream`, so the
 * initial network (and its empirical NTK) is the Monte Carlo sampler's. An antithetic partner (sign −1) takes
 * the same draws with the output layer's W and b negated: f → −f at initialisation, Θ̂ unchanged.
 *
 * Cost per step ≈ 6·N·Σ_ℓ n_ℓ n_{ℓ−1} flops (forward, backward, update); nothing is allocated in the loop.
 *
 * Empirical NTK on the training inputs (plan.ntk): at initialisation and at every recorded step,
 *
 *   Θ̂(x_a, x_b) = (1/D) Σ_i Σ_{ℓ trained} (g⁽ℓ⁾_{i;a} · g⁽ℓ⁾_{i;b}) [λ_b + (λ_W/n_{ℓ−1}) σ(z⁽ℓ⁻¹⁾_a) · σ(z⁽ℓ⁻¹⁾_b)]
 *
 * with g⁽ℓ⁾_{i;a} = ∂f_i(x_a)/∂z⁽ℓ⁾(x_a) by backpropagation from g⁽ᴸ⁾_i = e_i (g⁽ℓ⁻¹⁾ = (g⁽ℓ⁾W⁽ℓ⁾) ⊙ σ'(z⁽ℓ⁻¹⁾)):
 * ∂f_i/∂W⁽ℓ⁾_jk = g_j σ_k and ∂f_i/∂b⁽ℓ⁾_j = g_j, weighted by the same λ's as the update above, so Θ̂ is the
 * kernel of this network's linearised step (the output-diagonal blocks averaged over the D outputs; the
 * infinite-width Θ is diagonal in the output index). Only trained layers count (the readout alone with
 * trainAll = false). Cost per record ≈ D·2N·Σ_ℓ n_ℓn_{ℓ−1} + 2N²·Σ_ℓ(D n_ℓ + n_{ℓ−1}) flops.
 */
import { getActivation } from '../activations/index.ts';
import { NnftNumericalError } from '../errors.ts';
import { NetStream } from '../rng/index.ts';
import { gemmABt } from '../montecarlo/kernels.ts';
import { addAtB, gemmAB } from './gemm.ts';
import type { ActivationSpec } from '../spec.ts';

export interface NetworkPlan {
  L: number;
  n0: number;
  /** n_1..n_L (n_L = D) */
  widths: number[];
  D: number;
  N: number;
  m: number;
  /** N × n0, m × n0, N × D (row-major) */
  X: Float64Array;
  T: Float64Array;
  Y: Float64Array;
  cb: number[];
  cw: number[];
  lb: number[];
  lw: number[];
  activation: ActivationSpec;
  lr: number;
  /** step counts at which f(T) is recorded: ascending, distinct, finite */
  record: number[];
  /** false: only the output layer is trained */
  trainAll: boolean;
  /** output-layer weights of the first `rows` outputs have mean `mu` (Maiti, Stoner, Halverson eq. 14) */
  meanShift: { mu: number; rows: number } | null;
  /** record the empirical NTK Θ̂(X,X) on the training inputs at step 0 and at the recorded steps */
  ntk?: boolean;
}

/** Activation σ and σ' of a plan, resolved once per thread. */
interface Sigma {
  /** writes σ(z) and σ'(z) for all entries of z */
  apply(z: Float64Array, s: Float64Array, ds: Float64Array): void;
  /** σ only (test forward pass) */
  value(z: Float64Array, s: Float64Array): void;
}

function makeSigma(spec: ActivationSpec): Sigma {
  const act = getActivation(spec);
  if (act.kind === 'piecewise-linear' && act.pl) {
    const { slopeNeg: a, slopePos: b } = act.pl;
    const avg = (a + b) / 2;
    return {
      apply(z, s, ds) {
        for (let q = 0; q < z.length; q++) {
          const v = z[q]!;
          s[q] = v > 0 ? b * v : a * v;
          ds[q] = v > 0 ? b : v < 0 ? a : avg;
        }
      },
      value(z, s) {
        for (let q = 0; q < z.length; q++) {
          const v = z[q]!;
          s[q] = v > 0 ? b * v : a * v;
        }
      },
    };
  }
  const f = act.f;
  const df = act.derivative(1);
  const jet = act.jet ? act.jet(1) : null;
  const outs: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
  return {
    apply(z, s, ds) {
      if (jet) {
        outs[0] = s;
        outs[1] = ds;
        jet(z, outs);
        return;
      }
      for (let q = 0; q < z.length; q++) {
        s[q] = f(z[q]!);
        ds[q] = df(z[q]!);
      }
    },
    value(z, s) {
      for (let q = 0; q < z.length; q++) s[q] = f(z[q]!);
    },
  };
}

/** Per-thread buffers of one network (reused for every network of a run). */
export class NetworkState {
  readonly plan: NetworkPlan;
  readonly W: Float64Array[] = [];
  readonly b: Float64Array[] = [];
  /** training batch: preactivations, σ, σ' and deltas per layer (N × n_ℓ) */
  readonly Z: Float64Array[] = [];
  readonly S: Float64Array[] = [];
  readonly DS: Float64Array[] = [];
  readonly Delta: Float64Array[] = [];
  /** test batch (m × n_ℓ) */
  readonly ZT: Float64Array[] = [];
  readonly ST: Float64Array[] = [];
  /** f on the test inputs after each recorded step: record.length × m × D */
  readonly out: Float64Array;
  /** ½ Σ ‖f − y‖² after each recorded step */
  readonly loss: Float64Array;
  /** with plan.ntk: Θ̂(X,X) (N × N, output-averaged) at initialisation, and after each recorded step */
  readonly ntkInitial: Float64Array;
  readonly ntk: Float64Array;
  /** NTK work arrays: ∂f_i/∂z⁽ℓ⁾ on the batch (N × n_ℓ), the layer factors λ_b + (λ_W/n_{ℓ−1})σσᵀ, a Gram matrix */
  private readonly grad: Float64Array[] = [];
  private readonly layerFactor: Float64Array[] = [];
  private readonly gram: Float64Array;
  private readonly sigma: Sigma;
  private rng = new NetStream(0);
  private seed = 0;

  constructor(plan: NetworkPlan) {
    this.plan = plan;
    const { L, N, m, n0, widths } = plan;
    for (let l = 0; l < L; l++) {
      const n = widths[l]!;
      const nPrev = l === 0 ? n0 : widths[l - 1]!;
      this.W.push(new Float64Array(n * nPrev));
      this.b.push(new Float64Array(n));
      this.Z.push(new Float64Array(N * n));
      this.S.push(new Float64Array(l < L - 1 ? N * n : 0));
      this.DS.push(new Float64Array(l < L - 1 ? N * n : 0));
      this.Delta.push(new Float64Array(N * n));
      this.ZT.push(new Float64Array(m * n));
      this.ST.push(new Float64Array(l < L - 1 ? m * n : 0));
    }
    this.out = new Float64Array(plan.record.length * m * plan.D);
    this.loss = new Float64Array(plan.record.length);
    this.sigma = makeSigma(plan.activation);
    const ntk = plan.ntk === true;
    this.ntkInitial = new Float64Array(ntk ? N * N : 0);
    this.ntk = new Float64Array(ntk ? plan.record.length * N * N : 0);
    for (let l = 0; l < L; l++) {
      this.grad.push(new Float64Array(ntk ? N * widths[l]! : 0));
      this.layerFactor.push(new Float64Array(ntk ? N * N : 0));
    }
    this.gram = new Float64Array(ntk ? N * N : 0);
  }

  /** Draw the initial parameters of stream `stream` (seed `seed`); sign −1 negates the output layer. */
  init(seed: number, stream: number, sign: 1 | -1): void {
    const p = this.plan;
    if (seed !== this.seed) {
      this.rng = new NetStream(seed);
      this.seed = seed;
    }
    const rng = this.rng.reset(stream);
    for (let l = 0; l < p.L; l++) {
      const n = p.widths[l]!;
      const nPrev = l === 0 ? p.n0 : p.widths[l - 1]!;
      const W = this.W[l]!;
      const b = this.b[l]!;
      rng.fillNormal(W, 0, n * nPrev, Math.sqrt(p.cw[l]! / nPrev));
      if (p.cb[l]! > 0) rng.fillNormal(b, 0, n, Math.sqrt(p.cb[l]!));
      else b.fill(0);
      if (l === p.L - 1) {
        if (p.meanShift && p.meanShift.mu !== 0) {
          const { mu, rows } = p.meanShift;
          for (let i = 0; i < rows; i++) for (let j = 0; j < nPrev; j++) W[i * nPrev + j] = W[i * nPrev + j]! + mu;
        }
        if (sign < 0) {
          for (let q = 0; q < W.length; q++) W[q] = -W[q]!;
          for (let q = 0; q < b.length; q++) b[q] = -b[q]!;
        }
      }
    }
  }

  /** Forward pass on a batch (rows × n0): layer ℓ from `from` (0 = input) up; writes Z (and S, DS). */
  private forward(input: Float64Array, rows: number, Z: Float64Array[], S: Float64Array[], DS: Float64Array[] | null, from: number): void {
    const p = this.plan;
    for (let l = from; l < p.L; l++) {
      const n = p.widths[l]!;
      const nPrev = l === 0 ? p.n0 : p.widths[l - 1]!;
      const prev = l === 0 ? input : S[l - 1]!;
      const z = Z[l]!;
      gemmABt(prev, this.W[l]!, z, rows, n, nPrev, n, 0, false);
      const b = this.b[l]!;
      for (let a = 0; a < rows; a++) {
        const o = a * n;
        for (let i = 0; i < n; i++) z[o + i] = z[o + i]! + b[i]!;
      }
      if (l < p.L - 1) {
        if (DS) this.sigma.apply(z, S[l]!, DS[l]!);
        else this.sigma.value(z, S[l]!);
      }
    }
  }

  /** f on the test inputs into out[slot] (m × D). */
  private recordTest(slot: number): void {
    const p = this.plan;
    this.forward(p.T, p.m, this.ZT, this.ST, null, 0);
    this.out.set(this.ZT[p.L - 1]!, slot * p.m * p.D);
  }

  /**
   * Train the current parameters for record[last] steps, recording f(T) and the loss at the recorded steps.
   * `label` names the network in errors (a diverging run is refused, never reported).
   */
  train(label: string): void {
    const p = this.plan;
    const { L, N, D, lr, record } = p;
    const last = record[record.length - 1] ?? 0;
    let slot = 0;
    const resid = this.Delta[L - 1]!;
    const f = this.Z[L - 1]!;
    // hidden layers are fixed when only the readout is trained: one forward pass of the lower layers
    if (!p.trainAll) this.forward(p.X, N, this.Z, this.S, this.DS, 0);
    for (let step = 0; ; step++) {
      this.forward(p.X, N, this.Z, this.S, this.DS, p.trainAll ? 0 : L - 1);
      let loss = 0;
      for (let q = 0; q < N * D; q++) {
        const r = f[q]! - p.Y[q]!;
        resid[q] = r;
        loss += r * r;
      }
      loss *= 0.5;
      if (!Number.isFinite(loss) && step === 0) {
        throw new NnftNumericalError(
          `the training of ${label}`,
          'the loss ½Σ‖f − y‖² of the initialised network is not finite before any step (its outputs, or the targets, overflow when squared)',
          'rescale the inputs and targets, or use smaller C_W, C_b (or a smaller --mean-shift μ)',
        );
      }
      if (!Number.isFinite(loss)) {
        throw new NnftNumericalError(
          `the training of ${label}`,
          `the loss is not finite after ${step} steps: gradient descent diverged (η = ${lr} exceeds 2/λ_max of this network's empirical NTK)`,
          'use a smaller --lr (0.95/λ_max of the infinite-width Θ(X,X) leaves room for finite-width fluctuations at moderate widths)',
        );
      }
      if (p.ntk) {
        if (step === 0) this.empiricalNtk(this.ntkInitial, 0);
        if (step === record[slot]) {
          if (step === 0) this.ntk.set(this.ntkInitial, slot * N * N);
          else this.empiricalNtk(this.ntk, slot * N * N);
        }
      }
      if (step === record[slot]) {
        this.loss[slot] = loss;
        this.recordTest(slot);
        slot++;
      }
      if (step >= last) break;
      this.backwardUpdate();
    }
  }

  /** One gradient-descent step from the residuals in Delta[L−1] (and the forward pass on the batch). */
  private backwardUpdate(): void {
    const p = this.plan;
    const { L, N, lr } = p;
    const lowest = p.trainAll ? 0 : L - 1;
    for (let l = L - 1; l >= lowest; l--) {
      const n = p.widths[l]!;
      const nPrev = l === 0 ? p.n0 : p.widths[l - 1]!;
      const delta = this.Delta[l]!;
      const prevS = l === 0 ? p.X : this.S[l - 1]!;
      const W = this.W[l]!;
      if (l > lowest) {
        const dPrev = this.Delta[l - 1]!;
        gemmAB(delta, W, dPrev, N, nPrev, n);
        const ds = this.DS[l - 1]!;
        for (let q = 0; q < N * nPrev; q++) dPrev[q] = dPrev[q]! * ds[q]!;
      }
      const cW = lr * p.lw[l]! / nPrev;
      if (cW !== 0) addAtB(W, delta, prevS, N, n, nPrev, -cW);
      const cB = lr * p.lb[l]!;
      if (cB !== 0) {
        const b = this.b[l]!;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let a = 0; a < N; a++) s += delta[a * n + i]!;
          b[i] = b[i]! - cB * s;
        }
      }
    }
  }

  /**
   * Θ̂(X,X) of the current parameters into dest[off .. off + N²) (module comment). Needs the forward pass of the
   * training batch (Z, S, DS) for these parameters, which train() has just done.
   */
  private empiricalNtk(dest: Float64Array, off: number): void {
    const p = this.plan;
    const { L, N, D } = p;
    const lowest = p.trainAll ? 0 : L - 1;
    const NN = N * N;
    dest.fill(0, off, off + NN);
    for (let l = lowest; l < L; l++) {
      const nPrev = l === 0 ? p.n0 : p.widths[l - 1]!;
      const prev = l === 0 ? p.X : this.S[l - 1]!;
      const A = this.layerFactor[l]!;
      gemmABt(prev, prev, A, N, N, nPrev, N, 0, false);
      const cw = p.lw[l]! / nPrev;
      const cb = p.lb[l]!;
      for (let q = 0; q < NN; q++) A[q] = cb + cw * A[q]!;
    }
    const gram = this.gram;
    for (let i = 0; i < D; i++) {
      const top = this.grad[L - 1]!;
      top.fill(0);
      for (let a = 0; a < N; a++) top[a * D + i] = 1;
      for (let l = L - 1; l >= lowest; l--) {
        const n = p.widths[l]!;
        const g = this.grad[l]!;
        if (l < L - 1) {
          gemmAB(this.grad[l + 1]!, this.W[l + 1]!, g, N, n, p.widths[l + 1]!);
          const ds = this.DS[l]!;
          for (let q = 0; q < N * n; q++) g[q] = g[q]! * ds[q]!;
        }
        gemmABt(g, g, gram, N, N, n, N, 0, false);
        const A = this.layerFactor[l]!;
        for (let q = 0; q < NN; q++) dest[off + q] = dest[off + q]! + (gram[q]! * A[q]!) / D;
      }
    }
  }

  /** f on the training inputs for the current parameters (N × D, a copy): for tests. */
  outputsOnTrain(): Float64Array {
    this.forward(this.plan.X, this.plan.N, this.Z, this.S, this.DS, 0);
    return Float64Array.from(this.Z[this.plan.L - 1]!);
  }
}

/** Floating-point operations of one training step of one network (forward, backward, update). */
export function flopsPerStep(plan: Pick<NetworkPlan, 'L' | 'n0' | 'widths' | 'N' | 'trainAll'>): number {
  let s = 0;
  for (let l = plan.trainAll ? 0 : plan.L - 1; l < plan.L; l++) {
    const nPrev = l === 0 ? plan.n0 : plan.widths[l - 1]!;
    s += (l === 0 ? 4 : 6) * plan.N * plan.widths[l]! * nPrev;
  }
  return s;
}
