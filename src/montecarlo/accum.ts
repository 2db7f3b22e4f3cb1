/**
 * Exact, order-independent accumulation of Monte Carlo sums (exact in distribution).
 *
 * Networks are processed in fixed blocks of consecutive indices [bB, (b+1)B). Within a block the per-network
 * statistics are summed in network order in plain doubles; the block sums are then added to the EXACT
 * accumulator of jackknife group g = b mod G. An exact accumulator keeps the sum as non-overlapping partials
 * (Shewchuk's algorithm, as in Python's math.fsum) and its value is the correctly rounded exact sum, so the
 * result does not depend on the order in which blocks arrive — workers, shards and `nnft merge` all give the
 * single-run numbers bit for bit. Memory: G × (number of statistics) partial lists, independent of the
 * number of networks.
 */

/** Add x to the partials list p (exact; p stays non-overlapping with increasing magnitude). */
export function fsumAdd(p: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < p.length; j++) {
    let y = p[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  p[i++] = x;
  // shrinking an array is slow in V8 (a runtime call): only when the list got shorter
  if (p.length !== i) p.length = i;
}

/** The correctly rounded value of the exact sum held in the partials (CPython math_fsum's final step). */
export function fsumValue(p: readonly number[]): number {
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n]!;
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    const yr = x - hi;
    if (y === yr) hi = x;
  }
  return hi;
}

/** G groups × S statistics of exact sums, plus network counts per group. */
export interface GroupState {
  groups: number;
  stats: number;
  /** counts[g] networks in group g. */
  counts: number[];
  /** partials[g][s]: partials of the exact sum of statistic s over group g. */
  partials: number[][][];
}

export function newGroupState(groups: number, stats: number): GroupState {
  const partials: number[][][] = [];
  for (let g = 0; g < groups; g++) {
    const row: number[][] = [];
    for (let s = 0; s < stats; s++) row.push([]);
    partials.push(row);
  }
  return { groups, stats, counts: new Array(groups).fill(0), partials };
}

/**
 * The exact group sums while sampling, stored flat: the partials of statistic s in group g occupy slots
 * [(g·S + s)·CAP, … + len) of one Float64Array, their number in a Uint8Array, and a list longer than CAP moves
 * to a map of ordinary arrays (rare: block sums of one statistic have similar magnitudes, so 1–2 partials are
 * typical). Same algorithm as fsumAdd, so the partials, and every result, are the same bit for bit; but
 * G × S separate JavaScript arrays cost ≈ 200 bytes each and ≈ 0.45 µs per addition in the garbage-collected
 * heap (64 groups × 59 000 statistics of the 4-point functions of 16 outputs at 2 inputs), the flat store
 * 8·CAP + 1 bytes and a few ns.
 */
export class FlatGroupSums {
  static readonly CAP = 3;
  readonly counts: number[];
  private readonly vals: Float64Array;
  private readonly lens: Uint8Array;
  private readonly long = new Map<number, number[]>();
  constructor(
    readonly groups: number,
    readonly stats: number,
  ) {
    this.counts = new Array<number>(groups).fill(0);
    this.vals = new Float64Array(groups * stats * FlatGroupSums.CAP);
    this.lens = new Uint8Array(groups * stats);
  }

  /** Add one block's plain sums (over `count` networks) to group g. */
  addBlock(g: number, sums: Float64Array, count: number): void {
    const S = this.stats;
    for (let s = 0; s < S; s++) {
      const x = sums[s]!;
      if (x !== 0) this.addCell(g * S + s, x);
    }
    this.counts[g]! += count;
  }

  /** Add x (exactly) to the sum of statistic s in group g. */
  add(g: number, s: number, x: number): void {
    this.addCell(g * this.stats + s, x);
  }

  /** fsumAdd on the partials of one cell. */
  private addCell(cell: number, x: number): void {
    const CAP = FlatGroupSums.CAP, vals = this.vals, lens = this.lens;
    const len = lens[cell]!;
    if (len > CAP) {
      fsumAdd(this.long.get(cell)!, x);
      return;
    }
    const base = cell * CAP;
    let i = 0;
    for (let j = 0; j < len; j++) {
      let y = vals[base + j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) vals[base + i++] = lo;
      x = hi;
    }
    if (i < CAP) {
      vals[base + i] = x;
      lens[cell] = i + 1;
    } else {
      const p = Array.from(vals.subarray(base, base + i));
      p.push(x);
      this.long.set(cell, p);
      lens[cell] = CAP + 1;
    }
  }

  /** The correctly rounded value of the exact sum of statistic s in group g. */
  value(g: number, s: number): number {
    return fsumValue(this.partialsOf(g, s));
  }

  /** The partials of statistic s in group g, as fsumAdd would hold them. */
  partialsOf(g: number, s: number): number[] {
    const cell = g * this.stats + s;
    const len = this.lens[cell]!;
    if (len > FlatGroupSums.CAP) return this.long.get(cell)!.slice();
    const base = cell * FlatGroupSums.CAP;
    const p = new Array<number>(len);
    for (let j = 0; j < len; j++) p[j] = this.vals[base + j]!;
    return p;
  }

