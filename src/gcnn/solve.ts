/**
 * `solveGcnnRecursions(spec)`: K, Θ and the O(1/n) tensors of a group-convolutional network, layer by layer,
 * reported after group pooling in the MLP solver's shapes (recursions/index.ts `LayerResult`: m×m and m⁴ over
 * the input signals), and on request on the (input, group element) pairs before pooling.
 *
 * Layer ℓ's pooled tensors are the statistics of the group-averaged channels z̄⁽ˡ⁾_i(f) = (1/|G|) Σ_g z⁽ˡ⁾_i(f, g)
 * (pooling is linear, so every cumulant is pooled slot by slot); the last layer's are those of the network output.
 * Finite-width quantities WITHOUT the 1/n_{ℓ−1} factor, n = channels (docs/gcnn.md).
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { requireMemory } from '../resources.ts';
import type { LayerResult } from '../../recursions/index.ts';
import type { LayerTensors } from '../recursion-contract.ts';
import { parseQuantities, withDependencies, type QuantityName } from '../quantities.ts';
import { normalizeGcnn, supportName, type GcnnSpec, type NormalizedGcnn } from './architecture.ts';
import { GCNN_QUANTITIES, RANK4, gcnnFiniteWidth, type FiniteOptions } from './finite.ts';
import { gcnnKernels } from './kernels.ts';
import { pool2, pool4 } from './support-map.ts';

export interface GcnnRecursionSpec extends GcnnSpec {
  /** quantities to report (default K, Theta, V4, K1), as for solveRecursions */
  quantities?: readonly string[];
}

export interface GcnnSolveOptions extends FiniteOptions {
  /** also report the tensors on (input, group element) pairs before pooling */
  groupIndexed?: boolean;
  /** called after each layer with its pair-indexed flat tensors */
  onLayer?: (layer: number, tensors: LayerTensors) => void;
}

/** One pair index α = a·|G| + g of the group-indexed tensors. */
export interface PairLabel {
  input: number;
  element: number;
  label: string;
}

export interface GcnnDescription {
  network: 'gcnn';
  group: string;
  order: number;
  /** |X| and the input channels C₀ */
  points: number;
  inputChannels: number;
  /** per layer: 'global' | 'local:k'; the first is the lifting layer's */
  supports: string[];
  /** |S₁| (points of X), then |S_ℓ| (elements of G) */
  supportSizes: number[];
}

export interface GcnnRecursionResult {
  /** pooled, as recursions/index.ts solveRecursions */
  layers: LayerResult[];
  gcnn: GcnnDescription;
  groupIndexed?: { pairs: PairLabel[]; layers: LayerResult[] };
}

export function describeGcnn(ns: NormalizedGcnn): GcnnDescription {
  return {
    network: 'gcnn',
    group: ns.group.name,
    order: ns.group.order,
    points: ns.group.spaceSize,
    inputChannels: ns.C0,
    supports: ns.supports.map(supportName),
    supportSizes: [ns.liftSupport.length, ...ns.convSupports.slice(1).map((s) => s.length)],
  };
}

export function pairLabels(ns: NormalizedGcnn): PairLabel[] {
  const out: PairLabel[] = [];
  for (let a = 0; a < ns.m; a++) for (let g = 0; g < ns.group.order; g++) out.push({ input: a, element: g, label: ns.group.label(g) });
  return out;
}

export function nest2(t: ArrayLike<number>, m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < m; a++) {
    const row = new Array<number>(m);
    for (let b = 0; b < m; b++) row[b] = t[a * m + b]!;
    out.push(row);
  }
  return out;
}

export function nest4(t: ArrayLike<number>, m: number): number[][][][] {
  const out: number[][][][] = [];
  for (let a = 0; a < m; a++) {
    const A: number[][][] = [];
    for (let b = 0; b < m; b++) {
      const B: number[][] = [];
      for (let c = 0; c < m; c++) {
        const o = ((a * m + b) * m + c) * m;
        const row = new Array<number>(m);
        for (let d = 0; d < m; d++) row[d] = t[o + d]!;
        B.push(row);
      }
      A.push(B);
    }
    out.push(A);
  }
  return out;
}

/** Pair-indexed tensors of every layer (flat), the pooled result and the description. */
export function solveGcnnTensors(spec: GcnnRecursionSpec, opts: GcnnSolveOptions = {}): { ns: NormalizedGcnn; requested: QuantityName[]; layers: LayerTensors[] } {
  const requested = parseQuantities(spec?.quantities as string[] | undefined);
  for (const q of requested) {
    if (!GCNN_QUANTITIES.includes(q)) throw new NnftInputError('quantities', `${q} is not available for group-convolutional networks`, `choose from ${GCNN_QUANTITIES.join(',')}`);
  }
  const ns = normalizeGcnn(spec);
  const act = getActivation(ns.activation);
  const need = withDependencies(requested);
  const M = ns.pairs;
  requireMemory(`the pair-indexed kernels of ${M} (input, group element) pairs`, 8 * M * M * (need.has('Theta') ? 8 : 5) * ns.L, 'use fewer inputs or a smaller group');
  const kernels = gcnnKernels(ns, { theta: need.has('Theta') }, act);
  let layers: LayerTensors[];
  if ([...need].some((q) => q !== 'K' && q !== 'Theta')) {
    layers = gcnnFiniteWidth(ns, act, kernels, need, opts);
  } else {
    layers = kernels.K.map((K, i) => (kernels.Theta ? { K, Theta: kernels.Theta[i]! } : { K }));
  }
  layers.forEach((t, i) => opts.onLayer?.(i + 1, t));
  return { ns, requested, layers };
}

/** Solve and report; see the module comment. */
export function solveGcnnRecursions(spec: GcnnRecursionSpec, opts: GcnnSolveOptions = {}): GcnnRecursionResult {
  const { ns, requested, layers } = solveGcnnTensors(spec, opts);
  const n = ns.group.order;
  const M = ns.pairs;
  if (opts.groupIndexed) {
    const entries = requested.reduce((acc, q) => acc + (RANK4.has(q) ? M ** 4 : M * M), 0) * ns.L;
    if (entries > 5e7) {
      throw new NnftInputError('--group-indexed', `the pair-indexed ${requested.join(', ')} have ${entries.toExponential(2)} entries in all (${M} pairs), too many for JSON`, 'request fewer quantities (e.g. --quantities K,Theta), fewer inputs or a smaller group');
    }
  }
  const pooled: LayerResult[] = [];
  const indexed: LayerResult[] = [];
  layers.forEach((t, i) => {
    const row: LayerResult = { layer: i + 1, width: ns.channels[i]! };
    const full: LayerResult = { layer: i + 1, width: ns.channels[i]! };
    for (const q of GCNN_QUANTITIES) {
      if (!requested.includes(q)) continue;
      const v = t[q]!;
      const R4 = RANK4.has(q);
      (row as unknown as Record<string, unknown>)[q] = R4 ? nest4(pool4(v, ns.m, n), ns.m) : nest2(pool2(v, ns.m, n), ns.m);
      if (opts.groupIndexed) (full as unknown as Record<string, unknown>)[q] = R4 ? nest4(v, M) : nest2(v, M);
    }
    pooled.push(row);
    if (opts.groupIndexed) indexed.push(full);
  });
  const out: GcnnRecursionResult = { layers: pooled, gcnn: describeGcnn(ns) };
  if (opts.groupIndexed) out.groupIndexed = { pairs: pairLabels(ns), layers: indexed };
  return out;
}
