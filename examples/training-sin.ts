/**
 * The sin(x) toy of the NTK (Jacot et al.; Lee et al. 2019; Leung, "Physics4ML" notes, kernel regression):
 * 8 training points x on [−3, 3], y = sin x, inputs (x, 1), two hidden tanh layers (C_b = 0.1, C_W = 1.5,
 * λ_b = λ_W = 1), gradient descent on L = ½Σ(f − y)² with η = 0.95/λ_max(Θ(X,X)).
 *
 * Plotted against x: the infinite-width mean μ_s(x) = Θ(x,X)Θ⁻¹(I − (I − ηΘ)^s)Y after s = 10, 100, 1000 steps
 * and s = ∞ (kernel regression), the ±2σ band of the trained ensemble's covariance Σ_s at s = 100 (Lee et al.
 * 2019: its width is what is left of the prior K after training), the targets, and networks actually trained
 * (`--width` n, antithetic pairs): their mean at s = 100 with ±1 standard error (jackknife), at five test points.
 *
 * Writes out/training-sin/training-sin.{svg,json}. Run: node bin/run-ts.js examples/training-sin.ts
 * Options: --width 256 --pairs 120 --grid 61 --seed 1 --out DIR
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { predictInfiniteWidth } from '../src/training/theory.ts';
import { trainEnsemble } from '../src/training/ensemble.ts';
import { writeFileAtomic, writePlot, type PlotSeries } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface SinOptions {
  width?: number;
  pairs?: number;
  grid?: number;
  seed?: number;
  outDir?: string;
  log?: (msg: string) => void;
}

export interface SinResult {
  arch: { activation: string; cb: number; cw: number; lambdaB: number; lambdaW: number };
  train: { x: number[]; y: number[] };
  lr: number;
  lambdaMax: number;
  steps: (number | 'inf')[];
  grid: number[];
  /** theory on the grid: mean[step][point], std[step][point] */
  theory: { mean: number[][]; std: number[][] };
  trained: { width: number; pairs: number; step: number; x: number[]; mean: number[]; stderr: number[]; std: number[]; theoryMean: number[]; theoryStd: number[] };
  seconds: number;
}

const ARCH = { activation: 'tanh', cb: 0.1, cw: 1.5, lambdaB: 1, lambdaW: 1 };
const TRAIN_X = Array.from({ length: 8 }, (_, i) => -3 + (6 * i) / 7);
const TEST_X = [-2.4, -1.1, 0.2, 1.3, 2.6];
const STEPS = [10, 100, 1000, Infinity];
const TRAINED_STEP = 100;

export async function trainingSin(opts: SinOptions = {}): Promise<SinResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const width = opts.width ?? 256;
  const pairs = opts.pairs ?? 120;
  const G = opts.grid ?? 61;
  const grid = Array.from({ length: G }, (_, i) => -3.6 + (7.2 * i) / (G - 1));
  const data = { trainInputs: TRAIN_X.map((x) => [x, 1]), trainTargets: TRAIN_X.map((x) => [Math.sin(x)]) };
  const lambdaMax = predictInfiniteWidth({ ...ARCH, widths: [width, width, 1], ...data, testInputs: [[0, 1]], lr: 1, schedule: { kind: 'flow', times: [0] } }).meta.conditioning.lambdaMax;
  const lr = 0.95 / lambdaMax;
  log(`training-sin: infinite-width theory on ${G} grid points (λ_max = ${lambdaMax.toPrecision(6)}, η = ${lr.toPrecision(4)})`);
  const th = predictInfiniteWidth({ ...ARCH, widths: [width, width, 1], ...data, testInputs: grid.map((x) => [x, 1]), lr, schedule: { kind: 'gd', steps: STEPS } });
  log(`training-sin: training ${2 * pairs} networks of width ${width} for ${TRAINED_STEP} steps`);
  const ens = await trainEnsemble({ ...ARCH, widths: [width, width, 1], ...data, testInputs: TEST_X.map((x) => [x, 1]), lr, steps: [TRAINED_STEP], nets: 2 * pairs, seed: opts.seed ?? 1 });
  const iw = ens.infiniteWidth!;
  return {
    arch: ARCH,
    train: { x: TRAIN_X, y: TRAIN_X.map(Math.sin) },
    lr,
    lambdaMax,
    steps: STEPS.map((s) => (s === Infinity ? 'inf' : s)),
    grid,
    theory: {
      mean: th.mean.map((t) => t.map((v) => v[0]!)),
      std: th.covariance.map((c) => c.map((row, a) => Math.sqrt(Math.max(0, row[a]!)))),
    },
    trained: {
      width,
      pairs,
      step: TRAINED_STEP,
      x: TEST_X,
      mean: ens.mean.mean[0]!.map((v) => v[0]!),
      stderr: ens.mean.stderr[0]!.map((v) => v[0]!),
      std: ens.covariance.mean[0]!.map((row, a) => Math.sqrt(Math.max(0, row[a]!))),
      theoryMean: iw.mean[0]!.map((v) => v[0]!),
      theoryStd: iw.covariance[0]!.map((row, a) => Math.sqrt(Math.max(0, row[a]!))),
    },
    seconds: (performance.now() - t0) / 1000,
  };
}

