/**
 * tanh at criticality (C_b = 0, C_W = 1; the K* = 0 universality class, PDLT §5.3 and §5.4).
 *
 * One input with K⁽¹⁾ = 1. Near the fixed point K* = 0 the kernel recursion K' = C_W⟨tanh²⟩ = K − 2K² + O(K³)
 * gives K⁽ℓ⁾ ≈ 1/(2ℓ) at large depth (a power law, not an exponential: criticality), and the single-input V4
 * recursion (docs/equations.md, V' = C_W²Var(σ²) + χ_∥²V) gives V⁽ℓ⁾/K⁽ℓ⁾² ≈ (2/3)ℓ — the four-point function relative
 * to the kernel grows linearly in depth, so V/(nK²) ≈ (2/3)ℓ/n: the effective expansion parameter is ℓ/n.
 * Both asymptotes carry O(log ℓ / ℓ) relative corrections, visible as a slow approach at moderate depth.
 *
 * Panel (a): K⁽ℓ⁾ against ℓ (log–log): recursion, the 1/(2ℓ) asymptote, Monte Carlo points at small depth.
 * Panel (b): V⁽ℓ⁾/K⁽ℓ⁾² against ℓ (log–log): recursion, (2/3)ℓ, Monte Carlo points (V is the toolkit's V4,
 * docs/conventions.md, without the 1/n: the plotted ratio does not depend on the width).
 *
 * Writes out/tanh-criticality/tanh-criticality.{svg,json}. Run: node bin/run-ts.js examples/tanh-criticality.ts
 * Options: --depth 200 --mc-depth 16 --width 256 --nets 40000 --seed 1 --out DIR
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { solveRecursions } from '../recursions/index.ts';
import { sampleEnsemble } from '../src/montecarlo/index.ts';
import { writeGridPlot, writeFileAtomic } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface TanhOptions {
  depth?: number;
  mcDepth?: number;
  width?: number;
  nets?: number;
  seed?: number;
  outDir?: string;
  log?: (msg: string) => void;
}

export interface TanhResult {
  input: number[];
  recursion: { layer: number; K: number; K1: number; VoverK2: number }[];
  mc: { layer: number; K: number; Kerr: number; VoverK2: number; VoverK2err: number }[];
  width: number;
  nets: number;
  seconds: number;
}

const INPUT = [1];

export async function tanhCriticality(opts: TanhOptions = {}): Promise<TanhResult> {
  const t0 = performance.now();
  const depth = opts.depth ?? 200;
  const mcDepth = Math.min(opts.mcDepth ?? 16, depth);
  const width = opts.width ?? 256;
  const nets = opts.nets ?? 40000;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  log(`tanh-criticality: recursion to depth ${depth}`);
  const th = solveRecursions({ activation: 'tanh', inputs: [INPUT], widths: new Array(depth).fill(width), cb: 0, cw: 1, quantities: ['K', 'V4', 'K1'] });
  const recursion = th.layers.map((L) => ({ layer: L.layer, K: L.K![0]![0]!, K1: L.K1![0]![0]!, VoverK2: L.V4![0]![0]![0]![0]! / L.K![0]![0]! ** 2 }));
  log(`tanh-criticality: Monte Carlo, ${mcDepth} layers of width ${width}, ${nets} networks`);
  const mcRes = await sampleEnsemble({ activation: 'tanh', inputs: [INPUT], widths: new Array(mcDepth).fill(width), cb: 0, cw: 1, nets, seed: opts.seed ?? 1, quantities: ['K', 'V4'] });
  const mc = mcRes.layers.map((M) => {
    const K = M.K!.mean[0]![0]!;
    const V = M.V4!.mean[0]![0]![0]![0]!;
    // ratio of MC estimates; its error is dominated by V's (K's relative error is ~100× smaller)
    return { layer: M.layer, K, Kerr: M.K!.stderr[0]![0]!, VoverK2: V / (K * K), VoverK2err: M.V4!.stderr[0]![0]![0]![0]! / (K * K) };
  });
  return { input: INPUT, recursion, mc, width, nets, seconds: (performance.now() - t0) / 1000 };
}

export async function writeTanhCriticality(res: TanhResult, outDir: string, name = 'tanh-criticality'): Promise<{ svg: string; json: string }> {
  mkdirSync(outDir, { recursive: true });
  const rec = res.recursion;
  const svgPath = join(outDir, `${name}.svg`);
  const jsonPath = join(outDir, `${name}.json`);
  await writeGridPlot(svgPath, {
    title: 'tanh at criticality (C_b = 0, C_W = 1): power-law flow of the kernel and growth of the four-point function',
    subtitle: `one input, K⁽¹⁾ = 1; Monte Carlo: width ${res.width}, ${res.nets} networks, ±1 standard error`,
    columns: 2,
    panels: [
      {
        title: '(a) kernel',
        x: { label: 'layer ℓ', log: true },
        y: { label: 'K⁽ℓ⁾', log: true },
        series: [
          { name: 'recursion', kind: 'line', color: '#1f77b4', points: rec.map((r) => ({ x: r.layer, y: r.K })) },
          { name: 'asymptote 1/(2ℓ)', kind: 'line', dash: true, color: '#7f7f7f', points: rec.filter((r) => r.layer >= 2).map((r) => ({ x: r.layer, y: 1 / (2 * r.layer) })) },
          { name: `Monte Carlo, n = ${res.width}`, kind: 'points', color: '#d62728', points: res.mc.map((r) => ({ x: r.layer, y: r.K, err: r.Kerr })) },
        ],
        width: 380,
        height: 280,
      },
      {
        title: '(b) four-point function relative to the kernel',
        x: { label: 'layer ℓ', log: true },
        y: { label: 'V⁽ℓ⁾ / K⁽ℓ⁾²', log: true },
        series: [
          { name: 'recursion', kind: 'line', color: '#1f77b4', points: rec.filter((r) => r.layer >= 2).map((r) => ({ x: r.layer, y: r.VoverK2 })) },
          { name: 'asymptote (2/3)ℓ', kind: 'line', dash: true, color: '#7f7f7f', points: rec.filter((r) => r.layer >= 2).map((r) => ({ x: r.layer, y: (2 / 3) * r.layer })) },
          { name: `Monte Carlo, n = ${res.width}`, kind: 'points', color: '#d62728', points: res.mc.filter((r) => r.layer >= 2).map((r) => ({ x: r.layer, y: r.VoverK2, err: r.VoverK2err })) },
        ],
        width: 380,
        height: 280,
      },
    ],
  });
  writeFileAtomic(jsonPath, JSON.stringify(res, null, 1) + '\n');
  return { svg: svgPath, json: jsonPath };
}

function parseArgs(argv: string[]): TanhOptions {
  return exampleOptions<TanhOptions>('tanh-criticality.ts', argv, { depth: { key: 'depth', kind: 'int', min: 2 }, 'mc-depth': { key: 'mcDepth', kind: 'int', min: 2 }, width: { key: 'width', kind: 'int', min: 2 }, nets: { key: 'nets', kind: 'int', min: 2 }, seed: { key: 'seed', kind: 'int', min: 0 }, out: { key: 'outDir', kind: 'dir', default: 'out/tanh-criticality' } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  const res = await tanhCriticality(opts);
  const { svg, json } = await writeTanhCriticality(res, opts.outDir ?? 'out/tanh-criticality');
  console.log(`  ℓ     K (recursion)  K·2ℓ     K + K¹/n (n = ${res.width})  K (MC ± stderr)           V/K² (recursion)  V/K² ÷ (2ℓ/3)  V/K² (MC ± stderr)`);
  for (const r of res.recursion) {
    if (![1, 2, 3, 4, 6, 8, 12, 16, 25, 50, 100, 200, 400].includes(r.layer)) continue;
    const m = res.mc[r.layer - 1];
    const mcK = m ? `${m.K.toFixed(5)} ± ${m.Kerr.toFixed(5)}` : '';
    const mcV = m && r.layer > 1 ? `${m.VoverK2.toFixed(4)} ± ${m.VoverK2err.toFixed(4)}` : '';
    const kn = m ? (r.K + r.K1 / res.width).toFixed(5) : '';
    console.log(`  ${String(r.layer).padStart(3)}   ${r.K.toFixed(6)}     ${(r.K * 2 * r.layer).toFixed(4)}   ${kn.padEnd(18)}  ${mcK.padEnd(24)}  ${r.VoverK2.toFixed(4).padStart(10)}        ${r.layer > 1 ? (r.VoverK2 / ((2 * r.layer) / 3)).toFixed(4) : '   —  '}        ${mcV}`);
  }
  console.log(`wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
