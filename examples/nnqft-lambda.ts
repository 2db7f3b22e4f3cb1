/**
 * NN-QFT workflow of Maiti's slides and Halverson, Maiti, Stoner ("estimate λ from 4-pt function experiments, use λ to predict the 6-pt
 * function") on a single-hidden-layer Gauss-net:
 *
 *   f(x) = (1/√N) Σ_j a_j σ_j(x),  σ_j(x) = exp(W_j x + b_j) / exp(σ_b² + σ_W² x²),   a ~ N(0, σ_a²), W ~ N(0, σ_W²), b ~ N(0, σ_b²)
 *
 * whose kernel is K(x, x') = σ_a² exp(−σ_W² (x − x')² / 2) at every width N (the two-point function is
 * exact, Maiti's slides), and which decays in x − x', so ∫dy over the real line converges (an interval with
 * Gauss–Legendre quadrature stands in for it).
 *
 * Steps: (1) sample networks and measure G⁽⁴⁾, G⁽⁶⁾ at m inputs with standard errors; (2) λ per 4-tuple and
 * its average from diagrams/ (estimateLambda); (3) predict G⁽⁶⁾ = GP − 24λ Σ15 ∫K⁴·K; (4) residuals.
 * The exact finite-width G⁽⁴⁾ of this network, G⁽⁴⁾ = GP + (3σ_a⁴ H4 − GP)/N with
 * H4 = E[σ(x1)σ(x2)σ(x3)σ(x4)] = exp(4σ_b² + σ_W²[(Σx)²/2 − Σx²]), checks the sampler.
 *
 * Sampler: src/montecarlo's sampleCorrelators (network 'gauss-net', widths [N, 1], C_b = [σ_b², 0],
 * C_W = [σ_W², σ_a²]; moments with grouped-jackknife standard errors) by default; `--sampler builtin` uses
 * the small self-contained sampler below (seeded xoshiro128** + Box–Muller) as an independent cross-check.
 *
 * Run: node bin/run-ts.js examples/nnqft-lambda.ts [--nets 1000000] [--width 8] [--seed 1] [--sampler mc|builtin] [--json]
 */
import { estimateLambda, nnqftLambdaWorkflow, gpCorrelator, measuredFromCorrelators, sortedTuples } from '../diagrams/index.ts';
import type { Space } from '../diagrams/index.ts';
import { exampleOptions } from './args.ts';

interface Options {
  nets: number;
  width: number;
  seed: number;
  sampler: 'mc' | 'builtin';
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const given = exampleOptions<Partial<Options>>('nnqft-lambda.ts', argv, { nets: { key: 'nets', kind: 'int', min: 2 }, width: { key: 'width', kind: 'int' }, seed: { key: 'seed', kind: 'int', min: 0 }, sampler: { key: 'sampler', kind: 'choice', choices: ['mc', 'builtin'] }, json: { key: 'json', kind: 'flag' } });
  return { nets: 1_000_000, width: 8, seed: 1, sampler: 'mc', json: false, ...given };
}

