/**
 * The nested trapezoid rule of src/gaussian/smooth.ts for sub-kernels of rank 3 and 4, evaluated on per-subset
 * lattices so that no activation value is computed at a quadrature node, and for many integrands of one subset at
 * once (the expectations ⟨Π σ^(k)(z_a)⟩ of a layer that share their inputs: ⟨σσσσ⟩, ⟨σσσ′σ′⟩, … of V4, A, B, D, F).
 *
 * The rule (the same as smooth.ts': z = L u in pivoted-Cholesky coordinates, the trapezoid rule with the calibrated
 * step h_d in each direction u_d over the ball |u| ≤ R, the innermost direction integrated in advance when only one
 * coordinate depends on it):
 *
 *   E[Π_i F_i(z_i)] = Σ_{u0} w0 F_0(z0) Σ_{u1} w1 F_1(z1) [Σ_{u2} w2 F_2(z2)] G(x),   G(x) = E[F_X(x + s ε)],
 *
 * with x the part of the last coordinate X that the explicit directions carry and s = L_XX its conditional spread.
 *
 * - Lattices. Coordinate i < D (the explicit directions, D = 2 or 3) is z_i = d_i + L_ii u_i with d_i fixed by the
 *   outer nodes. The trapezoid rule on the real line converges alike for any offset of its nodes, so along each
 *   row the nodes are u_i = (c − δ) h_i with δ = frac(d_i / (L_ii h_i)): then z_i = (⌊d_i/Δ_i⌋ + c)·Δ_i always lies
 *   on the subset's lattice Δ_i·ℤ (Δ_i = L_ii h_i), and F_i(z_i) is read from a table of a few hundred values.
 *   The weights h φ(u) of a shifted row come from the unshifted ones, h φ((c − δ)h) = h φ(ch)·e^{cδh²}·e^{−δ²h²/2}.
 * - The smoothed coordinate. G is tabulated on a grid x_j = j·dx whose spacing divides the step of x along the
 *   innermost row (dx = |L_X,D−1| h_{D−1} / q): the 10-point Lagrange weights of a row are then the same at every
 *   node. G itself is the trapezoid sum of F_X on the same grid (the smoothing step is lowered to a multiple of dx,
 *   never raised), a convolution. The grid is checked against direct evaluation at off-grid points (refined until
 *   it agrees to the tolerance), as the smoothed interpolant of smooth.ts is.
 * - Rank 3 with four coordinates (inputs whose layer-1 preactivations span three dimensions): the last two
 *   coordinates both vary along the innermost direction; the last one is interpolated from a table of F_X on the
 *   same aligned grid (no smoothing), checked like G.
 * - Symmetric integrands. When every factor is even or odd (σ odd or even, as tanh and erf), the integrand is
 *   even or odd under u → −u; the mirrored rows u0 < 0 give the same sums as u0 > 0 (times the parity), so only
 *   u0 ≥ 0 is visited, and an odd integrand is exactly 0.
 *
 * Measured (bench/tensors.bench.ts): about 4–6 ns per innermost node against ~100 ns for the rule evaluated node by
 * node with σ calls, and the node work shared by all integrands of a subset (8 for the NTK tensors).
 * The values agree with the node-by-node rule to ~1e-12 (the rules differ only in the offsets of the inner nodes and
 * in the interpolation grid); test/gaussian/lattice.test.ts checks them against it and against independent quadrature.
 */

import { Float64Arena } from './arena.ts';

const INV_SQRT_2PI = 0.3989422804014327;

/** Fills outs[f][p] = F_f(z[p]) for every distinct function f of one coordinate. */
export type Tabulate = (z: Float64Array, outs: Float64Array[]) => void;

export interface LatticeCoordinate {
  /** number of distinct functions F_f of this coordinate among the integrands */
  count: number;
  tabulate: Tabulate;
  /** per function: +1 even, −1 odd, 0 neither or unknown */
  parity: Int8Array;
}

export interface LatticeProblem {
  /** k × rank lower-trapezoidal factor (pivot order), k = rank ∈ {3, 4} or k = 4, rank = 3 */
  L: number[][];
  rank: number;
  /** calibrated trapezoid step per direction */
  hs: readonly number[];
  /** truncation radius of the explicit directions (a ball) */
  R: number;
  /** 1-D truncation radius of the smoothed direction (k = rank) */
  Rlast: number;
  /** per coordinate (pivot order) */
  coords: LatticeCoordinate[];
  /** per integrand: the function index of each coordinate */
  patterns: readonly (readonly number[])[];
  /** relative tolerance of the interpolation grids */
  tol: number;
  /** z-step that resolves the activation's features at unit scale (grid spacing of the raw interpolation) */
  unitStep: number;
}

/**
 * Scratch for the tables of one latticeProducts call (views of a few large chunks, reset at the start of each call):
 * allocating them as separate Float64Arrays (off-heap buffers) cost ~15% of the time in garbage collection at
 * m = 24 inputs (bench/tensors.bench.ts). Every view is written before it is read.
 */
