/**
 * Wick contractions of 2n labelled points (Symmetry-via-Duality eqs. 4–5; docs/equations.md) and the NNGP correlator
 *   G⁽²ⁿ⁾_{i1..i2n}(x1..x2n) = Σ_{P ∈ Wick(2n)} Π_{(a,b)∈P} δ_{i_a i_b} K(x_a, x_b).
 *
 * Points are numbered 0..2n−1. A contraction is listed as n pairs [a, b] with a < b, pairs sorted by their
 * first point; contractions come in lexicographic order ([[0,1],[2,3],[4,5]] first).
 *
 * Three ways to enumerate, from convenient to fast:
 * - `wickContractions(n)`: a lazy generator of fresh pair arrays (O(n) state; one contraction at a time).
 * - `forEachWickContraction(n, visit)`: a visitor that receives ONE reused Int32Array of length 2n
 *   (pair k = [buf[2k], buf[2k+1]]); no allocation per contraction. Copy the buffer if you keep it.
 * - `countWickContractions(n)`: (2n−1)!! by formula, exact (BigInt), up to MAX_EXACT_COUNT_DIGITS digits;
 *   `wickCount(n)` (budget.ts) gives any n instantly, exactly while cheap and as mantissa·10^exponent beyond.
 */
import { UndirectedGraph } from 'graphology';
import { NnftInputError, NnftResourceError } from '../src/errors.ts';
import { log10DoubleFactorial, wickCount } from './budget.ts';

/** Largest n (pairs) the bit-mask enumerators accept: 2n ≤ 30 points. */
export const MAX_WICK_PAIRS = 15;

function checkPairs(n: unknown, argument = 'n'): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new NnftInputError(argument, `expected a number of pairs n ≥ 0 (2n points), got ${String(n)}`, 'pass an integer, e.g. 3 for the 15 contractions of 6 points');
  }
  if (n > MAX_WICK_PAIRS) {
    throw new NnftInputError(argument, `n = ${n} pairs (${2 * n} points) is beyond enumeration (≈ 10^${log10DoubleFactorial(n).toFixed(1)} contractions)`, `use countWickContractions, or n ≤ ${MAX_WICK_PAIRS}`);
  }
  return n;
}

/** Largest exact count returned by countWickContractions, in decimal digits (a BigInt of ≈ 330 KB). */
export const MAX_EXACT_COUNT_DIGITS = 1_000_000;

/**
 * (2n−1)!! = number of perfect matchings of 2n points, exact. n = 0 gives 1 (the empty contraction).
 * Beyond MAX_EXACT_COUNT_DIGITS digits (n ≳ 2·10⁵) it refuses; wickCount(n) gives the approximate value.
 */
export function countWickContractions(n: number): bigint {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new NnftInputError('n', `expected a number of pairs n ≥ 0, got ${String(n)}`, 'pass an integer');
  }
  const log10 = log10DoubleFactorial(n);
  if (log10 > MAX_EXACT_COUNT_DIGITS) {
    throw new NnftResourceError(`the exact count (2n−1)!! for n = ${n}`, `${Math.floor(log10) + 1} decimal digits`, `${MAX_EXACT_COUNT_DIGITS} digits`, 'use wickCount(n) for mantissa and exponent, or a smaller n');
  }
  const c = wickCount(n, Infinity);
  if (!c.exact) throw new Error('unreachable: wickCount with an unlimited digit cap is exact');
  return c.value;
}

/** Number of contractions of `points` points: (points−1)!! for even points, 0 for odd. */
export function countWickContractionsOfPoints(points: number): bigint {
  if (typeof points !== 'number' || !Number.isInteger(points) || points < 0) {
    throw new NnftInputError('points', `expected a number of points ≥ 0, got ${String(points)}`, 'pass an integer');
  }
  return points % 2 === 1 ? 0n : countWickContractions(points / 2);
}

