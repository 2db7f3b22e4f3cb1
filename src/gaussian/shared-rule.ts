/**
 * One trapezoid rule for all subsets of inputs of a kernel of rank ≤ 3.
 *
 * When the whole m × m kernel factors as K = V Vᵀ with V of r ≤ 3 columns (layer 1 of a network whose inputs span
 * at most three dimensions, or two with a bias: K_ab = C_b + C_W x_a·x_b / n_0), every subset's preactivations are
 * z_a = V_a·u with one and the same u ~ N(0, I_r). The nested trapezoid rule of smooth.ts on that u — step h_d in
 * direction d calibrated for max_a |V_ad| (the largest |∂z_a/∂u_d| over all inputs, the criterion planFor applies to
 * a subset's factor), nodes in the ball |u| ≤ R —
 *
 *   E[Π_i F_i(z_{a_i})] = Σ_{u ∈ hℤ^r, |u| ≤ R} Π_d h_d φ(u_d) · Π_i F_i(V_{a_i}·u),
 *
 * then serves every subset: σ^(k)(z_a) is tabulated once per input and order at the shared nodes, and an
 * expectation costs one weighted product sum over them. A rule per subset instead builds, per subset, lattice
 * tables, an interpolation grid and its checks (lattice.ts); for four inputs of a rank-3 kernel that rule needs
 * ~5·10⁴ nodes per subset. Measured on the layer-1 subsets of the m = 32 inputs of bench/tensors.bench.ts (35,960
 * four-input subsets): ~1.3 ms per subset with a rule per subset, ~0.13 ms here.
 *
 * For σ even or odd every integrand is even or odd under u → −u: only the half space (first non-zero lattice
 * coordinate positive) is kept, with doubled weights, and an odd integrand is exactly 0.
 *
 * A value depends on the kernel as a whole (the steps follow the largest input), not only on its subset's
 * covariance; it agrees with the per-subset rule within the calibrated tolerance (test/gaussian/shared-rule.test.ts).
 */

const INV_SQRT_2PI = 0.3989422804014327;

/** Bounds of a shared rule: nodes, and memory of its tables with SHARED_ORDERS derivative orders per input. */
export const SHARED_MAX_NODES = 2e6;
export const SHARED_MAX_BYTES = 256 * 2 ** 20;
export const SHARED_ORDERS = 3;
/** Nodes of the shared rules met in practice, at most (tanh, tolerance 1e-10, inputs up to |x| ≈ 2): for memory estimates. */
export const SHARED_TYPICAL_NODES = 1.5e5;

/** Fills out[p] = σ^(k)(z[p]). */
export type DerivativeTable = (k: number, z: Float64Array, out: Float64Array) => void;

export interface SharedRuleSpec {
  /** row a: input a's coordinates V_a (length r); K = V Vᵀ */
  V: readonly (readonly number[])[];
  /** trapezoid step per direction (length r) */
  hs: readonly number[];
  /** radius of the ball of nodes */
  R: number;
  /** σ's parity: +1 even, −1 odd (half the nodes), 0 neither */
  parity: number;
  derivative: DerivativeTable;
}

/** Number of shared nodes (half of the ball for parity ≠ 0) and the memory of the tables, without building them. */
export function sharedRuleSize(hs: readonly number[], R: number, parity: number, inputs: number, orders: number): { nodes: number; bytes: number } {
  let nodes = 0;
  const r = hs.length;
  const n0 = Math.floor(R / hs[0]!);
  for (let i = -n0; i <= n0; i++) {
    const r1 = R * R - (i * hs[0]!) ** 2;
    if (r < 2) {
      nodes++;
      continue;
    }
    const n1 = Math.floor(Math.sqrt(Math.max(0, r1)) / hs[1]!);
    if (r < 3) {
      nodes += 2 * n1 + 1;
      continue;
    }
    for (let j = -n1; j <= n1; j++) {
      const r2 = r1 - (j * hs[1]!) ** 2;
      nodes += 2 * Math.floor(Math.sqrt(Math.max(0, r2)) / hs[2]!) + 1;
    }
  }
  if (parity !== 0) nodes = (nodes + 1) / 2;
  return { nodes, bytes: 8 * nodes * (r + 2 + inputs * orders) };
}

