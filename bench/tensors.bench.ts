/**
 * Benchmark of the O(1/n) tensors over many inputs, run by `npm run bench -- tensors`.
 *
 * 1. Scaling in m: tanh (C_b = 0, C_W = 1), depth 10, width 64, m random inputs in 3-D (fixed seed), the whole
 *    `node bin/nnft.js recursions … --format npy` process (every layer's tensors written as NumPy files; JSON of
 *    m = 32 exceeds the JSON output limit) for the two sets K,Θ,V4,K1 and Θ1,A,B,D,F: wall time, CPU time
 *    (user + sys, all threads; a loaded machine distorts it less than the wall time) and peak resident memory
 *    (from /usr/bin/time), next to the solver's own memory estimate (recursions/memory.ts, with the CLI's threads; a started
 *    process itself takes ~85 MB). Targets: K,Θ,V4,K1 at
 *    m = 32 and Θ1,A,B,D,F at m = 16 within 60 s, < 4 GB.
 * 2. Scaling in depth: K,Θ,V4,K1 at m = 8, depth 2 … 20.
 * 3. The reference side by side: the lattice rule (src/gaussian/lattice.ts) against the node-by-node nested
 *    trapezoid rule it replaced (σ evaluated at every node), on every four-input subset of one layer's kernel
 *    (m = 8, layer 5): time per subset for ⟨σσσσ⟩ and for the eight NTK integrands, and the largest difference.
 * The load average is printed with every table: the machine is shared, and wall times are only comparable
 * within one run. NNFT_BENCH_TENSORS_MAX_M (default 32) bounds m of the first set, NNFT_BENCH_TENSORS_MAX_M2
 * (default: the smaller of that bound and 16) m of the second; a size whose run exceeds 15 minutes ends its series.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { solveRecursions } from '../recursions/index.ts';
import { defaultWorkers } from '../recursions/parallel.ts';
import { estimateSolveMemory } from '../recursions/memory.ts';
import { getActivation } from '../src/activations/index.ts';
import { makeLayerExpectationStore, pivotedCholesky } from '../src/gaussian/index.ts';
import { Calibration, smoothProduct } from '../src/gaussian/smooth.ts';
import { withDependencies, type QuantityName } from '../src/quantities.ts';
import { formatBytes } from '../src/resources.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const SET1: QuantityName[] = ['K', 'Theta', 'V4', 'K1'];
const SET2: QuantityName[] = ['Theta1', 'A', 'B', 'D', 'F'];

/** m inputs in 3-D, uniform in [−1.2, 1.2]³ (a linear congruential sequence, seed 2026). */
function inputs3d(m: number): number[][] {
  let s = 2026;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: m }, () => [0, 0, 0].map(() => Math.round((2.4 * u() - 1.2) * 1e4) / 1e4));
}

const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

interface Run {
  wall: number;
  cpu: number;
  /** peak resident set, bytes */
  rss: number;
}

/** One `nnft recursions` process: wall, CPU (user + sys) and peak RSS from /usr/bin/time (NaN without it). */
function runCli(m: number, depth: number, quantities: QuantityName[], limitSeconds: number): Run | null {
  const out = mkdtempSync(join(tmpdir(), 'nnft-bench-'));
  const args = ['bin/nnft.js', 'recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', Array(depth).fill(64).join(','), '--inputs', JSON.stringify(inputs3d(m)), '--quantities', quantities.join(','), '--format', 'npy', '--out', out, '--quiet'];
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', 'nnft-bench-time %U %S %M', process.execPath, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, timeout: limitSeconds * 1000 })
    : spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, timeout: limitSeconds * 1000 });
  const wall = (performance.now() - t0) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (r.error || r.status !== 0) {
    console.log(`  m = ${m}, depth ${depth}: ${r.error ? `stopped after ${wall.toFixed(0)} s` : (r.stderr ?? '').split('\n').filter(Boolean).slice(-1)[0]}`);
    return null;
  }
  const t = /nnft-bench-time ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
  return { wall, cpu: t ? Number(t[1]) + Number(t[2]) : NaN, rss: t ? Number(t[3]) * 1024 : NaN };
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

function scalingInM(quantities: QuantityName[], ms: number[], target: string): void {
  console.log(`\n${quantities.join(',')} — tanh, depth 10, width 64, inputs in 3-D; ${target}; load average ${load()}`);
  console.log(`${pad('m', 4)} ${pad('wall s', 9)} ${pad('CPU s', 9)} ${pad('peak RSS', 10)} ${pad('estimate', 10)}   (peak RSS includes the ~85 MB of a started process; the estimate does not)`);
  for (const m of ms) {
    const r = runCli(m, 10, quantities, 900);
    if (!r) break;
    // as the CLI estimates it: its threads, NumPy output
    const est = estimateSolveMemory(m, quantities, withDependencies(quantities), 10, { threads: 1 + defaultWorkers(), json: false });
    console.log(`${pad(m, 4)} ${pad(r.wall.toFixed(1), 9)} ${pad(r.cpu.toFixed(1), 9)} ${pad(formatBytes(r.rss), 10)} ${pad(formatBytes(est), 10)}`);
  }
}