const scratch = new Float64Arena();

/** Limits beyond which the node-by-node rule of smooth.ts is used instead (tables larger than the work they save). */
const MAX_TABLE = 200_000;

// λ_j = 1 / Π_{m≠j} (j − m) for nodes 0..9
const LAMBDA = new Float64Array(10);
for (let j = 0; j < 10; j++) {
  let p = 1;
  for (let m = 0; m < 10; m++) if (m !== j) p *= j - m;
  LAMBDA[j] = 1 / p;
}

const LAMBDA6 = new Float64Array(6);
/** Index of the argument t in the weight arrays of lagrangeWeights (length T_SLOT + 1). */
const T_SLOT = 10;
for (let j = 0; j < 6; j++) {
  let p = 1;
  for (let m = 0; m < 6; m++) if (m !== j) p *= j - m;
  LAMBDA6[j] = 1 / p;
}

/**
 * 6-point Lagrange weights at t = out[T_SLOT] ∈ [2, 3) (nodes 0..5), into out[0..5]. (t is passed in the array: a
 * double argument of a call that is not inlined — these are too large — is boxed on the heap, and the rows call
 * them millions of times.)
 */
function lagrangeWeights6(out: Float64Array): void {
  const t = out[T_SLOT]!;
  const d0 = t, d1 = t - 1, d2 = t - 2, d3 = t - 3, d4 = t - 4, d5 = t - 5;
  out[0] = LAMBDA6[0]! * d1 * d2 * d3 * d4 * d5;
  out[1] = LAMBDA6[1]! * d0 * d2 * d3 * d4 * d5;
  out[2] = LAMBDA6[2]! * d0 * d1 * d3 * d4 * d5;
  out[3] = LAMBDA6[3]! * d0 * d1 * d2 * d4 * d5;
  out[4] = LAMBDA6[4]! * d0 * d1 * d2 * d3 * d5;
  out[5] = LAMBDA6[5]! * d0 * d1 * d2 * d3 * d4;
}

/** 10-point Lagrange weights at t = out[T_SLOT] ∈ [4, 5) (nodes 0..9), into out[0..9]. */
function lagrangeWeights(out: Float64Array): void {
  const t = out[T_SLOT]!;
  const d0 = t, d1 = t - 1, d2 = t - 2, d3 = t - 3, d4 = t - 4, d5 = t - 5, d6 = t - 6, d7 = t - 7, d8 = t - 8, d9 = t - 9;
  const p1 = d0, p2 = p1 * d1, p3 = p2 * d2, p4 = p3 * d3, p5 = p4 * d4, p6 = p5 * d5, p7 = p6 * d6, p8 = p7 * d7, p9 = p8 * d8;
  const s8 = d9, s7 = s8 * d8, s6 = s7 * d7, s5 = s6 * d6, s4 = s5 * d5, s3 = s4 * d4, s2 = s3 * d3, s1 = s2 * d2, s0 = s1 * d1;
  out[0] = LAMBDA[0]! * s0;
  out[1] = LAMBDA[1]! * p1 * s1;
  out[2] = LAMBDA[2]! * p2 * s2;
  out[3] = LAMBDA[3]! * p3 * s3;
  out[4] = LAMBDA[4]! * p4 * s4;
  out[5] = LAMBDA[5]! * p5 * s5;
  out[6] = LAMBDA[6]! * p6 * s6;
  out[7] = LAMBDA[7]! * p7 * s7;
  out[8] = LAMBDA[8]! * p8 * s8;
  out[9] = LAMBDA[9]! * p9;
}

/** Value at index coordinate y of a table (function f at offset off, nodes at integer indices). */
function interpolateAt(tab: Float64Array, off: number, y: number, lw: Float64Array): number {
  const fl = Math.floor(y);
  lw[T_SLOT] = y - fl + 4;
  lagrangeWeights(lw);
  const b = off + fl - 4;
  let v = 0;
  for (let j = 0; j < 10; j++) v += lw[j]! * tab[b + j]!;
  return v;
}

/** Value at index coordinate y of a table by the 6-point stencil. */
function interpolateAt6(tab: Float64Array, off: number, y: number, lw: Float64Array): number {
  const fl = Math.floor(y);
  lw[T_SLOT] = y - fl + 2;
  lagrangeWeights6(lw);
  const b = off + fl - 2;
  let v = 0;
  for (let j = 0; j < 6; j++) v += lw[j]! * tab[b + j]!;
  return v;
}

/** Weights h φ(c h), c = 0..n. */
const phiTables = new Map<number, Float64Array>();
function phiTable(h: number, n: number): Float64Array {
  let t = phiTables.get(h);
  if (!t || t.length <= n) {
    t = new Float64Array(Math.max(n + 1, t ? 2 * t.length : 64));
    for (let i = 0; i < t.length; i++) t[i] = h * INV_SQRT_2PI * Math.exp(-0.5 * (i * h) * (i * h));
    if (phiTables.size > 4096) phiTables.clear();
    phiTables.set(h, t);
  }
  return t;
}

