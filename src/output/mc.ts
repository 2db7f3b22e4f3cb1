/**
 * Output of `nnft mc`: the merge state (--state FILE, the exact sums `nnft merge` combines) and the result as a
 * table, JSON (streamed) or NumPy files DIR/<Quantity>_<layer>.mean.npy and .stderr.npy (float64, C order, the
 * JSON's index order) with DIR/inputs.npy and DIR/meta.json. Everything is checked before sampling starts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NnftInputError } from '../errors.ts';
import type { ArchitectureSpec } from '../spec.ts';
import type { McLayerResult, McResult } from '../montecarlo/types.ts';
import type { McState } from '../montecarlo/index.ts';
import { isSampled, QUANTITY_NAMES, resolveQuantity, type SampledQuantity } from '../quantities.ts';
import { requireWritableFile, writeFileAtomic } from '../cli/output.ts';
import { requireJsonSize, TextSink, writeJsonValue } from './json.ts';
import { writeMeta, type NpyFileEntry } from './meta.ts';
import { npyFileBytes, writeNpy, writeNpyNested } from './npy.ts';
import { parseOutputOptions, type OutputChoice, type RawOutputOptions } from './options.ts';
import { requireDiskSpace } from './paths.ts';
import { indexOrder, quantityShape } from './recursions.ts';

/** The quantities the sampler estimates, in the registry's order. */
const MC_NAMES: readonly SampledQuantity[] = QUANTITY_NAMES.filter(isSampled);

export interface McOutputPlan {
  output: OutputChoice;
  /** Absolute path of the merge state, if asked for. */
  state?: string;
  npoint: boolean;
  arch: ArchitectureSpec;
  /** Numbers in the result (per-layer quantities; undefined for n-point functions). */
  numbers?: number;
}

/** The options of `nnft mc` that decide where its result goes. */
export interface McOutputOptions extends RawOutputOptions {
  state?: string;
  quantities?: string;
}

/** Parse and check --state and the output options (before any sampling). */
export function planMcOutput(opts: McOutputOptions, arch: ArchitectureSpec, npoint: boolean): McOutputPlan {
  const stateRaw = typeof opts.state === 'string' ? opts.state : undefined;
  const state = stateRaw !== undefined ? requireWritableFile('--state', stateRaw) : undefined;
  const L = arch.widths.length;
  if (npoint) {
    if (opts.format !== undefined && String(opts.format).toLowerCase() === 'npy') {
      throw new NnftInputError('--format', 'npy files hold per-layer quantities; n-point functions (--orders, --points) are written as a table or JSON', 'use --format json (with --out FILE)');
    }
    if (opts.layers !== undefined) throw new NnftInputError('--layers', 'applies to per-layer quantities; n-point functions are of one layer', 'use --layer L');
  }
  const output = parseOutputOptions(opts, L, { option: '--state', path: stateRaw });
  let numbers: number | undefined;
  if (!npoint) {
    const m = arch.inputs.length;
    // unknown names are refused later by the quantity parser; here only the size of the known ones matters
    const qs = [...new Set(String(opts.quantities ?? 'K,V4').split(',').map((s) => resolveQuantity(s)).filter((q): q is SampledQuantity => q !== undefined && isSampled(q)))];
    const perLayer = qs.reduce((s, q) => s + quantityShape(q, m).reduce((a, b) => a * b, 1), 0);
    const n = output.layers.length;
    numbers = 2 * perLayer * n;
    if (output.format === 'json') requireJsonSize(`the means and standard errors of ${qs.join(', ')} for ${m} inputs over ${n} layer${n > 1 ? 's' : ''}`, 2 * perLayer * n);
    if (output.format === 'npy') {
      const bytes = n * qs.reduce((s, q) => s + 2 * npyFileBytes(quantityShape(q, m)), 0);
      requireDiskSpace('the NumPy files of the Monte Carlo estimates', output.out!, bytes, 'free disk space, choose another --out, or write fewer layers (--layers last)');
    }
  }
  return { output, state, npoint, arch, numbers };
}

/** Write the state and the result as planned. */
export async function writeMcOutput(
  plan: McOutputPlan, state: McState, finish: (s: McState) => Promise<unknown>, formatResult: (res: never) => string,
): Promise<void> {
  if (plan.state) writeFileAtomic('--state', plan.state, JSON.stringify(state));
  const { output } = plan;
  if (output.quiet && output.out === undefined) return;
  const res = (await finish(state)) as McResult | Record<string, unknown>;
  const selected = new Set(output.layers);
  const perLayer = !plan.npoint && Array.isArray((res as McResult).layers);
  const shown = perLayer ? { ...(res as McResult), layers: (res as McResult).layers.filter((l) => selected.has(l.layer)) } : res;
  if (output.format === 'npy') {
    writeMcNpy(plan, shown as McResult);
    return;
  }
  const sink = output.out ? TextSink.file(output.out) : TextSink.stdout();
  try {
    if (output.format === 'json') await writeJsonValue(sink, shown, plan.numbers);
    else await sink.write(formatResult(shown as never));
    await sink.write('\n');
  } catch (e) {
    sink.abort();
    throw e;
  }
  await sink.end();
}

function writeMcNpy(plan: McOutputPlan, res: McResult): void {
  const dir = plan.output.out!;
  const m = plan.arch.inputs.length;
  const n0 = plan.arch.inputs[0]?.length ?? 0;
  mkdirSync(dir, { recursive: true });
  writeNpy(join(dir, 'inputs.npy'), [m, n0], Float64Array.from(plan.arch.inputs.flat()));
  const files: NpyFileEntry[] = [];
  const present = new Set<SampledQuantity>();
  for (const l of res.layers) {
    for (const q of MC_NAMES) {
      const e = (l as McLayerResult)[q] as { mean: unknown; stderr: unknown } | undefined;
      if (!e) continue;
      present.add(q);
      for (const stat of ['mean', 'stderr'] as const) {
        const file = `${q}_${l.layer}.${stat}.npy`;
        writeNpyNested(join(dir, file), quantityShape(q, m), e[stat]);
        files.push({ file, quantity: q, layer: l.layer, statistic: stat, shape: quantityShape(q, m), dtype: 'float64', order: 'C' });
      }
    }
  }
  const a = plan.arch;
  writeMeta(dir, {
    command: 'mc',
    spec: { activation: a.activation, widths: a.widths, cb: a.cb, cw: a.cw, lambdaB: a.lambdaB, lambdaW: a.lambdaW },
    inputs: { count: m, dimension: n0, file: 'inputs.npy', order: 'index a of every array is input a, in the order given (row a of inputs.npy)' },
    layers: plan.output.layers,
    normalisation: 'PDLT: finite-width quantities (V4, K1, Theta1, A, B, D, F) multiplied by n_{ℓ−1}, as the recursions report them',
    indexOrder: Object.fromEntries([...present].map((q) => [q, indexOrder(q)])),
    statistics: 'mean: the sample mean over networks; stderr: its jackknife standard error (same shape)',
    files,
    sampling: res.meta,
    timings: { totalSeconds: res.meta.seconds },
  });
}
