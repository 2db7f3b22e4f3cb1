/**
 * Data augmentation ↔ group convolutions (Misof, Kessel, Gerken, *Equivariant Neural Tangent Kernels*; Misof,
 * *The Neural Tangent Kernel: Equivariance, Data Augmentation and Corrections from Feynman Diagrams*): an MLP
 * trained on the fully augmented data set {(ρ(g)fᵢ, yᵢ)} and a GCNN with a global lifting filter and group pooling
 * trained on {(fᵢ, yᵢ)} have the same expected prediction at every time, because
 *     Θ^GC(f, f′) = (1/|G|) Σ_g Θ^MLP(f, ρ(g)f′).
 *
 * Setup: C8 acting on periodic signals of length 8 (6 training signals, 4 test signals, label y(f) = Σ_x f(x)f(x+1),
 * an invariant), depth 3, tanh (or --activation), C_b = 0.1, C_W = 1.5, λ_b = λ_W = 1, later GCNN layers local:1.
 * Panels:
 *  (a) Θ^GC(f, f′) against the augmented MLP kernel (1/|G|) Σ_g Θ^MLP(f, ρ(g)f′) for every pair of the 10 signals —
 *      on the diagonal; the GCNN with a local lifting filter (local:1) is not;
 *  (b, c) trained mean of two test signals against time: the augmented MLP (|G|·6 = 48 training points) and the
 *      GCNN (6 points), from the frozen-NTK formula μ_t(x) = Θ(x,X)Θ(X,X)⁻¹(I − e^{−ηΘ(X,X)t})Y for the summed loss
 *      L = ½ Σ ‖f − y‖². With that loss every training signal appears |G| times in the augmented set, so the
 *      augmented MLP at time t equals the GCNN at time |G|t: the GCNN curve is drawn against |G|t. The MLP trained
 *      on the 6 original signals (dashed) is different.
 * The means use a small local solver of the frozen-NTK formula (eigen-decomposition of Θ(X,X)); training of
 * actual networks is not part of this example.
 *
 * Writes out/gcnn-augmentation/gcnn-augmentation.{svg,json}. Run: node bin/run-ts.js examples/gcnn-augmentation.ts
 * Options: --activation tanh --depth 3 --train 6 --test 4 --out DIR
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { solveRecursions } from '../recursions/index.ts';
import { symmetricEigen } from '../src/gaussian/index.ts';
import { parseGroup, transformSignal } from '../src/gcnn/groups.ts';
import { solveGcnnRecursions } from '../src/gcnn/solve.ts';
import { writeFileAtomic, writeGridPlot, type LinePlotSpec } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface AugmentationOptions {
  activation?: string;
  depth?: number;
  /** numbers of training and test signals (default 6 and 4) */
  train?: number;
  test?: number;
  outDir?: string;
}

export interface AugmentationResult {
  activation: string;
  depth: number;
  signals: { train: number[][]; test: number[][]; labels: number[] };
  /** Θ over the signals (train then test): GCNN global lifting, augmented MLP, GCNN local lifting */
  kernels: { gcnn: number[][]; augmentedMlp: number[][]; gcnnLocal: number[][]; maxRelativeDeviation: number; localDeviation: number };
  times: number[];
  /** per test signal: trained means at each time */
  means: { test: number; augmentedMlp: number[]; gcnnAtGt: number[]; plainMlp: number[]; target: number }[];
  /** largest |augmented MLP − GCNN(|G|t)| over test signals and times */
  meanDeviation: number;
  seconds: number;
}

/**
 * μ_t(x) = Θ(x,X) Θ(X,X)⁻¹ (I − e^{−ηΘ(X,X)t}) Y through Θ(X,X) = QΛQᵀ: Σ_k Θ(x,X)q_k (1 − e^{−ηλ_k t})/λ_k q_kᵀY,
 * with (1 − e^{−ηλt})/λ → ηt for λ → 0 (−expm1 keeps it accurate). Frozen-NTK gradient flow of Lee et al. 2019.
 */
export function frozenNtkMean(thetaXX: number[][], thetaxX: number[][], Y: number[], eta: number, times: number[]): number[][] {
  const { values, vectors } = symmetricEigen(thetaXX);
  const n = Y.length;
  const proj = values.map((_, k) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += vectors[i]![k]! * Y[i]!;
    return s;
  });
  return thetaxX.map((row) => {
    const rq = values.map((_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += row[i]! * vectors[i]![k]!;
      return s;
    });
    return times.map((t) => {
      let mu = 0;
      values.forEach((lam, k) => {
        const factor = Math.abs(lam) * eta * t < 1e-12 ? eta * t : -Math.expm1(-eta * lam * t) / lam;
        mu += rq[k]! * factor * proj[k]!;
      });
      return mu;
    });
  });
}

