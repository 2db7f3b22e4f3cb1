/**
 * The Edgeworth density (edgeworth.ts) of a network's output at one or two inputs, from the network's own cumulants:
 *
 *  - one hidden layer (widths [N, 1]): exact cumulants via duality (duality.ts), κ₂ = K, κ₄ = κ₄(h)/N, κ₆ = κ₆(h)/N²
 *    (odd ones vanish), so both orders are available; `nets` samples networks (shallow-net.ts) and compares the
 *    one-input histogram with the Gaussian, order-1 and order-2 densities by Pearson's χ² test;
 *  - deeper networks: the two-point function K + K¹/n and the four-point cumulant
 *    κ₄(α1..α4) = (V_(12)(34) + V_(13)(24) + V_(14)(23))/n with n = n_{L−1} from the recursions (recursions/; V4 and
 *    K¹ are reported without their 1/n, docs/conventions.md): order 1 only — the six-point cumulant of a deep network
 *    (O(1/n²)) is not computed by the recursions.
 */
import { NnftInputError } from '../errors.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { ARCHITECTURE_KEYS, type ArchitectureSpec } from '../spec.ts';
import { outputCumulants } from './duality.ts';
import { chiSquareTest, EdgeworthDensity, type ChiSquareTest } from './edgeworth.ts';
import { sampleOutputs, shallowNet } from './shallow-net.ts';

export interface NetworkEdgeworthSpec extends ArchitectureSpec {
  /** 1 (through 1/N) or 2 (through 1/N², one hidden layer only) */
  order: 1 | 2;
  /** sample this many networks (one hidden layer, one input) for the χ² comparison */
  nets?: number;
  seed?: number;
  /** χ² bins: this many equal bins over ±`span` standard deviations (default 60 over ±4.5σ) */
  bins?: number;
  span?: number;
}

export interface NetworkEdgeworth {
  source: 'duality (one hidden layer, exact cumulants)' | 'recursions (K + K¹/n, V4/n)';
  inputs: number[][];
  covariance: number[][];
  /** the fourth cumulant tensor κ₄ (m⁴) and, at order 2, the sixth (m⁶) */
  kappa4: unknown[];
  kappa6?: unknown[];
  order: 1 | 2;
  density: EdgeworthDensity;
  gaussianOnly: EdgeworthDensity;
  /** order 1 as well, when order 2 was asked (to compare) */
  firstOrder?: EdgeworthDensity;
  sampled?: { nets: number; seed: number; samples: Float64Array; tests: { gaussian: ChiSquareTest; order1: ChiSquareTest; order2?: ChiSquareTest } };
}

function nest(m: number, r: number, f: (idx: number[]) => number, prefix: number[] = []): unknown[] {
  return Array.from({ length: m }, (_, a) => (prefix.length + 1 === r ? f([...prefix, a]) : nest(m, r, f, [...prefix, a])));
}

