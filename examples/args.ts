/**
 * Command-line options of the example scripts, parsed with node:util parseArgs. Each flag maps to an
 * option key and a kind; integers are checked against a minimum, so a bad value gets a clear error.
 */
import { parseArgs } from 'node:util';
import { NnftInputError } from '../src/errors.ts';

export type FlagKind = 'int' | 'ints' | 'string' | 'strings';
export interface FlagSpec {
  key: string;
  kind: FlagKind;
  /** Smallest allowed integer (for 'int' and every entry of 'ints'); default 1. */
  min?: number;
}

export function exampleOptions<T>(file: string, argv: string[], flags: Record<string, FlagSpec>): T {
  const fix = `see the header of examples/${file}`;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new NnftInputError('options', (e as Error).message, fix);
  }
  const out: Record<string, unknown> = {};
  const int = (flag: string, s: string, min: number): number => {
    const x = Number(s);
    if (!Number.isInteger(x) || x < min) throw new NnftInputError(`--${flag}`, `'${s}' is not an integer ≥ ${min}`, fix);
    return x;
  };
  for (const [flag, spec] of Object.entries(flags)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const min = spec.min ?? 1;
    out[spec.key] =
      spec.kind === 'int' ? int(flag, raw, min)
      : spec.kind === 'ints' ? raw.split(',').map((s) => int(flag, s.trim(), min))
      : spec.kind === 'strings' ? raw.split(',').map((s) => s.trim())
      : raw;
  }
  return out as T;
}
