/**
 * Precomputed trapezoid calibrations. A Calibration (smooth.ts) certifies a step h and radius R per activation,
 * tolerance and scale bucket by 1-D test integrands, and a process calibrates every bucket it meets once: a
 * recursion on two tanh inputs over 100 layers meets 24 buckets, ~55 ms of a ~0.45 s process, nearly all of it
 * before the JIT has optimised the calibration loop (the same 24 take ~9 ms warm). The CLI build
 * (bin/build-cli.js) therefore calibrates the registry's smooth activations over a range of scales once and
 * ships the certified choices (dist/precomputed.json); a process that is given the table takes a bucket's
 * choice from it and calibrates only buckets it lacks. An entry is the output of the same code on the same
 * (activation, tolerance, bucket), so it is bitwise what the process would have computed
 * (test/cli/precomputed.test.ts checks the shipped table against fresh calibrations).
 *
 * Only certified choices are kept (a failure carries its reason and is recomputed where it occurs), and only
 * those that survive JSON unchanged.
 */
import type { Activation } from '../activations/types.ts';
import { Calibration, type StepChoice } from './smooth.ts';

/** Certified choices as [bucket, choice] pairs, by calibrationKey(activation name, tolerance). */
export type CalibrationTable = Record<string, [number, StepChoice][]>;

/** The key of one activation's calibration at one tolerance (the activation's canonical name determines σ). */
export function calibrationKey(activationName: string, tol: number): string {
  return `${activationName}|${tol}`;
}

/** Calibrate buckets from…to (inclusive) of each activation at each tolerance: the certified choices. */
export function computeCalibrationTable(acts: readonly Activation[], tols: readonly number[], from: number, to: number): CalibrationTable {
  const table: CalibrationTable = {};
  for (const act of acts) {
    for (const tol of tols) {
      const cal = new Calibration(act, tol);
      const entries: [number, StepChoice][] = [];
      for (let b = from; b <= to; b++) {
        const c = cal.calibrateBucket(b);
        if (c.certified && sameChoice(c, JSON.parse(JSON.stringify(c)) as StepChoice)) entries.push([b, c]);
      }
      table[calibrationKey(act.name, tol)] = entries;
    }
  }
  return table;
}

function sameChoice(a: StepChoice, b: StepChoice): boolean {
  return JSON.stringify(a) === JSON.stringify(b) && a.h === b.h && a.R === b.R && a.R4 === b.R4 && a.R8 === b.R8;
}

/** A table entry as it must look: a certified choice with finite positive step and radii. */
function validChoice(x: unknown): x is StepChoice {
  if (x === null || typeof x !== 'object') return false;
  const c = x as Partial<StepChoice>;
  const pos = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
  return c.certified === true && pos(c.h) && pos(c.R) && pos(c.R4) && pos(c.R8) && (c.maxPower === 2 || c.maxPower === 4 || c.maxPower === 8) && c.failure === undefined;
}

let provider: (() => CalibrationTable | undefined) | undefined;
/** The table as read (null: none or unreadable), and each key's validated entries (null: missing or malformed). */
let table: CalibrationTable | null | undefined;
const validated = new Map<string, Map<number, StepChoice> | null>();

/**
 * Give calibrations a table to consult, read on first use (`read` returns undefined when there is none).
 * Calibrations created before the call do not see it.
 */
export function usePrecomputedCalibrations(read: (() => CalibrationTable | undefined) | undefined): void {
  provider = read;
  table = undefined;
  validated.clear();
}

/** The precomputed choices for one calibration key, if a table was given and its entry for the key is valid. */
export function precomputedCalibration(key: string): ReadonlyMap<number, StepChoice> | undefined {
  if (!provider) return undefined;
  if (table === undefined) {
    try {
      const t = provider();
      table = t && typeof t === 'object' ? t : null;
    } catch {
      table = null; // an unreadable table is no table: every bucket is calibrated here
    }
  }
  if (table === null) return undefined;
  let m = validated.get(key);
  if (m === undefined) {
    // only the keys a process uses are validated (the whole table is ~700 entries)
    const entries: unknown = Object.hasOwn(table, key) ? table[key] : undefined;
    m = Array.isArray(entries) ? new Map() : null;
    for (const e of Array.isArray(entries) ? entries : []) {
      if (!Array.isArray(e) || !Number.isInteger(e[0]) || !validChoice(e[1])) {
        m = null;
        break;
      }
      m!.set(e[0] as number, e[1]);
    }
    validated.set(key, m);
  }
  return m ?? undefined;
}
