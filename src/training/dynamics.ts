/**
 * Frozen-kernel training dynamics in closed form (Jacot, Gabriel, Hongler, "Neural Tangent Kernel", 2018;
 * Lee et al., "Wide Neural Networks of Any Depth Evolve as Linear Models Under Gradient Descent", 2019,
 * eqs. 9–16; Leung, "Physics4ML" notes, eq. 2.51 for t = ∞).
 *
 * An infinitely wide network trained on L = ½ Σ_α ‖f(x_α) − y_α‖² evolves with its initial NTK held fixed:
 * df(X)/dt = −η H(X,X)(f(X) − Y), f(x) = f₀(x) + H(x,X) A_t (Y − f₀(X)), with f₀ ~ GP(0, K), so that
 *
 *   A_t      = H⁻¹ (I − e^{−ηHt})                          (gradient flow)
 *            = H⁻¹ (I − (I − ηH)^s)                        (s steps of gradient descent, step η)
 *   μ_t(x)   = H(x,X) A_t Y
 *   Σ_t(x,x') = K(x,x') + H(x,X) A_t K(X,X) A_t H(X,x') − [H(x,X) A_t K(X,x') + K(x,X) A_t H(X,x')]
 *
 * where H(X,X) abbreviates the training-set block. H is the dynamics kernel: the NTK Θ (all layers trained),
 * the NNGP kernel K (then t = ∞ is the Bayesian posterior: mean K(x,X)K⁻¹Y, covariance K(x,x') −
 * K(x,X)K⁻¹K(X,x')), or the last-layer NTK (only the readout trained). Kernels are diagonal in the output
 * index, so every output shares Σ_t and the mean is computed column by column of Y (N × D).
 *
 * One eigendecomposition H(X,X) = V Λ Vᵀ serves all times: A_t = V diag(g_t(λ_k)) Vᵀ with
 *   flow: g_t(λ) = (1 − e^{−ηλt})/λ = −expm1(−ηλt)/λ     (→ ηt as λ → 0; 1/λ at t = ∞)
 *   GD:   g_s(λ) = (1 − (1 − ηλ)^s)/λ = −expm1(s·log1p(−ηλ))/λ for ηλ < 1   (→ ηs as λ → 0)
 * which stays accurate for small λ (no 1 − e^{−x} cancellation). With a regulariser ε (diagReg),
 * H(X,X) → H(X,X) + εI in the dynamics (Tikhonov: μ_∞ = H(x,X)(H(X,X) + εI)⁻¹Y); K is unchanged.
 *
 * Conditioning. Rounding errors in H(X,X) (≈ N·u·λ_max, u = 2⁻⁵³·2) are amplified by
 * a(t) = λ_max · max_k g_t(λ_k) (= κ(H) = λ_max/λ_min at t = ∞, ≤ ηλ_max t at finite t). The reported
 * roundingError = a(t)·N·2.2e-16 bounds the error of the mean relative to max|Y| and of the covariance
 * relative to max K; above ROUNDING_TOLERANCE the computation is refused.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { gemmABt } from '../montecarlo/kernels.ts';
import { symmetricEigenDense } from './eigen.ts';
import type { Schedule } from './spec.ts';

/** Refuse when the first-order rounding estimate a(t)·N·2.2e-16 exceeds this (≈ 4 significant digits kept). */
export const ROUNDING_TOLERANCE = 1e-4;
const EPS = Number.EPSILON;

/** g_t(λ) = (1 − e^{−ηλt})/λ for gradient flow (t may be Infinity: 1/λ for λ > 0, Infinity otherwise). */
export function flowFactor(lambda: number, lr: number, t: number): number {
  if (t === 0) return 0;
  if (t === Infinity) return lambda > 0 ? 1 / lambda : Infinity;
  if (lambda === 0) return lr * t;
  return -Math.expm1(-lr * lambda * t) / lambda;
}

/** g_s(λ) = (1 − (1 − ηλ)^s)/λ for s steps of gradient descent with step η (s may be Infinity). */
export function descentFactor(lambda: number, lr: number, s: number): number {
  if (s === 0) return 0;
  const x = lr * lambda;
  if (s === Infinity) return x > 0 && x < 2 ? 1 / lambda : Infinity;
  if (lambda === 0) return lr * s;
  if (x < 1) return -Math.expm1(s * Math.log1p(-x)) / lambda;
  if (x === 1) return 1 / lambda;
  return (1 - Math.pow(1 - x, s)) / lambda;
}