/**
 * A rotation of the rule's coordinates (V → V Oᵀ with O orthogonal; u → O u leaves N(0, I) unchanged) that makes
 * `cost` small: the steps follow max_a |V_ad| per direction, so directions along which no input reaches far are
 * cheap. For inputs filling a cube the axes of the cube are best: with m = 32 inputs uniform in [−1.2, 1.2]³ the
 * pivoted-Cholesky coordinates (first axis along the longest input) need 1.4·10⁵ nodes (half ball, tanh, tolerance
 * 1e-10) and the cube's axes 5.2·10⁴. Search: the given coordinates, 256 rotations of a Halton sequence
 * (Shoemake's uniform quaternions), then plane rotations by ±θ (θ = 0.2 halved to 0.003) while they lower the cost;
 * deterministic for a given V. Rank 3 only (V returned unchanged otherwise).
 */
export function orientCoordinates(V: readonly (readonly number[])[], cost: (W: number[][]) => number): number[][] {
  const apply = (O: readonly (readonly number[])[]): number[][] => V.map((row) => O.map((o) => o.reduce((s, x, d) => s + x * row[d]!, 0)));
  let bestO: number[][] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  let bestW = V.map((row) => row.slice());
  if (V.length === 0 || V[0]!.length !== 3) return bestW;
  let best = cost(bestW);
  const consider = (O: number[][]): boolean => {
    const W = apply(O);
    const c = cost(W);
    if (!(c < best)) return false;
    best = c;
    bestO = O;
    bestW = W;
    return true;
  };
  const halton = (i: number, b: number): number => {
    let f = 1;
    let r = 0;
    for (let n = i; n > 0; n = Math.floor(n / b)) {
      f /= b;
      r += f * (n % b);
    }
    return r;
  };
  for (let t = 1; t <= 256; t++) {
    const u1 = halton(t, 2), u2 = halton(t, 3), u3 = halton(t, 5);
    const a = Math.sqrt(1 - u1), b = Math.sqrt(u1);
    consider(rotationOf(a * Math.sin(2 * Math.PI * u2), a * Math.cos(2 * Math.PI * u2), b * Math.sin(2 * Math.PI * u3), b * Math.cos(2 * Math.PI * u3)));
  }
  for (let theta = 0.2; theta > 0.003; theta /= 2) {
    for (let improved = true, sweeps = 0; improved && sweeps < 20; sweeps++) {
      improved = false;
      for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
        for (const sgn of [1, -1]) {
          const c = Math.cos(sgn * theta), sn = Math.sin(sgn * theta);
          const O = bestO.map((row) => row.slice());
          for (let d = 0; d < 3; d++) {
            O[i]![d] = c * bestO[i]![d]! - sn * bestO[j]![d]!;
            O[j]![d] = sn * bestO[i]![d]! + c * bestO[j]![d]!;
          }
          if (consider(O)) improved = true;
        }
      }
    }
  }
  return bestW;
}

