/**
 * Symmetry via duality (Maiti, Stoner, Halverson, "Symmetry-via-Duality"): the App. C SO(D) invariance experiment (its Figure 2) and the μ_W / k
 * symmetry-breaking verdicts of eq. 14.
 *
 *   node bin/run-ts.js examples/symmetry-duality.ts [--out DIR] [--quick]
 *
 * Writes DIR/symmetry-duality.json and DIR/symmetry-duality.svg (default DIR = out/examples).
 *
 * Part 1 (App. C): Gauss-net, D = 3 and 5, widths 2…100; 10 experiments of 2 000 networks each; G⁽²⁾ and
 * G⁽⁴⁾ (full D^n output tensors at fixed inputs) rotated by 1 000 elements exp(Σ α_i T^i), α_i ~ U(0,1).
 * Plotted: μ_M ± σ_M (band) and ±δM (the eq. 45 error bound, dashed) against width, as in Figure 2. With
 * far fewer networks than the paper (4·10⁶) the bound is correspondingly larger; what must hold is that
 * μ_M lies inside ±δM at every width (the correlators are SO(D) invariant up to sampling error). As in the
 * paper, μ_M is larger at the smallest widths (most visibly for G⁽⁴⁾): narrow Gauss-nets are strongly
 * non-Gaussian, so a fixed number of networks estimates their correlators less precisely — δM grows with it,
 * i.e. this is sampling error, not a width dependence of the symmetry.
 *
 * Part 2 (eq. 14): output weights with mean μ_W on the first k rows. For each (k, μ_W·n) the paired test of
 * `nnft symmetry --case broken-mean` gives the verdict for SO(D) (mixing the first k rows: broken as soon as
 * μ_W ≠ 0) and for SO(D−k) on the remaining rows (never broken, for every μ_W).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic, writeGridPlot, type LinePlotSpec } from '../src/plot/index.ts';
import { appCExperiment, type AppCResult } from '../src/symmetry/appc.ts';
import { checkSymmetry } from '../src/symmetry/cases.ts';
import { exampleOptions } from './args.ts';

export interface SymmetryDualityOptions {
  outDir?: string;
  /** a shorter run (fewer widths, networks and elements) for `npm start` */
  quick?: boolean;
  log?: (line: string) => void;
}

