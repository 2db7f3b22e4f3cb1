/**
 * Size of a Feynman-diagram enumeration and of a Wick listing, estimated before anything is enumerated, and the
 * refusals (NnftResourceError, src/resources.ts budgets) that state the estimate and the largest order / number
 * of points that fits.
 *
 * Diagrams (feynman.ts): for each multiset of vertex degrees (k_1..k_N) the enumerator visits the symmetric
 * multiplicity matrices m over p externals (degree 1) and N vertices (degree k_v, self-loops count 2) and keeps
 * one per class under relabelling of equal-degree vertices. The number of labelled matrices is counted exactly,
 * without enumerating them:
 *
 *   M(p; k) = Σ_e C(p, e) (p − e − 1)!! Σ_{a: Σ_v a_v = e, a_v ≤ k_v} e!/Π_v a_v! · V(k − a),
 *
 * where e externals attach to vertices (a_v of them to vertex v; the other p − e pair among themselves) and
 * V(d) counts the symmetric vertex–vertex matrices with even diagonal and row sums d (a memoised recursion over
 * the sorted remaining degrees). Classes ≈ M / Π_k n_k! (exact when no class has a non-trivial automorphism;
 * vacuum bubbles, dropped by the enumerator, make it an over-estimate). The enumerator's time and memory
 * are proportional to these counts (calibration constants below).
 *
 * Wick (wick.ts): (2n − 1)!! contractions, each listed as one line; the count itself is exact as a BigInt
 * while it has at most WICK_EXACT_DIGITS digits, and otherwise given as mantissa·10^exponent from
 * log10 (2n−1)!! = [ln Γ(2n+1) − n ln 2 − ln Γ(n+1)] / ln 10 (Stirling series, error < 1e-15 relative in the
 * logarithm).
 */
import { NnftResourceError } from '../src/errors.ts';
import { nonDecreasingTuples } from '../src/multisets.ts';
import { formatBytes, formatSeconds, memoryBudget, timeBudget } from '../src/resources.ts';

// ——— counts of labelled matrices (in doubles: the estimate needs ~3 digits, the counts stay below 1e50) ———

const FACT: number[] = [1];
function factorial(n: number): number {
  for (let k = FACT.length; k <= n; k++) FACT.push(FACT[k - 1]! * k);
  return FACT[n]!;
}

/** (n − 1)!! for even n ≥ 0 (perfect matchings of n points); 0 for odd n. */
function matchings(n: number): number {
  if (n % 2 === 1) return 0;
  let r = 1;
  for (let k = n - 1; k > 1; k -= 2) r *= k;
  return r;
}

function binomial(n: number, k: number): number {
  return factorial(n) / (factorial(k) * factorial(n - k));
}

/** A multiset of degrees 0..15 as counts in 4-bit fields (at most 15 vertices of each degree). */
function packDegrees(d: readonly number[]): number {
  let key = 0;
  for (const x of d) key += 16 ** x;
  return key;
}

function unpackDegrees(key: number): number[] {
  const out: number[] = [];
  for (let x = 15; x >= 0; x--) {
    const c = Math.floor(key / 16 ** x) % 16;
    for (let i = 0; i < c; i++) out.push(x);
  }
  return out; // descending
}

const vertexMemo = new Map<number, number>();

/** V(d): symmetric non-negative integer matrices with even diagonal (2 × loops) and row sums d. */
export function vertexMatrices(d: readonly number[]): number {
  return vertexMatricesPacked(packDegrees(d));
}

/** V of a packed multiset (zero degrees, the 16⁰ field, are dropped). */
function vertexMatricesPacked(packed: number): number {
  const key = packed - (packed % 16);
  if (key === 0) return 1;
  const hit = vertexMemo.get(key);
  if (hit !== undefined) return hit;
  const [d0, ...rest] = unpackDegrees(key) as [number, ...number[]];
  let total = d0;
  for (const x of rest) total += x;
  let sum = 0;
  if (total % 2 === 0) {
    // loops l at vertex 0, then d0 − 2l edges distributed over the other vertices (bounded by their degrees)
    const capAfter = rest.map((_, j) => rest.slice(j + 1).reduce((a, b) => a + b, 0));
    const dist = (j: number, left: number, acc: number) => {
      if (j === rest.length) {
        if (left === 0) sum += vertexMatricesPacked(acc);
        return;
      }
      for (let x = Math.min(left, rest[j]!); x >= Math.max(0, left - capAfter[j]!); x--) dist(j + 1, left - x, acc + 16 ** (rest[j]! - x));
    };
    for (let l = 0; 2 * l <= d0; l++) dist(0, d0 - 2 * l, 0);
  }
  vertexMemo.set(key, sum);
  return sum;
}

