/**
 * Finite-width NTK statistics against depth: Θ¹ (mean NTK correction), A, B (NTK variance), D, F (NTK–preactivation
 * cross-correlation), recursion (recursions/ solveRecursions, the system of docs/equations.md) against sampled networks
 * (src/montecarlo sampleEnsemble, full weights, empirical NTK, jackknife standard errors).
 *
 * Setup: one input x = (1, 0.5), C_b = 0, λ_b = λ_W = 1, all hidden widths n, at criticality for ReLU (C_W = 2)
 * and tanh (C_W = 1). Plotted as dimensionless ratios so both activations share a panel:
 *   Θ¹/Θ,  A/Θ²,  B/Θ²,  D/(KΘ),  F/(KΘ)   (all O(1/n) quantities WITHOUT the 1/n, docs/conventions.md),
 * which do not depend on n for equal widths — so one recursion line per activation, with Monte Carlo points at
 * two widths. Checks built in: ReLU at criticality has Θ¹ = 0 exactly (docs/equations.md). The residual MC − recursion
 * is O(ℓ/n) relative (the next order of the 1/n expansion): the wider network's points sit closer to the line.
 *
 * Writes out/ntk-finite-width/ntk-finite-width.{svg,json}. Run: node bin/run-ts.js examples/ntk-finite-width.ts
 * Options: --depth 5 --widths 64,128 --nets N (default 3000 at n ≤ 64, else 2000) --seed 1 --activations relu,tanh --out DIR
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { solveRecursions } from '../../recursions/index.ts';
import { sampleEnsemble } from '../montecarlo/index.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries, type LinePlotSpec } from '../plot/index.ts';

export const NTK_QUANTITIES = ['Theta1', 'A', 'B', 'D', 'F'] as const;
export type NtkQuantity = (typeof NTK_QUANTITIES)[number];

/** Critical C_W (C_b = 0) of the activations this example knows. */
const CRITICAL: Record<string, number> = { relu: 2, tanh: 1, erf: Math.PI / 4, 'leaky_relu(0.1)': 2 / 1.01, sin: 1, gelu: 1.98305826 /* the value of Guillen, Misof, Gerken */ };

export interface NtkOptions {
  depth?: number;
  widths?: number[];
  nets?: number | number[];
  seed?: number;
  activations?: string[];
  outDir?: string;
  log?: (msg: string) => void;
}

export interface NtkRow {
  layer: number;
  K: number;
  Theta: number;
  /** raw recursion values (docs/conventions.md normalisation) */
  recursion: Record<NtkQuantity, number>;
  /** per width: MC mean and stderr (raw) */
  mc: { width: number; nets: number; mean: Record<NtkQuantity, number>; stderr: Record<NtkQuantity, number> }[];
}

export interface NtkResult {
  input: number[];
  depth: number;
  widths: number[];
  activations: { activation: string; cw: number; rows: NtkRow[] }[];
  seconds: number;
}

const INPUT = [1, 0.5];

/** T[0][0]… of a nested tensor (the single-input value); NaN when absent. */
function firstEntry(t: unknown): number {
  let v = t;
  while (Array.isArray(v)) v = v[0];
  return typeof v === 'number' ? v : NaN;
}

function byQuantity(f: (q: NtkQuantity) => number): Record<NtkQuantity, number> {
  return { Theta1: f('Theta1'), A: f('A'), B: f('B'), D: f('D'), F: f('F') };
}

/** The dimensionless ratio plotted for each quantity (scale of the quantity from K and Θ of the same layer). */
export function scaleOf(q: NtkQuantity, K: number, Theta: number): number {
  if (q === 'Theta1') return Theta;
  if (q === 'A' || q === 'B') return Theta * Theta;
  return K * Theta;
}
export const RATIO_LABEL: Record<NtkQuantity, string> = {
  Theta1: 'Θ¹ / Θ',
  A: 'A / Θ²',
  B: 'B / Θ²',
  D: 'D / (K Θ)',
  F: 'F / (K Θ)',
};

