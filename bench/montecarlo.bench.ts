/**
 * Monte Carlo benchmark (issue 5), side by side with the NumPy reference in the same run:
 *   ReLU (C_b = 0, C_W = 2), widths 64,64,64,64, two inputs.
 *   1. Preactivation statistics K, V4: NumPy full weight matrices (bench/montecarlo_reference.py) vs the nnft
 *      fast path (conditional Gaussian + Rao–Blackwellised estimators) and the nnft full-weight sampler with
 *      the same direct estimators as NumPy. Compared by the time to reach the same standard error on V4 at
 *      the last layer: cost = seconds × stderr² (time ∝ 1/stderr²). Goal: ≥ 20× faster than NumPy.
 *   2. Empirical-NTK statistics A, B, D, F: NumPy (exact forward recursion with batched matmul) vs nnft;
 *      same cost measure. Goal: no slower than NumPy.
 *   3. Tensor backends: a 64×64·64×64ᵀ product (the NTK kernel) in TFJS (cpu, wasm; tfjs-node is not
 *      installable here) vs the hand-written Float64Array kernel the sampler uses.
 * Single-threaded on both sides (NumPy may use BLAS threads). NNFT_BENCH_SCALE=k multiplies network counts.
 *   npm run bench -- montecarlo
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleEnsemble, type McResult } from '../src/montecarlo/index.ts';
import { gemmABt } from '../src/montecarlo/sampler.ts';

const here = dirname(fileURLToPath(import.meta.url));
const scale = Number(process.env.NNFT_BENCH_SCALE ?? 1);
const arch = { activation: 'relu', cb: 0, cw: 2, widths: [64, 64, 64, 64], inputs: [[1, 0], [0.3, 0.8]] };

interface Est {
  mean: unknown;
  stderr: unknown;
}
interface RefResult {
  nets: number;
  seconds: number;
  netsPerSecond: number;
  layers: Record<string, Est>[];
}

function reference(mode: 'preact' | 'ntk', nets: number): RefResult | null {
  const r = spawnSync('python3', [join(here, 'montecarlo_reference.py'), '--mode', mode, '--nets', String(nets), '--batch', mode === 'ntk' ? '50' : '500', '--widths', arch.widths.join(','), '--inputs', JSON.stringify(arch.inputs)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    console.log(`NumPy reference failed (${mode}): ${r.stderr || r.error}`);
    return null;
  }
  return JSON.parse(r.stdout) as RefResult;
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? (x as unknown[]).flatMap(flat) : [x as number]);
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

/** cost ratio (reference / ours) of seconds × stderr², for component [0][0][0][0] and the median over components. */
function costRatio(ref: { seconds: number; est: Est }, ours: { seconds: number; est: Est }): { first: number; median: number; seRef: number; seOurs: number } {
  const a = flat(ref.est.stderr);
  const b = flat(ours.est.stderr);
  const r = a.map((sa, i) => (ref.seconds * sa * sa) / (ours.seconds * b[i] * b[i]));
  return { first: r[0], median: median(r), seRef: a[0], seOurs: b[0] };
}

function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(d)) : String(x);
}

async function ours(nets: number, quantities: string[], extra: Record<string, unknown> = {}): Promise<McResult> {
  return sampleEnsemble({ ...arch, nets, seed: 1, quantities: quantities as never, workers: 1, ...extra });
}