const STATE_E = 16 ** 9; // state key = e · 16⁹ + packed remaining degrees (degrees ≤ 8 < 9 fields)
const stateMemo = new Map<string, Map<number, number>>();

/** DP states after attaching externals to the vertices `prefix` (shared by every multiset with this prefix). */
function attachStates(p: number, prefix: readonly number[]): Map<number, number> {
  const memoKey = `${p}|${prefix.join(',')}`;
  const hit = stateMemo.get(memoKey);
  if (hit) return hit;
  let out: Map<number, number>;
  if (prefix.length === 0) out = new Map([[0, 1]]);
  else {
    const k = prefix[prefix.length - 1]!;
    out = new Map();
    for (const [key, w] of attachStates(p, prefix.slice(0, -1))) {
      const e0 = Math.floor(key / STATE_E);
      const rem = key - e0 * STATE_E;
      for (let a = 0; a <= Math.min(k, p - e0); a++) {
        const nk = (e0 + a) * STATE_E + rem + 16 ** (k - a);
        out.set(nk, (out.get(nk) ?? 0) + w * binomial(p - e0, a));
      }
    }
  }
  if (stateMemo.size > 5000) stateMemo.clear();
  stateMemo.set(memoKey, out);
  return out;
}

/**
 * M(p; k): labelled multiplicity matrices of p externals and vertices of degrees k (formula above), summed by
 * a dynamic programme over the vertices: state (externals attached so far, remaining degrees of the vertices
 * done, as a multiset), weight Π_v C(p − e_{<v}, a_v) for choosing which labelled externals attach to vertex v.
 */
export function labelledMatrices(p: number, degrees: readonly number[]): number {
  let total = 0;
  for (const [key, w] of attachStates(p, degrees)) {
    const e = Math.floor(key / STATE_E);
    const pairs = matchings(p - e);
    if (pairs === 0) continue;
    total += w * pairs * vertexMatricesPacked(key - e * STATE_E);
  }
  return total;
}

/** Multisets of size N from sorted degrees (non-decreasing tuples), as the enumerator walks them. */
export function degreeMultisets(couplings: readonly number[], N: number): number[][] {
  return nonDecreasingTuples(couplings.length, N).map((t) => t.map((i) => couplings[i]!));
}

/** Π_k n_k! for a sorted degree multiset: the relabellings of equal-degree vertices. */
function relabellings(degrees: readonly number[]): number {
  let r = 1;
  let run = 1;
  for (let i = 1; i <= degrees.length; i++) {
    if (i < degrees.length && degrees[i] === degrees[i - 1]) run++;
    else {
      r *= factorial(run);
      run = 1;
    }
  }
  return r;
}

// ——— calibration (measured on Node 20, shared 2-core container; see the module comment) ———

/**
 * Bytes held per diagram class: the Diagram record, its Rational coefficient and topology string (measured 450
 * bytes of JavaScript heap per class for the 493 211 classes of G⁽⁶⁾ at order 4 in g4, g6) plus the (p+N)²
 * Int32 adjacency outside the heap; rounded up.
 */
const BYTES_PER_CLASS = 500;
/**
 * Enumeration time: measured 12–90 μs per class and 3–30 μs per labelled matrix over ten specifications
 * (shared 2-core container under load); the estimate charges 30 μs per class plus 3 μs per matrix.
 */
const SECONDS_PER_CLASS = 3e-5;
const SECONDS_PER_MATRIX = 3e-6;

export interface DiagramEstimate {
  /** labelled matrices */
  matrices: number;
  /** estimated classes (upper estimate: matrices / Π n_k!, bubbles not removed) */
  classes: number;
  bytes: number;
  seconds: number;
}

