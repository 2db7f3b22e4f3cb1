/**
 * Monte Carlo benchmark, side by side with the NumPy reference in the same run:
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
import { timeBackends } from '../src/montecarlo/backend.ts';
import type { SampledQuantity } from '../src/quantities.ts';

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
  cpuSeconds: number;
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
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

/** cost ratio (reference / ours) of seconds × stderr², for component [0][0][0][0] and the median over components. */
function costRatio(ref: { seconds: number; est: Est }, ours: { seconds: number; est: Est }): { first: number; median: number; seRef: number; seOurs: number } {
  const a = flat(ref.est.stderr);
  const b = flat(ours.est.stderr);
  const r = a.map((sa, i) => (ref.seconds * sa * sa) / (ours.seconds * b[i]! * b[i]!));
  return { first: r[0]!, median: median(r), seRef: a[0]!, seOurs: b[0]! };
}

function fmt(x: number, d = 3): string {
  return Number.isFinite(x) ? (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(d)) : String(x);
}

type Ours = McResult & { cpuSeconds: number };

/** One single-threaded nnft run; cpuSeconds from process.cpuUsage (the machine may be shared). */
async function ours(nets: number, quantities: readonly SampledQuantity[], extra: Record<string, unknown> = {}): Promise<Ours> {
  const c0 = process.cpuUsage();
  const r = await sampleEnsemble({ ...arch, nets, seed: 1, quantities, workers: 1, ...extra });
  const c = process.cpuUsage(c0);
  return { ...r, cpuSeconds: (c.user + c.system) / 1e6 };
}

async function tensorBackends(): Promise<string[]> {
  const { timings, notes } = await timeBackends();
  const lines = timings.map(
    (t) =>
      `${t.backend.padEnd(22)} ${fmt(t.microsPerProduct, 4).padStart(7)} µs per 64³ product  ${fmt(t.gflops).padStart(6)} GFLOP/s (${t.precision})` +
      (t.microsSingleOp !== undefined ? `; one unbatched op with dispatch + readback ${fmt(t.microsSingleOp, 4)} µs` : ''),
  );
  return lines.concat(notes);
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
  console.log('   path                          nets/s     stderr V4[0][0][0][0]   time-to-equal-error ratio vs NumPy (component 0000 / median)');
  const L = 3;
  const row = (name: string, r: Ours, est: Est) => {
    const c = npPre ? costRatio({ seconds: npPre.seconds, est: npPre.layers[L]!.V4! }, { seconds: r.meta.seconds, est }) : null;
    const cc = npPre ? costRatio({ seconds: npPre.cpuSeconds, est: npPre.layers[L]!.V4! }, { seconds: r.cpuSeconds, est }) : null;
    console.log(`   ${name.padEnd(30)}${fmt(r.meta.netsPerSecond).padStart(8)}   ${fmt(flat(est.stderr)[0]!).padStart(12)}            ${c && cc ? `wall ${fmt(c.first)}× / ${fmt(c.median)}×   CPU ${fmt(cc.first)}× / ${fmt(cc.median)}×` : ''}`);
    return c && cc ? { wall: c, cpu: cc } : null;
  };
  if (npPre) console.log(`   ${'NumPy full weights (direct)'.padEnd(30)}${fmt(npPre.netsPerSecond).padStart(8)}   ${fmt(flat(npPre.layers[L]!.V4!.stderr)[0]!).padStart(12)}            1×`);
  const cFast = row('nnft fast path (conditional)', fast, fast.layers[L]!.V4 as Est);
  row('nnft full weights (direct)', full, full.layers[L]!.V4 as Est);
  if (cFast) {
    const best = Math.min(cFast.wall.median, cFast.cpu.median);
    console.log(`   → time to the same V4 error: nnft fast path is ${fmt(cFast.wall.median)}× (wall) / ${fmt(cFast.cpu.median)}× (CPU) faster than NumPy (goal ≥ 20×) ${best >= 20 ? 'PASS' : 'FAIL'}`);
  }

  // 2. NTK statistics
  const ntkQ: SampledQuantity[] = ['K', 'V4', 'Theta', 'A', 'B', 'D', 'F'];
  const npNtk = reference('ntk', Math.round(300 * scale));
  const ntk = await ours(Math.round(1500 * scale), ntkQ);
  const ntkDirect = await ours(Math.round(300 * scale), ntkQ, { estimator: 'direct' });
  console.log('\n2. empirical-NTK statistics at layer 4 (cost ratio vs NumPy: component 0000 / median over components)');
  console.log(`   NumPy full weights (direct)     ${npNtk ? fmt(npNtk.netsPerSecond) : '—'} nets/s (CPU ${npNtk ? fmt(npNtk.cpuSeconds) : '—'} s for ${npNtk?.nets} nets, wall ${npNtk ? fmt(npNtk.seconds) : '—'} s)`);
  console.log(`   nnft (conditional estimators)   ${fmt(ntk.meta.netsPerSecond)} nets/s (CPU ${fmt(ntk.cpuSeconds)} s for ${ntk.meta.nets} nets)`);
  console.log(`   nnft (direct estimators)        ${fmt(ntkDirect.meta.netsPerSecond)} nets/s (CPU ${fmt(ntkDirect.cpuSeconds)} s for ${ntkDirect.meta.nets} nets)`);
  let worst = Infinity;
  for (const q of ['A', 'B', 'D', 'F'] as const) {
    if (!npNtk) break;
    const c = costRatio({ seconds: npNtk.seconds, est: npNtk.layers[L]![q]! }, { seconds: ntk.meta.seconds, est: ntk.layers[L]![q]! as Est });
    const cc = costRatio({ seconds: npNtk.cpuSeconds, est: npNtk.layers[L]![q]! }, { seconds: ntk.cpuSeconds, est: ntk.layers[L]![q]! as Est });
    const d = costRatio({ seconds: npNtk.cpuSeconds, est: npNtk.layers[L]![q]! }, { seconds: ntkDirect.cpuSeconds, est: ntkDirect.layers[L]![q]! as Est });
    worst = Math.min(worst, c.median, cc.median);
    console.log(`   ${q}: conditional wall ${fmt(c.first)}× / ${fmt(c.median)}×, CPU ${fmt(cc.first)}× / ${fmt(cc.median)}×   direct CPU ${fmt(d.first)}× / ${fmt(d.median)}×   (stderr 0000: NumPy ${fmt(c.seRef)} with ${npNtk.nets} nets, nnft ${fmt(c.seOurs)} with ${ntk.meta.nets})`);
  }
  if (npNtk) console.log(`   → NTK statistics: nnft is ${fmt(worst)}× NumPy's speed at equal error (worst of A, B, D, F, wall and CPU; goal ≥ 1×) ${worst >= 1 ? 'PASS' : 'FAIL'}`);

  console.log('\n3. tensor backends for the NTK product (64×64 · 64×64ᵀ)');
  for (const line of await tensorBackends()) console.log(`   ${line}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
