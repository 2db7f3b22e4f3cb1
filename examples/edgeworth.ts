/**
 * Edgeworth densities of a finite-width network output against sampled networks (Maiti, "Non-Perturbative
 * Non-Lagrangian Neural Network Field Theories", partition function via duality; src/fieldtheory/edgeworth.ts,
 * docs/field-theory.md).
 *
 * A single-hidden-layer tanh network (C_b = 0, C_W = 1, output C_W = 1) at one input x = 1: its exact cumulants by
 * duality (κ₄ = κ₄(h)/N, κ₆ = κ₆(h)/N²), the Gaussian, O(1/N) and O(1/N²) densities, and 10⁶ sampled networks.
 * Panel (a): the densities and the histogram at N = 4 (strongly non-Gaussian).
 * Panel (b): per-bin residuals (observed − expected)/√expected at N = 8 for the three models (χ² contributions).
 * Panel (c): the χ² p-values of the three models against N (log scales): the Gaussian is rejected up to large N, the
 *            O(1/N²) density is accepted from N = 8 on.
 *
 * Writes out/edgeworth/edgeworth.{svg,json}. Run: node bin/run-ts.js examples/edgeworth.ts [--nets 1000000] [--widths 4,8,16,32] [--seed 1] [--out DIR]
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { networkEdgeworth } from '../src/fieldtheory/edgeworth-network.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface EdgeworthExampleOptions {
  nets?: number;
  widths?: number[];
  seed?: number;
  outDir?: string;
}

export async function edgeworthExample(opts: EdgeworthExampleOptions = {}) {
  const nets = opts.nets ?? 1_000_000;
  const widths = opts.widths ?? [4, 8, 16, 32];
  const seed = opts.seed ?? 1;
  const outDir = opts.outDir ?? 'out/edgeworth';
  const rows = widths.map((N, i) => {
    const r = networkEdgeworth({ activation: 'tanh', widths: [N, 1], inputs: [[1]], cb: 0, cw: 1, order: 2, nets, seed: seed + i });
    return { N, r };
  });
  const first = rows[0]!.r;
  const s = Math.sqrt(first.covariance[0]![0]!);
  const xs = Array.from({ length: 241 }, (_, i) => s * (-4 + (8 * i) / 240));
  const hist = (samples: Float64Array, lo: number, hi: number, nb: number) => {
    const w = (hi - lo) / nb;
    const counts = new Array<number>(nb).fill(0);
    for (let t = 0; t < samples.length; t++) {
      const k = Math.floor((samples[t]! - lo) / w);
      if (k >= 0 && k < nb) counts[k] = counts[k]! + 1;
    }
    return counts.map((c, k) => ({ x: lo + (k + 0.5) * w, y: c / (samples.length * w), err: Math.sqrt(c) / (samples.length * w) }));
  };
  const panelA: PlotSeries[] = [
    { name: 'Gaussian', kind: 'line', dash: true, color: '#7f7f7f', points: xs.map((x) => ({ x, y: first.gaussianOnly.density([x]) })) },
    { name: 'Edgeworth O(1/N)', kind: 'line', dash: true, color: '#2ca02c', points: xs.map((x) => ({ x, y: first.firstOrder!.density([x]) })) },
    { name: 'Edgeworth O(1/N²)', kind: 'line', color: '#1f77b4', points: xs.map((x) => ({ x, y: first.density.density([x]) })) },
    { name: `${nets} networks (±1σ)`, kind: 'points', color: '#d62728', points: hist(first.sampled!.samples, -4 * s, 4 * s, 48) },
  ];
  const mid = rows.find((x) => x.N === 8) ?? rows[Math.min(1, rows.length - 1)]!;
  const residual = (t: { bins: { from: number; to: number; observed: number; expected: number }[] }) =>
    t.bins.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to)).map((b) => ({ x: (b.from + b.to) / 2, y: (b.observed - b.expected) / Math.sqrt(b.expected) }));
  const mt = mid.r.sampled!.tests;
  const panelB: PlotSeries[] = [
    { name: 'Gaussian', kind: 'points', color: '#7f7f7f', points: residual(mt.gaussian) },
    { name: 'O(1/N)', kind: 'points', color: '#2ca02c', points: residual(mt.order1) },
    { name: 'O(1/N²)', kind: 'points', color: '#1f77b4', points: residual(mt.order2!) },
  ];
  const pv = (k: 'gaussian' | 'order1' | 'order2') => rows.map(({ N, r }) => ({ x: N, y: Math.max(1e-300, r.sampled!.tests[k]!.pValue) }));
  const panelC: PlotSeries[] = [
    { name: 'Gaussian', kind: 'line', color: '#7f7f7f', points: pv('gaussian') },
    { name: 'O(1/N)', kind: 'line', color: '#2ca02c', points: pv('order1') },
    { name: 'O(1/N²)', kind: 'line', color: '#1f77b4', points: pv('order2') },
    { name: 'p = 0.01', kind: 'line', dash: true, color: '#000000', points: [{ x: widths[0]!, y: 0.01 }, { x: widths[widths.length - 1]!, y: 0.01 }] },
  ];
  mkdirSync(outDir, { recursive: true });
  const svg = join(outDir, 'edgeworth.svg');
  const json = join(outDir, 'edgeworth.json');
  await writeGridPlot(svg, {
    title: 'Edgeworth densities of a tanh network output against sampled networks',
    subtitle: `one hidden layer of width N, one input; cumulants via duality; ${nets} networks per width`,
    columns: 3,
    panels: [
      { title: `(a) density at N = ${rows[0]!.N}`, x: { label: 'φ' }, y: { label: 'density' }, series: panelA, width: 300, height: 240 },
      { title: `(b) residuals at N = ${mid.N}`, x: { label: 'φ' }, y: { label: '(observed − expected)/√expected' }, series: panelB, width: 300, height: 240 },
      { title: '(c) χ² p-value', x: { label: 'width N', log: true }, y: { label: 'p', log: true }, series: panelC, width: 300, height: 240 },
    ],
  });
  const out = rows.map(({ N, r }) => ({ N, covariance: r.covariance, kappa4: r.kappa4, kappa6: r.kappa6, terms: r.density.terms, chiSquare: Object.fromEntries(Object.entries(r.sampled!.tests).map(([k, t]) => [k, { chi2: t.chi2, dof: t.dof, pValue: t.pValue }])) }));
  writeFileAtomic(json, JSON.stringify({ nets, seed, activation: 'tanh', input: 1, widths: out }, null, 1) + '\n');
  return { rows: out, svg, json };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<EdgeworthExampleOptions>('edgeworth.ts', process.argv.slice(2), { nets: { key: 'nets', kind: 'int', min: 1000 }, widths: { key: 'widths', kind: 'ints', min: 1 }, seed: { key: 'seed', kind: 'int', min: 0 }, out: { key: 'outDir', kind: 'string' } });
  const { rows, svg, json } = await edgeworthExample(opts);
  console.log('   N   κ₄/K²      χ²/dof Gaussian (p)          χ²/dof O(1/N) (p)           χ²/dof O(1/N²) (p)');
  for (const r of rows) {
    const c = r.chiSquare as Record<string, { chi2: number; dof: number; pValue: number }>;
    const f = (t: { chi2: number; dof: number; pValue: number }) => `${t.chi2.toFixed(1)}/${t.dof} (${t.pValue.toExponential(1)})`.padEnd(26);
    const k4 = (r.kappa4 as number[][][][])[0]![0]![0]![0]! / r.covariance[0]![0]! ** 2;
    console.log(`${String(r.N).padStart(4)}   ${k4.toFixed(4)}    ${f(c.gaussian!)}  ${f(c.order1!)}  ${f(c.order2!)}`);
  }
  console.log(`wrote ${svg} and ${json}`);
}
