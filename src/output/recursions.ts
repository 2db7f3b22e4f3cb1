/**
 * Output of `nnft recursions` in the three formats (table, JSON, NumPy), for the two solvers: the many-input
 * kernel engine (src/kernels; quantities ⊆ {K, Theta}), which hands over each layer's m × m matrices in turn and
 * never keeps more than the working set, and the recursion solver (recursions/) for the O(1/n) quantities.
 *
 * JSON: {"layers":[{"layer":1,"width":64,"K":[[…]],…},…]} exactly as JSON.stringify of solveRecursions' result,
 * streamed row by row. NumPy: DIR/<Quantity>_<layer>.npy (float64, C order, shape (m, m) or (m, m, m, m), the
 * same index order as the JSON), DIR/inputs.npy (m × n0: row a is input a) and DIR/meta.json.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeSpec, type ArchitectureSpec } from '../spec.ts';
import { QUANTITIES, type QuantityName } from '../quantities.ts';
import { solveRecursions, type LayerResult, type RecursionResult } from '../../recursions/index.ts';
import { runKernels } from '../kernels/index.ts';
import { KernelScaleError } from '../kernels/hermite.ts';
import { lazyProgress } from '../cli/progress.ts';
import { requireJsonSize, TextSink, writeJsonMatrix, writeJsonValue } from './json.ts';
import { writeMeta, type NpyFileEntry } from './meta.ts';
import { npyFileBytes, writeNpy, writeNpyNested } from './npy.ts';
import type { OutputChoice } from './options.ts';
import { requireDiskSpace } from './paths.ts';

/** The array shape of a quantity over m inputs: one axis of length m per index slot (its registered rank). */
export function quantityShape(q: QuantityName, m: number): number[] {
  return Array.from({ length: QUANTITIES[q].rank }, () => m);
}

/** What each array holds, in the JSON's index order (for meta.json and the docs); see also indexOrder(). */
export const INDEX_ORDER: Partial<Record<QuantityName, string>> = {
  K: 'K[a][b] = K_{α_a α_b}',
  Theta: 'Theta[a][b] = Θ_{α_a α_b}',
  K1: 'K1[a][b] = K¹_{α_a α_b}',
  Theta1: 'Theta1[a][b] = Θ¹_{α_a α_b}',
  V4: 'V4[a][b][c][d] = V_{(α_a α_b)(α_c α_d)}',
  A: 'A[a][b][c][d] = A_{(α_a α_b)(α_c α_d)}',
  B: 'B[a][b][c][d] = B_{α_a α_b α_c α_d}',
  D: 'D[a][b][c][d] = D_{α_a α_b α_c α_d} (NTK slots a, b; preactivation slots c, d)',
  F: 'F[a][b][c][d] = F_{α_a α_b α_c α_d} (NTK slots a, c; preactivation slots b, d)',
};

/** The index order of a quantity's array: INDEX_ORDER, or slot k = input α_k with the registry's description. */
export function indexOrder(q: QuantityName): string {
  const known = INDEX_ORDER[q];
  if (known !== undefined) return known;
  const idx = 'abcd'.slice(0, QUANTITIES[q].rank).split('');
  return `${q}${idx.map((i) => `[${i}]`).join('')} = ${q}_{${idx.map((i) => `α_${i}`).join(' ')}}: ${QUANTITIES[q].title}`;
}

export interface RecursionsOutputDeps {
  /** The command's table formatter (recursions result rows). */
  formatTable(layers: LayerResult[], n0: number, only?: ReadonlySet<number>): string;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6) : x.toExponential(4);
}

/** The table of the kernel engine's diagonals (the same columns as the recursion table for K and Θ). */
export function formatKernelTable(rows: { layer: number; width: number; K?: Float64Array; Theta?: Float64Array }[]): string {
  const cols = ['layer', 'width', 'α'];
  const hasK = rows.some((r) => r.K);
  const hasT = rows.some((r) => r.Theta);
  if (hasK) cols.push('K_αα');
  if (hasT) cols.push('Θ_αα');
  const out: string[][] = [];
  for (const r of rows) {
    const m = (r.K ?? r.Theta)!.length;
    for (let a = 0; a < m; a++) {
      const line = [String(r.layer), String(r.width), String(a)];
      if (hasK) line.push(fmt(r.K![a]!));
      if (hasT) line.push(fmt(r.Theta![a]!));
      out.push(line);
    }
  }
  const w = cols.map((c, j) => out.reduce((x, r) => Math.max(x, r[j]!.length), c.length));
  const line = (r: string[]): string => r.map((s, j) => s.padStart(w[j]!)).join('  ');
  return [line(cols), line(w.map((x) => '-'.repeat(x))), ...out.map(line)].join('\n');
}

