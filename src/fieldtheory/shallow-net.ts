/**
 * The single-hidden-layer networks of the field-theory tools (Halverson, Maiti, Stoner, "Neural Networks and Quantum
 * Field Theory"; Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories"), in the PDLT normalisation of
 * docs/conventions.md:
 *
 *   φ(x) = b + Σ_{j=1}^{N} W_j σ_j(x) = b + (1/√N) Σ_j h_j(x),     h_j(x) = a_j σ(z_j(x)),   a_j = √N W_j,
 *   z_j(x) = b⁽¹⁾_j + Σ_k W⁽¹⁾_jk x_k,   Var b⁽¹⁾ = C_b, Var W⁽¹⁾ = C_W/n₀,   Var W_j = C_W,out/N (a_j ~ N(0, C_W,out)),
 *   Var b = C_b,out (default 0),
 *
 * so the output is a sum of N i.i.d. "neurons" h_j divided by √N — the setting of the cumulants-via-duality
 * statement (duality.ts). Two special networks:
 *  - `activation: 'gauss-net'`, the Gauss-net: σ_j(x) = exp(z_j(x) − K⁽¹⁾(x, x)) with K⁽¹⁾(x, x) = C_b + C_W|x|²/n₀,
 *    whose two-point function is C_W,out exp(K⁽¹⁾(x,x') − (K⁽¹⁾(x,x) + K⁽¹⁾(x',x'))/2) (a Gaussian in x − x');
 *  - `activation: 'cos-net'`, random Fourier features with Cauchy frequencies: σ_j(x) = √2 cos(w_j·x + b_j),
 *    w_jk ~ Cauchy(0, μ) with μ = C_W (here a scale, not a variance), b_j ~ U[0, 2π) (C_b unused), whose two-point
 *    function is C_W,out E[cos(w·(x − x'))] = C_W,out exp(−μ Σ_k |x_k − x'_k|): in one dimension the Euclidean
 *    propagator e^{−μ|τ|} of a free particle of mass μ, which is reflection positive (osterwalder-schrader.ts).
 *
 * `sampleOutputs` draws networks with the shared counter-based generator (src/rng): network t is stream t of the
 * seed, so the same seed gives the same outputs whatever the batch.
 */
import { getActivation, type Activation } from '../activations/index.ts';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { requireMemory, requireTime, formatBytes } from '../resources.ts';
import { NetStream } from '../rng/index.ts';

export interface ShallowNetSpec {
  /** a registry activation ('tanh', 'relu', 'erf', …, an expression in z), 'gauss-net' or 'cos-net' */
  activation: string;
  /** inputs x_α (m vectors of dimension n₀) */
  inputs: number[][];
  /** hidden width N */
  width: number;
  /** hidden-layer bias and weight variances C_b, C_W (Var W⁽¹⁾ = C_W/n₀); defaults 0 and 1 */
  cb?: number;
  cw?: number;
  /** output weight variance C_W,out (Var W_j = C_W,out/N); default 1 */
  cwOut?: number;
  /** output bias variance C_b,out; default 0 */
  cbOut?: number;
}

export interface ShallowNet {
  activation: string;
  inputs: number[][];
  m: number;
  n0: number;
  width: number;
  cb: number;
  cw: number;
  cwOut: number;
  cbOut: number;
  /** the first-layer kernel K⁽¹⁾_αβ = C_b + C_W x_α·x_β/n₀ (m×m) */
  K1: number[][];
  /** σ for the registry activations (undefined for the Gauss-net and the cos-net) */
  act?: Activation;
  gaussNet: boolean;
  cosNet: boolean;
}

function finite(name: string, x: unknown, min: number, strict: boolean): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || (strict ? x <= min : x < min)) {
    throw new NnftInputError(name, `expected a finite number ${strict ? '>' : '≥'} ${min}, got ${String(x)}`);
  }
  return x;
}

