/**
 * Edgeworth densities of the network output at one or two inputs (Maiti, "Non-Perturbative Non-Lagrangian Neural
 * Network Field Theories", "Partition function via duality": P_φ = exp(Σ_{r≥3} ((−1)^r/r!) κ_r ∂^r) exp(−½φK⁻¹φ) up to
 * normalisation; the finite-width cumulants of a width-N network scale as κ_r ∝ N^{1−r/2}, so the expansion is one in
 * 1/√N — Edgeworth's series, e.g. Kolassa, "Series Approximation Methods in Statistics", ch. 3).
 *
 * In whitened coordinates y = L⁻¹(φ − μ), K = LLᵀ (Cholesky), with whitened cumulants c_r = κ_r contracted with L⁻¹
 * on every slot, and multi-indices n = (n_1, …, n_m) over the m coordinates:
 *
 *   A_r = Σ_{|n| = r} c_r(n)/n! · D^n,     n! = Π n_a!,   c_r(n) the cumulant with n_a slots on coordinate a,
 *   p(φ) = |det L|⁻¹ Π_a ϕ(y_a) · [exp(Σ_r A_r)]_truncated with D^n ↦ He_n(y) = Π_a He_{n_a}(y_a),
 *
 * He_k the probabilists' Hermite polynomials ((−d/dy)^k ϕ = He_k ϕ). Counting κ_r as O(N^{−(r−2)/2}), order 1 keeps
 * every term through O(1/N): A_3 + A_4 + A_3²/2; order 2 through O(1/N²): also A_5 + A_3A_4 + A_3³/6 + A_6 + A_3A_5
 * + A_4²/2 + A_3²A_4/2 + A_3⁴/24 (products of operators add multi-indices: D^n D^n' = D^{n+n'}). For mean-free
 * networks the odd cumulants vanish and order 2 is A_4 + A_6 + A_4²/2. The truncated series reproduces the given
 * cumulants: its moments through order 7 (order 2) or 5 (order 1) are exact. It is not a positive density: far in
 * the tails (|y| beyond a few standard deviations at small N) it can go negative; `negativeRegion` reports where on a
 * grid, and bin probabilities there are not probabilities.
 */
import { NnftInputError } from '../errors.ts';
import { normCdf, normPdf } from '../activations/index.ts';

/** He_k(y), k ≥ 0, by the recursion He_{k+1} = y He_k − k He_{k−1}. */
export function hermiteHe(k: number, y: number): number {
  if (k === 0) return 1;
  let a = 1, b = y;
  for (let j = 1; j < k; j++) {
    const c = y * b - j * a;
    a = b;
    b = c;
  }
  return b;
}

/** A cumulant tensor over m inputs of rank r: nested arrays (m^r) or a function of the index list. */
export type CumulantTensor = unknown[] | ((idx: number[]) => number);

export interface EdgeworthSpec {
  /** the covariance K (m×m, m = 1 or 2, positive definite): the two-point function at the inputs */
  covariance: number[][];
  /** the mean (default 0) */
  mean?: number[];
  /** cumulants of orders 3..6 (absent orders are 0) */
  cumulants: Partial<Record<3 | 4 | 5 | 6, CumulantTensor>>;
  /** 1: through O(1/N); 2: through O(1/N²) (needs the 6th cumulant for a consistent result) */
  order: 1 | 2;
}

/** A polynomial in the commuting D_a: multi-index key ('n1,n2') → coefficient. */
type DPoly = Map<string, number>;

function read(t: CumulantTensor, idx: number[], what: string): number {
  let v: unknown;
  if (typeof t === 'function') v = t(idx);
  else {
    v = t;
    for (const i of idx) {
      if (!Array.isArray(v) || i >= v.length) throw new NnftInputError(what, `no entry at [${idx.join('][')}]`, 'a nested array of rank r over the m inputs');
      v = v[i];
    }
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new NnftInputError(what, `entry [${idx.join('][')}] is ${String(v)}, not a finite number`);
  return v;
}

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600, 6227020800, 87178291200, 1307674368000, 20922789888000, 355687428096000, 6402373705728000, 121645100408832000, 2432902008176640000, 51090942171709440000, 1.1240007277776077e21, 2.585201673888498e22, 6.204484017332394e23];

function multiIndices(m: number, r: number): number[][] {
  if (m === 1) return [[r]];
  const out: number[][] = [];
  for (let a = r; a >= 0; a--) out.push([a, r - a]);
  return out;
}

