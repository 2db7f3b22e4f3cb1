/**
 * The output options of `nnft recursions` and `nnft mc`, parsed and checked before any computation:
 *
 *   --format table|json|npy   table (default) or JSON on stdout, or NumPy files (needs --out DIR); --json = --format json
 *   --out PATH                write the result to PATH instead of stdout (a directory for --format npy)
 *   --layers last|all|LIST    which layers to report (1-based, e.g. 1,5,10; default all)
 *   --quiet                   nothing on stdout and no progress bar (needs somewhere to write: --out, or mc's --state)
 */
import { NnftInputError } from '../errors.ts';
import { requireWritableDir, requireWritableFile } from '../cli/output.ts';

export type OutputFormat = 'table' | 'json' | 'npy';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'npy'];

export interface OutputChoice {
  format: OutputFormat;
  /** Absolute path: a file (table, json) or a directory (npy); undefined = stdout. */
  out?: string;
  /** Selected layers, 1-based, ascending. */
  layers: number[];
  quiet: boolean;
}

export interface RawOutputOptions {
  format?: unknown;
  json?: unknown;
  out?: unknown;
  layers?: unknown;
  quiet?: unknown;
}

/** 'last' | 'all' | comma list of layers in 1..L. */
export function parseLayerSelection(s: string, L: number, option = '--layers'): number[] {
  const t = String(s).trim().toLowerCase();
  if (t === 'all' || t === '') return Array.from({ length: L }, (_, i) => i + 1);
  if (t === 'last') return [L];
  const out = new Set<number>();
  for (const part of t.split(',').map((x) => x.trim())) {
    const v = Number(part);
    if (part === '' || !Number.isInteger(v)) throw new NnftInputError(option, `'${part}' is not a layer number`, `give last, all, or layers in 1..${L} separated by commas (e.g. 1,5,${L})`);
    if (v < 1 || v > L) throw new NnftInputError(option, `layer ${v} is not in 1..${L}`, `the network has ${L} layer${L > 1 ? 's' : ''}; give last, all, or layers in 1..${L}`);
    out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Parse and check the output options for a network of L layers. `otherSink` names another option that writes
 * somewhere (mc's --state), which makes --quiet meaningful without --out. The --out directory for npy is
 * checked here and created when the files are written.
 */
export function parseOutputOptions(raw: RawOutputOptions, L: number, otherSink?: { option: string; path: string | undefined }): OutputChoice {
  const fmtRaw = raw.format === undefined ? undefined : String(raw.format).trim().toLowerCase();
  if (fmtRaw !== undefined && !OUTPUT_FORMATS.includes(fmtRaw as OutputFormat)) {
    throw new NnftInputError('--format', `unknown format '${String(raw.format)}'`, `choose one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  if (raw.json === true && fmtRaw !== undefined && fmtRaw !== 'json') {
    throw new NnftInputError('--json', `conflicts with --format ${fmtRaw}`, 'give one of them');
  }
  const format: OutputFormat = (fmtRaw as OutputFormat | undefined) ?? (raw.json === true ? 'json' : 'table');
  const outRaw = typeof raw.out === 'string' ? raw.out : undefined;
  const quiet = raw.quiet === true;
  if (format === 'npy' && outRaw === undefined) {
    throw new NnftInputError('--out', 'is required with --format npy', 'give a directory for the .npy files, e.g. --format npy --out results/');
  }
  if (quiet && outRaw === undefined && !otherSink?.path) {
    throw new NnftInputError(
      '--quiet',
      'would discard the result: nothing is written without an output',
      `add --out FILE (or --format npy --out DIR)${otherSink ? ` or ${otherSink.option} FILE` : ''}, or drop --quiet`,
    );
  }
  const layers = parseLayerSelection(raw.layers === undefined ? 'all' : String(raw.layers), L);
  let out: string | undefined;
  if (outRaw !== undefined) {
    if (otherSink?.path !== undefined && otherSink.path === outRaw) {
      throw new NnftInputError('--out', `is the same file as ${otherSink.option} (${outRaw})`, 'write the result and the state to different files');
    }
    out = format === 'npy' ? requireWritableDir('--out', outRaw) : requireWritableFile('--out', outRaw);
  }
  return { format, out, layers, quiet };
}

/** The output options are not wired to the group-convolutional solver: refuse them rather than ignore them. */
export function refuseOutputOptions(opts: { format?: string; out?: string; layers?: string; quiet?: boolean }, what: string): void {
  for (const [key, flag] of [['format', '--format'], ['out', '--out'], ['layers', '--layers'], ['quiet', '--quiet']] as const) {
    if (opts[key] !== undefined) throw new NnftInputError(flag, `is not available for ${what}`, `drop ${flag} (the result is printed as a table, or JSON with --json)`);
  }
}