/** Kernel blocks on the training inputs X (N) and the test inputs T (m), row-major. */
export interface KernelBlocks {
  N: number;
  m: number;
  /** dynamics kernel H: H(X,X) (N×N) and H(T,X) (m×N) */
  HXX: Float64Array;
  HTX: Float64Array;
  /** prior covariance of f₀: K(X,X) (N×N), K(T,X) (m×N), K(T,T) (m×m) */
  KXX: Float64Array;
  KTX: Float64Array;
  KTT: Float64Array;
}

export interface DynamicsOptions {
  lr: number;
  schedule: Schedule;
  /** Tikhonov regulariser ε ≥ 0 added to the diagonal of H(X,X) (absolute, in the units of H) */
  diagReg?: number;
  /** argument names for error messages (CLI flags) */
  names?: { lr?: string; diagReg?: string; kernel?: string };
}

export interface Conditioning {
  lambdaMax: number;
  lambdaMin: number;
  /** λ_max/λ_min of H(X,X) (+ εI); Infinity when λ_min ≤ 0 */
  conditionNumber: number;
  /** per time: a(t) = λ_max · max_k g_t(λ_k) */
  amplification: number[];
  /** per time: a(t)·N·2.2e-16, the rounding error relative to max|Y| (mean) and max K (covariance) */
  roundingError: number[];
  /** gradient descent: the largest η for which it converges, 2/λ_max */
  largestStableLr: number;
}

export interface DynamicsResult {
  /** per time: m × D, row-major */
  mean: Float64Array[];
  /** per time: m × m, symmetric */
  covariance: Float64Array[];
  conditioning: Conditioning;
}