function scalingInDepth(): void {
  console.log(`\nK,Theta,V4,K1 — tanh, m = 8, width 64: time vs depth; load average ${load()}`);
  console.log(`${pad('depth', 6)} ${pad('wall s', 9)} ${pad('CPU s', 9)} ${pad('peak RSS', 10)}`);
  for (const depth of [2, 5, 10, 20]) {
    const r = runCli(8, depth, SET1, 900);
    if (!r) break;
    console.log(`${pad(depth, 6)} ${pad(r.wall.toFixed(1), 9)} ${pad(r.cpu.toFixed(1), 9)} ${pad(formatBytes(r.rss), 10)}`);
  }
}

/** The lattice rule against the node-by-node rule on every four-input subset of one layer's kernel. */
function latticeVsNodeByNode(): void {
  const m = 8;
  const act = getActivation('tanh');
  let K: number[][] = [];
  solveRecursions({ activation: 'tanh', cb: 0, cw: 1, widths: Array(5).fill(64), inputs: inputs3d(m), quantities: ['K'] }, {
    onLayer: (l, t) => {
      if (l === 5) K = Array.from({ length: m }, (_, a) => Array.from(t.K!.subarray(a * m, (a + 1) * m)));
    },
  });
  const subsets: number[][] = [];
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) for (let c = b + 1; c < m; c++) for (let d = c + 1; d < m; d++) subsets.push([a, b, c, d]);
  const V4: number[][][] = [[[0], [0], [0], [0]]];
  const NTK: number[][][] = [[[0], [0], [0], [0]], [[0], [0], [1], [1]], [[0], [1], [0], [1]], [[0], [1], [1], [0]], [[1], [0], [0], [1]], [[1], [0], [1], [0]], [[1], [1], [0], [0]], [[1], [1], [1], [1]]];
  const cal = new Calibration(act, 1e-8);
  console.log(`\nfour-input expectations of one layer (tanh, m = ${m}, layer 5, ${subsets.length} subsets of rank 4); load average ${load()}`);
  console.log(`${pad('integrands', 11)} ${pad('lattice µs/subset', 18)} ${pad('node-by-node µs/subset', 23)} ${pad('ratio', 6)} ${pad('max |Δ|', 9)}`);
  for (const [name, patterns] of [['⟨σσσσ⟩', V4], ['8 (NTK)', NTK]] as const) {
    // warm both (JIT), then time
    const lattice = (): Float64Array[] => {
      const store = makeLayerExpectationStore(act, K);
      return subsets.map((s) => store.batch(s, patterns as number[][][]));
    };
    const nodeByNode = (): number[][] =>
      subsets.map((s) => {
        const { L, perm, rank } = pivotedCholesky(s.map((a) => s.map((b) => K[a]![b]!)), 1e-13);
        return (patterns as number[][][]).map((orders) => {
          const gs = orders.map((ks) => (z: number): number => ks.reduce((p, k) => p * (k === 0 ? act.f(z) : act.derivative(k)(z)), 1));
          return smoothProduct({ gs: perm.map((p) => gs[p]!), L, rank }, cal, 1e-8, { act, desc: 'bench', power: 1 });
        });
      });
    // the lattice rule: best of 3 after 3 warm-up passes (JIT); the node-by-node rule once (it is slow)
    for (let r = 0; r < 3; r++) lattice();
    let a: Float64Array[] = [];
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      a = lattice();
      best = Math.min(best, performance.now() - t);
    }
    const t1 = performance.now();
    const b = nodeByNode();
    const t2 = performance.now();
    let worst = 0;
    a.forEach((v, i) => v.forEach((x, p) => (worst = Math.max(worst, Math.abs(x - b[i]![p]!)))));
    const la = (best * 1000) / subsets.length;
    const nb = ((t2 - t1) * 1000) / subsets.length;
    console.log(`${pad(name, 11)} ${pad(la.toFixed(0), 18)} ${pad(nb.toFixed(0), 23)} ${pad((nb / la).toFixed(1), 6)} ${pad(worst.toExponential(1), 9)}`);
  }
}

export async function main(): Promise<void> {
  const maxM = Number(process.env.NNFT_BENCH_TENSORS_MAX_M ?? 32);
  const maxM2 = Number(process.env.NNFT_BENCH_TENSORS_MAX_M2 ?? Math.min(maxM, 16));
  const ms = (limit: number): number[] => [2, 4, 8, 12, 16, 24, 32].filter((m) => m <= limit);
  latticeVsNodeByNode();
  scalingInM(SET1, ms(maxM), 'target ≤ 60 s at m = 32, < 4 GB');
  scalingInM(SET2, ms(maxM2), 'target ≤ 60 s at m = 16, < 4 GB');
  scalingInDepth();
}
