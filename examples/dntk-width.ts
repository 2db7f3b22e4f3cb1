/**
 * Trained networks against the frozen-NTK prediction and against the O(1/n) prediction, as a function of width:
 * the deviation from the frozen NTK falls as 1/n, and what is left after the O(1/n) correction (Θ¹, A, B, the dNTK
 * tensors P, Q and the ddNTK means R, S, T, U; Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory",
 * ch. ∞) falls as 1/n² — the residual slope changes from −1 to −2 on the log–log plot (docs/dntk.md).
 *
 * Setting of record: tanh, C_b = 0.1, C_W = 1.5, λ_b = λ_W = 1; 8 training points x on [−3, 3], y = sin x, inputs
 * (x, 1); two hidden layers of width n; gradient descent with η = 0.95/λ_max(Θ(X,X)); test points x = −2.4, −1.1,
 * 0.2, 1.3, 2.6. For each n an ensemble of antithetic pairs gives the mean prediction ± jackknife error after 10,
 * 30 and 100 steps. Plotted against n (log–log), at 100 steps: the RMS over the test points of (trained − frozen NTK),
 * of (trained − O(1/n) mean), both debiased by the squared standard errors, ±1 standard error, and the predicted
 * RMS of μ¹/n. Fitted exponents (RMS ∝ n^−p, weighted least squares with its standard error) for every step count
 * are printed and stored. With equal hidden widths the coefficient μ¹ does not depend on n (the output layer's
 * finite-width tensors depend on the width ratio n₂/n₁ = 1 only), so it is computed once.
 *
 * Writes out/dntk-width/dntk-width.{svg,json}. Run: node bin/run-ts.js examples/dntk-width.ts
 * Options: --widths 64,128,256 --pairs 400,300,200 (one per width) or --pairs-scale 1, --train-points 8 --seed 1 --out DIR. Cost (one core): the
 * finite-width tensors on the 13 inputs ≈ 4.5 min (O(inputs⁴)); the networks ≈ 1.5 min at the default widths,
 * ≈ 25 min more for 512 and 1024 (--widths 64,128,256,512,1024).
 */
import { weightedLogLogFit } from './power-fit.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { predictInfiniteWidth } from '../src/training/theory.ts';
import { trainEnsemble } from '../src/training/ensemble.ts';
import { predictOrderOne } from '../src/training/order-one.ts';
import { writeFileAtomic, writePlot, type PlotSeries } from '../src/plot/index.ts';
import { NnftInputError } from '../src/errors.ts';
import { exampleOptions } from './args.ts';

export interface DntkWidthOptions {
  widths?: number[];
  /** antithetic pairs per width, or a scale of the default numbers */
  pairs?: number[];
  pairsScale?: number;
  steps?: number[];
  /** number of equally spaced training points on [−3, 3] (default 8) */
  trainPoints?: number;
  testX?: number[];
  seed?: number;
  outDir?: string;
  log?: (msg: string) => void;
}

/** RMS over test points of a deviation, debiased by the squared standard errors, with its standard error. */
export interface Deviation {
  rms: number;
  stderr: number;
  /** the largest |deviation|/se over the test points */
  maxZ: number;
}

export interface DntkWidthPoint {
  width: number;
  pairs: number;
  /** trained mean and its standard error, [step][test] */
  mean: number[][];
  stderr: number[][];
  /** per step: trained − μ⁰ and trained − (μ⁰ + μ¹/n) */
  frozen: Deviation[];
  orderOne: Deviation[];
  seconds: number;
}

export interface PowerFit {
  /** RMS ∝ n^−p */
  p: number;
  pStderr: number;
  /** widths used (those with a positive debiased RMS) */
  widths: number[];
}

export interface DntkWidthResult {
  setting: { activation: string; cb: number; cw: number; lambdaB: number; lambdaW: number; trainX: number[]; testX: number[]; lr: number; seed: number };
  steps: number[];
  /** μ⁰ (frozen NTK) and μ¹ (the coefficient of 1/n), [step][test] */
  frozenMean: number[][];
  correction: number[][];
  /** the RMS of μ¹ over the test points, per step (the predicted frozen deviation is this / n) */
  correctionRms: number[];
  points: DntkWidthPoint[];
  /** per step */
  fits: { frozen: PowerFit; orderOne: PowerFit }[];
  seconds: { tensors: number; networks: number };
}

const ARCH = { activation: 'tanh', cb: 0.1, cw: 1.5, lambdaB: 1, lambdaW: 1 };
const TEST_X = [-2.4, -1.1, 0.2, 1.3, 2.6];

/** Default pairs per width: the standard error falls as 1/√(n·pairs), the deviation as 1/n, the cost grows as n². */
export function defaultPairs(n: number): number {
  return n <= 64 ? 400 : n <= 128 ? 300 : n <= 256 ? 200 : n <= 512 ? 150 : 100;
}