/** Validate a spec (names the argument on failure). */
export function shallowNet(spec: ShallowNetSpec): ShallowNet {
  if (!spec || typeof spec !== 'object') throw new NnftInputError('spec', 'expected {activation, inputs, width, …}');
  const { inputs } = spec;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new NnftInputError('inputs', 'need at least one input', "e.g. [[0.5], [1]]");
  const n0 = Array.isArray(inputs[0]) ? inputs[0].length : 0;
  if (n0 < 1) throw new NnftInputError('inputs', 'each input must be a non-empty vector of numbers');
  inputs.forEach((x, a) => {
    if (!Array.isArray(x) || x.length !== n0) throw new NnftInputError(`inputs[${a}]`, `has dimension ${Array.isArray(x) ? x.length : 'none'}, inputs[0] has ${n0}`);
    x.forEach((v, k) => finite(`inputs[${a}][${k}]`, v, -Infinity, false));
  });
  const width = spec.width;
  if (!Number.isInteger(width) || width < 1) throw new NnftInputError('width', `the hidden width N must be an integer ≥ 1, got ${String(width)}`);
  const cb = spec.cb === undefined ? 0 : finite('cb', spec.cb, 0, false);
  const cw = spec.cw === undefined ? 1 : finite('cw', spec.cw, 0, true);
  const cwOut = spec.cwOut === undefined ? 1 : finite('cwOut', spec.cwOut, 0, true);
  const cbOut = spec.cbOut === undefined ? 0 : finite('cbOut', spec.cbOut, 0, false);
  if (typeof spec.activation !== 'string' || spec.activation.trim() === '') throw new NnftInputError('activation', 'missing', "a registry name such as 'tanh', or 'gauss-net'");
  const gaussNet = spec.activation === 'gauss-net';
  const cosNet = spec.activation === 'cos-net';
  const act = gaussNet || cosNet ? undefined : getActivation(spec.activation);
  const m = inputs.length;
  const K1 = inputs.map((x) => inputs.map((y) => cb + (cw / n0) * x.reduce((s, v, k) => s + v * y[k]!, 0)));
  return { activation: act ? act.name : spec.activation, inputs: inputs.map((x) => x.slice()), m, n0, width, cb, cw, cwOut, cbOut, K1, act, gaussNet, cosNet };
}

/**
 * The output's two-point function C_b,out + C_W,out⟨σ(x)σ(x')⟩ in closed form, else undefined: the Gauss-net and the
 * cos-net (above), erf (Williams' arcsine kernel, (2/π) arcsin(2k₁₂/√((1 + 2k₁₁)(1 + 2k₂₂)))) and ReLU (Cho & Saul's
 * arc-cosine kernel, √(k₁₁k₂₂)(sin θ + (π − θ) cos θ)/2π, cos θ = k₁₂/√(k₁₁k₂₂)), k = K⁽¹⁾. They replace the quadrature
 * of src/gaussian where a kernel is evaluated on large node sets (rg-flow.ts); test/fieldtheory checks them against it.
 */
export function closedFormKernel(net: ShallowNet): ((x: readonly number[], y: readonly number[]) => number) | undefined {
  const k = (x: readonly number[], y: readonly number[]) => net.cb + (net.cw / net.n0) * x.reduce((s, v, i) => s + v * y[i]!, 0);
  if (net.gaussNet) return (x, y) => net.cbOut + net.cwOut * Math.exp(k(x, y) - (k(x, x) + k(y, y)) / 2);
  if (net.act?.name === 'erf') {
    return (x, y) => net.cbOut + net.cwOut * (2 / Math.PI) * Math.asin(Math.max(-1, Math.min(1, (2 * k(x, y)) / Math.sqrt((1 + 2 * k(x, x)) * (1 + 2 * k(y, y))))));
  }
  if (net.act?.name === 'relu') {
    return (x, y) => {
      const s = Math.sqrt(k(x, x) * k(y, y));
      if (s === 0) return net.cbOut;
      const c = Math.max(-1, Math.min(1, k(x, y) / s));
      const th = Math.acos(c);
      return net.cbOut + (net.cwOut * s * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
    };
  }
  if (net.cosNet) return (x, y) => net.cbOut + net.cwOut * Math.exp(-net.cw * x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0));
  return undefined;
}

/**
 * Draw one network's hidden layer from `stream` (positioned at the network's start): the first-layer weights
 * (N × n₀) and biases (N) — Gaussian, or the cos-net's Cauchy frequencies and uniform phases.
 */