/** Estimates of the enumeration of G⁽ᵖ⁾ to orders 0, 1, …, order (cumulative). */
export function estimateDiagramsByOrder(points: number, couplings: readonly number[], order: number): DiagramEstimate[] {
  const out: DiagramEstimate[] = [];
  let matrices = 0;
  let classes = 0;
  let bytes = 0;
  for (let N = 0; N <= order; N++) {
    for (const degrees of degreeMultisets(couplings, N)) {
      const total = points + degrees.reduce((a, b) => a + b, 0);
      if (total % 2 === 1) continue;
      const M = labelledMatrices(points, degrees);
      matrices += M;
      const c = M / relabellings(degrees);
      classes += c;
      const T = points + N;
      bytes += c * (BYTES_PER_CLASS + 4 * T * T);
    }
    out.push({ matrices, classes, bytes, seconds: classes * SECONDS_PER_CLASS + matrices * SECONDS_PER_MATRIX });
  }
  return out;
}

/** Estimate the enumeration of G⁽ᵖ⁾ to the given order (couplings: sorted vertex degrees). */
export function estimateDiagrams(points: number, couplings: readonly number[], order: number): DiagramEstimate {
  return estimateDiagramsByOrder(points, couplings, order)[order]!;
}

/**
 * Refuse (NnftResourceError) an enumeration over the memory or time budget, before it starts; the message gives
 * the estimate and the largest order (and number of points) that fits.
 */
export function requireDiagramBudget(points: number, couplings: readonly number[], order: number): void {
  const fitsIn = (e: DiagramEstimate) => e.bytes <= memoryBudget() && e.seconds <= timeBudget();
  const byOrder = estimateDiagramsByOrder(points, couplings, order);
  const est = byOrder[order]!;
  if (fitsIn(est)) return;
  let maxOrder = order - 1;
  while (maxOrder >= 0 && !fitsIn(byOrder[maxOrder]!)) maxOrder--;
  // largest number of points of the same parity that fits at this order (binary search; none if the fewest fail)
  const fitsPoints = (q: number) => fitsIn(estimateDiagrams(q, couplings, order));
  let maxPoints = -1;
  const lowest = points % 2 === 1 ? 1 : 2;
  if (points - 2 >= lowest && fitsPoints(lowest)) {
    let lo = lowest, hi = points; // lo fits, hi does not
    while (hi - lo > 2) {
      const mid = lo + 2 * Math.floor((hi - lo) / 4);
      if (fitsPoints(mid)) lo = mid;
      else hi = mid;
    }
    maxPoints = lo;
  }
  const memOk = est.bytes <= memoryBudget();
  const fits = [maxOrder >= 0 ? `--order ${maxOrder} fits for ${points} points` : null, maxPoints >= 1 ? `--points ${maxPoints} fits at order ${order}` : null].filter((x) => x !== null);
  const fix = `${fits.length ? fits.join('; ') : 'use fewer points, couplings or a lower order'}; or raise ${memOk ? 'NNFT_MAX_SECONDS' : 'NNFT_MAX_MEMORY'}`;
  const what = `enumerating the diagrams of G⁽${points}⁾ to order ${order} in g${couplings.join(', g')} (≈ ${fmtCount(est.classes)} classes from ${fmtCount(est.matrices)} labelled matrices)`;
  if (!memOk) throw new NnftResourceError(what, `~${formatBytes(est.bytes)} of memory`, `${formatBytes(memoryBudget())} (NNFT_MAX_MEMORY)`, fix);
  throw new NnftResourceError(what, `~${formatSeconds(est.seconds)}`, `${formatSeconds(timeBudget())} (NNFT_MAX_SECONDS)`, fix);
}

function fmtCount(x: number): string {
  return x < 1e6 ? String(Math.round(x)) : x.toExponential(2);
}

// ——— Wick counts ———

/** Counts with at most this many decimal digits are computed exactly (BigInt product: ≈ 10 ms at this size). */
export const WICK_EXACT_DIGITS = 20000;