/** The rotation matrix of the unit quaternion (x, y, z, w). */
function rotationOf(x: number, y: number, z: number, w: number): number[][] {
  return [
    [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
  ];
}

export class SharedLowRankRule {
  readonly nodes: number;
  private readonly w: Float64Array;
  private readonly u: Float64Array[];
  private readonly tables = new Map<number, Float64Array>();
  private readonly z: Float64Array;
  /** prefix buffers of one block (every slot is written before it is read within a call) */
  private readonly slots: Float64Array[] = Array.from({ length: PREFIX_SLOTS }, () => new Float64Array(BLOCK));

  constructor(private readonly spec: SharedRuleSpec) {
    const { hs, R, parity } = spec;
    const r = hs.length;
    const half = parity !== 0;
    const w: number[] = [];
    const us: number[][] = hs.map(() => []);
    const phi = (x: number, h: number): number => h * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    const n0 = Math.floor(R / hs[0]!);
    // lattice points (i, j, l) in lexicographic order; with parity only those whose first non-zero index is positive
    for (let i = half ? 0 : -n0; i <= n0; i++) {
      const u0 = i * hs[0]!;
      const r1 = R * R - u0 * u0;
      const w0 = phi(u0, hs[0]!);
      if (r === 1) {
        w.push(half && i > 0 ? 2 * w0 : w0);
        us[0]!.push(u0);
        continue;
      }
      const n1 = Math.floor(Math.sqrt(Math.max(0, r1)) / hs[1]!);
      for (let j = half && i === 0 ? 0 : -n1; j <= n1; j++) {
        const u1 = j * hs[1]!;
        const r2 = r1 - u1 * u1;
        const w1 = w0 * phi(u1, hs[1]!);
        if (r === 2) {
          w.push(half && (i > 0 || j > 0) ? 2 * w1 : w1);
          us[0]!.push(u0);
          us[1]!.push(u1);
          continue;
        }
        const n2 = Math.floor(Math.sqrt(Math.max(0, r2)) / hs[2]!);
        for (let l = half && i === 0 && j === 0 ? 0 : -n2; l <= n2; l++) {
          const u2 = l * hs[2]!;
          const w2 = w1 * phi(u2, hs[2]!);
          w.push(half && (i > 0 || j > 0 || l > 0) ? 2 * w2 : w2);
          us[0]!.push(u0);
          us[1]!.push(u1);
          us[2]!.push(u2);
        }
      }
    }
    this.nodes = w.length;
    this.w = Float64Array.from(w);
    this.u = us.map((a) => Float64Array.from(a));
    this.z = new Float64Array(this.nodes);
  }

  /** σ^(k)(V_a·u) at the shared nodes (tabulated on first use). */
  private table(a: number, k: number): Float64Array {
    const key = a * 64 + k;
    let t = this.tables.get(key);
    if (!t) {
      const Va = this.spec.V[a]!;
      const z = this.z;
      const Q = this.nodes;
      z.fill(0);
      for (let d = 0; d < Va.length; d++) {
        const c = Va[d]!;
        const ud = this.u[d]!;
        if (c !== 0) for (let q = 0; q < Q; q++) z[q] = z[q]! + c * ud[q]!;
      }
      t = new Float64Array(Q);
      this.spec.derivative(k, z, t);
      this.tables.set(key, t);
    }
    return t;
  }

  /**
   * E[Π_i Π_{k ∈ patterns[p][i]} σ^(k)(z_{inputs[i]})] for every pattern of one subset (as productsMany).
   */
  products(inputs: readonly number[], patterns: readonly (Pattern | null)[]): Float64Array {
    return this.productsMany([{ inputs, patterns }])[0]!;
  }

  /**
   * The expectations of many subsets' integrands, per subset and pattern; NaN for a null pattern and where the sum
   * is not finite (the caller then takes the per-subset rule, which reports the cause).
   *
   * Evaluation order, the same whatever else is computed in the call: an integrand's factors (input, order) are
   * multiplied left to right, P = w·F_1·…·F_{n−l} (the prefix), then Σ_q P[q]·F_{n−l+1}[q]·…·F_n[q] with l ≤ 2 the
   * factors of the last input (at most two), summed in blocks of BLOCK nodes, four interleaved partial sums per
   * block combined as (s0 + s1) + (s2 + s3), the blocks in order. The nodes are visited block by block for all
   * integrands of the call, so that the tables' blocks stay in the cache; prefixes are shared by consecutive
   * integrands (subsets in lexicographic order share their leading inputs), PREFIX_SLOTS of them kept per block.
   */
  productsMany(subsets: readonly { inputs: readonly number[]; patterns: readonly (Pattern | null)[] }[]): Float64Array[] {
    const outs = subsets.map((t) => new Float64Array(t.patterns.length));
    const parity = this.spec.parity;
    // the schedule: ops replayed on every block of nodes
    const ops: number[] = [];
    const tableIds = new Map<number, number>();
    const tableList: Float64Array[] = [];
    const tableId = (a: number, k: number): number => {
      const key = a * 64 + k;
      let id = tableIds.get(key);
      if (id === undefined) {
        id = tableList.length;
        tableIds.set(key, id);
        tableList.push(this.table(a, k));
      }
      return id;
    };
    // slots of prefix buffers in least-recently-used order (last = most recent)
    const slotKey: (string | null)[] = new Array<string | null>(PREFIX_SLOTS).fill(null);
    const slotOf = new Map<string, number>();
    const lru: number[] = [];
    for (let i = 0; i < PREFIX_SLOTS; i++) lru.push(i);
    const touch = (slot: number): void => {
      lru.splice(lru.indexOf(slot), 1);
      lru.push(slot);
    };
    const results: { out: Float64Array; p: number }[] = [];
    subsets.forEach((t, ti) => {
      t.patterns.forEach((pat, p) => {
        if (!pat) {
          outs[ti]![p] = NaN;
          return;
        }
        const factors: number[] = [];
        let par = 1;
        let lastCount = 0;
        pat.forEach((ks, i) => {
          for (const k of ks) {
            factors.push(tableId(t.inputs[i]!, k));
            par *= k % 2 === 0 ? parity : -parity;
          }
          if (i === pat.length - 1) lastCount = ks.length;
        });
        if (parity !== 0 && par === -1) return; // an odd integrand: exactly 0
        const l = Math.min(2, lastCount, factors.length);
        const lead = factors.length - l;
        // the prefix of `lead` factors, through its own prefixes (slot −1: the weights)
        let src = -1;
        let key = '';
        for (let n = 1; n <= lead; n++) {
          key += `${factors[n - 1]},`;
          let slot = slotOf.get(key);
          if (slot === undefined) {
            if (src >= 0) touch(src);
            slot = lru[0]!;
            const old = slotKey[slot];
            if (old !== null && old !== undefined) slotOf.delete(old);
            slotKey[slot] = key;
            slotOf.set(key, slot);
            ops.push(OP_PREFIX, slot, src, factors[n - 1]!, 0);
          }
          touch(slot);
          src = slot;
        }
        ops.push(OP_SUM, results.length, src, l >= 1 ? factors[lead]! : -1, l >= 2 ? factors[lead + 1]! : -1);
        results.push({ out: outs[ti]!, p });
      });
    });
    const acc = new Float64Array(results.length);
    const slots = this.slots;
    const w = this.w;
    const Q = this.nodes;
    for (let q0 = 0; q0 < Q; q0 += BLOCK) {
      const len = Math.min(BLOCK, Q - q0);
      for (let o = 0; o < ops.length; o += 5) {
        const src = ops[o + 2]!;
        if (ops[o] === OP_PREFIX) {
          const dst = slots[ops[o + 1]!]!;
          const T = tableList[ops[o + 3]!]!;
          if (src < 0) for (let q = 0; q < len; q++) dst[q] = w[q0 + q]! * T[q0 + q]!;
          else {
            const S = slots[src]!;
            for (let q = 0; q < len; q++) dst[q] = S[q]! * T[q0 + q]!;
          }
        } else {
          const r = ops[o + 1]!;
          const a = ops[o + 3]!;
          const b = ops[o + 4]!;
          const P = src < 0 ? w : slots[src]!;
          const p0 = src < 0 ? q0 : 0;
          const v = b >= 0 ? blockSum2(P, p0, len, tableList[a]!, tableList[b]!, q0) : a >= 0 ? blockSum1(P, p0, len, tableList[a]!, q0) : blockSum0(P, p0, len);
          acc[r] = acc[r]! + v;
        }
      }
    }
    results.forEach(({ out, p }, r) => (out[p] = Number.isFinite(acc[r]!) ? acc[r]! : NaN));
    return outs;
  }
}

type Pattern = readonly (readonly number[])[];
const OP_PREFIX = 0;
const OP_SUM = 1;
/** Nodes per block: the blocks of the tables of a few dozen inputs (8 KB each) stay in a 1 MB cache. */
const BLOCK = 1024;
/** Prefix buffers kept per block. */
const PREFIX_SLOTS = 12;

/**
 * Σ_{q < len} P[p0 + q]·A[a0 + q]·B[a0 + q] (the product left to right) in four interleaved partial sums, combined
 * as (s0 + s1) + (s2 + s3); blockSum1 and blockSum0 with one and no table (separate functions: one shape of
 * arguments each keeps the loops monomorphic, ~0.7 ns per node against ~2.5 ns for one function with optional
 * tables, measured).
 */
function blockSum2(P: Float64Array, p0: number, len: number, A: Float64Array, B: Float64Array, a0: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let q = 0;
  for (; q + 3 < len; q += 4) {
    s0 += P[p0 + q]! * A[a0 + q]! * B[a0 + q]!;
    s1 += P[p0 + q + 1]! * A[a0 + q + 1]! * B[a0 + q + 1]!;
    s2 += P[p0 + q + 2]! * A[a0 + q + 2]! * B[a0 + q + 2]!;
    s3 += P[p0 + q + 3]! * A[a0 + q + 3]! * B[a0 + q + 3]!;
  }
  for (; q < len; q++) s0 += P[p0 + q]! * A[a0 + q]! * B[a0 + q]!;
  return s0 + s1 + (s2 + s3);
}

function blockSum1(P: Float64Array, p0: number, len: number, A: Float64Array, a0: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let q = 0;
  for (; q + 3 < len; q += 4) {
    s0 += P[p0 + q]! * A[a0 + q]!;
    s1 += P[p0 + q + 1]! * A[a0 + q + 1]!;
    s2 += P[p0 + q + 2]! * A[a0 + q + 2]!;
    s3 += P[p0 + q + 3]! * A[a0 + q + 3]!;
  }
  for (; q < len; q++) s0 += P[p0 + q]! * A[a0 + q]!;
  return s0 + s1 + (s2 + s3);
}

function blockSum0(P: Float64Array, p0: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let q = 0;
  for (; q + 3 < len; q += 4) {
    s0 += P[p0 + q]!;
    s1 += P[p0 + q + 1]!;
    s2 += P[p0 + q + 2]!;
    s3 += P[p0 + q + 3]!;
  }
  for (; q < len; q++) s0 += P[p0 + q]!;
  return s0 + s1 + (s2 + s3);
}
