/**
 * Cumulants via duality (Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories", "Cumulants via
 * duality"; Halverson, Maiti, Stoner, "Neural Networks and Quantum Field Theory"): the connected correlators of the
 * output of a single-hidden-layer network from the cumulants of ONE neuron, computed in parameter space.
 *
 * With the output normalised as φ(x) = b + (1/√N) Σ_{j=1}^{N} h_j(x) (shallow-net.ts: h_j = a_j σ(z_j), a_j = √N W_j,
 * Var a = C_W,out, the PDLT normalisation Var W = C_W,out/N) and the N neurons i.i.d., cumulants add over
 * independent summands and scale with the 1/√N of each factor:
 *
 *   κ_r(φ)(x_1, …, x_r) = N^{1 − r/2} κ_r(h)(x_1, …, x_r)     (r ≠ 2),
 *   κ_2(φ)(x_1, x_2)   = C_b,out + κ_2(h)(x_1, x_2)            (the Gaussian output bias adds to r = 2 only),
 *
 * i.e. G⁽ʳ⁾_con,φ = G⁽ʳ⁾_con,h / N^{r/2} summed over the N neurons (Maiti's slides, "finite width, no parameter
 * correlations"). This is exact at every N: the whole finite-width non-Gaussianity of such a network is in the
 * single-neuron cumulants. For Gaussian a the odd cumulants vanish (E[a^odd] = 0).
 *
 * Single-neuron moments E[Π_k h(x_{αk})] = E[a^r] ⟨Π_k σ(z_{αk})⟩_{K⁽¹⁾}, E[a^r] = C_W,out^{r/2}(r − 1)!! for even r:
 *  - Gauss-net: closed form, ⟨Π_k e^{z_k − K_kk}⟩ = exp(½ Σ_{kl} K_kl − Σ_k K_kk);
 *  - cos-net: closed form, ⟨Π_k √2 cos(w·x_k + b)⟩ = 2^{−r/2} Σ_{ε∈{±1}^r, Σε=0} exp(−μ Σ_c |Σ_k ε_k x_{k,c}|);
 *  - a registry σ with at most 4 distinct inputs in the tuple: Gaussian quadrature (src/gaussian: smooth σ to ~1e-13
 *    relative, piecewise-linear σ exactly);
 *  - otherwise sampled: neurons drawn from the parameter distribution, moments and cumulants with grouped-jackknife
 *    standard errors (sample-cumulants.ts), stated as such in the result.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { nonDecreasingTuples } from '../multisets.ts';
import { expectActivationProduct } from '../gaussian/index.ts';
import { cumulantFromMoments, multisetKey, sampleCumulants, subMultisets } from './sample-cumulants.ts';
import { sampleNeuronOutputs, shallowNet, type ShallowNet, type ShallowNetSpec } from './shallow-net.ts';

export type CumulantMethod = 'closed form' | 'quadrature' | 'sampled';

export interface NeuronCumulant {
  /** input indices α_1 ≤ … ≤ α_r */
  tuple: number[];
  order: number;
  value: number;
  /** 0 for closed forms and quadrature (error ~1e-13 relative), the jackknife error when sampled */
  stderr: number;
  method: CumulantMethod;
}

export interface OutputCumulant extends NeuronCumulant {
  /** the factor N^{1 − r/2} (r ≠ 2) that maps the neuron cumulant to the output's */
  scale: number;
}

export interface DualityOptions {
  /** the orders r (1..8) to report, all non-decreasing tuples of the inputs (default [2, 4, 6]) */
  orders?: number[];
  /** explicit tuples of input indices instead of `orders` */
  tuples?: number[][];
  /** neurons sampled when quadrature cannot be used (default 10⁶) */
  neuronSamples?: number;
  seed?: number;
}

export { nonDecreasingTuples };

/** E[a^r] for a ~ N(0, v): v^{r/2}(r − 1)!! for even r, 0 for odd r. */
export function gaussianMoment(r: number, v: number): number {
  if (r % 2 === 1) return 0;
  let s = 1;
  for (let k = r - 1; k > 1; k -= 2) s *= k;
  return s * Math.pow(v, r / 2);
}