export async function writeTrainingSin(res: SinResult, outDir: string): Promise<{ svg: string; json: string }> {
  const colors = ['#9ecae1', '#4292c6', '#08519c', '#000000'];
  const series: PlotSeries[] = [];
  const k100 = res.steps.indexOf(TRAINED_STEP);
  series.push({ name: `±2σ of Σ_s at s = ${TRAINED_STEP} (infinite width)`, kind: 'band', color: '#fdae6b', points: res.grid.map((x, i) => ({ x, y: res.theory.mean[k100]![i]!, err: 2 * res.theory.std[k100]![i]! })) });
  res.steps.forEach((s, k) => {
    series.push({ name: s === 'inf' ? 'μ_∞ (kernel regression)' : `μ_s, s = ${s} steps`, kind: 'line', color: colors[k % colors.length], dash: s === 'inf', points: res.grid.map((x, i) => ({ x, y: res.theory.mean[k]![i]! })) });
  });
  series.push({ name: 'targets y = sin x', kind: 'points', color: '#2ca02c', points: res.train.x.map((x, i) => ({ x, y: res.train.y[i]! })) });
  series.push({ name: `trained, n = ${res.trained.width}, s = ${res.trained.step} (±1 s.e.)`, kind: 'points', color: '#d62728', points: res.trained.x.map((x, i) => ({ x, y: res.trained.mean[i]!, err: res.trained.stderr[i]! })) });
  const svg = join(outDir, 'training-sin.svg');
  const json = join(outDir, 'training-sin.json');
  await writePlot(svg, {
    title: 'Training sin(x): frozen-NTK prediction vs trained networks',
    subtitle: `tanh, C_b = ${res.arch.cb}, C_W = ${res.arch.cw}, two hidden layers; gradient descent, η = 0.95/λ_max = ${res.lr.toPrecision(4)}; ${2 * res.trained.pairs} networks (antithetic pairs)`,
    x: { label: 'x (input (x, 1))' },
    y: { label: 'f(x)' },
    series,
    width: 560,
    height: 340,
  });
  writeFileAtomic(json, JSON.stringify(res, null, 1) + '\n');
  return { svg, json };
}

export function sinTable(res: SinResult): string {
  const f = (x: number): string => x.toFixed(5).padStart(9);
  const lines = [`after ${res.trained.step} steps: trained networks (n = ${res.trained.width}, ${2 * res.trained.pairs} nets) vs infinite width`, '      x   trained mean ± s.e.     ∞-width mean   trained std   ∞-width std'];
  res.trained.x.forEach((x, i) => {
    lines.push(`${x.toFixed(2).padStart(7)}  ${f(res.trained.mean[i]!)} ± ${res.trained.stderr[i]!.toExponential(1)}   ${f(res.trained.theoryMean[i]!)}     ${f(res.trained.std[i]!)}     ${f(res.trained.theoryStd[i]!)}`);
  });
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<SinOptions>('training-sin.ts', process.argv.slice(2), {
    width: { key: 'width', kind: 'int', min: 1 },
    pairs: { key: 'pairs', kind: 'int', min: 2 },
    grid: { key: 'grid', kind: 'int', min: 2 },
    seed: { key: 'seed', kind: 'int', min: 0 },
    out: { key: 'outDir', kind: 'string' },
  });
  const res = await trainingSin(opts);
  const { svg, json } = await writeTrainingSin(res, opts.outDir ?? 'out/training-sin');
  console.log(sinTable(res));
  console.log(`wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
