/**
 * Benchmark of the many-input kernel engine (src/kernels), run by `npm run bench -- kernels`. Whole processes side
 * by side in one run: `node bin/nnft.js recursions … --quantities K,Theta --format npy` against NumPy references
 * (bench/kernels_reference.py), each measured by the same launcher (wall time, CPU time, peak RSS of the child).
 *
 * 1. ReLU, m = 10,000 seeded standard-normal inputs in 10-D, 10 layers (C_b = 0.1, C_W = 2), K and Θ of the last
 *    layer to .npy: nnft against the NumPy arc-cosine closed form (Cho & Saul) over all pairs. Targets: nnft wall
 *    time ≤ 1.5 × NumPy's, peak RSS < 4 GB, equal to 1e-10 relative (the .npy files compared by NumPy).
 * 2. tanh, m = 1,000 in 10-D, 3 layers (C_b = 0.1, C_W = 4, so K ≈ 4): nnft against NumPy 2-D Gauss–Hermite with 25
 *    nodes per dimension over all pairs. Target: nnft no slower, and within 1e-9 of converged pair-local recursions
 *    (2-D Gauss–Legendre on panels, self-checked against 1.5× the nodes) on 40 sampled pairs; the Gauss–Hermite
 *    error on the same pairs is shown.
 * 3. Scaling: wall time and peak RSS against m (relu and tanh, 3 layers) and against depth.
 * NNFT_BENCH_QUICK=1 skips m = 10,000 in the scaling table. Timings on a shared machine are noisy: CPU times
 * (user + sys) are printed beside wall times.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const ref = join(here, 'kernels_reference.py');
const QUICK = process.env.NNFT_BENCH_QUICK === '1';

interface Measured {
  status: number;
  wall: number;
  user: number;
  sys: number;
  maxRssKb: number;
  stdout: string;
  stderr: string;
}

function py(args: string[]): Record<string, unknown> {
  const r = spawnSync('python3', [ref, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3 ${args[0]} failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** Run a command under the launcher (its own process: wall, CPU and peak RSS of that child only). */
function measure(cmd: string[]): Measured {
  const m = py(['measure', ...cmd]) as unknown as Measured;
  if (m.status !== 0) throw new Error(`${cmd.slice(0, 3).join(' ')} … exited with ${m.status}: ${m.stderr.slice(-500)}`);
  return m;
}

interface Arch {
  activation: string;
  widths: number[];
  cb: number;
  cw: number;
}

function nnftCmd(a: Arch, inputs: string, out: string): string[] {
  return [
    process.execPath, join(root, 'bin', 'nnft.js'), 'recursions', '--activation', a.activation, '--cb', String(a.cb), '--cw', String(a.cw),
    '--widths', a.widths.join(','), '--inputs', inputs, '--quantities', 'K,Theta', '--format', 'npy', '--out', out, '--layers', 'last', '--quiet',
  ];
}

function refConfig(a: Arch, inputs: string, out: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ inputs, widths: a.widths, cb: a.cb, cw: a.cw, lambdaB: 1, lambdaW: 1, out, ...extra });
}

