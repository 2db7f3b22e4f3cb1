/**
 * Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories"; Halverson, Maiti, Stoner,
 * "Neural networks and quantum field theory"): single-hidden-layer Erf-net, Gauss-net and ReLU-net on 1-D inputs,
 *   f(x) = Σ_j W1_j σ(z_j(x)) with z_j = b0_j + W0_j x (Var b0 = C_b, Var W0 = C_W/1, Var W1 = 1/N; no output bias).
 *
 * Part 1 — non-Gaussianity against width: m_n = ΔG⁽ⁿ⁾/G⁽ⁿ⁾_GP, ΔG⁽ⁿ⁾ = G⁽ⁿ⁾ − Σ_Wick Π G⁽²⁾ (the Wick deviation of
 * src/montecarlo sampleCorrelators, jackknife errors), G_GP = Σ_Wick Π K with K the exact two-point function (for
 * one hidden layer G⁽²⁾ = K at every width). m_n is averaged over all non-decreasing n-tuples of the m inputs;
 * its error bar is the average of the per-tuple standard errors / |G_GP| (conservative: the tuples share networks).
 * For n = 4, 6 it falls as 1/N (the connected 4-point function of i.i.d. neurons is exactly O(1/N)); the plotted
 * line is the least-squares c/N through the points with N ≥ 8 (at N = 2, 4 the O(1/N²) terms show, mostly in
 * m6), and the JSON records the log–log slope over those points.
 *
 * Part 2 — the EFT coupling: λ from G⁽⁴⁾ (docs/equations.md; Maiti's slides),
 *   λ(x1..x4) = [K12K34 + K13K24 + K14K23 − G⁽⁴⁾] / [24 ∫dy K1y K2y K3y K4y],  averaged over the 4-tuples,
 * then ΔG⁽⁶⁾_pred = −24λ Σ_{15} ∫dy K_iy K_jy K_ky K_ly K_mn, against the measured ΔG⁽⁶⁾ (diagrams/nnqft.ts
 * nnqftLambdaWorkflow — the same machinery as examples/nnqft-lambda.ts, which studies the Gauss-net alone).
 * ∫dy runs over an input-space domain: (−20, 20) for the Gauss-net, whose kernel decays (≈ the real line), and the
 * data region [−1, 1] for Erf- and ReLU-net, whose kernels do not decay (there λ depends on the chosen domain,
 * and the test is whether ONE local quartic coupling reproduces the tuple dependence of G⁽⁴⁾ and then G⁽⁶⁾).
 * For one hidden layer ΔG⁽⁶⁾ = Σ_15 ΔG⁽⁴⁾·K + O(1/N²) exactly, so the prediction is as good as a single λ's
 * description of ΔG⁽⁴⁾ across tuples: the Gauss-net (λ nearly tuple-independent) is the clean case.
 *
 * Writes out/nnqft-couplings/nnqft-couplings.{svg,json}. Run: node bin/run-ts.js examples/nnqft-couplings.ts
 * Options: --widths 2,4,8,16,32 --nets 200000 --lambda-width 16 --seed 1 --out DIR
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { sampleCorrelators } from '../src/montecarlo/index.ts';
import { solveRecursions } from '../recursions/index.ts';
import { nnqftLambdaWorkflow, measuredFromCorrelators, sortedTuples, gpCorrelator } from '../diagrams/index.ts';
import type { Space } from '../diagrams/index.ts';
import { writeGridPlot, writeFileAtomic, type PlotSeries } from '../src/plot/index.ts';
import { exampleOptions } from './args.ts';

export interface NetDef {
  name: string;
  network: 'mlp' | 'gauss-net';
  activation: string;
  /** hidden layer C_b, C_W (the Gauss-net's σ_b², σ_W²) */
  cb: number;
  cw: number;
  /** output-layer C_W (σ_a² of the Gauss-net) */
  cwOut: number;
  /** the exact two-point function of the output (closed form; checked against recursions/ for mlp nets) */
  kernel: (u: number, v: number) => number;
  space: Space<number>;
}

