/**
 * The per-pair layer update of the infinite-width kernel K and NTK Θ of a deep MLP (PDLT, Roberts–Yaida–Hanin,
 * eqs. (4.118) and (8.12) in the toolkit's normalisation):
 *
 *   K'_ab = C_b + C_W ⟨σ_a σ_b⟩_K,        Θ'_ab = λ_b + λ_W ⟨σ_a σ_b⟩_K + C_W ⟨σ'_a σ'_b⟩_K Θ_ab,
 *
 * with ⟨·⟩_K over (z_a, z_b) ~ N(0, [[K_aa, K_ab], [K_ab, K_bb]]). Both depend on K only through K_aa, K_bb, K_ab,
 * so a layer is updated in place: the old diagonal is saved per input (LayerInputs) before the pass, and each
 * off-diagonal pair (a, b) reads and writes only its own two entries [a][b] and [b][a].
 *
 * This module is pure arithmetic on typed arrays (no activation registry), so worker threads load it quickly.
 * Which formula a pair uses (method):
 *  - PIECEWISE_LINEAR  σ(z) = s₋z + (s₊ − s₋) z θ(z): arc-cosine kernels of degree 1 and 0 (Cho & Saul, "Kernel
 *                      methods for deep learning", 2009), with ρ = K_ab/√(K_aa K_bb), δ = arccos(−ρ) = π − θ:
 *                        ⟨σσ⟩   = √(K_aa K_bb) [ (s₊−s₋)² (sin δ − δ cos δ)/(2π) + s₊s₋ ρ ],
 *                        ⟨σ'σ'⟩ = s₋² + s₋(s₊−s₋) + (s₊−s₋)² δ/(2π)
 *                      (θ(0) = ½ where K_aa = 0, as in src/gaussian). sin δ − δ cos δ ~ δ³/3 cancels as ρ → −1;
 *                      for δ < ½ its Taylor series is summed instead (12 terms, relative error < 1e-17). For |ρ| ≥ 0.99
 *                      the angle comes from sin δ = √det K/√(K_aa K_bb) with det K free of cancellation (exactDet), so
 *                      δ ~ 1e-6 near ρ = ±1 keeps full relative accuracy in the given K.
 *  - ERF               Williams' arcsine kernel ("Computing with infinite networks", 1997):
 *                        ⟨erf erf⟩ = (2/π) arcsin(2K_ab/√((1+2K_aa)(1+2K_bb))),
 *                        ⟨erf'erf'⟩ = (4/π) det(I + 2K)^{−1/2},  det(I+2K) = 1 + 2K_aa + 2K_bb + 4(K_aa K_bb − K_ab²).
 *  - LINEAR            ⟨z_a z_b⟩ = K_ab, ⟨1·1⟩ = 1.
 *  - SIN               ⟨sin sin⟩ = e^{−(K_aa+K_bb)/2} sinh K_ab,  ⟨cos cos⟩ = e^{−(K_aa+K_bb)/2} cosh K_ab.
 *  - EXP               σ = e^{z−c} = σ':  ⟨σσ⟩ = ⟨σ'σ'⟩ = e^{(K_aa+K_bb)/2 + K_ab − 2c}.
 *  - HERMITE           any other σ: the Mehler series (src/kernels/hermite.ts) ⟨u_a(x) u_b(y)⟩ = Σ_k ρ^k ĉ_k(a) ĉ_k(b),
 *                      u_a(x) = σ(√K_aa x), ĉ_k = ⟨u p_k⟩ in the orthonormal Hermite polynomials p_k = He_k/√k!,
 *                      truncated per pair once the Cauchy–Schwarz/Parseval bound |ρ|^{k+1} √(T_a(k) T_b(k)) of the
 *                      remainder (T(k) = Σ_{j>k} ĉ_j² = ⟨u²⟩ − Σ_{j≤k} ĉ_j²) is below tol·|partial sum|. A pair whose
 *                      bound cannot be met with the stored terms is left untouched and reported (it is then computed
 *                      by 2-D quadrature in the main thread).
 */

