/**
 * The 15-point Gauss–Kronrod rule on [−1, 1] with its embedded 7-point Gauss rule (Kronrod 1965; the pair of
 * QUADPACK's qk15): the Kronrod rule is exact for polynomials of degree ≤ 23, the Gauss rule for degree ≤ 13,
 * and |K15 − G7| estimates the error of a panel at no extra evaluations.
 *
 * The constants were computed at 40 significant digits with mpmath (Stieltjes polynomial E₈ from its
 * orthogonality to P₇·xᵏ, its roots, then the weights from the moment equations); test/gaussian/kronrod.test.ts
 * recomputes them with that script (test/gaussian/gauss_kronrod.py) and checks the exactness degrees here.
 *
 * Error estimate of one panel (Piessens et al., QUADPACK, 1983, §2.2.1): with d = |K15 − G7| and the panel's
 * absolute mass M = ∫|f|, err = M·min(1, (200 d / M)^{3/2}), floored at 50 ε M (rounding).
 */

/** Nodes t_j on [−1, 1], ascending. */
export const GK15_T = new Float64Array(15);
/** Kronrod weights (sum 2). */
export const GK15_WK = new Float64Array(15);
/** Gauss weights at the same nodes: 0 at the Kronrod-only nodes (sum 2). */
export const GK15_WG = new Float64Array(15);

const XGK = [
  0.9914553711208126392069, 0.9491079123427585245262, 0.8648644233597690727897, 0.7415311855993944398639,
  0.5860872354676911302941, 0.4058451513773971669066, 0.2077849550078984676007, 0.0,
];
const WGK = [
  0.02293532201052922496373, 0.0630920926299785532907, 0.1047900103222501838399, 0.1406532597155259187452,
  0.1690047266392679028266, 0.1903505780647854099133, 0.2044329400752988924142, 0.209482141084727828013,
];
/** Gauss weights of the nodes XGK[1], XGK[3], XGK[5], XGK[7] (= 0). */
const WG = [0.1294849661688696932706, 0.2797053914892766679015, 0.3818300505051189449504, 0.4179591836734693877551];

for (let i = 0; i < 8; i++) {
  const gw = i % 2 === 1 ? WG[(i - 1) / 2]! : 0;
  GK15_T[i] = -XGK[i]!;
  GK15_WK[i] = WGK[i]!;
  GK15_WG[i] = gw;
  GK15_T[14 - i] = XGK[i]!;
  GK15_WK[14 - i] = WGK[i]!;
  GK15_WG[14 - i] = gw;
}

/** Nodes per panel. */
export const GK_N = 15;

const EPS = Number.EPSILON;

/** QUADPACK's error estimate of a panel from d = K15 − G7 and the panel's absolute mass M = ∫|f|. */
export function panelError(d: number, M: number): number {
  const ad = Math.abs(d);
  if (!(M > 0)) return ad;
  const r = (200 * ad) / M;
  const e = r >= 1 ? M : M * r * Math.sqrt(r);
  return Math.max(e, 50 * EPS * M);
}