function drawHiddenLayer(net: ShallowNet, stream: NetStream, W: Float64Array, b: Float64Array): void {
  const { width: N, n0 } = net;
  if (net.cosNet) {
    for (let i = 0; i < N * n0; i++) W[i] = net.cw * Math.tan(Math.PI * (stream.uniform() - 0.5));
    for (let j = 0; j < N; j++) b[j] = 2 * Math.PI * stream.uniform();
    return;
  }
  stream.fillNormal(W, 0, N * n0, Math.sqrt(net.cw / n0));
  stream.fillNormal(b, 0, N, Math.sqrt(net.cb));
}

/** σ at input α as a function of the preactivation z (the Gauss-net's normalisation depends on α). */
export function neuronActivation(net: ShallowNet, alpha: number): (z: number) => number {
  if (net.cosNet) return (z) => Math.SQRT2 * Math.cos(z);
  if (net.gaussNet) {
    const shift = net.K1[alpha]![alpha]!;
    return (z) => Math.exp(z - shift);
  }
  return net.act!.f;
}

export interface SampleOptions {
  nets: number;
  seed?: number;
  /** write the outputs of network t at input α to out[t·m + α] (default: a new array) */
  out?: Float64Array;
  /** networks [first, first + nets) of the seed's streams (default 0) */
  first?: number;
}

/** The networks [first, first + nets) and the seed of SampleOptions, checked (nets ≥ 1, seed a safe integer ≥ 0). */
function sampleRange(opts: SampleOptions): { nets: number; seed: number; first: number } {
  const nets = opts.nets;
  if (!Number.isInteger(nets) || nets < 1) throw new NnftInputError('nets', `expected an integer ≥ 1, got ${String(nets)}`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new NnftInputError('seed', `expected a non-negative integer, got ${String(seed)}`);
  return { nets, seed, first: opts.first ?? 0 };
}

/** Cost of one network in ns, for the time estimate (measured: ≈ 25 ns per neuron and input, plus draws). */
const NS_PER_NEURON_INPUT = 25;

/**
 * Outputs φ(x_α) of `nets` networks: a Float64Array of nets × m, row t = network t. Refuses, before allocating, a run
 * over the memory or time budget (src/resources.ts).
 */
export function sampleOutputs(net: ShallowNet, opts: SampleOptions): Float64Array {
  const { nets, seed, first } = sampleRange(opts);
  const { m, n0, width: N } = net;
  const bytes = nets * m * 8;
  if (!opts.out) requireMemory(`the outputs of ${nets} networks at ${m} inputs`, bytes, `use fewer networks (${formatBytes(bytes)} requested)`);
  requireTime(`${nets} networks of width ${N} at ${m} inputs`, (nets * N * (m + n0 + 2) * NS_PER_NEURON_INPUT) / 1e9, 'use fewer networks or a smaller width');
  const out = opts.out ?? new Float64Array(nets * m);
  if (out.length < nets * m) throw new NnftInputError('out', `needs ${nets * m} entries, has ${out.length}`);
  const stream = new NetStream(seed);
  const W = new Float64Array(N * n0);
  const b = new Float64Array(N);
  const a = new Float64Array(N);
  const acc = new Float64Array(m);
  const sigmas = Array.from({ length: m }, (_, al) => neuronActivation(net, al));
  const sa = Math.sqrt(net.cwOut);
  const sbo = Math.sqrt(net.cbOut);
  const inv = 1 / Math.sqrt(N);
  const xs = net.inputs;
  for (let t = 0; t < nets; t++) {
    stream.reset(first + t);
    drawHiddenLayer(net, stream, W, b);
    stream.fillNormal(a, 0, N, sa);
    const bias = sbo > 0 ? sbo * stream.normal() : 0;
    acc.fill(0);
    for (let j = 0; j < N; j++) {
      const row = j * n0;
      const aj = a[j]!;
      const bj = b[j]!;
      for (let al = 0; al < m; al++) {
        const x = xs[al]!;
        let zz = bj;
        for (let k = 0; k < n0; k++) zz += W[row + k]! * x[k]!;
        acc[al] = acc[al]! + aj * sigmas[al]!(zz);
      }
    }
    const o = t * m;
    for (let al = 0; al < m; al++) out[o + al] = bias + inv * acc[al]!;
  }
  requireFiniteOutputs(out, nets * m, m, first, 'output');
  return out;
}

function requireFiniteOutputs(out: Float64Array, len: number, stride: number, first: number, what: string): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new NnftNumericalError(`the sampled network ${what}s`, `network ${first + Math.floor(i / stride)} has a non-finite ${what} (σ overflows)`, 'use smaller C_b, C_W or inputs', { argument: 'activation' });
    }
  }
}

