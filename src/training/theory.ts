/**
 * Infinite-width predictions of trained MLPs (any activation and depth the recursions support): the kernels
 * K and Θ of the output layer on training ∪ test inputs from recursions/ solveRecursions (converged
 * quadrature; the toolkit's conventions: Var b = C_b, Var W = C_W/n_{ℓ−1}, learning rates λ_b and λ_W/n_{ℓ−1}),
 * then the closed forms of dynamics.ts.
 *
 * Dynamics kernels (option `kernel`):
 *   'ntk'         H = Θ⁽ᴸ⁾ — every layer trained (Jacot et al.; Lee et al. 2019);
 *   'nngp'        H = K⁽ᴸ⁾ — t = ∞ is the Bayesian posterior of the NNGP prior (Lee et al. 2019, §2.3);
 *   'last-layer'  H = λ_b + λ_W ⟨σσ⟩_{K⁽ᴸ⁻¹⁾} = λ_b + (λ_W/C_W)(K⁽ᴸ⁾ − C_b), the NTK of the readout layer
 *                 alone (layer-L constants; for λ_b = C_b, λ_W = C_W it equals K).
 * The prior covariance of the untrained network is always K⁽ᴸ⁾.
 */
import { NnftInputError } from '../errors.ts';
import { memoryBudget, requireMemory, requireTime } from '../resources.ts';
import { ARCHITECTURE_KEYS, normalizeSpec, type ArchitectureSpec } from '../spec.ts';
import { getActivation } from '../activations/index.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { kernelDynamics, type Conditioning, type KernelBlocks } from './dynamics.ts';
import { scheduleForJson, validateData, validateLr, validateSchedule, type Schedule, type TrainingData, type ValidatedData } from './spec.ts';

export type DynamicsKernel = 'ntk' | 'nngp' | 'last-layer';
export const DYNAMICS_KERNELS: readonly DynamicsKernel[] = ['ntk', 'nngp', 'last-layer'];

/** The architecture without inputs: widths n1..nL include the output layer, nL = D (the target dimension). */
export type TrainingArchitecture = Omit<ArchitectureSpec, 'inputs'>;

export interface PredictionSpec extends TrainingArchitecture, TrainingData {
  lr: number;
  schedule: Schedule;
  kernel?: DynamicsKernel;
  diagReg?: number;
  /**
   * Output-layer K and Θ on the inputs [...trainInputs, ...testInputs] (in that order), instead of solving the
   * recursions (e.g. from another kernel engine). The architecture then only fixes λ_b, λ_W, C_b, C_W of the
   * last layer for kernel 'last-layer'.
   */
  kernels?: { K: number[][]; Theta: number[][] };
}

export interface PredictionResult {
  dynamics: 'gradient-flow' | 'gradient-descent';
  /** gradient flow: the times (∞ as "inf"); gradient descent: the step counts */
  times?: (number | 'inf')[];
  steps?: (number | 'inf')[];
  /** [time][test][output] */
  mean: number[][][];
  /** [time][test][test] (the same for every output) */
  covariance: number[][][];
  meta: {
    kernel: DynamicsKernel;
    lr: number;
    diagReg: number;
    trainPoints: number;
    testPoints: number;
    outputs: number;
    /** conditionNumber λ_max/λ_min of H(X,X); absent with singular: true when λ_min = 0 */
    conditioning: Omit<Conditioning, 'conditionNumber'> & { conditionNumber?: number; singular?: true };
    notes: string[];
  };
}

function validateKernelName(k: unknown, argument = 'kernel'): DynamicsKernel {
  const v = k ?? 'ntk';
  if (!DYNAMICS_KERNELS.includes(v as DynamicsKernel)) {
    throw new NnftInputError(argument, `unknown kernel '${String(v)}'`, `choose from ${DYNAMICS_KERNELS.join(', ')}`);
  }
  return v as DynamicsKernel;
}