function signal(seed: number): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((Math.sin(1 + 2.3 * seed + 1.1 * i + 0.7 * seed * i) + 0.3 * Math.cos(3 * seed - i)).toFixed(3)));
}

export async function gcnnAugmentation(opts: AugmentationOptions = {}): Promise<AugmentationResult> {
  const t0 = performance.now();
  const activation = opts.activation ?? 'tanh';
  const L = opts.depth ?? 3;
  const G = parseGroup('C8');
  const N = G.order;
  const nTrain = opts.train ?? 6;
  const train = Array.from({ length: nTrain }, (_, i) => signal(i));
  const test = Array.from({ length: opts.test ?? 4 }, (_, i) => signal(nTrain + i));
  const all = [...train, ...test];
  const label = (f: number[]): number => f.reduce((s, x, i) => s + x * f[(i + 1) % N]!, 0);
  const Y = train.map(label);
  const arch = { activation, cb: 0.1, cw: 1.5, lambdaB: 1, lambdaW: 1 };
  const channels = new Array(L).fill(64);
  const support = ['global', ...new Array(L - 1).fill('local:1')];
  const gc = solveGcnnRecursions({ ...arch, group: 'C8', inputs: all, channels, support, quantities: ['Theta'] }).layers[L - 1]!.Theta!;
  const gcLocal = solveGcnnRecursions({ ...arch, group: 'C8', inputs: all, channels, support: ['local:1', ...support.slice(1)], quantities: ['Theta'] }).layers[L - 1]!.Theta!;
  // MLP on every moved signal: index s·|G| + g holds ρ(g)f_s
  const moved = all.flatMap((f) => Array.from({ length: N }, (_, g) => Array.from(transformSignal(G, g, Float64Array.from(f), 1))));
  const mlp = solveRecursions({ ...arch, inputs: moved, widths: channels, quantities: ['Theta'] }).layers[L - 1]!.Theta!;
  const S = all.length;
  const aug = Array.from({ length: S }, (_, a) => Array.from({ length: S }, (_, b) => mlp[a * N]!.slice(b * N, b * N + N).reduce((s, x) => s + x, 0) / N));
  let dev = 0;
  let devLocal = 0;
  let scale = 0;
  for (let a = 0; a < S; a++) for (let b = 0; b < S; b++) {
    scale = Math.max(scale, Math.abs(aug[a]![b]!));
    dev = Math.max(dev, Math.abs(gc[a]![b]! - aug[a]![b]!));
    devLocal = Math.max(devLocal, Math.abs(gcLocal[a]![b]! - aug[a]![b]!));
  }
  // trained means
  const times = Array.from({ length: 41 }, (_, i) => 10 ** (-3 + (5 * i) / 40));
  const eta = 1;
  const nTr = train.length;
  const augIdx = Array.from({ length: nTr * N }, (_, i) => i); // moved signals of the training set come first
  const thetaAugXX = augIdx.map((p) => augIdx.map((q) => mlp[p]![q]!));
  const Yaug = augIdx.map((p) => Y[Math.floor(p / N)]!);
  const muAug = frozenNtkMean(thetaAugXX, test.map((_, t) => augIdx.map((q) => mlp[(nTr + t) * N]![q]!)), Yaug, eta, times);
  const muGc = frozenNtkMean(gc.slice(0, nTr).map((r) => r.slice(0, nTr)), test.map((_, t) => gc[nTr + t]!.slice(0, nTr)), Y, eta, times.map((t) => N * t));
  const plainIdx = Array.from({ length: nTr }, (_, i) => i * N);
  const muPlain = frozenNtkMean(plainIdx.map((p) => plainIdx.map((q) => mlp[p]![q]!)), test.map((_, t) => plainIdx.map((q) => mlp[(nTr + t) * N]![q]!)), Y, eta, times);
  let meanDev = 0;
  muAug.forEach((row, t) => row.forEach((v, i) => (meanDev = Math.max(meanDev, Math.abs(v - muGc[t]![i]!)))));
  return {
    activation,
    depth: L,
    signals: { train, test, labels: Y },
    kernels: { gcnn: gc, augmentedMlp: aug, gcnnLocal: gcLocal, maxRelativeDeviation: dev / scale, localDeviation: devLocal / scale },
    times,
    means: test.map((f, t) => ({ test: t, augmentedMlp: muAug[t]!, gcnnAtGt: muGc[t]!, plainMlp: muPlain[t]!, target: label(f) })),
    meanDeviation: meanDev,
    seconds: (performance.now() - t0) / 1000,
  };
}

