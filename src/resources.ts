/**
 * Resource budgets, checked before anything large is allocated or a long run starts.
 *
 *  - memory: NNFT_MAX_MEMORY (bytes, or with a suffix K, M, G: '1.5G'); default the smaller of 4 GiB and half
 *    the machine's memory. requireMemory(what, bytes, fix) throws NnftResourceError above it.
 *  - time:   NNFT_MAX_SECONDS (seconds); default unlimited. requireTime(what, seconds, fix) throws above it.
 *  - cores:  availableCores() = os.availableParallelism(); worker counts are capped there.
 */
import { availableParallelism, totalmem } from 'node:os';
import { NnftInputError, NnftResourceError } from './errors.ts';

const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

function parseBytes(name: string, s: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(s);
  const v = m ? Number(m[1]) * SUFFIX[(m[2] ?? '').toUpperCase()]! : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new NnftInputError(name, `'${s}' is not a size`, `e.g. ${name}=1.5G or ${name}=500M`);
  return v;
}

/** The memory budget in bytes. */
export function memoryBudget(): number {
  const env = process.env.NNFT_MAX_MEMORY;
  if (env !== undefined && env !== '') return parseBytes('NNFT_MAX_MEMORY', env);
  return Math.min(4 * 1024 ** 3, totalmem() / 2);
}

/** The wall-time budget in seconds (Infinity unless NNFT_MAX_SECONDS is set). */
export function timeBudget(): number {
  const env = process.env.NNFT_MAX_SECONDS;
  if (env === undefined || env === '') return Infinity;
  const v = Number(env);
  if (!Number.isFinite(v) || v <= 0) throw new NnftInputError('NNFT_MAX_SECONDS', `'${env}' is not a positive number of seconds`, 'e.g. NNFT_MAX_SECONDS=60');
  return v;
}

export function availableCores(): number {
  return Math.max(1, availableParallelism());
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded amount of memory';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let u = 0;
  let v = n;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  // (from 99.5 on, two significant digits would print as 1.0e+2)
  return `${v >= 99.5 || u === 0 ? v.toFixed(0) : v.toPrecision(2)} ${units[u]}`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return 'unbounded time';
  if (s < 120) return `${s.toPrecision(2)} s`;
  if (s < 7200) return `${(s / 60).toPrecision(2)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toPrecision(2)} h`;
  return `${(s / 86400).toPrecision(2)} days`;
}

/**
 * Refuse (NnftResourceError) when an allocation of `bytes` would exceed the memory budget.
 * `fix` should name the largest size that fits, e.g. 'at most 900 inputs fit; or raise NNFT_MAX_MEMORY'.
 */
export function requireMemory(what: string, bytes: number, fix: string): void {
  const budget = memoryBudget();
  if (!(bytes <= budget)) {
    throw new NnftResourceError(what, `~${formatBytes(bytes)} of memory`, `${formatBytes(budget)} (NNFT_MAX_MEMORY)`, fix);
  }
}

/** Refuse (NnftResourceError) when an estimated run time exceeds the time budget. */
export function requireTime(what: string, seconds: number, fix: string): void {
  const budget = timeBudget();
  if (!(seconds <= budget)) {
    throw new NnftResourceError(what, `~${formatSeconds(seconds)}`, `${formatSeconds(budget)} (NNFT_MAX_SECONDS)`, fix);
  }
}