function product(p: DPoly, q: DPoly): DPoly {
  const out: DPoly = new Map();
  for (const [kp, vp] of p) {
    const np = kp.split(',').map(Number);
    for (const [kq, vq] of q) {
      const nq = kq.split(',').map(Number);
      const key = np.map((x, i) => x + nq[i]!).join(',');
      out.set(key, (out.get(key) ?? 0) + vp * vq);
    }
  }
  return out;
}

function addInto(into: DPoly, p: DPoly, c: number): void {
  for (const [k, v] of p) into.set(k, (into.get(k) ?? 0) + c * v);
}

/** Multisets of cumulant orders (3..6) with Σ (r − 2) ≤ W, each with its 1/Π mult! of exp's expansion. */
function orderCombinations(W: number): { orders: number[]; coef: number }[] {
  const out: { orders: number[]; coef: number }[] = [];
  const cur: number[] = [];
  const rec = (start: number, used: number): void => {
    if (cur.length > 0) {
      const mult = new Map<number, number>();
      for (const r of cur) mult.set(r, (mult.get(r) ?? 0) + 1);
      let c = 1;
      for (const k of mult.values()) c /= FACT[k]!;
      out.push({ orders: cur.slice(), coef: c });
    }
    for (let r = start; r <= 6; r++) {
      if (used + r - 2 > W) break;
      cur.push(r);
      rec(r, used + r - 2);
      cur.pop();
    }
  };
  rec(3, 0);
  return out;
}

export interface EdgeworthTerm {
  /** multi-index n of He_n(y) */
  n: number[];
  coefficient: number;
}

export class EdgeworthDensity {
  readonly m: number;
  readonly order: 1 | 2;
  readonly mean: number[];
  readonly covariance: number[][];
  /** Cholesky factor L (K = LLᵀ) and its inverse */
  private readonly L: number[][];
  private readonly Linv: number[][];
  private readonly detL: number;
  /** the correction polynomial Σ coefficient·He_n(y), the Gaussian's 1 excluded */
  readonly terms: EdgeworthTerm[];