export const METHOD = { PIECEWISE_LINEAR: 0, ERF: 1, LINEAR: 2, SIN: 3, EXP: 4, HERMITE: 5 } as const;
export type MethodCode = (typeof METHOD)[keyof typeof METHOD];

/** One layer's scalars (layer ℓ+1's C_b, C_W, λ_b, λ_W) and the method's parameters. */
export interface LayerParams {
  /** 0: the first layer from the inputs' Gram matrix; 1: a layer update. */
  gram: boolean;
  method: MethodCode;
  cb: number;
  cw: number;
  lambdaB: number;
  lambdaW: number;
  withTheta: boolean;
  /** PIECEWISE_LINEAR: slopes s₋, s₊. */
  slopeNeg: number;
  slopePos: number;
  /** EXP: the shift c of σ = e^{z−c}. */
  shift: number;
  /** HERMITE: parity layout of the ⟨σσ⟩ and ⟨σ'σ'⟩ series (first order p0 and step 1 or 2) and the truncation tolerance. */
  p0S: number;
  stepS: number;
  p0D: number;
  stepD: number;
  tol: number;
}

/** Per-input data of one layer, computed from the previous layer's diagonal before the in-place pass. */
export interface LayerInputs {
  /** K_aa of the previous layer. */
  kd: Float64Array;
  /** √K_aa and 1/√K_aa (0 where K_aa = 0). */
  sd: Float64Array;
  rinv: Float64Array;
  /** ⟨σ_a²⟩ and ⟨σ'_a²⟩ (the diagonal pairs). */
  diagS: Float64Array;
  diagP: Float64Array;
  /** HERMITE: per input its series (offset and length into coef/tail), for ⟨σσ⟩ (S) and ⟨σ'σ'⟩ (D). */
  offS?: Int32Array;
  lenS?: Int32Array;
  coefS?: Float64Array;
  tailS?: Float64Array;
  offD?: Int32Array;
  lenD?: Int32Array;
  coefD?: Float64Array;
  tailD?: Float64Array;
}

/** The shared matrices: K (and Θ), m × m row-major, updated in place; the inputs (m × n0) for the first layer. */
export interface LayerMatrices {
  m: number;
  K: Float64Array;
  Theta: Float64Array | null;
  inputs?: Float64Array;
  n0?: number;
}

export interface BlockOutcome {
  /** Pairs a·m + b (a < b) whose Hermite series could not meet the tolerance; their entries are unchanged. */
  fallback: number[];
  /** First entry a·m + b with a non-finite result, or −1. */
  nonFinite: number;
}

const INV_2PI = 1 / (2 * Math.PI);
/**
 * Columns per tile: a block's rows sweep the columns in tiles, so that the mirrored writes [b][a] of consecutive
 * rows share cache lines and a column's series stay in cache across the rows (the order of pairs changes nothing
 * else: each pair is computed independently).
 */
const TILE = 256;
const TWO_OVER_PI = 2 / Math.PI;
const FOUR_OVER_PI = 4 / Math.PI;

/** Coefficients of sin δ − δ cos δ = Σ_{k≥1} (−1)^{k+1} 2k δ^{2k+1}/(2k+1)!, as a series in δ² times δ³. */
const ARC_SERIES = (() => {
  const c: number[] = [];
  let fact = 1; // (2k+1)!
  for (let k = 1; k <= 12; k++) {
    fact *= 2 * k * (2 * k + 1);
    c.push(((k % 2 === 1 ? 1 : -1) * 2 * k) / fact);
  }
  return Float64Array.from(c);
})();

/** sin δ − δ cos δ for δ = arccos(−ρ) ∈ [0, π], accurate to rounding also as δ → 0 (ρ → −1). */
export function arcCosineJ1(delta: number, rho: number, sinDelta: number): number {
  if (delta >= 0.5) return sinDelta + delta * rho;
  const d2 = delta * delta;
  let s = 0;
  for (let k = ARC_SERIES.length - 1; k >= 0; k--) s = s * d2 + ARC_SERIES[k]!;
  return s * d2 * delta;
}