/**
 * Visit every contraction of 2n points in lexicographic order. `visit(buf)` gets one reused Int32Array
 * (buf[2k] < buf[2k+1] is pair k; pairs sorted by first point). Return `false` from visit to stop early.
 * Returns the number of contractions visited.
 *
 * Implementation: explicit stack over levels k = 0..n−1; level k holds the bit mask of still-unpaired
 * points and the mask of partners not yet tried for the lowest unpaired point. The last two points are
 * paired without a stack level. No allocation inside the loop.
 */
export function forEachWickContraction(n: number, visit: (pairs: Int32Array) => boolean | void): number {
  checkPairs(n);
  const buf = new Int32Array(2 * n);
  if (n === 0) {
    visit(buf);
    return 1;
  }
  if (n === 1) {
    buf[0] = 0;
    buf[1] = 1;
    visit(buf);
    return 1;
  }
  const rem = new Int32Array(n); // unpaired points at level k (before pairing buf[2k])
  const cand = new Int32Array(n); // untried partners for buf[2k]
  let count = 0;
  const last = n - 2; // deepest stack level: after it two points remain
  // level 0
  let k = 0;
  const full = n * 2 === 32 ? -1 : (1 << (2 * n)) - 1;
  rem[0] = full;
  buf[0] = 0;
  cand[0] = full & ~1;
  while (k >= 0) {
    const c = cand[k]!;
    if (c === 0) {
      k--;
      continue;
    }
    const jbit = c & -c;
    cand[k] = c ^ jbit;
    buf[2 * k + 1] = 31 - Math.clz32(jbit);
    const r = rem[k]! & ~(1 << buf[2 * k]!) & ~jbit;
    if (k === last) {
      // two points left: one contraction
      const lo = r & -r;
      buf[2 * k + 2] = 31 - Math.clz32(lo);
      buf[2 * k + 3] = 31 - Math.clz32(r ^ lo);
      count++;
      if (visit(buf) === false) return count;
      continue;
    }
    k++;
    rem[k] = r;
    const ibit = r & -r;
    buf[2 * k] = 31 - Math.clz32(ibit);
    cand[k] = r ^ ibit;
  }
  return count;
}

/**
 * Count contractions by enumerating them with the in-place enumerator and a trivial visitor — the
 * benchmark path. Equal to countWickContractions(n).
 */
export function enumerateWickCount(n: number): number {
  let c = 0;
  forEachWickContraction(n, () => {
    c++;
  });
  return c;
}

export type Contraction = Array<[number, number]>;

/**
 * Lazy generator over the contractions of 2n labelled points (n pairs), in lexicographic order. It keeps
 * O(n) state and builds each yielded contraction fresh, so at most the one being yielded exists at a time
 * (unless the caller keeps them). wickContractions(3) yields the 15 contractions of 6 points.
 */
export function* wickContractions(n: number): Generator<Contraction, void, undefined> {
  checkPairs(n);
  if (n === 0) {
    yield [];
    return;
  }
  // Same explicit-stack walk as forEachWickContraction, written as a generator.
  const buf = new Int32Array(2 * n);
  const rem = new Int32Array(n + 1);
  const cand = new Int32Array(n + 1);
  const full = n * 2 === 32 ? -1 : (1 << (2 * n)) - 1;
  let k = 0;
  rem[0] = full;
  buf[0] = 0;
  cand[0] = full & ~1;
  while (k >= 0) {
    const c = cand[k]!;
    if (c === 0) {
      k--;
      continue;
    }
    const jbit = c & -c;
    cand[k] = c ^ jbit;
    buf[2 * k + 1] = 31 - Math.clz32(jbit);
    const r = rem[k]! & ~(1 << buf[2 * k]!) & ~jbit;
    if (r === 0) {
      const out: Contraction = new Array(n);
      for (let p = 0; p < n; p++) out[p] = [buf[2 * p]!, buf[2 * p + 1]!];
      yield out;
      continue;
    }
    k++;
    rem[k] = r;
    const ibit = r & -r;
    buf[2 * k] = 31 - Math.clz32(ibit);
    cand[k] = r ^ ibit;
  }
}

