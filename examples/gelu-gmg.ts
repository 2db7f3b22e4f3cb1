/**
 * The published Figure 2 setup of Guillen, Misof, Gerken, "Finite-width neural tangent kernels from Feynman
 * diagrams" (arXiv 2508.11522): a four-layer GELU MLP without biases, C_W = 1.98305826, λ_W = 1, n0 = 4, on the
 * two inputs of their appendix (below). The mean NTK of the output, Θ⁽⁴⁾ + Θ¹/n, against the hidden width n:
 * the recursion's line (Θ and Θ¹ from recursions/, the symbolic engine's compiled evaluators) against sampled
 * networks (src/montecarlo `sampleEnsemble`, mean of the empirical NTK with standard errors).
 *
 * Published (their text / digitised from their Figure 2): Θ₀₀ = 1.74926, Θ₀₁ = 0.176856, Θ¹₀₀ ≈ +1.4144,
 * Θ¹₀₁ ≈ −0.3246. The inputs: their appendix's two 4-vectors (as used by a public reproduction of the paper);
 * with them this toolkit gives Θ₀₀ = 1.749268, Θ₀₁ = 0.176856, Θ¹₀₀ = 1.41433, Θ¹₀₁ = −0.32463.
 *
 * Writes DIR/gelu-gmg.json and DIR/gelu-gmg.svg (default DIR = out/examples).
 * Run: node bin/run-ts.js examples/gelu-gmg.ts [--nets 2000] [--widths 6,11,19,32,56,100,220] [--seed 1]
 *      [--out DIR] [--no-mc] [--no-plot]
 * The paper used 100 000 networks per width; the default here (2000) takes several minutes on 2 cores (the
 * full-weight NTK sampler costs O(n²) per layer, so width 220 dominates), and its error bars are ~7× larger:
 * enough to see the 1/n trend at small widths, not to resolve Θ¹/n at n ≳ 50.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { solveRecursions } from '../recursions/index.ts';
import { exampleOptions } from './args.ts';

export const GMG_INPUTS = [
  [0.6540248765053858, -1.3592788739383235, -0.3791179316445409, 0.34191025226280697],
  [-0.6786403121150224, -0.12161213502515096, 0.21716372787141658, -1.4709063616118982],
];
export const GMG_CW = 1.98305826;
export const GMG_PUBLISHED = { Theta00: 1.74926, Theta01: 0.176856, Theta1_00: 1.4144, Theta1_01: -0.3246 };
const DEPTH = 4;

export interface GmgOptions {
  nets?: number;
  widths?: number[];
  seed?: number;
  outDir?: string;
  mc?: boolean;
  plot?: boolean;
}

/** Θ⁽⁴⁾ and Θ¹⁽⁴⁾ of the setup (independent of the hidden width when all hidden widths are equal). */
export function gmgRecursion(): { Theta: number[][]; Theta1: number[][]; K: number[][]; K1: number[][] } {
  const res = solveRecursions({ activation: 'gelu', inputs: GMG_INPUTS, widths: new Array(DEPTH).fill(64), cb: 0, cw: GMG_CW, lambdaB: 0, lambdaW: 1, quantities: ['K', 'K1', 'Theta', 'Theta1'] });
  const last = res.layers[DEPTH - 1]!;
  return { Theta: last.Theta!, Theta1: last.Theta1!, K: last.K!, K1: last.K1! };
}

