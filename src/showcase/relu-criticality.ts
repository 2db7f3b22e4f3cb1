/**
 * ReLU at and away from criticality (Misof's slides, "Empirical V4 evolution at / away from criticality"; PDLT ch. 5).
 *
 * One input, C_b = 0. For ReLU the single-input recursion (docs/equations.md) is V' = C_W²Var(σ²) + χ_∥²V with
 * χ_∥ = C_W/2 and C_W²Var(σ²) = 5K'² (⟨σ⁴⟩ = 3K²/2, ⟨σ²⟩ = K/2), so K⁽ℓ⁾ = (C_W/2)^{ℓ−1}K⁽¹⁾ and
 *   V⁽ℓ⁾/(n K⁽ℓ⁾²) = 5(ℓ−1)/n  for every C_W (the ratio is scale invariant), while
 *   V⁽ℓ⁾ itself grows or decays as (C_W/2)^{2(ℓ−1)}: only C_W = 2 keeps the four-point function O(ℓ/n).
 * The exact finite-width result (docs/equations.md, checks) E[z⁴]/E[z²]² = 3Π_{ℓ'<ℓ}(1 + 5/n_ℓ') gives
 *   V⁽ℓ⁾/(n K²) = Π(1 + 5/n) − 1 = 5(ℓ−1)/n + O(ℓ²/n²),
 * the dashed line: the sampled networks follow it, and leave the 1/n line once ℓ/n is no longer small.
 *
 * Panel (a): V/(nK²) against depth at criticality (C_W = 2), two widths, recursion vs Monte Carlo.
 * Panel (b): V⁽ℓ⁾/n = the connected four-point coefficient, at C_W = 1.8, 2, 2.2 (log scale), at the larger
 * width: it decays or explodes with depth away from C_W = 2 (exact finite-n line K²(Π(1+5/n) − 1) dashed).
 * Here V is the toolkit's V4 (docs/conventions.md, without the 1/n_{ℓ−1}), so the plotted ratio divides it by n.
 *
 * Writes out/relu-criticality/relu-criticality.{svg,json}. Run: node bin/run-ts.js examples/relu-criticality.ts
 * Options: --depth 10 --away-depth 20 --widths 32,128 --nets 50000 --seed 1 --out DIR
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { solveRecursions } from '../../recursions/index.ts';
import { sampleEnsemble } from '../montecarlo/index.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries } from '../plot/index.ts';

export interface ReluCriticalityOptions {
  depth?: number;
  /** hidden widths for panel (a); panel (b) uses the largest of them */
  widths?: number[];
  nets?: number;
  seed?: number;
  outDir?: string;
  /** depth of panel (b) (default 2 × depth: the exponential drift needs more layers to show) */
  awayDepth?: number;
  /** C_W values away from criticality for panel (b) (2 is always added) */
  awayCw?: number[];
  log?: (msg: string) => void;
}

export interface DepthRow {
  layer: number;
  recursion: number;
  mc: number;
  stderr: number;
  /** exact finite-width value (ReLU, C_b = 0, single input: E[z⁴]/E[z²]² = 3Π(1+5/n)) */
  exact?: number;
}

export interface ReluCriticalityResult {
  input: number[];
  depth: number;
  nets: number;
  seed: number;
  /** panel (a): V/(nK²) at C_W = 2 per width */
  critical: { width: number; rows: DepthRow[] }[];
  /** panel (b): V/n per C_W value (exact: K²(Π(1+5/n) − 1)) */
  away: { cw: number; width: number; rows: DepthRow[] }[];
  seconds: number;
}

const INPUT = [1, 0.5];

async function oneRun(cw: number, n: number, depth: number, nets: number, seed: number, normalise: 'K2' | 'n'): Promise<DepthRow[]> {
  const spec = { activation: 'relu', inputs: [INPUT], widths: new Array(depth).fill(n), cb: 0, cw };
  const th = solveRecursions({ ...spec, quantities: ['K', 'V4'] });
  const mc = await sampleEnsemble({ ...spec, nets, seed, quantities: ['K', 'V4'] });
  return th.layers.map((L, l) => {
    const K = L.K![0]![0]!;
    const V = L.V4![0]![0]![0]![0]!;
    const est = mc.layers[l]!.V4!;
    // V/(nK²) with the recursion's K (K is exact for ReLU, C_b = 0, one input: E[z²] = K at any width)
    const div = normalise === 'K2' ? n * K * K : n;
    const row: DepthRow = { layer: l + 1, recursion: V / div, mc: est.mean[0]![0]![0]![0]! / div, stderr: est.stderr[0]![0]![0]![0]! / div };
    // exact at any width and any C_W (C_b = 0): V/(nK²) = Π(1+5/n) − 1 (docs/equations.md; ReLU is scale invariant)
    const exactRatio = Math.pow(1 + 5 / n, l) - 1;
    row.exact = normalise === 'K2' ? exactRatio : K * K * exactRatio;
    return row;
  });
}