/** The diagonal values ⟨σ_a²⟩, ⟨σ'_a²⟩ of the closed-form methods for K_aa = k. */
export function closedFormDiagonal(p: LayerParams, k: number): [number, number] {
  switch (p.method) {
    case METHOD.PIECEWISE_LINEAR: {
      const { slopeNeg: sn, slopePos: sp } = p;
      // ⟨σ'²⟩ = (s₋² + s₊²)/2 for K_aa > 0; at K_aa = 0 the preactivation is exactly 0 and σ'(0) = (s₋ + s₊)/2
      // (the activation registry's value at the kink, which sampled networks use too, as does src/gaussian)
      return [(k * (sn * sn + sp * sp)) / 2, k > 0 ? (sn * sn + sp * sp) / 2 : ((sn + sp) / 2) ** 2];
    }
    case METHOD.ERF:
      return [TWO_OVER_PI * Math.asin((2 * k) / (1 + 2 * k)), FOUR_OVER_PI / Math.sqrt(1 + 4 * k)];
    case METHOD.LINEAR:
      return [k, 1];
    case METHOD.SIN:
      return [-Math.expm1(-2 * k) / 2, (1 + Math.exp(-2 * k)) / 2];
    case METHOD.EXP: {
      const v = Math.exp(2 * k - 2 * p.shift);
      return [v, v];
    }
    default:
      throw new Error(`closedFormDiagonal: method ${p.method} has no closed form`);
  }
}

/**
 * Truncated Mehler series Σ_j r^j A[oa+j] A[ob+j] (r = ρ or ρ², the parity layout), with the remainder bound
 * |r|^{j+1} T[oa+j] T[ob+j] checked every four terms. Returns NaN when the stored terms cannot meet tol.
 */
function mehler(A: Float64Array, T: Float64Array, oa: number, na: number, ob: number, nb: number, r: number, tol: number): number {
  const n = na < nb ? na : nb;
  let pw = 1;
  let sum = 0;
  let j = 0;
  for (; j < n; j++) {
    sum += pw * A[oa + j]! * A[ob + j]!;
    pw *= r;
    if ((j & 3) === 3 || j === n - 1) {
      const bound = Math.abs(pw) * T[oa + j]! * T[ob + j]!;
      if (bound <= tol * Math.abs(sum)) return sum;
    }
  }
  return n === 0 ? 0 : NaN;
}