/** A table of the functions of one coordinate on the lattice z_j = (j − J)·Δ, j = 0..2J. */
interface CoordTable {
  delta: number;
  /** interpolation stencil: 10 points, or 6 on a finer grid (tables that are interpolated) */
  stencil: 6 | 10;
  J: number;
  len: number;
  /** function f at [f·len, (f+1)·len) */
  data: Float64Array;
}

function latticeTable(co: LatticeCoordinate, delta: number, J: number): CoordTable {
  const len = 2 * J + 1;
  const data = scratch.alloc(co.count * len);
  onGrid(co, delta, J).forEach((F, f) => data.set(F, f * len));
  return { delta, J, len, data, stencil: 10 };
}

/**
 * A coordinate's functions on the symmetric grid z_j = (j − J)·step, j = 0..2J: when every function is even or odd,
 * only z ≥ 0 is evaluated and the rest mirrored, F(−z) = ±F(z) (half the σ evaluations).
 */
function onGrid(co: LatticeCoordinate, step: number, J: number): Float64Array[] {
  const len = 2 * J + 1;
  let symmetric = true;
  for (let f = 0; f < co.count; f++) if (co.parity[f] === 0) symmetric = false;
  if (!symmetric) {
    const z = scratch.alloc(len);
    for (let j = 0; j < len; j++) z[j] = (j - J) * step;
    return direct(co, z);
  }
  const z = scratch.alloc(J + 1);
  for (let j = 0; j <= J; j++) z[j] = j * step;
  return direct(co, z).map((half, f) => {
    const F = scratch.alloc(len);
    const par = co.parity[f]!;
    for (let j = 0; j <= J; j++) {
      F[J + j] = half[j]!;
      F[J - j] = par * half[j]!;
    }
    return F;
  });
}

/** Direct values of a coordinate's functions at a few points. */
function direct(co: LatticeCoordinate, xs: Float64Array): Float64Array[] {
  const outs: Float64Array[] = [];
  for (let f = 0; f < co.count; f++) outs.push(scratch.alloc(xs.length));
  co.tabulate(xs, outs);
  return outs;
}

/** Check points of an interpolation grid, as fractions of its half-width (and 16 more, evenly spread, for the finer grids). */
const CHECK_POINTS = [0.137, 0.5, 0.731, -0.29, -0.917, 0.02, 0.33, -0.061, 0.009, -0.0037];
const CHECK_POINTS_FINE = [...CHECK_POINTS, ...Array.from({ length: 16 }, (_, i) => -0.95 + (1.9 * i) / 15)];

/**
 * The interpolated coordinate's tables, one per function f: G_f = E[F_f(x + s ε)] (s > 0) or F_f itself (s = 0) on
 * x_j = (j − J)·dx, checked at off-grid points against direct evaluation; undefined for a function for which no
 * affordable grid passes. Each function takes the first candidate grid on which it passes: its grid depends on the
 * covariance and on the function alone, not on the other functions tabulated with it, so an integrand's value does
 * not depend on which integrands are computed in the same batch.
 */
