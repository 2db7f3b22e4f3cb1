/**
 * Criticality of deep MLPs for several activations (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory",
 * ch. 5; src/criticality, docs/criticality.md).
 *
 * For tanh (K* = 0 class), ReLU (scale-invariant), GELU and SiLU (K* > 0, half-stable): the critical (C_b, C_W, K*) with
 * χ_∥ = χ_⊥ = 1, and a depth run of the recursions at criticality.
 * Panel (a): χ_∥(K) and χ_⊥(K) at GELU's critical (C_b, C_W) — both cross 1 at K* = (3 + √17)/2, where also
 *            ⟨σσ''⟩ = 0 (χ_∥ − χ_⊥ = C_W⟨σσ''⟩).
 * Panel (b): K⁽ℓ⁾ − K* against ℓ (log–log): tanh and erf approach 0 as 1/(−a₂ℓ) (power law, not exponential); GELU's
 *            approach from above is governed by its tiny a₂ = −1.4·10⁻⁴ and is far from asymptotic at 10³ layers.
 * Panel (c): V⁽ℓ⁾/K⁽ℓ⁾² against ℓ (log–log): (2/3)ℓ for tanh and erf, 5(ℓ − 1) for ReLU.
 * The table lists the fitted exponents p_K, p_V over ℓ ∈ [depth/10, depth] with their regression errors and drifts.
 *
 * Writes out/criticality/criticality.{svg,json}. Run: node bin/run-ts.js examples/criticality.ts [--depth 1000] [--out DIR]
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { criticality, KernelMap, type CriticalityReport } from '../src/criticality/index.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface CriticalityExampleOptions {
  depth?: number;
  outDir?: string;
}

const ACTIVATIONS = ['tanh', 'erf', 'relu', 'gelu', 'silu'];
const COLORS: Record<string, string> = { tanh: '#1f77b4', erf: '#9467bd', relu: '#d62728', gelu: '#2ca02c', silu: '#ff7f0e' };

export async function criticalityExample(opts: CriticalityExampleOptions = {}): Promise<{ reports: CriticalityReport[]; svg: string; json: string }> {
  const depth = opts.depth ?? 1000;
  const outDir = opts.outDir ?? 'out/criticality';
  const reports = ACTIVATIONS.map((a) => criticality({ activation: a, depth }));
  // (a) susceptibilities of GELU at its critical point
  const gelu = reports[ACTIVATIONS.indexOf('gelu')]!.points[0]!;
  const map = new KernelMap('gelu');
  const Ks = Array.from({ length: 121 }, (_, i) => 0.2 * Math.pow(100, i / 120));
  const panelA = {
    title: `(a) GELU at C_b = ${gelu.cb.toFixed(5)}, C_W = ${gelu.cw.toFixed(5)}`,
    x: { label: 'K', log: true },
    y: { label: 'susceptibility' },
    series: [
      { name: 'χ∥(K)', kind: 'line', color: '#1f77b4', points: Ks.map((K) => ({ x: K, y: map.chiParallel(K, gelu.cw) })) },
      { name: 'χ⊥(K)', kind: 'line', color: '#d62728', points: Ks.map((K) => ({ x: K, y: map.chiPerpendicular(K, gelu.cw) })) },
      { name: `K* = ${gelu.Kstar.toFixed(5)}`, kind: 'points', color: '#000000', points: [{ x: gelu.Kstar, y: 1 }] },
    ] as PlotSeries[],
  };
  const runs = reports.map((r, i) => ({ act: ACTIVATIONS[i]!, point: r.points[0], e: r.exponents[0] }));
  const panelB: PlotSeries[] = [];
  const panelC: PlotSeries[] = [];
  for (const { act, point, e } of runs) {
    if (!point || !e || 'skipped' in e) continue;
    const every = e.layers.filter((row) => row.layer >= 2 && (row.layer <= 20 || row.layer % 10 === 0));
    if (point.class !== 'scale-invariant') {
      const sgn = point.approach === 'from below' ? -1 : 1;
      panelB.push({ name: `${act} (K* = ${point.Kstar.toPrecision(4)})`, kind: 'line', color: COLORS[act], points: every.map((row) => ({ x: row.layer, y: sgn * (row.K - point.Kstar) })) });
    }
    panelC.push({ name: act, kind: 'line', color: COLORS[act], points: every.map((row) => ({ x: row.layer, y: row.VoverK2 })) });
  }
  const ls = Array.from({ length: 40 }, (_, i) => 2 * Math.pow(depth / 2, i / 39));
  panelB.push({ name: '1/(2ℓ)', kind: 'line', dash: true, color: '#7f7f7f', points: ls.map((l) => ({ x: l, y: 1 / (2 * l) })) });
  panelC.push({ name: '(2/3)ℓ', kind: 'line', dash: true, color: '#7f7f7f', points: ls.map((l) => ({ x: l, y: (2 / 3) * l })) });
  mkdirSync(outDir, { recursive: true });
  const svg = join(outDir, 'criticality.svg');
  const json = join(outDir, 'criticality.json');
  await writeGridPlot(svg, {
    title: 'Criticality: χ∥ = χ⊥ = 1 and power laws in depth',
    subtitle: `recursions at the critical (C_b, C_W) of each activation, ${depth} layers, one input`,
    columns: 3,
    panels: [
      { ...panelA, width: 300, height: 240 },
      { title: '(b) approach to the fixed point', x: { label: 'layer ℓ', log: true }, y: { label: '|K⁽ℓ⁾ − K*|', log: true }, series: panelB, width: 300, height: 240 },
      { title: '(c) four-point vertex', x: { label: 'layer ℓ', log: true }, y: { label: 'V⁽ℓ⁾/K⁽ℓ⁾²', log: true }, series: panelC, width: 300, height: 240 },
    ],
  });
  const slim = reports.map((r) => ({ ...r, exponents: r.exponents.map((e) => ('skipped' in e ? e : { ...e, layers: e.layers.filter((row) => row.layer <= 20 || row.layer % 10 === 0) })) }));
  writeFileAtomic(json, JSON.stringify({ depth, reports: slim }, null, 1) + '\n');
  return { reports, svg, json };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<CriticalityExampleOptions>('criticality.ts', process.argv.slice(2), { depth: { key: 'depth', kind: 'int', min: 30 }, out: { key: 'outDir', kind: 'string' } });
  const { reports, svg, json } = await criticalityExample(opts);
  console.log('activation  class            C_b          C_W          K*           p_K (± fit, drift)            p_V (± fit, drift)');
  for (const r of reports) {
    const p = r.points[0];
    if (!p) {
      console.log(`${r.activation.padEnd(10)}  none`);
      continue;
    }
    const e = r.exponents[0]!;
    const fit = (f?: { exponent: number; stderr: number; drift: number }) => (f ? `${f.exponent.toFixed(4)} ± ${f.stderr.toExponential(1)}, ${f.drift.toExponential(1)}` : '0 (constant)');
    console.log(`${r.activation.padEnd(10)}  ${p.class.padEnd(15)}  ${p.cb.toFixed(8).padEnd(11)}  ${p.cw.toFixed(8).padEnd(11)}  ${(p.class === 'scale-invariant' ? 'any' : p.Kstar.toFixed(8)).padEnd(11)}  ${('skipped' in e ? e.skipped : fit(e.kernel)).padEnd(28)}  ${'skipped' in e ? '' : fit(e.vertex)}`);
  }
  console.log(`wrote ${svg} and ${json}`);
}