/** ρ = K_ab/√(K_aa K_bb) clamped to [−1, 1] (0 when a diagonal vanishes: then nothing depends on it). */
function corr(kab: number, ra: number, rb: number): number {
  const r = kab * ra * rb;
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * Update rows a0 ≤ a < a1 of the upper triangle (pairs (a, b), b ≥ a) in place, mirroring to (b, a).
 * For the first layer (p.gram) K and Θ are written from the inputs' Gram matrix instead.
 */
export function updateRows(mat: LayerMatrices, inp: LayerInputs | null, p: LayerParams, a0: number, a1: number, out: BlockOutcome): void {
  if (p.gram) return gramRows(mat, p, a0, a1, out);
  if (!inp) throw new Error('updateRows: a layer update needs the per-input data');
  const { m, K } = mat;
  const Th = p.withTheta ? mat.Theta : null;
  const { cb, cw, lambdaB, lambdaW } = p;
  const { sd, rinv, diagS, diagP } = inp;
  const note = (idx: number, k: number, t: number): void => {
    if (out.nonFinite < 0 && !(Number.isFinite(k) && Number.isFinite(t))) out.nonFinite = idx;
  };
  /** K_ab = C_b + C_W S, Θ_ab = λ_b + λ_W S + C_W P Θ_ab (S = ⟨σσ⟩, P = ⟨σ′σ′⟩), written at idx and its mirror. */
  const storePair = (idx: number, mirror: number, S: number, P: number): void => {
    const kNew = cb + cw * S;
    K[idx] = kNew;
    K[mirror] = kNew;
    let tNew = 0;
    if (Th) {
      tNew = lambdaB + lambdaW * S + cw * P * Th[idx]!;
      Th[idx] = tNew;
      Th[mirror] = tNew;
    }
    note(idx, kNew, tNew);
  };
  for (let a = a0; a < a1; a++) {
    const aa = a * m + a;
    const kNew = cb + cw * diagS[a]!;
    K[aa] = kNew;
    let tNew = 0;
    if (Th) Th[aa] = tNew = lambdaB + lambdaW * diagS[a]! + cw * diagP[a]! * Th[aa]!;
    note(aa, kNew, tNew);
  }
  switch (p.method) {
    case METHOD.PIECEWISE_LINEAR: {
      const sn = p.slopeNeg;
      const J = p.slopePos - p.slopeNeg;
      const J2 = J * J * INV_2PI;
      const spsn = p.slopePos * sn;
      const p0 = sn * sn + sn * J;
      for (let c0 = a0 + 1; c0 < m; c0 += TILE) {
      const c1 = Math.min(m, c0 + TILE);
      for (let a = a0; a < a1; a++) {
        const ra = rinv[a]!;
        const sa = sd[a]!;
        const ka = inp.kd[a]!;
        for (let b = Math.max(a + 1, c0); b < c1; b++) {
          const idx = a * m + b;
          const kab = K[idx]!;
          if (kab === ka && inp.kd[b] === ka) {
            duplicate(mat, inp, p, a, b, out);
            continue;
          }
          const rb = rinv[b]!;
          const rho = corr(kab, ra, rb);
          let delta: number;
          let sinD: number;
          if (rho > -0.99 && rho < 0.99) {
            // here sin δ > 0.14, so rounding in ρ moves δ by less than 1e-15 relative
            delta = Math.acos(-rho);
            sinD = Math.sqrt((1 - rho) * (1 + rho));
          } else {
            // near ρ = ±1, 1 − ρ² from ρ has lost digits; det K = K_aa K_bb − K_ab² with exact products has not
            sinD = Math.sqrt(exactDet(ka, inp.kd[b]!, kab)) * ra * rb;
            if (sinD > 1) sinD = 1;
            delta = rho < 0 ? Math.asin(sinD) : Math.PI - Math.asin(sinD);
          }
          const S = sa * sd[b]! * (J2 * arcCosineJ1(delta, rho, sinD) + spsn * rho);
          const kNew = cb + cw * S;
          K[idx] = kNew;
          K[b * m + a] = kNew;
          if (Th) {
            const P = p0 + J2 * delta;
            const tNew = lambdaB + lambdaW * S + cw * P * Th[idx]!;
            Th[idx] = tNew;
            Th[b * m + a] = tNew;
            if (!Number.isFinite(tNew)) note(idx, kNew, tNew);
          }
          if (!Number.isFinite(kNew)) note(idx, kNew, 0);
        }
      }
      }
      return;
    }
    case METHOD.ERF:
    case METHOD.LINEAR:
    case METHOD.SIN:
    case METHOD.EXP: {
      const { kd } = inp;
      const method = p.method;
      const c2 = 2 * p.shift;
      for (let c0 = a0 + 1; c0 < m; c0 += TILE) {
      const c1 = Math.min(m, c0 + TILE);
      for (let a = a0; a < a1; a++) {
        const ka = kd[a]!;
        const ea = rinvErf(ka);
        for (let b = Math.max(a + 1, c0); b < c1; b++) {
          const idx = a * m + b;
          const kab = K[idx]!;
          const kb = kd[b]!;
          if (kab === ka && kb === ka) {
            duplicate(mat, inp, p, a, b, out);
            continue;
          }
          let S: number;
          let P: number;
          if (method === METHOD.ERF) {
            let arg = 2 * kab * ea * rinvErf(kb);
            arg = arg > 1 ? 1 : arg < -1 ? -1 : arg;
            S = TWO_OVER_PI * Math.asin(arg);
            const det = ka * kb - kab * kab;
            P = FOUR_OVER_PI / Math.sqrt(1 + 2 * (ka + kb) + 4 * (det > 0 ? det : 0));
          } else if (method === METHOD.LINEAR) {
            S = kab;
            P = 1;
          } else if (method === METHOD.SIN) {
            const A = (ka + kb) / 2;
            if (Math.abs(kab) < 1) {
              const e = Math.exp(-A);
              S = e * Math.sinh(kab);
              P = e * Math.cosh(kab);
            } else {
              const e1 = Math.exp(kab - A);
              const e2 = Math.exp(-kab - A);
              S = (e1 - e2) / 2;
              P = (e1 + e2) / 2;
            }
          } else {
            S = P = Math.exp((ka + kb) / 2 + kab - c2);
          }
          storePair(idx, b * m + a, S, P);
        }
      }
      }
      return;
    }
    case METHOD.HERMITE: {
      const { offS, lenS, coefS, tailS, offD, lenD, coefD, tailD } = inp;
      if (!offS || !lenS || !coefS || !tailS) throw new Error('updateRows: Hermite series missing');
      if (Th && (!offD || !lenD || !coefD || !tailD)) throw new Error('updateRows: Hermite series of σ\' missing');
      const { tol, p0S, stepS, p0D, stepD } = p;
      for (let c0 = a0 + 1; c0 < m; c0 += TILE) {
      const c1 = Math.min(m, c0 + TILE);
      for (let a = a0; a < a1; a++) {
        const ra = rinv[a]!;
        const oa = offS[a]!;
        const na = lenS[a]!;
        const ka = inp.kd[a]!;
        for (let b = Math.max(a + 1, c0); b < c1; b++) {
          const idx = a * m + b;
          const kab = K[idx]!;
          if (kab === ka && inp.kd[b] === ka) {
            duplicate(mat, inp, p, a, b, out);
            continue;
          }
          const rho = corr(kab, ra, rinv[b]!);
          const rS = stepS === 2 ? rho * rho : rho;
          let S = mehler(coefS, tailS, oa, na, offS[b]!, lenS[b]!, rS, tol);
          if (p0S === 1) S *= rho;
          let P = 0;
          if (Th) {
            const rD = stepD === 2 ? rho * rho : rho;
            P = mehler(coefD!, tailD!, offD![a]!, lenD![a]!, offD![b]!, lenD![b]!, rD, tol);
            if (p0D === 1) P *= rho;
          }
          if (S !== S || P !== P) {
            out.fallback.push(idx);
            continue;
          }
          storePair(idx, b * m + a, S, P);
        }
      }
      }
      return;
    }
    default:
      throw new Error(`updateRows: unknown method ${String(p.method)}`);
  }
}

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

/** a·b − fl(a·b), exactly (Dekker's product; no fused multiply-add in JavaScript). */
function productError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * det [[k_aa, k_ab], [k_ab, k_bb]] = k_aa k_bb − k_ab² (clamped at 0), accurate to rounding of the result even when
 * the two products nearly cancel (nearly parallel inputs): the products' rounding errors are added back.
 */
export function exactDet(kaa: number, kbb: number, kab: number): number {
  const p1 = kaa * kbb;
  const p2 = kab * kab;
  const d = p1 - p2 + (productError(kaa, kbb, p1) - productError(kab, kab, p2));
  return d > 0 ? d : 0;
}

/**
 * A pair with K_ab = K_aa = K_bb (duplicate inputs at this layer: z_a = z_b) takes the diagonal's values, so that
 * duplicates stay exactly equal to each other, as the recursion solver's de-duplication makes them.
 */
function duplicate(mat: LayerMatrices, inp: LayerInputs, p: LayerParams, a: number, b: number, out: BlockOutcome): void {
  const { m, K } = mat;
  const idx = a * m + b;
  const S = inp.diagS[a]!;
  const kNew = p.cb + p.cw * S;
  K[idx] = kNew;
  K[b * m + a] = kNew;
  let tNew = 0;
  const Th = p.withTheta ? mat.Theta : null;
  if (Th) {
    tNew = p.lambdaB + p.lambdaW * S + p.cw * inp.diagP[a]! * Th[idx]!;
    Th[idx] = tNew;
    Th[b * m + a] = tNew;
  }
  if (out.nonFinite < 0 && !(Number.isFinite(kNew) && Number.isFinite(tNew))) out.nonFinite = idx;
}

/** 1/√(1 + 2k) (the erf kernel's normalisation). */
function rinvErf(k: number): number {
  return 1 / Math.sqrt(1 + 2 * k);
}

/** First layer: K = C_b + (C_W/n0) x·x, Θ = λ_b + (λ_W/n0) x·x (the dot product summed in input-component order). */
function gramRows(mat: LayerMatrices, p: LayerParams, a0: number, a1: number, out: BlockOutcome): void {
  const { m, K, inputs, n0 } = mat;
  if (!inputs || !n0) throw new Error('updateRows: the first layer needs the inputs');
  const Th = p.withTheta ? mat.Theta : null;
  const kScale = p.cw / n0;
  const tScale = p.lambdaW / n0;
  for (let c0 = a0; c0 < m; c0 += TILE) {
  const c1 = Math.min(m, c0 + TILE);
  for (let a = a0; a < a1; a++) {
    const xa = a * n0;
    for (let b = Math.max(a, c0); b < c1; b++) {
      const xb = b * n0;
      let s = 0;
      for (let j = 0; j < n0; j++) s += inputs[xa + j]! * inputs[xb + j]!;
      const k = p.cb + kScale * s;
      K[a * m + b] = k;
      K[b * m + a] = k;
      if (Th) {
        const t = p.lambdaB + tScale * s;
        Th[a * m + b] = t;
        Th[b * m + a] = t;
      }
      if (out.nonFinite < 0 && !Number.isFinite(k)) out.nonFinite = a * m + b;
    }
  }
  }
}

/**
 * Row boundaries splitting the upper triangle (row a holds m − a pairs) into `blocks` ranges of nearly equal pair
 * counts: block i is rows [bounds[i], bounds[i+1]).
 */
export function rowBlocks(m: number, blocks: number): Int32Array {
  const total = (m * (m + 1)) / 2;
  const nb = Math.max(1, Math.min(blocks, m));
  const bounds = new Int32Array(nb + 1);
  let a = 0;
  let done = 0;
  for (let i = 1; i < nb; i++) {
    const target = (total * i) / nb;
    while (a < m && done + (m - a) <= target) done += m - a++;
    bounds[i] = Math.max(a, bounds[i - 1]!);
  }
  bounds[nb] = m;
  return bounds;
}

/** Pairs (a, b ≥ a) in rows [a0, a1). */
export function pairsInRows(m: number, a0: number, a1: number): number {
  return ((a1 - a0) * (2 * m - a0 - a1 + 1)) / 2;
}

/** The block queue of one layer: rows [bounds[i], bounds[i+1]) per block; counter = [next block, pairs done]. */
export interface BlockQueue {
  bounds: Int32Array;
  counter: Int32Array;
}

/** Take blocks from the shared queue until it is empty (the main thread and every worker run this loop). */
export function runBlocks(mat: LayerMatrices, inp: LayerInputs | null, params: LayerParams, queue: BlockQueue, out: BlockOutcome, onBlock?: () => void): void {
  const nb = queue.bounds.length - 1;
  for (;;) {
    const i = Atomics.add(queue.counter, 0, 1);
    if (i >= nb) return;
    const a0 = queue.bounds[i]!;
    const a1 = queue.bounds[i + 1]!;
    updateRows(mat, inp, params, a0, a1, out);
    Atomics.add(queue.counter, 1, pairsInRows(mat.m, a0, a1));
    onBlock?.();
  }
}
