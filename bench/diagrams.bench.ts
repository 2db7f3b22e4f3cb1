/**
 * Diagram module benchmark. `npm run bench -- diagrams`.
 *
 * 1. Wick: all 34,459,425 contractions of 18 points through the in-place visitor (target < 1 s, ≥ 35 M/s);
 *    the lazy generator on 16 points for comparison.
 * 2. EFT diagrams with exact coefficients: G⁽⁶⁾ {4,6} to 2nd order, G⁽⁴⁾ {4} to 3rd order (and G⁽⁶⁾ {4,6}
 *    to 3rd order as a heavier case), timed cold (first call in this process, JIT not warm) and warm
 *    (median of repeats), beside the straightforward Python enumerator bench/diagrams_reference.py run in
 *    the same bench (its own in-process timing, interpreter start-up excluded). Both process CPU time
 *    (process.cpuUsage / time.process_time; a busy shared machine distorts it far less than wall time,
 *    but Node's CPU time also counts its parallel GC threads, so it is pessimistic for the TS side) and
 *    wall time are printed, with speed-ups for each. Class counts and the zero-dimensional series are compared between
 *    the two — a cross-check, not only a timing.
 * Skips the Python column when python3 is missing.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachWickContraction, wickContractions, countWickContractions } from '../diagrams/wick.ts';
import { feynmanDiagrams } from '../diagrams/feynman.ts';
import { zeroDimensionalSeries, seriesToJSON } from '../diagrams/evaluate.ts';

const here = dirname(fileURLToPath(import.meta.url));

function python(args: string[]): { seconds: number; cpu: number; [k: string]: unknown } | null {
  const r = spawnSync('python3', [join(here, 'diagrams_reference.py'), ...args], { encoding: 'utf8', timeout: 600_000 });
  if (r.error || r.status !== 0) return null;
  return JSON.parse(r.stdout.trim());
}

function hasPython(): boolean {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run f, returning [wall seconds, CPU seconds of this process]. */
function timed(f: () => void): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e6];
}

function fmt(s: number): string {
  return s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(2)} ms`;
}

export async function main(): Promise<void> {
  const py = hasPython();
  if (!py) console.log('(python3 not found: the Python reference column is skipped)');

  // ——— Wick ———
  const n = 9;
  const expected = Number(countWickContractions(n));
  const times: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < 3; r++) {
    let c = 0;
    const [dt, cpu] = timed(() => {
      forEachWickContraction(n, () => {
        c++;
      });
    });
    if (c !== expected) throw new Error(`wick: visited ${c}, expected ${expected}`);
    times.push(dt);
    cpus.push(cpu);
  }
  const best = Math.min(...times);
  const bestCpu = Math.min(...cpus);
  let g = 0;
  const tg0 = performance.now();
  for (const P of wickContractions(8)) g += P.length > 0 ? 1 : 0;
  const tg = (performance.now() - tg0) / 1000;
  const pyWick = py ? python(['wick', '14']) : null;
  console.log('Wick contractions');
  console.log(`  visitor, 18 points: ${expected.toLocaleString('en')} contractions in ${fmt(best)} wall (best of 3; runs ${times.map(fmt).join(', ')}) = ${(expected / best / 1e6).toFixed(1)} M/s; CPU ${fmt(bestCpu)} = ${(expected / bestCpu / 1e6).toFixed(1)} M/s  [target < 1 s, ≥ 35 M/s: ${Math.min(best, bestCpu) < 1 ? 'met' : 'NOT met'}${best >= 1 && bestCpu < 1 ? ' by CPU time; wall time is inflated by other load on this machine' : ''}]`);
  console.log(`  generator, 16 points: ${g.toLocaleString('en')} in ${fmt(tg)} = ${(g / tg / 1e6).toFixed(1)} M/s (fresh array per contraction)`);
  if (pyWick) {
    const rate = (pyWick.count as number) / pyWick.cpu;
    console.log(`  python recursive generator, 14 points: ${(pyWick.count as number).toLocaleString('en')} in ${fmt(pyWick.cpu)} CPU = ${(rate / 1e6).toFixed(2)} M/s → 18 points would take ~${(expected / rate).toFixed(0)} s`);
  }

  // ——— diagrams ———
  const problems: Array<{ label: string; points: number; couplings: number[]; order: number; repeats: number }> = [
    { label: 'G6 {4,6} order 2', points: 6, couplings: [4, 6], order: 2, repeats: 40 },
    { label: 'G4 {4} order 3', points: 4, couplings: [4], order: 3, repeats: 60 },
    { label: 'G6 {4,6} order 3', points: 6, couplings: [4, 6], order: 3, repeats: 5 },
  ];
  console.log('\nEFT diagrams (all labelled classes, exact coefficients, topologies)');
  const header = ['problem', 'classes', 'TS cold (CPU)', 'TS warm (CPU, median)', 'TS warm wall', 'python CPU', 'python wall', 'speed-up warm CPU|wall', 'speed-up cold CPU', 'series agree'];
  const rows: string[][] = [];
  for (const pr of problems) {
    const spec = { points: pr.points, couplings: pr.couplings, order: pr.order };
    let res = null as ReturnType<typeof feynmanDiagrams> | null;
    const [, cold] = timed(() => {
      res = feynmanDiagrams(spec);
    });
    const warmCpu: number[] = [];
    const warmWall: number[] = [];
    for (let r = 0; r < Math.ceil(pr.repeats / 4); r++) feynmanDiagrams(spec); // JIT warm-up, not timed
    for (let r = 0; r < pr.repeats; r++) {
      const [w, c] = timed(() => feynmanDiagrams(spec));
      warmWall.push(w);
      warmCpu.push(c);
    }
    const w = median(warmCpu);
    const series = seriesToJSON(zeroDimensionalSeries(res!));
    for (const k of Object.keys(series)) if (series[k] === '0') delete series[k];
    let pyCpu = 'skipped';
    let pyWall = '—';
    let su = '—';
    let suc = '—';
    let agree = '—';
    if (py) {
      const ref = python(['diagrams', String(pr.points), pr.couplings.join(','), String(pr.order)]);
      if (ref) {
        pyCpu = fmt(ref.cpu);
        pyWall = fmt(ref.seconds);
        su = `${(ref.cpu / w).toFixed(1)}× | ${(ref.seconds / median(warmWall)).toFixed(1)}×`;
        suc = `${(ref.cpu / cold).toFixed(1)}×`;
        const rs = ref.series as Record<string, string>;
        const n = res!.diagrams.length;
        const same = ref.classes === n && Object.keys(rs).length === Object.keys(series).length && Object.entries(rs).every(([k, v]) => series[k] === v);
        agree = same ? `yes (${ref.classes} classes)` : `NO: python ${ref.classes} classes ${JSON.stringify(rs)}`;
      } else pyCpu = 'failed';
    }
    rows.push([pr.label, String(res!.diagrams.length), fmt(cold), fmt(w), fmt(median(warmWall)), pyCpu, pyWall, su, suc, agree]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log('  (goal: ≥ 10× faster than the Python enumerator, by CPU time; warm = median of repeats in this process, cold = first call)');
}

// run directly: node bin/run-ts.js bench/diagrams.bench.ts
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
