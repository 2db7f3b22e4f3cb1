/**
 * ReLU at and away from criticality (Misof's slides; PDLT ch. 5): V⁽ℓ⁾/(nK²) against depth at C_W = 2 for two
 * widths — the 1/n recursion line 5(ℓ−1)/n, the exact finite-width curve Π(1+5/n) − 1 and sampled networks — and
 * V⁽ℓ⁾/n at C_W = 1.8, 2, 2.2 (decays / stays O(ℓ/n) / explodes). The computation, plot and table are in
 * src/showcase/relu-criticality.ts (shared with `nnft start`).
 * Run: node bin/run-ts.js examples/relu-criticality.ts [--depth 10 --away-depth 20 --widths 32,128 --nets 50000 --seed 1 --out DIR]
 */
import { pathToFileURL } from 'node:url';
import { exampleOptions } from './args.ts';
import { reluCriticality, writeReluCriticality, type ReluCriticalityOptions } from '../src/showcase/relu-criticality.ts';

export * from '../src/showcase/relu-criticality.ts';

function parseArgs(argv: string[]): ReluCriticalityOptions {
  return exampleOptions<ReluCriticalityOptions>('relu-criticality.ts', argv, { depth: { key: 'depth', kind: 'int', min: 2 }, widths: { key: 'widths', kind: 'ints' }, nets: { key: 'nets', kind: 'int', min: 100 }, seed: { key: 'seed', kind: 'int', min: 0 }, 'away-depth': { key: 'awayDepth', kind: 'int', min: 2 }, out: { key: 'outDir', kind: 'dir', default: 'out/relu-criticality' } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  const res = await reluCriticality(opts);
  const { svg, json } = await writeReluCriticality(res, opts.outDir ?? 'out/relu-criticality');
  console.log('ReLU, C_W = 2: V/(nK²) — recursion 5(ℓ−1)/n, exact Π(1+5/n)−1, Monte Carlo ± stderr');
  for (const c of res.critical) {
    console.log(`n = ${c.width}`);
    console.log('  ℓ   recursion    exact        MC ± stderr          (MC−rec)/se  (MC−exact)/se');
    for (const r of c.rows) {
      const z = (t: number): string => (r.stderr > 0 ? ((r.mc - t) / r.stderr).toFixed(1) : '—').padStart(6);
      console.log(`  ${String(r.layer).padStart(2)}  ${r.recursion.toFixed(5).padStart(9)}  ${(r.exact ?? 0).toFixed(5).padStart(9)}  ${r.mc.toFixed(5).padStart(9)} ± ${r.stderr.toFixed(5)}   ${z(r.recursion)}       ${z(r.exact ?? NaN)}`);
    }
  }
  console.log(`wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
