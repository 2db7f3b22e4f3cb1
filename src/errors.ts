/**
 * Every user-facing validation error is an NnftInputError: its message names the argument that is wrong
 * and says how to fix it. The CLI prints it to stderr and exits with code 2.
 */
export class NnftInputError extends Error {
  constructor(
    public readonly argument: string,
    problem: string,
    fix?: string,
  ) {
    super(`invalid ${argument}: ${problem}${fix ? ` — ${fix}` : ''}`);
    this.name = 'NnftInputError';
  }
}

/** Throw unless x is a finite number. */
export function requireFinite(argument: string, x: unknown, fix = 'pass a finite number'): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new NnftInputError(argument, `expected a finite number, got ${String(x)}`, fix);
  }
  return x;
}

/** Throw unless n is a positive integer. */
export function requirePositiveInteger(argument: string, n: unknown, fix = 'pass an integer ≥ 1'): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new NnftInputError(argument, `expected a positive integer, got ${String(n)}`, fix);
  }
  return n;
}
