/**
 * Warm speed of the recursion solver with piecewise-linear σ (exact analytic expectations, src/gaussian/piecewise.ts,
 * pair.ts, groups.ts), run by `npm run bench -- piecewise`. Each case: median of 7 solves after 3 warm-up solves,
 * time per quantity from the solver's own timings (first use of a cached expectation is charged to that quantity).
 * Cases: ReLU two inputs 30 layers, all nine quantities, generic and nearly collinear (angle ~1e-5) inputs; ReLU four
 * inputs 6 layers, all nine; leaky ReLU eight inputs 10 layers, K, Θ, V4, K¹.
 */
import { solveRecursions, type RecursionSpec } from '../recursions/index.ts';
import { QUANTITY_NAMES, type QuantityName } from '../src/quantities.ts';

const fmt = (s: number): string => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

function bench(spec: RecursionSpec): { median: number; per: string } {
  for (let i = 0; i < 3; i++) solveRecursions(spec);
  const runs: number[] = [];
  let tq: Partial<Record<QuantityName, number>> = {};
  for (let i = 0; i < 7; i++) {
    tq = {};
    const t0 = performance.now();
    solveRecursions(spec, { timings: tq });
    runs.push((performance.now() - t0) / 1000);
  }
  const per = Object.entries(tq).map(([k, v]) => `${k} ${fmt(v! / 1000)}`).join(', ');
  return { median: runs.sort((a, b) => a - b)[3]!, per };
}

export async function main(): Promise<void> {
  const all = [...QUANTITY_NAMES];
  const X4 = [[1, 0.5, -0.3], [0.2, 1, 0.4], [-0.5, 0.3, 1], [0.7, -0.6, 0.2]];
  const X8 = Array.from({ length: 8 }, (_, i) => [Math.cos(i), Math.sin(1.3 * i), 0.5 - i / 8]);
  const cases: [string, RecursionSpec][] = [
    ['relu m=2 L=30 all nine, generic', { activation: 'relu', inputs: [[1, 0.5], [0.2, -0.9]], widths: new Array(30).fill(64), cb: 0.1, cw: 1.8, quantities: all }],
    ['relu m=2 L=30 all nine, angle ~1e-5', { activation: 'relu', inputs: [[0.5], [0.50001]], widths: new Array(30).fill(64), cb: 0.1, cw: 1.8, quantities: all }],
    ['relu m=4 L=6 all nine', { activation: 'relu', inputs: X4, widths: new Array(6).fill(64), cb: 0.1, cw: 1.8, quantities: all }],
    ['leaky_relu(0.1) m=8 L=10 K,Θ,V4,K¹', { activation: 'leaky_relu(0.1)', inputs: X8, widths: new Array(10).fill(64), cb: 0.1, cw: 1.8, quantities: ['K', 'Theta', 'V4', 'K1'] }],
  ];
  const rows: string[][] = [];
  for (const [name, spec] of cases) {
    try {
      const { median, per } = bench(spec);
      rows.push([name, fmt(median), per]);
    } catch (e) {
      rows.push([name, 'fails', String((e as Error).message).slice(0, 80)]);
    }
  }
  const w = [0, 1, 2].map((j) => Math.max(...rows.map((r) => r[j]!.length), ['case', 'warm (median of 7)', 'per quantity'][j]!.length));
  const line = (r: string[]): string => r.map((s, j) => s.padEnd(w[j]!)).join(' | ');
  console.log(line(['case', 'warm (median of 7)', 'per quantity']));
  console.log(w.map((x) => '-'.repeat(x)).join('-|-'));
  for (const r of rows) console.log(line(r));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
