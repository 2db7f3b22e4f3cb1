/**
 * Finite-width NTK statistics against depth (PDLT ch. 8): Θ¹/Θ, A/Θ², B/Θ², D/(KΘ), F/(KΘ) for ReLU and tanh at
 * criticality, recursion lines against sampled networks at two widths (the residual is O(ℓ/n) relative). The
 * computation, plot and table are in src/showcase/ntk-finite-width.ts (shared with `nnft start`).
 * Run: node bin/run-ts.js examples/ntk-finite-width.ts [--depth 5 --widths 64,128 --nets N --seed 1 --activations relu,tanh --out DIR]
 */
import { pathToFileURL } from 'node:url';
import { exampleOptions } from './args.ts';
import { ntkFiniteWidth, ntkTable, writeNtkFiniteWidth, type NtkOptions } from '../src/showcase/ntk-finite-width.ts';

export * from '../src/showcase/ntk-finite-width.ts';

function parseArgs(argv: string[]): NtkOptions {
  return exampleOptions<NtkOptions>('ntk-finite-width.ts', argv, { depth: { key: 'depth', kind: 'int', min: 2 }, widths: { key: 'widths', kind: 'ints' }, nets: { key: 'nets', kind: 'int', min: 100 }, seed: { key: 'seed', kind: 'int', min: 0 }, activations: { key: 'activations', kind: 'strings' }, out: { key: 'outDir', kind: 'dir', default: 'out/ntk-finite-width' } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  const res = await ntkFiniteWidth(opts);
  const { svg, json } = await writeNtkFiniteWidth(res, opts.outDir ?? 'out/ntk-finite-width');
  console.log(ntkTable(res));
  console.log(`wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