/** Validate the architecture against the data: the last width must be the target dimension D. */
export function validateArchitecture(arch: TrainingArchitecture, data: ValidatedData, widthsArgument = 'widths'): ReturnType<typeof normalizeSpec> {
  if (!Array.isArray(arch.widths) || arch.widths.length === 0) throw new NnftInputError(widthsArgument, 'need at least the output layer', 'e.g. widths [512, 512, 1] (hidden widths, then the output width D)');
  const D = arch.widths[arch.widths.length - 1];
  if (D !== data.D) {
    throw new NnftInputError(widthsArgument, `the output width is ${String(D)} but the targets have ${data.D} component${data.D === 1 ? '' : 's'}`, 'the last width must equal the target dimension D');
  }
  return normalizeSpec({ ...architectureOf(arch), inputs: data.trainInputs });
}

/**
 * The architecture's own keys of a training spec (activation, widths, C_b, C_W, λ_b, λ_W): the data and the
 * training settings are validated apart, and the spec validators refuse keys they do not know.
 */
export function architectureOf(arch: TrainingArchitecture): Omit<ArchitectureSpec, 'inputs'> {
  const source = arch as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ARCHITECTURE_KEYS) if (key !== 'inputs' && source[key] !== undefined) out[key] = source[key];
  return out as unknown as Omit<ArchitectureSpec, 'inputs'>;
}

/** Rough cost of the K, Θ recursions on M inputs (only to refuse runs above NNFT_MAX_SECONDS), in seconds. */
function kernelSeconds(M: number, L: number, smooth: boolean): number {
  const pairs = (M * (M + 1)) / 2;
  // measured here: tanh ≈ 1–1.6 ms per pair and layer (m = 129–300), ReLU ≈ 0.05–0.1 ms
  return pairs * Math.max(1, L - 1) * (smooth ? 1.6e-3 : 1e-4);
}

/** The output layer's K and Θ (dynamics kernel per `kernel`) as blocks on X (train) and T (test). */
export function trainingKernelBlocks(arch: TrainingArchitecture, data: ValidatedData, kernel: DynamicsKernel, given?: { K: number[][]; Theta: number[][] }): KernelBlocks {
  const ns = validateArchitecture(arch, data);
  const { N, m } = data;
  const M = N + m;
  requireMemory(`the kernel matrices on ${M} inputs`, 12 * M * M * 8, `at most ${Math.floor(Math.sqrt(memoryBudget() / 96))} training + test inputs fit; or raise NNFT_MAX_MEMORY`);
  let K: number[][];
  let Theta: number[][];
  if (given) {
    const check = (name: string, A: unknown): number[][] => {
      if (!Array.isArray(A) || A.length !== M || A.some((r) => !Array.isArray(r) || r.length !== M || r.some((x) => typeof x !== 'number' || !Number.isFinite(x)))) {
        throw new NnftInputError(`kernels.${name}`, `expected a finite ${M}×${M} matrix on [...trainInputs, ...testInputs]`);
      }
      return A as number[][];
    };
    K = check('K', given.K);
    Theta = check('Theta', given.Theta);
  } else {
    const smooth = getActivation(ns.activation).kind === 'smooth';
    const sec = kernelSeconds(M, ns.L, smooth);
    requireTime(`the infinite-width K and Θ on ${M} inputs (${ns.L} layers)`, sec, 'use fewer test inputs, or set NNFT_MAX_SECONDS higher');
    const res = solveRecursions({ ...architectureOf(arch), inputs: [...data.trainInputs, ...data.testInputs], quantities: ['K', 'Theta'] });
    const last = res.layers[res.layers.length - 1]!;
    K = last.K!;
    Theta = last.Theta!;
  }
  const L = ns.L;
  const cb = ns.cb[L - 1]!;
  const cw = ns.cw[L - 1]!;
  const lb = ns.lambdaB[L - 1]!;
  const lw = ns.lambdaW[L - 1]!;
  const H = (a: number, b: number): number => {
    if (kernel === 'ntk') return Theta[a]![b]!;
    if (kernel === 'nngp') return K[a]![b]!;
    return lb + (lw / cw) * (K[a]![b]! - cb);
  };
  const blocks: KernelBlocks = {
    N,
    m,
    HXX: new Float64Array(N * N),
    HTX: new Float64Array(m * N),
    KXX: new Float64Array(N * N),
    KTX: new Float64Array(m * N),
    KTT: new Float64Array(m * m),
  };
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      // symmetrise exactly (the solver's entries agree to rounding)
      blocks.HXX[i * N + j] = 0.5 * (H(i, j) + H(j, i));
      blocks.KXX[i * N + j] = 0.5 * (K[i]![j]! + K[j]![i]!);
    }
  }
  for (let a = 0; a < m; a++) {
    for (let j = 0; j < N; j++) {
      blocks.HTX[a * N + j] = H(N + a, j);
      blocks.KTX[a * N + j] = K[N + a]![j]!;
    }
    for (let b = 0; b < m; b++) blocks.KTT[a * m + b] = 0.5 * (K[N + a]![N + b]! + K[N + b]![N + a]!);
  }
  return blocks;
}

