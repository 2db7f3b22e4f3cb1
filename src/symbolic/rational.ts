/**
 * Exact rational numbers on BigInt, for the coefficients of symbolic terms. Every value is kept reduced
 * with a positive denominator, so equal numbers have equal fields.
 */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

export function rat(n: number | bigint, d: number | bigint = 1): Rational {
  let nn = BigInt(n);
  let dd = BigInt(d);
  if (dd === 0n) throw new RangeError('rational with zero denominator');
  if (dd < 0n) {
    nn = -nn;
    dd = -dd;
  }
  const g = gcd(nn, dd);
  return g > 1n ? { n: nn / g, d: dd / g } : { n: nn, d: dd };
}

export const ZERO: Rational = { n: 0n, d: 1n };
export const ONE: Rational = { n: 1n, d: 1n };

export function radd(a: Rational, b: Rational): Rational {
  if (a.d === b.d) return rat(a.n + b.n, a.d);
  return rat(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function rmul(a: Rational, b: Rational): Rational {
  return rat(a.n * b.n, a.d * b.d);
}

export function rneg(a: Rational): Rational {
  return { n: -a.n, d: a.d };
}

export function isZero(a: Rational): boolean {
  return a.n === 0n;
}

export function requal(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function rToNumber(a: Rational): number {
  return Number(a.n) / Number(a.d);
}

/** "3", "-1/4" */
export function rToString(a: Rational): string {
  return a.d === 1n ? a.n.toString() : `${a.n}/${a.d}`;
}