function interpolationTables(
  co: LatticeCoordinate, s: number, hSmooth: number, Rlast: number, xmax: number, dxStart: number, align: number, tol: number, budget: number,
): (CoordTable | undefined)[] {
  const tables: (CoordTable | undefined)[] = new Array<CoordTable | undefined>(co.count).fill(undefined);
  let open = co.count;
  const lw = new Float64Array(T_SLOT + 1);
  // a 6-point stencil on a finer grid where the grid is cheap against the nodes it serves, else 10 points (halving)
  const candidates: [6 | 10, number][] = [[6, dxStart * 0.4], [6, dxStart * 0.2], [10, dxStart], [10, dxStart / 2], [10, dxStart / 4], [10, dxStart / 8], [10, dxStart / 16]];
  for (const [S, dxReq] of candidates) {
    if (open === 0) break;
    // spacing: a divisor of the row step `align` when that is not much smaller than the required spacing
    let dx = dxReq;
    if (align >= dxReq / 16) dx = align / Math.max(1, Math.ceil(align / dxReq));
    const J = Math.ceil(xmax / dx) + 6;
    const len = 2 * J + 1;
    if (len > MAX_TABLE) break;
    if (S === 6) {
      // the grid's cost per function in multiply-adds (a σ evaluation counts 20)
      const p = s > 0 ? Math.floor((s * hSmooth) / dx) : 0;
      const Np = s > 0 ? Math.ceil(Rlast / (p >= 1 ? (p * dx) / s : hSmooth)) : 0;
      const cost = s === 0 ? 20 * len : p >= 1 ? 20 * (len + 2 * Np * p) + len * (2 * Np + 1) : 21 * len * (2 * Np + 1);
      if (cost > budget) continue;
    }
    const data = scratch.alloc(co.count * len);
    let checkPoint: (xs: Float64Array) => Float64Array[];
    if (s > 0) {
      // the smoothing rule: step h' ≤ hSmooth; on the grid itself (a convolution) when h'·s is a multiple of dx
      const p = Math.floor((s * hSmooth) / dx);
      const hp = p >= 1 ? (p * dx) / s : hSmooth;
      const Np = Math.ceil(Rlast / hp);
      const w = scratch.alloc(Np + 1);
      for (let t = 0; t <= Np; t++) w[t] = hp * INV_SQRT_2PI * Math.exp(-0.5 * (t * hp) * (t * hp));
      const smoothAt = (xs: Float64Array): Float64Array[] => {
        const n = xs.length;
        const zs = scratch.alloc(n * (2 * Np + 1));
        for (let i = 0; i < n; i++) for (let t = -Np; t <= Np; t++) zs[i * (2 * Np + 1) + t + Np] = xs[i]! + t * s * hp;
        return direct(co, zs).map((Ff) => {
          const out = scratch.alloc(n);
          for (let i = 0; i < n; i++) {
            const b = i * (2 * Np + 1) + Np;
            let sum = w[0]! * Ff[b]!;
            for (let t = 1; t <= Np; t++) sum += w[t]! * (Ff[b + t]! + Ff[b - t]!);
            out[i] = sum;
          }
          return out;
        });
      };
      if (p >= 1) {
        const JF = J + Np * p;
        const lenF = 2 * JF + 1;
        if (lenF > 4 * MAX_TABLE) break;
        const F = onGrid(co, dx, JF);
        for (let f = 0; f < co.count; f++) {
          if (tables[f]) continue;
          const Ff = F[f]!;
          const off = f * len;
          // G has F's parity: with a parity, x_j ≥ 0 only and the rest mirrored
          const par = co.parity[f]!;
          for (let j = par === 0 ? 0 : J; j < len; j++) {
            const c = j + Np * p; // index of x_j in the F lattice
            let sum = w[0]! * Ff[c]!;
            for (let t = 1; t <= Np; t++) sum += w[t]! * (Ff[c + t * p]! + Ff[c - t * p]!);
            data[off + j] = sum;
            if (par !== 0) data[off + 2 * J - j] = par * sum;
          }
        }
      } else {
        if (len * (2 * Np + 1) > 4 * MAX_TABLE) break;
        const x = scratch.alloc(len);
        for (let j = 0; j < len; j++) x[j] = (j - J) * dx;
        const G = smoothAt(x);
        for (let f = 0; f < co.count; f++) data.set(G[f]!, f * len);
      }
      checkPoint = smoothAt;
    } else {
      onGrid(co, dx, J).forEach((F, f) => data.set(F, f * len));
      checkPoint = (xs) => direct(co, xs);
    }
    // check at off-grid points (those of smooth.ts' interpolant, and points near the centre where σ varies most)
    const fr = S === 6 ? CHECK_POINTS_FINE : CHECK_POINTS;
    const xs = scratch.alloc(fr.length);
    for (let i = 0; i < fr.length; i++) xs[i] = fr[i]! * xmax + 0.37 * dx;
    const exact = checkPoint(xs);
    for (let f = 0; f < co.count; f++) {
      if (tables[f]) continue;
      let ok = true;
      let mag = 0;
      for (let j = 0; j < len; j++) mag = Math.max(mag, Math.abs(data[f * len + j]!));
      const ex = exact[f]!;
      for (let i = 0; i < xs.length && ok; i++) {
        const y = xs[i]! / dx + J;
        if (S === 6) {
          // the finer grid is held to 1% of the tolerance relative to the local magnitude (the table's values around
          // x): the rule's measured accuracy stays ~100× inside its tolerance, also where the function is small
          // against its maximum (e^z at the left of its range)
          let local = 0;
          for (let j = Math.floor(y) - 3; j <= Math.floor(y) + 4; j++) local = Math.max(local, Math.abs(data[f * len + j]!));
          if (!(Math.abs(interpolateAt6(data, f * len, y, lw) - ex[i]!) <= 0.01 * tol * Math.max(local, 1e-300))) ok = false;
        } else if (!(Math.abs(interpolateAt(data, f * len, y, lw) - ex[i]!) <= tol * Math.max(mag, 1e-300))) ok = false;
      }
      if (ok) {
        tables[f] = { delta: dx, J, len, data: data.subarray(f * len, (f + 1) * len), stencil: S };
        open--;
      }
    }
  }
  return tables;
}

/**
 * Σ_t w_t·F[tOff + t]·G(x_t) along an aligned row, G by the 10-point stencil from table index b, b += q per node;
 * the weights by the recurrence of InnerRows.row (w_{t+1} = w_t·r_t, r_{t+1} = r_t·e^{−h²}).
 */