/** Nest a flat row-major r × c block into number[][]. */
export function nestMatrix(t: ArrayLike<number>, r: number, c: number, offset = 0): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < r; a++) {
    const row = new Array<number>(c);
    for (let b = 0; b < c; b++) row[b] = t[offset + a * c + b]!;
    out.push(row);
  }
  return out;
}

/**
 * Infinite-width mean and covariance of the trained network's outputs on the test inputs at every time
 * (module comment; validation first, then the kernels, then one eigendecomposition).
 */
export function predictInfiniteWidth(spec: PredictionSpec): PredictionResult {
  const data = validateData(spec);
  const lr = validateLr(spec.lr);
  const schedule = validateSchedule(spec.schedule);
  const kernel = validateKernelName(spec.kernel);
  const diagReg = spec.diagReg ?? 0;
  if (typeof diagReg !== 'number' || !Number.isFinite(diagReg) || diagReg < 0) {
    throw new NnftInputError('diag-reg', `expected a finite number ≥ 0, got ${String(diagReg)}`, 'pass a small positive ridge, e.g. 1e-6 (absolute, in the units of Θ)');
  }
  const blocks = trainingKernelBlocks(spec, data, kernel, spec.kernels);
  const dyn = kernelDynamics(blocks, data.Y, data.D, { lr, schedule, diagReg });
  const { m, D } = data;
  const list = schedule.kind === 'flow' ? schedule.times : schedule.steps;
  const notes: string[] = [];
  if (kernel === 'nngp') notes.push('nngp: t = ∞ is the Bayesian posterior mean and covariance of the NNGP prior');
  if (kernel === 'last-layer') notes.push('last-layer: only the readout layer is trained; H = λ_b + (λ_W/C_W)(K − C_b) of the output layer');
  if (diagReg > 0) notes.push(`H(X,X) + ${diagReg}·I in the dynamics (Tikhonov); K unchanged`);
  const c = dyn.conditioning;
  return {
    dynamics: schedule.kind === 'flow' ? 'gradient-flow' : 'gradient-descent',
    ...(schedule.kind === 'flow' ? { times: scheduleForJson(list) } : { steps: scheduleForJson(list) }),
    mean: dyn.mean.map((mu) => nestMatrix(mu, m, D)),
    covariance: dyn.covariance.map((cv) => nestMatrix(cv, m, m)),
    meta: {
      kernel,
      lr,
      diagReg,
      trainPoints: data.N,
      testPoints: m,
      outputs: D,
      conditioning: conditioningReport(c),
      notes,
    },
  };
}

/** The conditioning for the JSON: a singular H(X,X) (λ_min = 0) is said so, not written as an infinite number. */
function conditioningReport(c: Conditioning): PredictionResult['meta']['conditioning'] {
  const { conditionNumber, ...rest } = c;
  return Number.isFinite(conditionNumber) ? { ...rest, conditionNumber } : { ...rest, singular: true };
}