  constructor(spec: EdgeworthSpec) {
    const K = spec.covariance;
    if (!Array.isArray(K) || (K.length !== 1 && K.length !== 2)) throw new NnftInputError('covariance', 'expected a 1×1 or 2×2 matrix (one or two inputs)');
    const m = K.length;
    K.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== m) throw new NnftInputError('covariance', `row ${i} is not of length ${m}`);
      row.forEach((v, j) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new NnftInputError('covariance', `entry [${i}][${j}] is not a finite number`);
      });
    });
    if (spec.order !== 1 && spec.order !== 2) throw new NnftInputError('order', `expected 1 (O(1/N)) or 2 (O(1/N²)), got ${String(spec.order)}`);
    const k00 = K[0]![0]!;
    if (!(k00 > 0)) throw new NnftInputError('covariance', `the variance K[0][0] = ${k00} must be > 0`);
    let L: number[][], Linv: number[][];
    if (m === 1) {
      L = [[Math.sqrt(k00)]];
      Linv = [[1 / Math.sqrt(k00)]];
    } else {
      const k01 = K[0]![1]!, k10 = K[1]![0]!, k11 = K[1]![1]!;
      if (Math.abs(k01 - k10) > 1e-12 * Math.max(Math.abs(k01), 1e-300)) throw new NnftInputError('covariance', 'is not symmetric');
      const l00 = Math.sqrt(k00);
      const l10 = k01 / l00;
      const s = k11 - l10 * l10;
      if (!(s > 1e-12 * k11)) {
        throw new NnftInputError('covariance', `is singular or nearly so (the inputs are too close: 1 − ρ² = ${(s / k11).toExponential(2)})`, 'use one input, or two inputs whose outputs are not (nearly) perfectly correlated');
      }
      const l11 = Math.sqrt(s);
      L = [[l00, 0], [l10, l11]];
      Linv = [[1 / l00, 0], [-l10 / (l00 * l11), 1 / l11]];
    }
    this.m = m;
    this.order = spec.order;
    this.covariance = K.map((r) => r.slice());
    this.L = L;
    this.Linv = Linv;
    this.detL = L.reduce((p, r, i) => p * r[i]!, 1);
    const mean = spec.mean ?? new Array(m).fill(0);
    if (!Array.isArray(mean) || mean.length !== m || mean.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new NnftInputError('mean', `expected ${m} finite numbers`);
    this.mean = mean.slice();
    // whitened cumulants as D-polynomials A_r
    const A = new Map<number, DPoly>();
    for (const rKey of Object.keys(spec.cumulants)) {
      const r = Number(rKey);
      if (![3, 4, 5, 6].includes(r)) throw new NnftInputError('cumulants', `order ${rKey} is not used (3..6)`);
      const t = spec.cumulants[r as 3 | 4 | 5 | 6];
      if (t === undefined) continue;
      const poly: DPoly = new Map();
      for (const n of multiIndices(m, r)) {
        // the whitened cumulant with n_a slots on coordinate a: Σ_i Π_k Linv[a_k][i_k] κ[i_1..i_r]
        const slots: number[] = [];
        n.forEach((cnt, a) => {
          for (let c = 0; c < cnt; c++) slots.push(a);
        });
        let c = 0;
        const idx = new Array<number>(r).fill(0);
        const total = m ** r;
        for (let code = 0; code < total; code++) {
          let rem = code;
          let w = 1;
          for (let k = 0; k < r; k++) {
            idx[k] = rem % m;
            rem = Math.floor(rem / m);
            w *= Linv[slots[k]!]![idx[k]!]!;
          }
          if (w !== 0) c += w * read(t, idx, `cumulants[${r}]`);
        }
        let nf = 1;
        for (const x of n) nf *= FACT[x]!;
        if (c !== 0) poly.set(n.join(','), c / nf);
      }
      A.set(r, poly);
    }
    const total: DPoly = new Map();
    for (const { orders, coef } of orderCombinations(2 * spec.order)) {
      if (orders.some((r) => !A.has(r))) continue;
      let p: DPoly = new Map([[new Array(m).fill(0).join(','), 1]]);
      for (const r of orders) p = product(p, A.get(r)!);
      addInto(total, p, coef);
    }
    this.terms = [...total.entries()].filter(([, v]) => v !== 0).map(([k, v]) => ({ n: k.split(',').map(Number), coefficient: v })).sort((a, b) => a.n.reduce((s, x) => s + x, 0) - b.n.reduce((s, x) => s + x, 0));
  }

  /** y = L⁻¹(φ − μ) */
  whiten(phi: readonly number[]): number[] {
    const d = phi.map((x, i) => x - this.mean[i]!);
    return this.Linv.map((row) => row.reduce((s, v, j) => s + v * d[j]!, 0));
  }

  /** 1 + Σ coefficient·He_n(y): the factor multiplying the Gaussian */
  correction(y: readonly number[]): number {
    let s = 1;
    for (const t of this.terms) {
      let h = t.coefficient;
      for (let a = 0; a < this.m; a++) h *= hermiteHe(t.n[a]!, y[a]!);
      s += h;
    }
    return s;
  }

  /** The Gaussian density N(μ, K) at φ. */
  gaussian(phi: readonly number[]): number {
    const y = this.whiten(phi);
    return y.reduce((p, v) => p * normPdf(v), 1) / this.detL;
  }

  /** The Edgeworth density at φ (a vector of m output values). */
  density(phi: readonly number[]): number {
    if (!Array.isArray(phi) || phi.length !== this.m) throw new NnftInputError('phi', `expected ${this.m} output value(s)`);
    const y = this.whiten(phi);
    return (y.reduce((p, v) => p * normPdf(v), 1) / this.detL) * this.correction(y);
  }

  /**
   * One input: P(a < φ ≤ b) of the Edgeworth density, exactly, from ∫ϕHe_k = −[ϕHe_{k−1}] (k ≥ 1); and of the Gaussian
   * alone. a may be −∞, b may be +∞.
   */
  binProbability(a: number, b: number): { edgeworth: number; gaussian: number } {
    if (this.m !== 1) throw new NnftInputError('binProbability', 'is defined for one input; integrate `density` for two');
    if (!(b > a)) throw new NnftInputError('bin', `need a < b, got [${a}, ${b}]`);
    const s = this.L[0]![0]!;
    const ya = (a - this.mean[0]!) / s, yb = (b - this.mean[0]!) / s;
    const gaussian = normCdf(yb) - normCdf(ya);
    const F = (y: number, k: number): number => (Number.isFinite(y) ? normPdf(y) * hermiteHe(k - 1, y) : 0);
    let e = gaussian;
    for (const t of this.terms) e += t.coefficient * -(F(yb, t.n[0]!) - F(ya, t.n[0]!));
    return { edgeworth: e, gaussian };
  }

  /** Grid points (one input: values of φ; two: a square grid) where the density is negative. */
  negativeRegion(from: number, to: number, points = 401): number[][] {
    const out: number[][] = [];
    const xs = Array.from({ length: points }, (_, i) => from + ((to - from) * i) / (points - 1));
    if (this.m === 1) for (const x of xs) { if (this.density([x]) < 0) out.push([x]); }
    else for (const x of xs) for (const y of xs) if (this.density([x, y]) < 0) out.push([x, y]);
    return out;
  }
}