/**
 * The conditional output covariance of each network given its hidden layer,
 *   Ĝ_t(α, β) = C_b,out + (C_W,out/N) Σ_j σ_j(x_α) σ_j(x_β),
 * as nets × m × m (row-major). Given the hidden layer the output is Gaussian with this covariance (its weights
 * and bias are Gaussian and independent of it), so averages of Wick sums of Ĝ_t are the output's moments with the
 * output layer integrated exactly (sample-cumulants.ts conditionalGaussianCumulants). Stream layout as
 * sampleOutputs: the hidden layer of network t is drawn the same way in both.
 */
export function sampleConditionalCovariances(net: ShallowNet, opts: SampleOptions): Float64Array {
  const { nets, seed, first } = sampleRange(opts);
  const { m, n0, width: N } = net;
  const mm = m * m;
  const bytes = nets * mm * 8;
  requireMemory(`the output covariances of ${nets} networks at ${m} inputs`, bytes, `use fewer networks (${formatBytes(bytes)} requested)`);
  requireTime(`${nets} networks of width ${N} at ${m} inputs`, (nets * N * (mm + n0 + 2) * NS_PER_NEURON_INPUT) / 1e9, 'use fewer networks or a smaller width');
  const out = new Float64Array(nets * mm);
  const stream = new NetStream(seed);
  const W = new Float64Array(N * n0);
  const b = new Float64Array(N);
  const sig = new Float64Array(m);
  const acc = new Float64Array(mm);
  const sigmas = Array.from({ length: m }, (_, al) => neuronActivation(net, al));
  const c = net.cwOut / N;
  const xs = net.inputs;
  for (let t = 0; t < nets; t++) {
    stream.reset(first + t);
    drawHiddenLayer(net, stream, W, b);
    acc.fill(0);
    for (let j = 0; j < N; j++) {
      const row = j * n0;
      for (let al = 0; al < m; al++) {
        const x = xs[al]!;
        let zz = b[j]!;
        for (let k = 0; k < n0; k++) zz += W[row + k]! * x[k]!;
        sig[al] = sigmas[al]!(zz);
      }
      for (let al = 0; al < m; al++) for (let be = al; be < m; be++) acc[al * m + be] = acc[al * m + be]! + sig[al]! * sig[be]!;
    }
    const o = t * mm;
    for (let al = 0; al < m; al++) {
      for (let be = al; be < m; be++) {
        const v = net.cbOut + c * acc[al * m + be]!;
        out[o + al * m + be] = v;
        out[o + be * m + al] = v;
      }
    }
  }
  requireFiniteOutputs(out, nets * mm, mm, first, 'output covariance');
  return out;
}

/** Single neurons h(x_α) = a σ(z(x_α)) of the net's parameter distribution (stream `stream` of the seed): n × m. */
export function sampleNeuronOutputs(net: ShallowNet, n: number, seed: number, stream = 2 ** 45): Float64Array {
  if (!Number.isInteger(n) || n < 128) throw new NnftInputError('neuronSamples', `need an integer ≥ 128, got ${String(n)}`);
  const { m, n0 } = net;
  requireMemory(`${n} sampled neurons at ${m} inputs`, n * m * 8, 'use fewer neuron samples');
  const out = new Float64Array(n * m);
  const s = new NetStream(seed).reset(stream);
  const one = { ...net, width: 1 };
  const w = new Float64Array(n0);
  const b = new Float64Array(1);
  const sigmas = Array.from({ length: m }, (_, al) => neuronActivation(net, al));
  const sa = Math.sqrt(net.cwOut);
  for (let t = 0; t < n; t++) {
    drawHiddenLayer(one, s, w, b);
    const a = sa * s.normal();
    for (let al = 0; al < m; al++) {
      const x = net.inputs[al]!;
      let z = b[0]!;
      for (let k = 0; k < n0; k++) z += w[k]! * x[k]!;
      out[t * m + al] = a * sigmas[al]!(z);
    }
  }
  requireFiniteOutputs(out, n * m, m, 0, 'neuron output');
  return out;
}
