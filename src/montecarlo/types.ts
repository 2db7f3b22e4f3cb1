/** Public types of the Monte Carlo module (conventions and JSON shapes: docs/conventions.md). */
import { specKeys, type ArchitectureSpec } from '../spec.ts';
import type { NestedTensor, RankOf, SampledQuantity } from '../quantities.ts';

/**
 * Parameter distributions (Maiti, Stoner, Halverson, "Symmetry-via-Duality"). Anything but the plain Gaussian default runs the full-weight sampler
 * with direct estimators, except complex/quaternion outputs (independent Gaussian components, so the fast
 * path stays exact).
 */
export interface DistributionSpec {
  /** All weights and biases: Gaussian (default) or uniform on [−a, a] with the same variance (a = √(3·var)). */
  weights?: 'gaussian' | 'uniform';
  /** Maiti, Stoner, Halverson, "Symmetry-via-Duality" eq. 14: output-layer weights of the first `rows` output rows have mean `mu` (variance unchanged). */
  meanShift?: { mu: number; rows: number };
  /**
   * Output layer over C (SU(D), Symmetry-via-Duality App. A.2) or H (Sp(D), A.5): each of the D outputs has 2 (4) real
   * components whose weights and biases are independent N(0, C_W/n) (N(0, C_b)). Real output components are
   * laid out interleaved: component c of output i is real index i·k + c (k = 2 or 4; c = 0 the real part).
   */
  output?: 'real' | 'complex' | 'quaternion';
  /**
   * Symmetry-via-Duality App. A.4: a T-layer T_W(x) = ((W x) mod 1 + b) mod 1 with deterministic W (width × n0; default: drawn
   * once from N(0,1) with the run's seed, network-independent) and b ~ U[0,1) per network, prepended to the
   * MLP (whose input dimension becomes `width`).
   */
  tLayer?: { width: number; weights?: number[][] };
  /**
   * Symmetry-via-Duality eq. 16: output-layer W with P ∝ exp(−Tr(WᵀW)/2σ² − λ(Tr WᵀW)²), σ² = C_W/n_{L−1}, and b with
   * P ∝ exp(−b·b/2C_b − λ_b(b·b)²) (λ_b defaults to λ). Sampled exactly: W = r·u with u uniform on the unit
   * sphere of R^{D·n} and r² drawn by rejection from a matched Gamma proposal.
   */
  correlated?: { lambda: number; lambdaBias?: number };
}

export interface EnsembleSpec extends ArchitectureSpec {
  /** Number of networks (≥ 1). */
  nets: number;
  /** Non-negative integer seed (default 0). */
  seed?: number;
  /** Quantities per layer (names or aliases with a Monte Carlo estimator, src/quantities.ts; default K, V4). */
  quantities?: readonly SampledQuantity[];
  /** Run only shard `index` (0-based) of `count`: a contiguous range of network blocks. */
  shard?: { index: number; count: number };
  /** Worker threads (default: 1 for small runs, all cores for large ones). Results do not depend on it. */
  workers?: number;
  distribution?: DistributionSpec;
  /** 'gauss-net' (Halverson, Maiti, Stoner, "Neural Networks and Quantum Field Theory"): σ_α = exp(z_α − K_αα) with K_αα the layer's infinite-width variance at input α. */
  network?: 'mlp' | 'gauss-net';
  /** Set false for networks without biases (C_b and λ_b are then 0). */
  bias?: boolean;
  /** 'fast' (the conditional Gaussian given the layer below, docs/equations.md), 'full' (weight matrices), 'auto' (fast unless NTK or non-Gaussian). */
  sampler?: 'auto' | 'fast' | 'full';
  /**
   * 'conditional': per-layer moments from the exact conditional expectations given the layer below
   * (E[z_a z_b | ℓ−1] = Ĝ_ab, etc.; valid for independent zero-mean rows) — Rao–Blackwellised, lower variance;
   * 'direct': from the sampled z and Θ̂ themselves (pairs of distinct neurons i ≠ j). 'auto': conditional
   * where valid.
   */
  estimator?: 'auto' | 'conditional' | 'direct';
  /** Infinite-width K and Θ per layer (m×m) for K1/Theta1; computed with recursions/ when omitted. */
  infinite?: { K?: number[][][]; Theta?: number[][][] };
  /** Jackknife groups (default 64) and block size (default from nets). Both fixed per run; shards must agree. */
  groups?: number;
  blockSize?: number;
  /** Progress callback (networks done, total of this run/shard). */
  onProgress?: (done: number, total: number) => void;
  /** Receives one-line notes (e.g. a --workers request capped at the available cores); default: stderr. */
  onNote?: (line: string) => void;
}

/** n-point functions of one layer's preactivations (src/montecarlo/correlators.ts). */
export interface CorrelatorSpec extends Omit<EnsembleSpec, 'quantities' | 'infinite'> {
  /** Layer (1-based) whose preactivations are correlated; default the output layer L. */
  layer?: number;
  /** Orders n to report (each 1..6); default [2, 4]. Ignored when `points` is given. */
  orders?: number[];
  /** Real output (neuron) indices to use; default all of the layer's (at most 16). */
  outputs?: number[];
  /** Input indices α to use; default all. */
  inputIndices?: number[];
  /** Explicit correlators: each a list of 1..6 points [i, α]. */
  points?: [number, number][][];
  /** Also report the Wick deviation ΔG (even orders only; an odd order is then an error). */
  wick?: boolean;
  /** Include jackknife replicates of each moment (for user-defined combinations). */
  replicates?: boolean;
}

/** The keys EnsembleSpec and CorrelatorSpec add to ArchitectureSpec, and DistributionSpec's (others are refused). */
export const ENSEMBLE_SPEC_KEYS = specKeys<Omit<EnsembleSpec, keyof ArchitectureSpec>>({
  nets: true, seed: true, quantities: true, shard: true, workers: true, distribution: true, network: true, bias: true,
  sampler: true, estimator: true, infinite: true, groups: true, blockSize: true, onProgress: true, onNote: true,
});
export const CORRELATOR_SPEC_KEYS = specKeys<Omit<CorrelatorSpec, keyof EnsembleSpec>>({ layer: true, orders: true, outputs: true, inputIndices: true, points: true, wick: true, replicates: true });
export const DISTRIBUTION_SPEC_KEYS = specKeys<DistributionSpec>({ weights: true, meanShift: true, output: true, tLayer: true, correlated: true });

export interface Estimate<T> {
  mean: T;
  stderr: T;
}

/** One layer: each requested quantity as {mean, stderr}, in the normalisation of the recursions. */
export type McLayerResult = { layer: number; width: number } & { [Q in SampledQuantity]?: Estimate<NestedTensor<RankOf<Q>>> };

export interface McResult {
  layers: McLayerResult[];
  meta: {
    nets: number;
    seed: number;
    sampler: 'fast' | 'full';
    estimator: 'conditional' | 'direct';
    groups: number;
    blockSize: number;
    workers: number;
    seconds: number;
    netsPerSecond: number;
    /** Which networks were included (all, or the merged shards). */
    shards?: { index: number; count: number }[];
    notes: string[];
  };
}