/** Regularised upper incomplete gamma Q(a, x) (series for x < a + 1, Lentz continued fraction otherwise; Numerical Recipes §6.2). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new NnftInputError('gammaQ', `need a > 0, x ≥ 0, got a = ${a}, x = ${x}`);
  if (x === 0) return 1;
  const gln = logGamma(a);
  if (x < a + 1) {
    let ap = a, sum = 1 / a, del = sum;
    for (let n = 0; n < 10000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(-x + a * Math.log(x) - gln);
  }
  const FPMIN = 1e-300;
  let b = x + 1 - a, c = 1 / FPMIN, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-x + a * Math.log(x) - gln) * h;
}

/** ln Γ(x), x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-14). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

export interface ChiSquareTest {
  chi2: number;
  dof: number;
  pValue: number;
  bins: { from: number; to: number; observed: number; expected: number }[];
}

/**
 * Pearson's χ² test of a one-input sample against bin probabilities from `prob(a, b)`: `edges` (sorted, the outer
 * bins extend to ±∞), adjacent bins merged until each expects ≥ `minExpected` counts; dof = bins − 1. Refuses a
 * negative expected count (an Edgeworth density negative over a whole bin is no probability model there).
 */
export function chiSquareTest(samples: ArrayLike<number>, edges: readonly number[], prob: (a: number, b: number) => number, minExpected = 5): ChiSquareTest {
  const n = samples.length;
  if (n < 10) throw new NnftInputError('samples', `need at least 10 samples, got ${n}`);
  if (edges.length < 1) throw new NnftInputError('edges', 'need at least one bin edge');
  for (let i = 1; i < edges.length; i++) if (!(edges[i]! > edges[i - 1]!)) throw new NnftInputError('edges', 'must be strictly increasing');
  const lims = [-Infinity, ...edges, Infinity];
  const counts = new Array<number>(lims.length - 1).fill(0);
  for (let t = 0; t < n; t++) {
    const x = samples[t]!;
    let lo = 0, hi = lims.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (x > lims[mid]!) lo = mid;
      else hi = mid;
    }
    counts[lo] = counts[lo]! + 1;
  }
  const bins: ChiSquareTest['bins'] = [];
  let start = 0, observed = 0, expected = 0;
  for (let i = 0; i < counts.length; i++) {
    observed += counts[i]!;
    expected += n * prob(lims[i]!, lims[i + 1]!);
    if (expected >= minExpected) {
      bins.push({ from: lims[start]!, to: lims[i + 1]!, observed, expected });
      start = i + 1;
      observed = 0;
      expected = 0;
    }
  }
  if (start < counts.length) {
    // the remainder (too small to stand alone) joins the last bin
    const last = bins[bins.length - 1];
    if (last) {
      last.to = Infinity;
      last.observed += observed;
      last.expected += expected;
    } else bins.push({ from: -Infinity, to: Infinity, observed, expected });
  }
  for (const b of bins) {
    if (!(b.expected > 0)) throw new NnftInputError('model', `the expected count in [${b.from}, ${b.to}] is ${b.expected.toPrecision(3)} ≤ 0 (the density is negative there)`, 'narrow the binned range to where the density is positive');
  }
  let chi2 = 0;
  for (const b of bins) chi2 += (b.observed - b.expected) ** 2 / b.expected;
  const dof = bins.length - 1;
  if (dof < 1) throw new NnftInputError('edges', 'fewer than two bins after merging', 'use more samples or wider bins');
  return { chi2, dof, pValue: gammaQ(dof / 2, chi2 / 2), bins };
}