export async function runSymmetryDuality(opts: SymmetryDualityOptions = {}): Promise<{ json: string; svg: string; ok: boolean }> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const outDir = opts.outDir ?? 'out/examples';
  const quick = opts.quick ?? false;
  const t0 = Date.now();
  const widths = quick ? [2, 10, 50] : [2, 5, 10, 20, 50, 100];
  const Ds = [3, 5];
  const nets = quick ? 1000 : 2000;
  const elements = quick ? 200 : 1000;

  log(`App. C: Gauss-net, SO(D) on G⁽²⁾ and G⁽⁴⁾, 10 experiments × ${nets} networks, ${elements} elements exp(Σ α_i T^i)`);
  log('   D  width   μ_M2 ± σ_M2            δM2        μ_M4 ± σ_M4            δM4        inside ±δM');
  const appc: AppCResult[] = [];
  let ok = true;
  for (const D of Ds) {
    for (const width of widths) {
      const r = appCExperiment({ D, width, nets, elements, experiments: 10, seed: 1 });
      appc.push(r);
      const inside = r.M['2'].mean < r.M['2'].bound && r.M['4'].mean < r.M['4'].bound;
      ok &&= inside;
      const f = (x: number): string => x.toExponential(2);
      log(`  ${String(D).padStart(2)}  ${String(width).padStart(5)}   ${f(r.M['2'].mean)} ± ${f(r.M['2'].sigma)}   ${f(r.M['2'].bound)}   ${f(r.M['4'].mean)} ± ${f(r.M['4'].sigma)}   ${f(r.M['4'].bound)}   ${inside ? 'yes' : 'NO'}`);
    }
  }

  // Part 2: μ_W / k verdicts (D = 4 so that k = 2 leaves SO(2))
  const D2 = 4, width2 = 32;
  const breaking: { k: number; muWTimesN: number; muW: number; verdict: string; maxZ: number; subgroup: string; subgroupVerdict: string; subgroupMaxZ: number; threshold: number }[] = [];
  log('');
  log(`eq. 14: mean μ_W on the first k of D = ${D2} output rows (ReLU, width ${width2}, ${quick ? 5000 : 10000} networks, α = 1e-3)`);
  log('   k  μ_W·n   SO(4) verdict (max|z|)     SO(4−k) on the other rows (max|z|)');
  for (const k of [1, 2]) {
    for (const mun of quick ? [0, 1] : [0, 0.25, 1]) {
      const r = checkSymmetry({ case: 'broken-mean', dim: D2, k, width: width2, muW: mun / width2, nets: quick ? 5000 : 10000, orders: [1, 2, 4], seed: 2 });
      const expectBroken = mun > 0;
      // the unbroken subgroup is never found broken (at these sample sizes it can be inconclusive)
      ok &&= (r.verdict === 'broken') === expectBroken && r.subgroup!.verdict !== 'broken';
      breaking.push({ k, muWTimesN: mun, muW: mun / width2, verdict: r.verdict, maxZ: r.maxZ, subgroup: r.subgroup!.group, subgroupVerdict: r.subgroup!.verdict, subgroupMaxZ: r.subgroup!.maxZ, threshold: r.threshold });
      log(`   ${k}  ${mun.toFixed(2).padStart(5)}   ${r.verdict.padEnd(9)} (${r.maxZ.toFixed(1).padStart(5)})         ${r.subgroup!.verdict.padEnd(9)} (${r.subgroup!.maxZ.toFixed(1)})   [threshold ${r.threshold.toFixed(2)}]`);
    }
  }

  const panels: LinePlotSpec[] = [];
  for (const D of Ds) {
    for (const n of ['2', '4'] as const) {
      const rows = appc.filter((r) => r.D === D);
      panels.push({
        title: `SO(${D}), ${n}-point function, D = ${D}`,
        x: { label: 'width N', log: true },
        y: { label: `M${n === '2' ? '₂' : '₄'} = |G′ − G|  (${n}-point)` },
        series: [
          { name: `μ_M ± σ_M`, kind: 'band', color: '#1f77b4', points: rows.map((r) => ({ x: r.width, y: r.M[n].mean, err: r.M[n].sigma })) },
          { name: '+δM (eq. 45 bound)', kind: 'line', dash: true, color: '#ff7f0e', points: rows.map((r) => ({ x: r.width, y: r.M[n].bound })) },
          { name: '−δM', kind: 'line', dash: true, color: '#ffbb78', points: rows.map((r) => ({ x: r.width, y: -r.M[n].bound })) },
        ],
      });
    }
  }
  const svgPath = join(outDir, 'symmetry-duality.svg');
  const jsonPath = join(outDir, 'symmetry-duality.json');
  await writeGridPlot(svgPath, {
    title: 'SO(D) invariance of Gauss-net correlators (Maiti, Stoner, Halverson, App. C, Figure 2)',
    subtitle: `μ_M ± σ_M over 10 experiments of ${nets} networks, ${elements} group elements exp(Σ αᵢTⁱ); dashed: ±δM`,
    columns: 2,
    panels,
  });
  const seconds = (Date.now() - t0) / 1000;
  writeFileAtomic(jsonPath, JSON.stringify({ example: 'symmetry-duality', quick, appC: appc, symmetryBreaking: breaking, allAsExpected: ok, seconds }, null, 1) + '\n');
  log('');
  log(`${ok ? 'all as expected' : 'SOME RESULTS NOT AS EXPECTED'}; wrote ${svgPath} and ${jsonPath} (${seconds.toFixed(1)} s)`);
  return { json: jsonPath, svg: svgPath, ok };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const opts = exampleOptions<SymmetryDualityOptions>('symmetry-duality.ts', process.argv.slice(2), { out: { key: 'outDir', kind: 'dir', default: 'out/examples' }, quick: { key: 'quick', kind: 'flag' } });
  const res = await runSymmetryDuality(opts);
  if (!res.ok) process.exitCode = 1;
}