/** RMS of d_a over a (debiased by Σ se²), its standard error δrms ≈ √(Σ d² se²)/(m·rms), and max |d|/se. */
export function deviation(d: number[], se: number[]): Deviation {
  const m = d.length;
  const ms = d.reduce((s, v) => s + v * v, 0) / m;
  const bias = se.reduce((s, v) => s + v * v, 0) / m;
  const rms = Math.sqrt(Math.max(ms - bias, 0));
  const var2 = d.reduce((s, v, a) => s + v * v * se[a]! * se[a]!, 0);
  return { rms, stderr: rms > 0 ? Math.sqrt(var2) / (m * rms) : Math.sqrt(bias), maxZ: Math.max(...d.map((v, a) => Math.abs(v) / se[a]!)) };
}

/** Weighted least squares of log RMS against log n (weights rms²/stderr²): p and its standard error. */
export function fitPowerWeighted(ns: number[], devs: Deviation[]): PowerFit {
  const resolved = devs.map((d) => (d.rms > 0 ? d.rms : 0));
  const f = weightedLogLogFit(ns, resolved, devs.map((d) => d.stderr));
  return { p: f.p, pStderr: f.pStderr, widths: f.used };
}

export async function dntkWidth(opts: DntkWidthOptions = {}): Promise<DntkWidthResult> {
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const widths = opts.widths ?? [64, 128, 256];
  const steps = opts.steps ?? [10, 30, 100];
  const seed = opts.seed ?? 1;
  const N = opts.trainPoints ?? 8;
  if (!Number.isInteger(N) || N < 2) throw new NnftInputError('--train-points', `expected an integer ≥ 2, got ${N}`);
  const trainX = Array.from({ length: N }, (_, i) => -3 + (6 * i) / (N - 1));
  const testX = opts.testX ?? TEST_X;
  const data = { trainInputs: trainX.map((x) => [x, 1]), trainTargets: trainX.map((x) => [Math.sin(x)]), testInputs: testX.map((x) => [x, 1]) };
  const lambdaMax = predictInfiniteWidth({ ...ARCH, widths: [8, 8, 1], ...data, lr: 1, schedule: { kind: 'flow', times: [0] } }).meta.conditioning.lambdaMax;
  const lr = 0.95 / lambdaMax;
  log(`dntk-width: the finite-width tensors on ${N + testX.length} inputs`);
  const theory = predictOrderOne({ ...ARCH, widths: [widths[0]!, widths[0]!, 1], ...data, lr, schedule: { kind: 'descent', steps } });
  const frozenMean = theory.mean0.map((t) => t.map((p) => p[0]!));
  const correction = theory.correction.map((t) => t.map((p) => p[0]!));
  const correctionRms = correction.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0) / c.length));
  const points: DntkWidthPoint[] = [];
  let networks = 0;
  widths.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 2) throw new NnftInputError('--widths', `expected integers ≥ 2, got ${n}`);
    if (opts.pairs && opts.pairs[i] === undefined) throw new NnftInputError('pairs', `one number of pairs per width: ${widths.length} widths, ${opts.pairs.length} numbers`);
  });
  for (let i = 0; i < widths.length; i++) {
    const n = widths[i]!;
    const pairs = opts.pairs?.[i] ?? Math.max(4, Math.round(defaultPairs(n) * (opts.pairsScale ?? 1)));
    log(`dntk-width: n = ${n}, ${2 * pairs} networks, ${steps[steps.length - 1]} steps`);
    const t0 = performance.now();
    const r = await trainEnsemble({ ...ARCH, widths: [n, n, 1], ...data, lr, steps, nets: 2 * pairs, seed, theory: false });
    const seconds = (performance.now() - t0) / 1000;
    networks += seconds;
    const mean = r.mean.mean.map((t) => t.map((p) => p[0]!));
    const stderr = r.mean.stderr.map((t) => t.map((p) => p[0]!));
    points.push({
      width: n,
      pairs,
      mean,
      stderr,
      frozen: steps.map((_, k) => deviation(mean[k]!.map((v, a) => v - frozenMean[k]![a]!), stderr[k]!)),
      orderOne: steps.map((_, k) => deviation(mean[k]!.map((v, a) => v - frozenMean[k]![a]! - correction[k]![a]! / n), stderr[k]!)),
      seconds,
    });
  }
  const fits = steps.map((_, k) => ({
    frozen: fitPowerWeighted(widths, points.map((p) => p.frozen[k]!)),
    orderOne: fitPowerWeighted(widths, points.map((p) => p.orderOne[k]!)),
  }));
  return {
    setting: { ...ARCH, trainX, testX, lr, seed },
    steps,
    frozenMean,
    correction,
    correctionRms,
    points,
    fits,
    seconds: { tensors: theory.seconds, networks },
  };
}

