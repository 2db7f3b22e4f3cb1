/**
 * The toolkit's typed errors. Every error a user can cause or a result that cannot be delivered to its
 * stated tolerance is one of the three classes below; the CLI prints its one-line message to stderr and
 * exits with code 2. Anything else is an internal failure (exit 1, stack trace only with NNFT_DEBUG=1).
 *
 *  - NnftInputError      a wrong argument: names the argument, the problem and the fix.
 *  - NnftNumericalError  a number that cannot be delivered to its tolerance (divergent integral, overflow,
 *                        too few samples, catastrophic cancellation): names what, where (layer, quantity,
 *                        argument), why, and the fix.
 *  - NnftResourceError   a run refused before allocating: the estimate, the budget, the largest size that fits.
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

/** Where a numerical failure happened: any of the layer (1-based), the quantity and the argument responsible. */
export interface NumericalLocation {
  layer?: number;
  quantity?: string;
  argument?: string;
}

export class NnftNumericalError extends Error {
  constructor(
    /** what could not be computed, e.g. 'the Gaussian expectation ⟨σσ⟩ of exp(z^2)' */
    public readonly what: string,
    /** why, e.g. 'the integral diverges for K ≥ 1/4 (K = 0.3)' */
    public readonly reason: string,
    /** how to get a result, e.g. 'use a smaller --cw' */
    public readonly fix: string,
    public readonly location: NumericalLocation = {},
  ) {
    const where = [
      location.quantity !== undefined ? `${location.quantity}` : '',
      location.layer !== undefined ? `layer ${location.layer}` : '',
      location.argument !== undefined ? `(argument ${location.argument})` : '',
    ].filter((s) => s !== '').join(' at ');
    super(`cannot compute ${what}${where ? ` for ${where}` : ''}: ${reason} — ${fix}`);
    this.name = 'NnftNumericalError';
  }
}

export class NnftResourceError extends Error {
  constructor(
    /** what was refused, e.g. 'the m⁴ tensors of V4 for m = 400 inputs' */
    public readonly what: string,
    /** the estimate, e.g. '~205 GB of memory' */
    public readonly estimate: string,
    /** the budget, e.g. '4 GB (NNFT_MAX_MEMORY)' */
    public readonly budget: string,
    /** the fix, naming the largest size that fits */
    public readonly fix: string,
  ) {
    super(`refused: ${what} needs ${estimate}, over the budget of ${budget} — ${fix}`);
    this.name = 'NnftResourceError';
  }
}

/** Errors that are the user's to fix (exit code 2). */
export function isUserFacingError(e: unknown): e is NnftInputError | NnftNumericalError | NnftResourceError {
  return e instanceof NnftInputError || e instanceof NnftNumericalError || e instanceof NnftResourceError;
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
