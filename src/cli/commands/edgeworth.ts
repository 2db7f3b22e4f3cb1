import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { networkEdgeworth, type NetworkEdgeworth } from '../../fieldtheory/edgeworth-network.ts';
import { writePlot, type PlotSeries } from '../../plot/index.ts';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { finiteJson, optionNumber, optionOutputPath } from '../field-options.ts';

const EXAMPLE = `
Edgeworth expansion of the output distribution (Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field
Theories", "partition function via duality"; docs/field-theory.md): with y = L⁻¹φ (K = LLᵀ) and He_n the
Hermite polynomials,
  p(φ) = N(φ; 0, K)·[1 + Σ_n κ₄(n)/n!·He_n(y) + (order 2) Σ κ₆(n)/n!·He_n(y) + ½(Σ κ₄ D)²·He]   (κ whitened),
through O(1/N) (--order 1) or O(1/N²) (--order 2). One hidden layer (--widths N,1): exact cumulants via
duality, both orders; deeper networks: K + K¹/n and V4/n from the recursions, order 1. --nets samples one-hidden-
layer networks at one input and tests the histogram against the Gaussian and the Edgeworth densities (Pearson's
χ², bins over ±4.5σ merged to ≥ 5 expected counts). The density is not positive everywhere: the output says
where it is negative on the printed range.

Examples:
  nnft edgeworth --activation tanh --widths 8,1 --inputs '[[1]]' --order 2 --nets 1000000 --svg out/tanh8.svg
  nnft edgeworth --activation tanh --widths 32,32,1 --inputs '[[1],[0.5]]' --order 1 --json
`;