/** ln Γ(x) for x ≥ 1 by the Stirling series (shifted up to x ≥ 20: absolute error < 1e-15 relative to the value). */
export function lnGamma(x: number): number {
  let shift = 0;
  while (x < 20) {
    shift -= Math.log(x);
    x += 1;
  }
  const x2 = x * x;
  const series = 1 / (12 * x) - 1 / (360 * x * x2) + 1 / (1260 * x2 * x2 * x) - 1 / (1680 * x2 * x2 * x2 * x);
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
}

/** log10 of (2n − 1)!! = (2n)! / (2ⁿ n!). */
export function log10DoubleFactorial(n: number): number {
  if (n <= 1) return 0;
  return (lnGamma(2 * n + 1) - n * Math.LN2 - lnGamma(n + 1)) / Math.LN10;
}

/** The count (2n − 1)!!: exact while it has ≤ WICK_EXACT_DIGITS digits, else mantissa and exponent. */
export type WickCount = { exact: true; value: bigint; log10: number } | { exact: false; mantissa: number; exponent: number; log10: number };

export function wickCount(n: number, exactDigits = WICK_EXACT_DIGITS): WickCount {
  const log10 = log10DoubleFactorial(n);
  if (log10 < exactDigits) {
    // product tree: balanced multiplications keep the BigInt work near-linear in the digits
    const prod = (lo: number, hi: number): bigint => {
      // odd numbers 2lo+1 … 2hi−1
      if (hi - lo <= 16) {
        let r = 1n;
        for (let k = lo; k < hi; k++) r *= BigInt(2 * k + 1);
        return r;
      }
      const mid = (lo + hi) >> 1;
      return prod(lo, mid) * prod(mid, hi);
    };
    return { exact: true, value: n <= 0 ? 1n : prod(0, n), log10 };
  }
  const exponent = Math.floor(log10);
  let mantissa = 10 ** (log10 - exponent);
  if (mantissa >= 10) mantissa /= 10; // rounding at the boundary
  return { exact: false, mantissa, exponent, log10 };
}

/**
 * Digits of the mantissa that the double-precision logarithm supports: the absolute error of log10 is about
 * 4·10⁻¹⁶·log10, so the mantissa is good to that relative precision (≥ 6 digits up to 10^(10⁸)).
 */
export function wickMantissaDigits(log10: number): number {
  const rel = Math.max(1e-15, 4e-16 * Math.abs(log10) * Math.LN10);
  return Math.max(1, Math.min(12, Math.floor(-Math.log10(rel)) - 1));
}

/** Seconds per listed contraction (text or JSON line, measured ≈ 0.3 μs per contraction of 16 points; rounded up). */
const SECONDS_PER_CONTRACTION = 1e-6;

/** Refuse listing (2n−1)!! contractions over the time budget or beyond `maxListed`. */
export function requireWickListing(points: number, maxListed: number): void {
  const log10 = log10DoubleFactorial(points / 2);
  const fitsPoints = (q: number) => {
    const l = log10DoubleFactorial(q / 2);
    return l <= Math.log10(maxListed) + 1e-9 && 10 ** l * SECONDS_PER_CONTRACTION <= timeBudget();
  };
  if (fitsPoints(points)) return;
  let maxPoints = points - 2;
  if (maxPoints > 64) maxPoints = 64; // (63)!! ≈ 10^44: far beyond any listing limit
  while (maxPoints > 0 && !fitsPoints(maxPoints)) maxPoints -= 2;
  const count = log10 < 15 ? String(Math.round(10 ** log10)) : `≈ 10^${log10.toFixed(1)}`;
  const seconds = log10 < 300 ? formatSeconds(10 ** log10 * SECONDS_PER_CONTRACTION) : `10^${(log10 - 6).toFixed(0)} s`;
  const output = log10 < 300 ? formatBytes(10 ** log10 * 8 * points) : `10^${(log10 + Math.log10(8 * points)).toFixed(0)} bytes`;
  const what = `listing the ${count} contractions of ${points} points`;
  const fix = `use --count, or at most ${maxPoints} points`;
  if (log10 > Math.log10(maxListed) + 1e-9) {
    throw new NnftResourceError(what, `~${seconds} and ${output} of output`, `${maxListed} contractions (the listing limit)`, fix);
  }
  throw new NnftResourceError(what, `~${seconds}`, `${formatSeconds(timeBudget())} (NNFT_MAX_SECONDS)`, fix);
}
