/**
 * Gaussian expectations: speed and accuracy of src/gaussian on recursion-like workloads.
 * `npm run bench -- gaussian`. Times are CPU milliseconds (process.cpuUsage), warm JIT.
 */
import { getActivation } from '../src/activations/index.ts';
import { expectActivationProduct, makeLayerExpectation } from '../src/gaussian/index.ts';
import type { DerivFactor } from '../src/gaussian/types.ts';

const f = (input: number, order: number): DerivFactor => ({ input, order });
const cpu = () => process.cpuUsage().user / 1000;

function kernel(m: number, seed: number, scale: number): number[][] {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const X = Array.from({ length: m }, () => Array.from({ length: 6 }, r));
  return X.map((x) => X.map((y) => (scale * x.reduce((a, xi, k) => a + xi * y[k]!, 0)) / 3 + 0.05 * scale));
}

function quadruples(m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) for (let c = b + 1; c < m; c++) for (let d = c + 1; d < m; d++) out.push([a, b, c, d]);
  return out;
}

export function main(): void {
  const rows: string[][] = [['workload', 'activation', 'count', 'cpu ms', 'ms / expectation', 'max rel. error vs tighter rule']];
  for (const name of ['tanh', 'erf', 'gelu', 'relu']) {
    const act = getActivation(name);
    for (const [label, dim, scale] of [['1-D', 1, 1], ['2-D', 2, 1], ['3-D', 3, 1], ['4-D', 4, 1], ['4-D (K×4)', 4, 4]] as const) {
      const K = kernel(8, 7 + dim, scale);
      const sets0 = dim === 4 ? quadruples(8) : dim === 3 ? quadruples(8).map((q) => q.slice(0, 3)) : dim === 2 ? quadruples(8).map((q) => q.slice(0, 2)) : [0, 1, 2, 3, 4, 5, 6, 7].map((a) => [a]);
      const sets = [...new Map(sets0.map((x) => [x.join(','), x])).values()];
      const facs = sets.map((set) => set.map((a, i) => f(a, act.kind === 'smooth' ? i % 2 : 0)));
      // warm-up (JIT, calibration)
      const warm = makeLayerExpectation(act, K);
      for (const F of facs.slice(0, 3)) warm(F);
      const t0 = cpu();
      const L = makeLayerExpectation(act, K);
      const vals = facs.map((F) => L(F));
      const ms = cpu() - t0;
      let err = 0;
      if (act.kind === 'smooth') {
        for (let i = 0; i < Math.min(4, facs.length); i++) {
          const ref = expectActivationProduct(act, K, facs[i]!, { tol: dim <= 2 ? 1e-14 : 1e-12 });
          err = Math.max(err, Math.abs(vals[i]! - ref) / Math.max(Math.abs(ref), 1e-3));
        }
      }
      rows.push([label, name, String(facs.length), ms.toFixed(1), (ms / facs.length).toFixed(3), act.kind === 'smooth' ? err.toExponential(1) : 'exact']);
    }
  }
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  for (const r of rows) console.log(r.map((c, j) => c.padEnd(w[j]!)).join('  '));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