function alignedRow10(gx: Float64Array, b: number, q: number, lw: Float64Array, rw: Float64Array, tf: Float64Array, tOff: number, n: number, out: Float64Array): void {
  const w0 = rw[0]!, r0 = rw[1]!, qh = rw[2]!;
  const l0 = lw[0]!, l1 = lw[1]!, l2 = lw[2]!, l3 = lw[3]!, l4 = lw[4]!, l5 = lw[5]!, l6 = lw[6]!, l7 = lw[7]!, l8 = lw[8]!, l9 = lw[9]!;
  let s = 0;
  let w = w0;
  let r = r0;
  for (let t = 0; t < n; t++) {
    const g = l0 * gx[b]! + l1 * gx[b + 1]! + l2 * gx[b + 2]! + l3 * gx[b + 3]! + l4 * gx[b + 4]! + l5 * gx[b + 5]! + l6 * gx[b + 6]! + l7 * gx[b + 7]! + l8 * gx[b + 8]! + l9 * gx[b + 9]!;
    s += w * tf[tOff + t]! * g;
    w *= r;
    r *= qh;
    b += q;
  }
  out[0] = s;
}

/** alignedRow10 with the 6-point stencil. */
function alignedRow6(gx: Float64Array, b: number, q: number, lw: Float64Array, rw: Float64Array, tf: Float64Array, tOff: number, n: number, out: Float64Array): void {
  const w0 = rw[0]!, r0 = rw[1]!, qh = rw[2]!;
  const l0 = lw[0]!, l1 = lw[1]!, l2 = lw[2]!, l3 = lw[3]!, l4 = lw[4]!, l5 = lw[5]!;
  let s = 0;
  let w = w0;
  let r = r0;
  for (let t = 0; t < n; t++) {
    const g = l0 * gx[b]! + l1 * gx[b + 1]! + l2 * gx[b + 2]! + l3 * gx[b + 3]! + l4 * gx[b + 4]! + l5 * gx[b + 5]!;
    s += w * tf[tOff + t]! * g;
    w *= r;
    r *= qh;
    b += q;
  }
  out[0] = s;
}

/** g[o + t] = G(x_t) along an aligned row by the 10-point stencil from table index b, b += q per node. */
function alignedValues10(gx: Float64Array, b: number, q: number, lw: Float64Array, g: Float64Array, o: number, n: number): void {
  const l0 = lw[0]!, l1 = lw[1]!, l2 = lw[2]!, l3 = lw[3]!, l4 = lw[4]!, l5 = lw[5]!, l6 = lw[6]!, l7 = lw[7]!, l8 = lw[8]!, l9 = lw[9]!;
  for (let t = 0; t < n; t++) {
    g[o + t] = l0 * gx[b]! + l1 * gx[b + 1]! + l2 * gx[b + 2]! + l3 * gx[b + 3]! + l4 * gx[b + 4]! + l5 * gx[b + 5]! + l6 * gx[b + 6]! + l7 * gx[b + 7]! + l8 * gx[b + 8]! + l9 * gx[b + 9]!;
    b += q;
  }
}

/** alignedValues10 with the 6-point stencil. */
function alignedValues6(gx: Float64Array, b: number, q: number, lw: Float64Array, g: Float64Array, o: number, n: number): void {
  const l0 = lw[0]!, l1 = lw[1]!, l2 = lw[2]!, l3 = lw[3]!, l4 = lw[4]!, l5 = lw[5]!;
  for (let t = 0; t < n; t++) {
    g[o + t] = l0 * gx[b]! + l1 * gx[b + 1]! + l2 * gx[b + 2]! + l3 * gx[b + 3]! + l4 * gx[b + 4]! + l5 * gx[b + 5]!;
    b += q;
  }
}

/**
 * The innermost rows of the lattice rule: for a row with base offsets dI (of the lattice coordinate I) and dX (of x),
 * S2[c] = Σ_nodes h φ(u) F_{innerF[c]}(z_I) G_{innerX[c]}(x) for every inner combination c, each G_f on its own grid.
 * Every S2[c] is the same sum, in the same order, whatever the other combinations are.
 */
