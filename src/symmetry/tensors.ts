/**
 * Correlator tensors and their transformations (Maiti, Stoner, Halverson, Symmetry-via-Duality, §2, App. C).
 *
 * A correlator G⁽ⁿ⁾ over m inputs and D (real) output components is stored in one of two layouts:
 * - full: a Float64Array of P^n entries, P = m·D, combined index c = α·D + i (input α, output i), row-major
 *   (c1 slowest) — G[c1..cn] = E[f_{i1}(x_{α1}) ⋯ f_{in}(x_{αn})];
 * - unique: one entry per multiset c1 ≤ … ≤ cn (the correlator is symmetric under simultaneous permutation
 *   of the (α, i) pairs), in the order of `multisets(P, n)`.
 *
 * `rotateOutputIndices` applies G′_{i1..in} = R_{i1p1} ⋯ R_{inpn} G_{p1..pn} (every output index rotated,
 * inputs untouched); `eq45Bound` is the paper's error propagation for G′ (δR and δG); `wickCorrelator` is the
 * zero-mean GP correlator Σ_P Π δ K of eq. 4 (for the GP-limit check).
 */
import { NnftInputError } from '../errors.ts';
import type { Mat } from './linalg.ts';

/** all multisets of size n from {0..P−1}, as sorted index tuples, flattened (K × n), lexicographic */
export function multisets(P: number, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new NnftInputError('order n', `need an integer ≥ 1, got ${n}`);
  const out: number[] = [];
  const cur = new Array<number>(n).fill(0);
  const rec = (pos: number, start: number): void => {
    if (pos === n) {
      out.push(...cur);
      return;
    }
    for (let c = start; c < P; c++) {
      cur[pos] = c;
      rec(pos + 1, c);
    }
  };
  rec(0, 0);
  return Int32Array.from(out);
}

/** number of multisets C(P+n−1, n) */
export function multisetCount(P: number, n: number): number {
  let r = 1;
  for (let k = 1; k <= n; k++) r = (r * (P + k - 1)) / k;
  return Math.round(r);
}

/** for each full index (P^n, row-major) the position of its multiset in `multisets(P, n)` */
export function fullToUnique(P: number, n: number): Int32Array {
  const ms = multisets(P, n);
  const K = ms.length / n;
  const key = (t: ArrayLike<number>): number => {
    let k = 0;
    for (let s = 0; s < n; s++) k = k * P + t[s]!;
    return k;
  };
  const pos = new Map<number, number>();
  for (let u = 0; u < K; u++) pos.set(key(ms.subarray(u * n, u * n + n)), u);
  const total = P ** n;
  const map = new Int32Array(total);
  const t = new Array<number>(n);
  for (let f = 0; f < total; f++) {
    let r = f;
    for (let s = n - 1; s >= 0; s--) {
      t[s] = r % P;
      r = Math.floor(r / P);
    }
    const sorted = t.slice().sort((a, b) => a - b);
    map[f] = pos.get(key(sorted))!;
  }
  return map;
}

export function uniqueToFull(unique: ArrayLike<number>, P: number, n: number, map = fullToUnique(P, n)): Float64Array {
  const out = new Float64Array(map.length);
  for (let f = 0; f < map.length; f++) out[f] = unique[map[f]!]!;
  return out;
}

/** Apply the P×P matrix A to every index of a full order-n tensor: T′ = A^{⊗n} T. */
export function transformAllModes(T: ArrayLike<number>, P: number, n: number, A: Mat): Float64Array {
  if (T.length !== P ** n) throw new NnftInputError('tensor', `has ${T.length} entries, expected P^n = ${P ** n}`);
  if (A.length !== P || A.some((r) => r.length !== P)) throw new NnftInputError('transformation', `must be ${P}×${P} to act on this tensor, got ${A.length}×${A[0]?.length}`);
  let cur = Float64Array.from(T);
  let next = new Float64Array(cur.length);
  for (let mode = 0; mode < n; mode++) {
    const inner = P ** (n - 1 - mode); // stride of this mode
    const outer = P ** mode;
    next.fill(0);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < P; i++) {
        const Ai = A[i]!;
        const dstBase = (o * P + i) * inner;
        for (let p = 0; p < P; p++) {
          const a = Ai[p]!;
          if (a === 0) continue;
          const srcBase = (o * P + p) * inner;
          for (let r = 0; r < inner; r++) next[dstBase + r]! += a * cur[srcBase + r]!;
        }
      }
    }
    [cur, next] = [next, cur];
  }
  return cur;
}

/** I_m ⊗ R: R acting on the output part of the combined index α·D + i */
export function outputAction(R: Mat, m: number): Mat {
  const D = R.length;
  const P = m * D;
  const A: Mat = Array.from({ length: P }, () => new Array<number>(P).fill(0));
  for (let a = 0; a < m; a++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) A[a * D + i]![a * D + j] = R[i]![j]!;
  return A;
}

/**
 * Rotate every output index of a full correlator tensor over m inputs and D outputs:
 * G′_{(α1 i1)…(αn in)} = R_{i1p1} ⋯ R_{inpn} G_{(α1 p1)…(αn pn)}. With m = 1 this is the plain D^n tensor.
 */