function resolveTuples(m: number, opts: DualityOptions): number[][] {
  if (opts.tuples !== undefined) {
    if (!Array.isArray(opts.tuples) || opts.tuples.length === 0) throw new NnftInputError('tuples', 'expected a non-empty list of tuples of input indices');
    return opts.tuples.map((t, q) => {
      if (!Array.isArray(t) || t.length < 1 || t.length > 8) throw new NnftInputError(`tuples[${q}]`, 'a tuple needs 1..8 input indices');
      for (const a of t) if (!Number.isInteger(a) || a < 0 || a >= m) throw new NnftInputError(`tuples[${q}]`, `input index ${String(a)} outside 0..${m - 1}`);
      return [...t].sort((a, b) => a - b);
    });
  }
  const orders = opts.orders ?? [2, 4, 6];
  if (!Array.isArray(orders) || orders.length === 0) throw new NnftInputError('orders', 'expected a non-empty list of orders');
  const out: number[][] = [];
  for (const r of orders) {
    if (!Number.isInteger(r) || r < 1 || r > 8) throw new NnftInputError('orders', `order ${String(r)} is not supported`, 'orders 1..8');
    const ts = nonDecreasingTuples(m, r);
    if (out.length + ts.length > 20000) throw new NnftInputError('orders', `${out.length + ts.length} tuples at ${m} inputs`, 'ask for fewer inputs or orders, or pass explicit tuples');
    out.push(...ts);
  }
  return out;
}

/** ⟨Π_k σ(z_{αk})⟩ over z ~ N(0, K⁽¹⁾) exactly (closed form / quadrature), or undefined when it needs sampling. */
function activationMoment(net: ShallowNet, idx: readonly number[]): { value: number; method: CumulantMethod } | undefined {
  if (net.cosNet) {
    // E_b Π_k √2 cos(w·x_k + b) = 2^{−r/2} Σ_{ε ∈ {±1}^r, Σε = 0} cos(w·Σ ε_k x_k), and E_w cos(w·u) = exp(−μ Σ_c |u_c|)
    const r = idx.length;
    let sum = 0;
    for (let mask = 0; mask < 1 << r; mask++) {
      let ones = 0;
      for (let k = 0; k < r; k++) if (mask & (1 << k)) ones++;
      if (2 * ones !== r) continue;
      let l1 = 0;
      for (let c = 0; c < net.n0; c++) {
        let u = 0;
        for (let k = 0; k < r; k++) u += (mask & (1 << k) ? 1 : -1) * net.inputs[idx[k]!]![c]!;
        l1 += Math.abs(u);
      }
      sum += Math.exp(-net.cw * l1);
    }
    return { value: sum / Math.pow(2, r / 2), method: 'closed form' };
  }
  if (net.gaussNet) {
    let quad = 0;
    let diag = 0;
    for (const a of idx) {
      diag += net.K1[a]![a]!;
      for (const b of idx) quad += net.K1[a]![b]!;
    }
    return { value: Math.exp(0.5 * quad - diag), method: 'closed form' };
  }
  const distinct = new Set(idx).size;
  if (distinct > 4) return undefined;
  return { value: expectActivationProduct(net.act!, net.K1, idx.map((a) => ({ input: a, order: 0 }))), method: 'quadrature' };
}

/** Single-neuron joint cumulants κ_r(h)(x_{α1}, …, x_{αr}) (exact where possible, else sampled with errors). */
export function neuronCumulants(spec: ShallowNetSpec | ShallowNet, opts: DualityOptions = {}): NeuronCumulant[] {
  const net = 'K1' in spec ? spec : shallowNet(spec);
  const tuples = resolveTuples(net.m, opts);
  const moments = new Map<string, { value: number; method: CumulantMethod }>();
  const needSampling: number[][] = [];
  const subs = subMultisets(tuples);
  for (const [key, idx] of subs) {
    const ea = gaussianMoment(idx.length, net.cwOut);
    if (ea === 0) {
      moments.set(key, { value: 0, method: net.gaussNet || net.cosNet ? 'closed form' : 'quadrature' });
      continue;
    }
    const s = activationMoment(net, idx);
    if (s) {
      const value = ea * s.value;
      if (!Number.isFinite(value)) throw momentOverflow(net, `the moment ⟨h^${idx.length}⟩ = ⟨a^${idx.length}⟩⟨σ^${idx.length}⟩ of inputs [${idx.join(',')}]`);
      moments.set(key, { value, method: s.method });
    }
  }
  const out: NeuronCumulant[] = [];
  const exactTuples: number[][] = [];
  for (const t of tuples) {
    const keys = [...subMultisets([t]).keys()];
    if (keys.every((k) => moments.has(k))) exactTuples.push(t);
    else needSampling.push(t);
  }
  const sampled = new Map<string, { value: number; stderr: number }>();
  if (needSampling.length > 0) {
    const n = opts.neuronSamples ?? 1_000_000;
    const samples = sampleNeuronOutputs(net, n, opts.seed ?? 0);
    for (const c of sampleCumulants(samples, net.m, needSampling)) sampled.set(multisetKey(c.tuple), { value: c.value, stderr: c.stderr });
  }
  for (const t of tuples) {
    const key = multisetKey(t);
    const s = sampled.get(key);
    if (s) {
      out.push({ tuple: t, order: t.length, value: s.value, stderr: s.stderr, method: 'sampled' });
      continue;
    }
    const methods = new Set([...subMultisets([t]).keys()].map((k) => moments.get(k)!.method));
    const value = cumulantFromMoments(t, (k) => moments.get(k)!.value);
    if (!Number.isFinite(value)) throw momentOverflow(net, `the cumulant κ_${t.length}(h) of inputs [${t.join(',')}] (sums of products of moments)`);
    out.push({ tuple: t, order: t.length, value, stderr: 0, method: methods.has('quadrature') ? 'quadrature' : 'closed form' });
  }
  return out;
}