const gb = (kb: number): string => `${(kb / 1024 ** 2).toFixed(2)} GB`;
const sec = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(1)} s`);
const cpu = (m: Measured): string => sec(m.user + m.sys);

function table(head: string[], rows: string[][]): void {
  const w = head.map((h, j) => rows.reduce((x, r) => Math.max(x, (r[j] ?? '').length), h.length));
  const line = (r: string[]): string => r.map((s, j) => (s ?? '').padEnd(w[j]!)).join(' | ');
  console.log(line(head));
  console.log(w.map((x) => '-'.repeat(x)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nnft-bench-kernels-'));
  try {
    console.log('Timings are whole processes on a machine shared with other jobs: compare nnft and NumPy within a row; CPU = user + sys.');
    const rows: string[][] = [];

    // 1. ReLU, m = 10,000, 10 layers
    {
      const inputs = join(dir, 'x10000.json');
      py(['inputs', '10000', '10', '1', inputs]);
      const a: Arch = { activation: 'relu', widths: new Array(10).fill(64), cb: 0.1, cw: 2 };
      const nn = measure(nnftCmd(a, inputs, join(dir, 'relu-nnft')));
      const np = measure(['python3', ref, 'relu', refConfig(a, inputs, join(dir, 'relu-numpy'))]);
      const cK = py(['compare', join(dir, 'relu-nnft', 'K_10.npy'), join(dir, 'relu-numpy', 'K_10.npy')]);
      const cT = py(['compare', join(dir, 'relu-nnft', 'Theta_10.npy'), join(dir, 'relu-numpy', 'Theta_10.npy')]);
      const ratio = nn.wall / np.wall;
      const acc = Math.max(Number(cK.maxRel), Number(cT.maxRel));
      rows.push(['relu m=10000 L=10 K,Θ → .npy', `${sec(nn.wall)} (CPU ${cpu(nn)})`, `${sec(np.wall)} (CPU ${cpu(np)})`, `${ratio.toFixed(2)}× ${ratio <= 1.5 ? 'ok (≤ 1.5×)' : 'OVER 1.5×'}`,
        `${gb(nn.maxRssKb)} ${nn.maxRssKb < 4 * 1024 ** 2 ? 'ok (< 4 GB)' : 'OVER 4 GB'} / ${gb(np.maxRssKb)}`, `${acc.toExponential(1)} ${acc <= 1e-10 ? 'ok' : 'OVER 1e-10'}`]);
      rmSync(join(dir, 'relu-nnft'), { recursive: true, force: true });
      rmSync(join(dir, 'relu-numpy'), { recursive: true, force: true });
    }

    // 2. tanh, m = 1,000, 3 layers, against Gauss–Hermite 25 × 25
    {
      const inputs = join(dir, 'x1000.json');
      py(['inputs', '1000', '10', '2', inputs]);
      const a: Arch = { activation: 'tanh', widths: [64, 64, 64], cb: 0.1, cw: 4 };
      const nn = measure(nnftCmd(a, inputs, join(dir, 'tanh-nnft')));
      const gh = measure(['python3', ref, 'gh', refConfig(a, inputs, join(dir, 'tanh-gh'), { nodes: 25 })]);
      const pr = py(['pairs', refConfig(a, inputs, '', { nnft: join(dir, 'tanh-nnft'), gh: join(dir, 'tanh-gh'), count: 40 })]);
      const ratio = nn.wall / gh.wall;
      const acc = Number(pr.maxRelNnft);
      rows.push(['tanh m=1000 L=3 K,Θ → .npy', `${sec(nn.wall)} (CPU ${cpu(nn)})`, `${sec(gh.wall)} (CPU ${cpu(gh)}) GH-25`, `${ratio.toFixed(2)}× ${ratio <= 1 ? 'ok (no slower)' : 'SLOWER'}`,
        `${gb(nn.maxRssKb)} / ${gb(gh.maxRssKb)}`,
        `nnft ${acc.toExponential(1)} ${acc <= 1e-9 ? 'ok' : 'OVER 1e-9'}; GH-25 ${Number(pr.maxRelGh).toExponential(1)} (reference self-check ${Number(pr.referenceSelfCheck).toExponential(1)}, ${String(pr.pairs)} pairs)`]);
    }
    table(['case', 'nnft wall', 'NumPy wall', 'nnft / NumPy', 'peak RSS nnft / NumPy', 'max rel. error'], rows);

    // 3. scaling with m (3 layers) and with depth
    console.log('\nScaling with the number of inputs m (3 layers, K and Θ of the last layer to .npy; nnft whole process):');
    const ms = QUICK ? [100, 300, 1000, 3000] : [100, 300, 1000, 3000, 10000];
    const srows: string[][] = [];
    for (const m of ms) {
      const inputs = join(dir, `x${m}.json`);
      py(['inputs', String(m), '10', '3', inputs]);
      const row = [String(m)];
      for (const act of ['relu', 'tanh']) {
        const a: Arch = { activation: act, widths: [64, 64, 64], cb: 0.1, cw: act === 'relu' ? 2 : 4 };
        const out = join(dir, `scale-${act}-${m}`);
        const r = measure(nnftCmd(a, inputs, out));
        row.push(`${sec(r.wall)} (CPU ${cpu(r)}), ${gb(r.maxRssKb)}`);
        rmSync(out, { recursive: true, force: true });
      }
      srows.push(row);
    }
    table(['m', 'relu: wall (CPU), peak RSS', 'tanh: wall (CPU), peak RSS'], srows);

    console.log('\nScaling with depth L (relu m = 1000, tanh m = 300; nnft whole process):');
    const x1000 = join(dir, 'x1000.json');
    const x300 = join(dir, 'x300.json');
    const drows: string[][] = [];
    for (const L of [3, 10, 30, 100]) {
      const row = [String(L)];
      for (const [act, inputs] of [['relu', x1000], ['tanh', x300]] as const) {
        const a: Arch = { activation: act, widths: new Array(L).fill(64), cb: 0.1, cw: act === 'relu' ? 2 : 4 };
        const out = join(dir, `depth-${act}-${L}`);
        const r = measure(nnftCmd(a, inputs, out));
        row.push(`${sec(r.wall)} (CPU ${cpu(r)})`);
        rmSync(out, { recursive: true, force: true });
      }
      drows.push(row);
    }
    table(['L', 'relu m=1000: wall (CPU)', 'tanh m=300: wall (CPU)'], drows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
