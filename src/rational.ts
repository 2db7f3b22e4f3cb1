/**
 * Exact rationals on BigInt, shared by the diagram coefficients (diagrams/) and the coefficients of symbolic
 * terms (src/symbolic). Always normalised: gcd(num, den) = 1, den > 0, so equal numbers have equal fields.
 */
export class Rational {
  readonly num: bigint;
  readonly den: bigint;

  private constructor(num: bigint, den: bigint) {
    this.num = num;
    this.den = den;
  }

  static of(num: bigint | number, den: bigint | number = 1n): Rational {
    let n = BigInt(num);
    let d = BigInt(den);
    if (d === 0n) throw new RangeError('Rational: zero denominator');
    if (d < 0n) {
      n = -n;
      d = -d;
    }
    const g = gcd(n < 0n ? -n : n, d);
    return g === 1n ? new Rational(n, d) : new Rational(n / g, d / g);
  }

  /** From small integers (|n|, d < 2^53), reduced with a Number gcd before going to BigInt. */
  static ofSmall(n: number, d: number): Rational {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d === 0) return Rational.of(BigInt(n), BigInt(d));
    if (d < 0) {
      n = -n;
      d = -d;
    }
    let a = Math.abs(n);
    let b = d;
    while (b !== 0) {
      const t = a % b;
      a = b;
      b = t;
    }
    const g = a === 0 ? d : a;
    return new Rational(BigInt(n / g), BigInt(d / g));
  }

  /** Parse "a", "-a", "a/b". */
  static parse(s: string): Rational {
    const m = /^\s*(-?\d+)\s*(?:\/\s*(\d+))?\s*$/.exec(s);
    if (!m) throw new RangeError(`Rational.parse: not a rational: '${s}'`);
    return Rational.of(BigInt(m[1]!), m[2] === undefined ? 1n : BigInt(m[2]));
  }

  static readonly ZERO = Rational.of(0n);
  static readonly ONE = Rational.of(1n);

  add(o: Rational): Rational {
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  div(o: Rational): Rational {
    if (o.num === 0n) throw new RangeError('Rational: division by zero');
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  neg(): Rational {
    return new Rational(-this.num, this.den);
  }
  isZero(): boolean {
    return this.num === 0n;
  }
  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }
  /** "-24", "3/2". */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
  /** LaTeX: "-24", "-\frac{3}{2}". */
  toLatex(): string {
    if (this.den === 1n) return this.num.toString();
    const sign = this.num < 0n ? '-' : '';
    const a = this.num < 0n ? -this.num : this.num;
    return `${sign}\\frac{${a}}{${this.den}}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a === 0n ? 1n : a;
}

/** n! as BigInt. */
export function factorialBig(n: number): bigint {
  let r = 1n;
  for (let i = 2; i <= n; i++) r *= BigInt(i);
  return r;
}
