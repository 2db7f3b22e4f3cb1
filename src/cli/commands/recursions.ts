import type { Command } from 'commander';
import type { LayerResult } from '../../../recursions/index.ts';
import { parseOutputOptions, refuseOutputOptions } from '../../output/options.ts';
import { writeRecursionsOutput } from '../../output/recursions.ts';
import { parseQuantities } from '../../quantities.ts';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { GCNN_HELP, addGcnnOptions, isGcnn, runGcnnRecursions } from '../gcnn-options.ts'; // group-convolutional networks
import { parseList } from '../options.ts';

interface RecursionsOptions extends ArchitectureOptions {
  quantities: string;
  json?: boolean;
  format?: string;
  out?: string;
  layers?: string;
  quiet?: boolean;
}

const EXAMPLE = `
Quantities (docs/conventions.md; finite-width ones reported WITHOUT the 1/n_{ℓ−1} factor):
  K       infinite-width kernel K⁽ℓ⁾ (m×m)             Theta   infinite-width NTK Θ⁽ℓ⁾ (m×m)
  V4      four-point vertex V_(α1α2)(α3α4) (m⁴)        K1      1/n correction to the two-point function (m×m)
  Theta1  1/n correction to the mean NTK (m×m)         A, B    NTK variance (m⁴)
  D, F    NTK–preactivation cross-correlations (m⁴)
  chi     susceptibilities chi_par = χ_∥, chi_perp = χ_⊥ at each input (m), on each layer's own kernel with the
          C_W of the next layer (docs/criticality.md)
Default: K,Theta,V4,K1. The table shows K, Θ and V/(n K²) (with n = n_{ℓ−1}; '—' where K² is 0 or
overflows) on the diagonal.
K and Theta alone (--quantities K,Theta) use the many-input kernel engine (closed forms for relu, leaky_relu,
erf, linear, sin, gauss; a Mehler series otherwise; worker threads; thousands of inputs): see docs/kernels.md.

Output (docs/output-formats.md):
  --format table|json|npy   table (default), JSON (same as --json), or NumPy files K_<layer>.npy, … + meta.json
  --out PATH                write there instead of stdout (a directory for --format npy)
  --layers last|all|1,5,10  layers to report (default all)
JSON larger than ~200 MB is refused: use --format npy.

Examples:
  nnft recursions --activation tanh --cb 0 --cw 1 --widths 64,64,64 \\
      --inputs '[[1,0.5],[0.2,-0.9]]' --quantities K,Theta,V4,K1 --json
  nnft recursions --activation relu --cb 0 --cw 2 --widths 64,64,64,64,64 --inputs inputs.json \\
      --quantities K,Theta --format npy --out kernels/ --layers last
`;

/** `nnft recursions`: K, Θ and the O(1/n) quantities layer by layer (recursions/, src/kernels for K and Θ alone). */
export function register(program: Command): void {
  const cmd = program
    .command('recursions')
    .description('infinite-width kernel and NTK, and their 1/n corrections, layer by layer (docs/equations.md)');
  addArchitectureOptions(cmd)
    .option('--quantities <list>', 'comma list of K,Theta,V4,K1,Theta1,A,B,D,F,chi (= chi_par,chi_perp)', 'K,Theta,V4,K1')
    .option('--json', 'print JSON {"layers":[{"layer","width","K",…}]} (shape: docs/conventions.md) instead of the table (same as --format json)')
    // ── output options (src/output) ──
    .option('--format <kind>', 'table | json | npy (npy: one .npy file per quantity and layer, needs --out DIR)')
    .option('--out <path>', 'write the result to PATH instead of stdout (a directory for --format npy)')
    .option('--layers <which>', 'layers to report: last | all | a comma list such as 1,5,10 (default all)')
    .option('--quiet', 'print nothing to stdout and show no progress bar (needs --out)')
    .addHelpText('after', EXAMPLE);
  addGcnnOptions(cmd).addHelpText('after', GCNN_HELP); // group-convolutional networks
  cmd
    .action(async (opts: RecursionsOptions) => {
      if (isGcnn(opts)) {
        refuseOutputOptions(opts, 'group-convolutional networks');
        return runGcnnRecursions(opts); // group-convolutional networks (src/cli/gcnn-options.ts)
      }
      const spec = parseArchitecture(opts);
      const quantities = parseQuantities(parseList('--quantities', opts.quantities, 'K,Theta,V4'), 'recursions', '--quantities');
      // every output path and size is checked before anything is computed
      const output = parseOutputOptions(opts, spec.widths.length);
      // the table normalises V by K², so it always shows K
      if (output.format === 'table' && !quantities.includes('K')) quantities.unshift('K');
      const tr = await writeRecursionsOutput(spec, quantities, output, { formatTable });
      // an overflowing layer ends the solve: the finite layers are written, the reason goes to stderr, exit 2
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

/**
 * A readable per-layer table: one row per layer and input α, diagonal entries only. `only` restricts the rows to
 * some layers (the V normalisation still uses the previous layer's width).
 */
export function formatTable(layers: Row[], n0: number, only?: ReadonlySet<number>): string {
  const cols = ['layer', 'width', 'α'];
  const has = (k: keyof Row): boolean => layers.some((l) => l[k] !== undefined);
  if (has('K')) cols.push('K_αα');
  if (has('Theta')) cols.push('Θ_αα');
  if (has('V4')) cols.push('V_αααα/(n K²)');
  if (has('K1')) cols.push('K¹_αα');
  if (has('Theta1')) cols.push('Θ¹_αα');
  for (const q of ['A', 'B', 'D', 'F'] as const) if (has(q)) cols.push(`${q}_αααα`);
  if (has('chi_par')) cols.push('χ∥_α');
  if (has('chi_perp')) cols.push('χ⊥_α');
  const rows: string[][] = [];
  layers.forEach((l, i) => {
    if (only && !only.has(l.layer)) return;
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
      if (has('chi_par')) r.push(fmt(l.chi_par?.[a] ?? NaN));
      if (has('chi_perp')) r.push(fmt(l.chi_perp?.[a] ?? NaN));
      rows.push(r);
    }
  });
  const w = cols.map((c, j) => rows.reduce((x, r) => Math.max(x, (r[j] ?? '').length), c.length));
  const line = (r: string[]): string => r.map((s, j) => s.padStart(w[j] ?? 0)).join('  ');
  return [line(cols), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n');
}