const INPUTS = [-0.6, -0.2, 0.2, 0.6];

/** Hidden-layer kernel k(x, x') = C_b + C_W x x' (1-D inputs). */
const k1 = (cb: number, cw: number) => (u: number, v: number) => cb + cw * u * v;

export const NETS: NetDef[] = [
  {
    name: 'Erf-net',
    network: 'mlp',
    activation: 'erf',
    cb: 1,
    cw: 1,
    cwOut: 1,
    // Williams' arcsine kernel: ⟨erf(z)erf(z')⟩ = (2/π) arcsin(2k12/√((1+2k11)(1+2k22)))
    kernel: (u, v) => {
      const k = k1(1, 1);
      return (2 / Math.PI) * Math.asin((2 * k(u, v)) / Math.sqrt((1 + 2 * k(u, u)) * (1 + 2 * k(v, v))));
    },
    space: { kind: 'interval', a: -1, b: 1, nodes: 40 },
  },
  {
    name: 'Gauss-net',
    network: 'gauss-net',
    activation: 'linear', // unused by the gauss-net sampler
    cb: 0.09,
    cw: 0.09,
    cwOut: 1,
    // σ(x) = exp(z − K_xx): ⟨σσ'⟩ = exp(k12 − (k11 + k22)/2) = exp(−σ_W²(x − x')²/2)
    kernel: (u, v) => Math.exp((-0.09 * (u - v) ** 2) / 2),
    space: { kind: 'interval', a: -20, b: 20, nodes: 120 },
  },
  {
    name: 'ReLU-net',
    network: 'mlp',
    activation: 'relu',
    cb: 1,
    cw: 1,
    cwOut: 1,
    // Cho–Saul arc-cosine kernel of degree 1: √(k11k22)(sin θ + (π − θ)cos θ)/(2π)
    kernel: (u, v) => {
      const k = k1(1, 1);
      const a = k(u, u);
      const b = k(v, v);
      const c = Math.max(-1, Math.min(1, k(u, v) / Math.sqrt(a * b)));
      const th = Math.acos(c);
      return (Math.sqrt(a * b) * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
    },
    space: { kind: 'interval', a: -1, b: 1, nodes: 40 },
  },
];

export interface CouplingsOptions {
  widths?: number[];
  nets?: number;
  lambdaWidth?: number;
  seed?: number;
  outDir?: string;
  log?: (msg: string) => void;
}

interface MnPoint {
  width: number;
  m4: number;
  m4err: number;
  m6: number;
  m6err: number;
}

export interface CouplingsResult {
  inputs: number[];
  nets: number;
  perNet: {
    name: string;
    hidden: { cb: number; cw: number };
    kernelCheck?: number;
    mn: MnPoint[];
    fit: { c4: number; c6: number; power4: number; power6: number };
    lambda: {
      width: number;
      mean: number;
      spread: number;
      leastSquares: number;
      g6: { tuple: number[]; gp: number; measuredDelta: number; stderr: number; predictedDelta: number }[];
      chi2PerPoint: { gp: number; predicted: number };
    };
  }[];
  seconds: number;
}

/** Least-squares c in m = c/N, and the power p of a log–log fit m ∝ N^p. */
function fitInverseN(ws: number[], ms: number[]): { c: number; power: number } {
  let sxy = 0;
  let sxx = 0;
  ws.forEach((n, i) => {
    sxy += ms[i]! / n;
    sxx += 1 / (n * n);
  });
  const lx = ws.map(Math.log);
  const ly = ms.map((m) => Math.log(Math.abs(m)));
  const mx = lx.reduce((s, v) => s + v, 0) / lx.length;
  const my = ly.reduce((s, v) => s + v, 0) / ly.length;
  let num = 0;
  let den = 0;
  lx.forEach((x, i) => {
    num += (x - mx) * (ly[i]! - my);
    den += (x - mx) ** 2;
  });
  return { c: sxy / sxx, power: num / den };
}

async function sample(net: NetDef, N: number, nets: number, seed: number, orders: number[]) {
  return sampleCorrelators({
    activation: net.activation,
    network: net.network,
    inputs: INPUTS.map((x) => [x]),
    widths: [N, 1],
    cb: [net.cb, 0],
    cw: [net.cw, net.cwOut],
    nets,
    seed,
    orders,
    outputs: [0],
    wick: true,
  });
}

export async function nnqftCouplings(opts: CouplingsOptions = {}): Promise<CouplingsResult> {
  const t0 = performance.now();
  const widths = opts.widths ?? [2, 4, 8, 16, 32];
  const nets = opts.nets ?? 200000;
  const lw = opts.lambdaWidth ?? 16;
  const seed = opts.seed ?? 1;
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const m = INPUTS.length;
  const t4 = sortedTuples(m, 4);
  const t6 = sortedTuples(m, 6);
  const perNet: CouplingsResult['perNet'] = [];
  for (const net of NETS) {
    // the closed-form kernel against the recursion solver (mlp nets): the same K the sampler's GP uses
    let kernelCheck: number | undefined;
    if (net.network === 'mlp') {
      const th = solveRecursions({ activation: net.activation, inputs: INPUTS.map((x) => [x]), widths: [8, 1], cb: [net.cb, 0], cw: [net.cw, net.cwOut], quantities: ['K'] });
      const K = th.layers[1]!.K!;
      kernelCheck = Math.max(...INPUTS.flatMap((u, a) => INPUTS.map((v, b) => Math.abs(K[a]![b]! - net.kernel(u, v)))));
    }
    const mn: MnPoint[] = [];
    let lambdaCorr: Awaited<ReturnType<typeof sample>> | undefined;
    for (const N of widths) {
      log(`nnqft-couplings: ${net.name}, N = ${N}, ${nets} networks`);
      const r = await sample(net, N, nets, seed + N, [4, 6]);
      if (N === lw) lambdaCorr = r;
      const acc = { 4: { m: 0, e: 0, k: 0 }, 6: { m: 0, e: 0, k: 0 } } as Record<4 | 6, { m: number; e: number; k: number }>;
      for (const e of r.entries) {
        const n = e.points.length as 4 | 6;
        const gp = gpCorrelator(net.kernel, e.points.map(([, a]) => INPUTS[a]!));
        acc[n].m += e.wick!.mean / gp;
        acc[n].e += e.wick!.stderr / Math.abs(gp);
        acc[n].k++;
      }
      mn.push({ width: N, m4: acc[4].m / acc[4].k, m4err: acc[4].e / acc[4].k, m6: acc[6].m / acc[6].k, m6err: acc[6].e / acc[6].k });
    }
    // c/N fitted where the 1/N term dominates (N ≥ 8; at N = 2, 4 the O(1/N²) terms are visible, mostly in m6)
    const big = mn.filter((p) => p.width >= 8).length >= 2 ? mn.filter((p) => p.width >= 8) : mn;
    const f4 = fitInverseN(big.map((p) => p.width), big.map((p) => p.m4));
    const f6 = fitInverseN(big.map((p) => p.width), big.map((p) => p.m6));
    if (!lambdaCorr) {
      log(`nnqft-couplings: ${net.name}, N = ${lw} for λ`);
      lambdaCorr = await sample(net, lw, nets, seed + lw, [4, 6]);
    }
    const meas = measuredFromCorrelators(lambdaCorr);
    // ΔG⁽⁴⁾ from the Wick deviation (measured G⁽²⁾), G⁽⁴⁾ = GP(K) + ΔG⁽⁴⁾: the same numbers with less noise
    const wickOf = new Map<string, { mean: number; stderr: number }>();
    for (const e of lambdaCorr.entries) wickOf.set(e.points.map(([, a]) => a).sort((x, y) => x - y).join(','), e.wick!);
    const dG = (...idx: number[]) => wickOf.get([...idx].sort((x, y) => x - y).join(','))!;
    const G4 = (...idx: number[]) => gpCorrelator(net.kernel, idx.map((i) => INPUTS[i]!)) + dG(...idx).mean;
    const G6 = (...idx: number[]) => gpCorrelator(net.kernel, idx.map((i) => INPUTS[i]!)) + dG(...idx).mean;
    const G6stderr = (...idx: number[]) => dG(...idx).stderr;
    void meas;
    const wf = nnqftLambdaWorkflow({ inputs: INPUTS, kernel: net.kernel, space: net.space, G4, G6, G6stderr, tuples4: t4, tuples6: t6 });
    perNet.push({
      name: net.name,
      hidden: { cb: net.cb, cw: net.cw },
      kernelCheck,
      mn,
      fit: { c4: f4.c, c6: f6.c, power4: f4.power, power6: f6.power },
      lambda: {
        width: lw,
        mean: wf.lambda.mean,
        spread: wf.lambda.spread,
        leastSquares: wf.lambda.leastSquares,
        g6: wf.g6.map((g) => ({ tuple: g.tuple, gp: g.gp, measuredDelta: g.measured! - g.gp, stderr: g.stderr!, predictedDelta: g.predicted - g.gp })),
        chi2PerPoint: { gp: wf.residual!.gpChi2PerPoint!, predicted: wf.residual!.predictedChi2PerPoint! },
      },
    });
  }
  return { inputs: INPUTS, nets, perNet, seconds: (performance.now() - t0) / 1000 };
}

export async function writeNnqftCouplings(res: CouplingsResult, outDir: string, name = 'nnqft-couplings'): Promise<{ svg: string; json: string }> {
  mkdirSync(outDir, { recursive: true });
  const colors = ['#1f77b4', '#2ca02c', '#d62728'];
  const mnPanel = (n: 4 | 6) => {
    const series: PlotSeries[] = [];
    res.perNet.forEach((p, i) => {
      const c = n === 4 ? p.fit.c4 : p.fit.c6;
      const ws = p.mn.map((q) => q.width);
      series.push({ name: `${p.name} (measured)`, kind: 'points', color: colors[i], points: p.mn.map((q) => ({ x: q.width, y: n === 4 ? q.m4 : q.m6, err: n === 4 ? q.m4err : q.m6err })) });
      series.push({ name: `${p.name}: ${c.toPrecision(3)}/N`, kind: 'line', dash: true, color: colors[i], points: [Math.min(...ws), Math.max(...ws)].map((w) => ({ x: w, y: c / w })) });
    });
    return { title: `(${n === 4 ? 'a' : 'b'}) m${n} = ΔG⁽${n === 4 ? '⁴' : '⁶'}⁾ / G⁽${n === 4 ? '⁴' : '⁶'}⁾_GP against width`, x: { label: 'hidden width N', log: true }, y: { label: `m${n === 4 ? '₄' : '₆'} (mean over input tuples)`, log: true }, series, width: 330, height: 250 };
  };
  const g6Series: PlotSeries[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  res.perNet.forEach((p, i) => {
    g6Series.push({
      name: `${p.name}: λ = ${p.lambda.mean.toPrecision(3)}`,
      kind: 'points',
      color: colors[i],
      points: p.lambda.g6.map((g) => ({ x: g.predictedDelta / g.gp, y: g.measuredDelta / g.gp, err: g.stderr / Math.abs(g.gp) })),
    });
    for (const g of p.lambda.g6) {
      for (const v of [g.predictedDelta / g.gp, g.measuredDelta / g.gp]) if (v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  });
  g6Series.push({ name: 'measured = predicted', kind: 'line', dash: true, color: '#7f7f7f', points: [{ x: lo / 1.2, y: lo / 1.2 }, { x: hi * 1.2, y: hi * 1.2 }] });
  const svgPath = join(outDir, `${name}.svg`);
  const jsonPath = join(outDir, `${name}.json`);
  await writeGridPlot(svgPath, {
    title: 'Single-hidden-layer Erf-, Gauss-, ReLU-nets: 1/N non-Gaussianity and the quartic coupling λ (Maiti; Halverson, Maiti, Stoner)',
    subtitle: `inputs x = ${JSON.stringify(res.inputs)}, ${res.nets} networks per width; λ from G⁽⁴⁾ at N = ${res.perNet[0]?.lambda.width}; ±1 standard error`,
    columns: 2,
    panels: [
      mnPanel(4),
      mnPanel(6),
      {
        title: '(c) six-point function per input 6-tuple: λ-prediction vs measured',
        x: { label: 'predicted ΔG⁽⁶⁾/G⁽⁶⁾_GP, ΔG⁽⁶⁾ = −24λ Σ₁₅ ∫K⁴K', log: true, domain: [lo / 1.5, hi * 1.5] },
        y: { label: 'measured (G⁽⁶⁾ − G⁽⁶⁾_GP)/G⁽⁶⁾_GP', log: true, domain: [lo / 1.5, hi * 1.5] },
        series: g6Series,
        width: 330,
        height: 250,
      },
    ],
  });
  writeFileAtomic(jsonPath, JSON.stringify(res, null, 1) + '\n');
  return { svg: svgPath, json: jsonPath };
}

function parseArgs(argv: string[]): CouplingsOptions {
  return exampleOptions<CouplingsOptions>('nnqft-couplings.ts', argv, { widths: { key: 'widths', kind: 'ints' }, nets: { key: 'nets', kind: 'int', min: 1000 }, 'lambda-width': { key: 'lambdaWidth', kind: 'int' }, seed: { key: 'seed', kind: 'int', min: 0 }, out: { key: 'outDir', kind: 'dir', default: 'out/nnqft-couplings' } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = parseArgs(process.argv.slice(2));
  const res = await nnqftCouplings(opts);
  const { svg, json } = await writeNnqftCouplings(res, opts.outDir ?? 'out/nnqft-couplings');
  for (const p of res.perNet) {
    console.log(`${p.name} (hidden C_b = ${p.hidden.cb}, C_W = ${p.hidden.cw})${p.kernelCheck !== undefined ? `; closed-form K vs recursions/: max |Δ| = ${p.kernelCheck.toExponential(1)}` : ''}`);
    console.log('   N     m4 ± err              m6 ± err');
    for (const q of p.mn) console.log(`  ${String(q.width).padStart(3)}   ${q.m4.toFixed(4)} ± ${q.m4err.toFixed(4)}     ${q.m6.toFixed(4)} ± ${q.m6err.toFixed(4)}`);
    console.log(`  fit: m4 ≈ ${p.fit.c4.toFixed(3)}/N (log–log slope ${p.fit.power4.toFixed(2)}), m6 ≈ ${p.fit.c6.toFixed(3)}/N (slope ${p.fit.power6.toFixed(2)})`);
    console.log(`  λ (N = ${p.lambda.width}) = ${p.lambda.mean.toExponential(3)} (spread over 4-tuples ${p.lambda.spread.toExponential(2)}, least squares ${p.lambda.leastSquares.toExponential(3)})`);
    console.log(`  G6 over ${p.lambda.g6.length} 6-tuples: χ²/point  GP only ${p.lambda.chi2PerPoint.gp.toFixed(1)}  →  GP + λ diagrams ${p.lambda.chi2PerPoint.predicted.toFixed(1)}`);
  }
  console.log(`wrote ${svg} and ${json} (${res.seconds.toFixed(1)} s)`);
}