/** Contractions of `points` labelled points (points even): wickContractions(points / 2). */
export function wickContractionsOfPoints(points: number): Generator<Contraction, void, undefined> {
  if (typeof points !== 'number' || !Number.isInteger(points) || points < 0) {
    throw new NnftInputError('points', `expected a number of points ≥ 0, got ${String(points)}`, 'pass an even integer');
  }
  if (points % 2 === 1) {
    throw new NnftInputError('points', `${points} is odd: a zero-mean Gaussian has no contractions of an odd number of points (odd correlators vanish)`, 'pass an even number of points');
  }
  return wickContractions(points / 2);
}

/** Pairs from the visitor's buffer (a copy). */
export function pairsFromBuffer(buf: Int32Array): Contraction {
  const out: Contraction = [];
  for (let p = 0; p + 1 < buf.length; p += 2) out.push([buf[p]!, buf[p + 1]!]);
  return out;
}

/** Point names used in graphs and expressions: x1..x2n (1-based, as in the seeds). */
export function pointName(a: number): string {
  return `x${a + 1}`;
}

/**
 * A contraction as a graphology graph: nodes x1..x2n (attribute `index`: 0-based point), one undirected
 * edge per propagator (attribute `propagator: 'K'`).
 */
export function contractionToGraph(pairs: Contraction | Int32Array, points?: number): UndirectedGraph {
  const list = pairs instanceof Int32Array ? pairsFromBuffer(pairs) : pairs;
  const np = points ?? 2 * list.length;
  const g = new UndirectedGraph({ allowSelfLoops: false });
  for (let a = 0; a < np; a++) g.addNode(pointName(a), { index: a, kind: 'external' });
  for (const [a, b] of list) {
    if (a === b || a < 0 || b < 0 || a >= np || b >= np) {
      throw new NnftInputError('pairs', `bad pair [${a}, ${b}] for ${np} points`, 'each pair joins two distinct points 0..2n−1');
    }
    g.addEdge(pointName(a), pointName(b), { propagator: 'K' });
  }
  return g;
}

// ——— NNGP correlator (Symmetry-via-Duality eq. 4) ———

export interface NngpTermFormat {
  /** Include the Kronecker deltas δ_{i_a i_b} (output indices); default true. */
  indices?: boolean;
  latex?: boolean;
}

/**
 * The NNGP correlator as an expression: "δ_{i1i2}δ_{i3i4}K(x1,x2)K(x3,x4) + …" (text) or LaTeX.
 * n pairs ⇒ (2n−1)!! terms; meant for small n.
 */
export function nngpCorrelatorExpression(n: number, fmt: NngpTermFormat = {}): string {
  checkPairs(n);
  if (n > 6) throw new NnftInputError('n', `an expression with ${countWickContractions(n)} terms is too long to print`, 'use n ≤ 6, or evaluate numerically');
  const withIdx = fmt.indices !== false;
  const terms: string[] = [];
  for (const P of wickContractions(n)) {
    if (fmt.latex) {
      const d = withIdx ? P.map(([a, b]) => `\\delta_{i_{${a + 1}} i_{${b + 1}}}`).join('') : '';
      const k = P.map(([a, b]) => `K(x_{${a + 1}},x_{${b + 1}})`).join('');
      terms.push(d + k);
    } else {
      const d = withIdx ? P.map(([a, b]) => `δ_{i${a + 1}i${b + 1}}`).join('') : '';
      const k = P.map(([a, b]) => `K(x${a + 1},x${b + 1})`).join('');
      terms.push(d + k);
    }
  }
  return terms.join(' + ');
}

/** Read K[a][b] from a nested array or a flat row-major array with `points` columns. */
function kernelAccessor(K: number[][] | Float64Array, points: number): (a: number, b: number) => number {
  if (K instanceof Float64Array) {
    if (K.length !== points * points) throw new NnftInputError('K', `flat kernel has ${K.length} entries, expected ${points}×${points}`, 'pass the Gram matrix of the 2n points');
    return (a, b) => K[a * points + b]!;
  }
  if (!Array.isArray(K) || K.length !== points || !K.every((r) => Array.isArray(r) && r.length === points)) {
    throw new NnftInputError('K', `expected a ${points}×${points} matrix K[a][b] = K(x_a, x_b)`, 'pass the Gram matrix of the 2n points');
  }
  for (const r of K) for (const v of r) if (!Number.isFinite(v)) throw new NnftInputError('K', `entry ${v} is not finite`, 'pass finite numbers');
  return (a, b) => K[a]![b]!;
}