export async function main(opts: GmgOptions = {}): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const nets = opts.nets ?? 2000;
  const widths = opts.widths ?? [6, 11, 19, 32, 56, 100, 220];
  const outDir = opts.outDir ?? 'out/examples';
  const rec = gmgRecursion();
  const entries = [
    { name: 'Θ₀₀', a: 0, b: 0, published: [GMG_PUBLISHED.Theta00, GMG_PUBLISHED.Theta1_00] },
    { name: 'Θ₀₁', a: 0, b: 1, published: [GMG_PUBLISHED.Theta01, GMG_PUBLISHED.Theta1_01] },
  ];
  const comparison = entries.map((e) => ({
    entry: e.name,
    Theta: rec.Theta[e.a]![e.b]!,
    Theta1: rec.Theta1[e.a]![e.b]!,
    publishedTheta: e.published[0],
    publishedTheta1: e.published[1],
  }));
  console.log('GMG Figure 2 setup: four-layer GELU, no bias, C_W = 1.98305826, λ_W = 1, n0 = 4');
  for (const c of comparison) {
    console.log(`  ${c.entry}: Θ = ${c.Theta.toFixed(6)} (published ${c.publishedTheta}),  Θ¹ = ${c.Theta1.toFixed(5)} (published ≈ ${c.publishedTheta1})`);
  }

  const mc: { width: number; mean: number[]; stderr: number[]; seconds: number }[] = [];
  if (opts.mc !== false) {
    const { sampleEnsemble } = await import('../src/montecarlo/index.ts');
    for (const n of widths) {
      const t1 = performance.now();
      const res = await sampleEnsemble({
        activation: 'gelu',
        inputs: GMG_INPUTS,
        widths: [n, n, n, 1],
        cb: 0,
        cw: GMG_CW,
        lambdaB: 0,
        lambdaW: 1,
        bias: false,
        nets,
        seed: (opts.seed ?? 1) * 1000 + n,
        quantities: ['Theta'],
      });
      const T = res.layers[DEPTH - 1]!.Theta!;
      const row = { width: n, mean: entries.map((e) => T.mean[e.a]![e.b]!), stderr: entries.map((e) => T.stderr[e.a]![e.b]!), seconds: (performance.now() - t1) / 1000 };
      mc.push(row);
      console.log(`  n = ${String(n).padStart(3)}: Θ₀₀ = ${row.mean[0]!.toFixed(4)} ± ${row.stderr[0]!.toFixed(4)} (recursion ${(rec.Theta[0]![0]! + rec.Theta1[0]![0]! / n).toFixed(4)}),  Θ₀₁ = ${row.mean[1]!.toFixed(4)} ± ${row.stderr[1]!.toFixed(4)} (recursion ${(rec.Theta[0]![1]! + rec.Theta1[0]![1]! / n).toFixed(4)})  [${row.seconds.toFixed(1)} s]`);
    }
  }

  const nMin = Math.min(6, ...widths);
  const nMax = Math.max(220, ...widths);
  const line = (a: number, b: number) =>
    Array.from({ length: 60 }, (_, i) => nMin * Math.pow(nMax / nMin, i / 59)).map((n) => ({ x: n, y: rec.Theta[a]![b]! + rec.Theta1[a]![b]! / n }));
  const out = {
    example: 'gelu-gmg',
    setup: { activation: 'gelu', inputs: GMG_INPUTS, depth: DEPTH, cb: 0, cw: GMG_CW, lambdaB: 0, lambdaW: 1, bias: false },
    recursion: rec,
    comparison,
    montecarlo: { nets, rows: mc },
    seconds: (performance.now() - t0) / 1000,
  };
  const { mkdirSync } = await import('node:fs');
  mkdirSync(outDir, { recursive: true });
  const { writeFileAtomic, writeGridPlot } = await import('../src/plot/index.ts');
  writeFileAtomic(join(outDir, 'gelu-gmg.json'), JSON.stringify(out, null, 1) + '\n');
  if (opts.plot !== false) {
    const panels = entries.map((e, k) => ({
      title: `${e.name}⁽⁴⁾ against width`,
      x: { label: 'hidden width n', log: true },
      y: { label: `mean NTK ${e.name}` },
      series: [
        { name: 'recursion Θ + Θ¹/n', kind: 'line' as const, points: line(e.a, e.b) },
        { name: 'infinite width Θ', kind: 'line' as const, dash: true, points: [{ x: nMin, y: rec.Theta[e.a]![e.b]! }, { x: nMax, y: rec.Theta[e.a]![e.b]! }] },
        ...(mc.length ? [{ name: `sampled networks (${nets} per width, ±1 s.e.)`, kind: 'points' as const, points: mc.map((r) => ({ x: r.width, y: r.mean[k]!, err: r.stderr[k]! })) }] : []),
      ],
    }));
    await writeGridPlot(join(outDir, 'gelu-gmg.svg'), {
      title: 'Finite-width NTK of a four-layer GELU MLP (GMG Figure 2 setup)',
      subtitle: 'no bias, C_W = 1.98305826, λ_W = 1, n0 = 4; recursion line vs sampled networks',
      columns: 2,
      panels,
    });
  }
  console.log(`wrote ${join(outDir, 'gelu-gmg.json')}${opts.plot !== false ? ` and ${join(outDir, 'gelu-gmg.svg')}` : ''}`);
  return out;
}

function parseArgs(argv: string[]): GmgOptions {
  return exampleOptions<GmgOptions>('gelu-gmg.ts', argv, { nets: { key: 'nets', kind: 'int', min: 2 }, widths: { key: 'widths', kind: 'ints' }, seed: { key: 'seed', kind: 'int', min: 0 }, out: { key: 'outDir', kind: 'dir', default: 'out/examples' }, 'no-mc': { key: 'mc', kind: 'flag', value: false }, 'no-plot': { key: 'plot', kind: 'flag', value: false } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(parseArgs(process.argv.slice(2)));
}