/** `nnft edgeworth`: the O(1/N) and O(1/N²) Edgeworth densities of the network output. */
export function register(program: Command): void {
  const cmd = program
    .command('edgeworth')
    .description('Edgeworth density of the network output at one or two inputs, through O(1/N) or O(1/N²), with a χ² test against sampled networks (docs/field-theory.md)');
  addArchitectureOptions(cmd)
    .option('--order <k>', '1: through O(1/N); 2: through O(1/N²) (one hidden layer)', '2')
    .option('--points <n>', 'grid points per input of the printed density', '41')
    .option('--range <s>', 'the grid spans ±s standard deviations', '4')
    .option('--nets <n>', 'sample this many networks (one hidden layer, one input) and run the χ² tests')
    .option('--seed <s>', 'seed of the sampled networks', '1')
    .option('--svg <file>', 'plot the densities (and the histogram with --nets) to this SVG file (one input)')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: ArchitectureOptions & Record<string, string | boolean | undefined>) => {
      const arch = parseArchitecture(opts);
      const order = optionNumber('--order', opts.order, { integer: true, min: 1, max: 2 }) as 1 | 2;
      const points = optionNumber('--points', opts.points, { integer: true, min: 3, max: 2001 })!;
      const range = optionNumber('--range', opts.range, { above: 0, max: 20 })!;
      const nets = optionNumber('--nets', opts.nets, { integer: true, min: 1000, max: 1e9 });
      const seed = optionNumber('--seed', opts.seed, { integer: true, min: 0 })!;
      const svg = optionOutputPath('--svg', opts.svg);
      if (svg && arch.inputs.length !== 1) throw new NnftInputError('--svg', 'the plot is drawn for one input', 'pass one input');
      const r = networkEdgeworth({ ...arch, order, nets, seed });
      const m = r.inputs.length;
      const sd = r.covariance.map((row, a) => Math.sqrt(row[a]!));
      const grid = (a: number) => Array.from({ length: points }, (_, i) => sd[a]! * (-range + (2 * range * i) / (points - 1)));
      let table: { phi: number[]; gaussian: number; edgeworth: number; firstOrder?: number }[];
      if (m === 1) table = grid(0).map((x) => ({ phi: [x], gaussian: r.gaussianOnly.density([x]), edgeworth: r.density.density([x]), ...(r.firstOrder ? { firstOrder: r.firstOrder.density([x]) } : {}) }));
      else {
        table = [];
        for (const x of grid(0)) for (const y of grid(1)) table.push({ phi: [x, y], gaussian: r.gaussianOnly.density([x, y]), edgeworth: r.density.density([x, y]) });
      }
      const negative = table.filter((t) => t.edgeworth < 0).map((t) => t.phi);
      if (svg) await plot(svg, r, Array.from({ length: 241 }, (_, i) => sd[0]! * (-range + (2 * range * i) / 240)));
      const tests = r.sampled ? Object.fromEntries(Object.entries(r.sampled.tests).map(([k, t]) => [k, { chi2: t.chi2, dof: t.dof, pValue: t.pValue }])) : undefined;
      const json = {
        source: r.source,
        order: r.order,
        inputs: r.inputs,
        covariance: r.covariance,
        kappa4: r.kappa4,
        ...(r.kappa6 ? { kappa6: r.kappa6 } : {}),
        terms: r.density.terms,
        density: table,
        negativeAt: negative,
        ...(r.sampled ? { sampled: { nets: r.sampled.nets, seed: r.sampled.seed, chiSquare: tests } } : {}),
        ...(svg ? { svg } : {}),
      };
      if (opts.json) {
        process.stdout.write(finiteJson(json) + '\n');
        return;
      }
      const lines = [`${r.source}; order ${r.order} (${r.order === 1 ? 'through O(1/N)' : 'through O(1/N²)'})`, `K = ${JSON.stringify(r.covariance.map((row) => row.map((v) => Number(v.toPrecision(6)))))}`];
      lines.push(`correction 1 + ${r.density.terms.map((t) => `${t.coefficient.toPrecision(4)}·He_${t.n.join(',')}`).join(' + ')}`);
      if (m === 1) {
        lines.push('       φ      Gaussian     Edgeworth' + (r.firstOrder ? '   order 1' : ''));
        for (const t of table) lines.push(`  ${t.phi[0]!.toFixed(4).padStart(9)}  ${t.gaussian.toExponential(4)}  ${t.edgeworth.toExponential(4).padStart(11)}${t.firstOrder !== undefined ? '  ' + t.firstOrder.toExponential(4) : ''}`);
      } else lines.push(`${table.length} grid points (use --json for the table)`);
      lines.push(negative.length ? `the density is negative at ${negative.length} of ${table.length} grid points` : 'the density is positive on the grid');
      if (tests) for (const [k, t] of Object.entries(tests)) lines.push(`χ² against ${r.sampled!.nets} sampled networks, ${k}: ${t.chi2.toFixed(1)} / ${t.dof} dof, p = ${t.pValue.toExponential(2)}`);
      if (svg) lines.push(`wrote ${svg}`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

async function plot(path: string, r: NetworkEdgeworth, xs: number[]): Promise<void> {
  const series: PlotSeries[] = [
    { name: 'Gaussian', kind: 'line', dash: true, color: '#7f7f7f', points: xs.map((x) => ({ x, y: r.gaussianOnly.density([x]) })) },
    ...(r.firstOrder ? [{ name: 'Edgeworth O(1/N)', kind: 'line' as const, dash: true, color: '#2ca02c', points: xs.map((x) => ({ x, y: r.firstOrder!.density([x]) })) }] : []),
    { name: `Edgeworth O(1/N${r.order === 2 ? '²' : ''})`, kind: 'line', color: '#1f77b4', points: xs.map((x) => ({ x, y: r.density.density([x]) })) },
  ];
  if (r.sampled) {
    const s = r.sampled.samples;
    const lo = xs[0]!, hi = xs[xs.length - 1]!;
    const nb = 60;
    const w = (hi - lo) / nb;
    const counts = new Array<number>(nb).fill(0);
    for (let i = 0; i < s.length; i++) {
      const k = Math.floor((s[i]! - lo) / w);
      if (k >= 0 && k < nb) counts[k] = counts[k]! + 1;
    }
    const n = s.length;
    series.push({ name: `${n} sampled networks (±1σ)`, kind: 'points', color: '#d62728', points: counts.map((c, k) => ({ x: lo + (k + 0.5) * w, y: c / (n * w), err: Math.sqrt(c) / (n * w) })) });
  }
  await writePlot(path, { title: 'Output density: Gaussian and Edgeworth', subtitle: r.source, x: { label: 'φ' }, y: { label: 'density' }, series });
}