class InnerRows {
  readonly S2: Float64Array;
  private readonly qh: number;
  private readonly W: Float64Array;
  private readonly g: Float64Array;
  private readonly lw = new Float64Array(T_SLOT + 1);
  /** the row's weight recurrence w0, r0, e^{−h²} (for the aligned rows) */
  private readonly rw = new Float64Array(3);
  readonly arg = new Float64Array(3);
  /** distinct functions of x among the combinations, their tables and steps along a row (0: not aligned) */
  private readonly xTabs: CoordTable[] = [];
  private readonly xSteps: number[] = [];
  /** per combination: the slot of its x function */
  private readonly cSlot: Int32Array;
  /** reciprocals of the steps (multiplications in the row set-up, whose divisions were a serial latency chain) */
  private readonly invH: number;
  private readonly invDeltaI: number;
  private readonly xInv: number[] = [];
  private readonly maxRow: number;
  constructor(
    private readonly tI: CoordTable,
    gts: readonly (CoordTable | undefined)[],
    private readonly innerF: readonly number[],
    innerX: readonly number[],
    private readonly LXI: number,
    private readonly h: number,
    maxRow: number,
  ) {
    this.maxRow = maxRow;
    this.S2 = new Float64Array(innerF.length);
    this.qh = Math.exp(-h * h);
    this.invH = 1 / h;
    this.invDeltaI = 1 / tI.delta;
    this.W = scratch.alloc(maxRow);
    this.cSlot = new Int32Array(innerX.length);
    const slotOf = new Map<number, number>();
    innerX.forEach((fx, c) => {
      let u = slotOf.get(fx);
      if (u === undefined) {
        const gt = gts[fx]!;
        u = this.xTabs.length;
        slotOf.set(fx, u);
        this.xTabs.push(gt);
        this.xInv.push(1 / gt.delta);
        // x advances by LXI·h per node: a whole number of grid steps when the grid was aligned to it
        const aX = LXI * h;
        const dx = gt.delta;
        const aligned = Math.abs(aX) >= dx / 2 && Math.abs(Math.abs(aX) / dx - Math.round(Math.abs(aX) / dx)) < 1e-9;
        this.xSteps.push(aligned ? Math.round(aX / dx) : 0);
      }
      this.cSlot[c] = u;
    });
    this.g = scratch.alloc(this.xTabs.length * maxRow);
  }

  /** The row with base offsets dI = arg[0], dX = arg[1] and squared radius r2 = arg[2] (doubles passed in a typed array, not boxed). */
  row(): void {
    const dI = this.arg[0]!, dX = this.arg[1]!, r2 = this.arg[2]!;
    const S2 = this.S2;
    const nc = S2.length;
    for (let c = 0; c < nc; c++) S2[c] = 0;
    if (!(r2 >= 0)) return;
    const h = this.h;
    const tI = this.tI;
    const rr = Math.sqrt(r2);
    const y = dI * this.invDeltaI;
    const e = Math.floor(y);
    const delta = y - e;
    const rh = rr * this.invH;
    const clo = Math.ceil(delta - rh);
    const chi = Math.floor(delta + rh);
    const n = chi - clo + 1;
    if (n <= 0) return;
    // weights h φ(x_t), x_t = (clo + t − δ) h, by the recurrence w_{t+1} = w_t·r_t, r_t = e^{−x_t h − h²/2},
    // r_{t+1} = r_t·e^{−h²} (relative error ≲ n²ε/2 ≈ 1e-13 over a row of n ≤ 50 nodes, far below the tolerances)
    const x0 = (clo - delta) * h;
    const w0 = h * INV_SQRT_2PI * Math.exp(-0.5 * x0 * x0);
    const r0 = Math.exp(-x0 * h - 0.5 * h * h);
    const qh = this.qh;
    const rw = this.rw;
    rw[0] = w0;
    rw[1] = r0;
    rw[2] = qh;
    const jBase = e + clo + tI.J; // table index of node t is jBase + t
    const xFirst = dX + this.LXI * ((clo - delta) * h);
    const tf = tI.data;
    const lw = this.lw;
    if (nc === 1 && this.xSteps[0] !== 0) {
      // one inner combination on an aligned grid: fused (the same operations, in the same order, as below)
      const gt = this.xTabs[0]!;
      const yx = xFirst * this.xInv[0]! + gt.J;
      const fl = Math.floor(yx);
      const tOff = this.innerF[0]! * tI.len + jBase;
      if (gt.stencil === 10) {
        lw[T_SLOT] = yx - fl + 4;
        lagrangeWeights(lw);
        alignedRow10(gt.data, fl - 4, this.xSteps[0]!, lw, rw, tf, tOff, n, S2);
      } else {
        lw[T_SLOT] = yx - fl + 2;
        lagrangeWeights6(lw);
        alignedRow6(gt.data, fl - 2, this.xSteps[0]!, lw, rw, tf, tOff, n, S2);
      }
      return;
    }
    const W = this.W;
    {
      let w = w0;
      let r = r0;
      for (let t = 0; t < n; t++) {
        W[t] = w;
        w *= r;
        r *= qh;
      }
    }
    const g = this.g;
    for (let u = 0; u < this.xTabs.length; u++) {
      const gt = this.xTabs[u]!;
      const q = this.xSteps[u]!;
      const gx = gt.data;
      const dx = gt.delta;
      const o = u * this.maxRow;
      if (q !== 0) {
        const yx = xFirst * this.xInv[u]! + gt.J;
        const fl = Math.floor(yx);
        if (gt.stencil === 10) {
          lw[T_SLOT] = yx - fl + 4;
          lagrangeWeights(lw);
          alignedValues10(gx, fl - 4, q, lw, g, o, n);
        } else {
          lw[T_SLOT] = yx - fl + 2;
          lagrangeWeights6(lw);
          alignedValues6(gx, fl - 2, q, lw, g, o, n);
        }
      } else {
        // x moves by less than a grid step along the row: interpolation weights per node
        const stepX = this.LXI * h;
        if (gt.stencil === 10) for (let t = 0; t < n; t++) g[o + t] = interpolateAt(gx, 0, (xFirst + t * stepX) / dx + gt.J, lw);
        else for (let t = 0; t < n; t++) g[o + t] = interpolateAt6(gx, 0, (xFirst + t * stepX) / dx + gt.J, lw);
      }
    }
    for (let c = 0; c < nc; c++) {
      const tOff = this.innerF[c]! * tI.len + jBase;
      const o = this.cSlot[c]! * this.maxRow;
      let s = 0;
      for (let t = 0; t < n; t++) s += W[t]! * tf[tOff + t]! * g[o + t]!;
      S2[c] = s;
    }
  }
}

