/**
 * Double-double arithmetic (a value is hi + lo with |lo| ≤ ulp(hi)/2, about 32 significant digits): Dekker,
 * "A floating-point technique for extending the available precision" (1971), and Knuth's two-sum.
 *
 * Why it is needed: the conditional covariance of two nearly collinear Gaussian coordinates, K_bb − K_ab²/K_aa,
 * is a difference of two nearly equal numbers. In double precision its relative error is ~1e-16/sin²(angle), and
 * the piecewise-linear reductions (src/gaussian/piecewise.ts) turn that into errors of order one at angles below
 * ~1e-6. Computed here from the (exact) double entries of K, the same quantity keeps ~1e-32/sin²(angle): exact
 * to double precision down to angles of ~1e-8, below which the rounding of K itself already hides the angle.
 * The four-point vertex of a nearly collinear pair along its near-null direction (recursions/near-collinear.ts) is
 * propagated entirely in double-double, so √, integer powers and the correlation angle atan2 are here too.
 *
 * Values are pairs [hi, lo]; functions return fresh pairs (the matrices involved are at most 4×4).
 */
export type DD = readonly [number, number];

const SPLITTER = 134217729; // 2^27 + 1

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

/** Exact product a·b = p + e (Dekker's split; |a|, |b| < 1e300). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

export const dd = (x: number): DD => [x, 0];

export function add(x: DD, y: DD): DD {
  const [s, e] = twoSum(x[0], y[0]);
  return quickTwoSum(s, e + x[1] + y[1]);
}

export function sub(x: DD, y: DD): DD {
  return add(x, [-y[0], -y[1]]);
}

export function mul(x: DD, y: DD): DD {
  const [p, e] = twoProd(x[0], y[0]);
  return quickTwoSum(p, e + x[0] * y[1] + x[1] * y[0]);
}

export function div(x: DD, y: DD): DD {
  const q1 = x[0] / y[0];
  let r = sub(x, mul([q1, 0], y));
  const q2 = r[0] / y[0];
  r = sub(r, mul([q2, 0], y));
  const q3 = r[0] / y[0];
  const s = quickTwoSum(q1, q2);
  return add(s, [q3, 0]);
}

/** The double nearest to x. */
export const toNumber = (x: DD): number => x[0] + x[1];

export const neg = (x: DD): DD => [-x[0], -x[1]];

/** √x for x ≥ 0 (one Newton step from the double root: y + (x − y²)/(2y)). */
export function sqrt(x: DD): DD {
  if (!(x[0] > 0)) return [0, 0];
  const y = Math.sqrt(x[0]);
  const r = sub(x, mul([y, 0], [y, 0]));
  return add([y, 0], [r[0] / (2 * y), 0]);
}

/** x^n for an integer n (negative n: 1/x^|n|). */
export function pow(x: DD, n: number): DD {
  let r: DD = [1, 0];
  for (let i = 0; i < Math.abs(n); i++) r = mul(r, x);
  return n < 0 ? div([1, 0], r) : r;
}

/** sin and cos of a double x, |x| ≤ 4, by their Taylor series in double-double. */
function sinCos(x: number): [DD, DD] {
  const x2 = mul([x, 0], [x, 0]);
  let s: DD = [x, 0];
  let c: DD = [1, 0];
  let ts: DD = [x, 0];
  let tc: DD = [1, 0];
  for (let k = 1; k < 40; k++) {
    tc = div(mul(tc, x2), [-(2 * k - 1) * (2 * k), 0]);
    ts = div(mul(ts, x2), [-(2 * k) * (2 * k + 1), 0]);
    c = add(c, tc);
    s = add(s, ts);
    if (Math.abs(tc[0]) + Math.abs(ts[0]) < 1e-34) break;
  }
  return [s, c];
}

/** atan2(y, x) for y ≥ 0: the double angle refined by one Newton step on sin(ψ₀ − ψ)·r = y cos ψ₀ − x sin ψ₀. */
export function atan2(y: DD, x: DD): DD {
  const p0 = Math.atan2(toNumber(y), toNumber(x));
  const [s, c] = sinCos(p0);
  const num = sub(mul(y, c), mul(x, s));
  const den = add(mul(x, c), mul(y, s));
  return add([p0, 0], [toNumber(num) / toNumber(den), 0]);
}