export function rotateOutputIndices(G: ArrayLike<number>, R: Mat, n: number, m = 1): Float64Array {
  const D = R.length;
  if (G.length !== (m * D) ** n) {
    throw new NnftInputError('correlator', `has ${G.length} entries but a rank-${n} tensor over ${m} input(s) and D = ${D} outputs has ${(m * D) ** n}`, 'the rotation must have the dimension of the network output');
  }
  return transformAllModes(G, m * D, n, m === 1 ? R : outputAction(R, m));
}

/**
 * Output rotation of a mean NTK given as D×D matrices per input pair: Θ′(x, x′) = R Θ(x, x′) Rᵀ
 * (Symmetry-via-Duality §3: f ↦ R f acts on both output indices of Θ_{i1i2}).
 */
export function rotateNtk(theta: number[][], R: Mat): number[][] {
  const D = R.length;
  if (theta.length !== D || theta.some((r) => r.length !== D)) {
    throw new NnftInputError('NTK', `is ${theta.length}×${theta[0]?.length} but the rotation is ${D}×${D}`, 'the rotation must have the dimension of the network output');
  }
  const tmp = R.map((Ri) => theta[0]!.map((_, j) => Ri.reduce((s, r, k) => s + r * theta[k]![j]!, 0)));
  return tmp.map((row) => R.map((Rj) => row.reduce((s, v, k) => s + v * Rj[k]!, 0)));
}

/**
 * Eq. 45 of Symmetry-via-Duality for one group element, per entry of G′ = R^{⊗n} G (m = 1 layout):
 * δG′_I² = Σ_{t=1}^{n} (Σ_P |R_{i1p1}|⋯δR⋯|R_{inpn}| |G_P|)² + Σ_P (R_{i1p1}⋯R_{inpn})² δG_P²,
 * i.e. the δR term with slot t's matrix replaced by the uniform error δR, and the δG term propagated in
 * quadrature (independent entries; the paper writes the contraction (R⋯R δG)², which can cancel by sign).
 */
export function eq45Bound(G: ArrayLike<number>, dG: ArrayLike<number>, R: Mat, deltaR: number, n: number): Float64Array {
  const D = R.length;
  const absR = R.map((r) => r.map(Math.abs));
  const sqR = R.map((r) => r.map((v) => v * v));
  const ones = R.map((r) => r.map(() => deltaR));
  const absG = Float64Array.from(G, Math.abs);
  const out = transformAllModes(Float64Array.from(dG, (v) => v * v), D, n, sqR);
  if (deltaR > 0) {
    for (let t = 0; t < n; t++) {
      // mode t gets δR·1, the others |R|
      let cur: Float64Array = absG;
      for (let mode = 0; mode < n; mode++) {
        const A = mode === t ? ones : absR;
        cur = transformSingleMode(cur, D, n, mode, A);
      }
      for (let i = 0; i < out.length; i++) out[i]! += cur[i]! * cur[i]!;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]!);
  return out;
}

function transformSingleMode(T: Float64Array, P: number, n: number, mode: number, A: Mat): Float64Array {
  const inner = P ** (n - 1 - mode);
  const outer = P ** mode;
  const next = new Float64Array(T.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < P; i++) {
      const dstBase = (o * P + i) * inner;
      for (let p = 0; p < P; p++) {
        const a = A[i]![p]!;
        if (a === 0) continue;
        const srcBase = (o * P + p) * inner;
        for (let r = 0; r < inner; r++) next[dstBase + r]! += a * T[srcBase + r]!;
      }
    }
  }
  return next;
}

/**
 * The zero-mean GP correlator of Symmetry-via-Duality eq. 4 at the input tuple (x_{a_1}, …, x_{a_n}) (indices into K):
 * G_{i1..in} = Σ_{P ∈ Wick(n)} Π_{(s,t)∈P} δ_{i_s i_t} K(x_{a_s}, x_{a_t}); a D^n tensor (0 for odd n).
 * `contractions` are the pairings of n points, e.g. from diagrams/ `wickContractions(n/2)`.
 */
export function wickCorrelator(K: number[][], inputs: number[], D: number, contractions: Iterable<ArrayLike<ArrayLike<number>>>): Float64Array {
  const n = inputs.length;
  const out = new Float64Array(D ** n);
  if (n % 2 === 1) return out;
  const pairs = [...contractions].map((P) => Array.from(P, (p) => [p[0], p[1]] as [number, number]));
  const idx = new Array<number>(n).fill(0);
  for (let f = 0; f < out.length; f++) {
    let r = f;
    for (let s = n - 1; s >= 0; s--) {
      idx[s] = r % D;
      r = Math.floor(r / D);
    }
    let sum = 0;
    for (const P of pairs) {
      let prod = 1;
      for (const [s, t] of P) {
        if (idx[s] !== idx[t]) {
          prod = 0;
          break;
        }
        prod *= K[inputs[s]!]![inputs[t]!]!;
      }
      sum += prod;
    }
    out[f] = sum;
  }
  return out;
}