  /** The GroupState of these sums (for merging across threads and for the state files). */
  toGroupState(): GroupState {
    const partials: number[][][] = [];
    for (let g = 0; g < this.groups; g++) {
      const row = new Array<number[]>(this.stats);
      for (let s = 0; s < this.stats; s++) row[s] = this.partialsOf(g, s);
      partials.push(row);
    }
    return { groups: this.groups, stats: this.stats, counts: this.counts.slice(), partials };
  }
}

/** Add one block's plain sums (over `count` networks) to group g. */
export function addBlock(state: GroupState, g: number, sums: Float64Array, count: number): void {
  const row = state.partials[g]!;
  for (let s = 0; s < state.stats; s++) {
    const x = sums[s]!;
    if (x !== 0) fsumAdd(row[s]!, x);
  }
  state.counts[g]! += count;
}

/** Merge `other` into `into` (exact). */
export function mergeGroupState(into: GroupState, other: GroupState): void {
  if (into.groups !== other.groups || into.stats !== other.stats) throw new Error('mergeGroupState: incompatible layouts');
  for (let g = 0; g < into.groups; g++) {
    into.counts[g]! += other.counts[g]!;
    const a = into.partials[g]!;
    const b = other.partials[g]!;
    for (let s = 0; s < into.stats; s++) for (const x of b[s]!) fsumAdd(a[s]!, x);
  }
}

/** Group sums (rounded) and the grand total (rounded exact sum over all groups). */
export function groupSums(state: GroupState): { sums: Float64Array[]; total: Float64Array; counts: number[]; n: number } {
  const sums: Float64Array[] = [];
  const total = new Float64Array(state.stats);
  for (let g = 0; g < state.groups; g++) {
    const v = new Float64Array(state.stats);
    for (let s = 0; s < state.stats; s++) v[s] = fsumValue(state.partials[g]![s]!);
    sums.push(v);
  }
  // the exact total over groups, group by group (row order in memory; the correctly rounded exact sum does not
  // depend on the order of the additions), in a flat store rather than one new list per statistic
  const all = new FlatGroupSums(1, state.stats);
  for (let g = 0; g < state.groups; g++) {
    const row = state.partials[g]!;
    for (let s = 0; s < state.stats; s++) for (const x of row[s]!) all.add(0, s, x);
  }
  for (let s = 0; s < state.stats; s++) total[s] = all.value(0, s);
  const n = state.counts.reduce((a, b) => a + b, 0);
  return { sums, total, counts: state.counts.slice(), n };
}

/**
 * Grouped (delete-one-group) jackknife of a smooth function f of the vector of means.
 * Networks are i.i.d., the groups partition them, so the G leave-one-group-out estimates give a consistent
 * standard error for any smooth f (linear f: it reduces to the batch-means standard error), including
 * products of means such as V4 = n(E[GG] − E[G]E[G]). Returns the full-sample value, the standard error, and
 * the leave-one-out means (for callers who combine several moments themselves).
 */
export function jackknife(
  state: GroupState,
  f: (mean: Float64Array) => Float64Array,
): { value: Float64Array; stderr: Float64Array; replicates: Float64Array[] } {
  const { sums, total, counts, n } = groupSums(state);
  const S = state.stats;
  const mean = new Float64Array(S);
  for (let s = 0; s < S; s++) mean[s] = total[s]! / n;
  const value = f(mean);
  const reps: Float64Array[] = [];
  for (let g = 0; g < state.groups; g++) {
    if (counts[g] === 0 || counts[g] === n) continue;
    const mg = new Float64Array(S);
    const ng = n - counts[g]!;
    for (let s = 0; s < S; s++) mg[s] = (total[s]! - sums[g]![s]!) / ng;
    reps.push(f(mg));
  }
  const k = reps.length;
  const stderr = new Float64Array(value.length);
  if (k >= 2) {
    for (let q = 0; q < value.length; q++) {
      // mean relative to the first replicate: identical replicates give exactly zero spread
      const r0 = reps[0]![q]!;
      let d = 0;
      for (const r of reps) d += r[q]! - r0;
      const mu = r0 + d / k;
      // deviations scaled by the largest before squaring: for values near 1e-222 (inputs ~1e-111) the squares
      // underflow to 0 and would report "± 0"; near 1e200 they overflow
      let big = 0;
      for (const r of reps) big = Math.max(big, Math.abs(r[q]! - mu));
      let ss = 0;
      if (big > 0) for (const r of reps) ss += ((r[q]! - mu) / big) ** 2;
      stderr[q] = big * Math.sqrt(((k - 1) / k) * ss);
    }
  } else stderr.fill(NaN);
  return { value, stderr, replicates: reps };
}

/** Sorted block ranges [start, end) of merged shards, with contiguous neighbours joined. */
export function coalesceBlocks(ranges: readonly (readonly [number, number])[]): [number, number][] {
  const blocks: [number, number][] = [];
  for (const r of ranges) {
    const last = blocks[blocks.length - 1];
    if (last && last[1] === r[0]) last[1] = r[1];
    else blocks.push([r[0], r[1]]);
  }
  return blocks;
}
