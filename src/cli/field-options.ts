/**
 * Option parsing shared by the field-theory commands (criticality, cumulants, edgeworth, osterwalder-schrader,
 * rg-flow): numbers and lists with their ranges, each failure an NnftInputError naming the flag (exit 2), and
 * output paths checked before any computation.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NnftInputError } from '../errors.ts';
import { readJsonArgument } from './options.ts';

export interface NumberRange {
  min?: number;
  max?: number;
  /** exclusive lower bound */
  above?: number;
  integer?: boolean;
}

function describe(r: NumberRange): string {
  const parts: string[] = [];
  if (r.integer) parts.push('an integer');
  else parts.push('a number');
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.min !== undefined) parts.push(`≥ ${r.min}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  return parts.join(' ');
}

/** One number from a flag value; undefined stays undefined. */
export function optionNumber(flag: string, raw: unknown, range: NumberRange = {}): number | undefined {
  if (raw === undefined) return undefined;
  const s = String(raw).trim();
  const x = Number(s);
  const ok = s !== '' && Number.isFinite(x) && (!range.integer || Number.isInteger(x)) && (range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max) && (range.above === undefined || x > range.above);
  if (!ok) throw new NnftInputError(flag, `expected ${describe(range)}, got '${String(raw)}'`);
  return x;
}

/** A required number. */
export function requiredNumber(flag: string, raw: unknown, range: NumberRange = {}): number {
  const x = optionNumber(flag, raw, range);
  if (x === undefined) throw new NnftInputError(flag, 'missing', `pass ${flag} <${describe(range)}>`);
  return x;
}

/** A comma list of numbers, each in range. */
export function optionNumberList(flag: string, raw: unknown, range: NumberRange = {}): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',').map((t) => t.trim());
  if (parts.length === 0 || parts.some((t) => t === '')) throw new NnftInputError(flag, `expected a comma list of numbers, got '${String(raw)}'`);
  return parts.map((t, i) => {
    try {
      return requiredNumber(flag, t, range);
    } catch {
      throw new NnftInputError(flag, `entry ${i + 1} '${t}' is not ${describe(range)}`);
    }
  });
}

/** A JSON value given inline or as a path to a JSON file. */
export function optionJson(flag: string, raw: unknown): unknown {
  if (raw === undefined) return undefined;
  return readJsonArgument(flag, String(raw), '[[1],[0.5]]');
}

/** Inputs: a JSON array of equal-length numeric vectors (or of numbers, read as 1-D inputs). */
export function optionInputs(flag: string, raw: unknown): number[][] | undefined {
  const v = optionJson(flag, raw);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) throw new NnftInputError(flag, 'expected a non-empty JSON array of input vectors', "e.g. '[[1],[0.5]]' or '[1, 0.5]'");
  const rows = v.map((x) => (typeof x === 'number' ? [x] : x));
  const d = Array.isArray(rows[0]) ? rows[0].length : 0;
  rows.forEach((x, a) => {
    if (!Array.isArray(x) || x.length !== d || d === 0) throw new NnftInputError(flag, `input ${a} is not a vector of the same length ${d} as input 0`);
    x.forEach((c: unknown, j: number) => {
      if (typeof c !== 'number' || !Number.isFinite(c)) throw new NnftInputError(flag, `input ${a}, component ${j} is not a finite number`);
    });
  });
  return rows as number[][];
}

/** An output file path whose directory exists (or can be created) and which is not a directory itself. */
export function optionOutputPath(flag: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const p = String(raw);
  if (p.trim() === '') throw new NnftInputError(flag, 'empty path');
  const full = resolve(p);
  if (existsSync(full) && statSync(full).isDirectory()) throw new NnftInputError(flag, `${p} is a directory`, 'pass a file name');
  let dir = dirname(full);
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (!statSync(dir).isDirectory()) throw new NnftInputError(flag, `cannot create ${p}: ${dir} is not a directory`);
  return full;
}

/** Print JSON, refusing non-finite numbers (a result must be finite to be printed with exit 0). */
export function finiteJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`internal: a non-finite number (${v}) reached the output`);
    return v;
  });
}