export function networkEdgeworth(spec: NetworkEdgeworthSpec): NetworkEdgeworth {
  const order = spec.order;
  if (order !== 1 && order !== 2) throw new NnftInputError('order', `expected 1 or 2, got ${String(order)}`);
  const { inputs, widths } = spec;
  if (!Array.isArray(inputs) || (inputs.length !== 1 && inputs.length !== 2)) throw new NnftInputError('inputs', 'the Edgeworth density is evaluated at one or two inputs', "pass e.g. '[[1]]' or '[[1],[0.5]]'");
  if (!Array.isArray(widths) || widths.length < 2) throw new NnftInputError('widths', 'need at least one hidden layer and the output: widths n1,…,n_{L−1},n_L', 'e.g. --widths 16,1');
  const L = widths.length;
  const m = inputs.length;
  const perLayer = (v: number | number[] | undefined, l: number, dflt: number): number => (v === undefined ? dflt : typeof v === 'number' ? v : (v[l] ?? NaN));
  let covariance: number[][];
  let k4: (idx: number[]) => number;
  let k6: ((idx: number[]) => number) | undefined;
  let source: NetworkEdgeworth['source'];
  if (L === 2) {
    const net = shallowNet({ activation: String(spec.activation), inputs, width: widths[0]!, cb: perLayer(spec.cb, 0, 0), cw: perLayer(spec.cw, 0, 1), cbOut: perLayer(spec.cb, 1, 0), cwOut: perLayer(spec.cw, 1, 1) });
    const key = (idx: number[]) => [...idx].sort((a, b) => a - b).join(',');
    const tuples: number[][] = [];
    const seen = new Set<string>();
    for (const r of order === 2 ? [2, 4, 6] : [2, 4]) {
      const rec = (cur: number[]): void => {
        if (cur.length === r) {
          const k = key(cur);
          if (!seen.has(k)) {
            seen.add(k);
            tuples.push(cur.slice());
          }
          return;
        }
        for (let a = cur.length === 0 ? 0 : cur[cur.length - 1]!; a < m; a++) rec([...cur, a]);
      };
      rec([]);
    }
    const c = outputCumulants(net, { tuples });
    if (c.some((x) => x.method === 'sampled')) throw new NnftInputError('inputs', 'the exact cumulants need quadrature or a closed form');
    const byKey = new Map(c.map((x) => [key(x.tuple), x.value]));
    const get = (idx: number[]) => byKey.get(key(idx))!;
    covariance = nest(m, 2, get) as number[][];
    k4 = get;
    if (order === 2) k6 = get;
    source = 'duality (one hidden layer, exact cumulants)';
  } else {
    if (order === 2) throw new NnftInputError('order', 'order 2 needs the six-point cumulant, which the recursions do not compute for deep networks', 'use --order 1, or one hidden layer (--widths N,1)');
    if (spec.nets !== undefined) throw new NnftInputError('nets', 'the sampled comparison is implemented for one hidden layer', 'use --widths N,1, or sample deep networks with nnft mc');
    // the architecture alone: the solver refuses the Edgeworth keys (order, nets, …) as unknown
    const arch = Object.fromEntries(ARCHITECTURE_KEYS.filter((k) => k in spec).map((k) => [k, (spec as unknown as Record<string, unknown>)[k]])) as unknown as ArchitectureSpec;
    const res = solveRecursions({ ...arch, quantities: ['K', 'V4', 'K1'] });
    const last = res.layers[L - 1]!;
    const n = widths[L - 2]!;
    const K = last.K!, K1 = last.K1!, V = last.V4!;
    covariance = K.map((row, a) => row.map((v, b) => v + K1[a]![b]! / n));
    const Vat = (a: number, b: number, c: number, d: number) => V[a]![b]![c]![d]!;
    k4 = ([a, b, c, d]) => (Vat(a!, b!, c!, d!) + Vat(a!, c!, b!, d!) + Vat(a!, d!, b!, c!)) / n;
    source = 'recursions (K + K¹/n, V4/n)';
  }
  const kappa4 = nest(m, 4, k4);
  const kappa6 = k6 ? nest(m, 6, k6) : undefined;
  const density = new EdgeworthDensity({ covariance, cumulants: kappa6 ? { 4: kappa4, 6: kappa6 } : { 4: kappa4 }, order });
  const gaussianOnly = new EdgeworthDensity({ covariance, cumulants: {}, order: 1 });
  const firstOrder = order === 2 ? new EdgeworthDensity({ covariance, cumulants: { 4: kappa4 }, order: 1 }) : undefined;
  const out: NetworkEdgeworth = { source, inputs, covariance, kappa4, ...(kappa6 ? { kappa6 } : {}), order, density, gaussianOnly, ...(firstOrder ? { firstOrder } : {}) };
  if (spec.nets !== undefined) {
    if (m !== 1) throw new NnftInputError('nets', 'the χ² comparison with sampled networks is for one input', 'pass one input');
    const nets = spec.nets;
    const seed = spec.seed ?? 1;
    const net = shallowNet({ activation: String(spec.activation), inputs, width: widths[0]!, cb: perLayer(spec.cb, 0, 0), cw: perLayer(spec.cw, 0, 1), cbOut: perLayer(spec.cb, 1, 0), cwOut: perLayer(spec.cw, 1, 1) });
    const samples = sampleOutputs(net, { nets, seed });
    const bins = spec.bins ?? 60;
    const span = spec.span ?? 4.5;
    if (!Number.isInteger(bins) || bins < 4 || bins > 10000) throw new NnftInputError('bins', `need an integer in 4..10000, got ${String(bins)}`);
    if (!(span > 0 && span <= 20)) throw new NnftInputError('span', `need 0 < span ≤ 20 standard deviations, got ${String(span)}`);
    const s = Math.sqrt(covariance[0]![0]!);
    const edges = Array.from({ length: bins + 1 }, (_, i) => s * (-span + (2 * span * i) / bins));
    const test = (d: EdgeworthDensity) => chiSquareTest(samples, edges, (a, b) => d.binProbability(a, b).edgeworth);
    const tests = { gaussian: test(gaussianOnly), order1: test(firstOrder ?? density), ...(order === 2 ? { order2: test(density) } : {}) };
    out.sampled = { nets, seed, samples, tests };
  }
  return out;
}