export async function reluCriticality(opts: ReluCriticalityOptions = {}): Promise<ReluCriticalityResult> {
  const t0 = performance.now();
  const depth = opts.depth ?? 10;
  const widths = opts.widths ?? [32, 128];
  const nets = opts.nets ?? 50000;
  const seed = opts.seed ?? 1;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const critical: ReluCriticalityResult['critical'] = [];
  for (const n of widths) {
    log(`relu-criticality: C_W = 2, n = ${n}, ${depth} layers, ${nets} networks`);
    critical.push({ width: n, rows: await oneRun(2, n, depth, nets, seed, 'K2') });
  }
  const away: ReluCriticalityResult['away'] = [];
  const cws = [...new Set([...(opts.awayCw ?? [1.8, 2.2]), 2])].sort((a, b) => a - b);
  const nAway = Math.max(...widths);
  for (const cw of cws) {
    log(`relu-criticality: C_W = ${cw}, n = ${nAway}`);
    away.push({ cw, width: nAway, rows: await oneRun(cw, nAway, opts.awayDepth ?? 2 * depth, nets, seed + 1, 'n') });
  }
  return { input: INPUT, depth, nets, seed, critical, away, seconds: (performance.now() - t0) / 1000 };
}

/** Write the JSON and the two-panel SVG; returns their paths. */
export async function writeReluCriticality(res: ReluCriticalityResult, outDir: string, name = 'relu-criticality'): Promise<{ svg: string; json: string }> {
  mkdirSync(outDir, { recursive: true });
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const light = ['#7fb3e0', '#f08a8b', '#8fd18f', '#c5a8de'];
  const a: PlotSeries[] = [];
  res.critical.forEach((c, i) => {
    const color = palette[i % palette.length];
    a.push({ name: `recursion 5(ℓ−1)/n, n = ${c.width}`, kind: 'line', color, points: c.rows.map((r) => ({ x: r.layer, y: r.recursion })) });
    a.push({ name: `exact Π(1+5/n)−1, n = ${c.width}`, kind: 'line', dash: true, color: light[i % light.length], points: c.rows.map((r) => ({ x: r.layer, y: r.exact ?? NaN })).filter((p) => Number.isFinite(p.y)) });
    a.push({ name: `Monte Carlo, n = ${c.width}`, kind: 'points', color, points: c.rows.map((r) => ({ x: r.layer, y: r.mc, err: r.stderr })) });
  });
  const b: PlotSeries[] = [];
  res.away.forEach((c, i) => {
    const color = palette[i % palette.length];
    b.push({ name: `recursion, C_W = ${c.cw}`, kind: 'line', color, points: c.rows.filter((r) => r.layer > 1).map((r) => ({ x: r.layer, y: r.recursion })) });
    b.push({ name: `exact finite n, C_W = ${c.cw}`, kind: 'line', dash: true, color: light[i % light.length], points: c.rows.filter((r) => r.layer > 1).map((r) => ({ x: r.layer, y: r.exact! })) });
    b.push({ name: `Monte Carlo, C_W = ${c.cw}`, kind: 'points', color, points: c.rows.filter((r) => r.layer > 1).map((r) => ({ x: r.layer, y: r.mc, err: r.stderr })) });
  });
  const svgPath = join(outDir, `${name}.svg`);
  const jsonPath = join(outDir, `${name}.json`);
  await writeGridPlot(svgPath, {
    title: 'ReLU four-point function against depth: recursion vs sampled networks',
    subtitle: `one input x = (${res.input.join(', ')}), C_b = 0, ${res.nets} networks per point, error bars ±1 standard error`,
    columns: 2,
    panels: [
      {
        title: '(a) at criticality, C_W = 2',
        x: { label: 'layer ℓ', integer: true },
        y: { label: 'V⁽ℓ⁾ / (n K⁽ℓ⁾²)' },
        series: a,
        width: 380,
        height: 280,
      },
      {
        title: `(b) away from criticality, n = ${res.away[0]?.width}`,
        x: { label: 'layer ℓ', integer: true },
        y: { label: 'V⁽ℓ⁾ / n  (connected 4-point coefficient)', log: true },
        series: b,
        width: 380,
        height: 280,
      },
    ],
  });
  writeFileAtomic(jsonPath, JSON.stringify(res, null, 1) + '\n');
  return { svg: svgPath, json: jsonPath };
}