/**
 * Compute and write the result of `nnft recursions` as `output` asks; every size is checked first. Returns the
 * recursion solver's truncation marker when an overflowing layer ended the solve (the layers before it are
 * written; the caller reports the reason and exits with 2).
 */
export async function writeRecursionsOutput(spec: ArchitectureSpec, quantities: QuantityName[], output: OutputChoice, deps: RecursionsOutputDeps): Promise<RecursionResult['truncated']> {
  const ns = normalizeSpec(spec);
  const { m, n0 } = ns;
  const perLayer = quantities.reduce((s, q) => s + quantityShape(q, m).reduce((a, b) => a * b, 1), 0);
  const nLayers = output.layers.length;
  if (output.format === 'json') {
    requireJsonSize(`${quantities.join(', ')} for ${m} inputs over ${nLayers} layer${nLayers > 1 ? 's' : ''}`, perLayer * nLayers);
  }
  if (output.format === 'npy') {
    const bytes = nLayers * quantities.reduce((s, q) => s + npyFileBytes(quantityShape(q, m)), 0) + npyFileBytes([m, n0]);
    requireDiskSpace(`the NumPy files of ${quantities.join(', ')} over ${nLayers} layer${nLayers > 1 ? 's' : ''}`, output.out!, bytes, 'free disk space, choose another --out, or write fewer layers (--layers last)');
  }
  const engine = quantities.every((q) => q === 'K' || q === 'Theta');
  const t0 = performance.now();
  const files: NpyFileEntry[] = [];
  const selected = new Set(output.layers);
  const sink = output.format === 'npy' ? null : output.out ? TextSink.file(output.out) : TextSink.stdout();
  let methodInfo: Record<string, unknown>;
  let timings: Record<string, unknown> = {};
  let truncated: RecursionResult['truncated'];
  if (output.format === 'npy') {
    mkdirSync(output.out!, { recursive: true });
    writeNpy(join(output.out!, 'inputs.npy'), [m, n0], Float64Array.from(ns.inputs.flat()));
  }
  try {
    await writeResult();
  } catch (e) {
    sink?.abort();
    throw e;
  }
  await sink?.end();
  return truncated;

  async function writeResult(): Promise<void> {
    const npyName = (q: QuantityName, layer: number): string => `${q}_${layer}.npy`;
    let useEngine = engine;
    if (useEngine) {
      try {
        await writeEngineResult();
        return;
      } catch (e) {
        // σ at a scale the Hermite expansions cannot resolve: the recursion solver computes the same K and Θ, if
        // nothing of the engine's result has reached the destination yet
        if (!(e instanceof KernelScaleError) || !(sink?.discard() ?? true)) throw e;
        files.length = 0;
        useEngine = false;
      }
    }
    await writeSolverResult();
  }

  async function writeEngineResult(): Promise<void> {
    const npyName = (q: QuantityName, layer: number): string => `${q}_${layer}.npy`;
    {
      const progress = await lazyProgress({
        format: 'nnft recursions [{bar}] {percentage}% | layer {layer}/{layers} | {value}/{total} pairs | ETA {eta_formatted}',
        enabled: !output.quiet,
      });
      const diagonals: { layer: number; width: number; K?: Float64Array; Theta?: Float64Array }[] = [];
      let first = true;
      if (sink && output.format === 'json') await sink.write('{"layers":[');
      let report;
      try {
        report = await runKernels(
          { ...spec, quantities },
          {
            layers: output.layers,
            onProgress: (p) => progress.update(p.pairsDone, p.pairsTotal, { layer: p.layer, layers: p.layers }),
            onLayer: async (l) => {
              if (output.format === 'npy') {
                for (const q of quantities) {
                  writeNpy(join(output.out!, npyName(q, l.layer)), [m, m], l[q as 'K' | 'Theta']!);
                  files.push({ file: npyName(q, l.layer), quantity: q, layer: l.layer, shape: [m, m], dtype: 'float64', order: 'C' });
                }
              } else if (output.format === 'json') {
                await sink!.write(`${first ? '' : ','}{"layer":${l.layer},"width":${l.width}`);
                first = false;
                for (const q of quantities) {
                  await sink!.write(`,"${q}":`);
                  await writeJsonMatrix(sink!, l[q as 'K' | 'Theta']!, m);
                }
                await sink!.write('}');
              } else {
                const d = { layer: l.layer, width: l.width } as (typeof diagonals)[number];
                for (const q of quantities) {
                  const t = l[q as 'K' | 'Theta']!;
                  const diag = new Float64Array(m);
                  for (let a = 0; a < m; a++) diag[a] = t[a * m + a]!;
                  d[q as 'K' | 'Theta'] = diag;
                }
                diagonals.push(d);
              }
            },
          },
        );
      } finally {
        progress.stop();
      }
      if (sink && output.format === 'json') await sink.write(']}\n');
      if (sink && output.format === 'table') await sink.write(formatKernelTable(diagonals) + '\n');
      methodInfo = {
        solver: 'kernel engine (src/kernels)',
        activation: report.activation,
        method: report.method,
        workers: report.workers,
        fallbackPairs: report.fallbackPairs,
        maxSeriesTerms: report.maxSeriesTerms,
      };
      timings = { totalSeconds: report.seconds, layerSeconds: report.layerSeconds, prepareSeconds: report.prepareSeconds };
      if (output.format === 'npy') {
        writeRecursionsMeta(output, ns, quantities, files, methodInfo, report.closedForm
          ? { pairs: 'closed form: exact to rounding (~1e-15 relative)' }
          : { pairs: `Mehler series truncated at a remainder bound ≤ ${report.pairTolerance} × |value| per pair; Hermite coefficients by trapezoid quadrature agreeing to 1e-14 at two steps` }, timings);
      }
    }
  }

  async function writeSolverResult(): Promise<void> {
    const npyName = (q: QuantityName, layer: number): string => `${q}_${layer}.npy`;
    {
      // a progress bar on stderr for long solves (only on a terminal; stdout stays clean). The solver keeps only the
      // selected layers, except for the table, whose V column divides by the width of the layer before each row.
      const progress = await lazyProgress({
        format: 'nnft recursions [{bar}] {percentage}% | layer {layer}/{layers} | {work} | ETA {eta_formatted}',
        enabled: !output.quiet,
      });
      let res: RecursionResult;
      try {
        res = solveRecursions({ ...spec, quantities }, {
          json: output.format === 'json',
          ...(output.format === 'table' ? {} : { keep: output.layers }),
          onProgress: (p) => progress.update(Math.round(1000 * p.fraction), 1000, {
            layer: p.layer,
            layers: p.layers,
            work: `expectations ${p.total > 0 ? Math.round((100 * p.done) / p.total) : 100}% of the layer`,
          }),
        });
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - t0) / 1000;
      const kept = res.layers.filter((l) => selected.has(l.layer));
      truncated = res.truncated;
      if (output.format === 'npy') {
        for (const l of kept) {
          for (const q of quantities) {
            writeNpyNested(join(output.out!, npyName(q, l.layer)), quantityShape(q, m), l[q]);
            files.push({ file: npyName(q, l.layer), quantity: q, layer: l.layer, shape: quantityShape(q, m), dtype: 'float64', order: 'C' });
          }
        }
        methodInfo = { solver: 'recursion solver (recursions/): evaluators derived by Gaussian integration by parts' };
        // an overflowing layer ended the solve: the files hold the layers before it, meta.json says why
        if (res.truncated) methodInfo.truncated = res.truncated;
        writeRecursionsMeta(output, ns, quantities, files, methodInfo, {
          expectations: 'src/gaussian: closed-form reduction for piecewise-linear σ; calibrated trapezoid quadrature for smooth σ (target 1e-12 relative in 1–2 dimensions, 1e-10 in 3, 1e-8 in 4)',
        }, { totalSeconds: seconds });
      } else if (output.format === 'json') {
        await writeJsonValue(sink!, res.truncated ? { layers: kept, truncated: res.truncated } : { layers: kept }, perLayer * kept.length);
        await sink!.write('\n');
      } else {
        await sink!.write(deps.formatTable(res.layers, n0, selected) + '\n');
      }
    }
  }
}

function writeRecursionsMeta(
  output: OutputChoice, ns: ReturnType<typeof normalizeSpec>, quantities: QuantityName[], files: NpyFileEntry[],
  method: Record<string, unknown>, tolerances: Record<string, unknown>, timings: Record<string, unknown>,
): void {
  writeMeta(output.out!, {
    command: 'recursions',
    spec: {
      activation: ns.activation,
      widths: ns.widths,
      cb: ns.cb,
      cw: ns.cw,
      lambdaB: ns.lambdaB,
      lambdaW: ns.lambdaW,
      quantities,
    },
    inputs: { count: ns.m, dimension: ns.n0, file: 'inputs.npy', order: 'index a of every array is input a, in the order given (row a of inputs.npy)' },
    layers: output.layers,
    normalisation: 'PDLT: finite-width quantities (V4, K1, Theta1, A, B, D, F) without the 1/n_{ℓ−1} factor',
    indexOrder: Object.fromEntries(quantities.map((q) => [q, indexOrder(q)])),
    files,
    method,
    tolerances,
    timings,
  });
}