/** A moment or cumulant beyond double precision (e.g. ⟨σ⁴⟩ ∝ slope⁴ of leaky_relu(1e308)): refuse naming the scales. */
function momentOverflow(net: ShallowNet, what: string): NnftNumericalError {
  return new NnftNumericalError(
    what,
    `it exceeds the largest double (1.8e308) for ${net.activation} at C_W = ${net.cw}, C_b = ${net.cb}, C_W,out = ${net.cwOut}`,
    'use a smaller activation scale (e.g. a smaller leaky_relu slope), --cw, --cb, --cw-out or rescaled --inputs, or lower --orders',
    { layer: 1, argument: '--activation' },
  );
}

/** The output's joint cumulants from the neuron's: κ_r(φ) = N^{1−r/2} κ_r(h) (+ C_b,out at r = 2). */
export function outputCumulants(spec: ShallowNetSpec | ShallowNet, opts: DualityOptions = {}): OutputCumulant[] {
  const net = 'K1' in spec ? spec : shallowNet(spec);
  return neuronCumulants(net, opts).map((c) => {
    const scale = c.order === 2 ? 1 : Math.pow(net.width, 1 - c.order / 2);
    const value = c.order === 2 ? net.cbOut + c.value : scale * c.value;
    if (!Number.isFinite(value)) throw momentOverflow(net, `the output cumulant κ_${c.order}(φ) of inputs [${c.tuple.join(',')}]`);
    return { ...c, value, stderr: scale * c.stderr, scale };
  });
}

export interface ScalingSlope {
  slope: number;
  stderr: number;
  intercept: number;
  /** χ² of the weighted fit and its degrees of freedom */
  chi2: number;
  dof: number;
}

/**
 * Weighted least squares of log|κ| against log N, weights 1/σ_log² with σ_log = stderr/|κ|: the N-scaling exponent of
 * a sampled cumulant (1 − r/2 by the duality statement) with its standard error.
 */
export function scalingSlope(widths: readonly number[], values: readonly number[], stderrs: readonly number[]): ScalingSlope {
  const n = widths.length;
  if (n < 2 || values.length !== n || stderrs.length !== n) throw new NnftInputError('widths', 'need ≥ 2 widths with one value and one standard error each');
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  const xs: number[] = [], ys: number[] = [], ws: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = Math.abs(values[i]!);
    const e = stderrs[i]!;
    if (!(v > 0) || !(e > 0) || !Number.isFinite(v) || !Number.isFinite(e)) throw new NnftInputError('values', `width ${widths[i]}: the value ${values[i]} ± ${e} cannot enter a log–log fit`, 'need non-zero values with positive standard errors');
    const x = Math.log(widths[i]!), y = Math.log(v), w = (v / e) ** 2;
    xs.push(x); ys.push(y); ws.push(w);
    sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
  }
  const det = sw * sxx - sx * sx;
  const slope = (sw * sxy - sx * sy) / det;
  const intercept = (sy - slope * sx) / sw;
  let chi2 = 0;
  for (let i = 0; i < n; i++) chi2 += ws[i]! * (ys[i]! - intercept - slope * xs[i]!) ** 2;
  return { slope, stderr: Math.sqrt(sw / det), intercept, chi2, dof: n - 2 };
}
