/**
 * Running of the EFT couplings with the input-space cutoff, and the 1/N suppression of κ relative to λ (Halverson,
 * Maiti, Stoner, "Neural Networks and Quantum Field Theory"; Maiti's slides; src/fieldtheory/rg-flow.ts,
 * docs/field-theory.md).
 *
 * Erf-, Gauss- and ReLU-nets with one hidden layer (the settings of examples/nnqft-couplings.ts) at the inputs
 * −0.6, −0.2, 0.2, 0.6; the vertex integrals run over [−Λ, Λ].
 * Panel (a): |λ(Λ)| against Λ (log–log) at N = 8 from the exact correlators (cumulants via duality), with sampled
 *            points for the Gauss-net; the Gauss-net's λ runs as 1/Λ while Λ is small against its kernel width 1/σ_W
 *            (the ∫dy over a region where K is nearly constant) and freezes once Λ exceeds it.
 * Panel (b): |κ(Λ)| likewise (the λ² trees subtracted from the connected six-point function).
 * Panel (c): |κ/λ| at Λ = 1 against N (log–log): exact lines of slope −1 for the three networks, and sampled points
 *            with errors — κ is 1/N-suppressed relative to λ.
 *
 * Writes out/rg-flow/rg-flow.{svg,json}. Run: node bin/run-ts.js examples/rg-flow.ts [--nets 100000] [--seed 1] [--out DIR]
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { rgFlow, type RgFlowResult } from '../src/fieldtheory/rg-flow.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface RgExampleOptions {
  nets?: number;
  seed?: number;
  outDir?: string;
}

const NETS = [
  { name: 'Gauss-net', activation: 'gauss-net', cb: 0.09, cw: 0.09, color: '#1f77b4' },
  { name: 'Erf-net', activation: 'erf', cb: 1, cw: 1, color: '#2ca02c' },
  { name: 'ReLU-net', activation: 'relu', cb: 1, cw: 1, color: '#d62728' },
];
const INPUTS = [-0.6, -0.2, 0.2, 0.6];
const CUTOFFS = [0.125, 0.25, 0.5, 1, 2, 4];

export async function rgFlowExample(opts: RgExampleOptions = {}) {
  const nets = opts.nets ?? 100_000;
  const seed = opts.seed ?? 1;
  const outDir = opts.outDir ?? 'out/rg-flow';
  const flows: Record<string, RgFlowResult> = {};
  for (const n of NETS) flows[n.name] = rgFlow({ network: { activation: n.activation, cb: n.cb, cw: n.cw, width: 8 }, inputs: INPUTS, cutoffs: CUTOFFS, tolerance: 1e-6 });
  const sampledGauss = rgFlow({ network: { activation: 'gauss-net', cb: 0.09, cw: 0.09, width: 8 }, inputs: INPUTS, cutoffs: CUTOFFS, nets, seed });
  const widths = [2, 4, 8, 16, 32];
  const ratio = NETS.map((n) => ({
    n,
    exact: widths.map((N) => rgFlow({ network: { activation: n.activation, cb: n.cb, cw: n.cw, width: N }, inputs: INPUTS, cutoffs: [0.5, 1, 2], tolerance: 1e-6 }).kappaOverLambda![1]!),
    sampled: widths.slice(0, 3).map((N, i) => ({ N, r: rgFlow({ network: { activation: n.activation, cb: n.cb, cw: n.cw, width: N }, inputs: INPUTS, cutoffs: [0.5, 1, 2], nets, seed: seed + 100 + i, tolerance: 1e-6 }).kappaOverLambda![1]! })),
  }));
  const panelA: PlotSeries[] = NETS.map((n) => ({ name: n.name, kind: 'line', color: n.color, points: flows[n.name]!.lambda.map((l) => ({ x: l.cutoff, y: Math.abs(l.value) })) }));
  panelA.push({ name: `Gauss-net, ${nets} networks`, kind: 'points', color: '#1f77b4', points: sampledGauss.lambda.map((l) => ({ x: l.cutoff, y: Math.abs(l.value), err: l.stderr })) });
  const panelB: PlotSeries[] = NETS.map((n) => ({ name: n.name, kind: 'line', color: n.color, points: flows[n.name]!.kappa!.map((l) => ({ x: l.cutoff, y: Math.abs(l.value) })) }));
  panelB.push({ name: `Gauss-net, ${nets} networks`, kind: 'points', color: '#1f77b4', points: sampledGauss.kappa!.map((l) => ({ x: l.cutoff, y: Math.abs(l.value), err: l.stderr })) });
  const panelC: PlotSeries[] = [];
  for (const { n, exact, sampled } of ratio) {
    panelC.push({ name: `${n.name} (exact)`, kind: 'line', color: n.color, points: exact.map((q, i) => ({ x: widths[i]!, y: Math.abs(q.value) })) });
    panelC.push({ name: `${n.name} (sampled)`, kind: 'points', color: n.color, points: sampled.map(({ N, r }) => ({ x: N, y: Math.abs(r.value), err: r.stderr })) });
  }
  mkdirSync(outDir, { recursive: true });
  const svg = join(outDir, 'rg-flow.svg');
  const json = join(outDir, 'rg-flow.json');
  await writeGridPlot(svg, {
    title: 'EFT couplings against the input-space cutoff Λ, and κ/λ against the width',
    subtitle: `one hidden layer, inputs ${INPUTS.join(', ')}; exact correlators by duality, sampled ± jackknife`,
    columns: 3,
    panels: [
      { title: '(a) |λ(Λ)|, N = 8', x: { label: 'Λ', log: true }, y: { label: '|λ|', log: true }, series: panelA, width: 300, height: 240 },
      { title: '(b) |κ(Λ)|, N = 8', x: { label: 'Λ', log: true }, y: { label: '|κ|', log: true }, series: panelB, width: 300, height: 240 },
      { title: '(c) |κ/λ| at Λ = 1', x: { label: 'width N', log: true }, y: { label: '|κ/λ|', log: true }, series: panelC, width: 300, height: 240 },
    ],
  });
  const result = {
    inputs: INPUTS,
    cutoffs: CUTOFFS,
    flows: Object.fromEntries(Object.entries(flows).map(([k, f]) => [k, { lambda: f.lambda, kappa: f.kappa, lambdaSlope: f.lambdaSlope, kappaSlope: f.kappaSlope, nodes: f.nodes, quadratureError: f.quadratureError }])),
    sampledGauss: { nets, seed, lambda: sampledGauss.lambda, kappa: sampledGauss.kappa, lambdaSlope: sampledGauss.lambdaSlope, kappaSlope: sampledGauss.kappaSlope },
    kappaOverLambda: ratio.map(({ n, exact, sampled }) => ({ network: n.name, widths, exact: exact.map((q) => q.value), sampled: sampled.map(({ N, r }) => ({ N, value: r.value, stderr: r.stderr })) })),
  };
  writeFileAtomic(json, JSON.stringify(result, null, 1) + '\n');
  return { result, svg, json };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<RgExampleOptions>('rg-flow.ts', process.argv.slice(2), { nets: { key: 'nets', kind: 'int', min: 2048 }, seed: { key: 'seed', kind: 'int', min: 0 }, out: { key: 'outDir', kind: 'string' } });
  const { result, svg, json } = await rgFlowExample(opts);
  for (const [k, f] of Object.entries(result.flows)) console.log(`${k.padEnd(10)} d log|λ|/d log Λ = ${f.lambdaSlope.slope.toFixed(4)} ± ${f.lambdaSlope.fitStderr.toExponential(1)} (fit), d log|κ|/d log Λ = ${f.kappaSlope!.slope.toFixed(4)} ± ${f.kappaSlope!.fitStderr.toExponential(1)} over Λ ∈ [${CUTOFFS[0]}, ${CUTOFFS[CUTOFFS.length - 1]}]`);
  const g = result.sampledGauss;
  console.log(`Gauss-net sampled (${g.nets} networks): d log|λ|/d log Λ = ${g.lambdaSlope.slope.toFixed(4)} ± ${g.lambdaSlope.statStderr.toExponential(1)} (statistical)`);
  for (const r of result.kappaOverLambda) console.log(`${r.network.padEnd(10)} κ/λ at Λ = 1: exact ${r.exact.map((v, i) => `N=${r.widths[i]}: ${v.toExponential(3)}`).join(', ')}; sampled ${r.sampled.map((s) => `N=${s.N}: ${s.value.toExponential(2)} ± ${s.stderr.toExponential(1)}`).join(', ')}`);
  console.log(`wrote ${svg} and ${json}`);
}