// ——— a small seeded generator: xoshiro128** (32-bit), Box–Muller normals ———
function makeRng(seed: number): () => number {
  let s0 = 0x9e3779b9 ^ seed;
  let s1 = 0x243f6a88 + seed * 0x85ebca6b;
  let s2 = 0xb7e15162 ^ (seed << 7);
  let s3 = 0x12345678 + seed;
  const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
  const next = () => {
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return r;
  };
  for (let i = 0; i < 16; i++) next();
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    const u1 = (next() + 1) / 4294967297;
    const u2 = next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

// σ_W small and σ_b > 0: the non-Gaussianity is then nearly tuple-independent (λ nearly constant), the
// regime where a local λ f⁴ term describes the network (larger σ_W or inputs make λ strongly tuple-dependent).
const sigmaA = 1;
const sigmaW = 0.3;
const sigmaB = 0.3;
const inputs = [-0.6, -0.2, 0.2, 0.6];
const kernel = (u: number, v: number) => sigmaA ** 2 * Math.exp((-(sigmaW ** 2) * (u - v) ** 2) / 2);
const space: Space<number> = { kind: 'interval', a: -20, b: 20, nodes: 120 };

interface Correlators {
  mean: (...idx: number[]) => number;
  stderr: (...idx: number[]) => number;
}

/** Moments E[f(x_α1)…f(x_αk)] with standard errors from src/montecarlo (grouped jackknife). */
async function sampleMonteCarlo(opts: Options, orders: number[]): Promise<Correlators> {
  const { sampleCorrelators } = await import('../src/montecarlo/index.ts');
  const r = await sampleCorrelators({
    activation: 'linear', // unused by the gauss-net
    network: 'gauss-net',
    inputs: inputs.map((x) => [x]),
    widths: [opts.width, 1],
    cb: [sigmaB ** 2, 0],
    cw: [sigmaW ** 2, sigmaA ** 2],
    nets: opts.nets,
    seed: opts.seed,
    orders,
    outputs: [0],
  });
  return measuredFromCorrelators(r);
}

/** Self-contained Monte Carlo: moments E[f(x_t1)…f(x_tk)] for the given index tuples, with standard errors. */
function sampleBuiltin(opts: Options, tuples: number[][]): Correlators {
  const rng = makeRng(opts.seed);
  const m = inputs.length;
  const N = opts.width;
  const f = new Float64Array(m);
  const sum = new Float64Array(tuples.length);
  const sum2 = new Float64Array(tuples.length);
  const norm = inputs.map((x) => Math.exp(sigmaB ** 2 + sigmaW ** 2 * x * x));
  for (let net = 0; net < opts.nets; net++) {
    f.fill(0);
    for (let j = 0; j < N; j++) {
      const a = sigmaA * rng();
      const w = sigmaW * rng();
      const b = sigmaB * rng();
      for (let al = 0; al < m; al++) f[al]! += (a * Math.exp(w * inputs[al]! + b)) / norm[al]!;
    }
    for (let al = 0; al < m; al++) f[al]! /= Math.sqrt(N);
    for (let t = 0; t < tuples.length; t++) {
      const tu = tuples[t]!;
      let prod = 1;
      for (let q = 0; q < tu.length; q++) prod *= f[tu[q]!]!;
      sum[t]! += prod;
      sum2[t]! += prod * prod;
    }
  }
  const mean = new Map<string, number>();
  const stderr = new Map<string, number>();
  tuples.forEach((tu, t) => {
    const mu = sum[t]! / opts.nets;
    const varr = Math.max(0, sum2[t]! / opts.nets - mu * mu);
    mean.set(tu.join(','), mu);
    stderr.set(tu.join(','), Math.sqrt(varr / (opts.nets - 1)));
  });
  const look = (map: Map<string, number>) => (...idx: number[]) => map.get([...idx].sort((a, b) => a - b).join(','))!;
  return { mean: look(mean), stderr: look(stderr) };
}

/** H_n = E[σ(x1)…σ(xn)] = exp(n²σ_b²/2 − nσ_b² + σ_W²[(Σx)²/2 − Σx²]) for one neuron. */
function H(xs: number[]): number {
  const n = xs.length;
  const s = xs.reduce((a, b) => a + b, 0);
  const s2 = xs.reduce((a, b) => a + b * b, 0);
  return Math.exp((n * n * sigmaB ** 2) / 2 - n * sigmaB ** 2 + sigmaW ** 2 * ((s * s) / 2 - s2));
}

/** Exact G⁽⁴⁾ of this finite-width network: neurons are i.i.d., μ2 = K, μ4 = 3σ_a⁴H4 (a Gaussian). */
function exactG4(idx: number[], N: number): number {
  const xs = idx.map((i) => inputs[i]!);
  const gp = gpCorrelator(kernel, xs);
  return gp + (3 * sigmaA ** 4 * H(xs) - gp) / N;
}

/** Exact G⁽⁶⁾: N⁻²μ6 + (N−1)N⁻² Σ_{15} μ4μ2 + (N−1)(N−2)N⁻² Σ_{15} μ2μ2μ2, μ6 = 15σ_a⁶H6. */
function exactG6(idx: number[], N: number): number {
  const xs = idx.map((i) => inputs[i]!);
  let s42 = 0;
  for (let a = 0; a < 6; a++) {
    for (let b = a + 1; b < 6; b++) s42 += kernel(xs[a]!, xs[b]!) * 3 * sigmaA ** 4 * H(xs.filter((_, k) => k !== a && k !== b));
  }
  return (15 * sigmaA ** 6 * H(xs)) / N ** 2 + ((N - 1) / N ** 2) * s42 + (((N - 1) * (N - 2)) / N ** 2) * gpCorrelator(kernel, xs);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const opts = parseArgs(argv);
  const m = inputs.length;
  const t4 = sortedTuples(m, 4);
  const t6 = sortedTuples(m, 6);
  const t0 = performance.now();
  const meas = opts.sampler === 'mc' ? await sampleMonteCarlo(opts, [4, 6]) : sampleBuiltin(opts, [...t4, ...t6]);
  const seconds = (performance.now() - t0) / 1000;
  const G4 = meas.mean;
  const G6 = meas.mean;
  const G6stderr = meas.stderr;

  // sampler check against the exact G⁽⁴⁾
  const z4 = t4.map((t) => (meas.mean(...t) - exactG4(t, opts.width)) / meas.stderr(...t));
  const maxZ4 = Math.max(...z4.map(Math.abs));

  const lam = estimateLambda({ inputs, kernel, space, G4 });
  const z6 = t6.map((t) => (meas.mean(...t) - exactG6(t, opts.width)) / meas.stderr(...t));
  const maxZ6 = Math.max(...z6.map(Math.abs));
  const wf = nnqftLambdaWorkflow({ inputs, kernel, space, G4, G6, G6stderr });
  // the same workflow on the exact (noise-free) correlators of this width
  const wfExact = nnqftLambdaWorkflow({ inputs, kernel, space, G4: (...i: number[]) => exactG4(i, opts.width), G6: (...i: number[]) => exactG6(i, opts.width) });
  const lamExact = wfExact.lambda;

  const report = {
    network: { kind: 'gauss-net, one hidden layer', width: opts.width, sigmaA, sigmaW, sigmaB, inputs, nets: opts.nets, seed: opts.seed, sampler: opts.sampler === 'mc' ? 'src/montecarlo sampleCorrelators' : 'self-contained (examples/nnqft-lambda.ts)', seconds },
    samplerCheck: { maxAbsZ_G4_vs_exact: maxZ4, maxAbsZ_G6_vs_exact: maxZ6 },
    lambda: { mean: lam.mean, spread: lam.spread, leastSquares: lam.leastSquares, fromExactG4: { mean: lamExact.mean, spread: lamExact.spread }, tuples: lam.perTuple.length },
    g6: { tuples: wf.g6.length, residual: wf.residual, residualExactCorrelators: wfExact.residual },
  };
  if (opts.json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`Gauss-net, width ${opts.width}, ${opts.nets.toLocaleString('en')} networks (seed ${opts.seed}), inputs ${JSON.stringify(inputs)}; sampled in ${seconds.toFixed(1)} s by ${report.network.sampler}`);
  console.log(`sampler check: max |G_MC − G_exact| / stderr = ${maxZ4.toFixed(2)} over ${t4.length} G4 tuples, ${maxZ6.toFixed(2)} over ${t6.length} G6 tuples`);
  console.log(`λ per 4-tuple: mean ${lam.mean.toExponential(3)} (spread over tuples ${lam.spread.toExponential(2)}), least squares ${lam.leastSquares.toExponential(3)}`);
  console.log(`λ from the exact G4: mean ${lamExact.mean.toExponential(3)} (spread ${lamExact.spread.toExponential(2)})`);
  console.log(`G6 at ${wf.g6.length} input 6-tuples:`);
  const r = wf.residual!;
  console.log(`  measured − GP:                 rms ${r.gpRms.toExponential(3)}   χ²/point ${r.gpChi2PerPoint!.toFixed(1)}`);
  console.log(`  measured − (GP − 24λ Σ ∫K⁴K):  rms ${r.predictedRms.toExponential(3)}   χ²/point ${r.predictedChi2PerPoint!.toFixed(1)}`);
  const e = wfExact.residual!;
  console.log(`  with the exact finite-width G4, G6 instead of MC: rms ${e.gpRms.toExponential(3)} (GP) → ${e.predictedRms.toExponential(3)} (GP + λ terms)`);
  const show = wf.g6.slice(0, 5);
  console.log('  first tuples: tuple, measured ± stderr, GP, predicted');
  for (const g of show) console.log(`   [${g.tuple}]  ${g.measured!.toFixed(4)} ± ${g.stderr!.toFixed(4)}  ${g.gp.toFixed(4)}  ${g.predicted.toFixed(4)}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
