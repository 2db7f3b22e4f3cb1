/**
 * Benchmark of the recursion solver, run by `npm run bench -- recursions`.
 *
 * 1. tanh (C_b = 0, C_W = 1), two inputs, 100 layers, K, Θ, V4, K¹: solver compute time — cold = the first call
 *    in this process (symbolic derivation of the evaluators, step calibration and JIT warm-up included), warm =
 *    median of 15 calls after 20 warm-up calls (the JIT settles after ~20) (the steady state of a script that runs many solves) — the whole
 *    `node bin/nnft.js recursions … --json` process, and side by side the plain NumPy implementation of the
 *    ORIGINAL form (bench/recursions_reference.py: inverse kernels, brute-force 2-D Gauss–Hermite; 64 nodes per
 *    dimension, the smallest count accurate to 1e-8 here — checked against 128 nodes in the same run), first
 *    solve and median of 5 solves in one process, with the agreement of the two results.
 * 2. tanh, 8 inputs, 20 layers, K, Θ, V4, K¹ (target < 10 s).
 * 3. tanh, two inputs, 50 layers, all of K, Θ, V4, K¹, Θ¹, A, B, D, F (target < 2 s), time per quantity.
 * 4. Whole process, the user's view of case 1: `nnft recursions … --json` from the bundle dist/nnft.js (what
 *    bin/nnft.js runs), the same from the TypeScript sources through tsx (what it ran before the bundle), and
 *    `python3 bench/recursions_reference.py` (NumPy, original form, 64 nodes), each the median of several runs
 *    in this invocation: wall time, and CPU time (user + sys, from /usr/bin/time where it exists) which a
 *    loaded machine distorts less. Targets: < 0.15 s, ≥ 10× faster than the NumPy process.
 * Targets: < 0.5 s compute, < 1 s process, ≥ 10× faster than NumPy (goal); all nine quantities < 2 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerEvaluator, solveRecursions, type RecursionResult } from '../recursions/index.ts';
import { QUANTITIES, QUANTITY_NAMES, type QuantityName } from '../src/quantities.ts';
import { medianProcessSeconds } from './process-seconds.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const INPUTS2 = [
  [1, 0.5],
  [0.2, -0.9],
];
const SPEC100 = { activation: 'tanh', inputs: INPUTS2, widths: new Array(100).fill(64), cb: 0, cw: 1, lambdaB: 1, lambdaW: 1 };

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, (performance.now() - t0) / 1000];
}

/** The entries of a nested tensor, row-major. */
const entries = (t: unknown): number[] => (Array.isArray(t) ? t.flatMap(entries) : typeof t === 'number' ? [t] : []);

function maxRelDiff(a: readonly Partial<Record<'K' | 'Theta' | 'V4' | 'K1', unknown>>[], b: readonly Partial<Record<'K' | 'Theta' | 'V4' | 'K1', unknown>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const q of ['K', 'Theta', 'V4', 'K1'] as const) {
    let worst = 0;
    a.forEach((layer, i) => {
      const x = entries(layer[q]);
      const y = entries(b[i]?.[q]);
      const scale = Math.max(...y.map(Math.abs), 1e-300);
      x.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - y[k]!) / scale)));
    });
    out[q] = worst;
  }
  return out;
}

