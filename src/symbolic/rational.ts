/**
 * Functions over the shared exact Rational (src/rational.ts) for the coefficients of symbolic terms.
 */
import { Rational } from '../rational.ts';

export { Rational };

export function rat(n: number | bigint, d: number | bigint = 1): Rational {
  return Rational.of(n, d);
}

export const ZERO: Rational = Rational.ZERO;
export const ONE: Rational = Rational.ONE;

export function radd(a: Rational, b: Rational): Rational {
  return a.add(b);
}

export function rmul(a: Rational, b: Rational): Rational {
  return a.mul(b);
}

export function rneg(a: Rational): Rational {
  return a.neg();
}

export function isZero(a: Rational): boolean {
  return a.isZero();
}

export function rToNumber(a: Rational): number {
  return a.toNumber();
}

