/**
 * Trained-ensemble throughput, side by side with a NumPy full-batch trainer of the same networks
 * (bench/training_reference.py, one network at a time, BLAS matrix products on one thread:
 * OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = OMP_NUM_THREADS = 1).
 *
 * Setting of record: tanh (C_b = 0.1, C_W = 1.5), two hidden layers of width n, one output, 8 training points
 * (x on [−3, 3], inputs (x, 1), y = sin x), 5 test points, 100 gradient-descent steps with η = 0.95/λ_max.
 * Reported: network·steps per second by wall clock and by CPU time (the machine may be shared), for nnft on one
 * thread (the per-network kernels), nnft on all cores (worker threads, as `nnft train --nets`), and NumPy.
 * Before timing, three identical initial networks are trained by both and their test predictions compared.
 *   npm run bench -- training          NNFT_BENCH_SCALE=k multiplies the network counts
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableCores } from '../src/resources.ts';
import { NetworkState, flopsPerStep } from '../src/training/network.ts';
import { buildTrainPlan, trainEnsembleState, type TrainEnsembleSpec } from '../src/training/ensemble.ts';
import { predictInfiniteWidth } from '../src/training/theory.ts';

const here = dirname(fileURLToPath(import.meta.url));
const scale = Number(process.env.NNFT_BENCH_SCALE ?? 1);
const xs = Array.from({ length: 8 }, (_, i) => -3 + (6 * i) / 7);
const data = { trainInputs: xs.map((x) => [x, 1]), trainTargets: xs.map((x) => [Math.sin(x)]), testInputs: [-2.4, -1.1, 0.2, 1.3, 2.6].map((x) => [x, 1]) };
const arch = { activation: 'tanh', cb: 0.1, cw: 1.5, lambdaB: 1, lambdaW: 1 };
const STEPS = 100;

function python(input: unknown): unknown {
  const r = spawnSync('python3', [join(here, 'training_reference.py')], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`NumPy reference failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

const fmt = (x: number, d = 3): string => (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-2 ? x.toExponential(2) : x.toPrecision(d));

export async function main(): Promise<void> {
  const lr = 0.95 / predictInfiniteWidth({ ...arch, widths: [8, 8, 1], ...data, lr: 1, schedule: { kind: 'flow', times: [0] } }).meta.conditioning.lambdaMax;
  const refCommon = { activation: 'tanh', X: data.trainInputs, Y: data.trainTargets, T: data.testInputs, lr, lb: [1, 1, 1], lw: [1, 1, 1], cb: arch.cb, cw: arch.cw };
  console.log(`tanh (C_b = ${arch.cb}, C_W = ${arch.cw}), two hidden layers of n, 8 training points, ${STEPS} steps of gradient descent, η = ${fmt(lr, 4)}; cores: ${availableCores()}\n`);
  console.log('   n   nets   nnft 1 thread: wall / CPU        nnft all cores (workers): wall   NumPy 1 thread: wall / CPU       GFLOP/s (nnft CPU)   same networks: max |Δf|');
  for (const n of [64, 256, 1024]) {
    const spec: TrainEnsembleSpec = { ...arch, widths: [n, n, 1], ...data, lr, steps: [STEPS], nets: 2, seed: 1, antithetic: false };
    const plan = buildTrainPlan(spec);
    const net = new NetworkState(plan);
    // the same three initial networks in both implementations
    const params: number[][][] = [];
    const ours: number[][] = [];
    for (const k of [0, 1, 2]) {
      net.init(1, k, 1);
      params.push(net.W.flatMap((w, l) => [Array.from(w), Array.from(net.b[l]!)]));
      net.train('bench network');
      ours.push(Array.from(net.out));
    }
    const ref = python({ ...refCommon, mode: 'check', widths: plan.widths, steps: STEPS, params }) as number[][][];
    const dmax = Math.max(...ref.flatMap((r, k) => r.flat().map((v, q) => Math.abs(v - ours[k]![q]!))));
    const nets = Math.max(2, Math.round(((n === 64 ? 400 : n === 256 ? 40 : 4) * scale) / 2) * 2);
    // nnft, one thread (the per-network kernels, no workers)
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let k = 0; k < nets; k++) {
      net.init(1, k, 1);
      net.train('bench network');
    }
    const c = process.cpuUsage(c0);
    const wall1 = (performance.now() - t0) / 1000;
    const cpu1 = (c.user + c.system) / 1e6;
    // nnft on all cores, as `nnft train --nets` runs it (worker start-up included)
    const many = nets * availableCores();
    const st = await trainEnsembleState({ ...spec, nets: many, theory: false, workers: availableCores() });
    const np = python({ ...refCommon, mode: 'time', widths: plan.widths, steps: STEPS, nets }) as { seconds: number; cpuSeconds: number; netStepsPerSecond: number };
    const rate = (k: number, s: number): number => (k * STEPS) / s;
    const gflops = (flopsPerStep(plan) * STEPS * nets) / cpu1 / 1e9;
    console.log(
      `${String(n).padStart(5)} ${String(nets).padStart(6)}   ${fmt(rate(nets, wall1)).padStart(8)} / ${fmt(rate(nets, cpu1)).padStart(8)} net·steps/s` +
        `   ${fmt(rate(many, st.seconds)).padStart(8)} net·steps/s (${st.workers} workers, ${many} nets)` +
        `   ${fmt(np.netStepsPerSecond).padStart(8)} / ${fmt(rate(nets, np.cpuSeconds)).padStart(8)} net·steps/s` +
        `   ${fmt(gflops).padStart(6)}               ${dmax.toExponential(1)}`,
    );
    console.log(`        → nnft / NumPy, one thread each: ${fmt(rate(nets, wall1) / np.netStepsPerSecond)}× (wall), ${fmt(rate(nets, cpu1) / rate(nets, np.cpuSeconds))}× (CPU)`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
