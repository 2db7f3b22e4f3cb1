/**
 * Benchmark of the infinite-width kernels of group-convolutional networks (src/gcnn/kernels.ts), run by
 * `npm run bench -- gcnn`: nnft's K and Θ on (input, group element) pairs against a plain NumPy implementation of
 * the same recursions (bench/gcnn_reference.py: every pair of pairs, brute-force 2-D Gauss–Hermite with 64 nodes
 * per dimension, no orbit reduction, no caching), side by side in one run, with the agreement of the two (against
 * a 128-node NumPy run for the smaller cases: 64 nodes are accurate to ≈1e-8 only for tanh at these variances).
 *
 * nnft: cold = first solve in this process (compilation, calibration), warm = median of 5 later solves with the
 * process-wide expectation memo cleared in between (a solve of new inputs). NumPy: first solve and median of 3
 * solves in one python3 process. Times are wall clock on whatever machine runs it (shared machines distort both
 * columns alike).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeGcnn, type GcnnSpec } from '../src/gcnn/architecture.ts';
import { clearSharedPairExpectations, gcnnKernels } from '../src/gcnn/kernels.ts';

const here = dirname(fileURLToPath(import.meta.url));

function image(N: number, seed: number): number[][] {
  return Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, j) => Number(Math.sin(0.7 + seed * 1.9 + 1.3 * i + 0.8 * j + 0.37 * i * j * (seed + 1)).toFixed(3))));
}
function signal(N: number, seed: number): number[] {
  return Array.from({ length: N }, (_, i) => Number((0.9 * Math.sin(1.3 + seed * 2.1 + 1.7 * i + 0.4 * seed * i)).toFixed(3)));
}

const CASES: { name: string; spec: GcnnSpec }[] = [
  { name: 'C8, 4 signals, depth 4, global lifting', spec: { activation: 'tanh', group: 'C8', inputs: [0, 1, 2, 3].map((s) => signal(8, s)), channels: [64, 64, 64, 64], support: ['global', 'local:1', 'local:1', 'global'], cb: 0.1, cw: 1.5 } },
  { name: 'C8, 4 signals, depth 4, local supports', spec: { activation: 'tanh', group: 'C8', inputs: [0, 1, 2, 3].map((s) => signal(8, s)), channels: [64, 64, 64, 64], support: 'local:1', cb: 0.1, cw: 1.5 } },
  { name: 'p4:4, 2 images, depth 3, local supports', spec: { activation: 'tanh', group: 'p4:4', inputs: [image(4, 1), image(4, 2)], channels: [32, 32, 32], support: 'local:1', cb: 0.1, cw: 1.5 } },
  { name: 'p4:6, 2 images, depth 3, global lifting', spec: { activation: 'erf', group: 'p4:6', inputs: [image(6, 1), image(6, 2)], channels: [32, 32, 32], support: ['global', 'local:1', 'local:1'], cb: 0.1, cw: 1.5 } },
];

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, (performance.now() - t0) / 1000];
}

function python(spec: GcnnSpec, repeats: number, nodes = 64): { seconds: number; median: number; layers: { K: number[][]; Theta: number[][] }[] } | string {
  const r = spawnSync('python3', [join(here, 'gcnn_reference.py'), JSON.stringify(spec), String(nodes), String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) return (r.stderr || r.error?.message || 'failed').split('\n').slice(-2).join(' ');
  return JSON.parse(r.stdout);
}

export async function main(): Promise<void> {
  const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
  const rows: string[][] = [];
  for (const c of CASES) {
    const ns = normalizeGcnn(c.spec);
    clearSharedPairExpectations();
    const [res, cold] = time(() => gcnnKernels(ns, { theta: true }));
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      clearSharedPairExpectations();
      runs.push(time(() => gcnnKernels(ns, { theta: true }))[1]);
    }
    const warm = runs.sort((a, b) => a - b)[2]!;
    const M = ns.pairs;
    const py = python(c.spec, 3);
    if (typeof py === 'string') {
      rows.push([c.name, `${M} pairs, ${res.orbits} orbits of ${M * M}`, `${fmt(warm)} / ${fmt(cold)}`, `NumPy unavailable: ${py}`, '', '']);
      continue;
    }
    // accuracy against 128 Gauss–Hermite nodes where that is affordable (64 nodes are good to ≈1e-8 for tanh at
    // these variances, 128 to ≈1e-12), else against the timed 64-node run
    const fine = M <= 128 ? python(c.spec, 1, 128) : py;
    const ref = typeof fine === 'string' ? py : fine;
    let dev = 0;
    ref.layers.forEach((l, i) => {
      for (const [a, b] of [[res.K[i]!, l.K.flat()], [res.Theta![i]!, l.Theta.flat()]] as const) {
        let scale = 0;
        for (const x of b) scale = Math.max(scale, Math.abs(x));
        for (let q = 0; q < b.length; q++) dev = Math.max(dev, Math.abs(a[q]! - b[q]!) / scale);
      }
    });
    rows.push([c.name, `${M} pairs, ${res.orbits} orbits of ${M * M}`, `${fmt(warm)} / ${fmt(cold)}`, `${fmt(py.median)} / ${fmt(py.seconds)}`, `${(py.median / warm).toFixed(1)}×`, `${dev.toExponential(1)} (${ref === py ? 64 : 128} nodes)`]);
  }
  const head = ['case (tanh/erf, K and Θ)', 'work', 'nnft warm / cold', 'NumPy median / 1st', 'speed-up (warm)', 'max rel. diff'];
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]): string => r.map((s, j) => (s ?? '').padEnd(w[j]!)).join(' | ');
  console.log(line(head));
  console.log(w.map((x) => '-'.repeat(x)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