async function tensorBackends(): Promise<string[]> {
  const lines: string[] = [];
  const n = 64;
  const batch = 32;
  const flops = 2 * n * n * n;
  const a64 = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const c64 = new Float64Array(n * n);
  for (let k = 0; k < 50; k++) gemmABt(a64, a64, c64, n, n, n, n, 0, false);
  let t0 = performance.now();
  const reps = 400;
  for (let k = 0; k < reps; k++) gemmABt(a64, a64, c64, n, n, n, n, 0, false);
  let dt = (performance.now() - t0) / reps;
  lines.push(`hand-written Float64Array gemmABt   ${fmt((dt * 1000), 4)} µs per 64³ product   ${fmt(flops / dt / 1e6)} GFLOP/s (float64)`);
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const backends: string[] = ['cpu'];
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      backends.push('wasm');
    } catch {
      lines.push('tfjs-backend-wasm: not loadable');
    }
    try {
      // optional; not installable in this environment
      await import('@tensorflow/tfjs-node' as string);
      backends.unshift('tensorflow');
    } catch {
      lines.push('@tensorflow/tfjs-node: not installed (optional dependency)');
    }
    for (const be of backends) {
      try {
        if (!(await tf.setBackend(be))) throw new Error('setBackend returned false');
        await tf.ready();
        const x = tf.tensor3d(Float32Array.from({ length: batch * n * n }, (_, i) => Math.sin(i)), [batch, n, n]);
        for (let k = 0; k < 3; k++) {
          const y = tf.matMul(x, x, false, true);
          await y.data();
          y.dispose();
        }
        t0 = performance.now();
        const r2 = 10;
        for (let k = 0; k < r2; k++) {
          const y = tf.matMul(x, x, false, true);
          await y.data();
          y.dispose();
        }
        dt = (performance.now() - t0) / r2 / batch;
        const s = tf.tensor2d(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)), [n, n]);
        t0 = performance.now();
        for (let k = 0; k < 100; k++) {
          const y = tf.matMul(s, s, false, true);
          y.dataSync();
          y.dispose();
        }
        const single = (performance.now() - t0) / 100;
        lines.push(`tfjs ${be.padEnd(6)} batched ${batch}×64³: ${fmt(dt * 1000, 4)} µs per product ${fmt(flops / dt / 1e6)} GFLOP/s (float32); one 64³ op incl. dispatch + readback ${fmt(single * 1000, 4)} µs`);
        x.dispose();
        s.dispose();
      } catch (e) {
        lines.push(`tfjs ${be}: failed (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  } catch (e) {
    lines.push(`tfjs: not loadable (${e instanceof Error ? e.message : String(e)})`);
  }
  return lines;
}

export async function main(): Promise<void> {
  console.log('ReLU (C_b=0, C_W=2), widths 64,64,64,64, inputs [[1,0],[0.3,0.8]]; single thread on our side\n');
  // warm-up (JIT, module loading) outside the timings
  await ours(200, ['K', 'V4']);
  await ours(10, ['K', 'V4', 'Theta', 'A', 'B', 'D', 'F']);

  // 1. preactivations
  const npPre = reference('preact', Math.round(4000 * scale));
  const fast = await ours(Math.round(100000 * scale), ['K', 'V4']);
  const full = await ours(Math.round(4000 * scale), ['K', 'V4'], { sampler: 'full', estimator: 'direct' });
  console.log('1. preactivation statistics (V4 at layer 4)');
  console.log('   path                          nets/s     stderr V4[0][0][0][0]   cost ratio vs NumPy (component 0000 / median)');
  const L = 3;
  const row = (name: string, r: { netsPerSecond: number; seconds: number }, est: Est) => {
    const c = npPre ? costRatio({ seconds: npPre.seconds, est: npPre.layers[L].V4 }, { seconds: r.seconds, est }) : null;
    console.log(`   ${name.padEnd(30)}${fmt(r.netsPerSecond).padStart(8)}   ${fmt(flat(est.stderr)[0]).padStart(12)}            ${c ? `${fmt(c.first)}× / ${fmt(c.median)}×` : ''}`);
    return c;
  };
  if (npPre) console.log(`   ${'NumPy full weights (direct)'.padEnd(30)}${fmt(npPre.netsPerSecond).padStart(8)}   ${fmt(flat(npPre.layers[L].V4.stderr)[0]).padStart(12)}            1×`);
  const cFast = row('nnft fast path (conditional)', fast.meta, fast.layers[L].V4 as Est);
  row('nnft full weights (direct)', full.meta, full.layers[L].V4 as Est);
  if (cFast) console.log(`   → time to the same V4 error: nnft fast path is ${fmt(cFast.median)}× faster than NumPy (goal ≥ 20×) ${cFast.median >= 20 ? 'PASS' : 'FAIL'}`);

  // 2. NTK statistics
  const ntkQ = ['K', 'V4', 'Theta', 'A', 'B', 'D', 'F'];
  const npNtk = reference('ntk', Math.round(300 * scale));
  const ntk = await ours(Math.round(1500 * scale), ntkQ);
  const ntkDirect = await ours(Math.round(300 * scale), ntkQ, { estimator: 'direct' });
  console.log('\n2. empirical-NTK statistics at layer 4 (cost ratio vs NumPy: component 0000 / median over components)');
  console.log(`   NumPy full weights (direct)     ${npNtk ? fmt(npNtk.netsPerSecond) : '—'} nets/s`);
  console.log(`   nnft (conditional estimators)   ${fmt(ntk.meta.netsPerSecond)} nets/s`);
  console.log(`   nnft (direct estimators)        ${fmt(ntkDirect.meta.netsPerSecond)} nets/s`);
  let worst = Infinity;
  for (const q of ['A', 'B', 'D', 'F'] as const) {
    if (!npNtk) break;
    const c = costRatio({ seconds: npNtk.seconds, est: npNtk.layers[L][q] }, { seconds: ntk.meta.seconds, est: ntk.layers[L][q] as Est });
    const d = costRatio({ seconds: npNtk.seconds, est: npNtk.layers[L][q] }, { seconds: ntkDirect.meta.seconds, est: ntkDirect.layers[L][q] as Est });
    worst = Math.min(worst, c.median);
    console.log(`   ${q}: conditional ${fmt(c.first)}× / ${fmt(c.median)}×   direct ${fmt(d.first)}× / ${fmt(d.median)}×   (stderr 0000: NumPy ${fmt(c.seRef)} with ${npNtk.nets} nets, nnft ${fmt(c.seOurs)} with ${ntk.meta.nets})`);
  }
  if (npNtk) console.log(`   → NTK statistics: nnft is ${fmt(worst)}× NumPy's speed at equal error (worst of A, B, D, F; goal ≥ 1×) ${worst >= 1 ? 'PASS' : 'FAIL'}`);

  console.log('\n3. tensor backends for the NTK product (64×64 · 64×64ᵀ)');
  for (const line of await tensorBackends()) console.log(`   ${line}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
