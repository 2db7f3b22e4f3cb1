/**
 * Typed parsing of command-line option values. Each parser takes the option's name as the user typed it
 * (e.g. '--seed') and its text, and returns a typed value or throws NnftInputError naming the option, the
 * value and the allowed range, so the command exits with code 2 and one line.
 */
import { readFileSync, statSync } from 'node:fs';
import { closestName } from '../closest.ts';
import { NnftInputError } from '../errors.ts';

export interface IntegerRange {
  /** smallest allowed value (default 0) */
  min?: number;
  /** largest allowed value (default 2^53 − 1, the largest integer a double holds exactly) */
  max?: number;
  /** example for the message, e.g. 'e.g. --nets 100000' */
  example?: string;
}

/**
 * An integer in [min, max]: decimal digits, or a number in exponent notation that is an exact integer
 * ('1e6'). Compared exactly (BigInt) so that a 30-digit value is reported out of range, not "not an integer".
 */
export function parseInteger(option: string, text: string, range: IntegerRange = {}): number {
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const allowed = `an integer from ${min} to ${max}${range.example ? ` (${range.example})` : ''}`;
  const t = String(text).trim().replace(/_/g, '');
  let value: bigint | undefined;
  if (/^[+-]?\d+$/.test(t)) value = BigInt(t);
  else if (/^[+-]?(\d+\.?\d*|\.\d+)e[+]?\d+$/i.test(t)) {
    const x = Number(t);
    if (Number.isInteger(x)) value = BigInt(x);
  }
  if (value === undefined) throw new NnftInputError(option, `'${text}' is not an integer`, `pass ${allowed}`);
  if (value < BigInt(min) || value > BigInt(max)) throw new NnftInputError(option, `${t} is out of range`, `pass ${allowed}`);
  return Number(value);
}

export interface NumberRange {
  /** refuse values below (or at, with `exclusive`) this */
  min?: number;
  exclusive?: boolean;
  max?: number;
  example?: string;
}

/** A finite number (decimal or exponent notation) in an optional range. */
export function parseNumber(option: string, text: string, range: NumberRange = {}): number {
  const t = String(text).trim();
  const x = t === '' ? NaN : Number(t);
  const ex = range.example ? ` (${range.example})` : '';
  if (!Number.isFinite(x)) {
    throw new NnftInputError(option, `'${text}' is not a finite number`, `pass a number between −1.8e308 and 1.8e308${ex}`);
  }
  if (range.min !== undefined && (range.exclusive ? x <= range.min : x < range.min)) {
    throw new NnftInputError(option, `${t} is out of range`, `pass a number ${range.exclusive ? '>' : '≥'} ${range.min}${range.max !== undefined ? ` and ≤ ${range.max}` : ''}${ex}`);
  }
  if (range.max !== undefined && x > range.max) throw new NnftInputError(option, `${t} is out of range`, `pass a number ≤ ${range.max}${ex}`);
  return x;
}

/** Comma-separated items, trimmed; empty items are refused. */
export function parseList(option: string, text: string, example: string): string[] {
  const parts = String(text).split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw new NnftInputError(option, `'${text}' has an empty entry`, `pass a comma list, e.g. ${option} ${example}`);
  return parts;
}

export function parseNumberList(option: string, text: string, range: NumberRange = {}): number[] {
  return parseList(option, text, '1,2').map((t) => parseNumber(option, t, range));
}

export function parseIntegerList(option: string, text: string, range: IntegerRange = {}): number[] {
  return parseList(option, text, '64,64').map((t) => parseInteger(option, t, range));
}

/** One of a fixed set of words; suggests the closest on a typo. */
export function parseChoice<T extends string>(option: string, text: string, choices: readonly T[]): T {
  const t = String(text).trim();
  const hit = choices.find((c) => c === t);
  if (hit !== undefined) return hit;
  const near = closestName(t, choices);
  throw new NnftInputError(option, `'${text}' is not one of ${choices.join(', ')}`, near !== undefined ? `did you mean ${near}?` : `pass one of ${choices.join(', ')}`);
}

/** Several of a fixed set of words, comma-separated. */
export function parseChoices<T extends string>(option: string, text: string, choices: readonly T[]): T[] {
  return parseList(option, text, choices.slice(0, 2).join(',')).map((t) => parseChoice(option, t, choices));
}

/** JSON text, or refuse naming the option. */
export function parseJson(option: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new NnftInputError(option, `not valid JSON (${(e as Error).message})`, `e.g. ${option} '${example}'`);
  }
}

/**
 * A JSON argument given inline (text starting with '[' or '{', or a bare JSON number) or as the path of a JSON
 * file. Every way a path can fail — missing, a directory, unreadable, not JSON — is refused naming the option,
 * so every command that reads JSON from a file reports the same one line.
 */
export function readJsonArgument(option: string, text: string, example: string): unknown {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) return parseJson(option, text, example);
  const shown = t.length > 80 ? `${t.slice(0, 80)}…` : t;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(text).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') {
      // not a file: a bare JSON scalar such as 0.5 is still a JSON argument
      if (t !== '') {
        try {
          return JSON.parse(t);
        } catch {
          // fall through to the message below
        }
      }
      throw new NnftInputError(option, `'${shown}' is neither JSON nor an existing file`, `pass e.g. '${example}' or the path of a JSON file holding such a value`);
    }
    throw new NnftInputError(option, `cannot read ${shown} (${code ?? 'error'})`, 'pass a readable JSON file');
  }
  if (isDirectory) throw new NnftInputError(option, `${shown} is a directory`, 'pass the path of a JSON file');
  let content: string;
  try {
    content = readFileSync(text, 'utf8');
  } catch (e) {
    throw new NnftInputError(option, `cannot read ${shown} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'pass a readable JSON file');
  }
  try {
    return JSON.parse(content);
  } catch (e) {
    throw new NnftInputError(option, `${shown} is not valid JSON (${(e as Error).message})`, `the file must hold a value such as ${example} (JSON has no NaN or Infinity)`);
  }
}

/** Seeds of the counter-based generator: any integer from 0 to 2^53 − 1 (the key holds 64 bits; a double 53). */
export const SEED_RANGE: IntegerRange = { min: 0, max: Number.MAX_SAFE_INTEGER, example: 'e.g. --seed 1' };