/**
 * E[Π_i F_{i, pattern}(z_i)] for every pattern (see the module comment); NaN for a pattern whose function of the
 * interpolated coordinate has no grid that passes its check, and undefined when the lattice rule does not apply at
 * all (a table would be larger than the work it saves, or no pattern has a grid): the caller then uses the
 * node-by-node rule. The value of a pattern depends on the covariance and on its own functions only, not on the
 * other patterns of the call.
 */
export function latticeProducts(p: LatticeProblem): Float64Array | undefined {
  scratch.reset();
  const { L, rank, hs, R, coords, patterns } = p;
  const k = L.length;
  if (!((k === 3 && rank === 3) || (k === 4 && (rank === 4 || rank === 3)))) return undefined;
  const smoothed = k === rank;
  const D = smoothed ? rank - 1 : rank; // explicit directions; coordinates 0..D−1 on lattices
  const X = k - 1;
  const I = D - 1; // the innermost explicit direction / lattice coordinate
  const P = patterns.length;
  const out = new Float64Array(P);
  if (P === 0) return out;

  // lattice tables of coordinates 0..D−1
  const tabs: CoordTable[] = [];
  for (let i = 0; i < D; i++) {
    const Lii = L[i]![i]!;
    if (!(Lii > 0)) return undefined;
    let v = 0;
    for (let d = 0; d <= i; d++) v += L[i]![d]! ** 2;
    const delta = Lii * hs[i]!;
    const J = Math.ceil((R * Math.sqrt(v)) / delta) + 2;
    if (2 * J + 1 > MAX_TABLE) return undefined;
    tabs.push(latticeTable(coords[i]!, delta, J));
  }
  // the interpolated coordinate X: x = Σ_{d<D} L_Xd u_d (+ L_XX ε smoothed when k = rank)
  let vx = 0;
  for (let d = 0; d < D; d++) vx += L[X]![d]! ** 2;
  const xmax = R * Math.sqrt(vx) + 1e-12;
  const sX = smoothed ? L[X]![rank - 1]! : 0;
  const aX = L[X]![I]! * hs[I]!; // step of x along the innermost row
  const dxStart = smoothed ? Math.min(p.unitStep * 0.3, Math.max(0.05, sX) * 0.5) : p.unitStep * 0.3;
  // nodes of the explicit directions (a ball; half of it for symmetric integrands): the grid may cost a few per node
  let nodes = D === 2 ? Math.PI / 4 : Math.PI / 6;
  for (let d = 0; d < D; d++) nodes *= (2 * R) / hs[d]!;
  const gts = interpolationTables(coords[X]!, sX, smoothed ? hs[rank - 1]! : 0, p.Rlast, xmax, dxStart, Math.abs(aX), smoothed ? p.tol : 0.1 * p.tol, 2 * nodes);
  // integrands whose function of X has no grid are left NaN (the caller computes them node by node)
  const active: number[] = [];
  for (let q = 0; q < P; q++) if (gts[patterns[q]![X]!]) active.push(q);
  if (active.length === 0) return undefined;
  out.fill(NaN);

  // combinations: inner (f_I, f_X), middle (f_1, inner) when D = 3, and per pattern the outer (f_0, ·)
  const innerF: number[] = [];
  const innerX: number[] = [];
  const innerOf = (fi: number, fx: number): number => {
    for (let c = 0; c < innerF.length; c++) if (innerF[c] === fi && innerX[c] === fx) return c;
    innerF.push(fi);
    innerX.push(fx);
    return innerF.length - 1;
  };
  const midF: number[] = [];
  const midC: number[] = [];
  const midOf = (f1: number, c2: number): number => {
    for (let c = 0; c < midF.length; c++) if (midF[c] === f1 && midC[c] === c2) return c;
    midF.push(f1);
    midC.push(c2);
    return midF.length - 1;
  };
  const Pa = active.length;
  const patF0 = new Int32Array(Pa);
  const patC = new Int32Array(Pa);
  const parity = new Int8Array(Pa);
  // (σ even or odd makes every factor even or odd, so this is a property of σ, not of the batch)
  let allSymmetric = true;
  for (let q = 0; q < Pa; q++) {
    const pat = patterns[active[q]!]!;
    let par = 1;
    for (let i = 0; i < k; i++) par *= coords[i]!.parity[pat[i]!]!;
    parity[q] = par;
    if (par === 0) allSymmetric = false;
    const c2 = innerOf(pat[I]!, pat[X]!);
    patF0[q] = pat[0]!;
    patC[q] = D === 3 ? midOf(pat[1]!, c2) : c2;
  }
  const nMid = midF.length;

  const rows = new InnerRows(tabs[I]!, gts, innerF, innerX, L[X]![I]!, hs[I]!, Math.ceil((2 * R) / hs[I]!) + 4);
  const S2 = rows.S2;
  const rowArg = rows.arg;
  const Spos = scratch.alloc(Pa).fill(0);
  const Szero = scratch.alloc(Pa).fill(0);
  const R2 = R * R;
  const h0 = hs[0]!;
  const N0 = Math.floor(R / h0);
  const t0 = tabs[0]!;
  const w0 = phiTable(h0, N0);
  const aStart = allSymmetric ? 0 : -N0;
  if (D === 2) {
    const LI0 = L[I]![0]!;
    const LX0 = L[X]![0]!;
    for (let a = aStart; a <= N0; a++) {
      const u0 = a * h0;
      rowArg[0] = LI0 * u0;
      rowArg[1] = LX0 * u0;
      rowArg[2] = R2 - u0 * u0;
      rows.row();
      const wa = w0[a < 0 ? -a : a]!;
      const acc = a === 0 || !allSymmetric ? Szero : Spos;
      const j0 = a + t0.J; // z0 = a·L00·h0 on coordinate 0's lattice
      for (let q = 0; q < Pa; q++) acc[q] = acc[q]! + wa * t0.data[patF0[q]! * t0.len + j0]! * S2[patC[q]!]!;
    }
  } else {
    const t1 = tabs[1]!;
    const h1 = hs[1]!;
    const ph1 = phiTable(h1, Math.ceil(R / h1) + 2);
    const L10 = L[1]![0]!;
    const L20 = L[2]![0]!, L21 = L[2]![1]!;
    const LX0 = L[X]![0]!, LX1 = L[X]![1]!;
    const M1 = scratch.alloc(Math.max(1, nMid));
    const t1d = t1.data;
    const t1len = t1.len;
    for (let a = aStart; a <= N0; a++) {
      const u0 = a * h0;
      const r1sq = R2 - u0 * u0;
      M1.fill(0);
      if (r1sq >= 0) {
        const r1 = Math.sqrt(r1sq);
        const d1 = L10 * u0;
        const y1 = d1 / t1.delta;
        const e1 = Math.floor(y1);
        const del1 = y1 - e1;
        const blo = Math.ceil(del1 - r1 / h1);
        const bhi = Math.floor(del1 + r1 / h1);
        // weights h φ((b − δ) h) = h φ(|b| h)·e^{b δ h²}·e^{−δ² h²/2}, the exponential factor by recurrence
        const A = Math.exp(del1 * h1 * h1);
        let am = Math.exp(blo * del1 * h1 * h1 - 0.5 * del1 * del1 * h1 * h1);
        for (let b = blo; b <= bhi; b++) {
          const wb = ph1[b < 0 ? -b : b]! * am;
          am *= A;
          const u1 = (b - del1) * h1;
          rowArg[0] = L20 * u0 + L21 * u1;
          rowArg[1] = LX0 * u0 + LX1 * u1;
          rowArg[2] = r1sq - u1 * u1;
          rows.row();
          const j1 = e1 + b + t1.J;
          for (let c = 0; c < nMid; c++) M1[c] = M1[c]! + wb * t1d[midF[c]! * t1len + j1]! * S2[midC[c]!]!;
        }
      }
      const wa = w0[a < 0 ? -a : a]!;
      const acc = a === 0 || !allSymmetric ? Szero : Spos;
      const j0 = a + t0.J;
      for (let q = 0; q < Pa; q++) acc[q] = acc[q]! + wa * t0.data[patF0[q]! * t0.len + j0]! * M1[patC[q]!]!;
    }
  }
  for (let q = 0; q < Pa; q++) {
    if (!allSymmetric) out[active[q]!] = Szero[q]!;
    else out[active[q]!] = parity[q] === -1 ? 0 : Szero[q]! + 2 * Spos[q]!;
  }
  return out;
}
