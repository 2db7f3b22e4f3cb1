import { expect } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';

/** The message of the NnftInputError that f throws (fails the test when f returns or throws anything else). */
export function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NnftInputError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}
