import type { Command } from 'commander';
import { solveRecursions, type LayerResult } from '../../../recursions/index.ts';
import { parseQuantities } from '../../quantities.ts';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { GCNN_HELP, addGcnnOptions, isGcnn, runGcnnRecursions } from '../gcnn-options.ts'; // group-convolutional networks
import { parseList } from '../options.ts';
import { lazyProgress } from '../progress.ts';

interface RecursionsOptions extends ArchitectureOptions {
  quantities: string;
  json?: boolean;
  quiet?: boolean;
}

const EXAMPLE = `
Quantities (docs/conventions.md; finite-width ones reported WITHOUT the 1/n_{ℓ−1} factor):
  K       infinite-width kernel K⁽ℓ⁾ (m×m)             Theta   infinite-width NTK Θ⁽ℓ⁾ (m×m)
  V4      four-point vertex V_(α1α2)(α3α4) (m⁴)        K1      1/n correction to the two-point function (m×m)
  Theta1  1/n correction to the mean NTK (m×m)         A, B    NTK variance (m⁴)
  D, F    NTK–preactivation cross-correlations (m⁴)
Default: K,Theta,V4,K1. The table shows K, Θ and V/(n K²) (with n = n_{ℓ−1}; '—' where K² is 0 or
overflows) on the diagonal.

Example:
  nnft recursions --activation tanh --cb 0 --cw 1 --widths 64,64,64 \\
      --inputs '[[1,0.5],[0.2,-0.9]]' --quantities K,Theta,V4,K1 --json
`;

/** `nnft recursions`: K, Θ and the O(1/n) quantities layer by layer (recursions/). */
export function register(program: Command): void {
  const cmd = program
    .command('recursions')
    .description('infinite-width kernel and NTK, and their 1/n corrections, layer by layer (docs/equations.md)');
  addArchitectureOptions(cmd)
    .option('--quantities <list>', 'comma list of K,Theta,V4,K1,Theta1,A,B,D,F', 'K,Theta,V4,K1')
    .option('--json', 'print JSON {"layers":[{"layer","width","K",…}]} (shape: docs/conventions.md) instead of the table')
    .option('--quiet', 'no progress bar on stderr (shown otherwise for solves over ~2 s when stderr is a terminal)')
    .addHelpText('after', EXAMPLE);
  addGcnnOptions(cmd).addHelpText('after', GCNN_HELP); // group-convolutional networks
  cmd
    .action(async (opts: RecursionsOptions) => {
      if (isGcnn(opts)) return runGcnnRecursions(opts); // group-convolutional networks (src/cli/gcnn-options.ts)
      const spec = parseArchitecture(opts);
      const quantities = parseQuantities(parseList('--quantities', opts.quantities, 'K,Theta,V4'), 'recursions', '--quantities');
      // the table normalises V by K², so it always shows K
      if (!opts.json && !quantities.includes('K')) quantities.unshift('K');
      // a progress bar on stderr for long solves (only on a terminal; stdout stays clean)
      const progress = await lazyProgress({ enabled: !opts.quiet, format: 'nnft recursions [{bar}] {percentage}% | layer {layer}/{layers} | {work} | ETA {eta_formatted}' });
      let res;
      try {
        res = solveRecursions({ ...spec, quantities }, { json: opts.json === true, onProgress: (p) => progress.update(Math.round(1000 * p.fraction), 1000, { layer: p.layer, layers: p.layers, work: `expectations ${p.total > 0 ? Math.round((100 * p.done) / p.total) : 100}% of the layer` }) });
      } finally {
        progress.stop();
      }
      process.stdout.write((opts.json ? JSON.stringify(res) : formatTable(res.layers, spec.inputs[0]!.length)) + '\n');
      // an overflowing layer ends the solve: the finite layers are printed, the reason goes to stderr, exit 2
      const tr = res.truncated;
      if (tr) {
        process.stderr.write(`nnft: stopped at layer ${tr.layer} (${tr.quantity}): ${tr.reason} — ${tr.fix}; layers 1–${tr.layer - 1} are reported\n`);
        process.exitCode = 2;
      }
    });
}

type Row = LayerResult;

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6) : x.toExponential(4);
}

/** Entry [a][a] of a matrix and [a][a][a][a] of a rank-4 tensor (NaN when absent). */
const diag2 = (M: number[][] | undefined, a: number): number => M?.[a]?.[a] ?? NaN;
const diag4 = (T: number[][][][] | undefined, a: number): number => T?.[a]?.[a]?.[a]?.[a] ?? NaN;

/** V/(n K²) for the table: '—' where it is not a finite number (K = 0, or K² outside the double range). */
function ratio(v: number, nK2: number): string {
  const x = v / nK2;
  return Number.isFinite(x) ? fmt(x) : '—';
}

/** A readable per-layer table: one row per layer and input α, diagonal entries only. */
export function formatTable(layers: Row[], n0: number): string {
  const cols = ['layer', 'width', 'α'];
  const has = (k: keyof Row): boolean => layers.some((l) => l[k] !== undefined);
  if (has('K')) cols.push('K_αα');
  if (has('Theta')) cols.push('Θ_αα');
  if (has('V4')) cols.push('V_αααα/(n K²)');
  if (has('K1')) cols.push('K¹_αα');
  if (has('Theta1')) cols.push('Θ¹_αα');
  for (const q of ['A', 'B', 'D', 'F'] as const) if (has(q)) cols.push(`${q}_αααα`);
  const rows: string[][] = [];
  layers.forEach((l, i) => {
    const nPrev = i === 0 ? n0 : (layers[i - 1]?.width ?? NaN);
    const m = (l.K ?? l.Theta ?? l.K1 ?? l.Theta1 ?? [[]]).length || (l.V4 ?? l.A ?? l.B ?? l.D ?? l.F ?? []).length;
    for (let a = 0; a < m; a++) {
      const r = [String(l.layer), String(l.width), String(a)];
      if (has('K')) r.push(fmt(diag2(l.K, a)));
      if (has('Theta')) r.push(fmt(diag2(l.Theta, a)));
      if (has('V4')) r.push(ratio(diag4(l.V4, a), nPrev * diag2(l.K, a) ** 2));
      if (has('K1')) r.push(fmt(diag2(l.K1, a)));
      if (has('Theta1')) r.push(fmt(diag2(l.Theta1, a)));
      for (const q of ['A', 'B', 'D', 'F'] as const) if (has(q)) r.push(fmt(diag4(l[q], a)));
      rows.push(r);
    }
  });
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]): string => r.map((s, j) => s.padStart(w[j] ?? 0)).join('  ');
  return [line(cols), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n');
}