function python(spec: object, nodes: number, repeats = 1): { seconds: number; median: number; wall: number; layers: { K: unknown; Theta: unknown; V4: unknown; K1: unknown }[] } | null {
  const t0 = performance.now();
  const r = spawnSync('python3', [join(here, 'recursions_reference.py'), JSON.stringify(spec), String(nodes), String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    console.log(`(python reference unavailable: ${(r.stderr || r.error?.message || '').split('\n').slice(-2).join(' ')})`);
    return null;
  }
  return { ...JSON.parse(r.stdout), wall };
}

export async function main(): Promise<void> {
  const rows: [string, string, string, string][] = [];
  const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
  const q4: QuantityName[] = ['K', 'Theta', 'V4', 'K1'];
  console.log(`evaluators: ${QUANTITY_NAMES.map((q) => `${q}=${QUANTITIES[q].recursion.direct === layerEvaluator(q) ? 'direct' : 'compiled'}`).join(' ')}`);

  // 1. two inputs, 100 layers
  const [res, cold] = time(() => solveRecursions({ ...SPEC100, quantities: q4 }));
  const second = time(() => solveRecursions({ ...SPEC100, quantities: q4 }))[1];
  for (let i = 0; i < 18; i++) solveRecursions({ ...SPEC100, quantities: q4 });
  const runs: number[] = [];
  for (let i = 0; i < 15; i++) runs.push(time(() => solveRecursions({ ...SPEC100, quantities: q4 }))[1]);
  const warm = runs.sort((a, b) => a - b)[7]!;
  const args = ['bin/nnft.js', 'recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', SPEC100.widths.join(','), '--inputs', JSON.stringify(INPUTS2), '--quantities', 'K,Theta,V4,K1', '--json'];
  let proc = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, args, { cwd: root, maxBuffer: 1 << 28 });
    proc = Math.min(proc, (performance.now() - t0) / 1000);
  }
  rows.push(['tanh m=2 L=100 K,Θ,V4,K¹', 'nnft solver compute: warm (median of 15) / 2nd call / cold (1st call)', `${fmt(warm)} / ${fmt(second)} / ${fmt(cold)}`, cold < 0.5 ? 'ok (< 0.5 s, even cold)' : 'OVER 0.5 s']);
  rows.push(['', 'nnft recursions process', fmt(proc), proc < 1 ? 'ok (< 1 s)' : 'OVER 1 s']);
  const py = python(SPEC100, 64); // one solve: the process time
  const pyRep = py && python(SPEC100, 64, 5); // five solves in one process: the warm (median) time
  if (py && pyRep) {
    const py128 = python(SPEC100, 128);
    rows.push(['', 'NumPy original form, 64 nodes: median of 5 / 1st solve / process', `${fmt(pyRep.median)} / ${fmt(py.seconds)} / ${fmt(py.wall)}`, '']);
    rows.push(['', 'speed-up nnft vs NumPy (goal ≥ 10×)', '', `warm vs warm ${(pyRep.median / warm).toFixed(1)}× ${pyRep.median / warm >= 10 ? 'ok' : 'BELOW 10×'}; 1st call vs 1st solve ${(py.seconds / cold).toFixed(1)}×; whole process ${(py.wall / proc).toFixed(1)}×`]);
    const acc = py128 ? maxRelDiff(res.layers, py128.layers) : {};
    const self = py128 ? maxRelDiff(py.layers, py128.layers) : {};
    const f = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ');
    rows.push(['', 'NumPy 64 vs 128 nodes (max rel. diff)', '', f(self)]);
    rows.push(['', 'nnft vs NumPy 128 nodes (max rel. diff)', '', f(acc)]);
  }

  // 2. eight inputs, 20 layers
  const X8 = Array.from({ length: 8 }, (_, i) => [Math.cos(i), Math.sin(1.3 * i), 0.5 - i / 8]);
  const tq: Partial<Record<QuantityName, number>> = {};
  const [, t8] = time(() => solveRecursions({ activation: 'tanh', inputs: X8, widths: new Array(20).fill(64), cb: 0.1, cw: 1.2, quantities: q4 }, { timings: tq }));
  rows.push(['tanh m=8 L=20 K,Θ,V4,K¹', 'nnft solver', fmt(t8), `${t8 < 10 ? 'ok (< 10 s)' : 'OVER 10 s'}; ${Object.entries(tq).map(([k, v]) => `${k} ${fmt(v! / 1000)}`).join(', ')}`]);

  // 4. whole process: bundle, TypeScript sources through tsx, NumPy
  const cliArgs = args.slice(1);
  const tsxMain = "import { register } from 'tsx/esm/api'; register(); const { main } = await import('./src/cli/main.ts'); await main(process.argv);";
  const bundled = medianProcessSeconds(process.execPath, [join(root, 'bin', 'nnft.js'), ...cliArgs], 7, root);
  const sources = medianProcessSeconds(process.execPath, ['--input-type=module', '-e', tsxMain, '--', 'nnft', ...cliArgs], 3, root);
  const numpy = medianProcessSeconds('python3', [join(here, 'recursions_reference.py'), JSON.stringify(SPEC100), '64', '1'], 3, root);
  const pair = (r: { wall: number; cpu: number }): string => `${fmt(r.wall)} / ${Number.isNaN(r.cpu) ? '–' : fmt(r.cpu)}`;
  rows.push(['whole process, m=2 L=100', 'nnft recursions --json, bundle dist/nnft.js: wall / CPU (median of 7)', pair(bundled), bundled.wall < 0.15 ? 'ok (< 0.15 s)' : 'OVER 0.15 s'],);
  rows.push(['', 'the same from the TypeScript sources (tsx): wall / CPU (median of 3)', pair(sources), `bundle ${(sources.wall / bundled.wall).toFixed(1)}× faster (wall)`]);
  rows.push(['', 'NumPy original form, python3 process: wall / CPU (median of 3)', pair(numpy), '']);
  rows.push(['', 'whole-process speed-up nnft vs NumPy (goal ≥ 10×)', '', `${(numpy.wall / bundled.wall).toFixed(1)}× wall${Number.isNaN(numpy.cpu) ? '' : `, ${(numpy.cpu / bundled.cpu).toFixed(1)}× CPU`} ${numpy.wall / bundled.wall >= 10 ? 'ok' : 'BELOW 10×'}`]);

  // 3. all quantities, two inputs, 50 layers
  const spec50 = { ...SPEC100, widths: new Array(50).fill(64), quantities: [...QUANTITY_NAMES] };
  solveRecursions(spec50); // warm-up (compilation of evaluators)
  const tq9: Partial<Record<QuantityName, number>> = {};
  const [, t50] = time(() => solveRecursions(spec50, { timings: tq9 }));
  rows.push(['tanh m=2 L=50 all nine', 'nnft solver (warm)', fmt(t50), t50 < 2 ? 'ok (< 2 s)' : 'OVER 2 s']);
  rows.push(['', 'per quantity (first use of a cached expectation is charged to it)', '', Object.entries(tq9).map(([k, v]) => `${k} ${fmt(v! / 1000)}`).join(', ')]);

  const w = [0, 1, 2, 3].map((j) => Math.max(...rows.map((r) => r[j]!.length), ['case', 'what', 'time', 'note'][j]!.length));
  const line = (r: string[]): string => r.map((s, j) => s.padEnd(w[j]!)).join(' | ');
  console.log(line(['case', 'what', 'time', 'note']));
  console.log(w.map((x) => '-'.repeat(x)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