export async function writeGcnnAugmentation(res: AugmentationResult, outDir: string): Promise<{ svg: string; json: string }> {
  const S = res.kernels.gcnn.length;
  const pts = (m: number[][]) => Array.from({ length: S * S }, (_, q) => ({ x: res.kernels.augmentedMlp[Math.floor(q / S)]![q % S]!, y: m[Math.floor(q / S)]![q % S]! }));
  const lo = Math.min(...res.kernels.augmentedMlp.flat());
  const hi = Math.max(...res.kernels.augmentedMlp.flat());
  const panels: LinePlotSpec[] = [
    {
      title: '(a) NTK: GCNN against the augmented MLP',
      subtitle: 'every pair of training and test signals',
      x: { label: '(1/|G|) Σ_g Θ^MLP(f, ρ(g)f′)' },
      y: { label: 'Θ^GC(f, f′)' },
      series: [
        { name: 'y = x', kind: 'line', points: [{ x: lo, y: lo }, { x: hi, y: hi }], dash: true },
        { name: `GCNN, global lifting (max dev ${res.kernels.maxRelativeDeviation.toExponential(1)})`, kind: 'points', points: pts(res.kernels.gcnn) },
        { name: `GCNN, local lifting (max dev ${res.kernels.localDeviation.toExponential(1)})`, kind: 'points', points: pts(res.kernels.gcnnLocal) },
      ],
    },
    ...res.means.slice(0, 2).map((m, k): LinePlotSpec => ({
      title: `(${String.fromCharCode(98 + k)}) trained mean, test signal ${m.test + 1} (target ${m.target.toFixed(3)})`,
      x: { label: 'training time t (η = 1)', log: true },
      y: { label: 'expected output μ_t' },
      series: [
        { name: `augmented MLP (${res.signals.train.length * 8} points)`, kind: 'points', points: res.times.map((t, i) => ({ x: t, y: m.augmentedMlp[i]! })).filter((_, i) => i % 2 === 0) },
        { name: `GCNN (${res.signals.train.length} points) at time |G|t`, kind: 'line', points: res.times.map((t, i) => ({ x: t, y: m.gcnnAtGt[i]! })) },
        { name: `MLP on the ${res.signals.train.length} originals`, kind: 'line', dash: true, points: res.times.map((t, i) => ({ x: t, y: m.plainMlp[i]! })) },
      ],
    })),
  ];
  const svg = join(outDir, 'gcnn-augmentation.svg');
  const json = join(outDir, 'gcnn-augmentation.json');
  await writeGridPlot(svg, {
    title: 'Data augmentation ↔ group convolution (C8, frozen NTK)',
    subtitle: `${res.activation}, depth ${res.depth}, C_b = 0.1, C_W = 1.5, λ_b = λ_W = 1; largest |μ_aug(t) − μ_GC(|G|t)| = ${res.meanDeviation.toExponential(1)}`,
    columns: 3,
    panels,
  });
  writeFileAtomic(json, JSON.stringify(res, null, 1) + '\n');
  return { svg, json };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<AugmentationOptions>('gcnn-augmentation.ts', process.argv.slice(2), {
    activation: { key: 'activation', kind: 'string' },
    depth: { key: 'depth', kind: 'int', min: 1 },
    train: { key: 'train', kind: 'int', min: 1 },
    test: { key: 'test', kind: 'int', min: 2 },
    out: { key: 'outDir', kind: 'string' },
  });
  const res = await gcnnAugmentation(opts);
  const { svg, json } = await writeGcnnAugmentation(res, opts.outDir ?? 'out/gcnn-augmentation');
  console.log(`kernels: max |Θ^GC − augmented Θ^MLP| / max Θ = ${res.kernels.maxRelativeDeviation.toExponential(2)} (global lifting), ${res.kernels.localDeviation.toExponential(2)} (local lifting)`);
  console.log('test  target   t      augmented MLP   GCNN(|G|t)   MLP (no augmentation)');
  for (const m of res.means) for (const i of [10, 20, 30, 40]) console.log(`${String(m.test + 1).padStart(4)}  ${m.target.toFixed(3).padStart(6)}  ${res.times[i]!.toExponential(0).padStart(5)}  ${m.augmentedMlp[i]!.toFixed(6).padStart(12)}  ${m.gcnnAtGt[i]!.toFixed(6).padStart(11)}  ${m.plainMlp[i]!.toFixed(6).padStart(11)}`);
  console.log(`largest |μ_aug(t) − μ_GC(|G|t)| = ${res.meanDeviation.toExponential(2)}; wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
