/**
 * Start-up of the `nnft` command, run by `npm run bench -- startup`: where the time of a short command goes,
 * whole processes side by side in one run, each the median of several runs (after one unmeasured run that warms
 * the file cache), wall time and CPU time (user + sys of the child, which a loaded machine distorts less):
 *
 *   node -e 0                          the floor: starting Node itself
 *   import of dist/nnft.js             the bundle (bin/build-cli.js: one CommonJS file compiled through its V8
 *                                      code cache) and commander, the one npm package every command loads
 *   nnft wick 2 --count                a command that computes nothing
 *   nnft recursions, m = 2, L = 100    tanh, K, Θ, V4, K¹ --json (the recursion solver: its first solve in a
 *                                      process runs before the JIT has optimised anything), and the same
 *                                      without the build's precomputed tables (dist/precomputed.json: trapezoid
 *                                      calibrations, compiled recursion bodies) and without the code cache, to
 *                                      show what each saves; K, Θ alone (the many-input kernel engine)
 *   python3 -c 'import numpy'          the floor of the reference
 *   NumPy original-form recursions     bench/recursions_reference.py, 64 Gauss–Hermite nodes, the same network
 *
 * Goal: nnft recursions on two inputs over 100 layers in < 0.15 s whole process, ≥ 10× faster than the NumPy
 * process. The rows above the command show which part of its time any change to nnft can still remove.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const INPUTS2 = [
  [1, 0.5],
  [0.2, -0.9],
];
const WIDTHS = new Array(100).fill(64);
const SPEC100 = { activation: 'tanh', inputs: INPUTS2, widths: WIDTHS, cb: 0, cw: 1, lambdaB: 1, lambdaW: 1 };
const TIMED = existsSync('/usr/bin/time');

interface Seconds {
  wall: number;
  cpu: number;
}

/** Wall and CPU (user + sys) seconds of one run; CPU is NaN without /usr/bin/time. */
function once(cmd: string, args: string[]): Seconds {
  const t0 = performance.now();
  const r = TIMED
    ? spawnSync('/usr/bin/time', ['-f', 'nnft-bench-time %U %S', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … failed: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}`);
  const m = /nnft-bench-time ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

/**
 * Run `measure` with the build files matching `pattern` moved aside (restored afterwards, also on failure): the
 * command then computes what they hold.
 */
function without<T>(pattern: RegExp, measure: () => T): T {
  const dist = join(root, 'dist');
  const moved = readdirSync(dist).filter((f) => pattern.test(f));
  for (const f of moved) renameSync(join(dist, f), join(dist, `${f}.bench-aside`));
  try {
    return measure();
  } finally {
    for (const f of moved) renameSync(join(dist, `${f}.bench-aside`), join(dist, f));
  }
}

function median(cmd: string, args: string[], n: number): Seconds {
  once(cmd, args);
  const runs = Array.from({ length: n }, () => once(cmd, args));
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: med(runs.map((r) => r.wall)), cpu: med(runs.map((r) => r.cpu)) };
}

export async function main(): Promise<void> {
  const node = process.execPath;
  const bin = join(root, 'bin', 'nnft.js');
  // make sure the bundle is current before timing it (bin/nnft.js would rebuild it inside the first run)
  once(node, [bin, 'wick', '2', '--count']);
  const recursions = (quantities: string): string[] => [
    bin, 'recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', WIDTHS.join(','),
    '--inputs', JSON.stringify(INPUTS2), '--quantities', quantities, '--json',
  ];
  const n = 7;
  const load0 = loadavg()[0]!;
  const rows: [string, Seconds][] = [
    ['node -e 0 (floor)', median(node, ['-e', '0'], n)],
    ['import of dist/nnft.js (bundle + commander)', median(node, ['--input-type=module', '-e', `await import(${JSON.stringify(join(root, 'dist', 'nnft.js'))})`], n)],
    ['nnft wick 2 --count (no computation)', median(node, [bin, 'wick', '2', '--count'], n)],
    ['nnft recursions m=2 L=100 K,Θ,V4,K¹ --json', median(node, recursions('K,Theta,V4,K1'), n)],
    ['  the same without dist/precomputed.json', without(/^precomputed\.json$/, () => median(node, recursions('K,Theta,V4,K1'), n))],
    ['  the same without the code cache', without(/\.cjs\.cache$/, () => median(node, recursions('K,Theta,V4,K1'), n))],
    ['nnft recursions m=2 L=100 K,Θ --json (kernel engine)', median(node, recursions('K,Theta'), n)],
    ["python3 -c 'import numpy' (floor)", median('python3', ['-c', 'import numpy'], 3)],
    ['NumPy original form, 64 nodes, same network', median('python3', [join(here, 'recursions_reference.py'), JSON.stringify(SPEC100), '64', '1'], 3)],
  ];
  const fmt = (s: number): string => (Number.isNaN(s) ? '–' : s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`);
  const full = rows[3]![1];
  const numpy = rows[8]![1];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(`Whole processes, median of ${n} (NumPy rows: 3); wall / CPU (user + sys). The machine may be shared ` +
    `(1-minute load average ${load0.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after, on ${availableParallelism()} cores): compare within this table.`);
  console.log(`${'process'.padEnd(w)} | wall      | CPU`);
  console.log(`${'-'.repeat(w)}-|-----------|----------`);
  for (const [k, s] of rows) console.log(`${k.padEnd(w)} | ${fmt(s.wall).padEnd(9)} | ${fmt(s.cpu)}`);
  const ratio = (a: number, b: number): string => (Number.isNaN(a) || Number.isNaN(b) ? '–' : `${(a / b).toFixed(1)}×`);
  console.log(`nnft recursions K,Θ,V4,K¹: ${full.wall < 0.15 ? 'ok' : 'OVER'} the 0.15 s goal (wall ${fmt(full.wall)}, CPU ${fmt(full.cpu)}); ` +
    `NumPy / nnft = ${ratio(numpy.wall, full.wall)} wall, ${ratio(numpy.cpu, full.cpu)} CPU (goal ≥ 10×)`);
  const floor = rows[0]![1];
  console.log(`what the build precomputes saves (CPU): the tables ${fmt(rows[4]![1].cpu - full.cpu)}, the code cache ${fmt(rows[5]![1].cpu - full.cpu)}`);
  console.log(`of nnft's CPU: Node start ${fmt(floor.cpu)}, loading the bundle ${fmt(rows[1]![1].cpu - floor.cpu)}, the command's own work ${fmt(full.cpu - rows[1]![1].cpu)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