/** The eigendecomposition-based closed forms (module comment) for every time of the schedule. */
export function kernelDynamics(blocks: KernelBlocks, Y: Float64Array, D: number, opts: DynamicsOptions): DynamicsResult {
  const { N, m } = blocks;
  const lr = opts.lr;
  const eps = opts.diagReg ?? 0;
  const names = { lr: 'lr', diagReg: 'diag-reg', kernel: 'kernel', ...opts.names };
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new NnftInputError(names.diagReg, `expected a finite number ≥ 0, got ${eps}`, 'pass a small positive ridge, e.g. 1e-6 (in the units of Θ)');
  const H = Float64Array.from(blocks.HXX);
  for (let i = 0; i < N; i++) H[i * N + i] = H[i * N + i]! + eps;
  const { values: lam, vectors: VT } = symmetricEigenDense(H, N);
  const lambdaMax = lam[N - 1]!;
  const lambdaMin = lam[0]!;
  if (!(lambdaMax > 0)) {
    throw new NnftNumericalError('the training dynamics', `the training-set kernel H(X,X) vanishes (largest eigenvalue ${lambdaMax})`, 'nothing is trained: check λ_b, λ_W (--lambda-b, --lambda-w) and the inputs', { quantity: names.kernel });
  }
  if (lambdaMin < -64 * N * EPS * lambdaMax) {
    throw new NnftInputError(names.kernel, `the training-set kernel is not positive semi-definite (smallest eigenvalue ${lambdaMin.toExponential(3)}, largest ${lambdaMax.toExponential(3)})`, 'a kernel must have no negative eigenvalues beyond rounding');
  }
  const largestStableLr = 2 / lambdaMax;
  const sched = opts.schedule;
  const times = sched.kind === 'flow' ? sched.times : sched.steps;
  if (sched.kind === 'gd') {
    const x = lr * lambdaMax;
    const needsLimit = sched.steps.includes(Infinity);
    if (x > 2 || (x === 2 && needsLimit)) {
      throw new NnftInputError(
        names.lr,
        `gradient descent with η = ${lr} diverges: η·λ_max(Θ(X,X)) = ${x.toPrecision(6)} ${x > 2 ? '>' : '='} 2 (λ_max = ${lambdaMax.toPrecision(6)})`,
        `the largest stable learning rate is 2/λ_max = ${largestStableLr.toPrecision(6)}; pass a smaller --lr (e.g. ${(0.95 / lambdaMax).toPrecision(4)} = 0.95/λ_max), or --time for gradient flow`,
      );
    }
  }
  const factor = sched.kind === 'flow' ? flowFactor : descentFactor;
  const g = new Float64Array(N);
  const amplification: number[] = [];
  const roundingError: number[] = [];
  for (const t of times) {
    let gmax = 0;
    for (let k = 0; k < N; k++) gmax = Math.max(gmax, Math.abs(factor(lam[k]!, lr, t)));
    const a = lambdaMax * gmax;
    const err = a * N * EPS;
    if (!(err <= ROUNDING_TOLERANCE)) {
      const label = sched.kind === 'flow' ? `t = ${t === Infinity ? '∞' : t}` : `${t === Infinity ? '∞' : t} steps`;
      const singular = lambdaMin <= 64 * N * EPS * lambdaMax;
      throw new NnftNumericalError(
        `the trained mean and covariance at ${label}`,
        singular
          ? `the training-set kernel H(X,X) is singular to rounding (λ_min = ${lambdaMin.toExponential(3)}, λ_max = ${lambdaMax.toExponential(3)}; duplicate or collinear training inputs?), so H⁻¹ amplifies rounding errors without bound (estimated relative error ${Number.isFinite(err) ? err.toExponential(2) : '∞'} > ${ROUNDING_TOLERANCE})`
          : `H(X,X) is ill-conditioned (κ = λ_max/λ_min = ${(lambdaMax / lambdaMin).toExponential(3)}): rounding errors are amplified by ${a.toExponential(3)}, an estimated relative error ${err.toExponential(2)} > ${ROUNDING_TOLERANCE}`,
        `pass --${names.diagReg} ε (Tikhonov ridge added to H(X,X); e.g. ε = ${(1e-8 * lambdaMax).toPrecision(2)} = 1e-8·λ_max), remove duplicate training inputs, or ask for a finite ${sched.kind === 'flow' ? 'time' : 'number of steps'}`,
      );
    }
    amplification.push(a);
    roundingError.push(err);
  }
  // Rotated blocks: Ỹ = Vᵀ Y (N×D), P = H(T,X) V (m×N), K̃ = Vᵀ K(X,X) V (N×N), Q = K(T,X) V (m×N).
  const Yt = new Float64Array(N * D);
  for (let k = 0; k < N; k++) {
    for (let i = 0; i < N; i++) {
      const v = VT[k * N + i]!;
      if (v === 0) continue;
      for (let c = 0; c < D; c++) Yt[k * D + c] = Yt[k * D + c]! + v * Y[i * D + c]!;
    }
  }
  const P = new Float64Array(m * N);
  gemmABt(blocks.HTX, VT, P, m, N, N, N, 0, false);
  const KV = new Float64Array(N * N); // (K V)ᵀ rows: KV[k][i] = Σ_j v_k[j] K[j][i]
  gemmABt(VT, blocks.KXX, KV, N, N, N, N, 0, false);
  const Kt = new Float64Array(N * N);
  gemmABt(KV, VT, Kt, N, N, N, N, 0, false); // K̃[k][l] = Σ_i KV[k][i] v_l[i]
  for (let k = 0; k < N; k++) for (let l = k + 1; l < N; l++) {
    const s = 0.5 * (Kt[k * N + l]! + Kt[l * N + k]!);
    Kt[k * N + l] = s;
    Kt[l * N + k] = s;
  }
  const Q = new Float64Array(m * N);
  gemmABt(blocks.KTX, VT, Q, m, N, N, N, 0, false);
  const M = new Float64Array(m * N);
  const R = new Float64Array(m * N);
  const C1 = new Float64Array(m * m);
  const C2 = new Float64Array(m * m);
  const mean: Float64Array[] = [];
  const covariance: Float64Array[] = [];
  for (const t of times) {
    for (let k = 0; k < N; k++) g[k] = factor(lam[k]!, lr, t);
    const mu = new Float64Array(m * D);
    const cov = new Float64Array(m * m);
    if (t === 0) {
      cov.set(blocks.KTT);
      mean.push(mu);
      covariance.push(cov);
      continue;
    }
    for (let a = 0; a < m; a++) for (let k = 0; k < N; k++) M[a * N + k] = P[a * N + k]! * g[k]!;
    for (let a = 0; a < m; a++) {
      for (let k = 0; k < N; k++) {
        const w = M[a * N + k]!;
        if (w === 0) continue;
        for (let c = 0; c < D; c++) mu[a * D + c] = mu[a * D + c]! + w * Yt[k * D + c]!;
      }
    }
    gemmABt(M, Kt, R, m, N, N, N, 0, false); // R = M K̃ (K̃ symmetric)
    gemmABt(R, M, C1, m, m, N, m, 0, true); // M K̃ Mᵀ (upper blocks)
    gemmABt(M, Q, C2, m, m, N, m, 0, false); // M Qᵀ = H(T,X) A K(X,T)
    for (let a = 0; a < m; a++) {
      for (let b = a; b < m; b++) {
        const v = blocks.KTT[a * m + b]! + C1[a * m + b]! - C2[a * m + b]! - C2[b * m + a]!;
        cov[a * m + b] = v;
        cov[b * m + a] = v;
      }
    }
    mean.push(mu);
    covariance.push(cov);
  }
  return {
    mean,
    covariance,
    conditioning: {
      lambdaMax,
      lambdaMin,
      conditionNumber: lambdaMin > 0 ? lambdaMax / lambdaMin : Infinity,
      amplification,
      roundingError,
      largestStableLr,
    },
  };
}