export async function writeDntkWidth(res: DntkWidthResult, outDir: string): Promise<{ svg: string; json: string }> {
  const k = res.steps.length - 1;
  const s = res.steps[k]!;
  const fit = res.fits[k]!;
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const widths = res.points.map((p) => p.width);
  const series: PlotSeries[] = [
    {
      name: `trained − frozen NTK (p = ${f(fit.frozen.p)} ± ${f(fit.frozen.pStderr)})`,
      kind: 'points',
      color: '#1f77b4',
      points: res.points.filter((p) => p.frozen[k]!.rms > 0).map((p) => ({ x: p.width, y: p.frozen[k]!.rms, err: p.frozen[k]!.stderr })),
    },
    {
      name: `trained − (frozen NTK + O(1/n)) (p = ${f(fit.orderOne.p)} ± ${f(fit.orderOne.pStderr)})`,
      kind: 'points',
      color: '#d62728',
      points: res.points.filter((p) => p.orderOne[k]!.rms > 0).map((p) => ({ x: p.width, y: p.orderOne[k]!.rms, err: p.orderOne[k]!.stderr })),
    },
    { name: 'O(1/n) theory: RMS of μ¹/n', kind: 'line', color: '#1f77b4', points: widths.map((n) => ({ x: n, y: res.correctionRms[k]! / n })) },
  ];
  const first = res.points.find((p) => p.orderOne[k]!.rms > 0);
  if (first) {
    series.push({ name: 'c/n² through the first residual', kind: 'line', dash: true, color: '#7f7f7f', points: widths.map((n) => ({ x: n, y: (first.orderOne[k]!.rms * first.width ** 2) / n ** 2 })) });
  }
  const svg = join(outDir, 'dntk-width.svg');
  const json = join(outDir, 'dntk-width.json');
  await writePlot(svg, {
    title: `Trained networks vs the frozen NTK and the O(1/n) prediction, ${s} steps`,
    subtitle: `tanh, sin x on ${res.setting.trainX.length} points, two hidden layers of width n, η = 0.95/λ_max; RMS over ${res.setting.testX.length} test points, debiased, ±1 s.e.`,
    x: { label: 'hidden width n', log: true },
    y: { label: 'RMS deviation of the mean', log: true },
    series,
    width: 520,
    height: 340,
  });
  writeFileAtomic(json, JSON.stringify(res, null, 1) + '\n');
  return { svg, json };
}

export function dntkWidthTable(res: DntkWidthResult): string {
  const e = (x: number): string => x.toExponential(2);
  const lines = [`η = ${res.setting.lr.toPrecision(4)}; RMS over ${res.setting.testX.length} test points (debiased) ± s.e.; max z = largest |deviation|/s.e.`];
  lines.push(['steps', 'n', 'pairs', 'RMS μ¹/n', 'trained − frozen', 'max z', 'trained − O(1/n)', 'max z'].map((h, j) => h.padEnd(j < 3 ? 6 : 20)).join(''));
  res.steps.forEach((s, k) => {
    for (const p of res.points) {
      const fr = p.frozen[k]!;
      const o1 = p.orderOne[k]!;
      lines.push([String(s), String(p.width), String(p.pairs), e(res.correctionRms[k]! / p.width), `${e(fr.rms)} ± ${e(fr.stderr)}`, fr.maxZ.toFixed(1), `${e(o1.rms)} ± ${e(o1.stderr)}`, o1.maxZ.toFixed(1)].map((c, j) => c.padEnd(j < 3 ? 6 : 20)).join(''));
    }
    const fit = res.fits[k]!;
    const pf = (q: PowerFit): string => (Number.isFinite(q.p) ? `${q.p.toFixed(2)} ± ${q.pStderr.toFixed(2)} (n = ${q.widths.join(', ')})` : `— (resolved at ${q.widths.length ? q.widths.join(', ') : 'no width'})`);
    lines.push(`  ${s} steps: fitted p, trained − frozen: ${pf(fit.frozen)}; trained − O(1/n): ${pf(fit.orderOne)}`);
  });
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<DntkWidthOptions & { pairsScaleText?: string }>('dntk-width.ts', process.argv.slice(2), {
    widths: { key: 'widths', kind: 'ints', min: 2 },
    pairs: { key: 'pairs', kind: 'ints', min: 1 },
    'pairs-scale': { key: 'pairsScaleText', kind: 'string' },
    'train-points': { key: 'trainPoints', kind: 'int', min: 2 },
    seed: { key: 'seed', kind: 'int', min: 0 },
    out: { key: 'outDir', kind: 'dir', default: 'out/dntk-width' },
  });
  if (opts.pairsScaleText !== undefined) {
    const v = Number(opts.pairsScaleText);
    if (!(v > 0) || !Number.isFinite(v)) throw new NnftInputError('--pairs-scale', `expected a positive number, got '${opts.pairsScaleText}'`, 'e.g. --pairs-scale 2 for twice the networks');
    opts.pairsScale = v;
  }
  const res = await dntkWidth(opts);
  const { svg, json } = await writeDntkWidth(res, opts.outDir ?? 'out/dntk-width');
  console.log(dntkWidthTable(res));
  console.log(`wrote ${svg} and ${json} (tensors ${res.seconds.tensors.toFixed(0)} s, networks ${res.seconds.networks.toFixed(0)} s)`);
}
