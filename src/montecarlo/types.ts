/** Public types of the Monte Carlo module (DESIGN §3, §6, §7). */
import { specKeys, type ArchitectureSpec } from '../spec.ts';
import type { CorrelatorSpec } from './correlators.ts';

export type McQuantity = 'K' | 'V4' | 'K1' | 'Theta' | 'Theta1' | 'A' | 'B' | 'D' | 'F';
export const MC_QUANTITIES: readonly McQuantity[] = ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'];
/** Preactivation statistics (the fast path applies when only these are asked for). */
export const PREACTIVATION_QUANTITIES: readonly McQuantity[] = ['K', 'V4', 'K1'];
export const NTK_QUANTITIES: readonly McQuantity[] = ['Theta', 'Theta1', 'A', 'B', 'D', 'F'];

/**
 * Parameter distributions (seed 000). Anything but the plain Gaussian default runs the full-weight sampler
 * with direct estimators, except complex/quaternion outputs (independent Gaussian components, so the fast
 * path stays exact).
 */
export interface DistributionSpec {
  /** All weights and biases: Gaussian (default) or uniform on [−a, a] with the same variance (a = √(3·var)). */
  weights?: 'gaussian' | 'uniform';
  /** Seed 000 eq. 14: output-layer weights of the first `rows` output rows have mean `mu` (variance unchanged). */
  meanShift?: { mu: number; rows: number };
  /**
   * Output layer over C (SU(D), seed 000 A.2) or H (Sp(D), A.5): each of the D outputs has 2 (4) real
   * components whose weights and biases are independent N(0, C_W/n) (N(0, C_b)). Real output components are
   * laid out interleaved: component c of output i is real index i·k + c (k = 2 or 4; c = 0 the real part).
   */
  output?: 'real' | 'complex' | 'quaternion';
  /**
   * Seed 000 A.4: a T-layer T_W(x) = ((W x) mod 1 + b) mod 1 with deterministic W (width × n0; default: drawn
   * once from N(0,1) with the run's seed, network-independent) and b ~ U[0,1) per network, prepended to the
   * MLP (whose input dimension becomes `width`).
   */
  tLayer?: { width: number; weights?: number[][] };
  /**
   * Seed 000 eq. 16: output-layer W with P ∝ exp(−Tr(WᵀW)/2σ² − λ(Tr WᵀW)²), σ² = C_W/n_{L−1}, and b with
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
  /** Quantities per layer (default K, V4). */
  quantities?: readonly McQuantity[];
  /** Run only shard `index` (0-based) of `count`: a contiguous range of network blocks. */
  shard?: { index: number; count: number };
  /** Worker threads (default: 1 for small runs, all cores for large ones). Results do not depend on it. */
  workers?: number;
  distribution?: DistributionSpec;
  /** 'gauss-net' (seed 003): σ_α = exp(z_α − K_αα) with K_αα the layer's infinite-width variance at input α. */
  network?: 'mlp' | 'gauss-net';
  /** Set false for networks without biases (C_b and λ_b are then 0). */
  bias?: boolean;
  /** 'fast' (DESIGN §7 conditional Gaussian), 'full' (weight matrices), 'auto' (fast unless NTK or non-Gaussian). */
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
}

/** The keys EnsembleSpec and CorrelatorSpec add to ArchitectureSpec, and DistributionSpec's (others are refused). */
export const ENSEMBLE_SPEC_KEYS = specKeys<Omit<EnsembleSpec, keyof ArchitectureSpec>>({
  nets: true, seed: true, quantities: true, shard: true, workers: true, distribution: true, network: true, bias: true,
  sampler: true, estimator: true, infinite: true, groups: true, blockSize: true, onProgress: true,
});
export const CORRELATOR_SPEC_KEYS = specKeys<Omit<CorrelatorSpec, keyof EnsembleSpec>>({ layer: true, orders: true, outputs: true, inputIndices: true, points: true, wick: true, replicates: true });
export const DISTRIBUTION_SPEC_KEYS = specKeys<DistributionSpec>({ weights: true, meanShift: true, output: true, tLayer: true, correlated: true });

export interface Estimate<T> {
  mean: T;
  stderr: T;
}

export interface McLayerResult {
  layer: number;
  width: number;
  K?: Estimate<number[][]>;
  V4?: Estimate<number[][][][]>;
  K1?: Estimate<number[][]>;
  Theta?: Estimate<number[][]>;
  Theta1?: Estimate<number[][]>;
  A?: Estimate<number[][][][]>;
  B?: Estimate<number[][][][]>;
  D?: Estimate<number[][][][]>;
  F?: Estimate<number[][][][]>;
}

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
