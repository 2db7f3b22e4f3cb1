/**
 * Double-double arithmetic (a value is hi + lo with |lo| ≤ ulp(hi)/2, about 32 significant digits): Dekker,
 * "A floating-point technique for extending the available precision" (1971), and Knuth's two-sum.
 *
 * Why it is needed: the conditional covariance of two nearly collinear Gaussian coordinates, K_bb − K_ab²/K_aa,
 * is a difference of two nearly equal numbers. In double precision its relative error is ~1e-16/sin²(angle), and
 * the piecewise-linear reductions (src/gaussian/piecewise.ts) turn that into errors of order one at angles below
 * ~1e-6. Computed here from the (exact) double entries of K, the same quantity keeps ~1e-32/sin²(angle): exact
 * to double precision down to angles of ~1e-8, below which the rounding of K itself already hides the angle.
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