export async function ntkFiniteWidth(opts: NtkOptions = {}): Promise<NtkResult> {
  const t0 = performance.now();
  const depth = opts.depth ?? 5;
  const widths = opts.widths ?? [64, 128];
  const netsList = Array.isArray(opts.nets) ? opts.nets : widths.map((n) => (opts.nets as number | undefined) ?? (n <= 64 ? 3000 : 2000));
  const seed = opts.seed ?? 1;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const acts = opts.activations ?? ['relu', 'tanh'];
  const activations: NtkResult['activations'] = [];
  for (const act of acts) {
    const cw = CRITICAL[act] ?? 1;
    const base = { activation: act, inputs: [INPUT], cb: 0, cw, lambdaB: 1, lambdaW: 1 };
    // equal widths: the recursion's (normalised) tensors do not depend on n
    const th = solveRecursions({ ...base, widths: new Array(depth).fill(widths[0]), quantities: ['K', 'Theta', 'V4', 'K1', ...NTK_QUANTITIES] });
    const rows: NtkRow[] = th.layers.map((L) => ({
      layer: L.layer,
      K: firstEntry(L.K),
      Theta: firstEntry(L.Theta),
      recursion: byQuantity((q) => firstEntry(L[q])),
      mc: [],
    }));
    for (let w = 0; w < widths.length; w++) {
      const n = widths[w]!;
      log(`ntk-finite-width: ${act} (C_W = ${cw.toFixed(4)}), n = ${n}, ${depth} layers, ${netsList[w]} networks (full weights)`);
      const mc = await sampleEnsemble({ ...base, widths: new Array(depth).fill(n), nets: netsList[w]!, seed: seed + w, quantities: ['K', 'Theta', ...NTK_QUANTITIES] });
      mc.layers.forEach((M, l) => {
        rows[l]?.mc.push({
          width: n,
          nets: netsList[w] ?? 0,
          mean: byQuantity((q) => firstEntry(M[q]?.mean)),
          stderr: byQuantity((q) => firstEntry(M[q]?.stderr)),
        });
      });
    }
    activations.push({ activation: act, cw, rows });
  }
  return { input: INPUT, depth, widths, activations, seconds: (performance.now() - t0) / 1000 };
}

/** Write the JSON and the five-panel SVG. */
export async function writeNtkFiniteWidth(res: NtkResult, outDir: string, name = 'ntk-finite-width'): Promise<{ svg: string; json: string }> {
  mkdirSync(outDir, { recursive: true });
  const dark = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const light = ['#9ecae1', '#fcae91', '#a1d99b', '#cbc9e2'];
  const panels: LinePlotSpec[] = NTK_QUANTITIES.map((q) => {
    const series: PlotSeries[] = [];
    res.activations.forEach((a, i) => {
      const rows = a.rows.filter((r) => r.layer > 1);
      series.push({ name: `${a.activation}: recursion`, kind: 'line', color: dark[i % dark.length], points: rows.map((r) => ({ x: r.layer, y: r.recursion[q] / scaleOf(q, r.K, r.Theta) })) });
      res.widths.forEach((n, w) => {
        // the narrower width in the light shade, the wider in the dark one; a small x offset keeps bars apart
        const color = w === res.widths.length - 1 ? dark[i % dark.length] : light[i % light.length];
        const dx = (w - (res.widths.length - 1) / 2) * 0.12;
        series.push({
          name: `${a.activation}: MC n = ${n}`,
          kind: 'points',
          color,
          points: rows.map((r) => ({ x: r.layer + dx, y: r.mc[w]!.mean[q] / scaleOf(q, r.K, r.Theta), err: r.mc[w]!.stderr[q] / Math.abs(scaleOf(q, r.K, r.Theta)) })),
        });
      });
    });
    return { title: RATIO_LABEL[q], x: { label: 'layer ℓ', integer: true }, y: { label: RATIO_LABEL[q] }, series, width: 300, height: 220 };
  });
  const svgPath = join(outDir, `${name}.svg`);
  const jsonPath = join(outDir, `${name}.json`);
  await writeGridPlot(svgPath, {
    title: 'Finite-width NTK statistics against depth: recursion vs sampled networks',
    subtitle: `one input x = (${res.input.join(', ')}), C_b = 0, critical C_W (${res.activations.map((a) => `${a.activation} ${+a.cw.toFixed(4)}`).join(', ')}), λ_b = λ_W = 1; ±1 standard error`,
    columns: 3,
    panels,
  });
  writeFileAtomic(jsonPath, JSON.stringify(res, null, 1) + '\n');
  return { svg: svgPath, json: jsonPath };
}

/** A text table: per activation, layer and quantity, recursion vs MC ± stderr at each width. */
export function ntkTable(res: NtkResult, layers?: number[]): string {
  const out: string[] = [];
  for (const a of res.activations) {
    out.push(`${a.activation}, C_W = ${+a.cw.toFixed(4)} (O(1/n) quantities without the 1/n: docs/conventions.md)`);
    out.push(`  ℓ  quantity   recursion   ${res.widths.map((n) => `MC n=${n} (Δ/σ)`.padEnd(31)).join('')}`);
    for (const r of a.rows) {
      if (r.layer === 1 || (layers && !layers.includes(r.layer))) continue;
      for (const q of NTK_QUANTITIES) {
        const mcs = r.mc
          .map((m) => {
            const z = m.stderr[q] > 0 ? ((m.mean[q] - r.recursion[q]) / m.stderr[q]).toFixed(1) : '—';
            return `${fmt(m.mean[q])} ± ${fmt(m.stderr[q])}`.padEnd(24) + `(${z})`.padEnd(7);
          })
          .join('');
        out.push(`  ${String(r.layer).padStart(2)} ${q.padEnd(8)} ${fmt(r.recursion[q]).padStart(10)}   ${mcs}`);
      }
    }
  }
  return out.join('\n');
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? x.toExponential(2) : x.toFixed(a >= 100 ? 1 : a >= 10 ? 2 : 3);
}
