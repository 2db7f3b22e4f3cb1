/**
 * Command-line options of the example scripts, parsed with node:util parseArgs. Each flag maps to an
 * option key and a kind; integers are checked against a minimum, output directories are checked for
 * writability before any work starts, and `--help` prints the script's header comment. A bad flag or value
 * throws NnftInputError: bin/run-ts.js prints its one line and exits with code 2.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { closestName } from '../src/closest.ts';
import { NnftInputError } from '../src/errors.ts';
import { requireWritableDir } from '../src/cli/output.ts';

export type FlagKind = 'int' | 'ints' | 'string' | 'strings' | 'dir' | 'flag' | 'choice';
export interface FlagSpec {
  key: string;
  kind: FlagKind;
  /** Smallest allowed integer (for 'int' and every entry of 'ints'); default 1. */
  min?: number;
  /** 'flag': the value stored when the flag is given (default true; e.g. false for --no-plot). */
  value?: boolean;
  /** 'choice': the allowed words. */
  choices?: readonly string[];
  /** 'dir': the directory written when the flag is not given (checked all the same). */
  default?: string;
}

/** Thrown by exampleOptions after printing the help: the script should stop with exit code 0. */
export class HelpShown extends Error {
  constructor() {
    super('help shown');
    this.name = 'HelpShown';
  }
}

function usage(file: string, flags: Record<string, FlagSpec>): string {
  const lines: string[] = [];
  const script = process.argv[1];
  if (script !== undefined && basename(script) === file) {
    const m = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(script, 'utf8'));
    if (m?.[1]) lines.push(...m[1].split('\n').map((l) => l.replace(/^\s*\* ?/, '')).filter((l, i, a) => !(l === '' && (i === 0 || i === a.length - 1))), '');
  }
  lines.push(`Options of examples/${file}:`);
  for (const [flag, spec] of Object.entries(flags)) {
    const arg = spec.kind === 'flag' ? '' : spec.kind === 'int' ? ` <integer ≥ ${spec.min ?? 1}>` : spec.kind === 'ints' ? ` <integers ≥ ${spec.min ?? 1}, comma-separated>` : spec.kind === 'dir' ? ' <directory>' : spec.kind === 'choice' ? ` <${(spec.choices ?? []).join('|')}>` : spec.kind === 'strings' ? ' <comma list>' : ' <text>';
    lines.push(`  --${flag}${arg}${spec.default !== undefined ? ` (default ${spec.default})` : ''}`);
  }
  lines.push('  --help');
  return lines.join('\n');
}

export function exampleOptions<T>(file: string, argv: string[], flags: Record<string, FlagSpec>): T {
  const fix = `see node bin/run-ts.js examples/${file} --help`;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage(file, flags)}\n`);
    throw new HelpShown();
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(flags).map(([f, s]) => [f, { type: s.kind === 'flag' ? ('boolean' as const) : ('string' as const) }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw parseError(e, argv, flags, fix);
  }
  const out: Record<string, unknown> = {};
  const int = (flag: string, s: string, min: number): number => {
    const x = Number(s);
    if (s.trim() === '' || !Number.isSafeInteger(x) || x < min) throw new NnftInputError(`--${flag}`, `'${s}' is not an integer ≥ ${min}`, fix);
    return x;
  };
  for (const [flag, spec] of Object.entries(flags)) {
    const raw = values[flag] ?? (spec.kind === 'dir' ? spec.default : undefined);
    if (raw === undefined) continue;
    if (spec.kind === 'flag') {
      out[spec.key] = spec.value ?? true;
      continue;
    }
    if (typeof raw !== 'string') continue;
    const min = spec.min ?? 1;
    if (spec.kind === 'int') out[spec.key] = int(flag, raw, min);
    else if (spec.kind === 'ints') out[spec.key] = raw.split(',').map((s) => int(flag, s.trim(), min));
    else if (spec.kind === 'strings') out[spec.key] = raw.split(',').map((s) => s.trim());
    else if (spec.kind === 'dir') {
      requireWritableDir(`--${flag}`, raw);
      out[spec.key] = raw;
    }
    else if (spec.kind === 'choice') {
      const choices = spec.choices ?? [];
      if (!choices.includes(raw)) throw new NnftInputError(`--${flag}`, `'${raw}' is not one of ${choices.join(', ')}`, fix);
      out[spec.key] = raw;
    } else out[spec.key] = raw;
  }
  return out as T;
}

/** node:util parseArgs errors as one line naming the flag. */
function parseError(e: unknown, argv: string[], flags: Record<string, FlagSpec>, fix: string): NnftInputError {
  const code = (e as { code?: string }).code;
  const known = Object.keys(flags).map((f) => `--${f}`);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const bad = argv.find((a) => a.startsWith('-') && !known.includes(a.split('=')[0] ?? a)) ?? '?';
    const near = closestName((bad.split('=')[0] ?? bad).replace(/^-+/, ''), Object.keys(flags));
    return new NnftInputError(bad, 'unknown option', `${near !== undefined ? `did you mean --${near}? ` : ''}the options are ${known.join(', ')}`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /'(--[\w-]+)/.exec((e as Error).message)?.[1] ?? 'option';
    return new NnftInputError(flag, (e as Error).message.includes('argument missing') ? 'needs a value' : 'takes no value', fix);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const bad = /'([^']*)'/.exec((e as Error).message)?.[1] ?? '';
    return new NnftInputError('arguments', `unexpected argument '${bad}'`, `every value follows its flag, e.g. --nets 1000; ${fix}`);
  }
  return new NnftInputError('options', (e as Error).message.split('\n')[0] ?? 'invalid', fix);
}