/**
 * G⁽²ⁿ⁾_{i1..i2n}(x1..x2n) for a Gram matrix K (2n×2n, K[a][b] = K(x_a, x_b)) and output indices
 * i_a ∈ {0..D−1} (omit them, or pass all equal, for the single-output correlator Σ_P Π K). Summed by
 * the hafnian recursion (pair the first open point with each other open point), pruning pairs whose
 * δ vanishes — exactly the Wick sum.
 */
export function nngpCorrelator(K: number[][] | Float64Array, indices?: number[], D?: number): number {
  const points = K instanceof Float64Array ? Math.round(Math.sqrt(K.length)) : K.length;
  if (points % 2 === 1) throw new NnftInputError('K', `${points} points: odd correlators of a zero-mean GP vanish`, 'pass an even number of points');
  checkPairs(points / 2, 'K');
  const k = kernelAccessor(K, points);
  const idx = indices ?? new Array(points).fill(0);
  if (idx.length !== points) throw new NnftInputError('indices', `expected ${points} output indices, got ${idx.length}`, 'one output index i_a per point');
  if (D !== undefined) {
    if (!Number.isInteger(D) || D < 1) throw new NnftInputError('D', `output dimension must be an integer ≥ 1, got ${D}`);
    for (const i of idx) if (!Number.isInteger(i) || i < 0 || i >= D) throw new NnftInputError('indices', `index ${i} outside 0..${D - 1}`);
  }
  const rec = (mask: number): number => {
    if (mask === 0) return 1;
    const abit = mask & -mask;
    const a = 31 - Math.clz32(abit);
    let rest = mask ^ abit;
    let s = 0;
    while (rest !== 0) {
      const bbit = rest & -rest;
      rest ^= bbit;
      const b = 31 - Math.clz32(bbit);
      if (idx[a] !== idx[b]) continue;
      const kab = k(a, b);
      if (kab === 0) continue;
      s += kab * rec(mask ^ abit ^ bbit);
    }
    return s;
  };
  return rec(points === 32 ? -1 : (1 << points) - 1);
}

/**
 * The whole tensor G⁽²ⁿ⁾_{i1..i2n} for output dimension D, flat row-major over (i1, …, i2n)
 * (length D^{2n}). By SO(D) structure only index patterns matter; entries are computed per pattern.
 */
export function nngpCorrelatorTensor(K: number[][] | Float64Array, D: number): Float64Array {
  const points = K instanceof Float64Array ? Math.round(Math.sqrt(K.length)) : K.length;
  if (!Number.isInteger(D) || D < 1) throw new NnftInputError('D', `output dimension must be an integer ≥ 1, got ${D}`);
  const size = D ** points;
  if (size > 1 << 24) throw new NnftInputError('D', `D^${points} = ${size} entries is too large`, 'use nngpCorrelator for single index tuples');
  const out = new Float64Array(size);
  const idx = new Array(points).fill(0);
  const cache = new Map<string, number>();
  for (let flat = 0; flat < size; flat++) {
    let t = flat;
    for (let a = points - 1; a >= 0; a--) {
      idx[a] = t % D;
      t = Math.floor(t / D);
    }
    // canonical pattern: relabel indices by first appearance
    const seen = new Map<number, number>();
    const pat = idx.map((i) => {
      if (!seen.has(i)) seen.set(i, seen.size);
      return seen.get(i)!;
    });
    const key = pat.join(',');
    let v = cache.get(key);
    if (v === undefined) {
      v = nngpCorrelator(K, pat);
      cache.set(key, v);
    }
    out[flat] = v;
  }
  return out;
}
