/**
 * Joint cumulants of sampled random vectors with grouped-jackknife standard errors: the sampled side of the
 * field-theory checks (network outputs φ(x_α), or single neurons h(x_α)).
 *
 * A cumulant κ(X_{α1}, …, X_{αr}) is a polynomial in the moments E[Π_{k∈B} X_{αk}] over the blocks B of the set
 * partitions of its r slots,
 *   κ_r = Σ_π (−1)^{|π|−1} (|π| − 1)! Π_{B∈π} E[Π_{k∈B} X_{αk}],
 * so it is estimated by the same polynomial of the sample moments, and its standard error by the delete-one-group
 * jackknife over G groups of consecutive samples (src/montecarlo/accum.ts), which propagates the nonlinear combination
 * consistently (the samples are i.i.d.).
 */
import { NnftInputError } from '../errors.ts';
import { addBlock, jackknife, newGroupState } from '../montecarlo/accum.ts';

const partitionMemo = new Map<number, number[][][]>();

/** All set partitions of {0, …, r−1} (Bell(r) of them; r ≤ 8), each a list of blocks. */
export function setPartitions(r: number): number[][][] {
  if (!Number.isInteger(r) || r < 0 || r > 8) throw new NnftInputError('order', `cumulants of order 0..8 are supported, got ${String(r)}`);
  const hit = partitionMemo.get(r);
  if (hit) return hit;
  const out: number[][][] = [];
  const blocks: number[][] = [];
  const rec = (i: number): void => {
    if (i === r) {
      out.push(blocks.map((b) => b.slice()));
      return;
    }
    for (const b of blocks) {
      b.push(i);
      rec(i + 1);
      b.pop();
    }
    blocks.push([i]);
    rec(i + 1);
    blocks.pop();
  };
  rec(0);
  partitionMemo.set(r, out);
  return out;
}

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320];

/** The key of a multiset of input indices (sorted, comma-joined). */
export const multisetKey = (idx: readonly number[]): string => [...idx].sort((a, b) => a - b).join(',');

/**
 * κ(X_{t0}, …, X_{t(r−1)}) from a moment function of multisets of input indices (by multisetKey); an empty
 * block never occurs. Exact arithmetic is not needed: the coefficients are small integers.
 */
export function cumulantFromMoments(tuple: readonly number[], moment: (key: string) => number): number {
  let s = 0;
  for (const p of setPartitions(tuple.length)) {
    const k = p.length;
    let term = (k % 2 === 1 ? 1 : -1) * FACT[k - 1]!;
    for (const B of p) term *= moment(multisetKey(B.map((i) => tuple[i]!)));
    s += term;
  }
  return s;
}

/** Every sub-multiset (non-empty) of the tuples, by key → sorted index list. */
export function subMultisets(tuples: readonly (readonly number[])[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const t of tuples) {
    const r = t.length;
    for (let mask = 1; mask < 1 << r; mask++) {
      const idx: number[] = [];
      for (let i = 0; i < r; i++) if (mask & (1 << i)) idx.push(t[i]!);
      idx.sort((a, b) => a - b);
      const key = idx.join(',');
      if (!out.has(key)) out.set(key, idx);
    }
  }
  return out;
}

export interface SampledCumulant {
  tuple: number[];
  value: number;
  stderr: number;
  /** the leave-one-group-out values (with `replicates: true`), for errors of functions of several cumulants */
  replicates?: number[];
}

export interface SampleCumulantOptions {
  /** jackknife groups (default 64; at least 2, at most the number of samples) */
  groups?: number;
  /** also return each cumulant's leave-one-group-out replicates */
  replicates?: boolean;
}

function checkTuples(m: number, tuples: readonly (readonly number[])[]): void {
  if (!Number.isInteger(m) || m < 1) throw new NnftInputError('m', `expected an integer ≥ 1, got ${String(m)}`);
  for (const t of tuples) {
    if (!Array.isArray(t) || t.length < 1 || t.length > 8) throw new NnftInputError('tuples', `each tuple needs 1..8 input indices, got [${String(t)}]`);
    for (const a of t) if (!Number.isInteger(a) || a < 0 || a >= m) throw new NnftInputError('tuples', `input index ${String(a)} outside 0..${m - 1}`);
  }
}

/**
 * Accumulate per-sample statistics (one per sub-multiset of the tuples, filled by `fill(t, out)`) over G groups of
 * consecutive samples and return the tuples' cumulants with jackknife errors.
 */
function jackknifeCumulants(n: number, tuples: readonly (readonly number[])[], groups: number, withReplicates: boolean, fill: (t: number, lists: readonly number[][], out: Float64Array) => void): SampledCumulant[] {
  if (!Number.isInteger(groups) || groups < 2) throw new NnftInputError('groups', `need an integer ≥ 2, got ${String(groups)}`);
  if (n < 2 * groups) throw new NnftInputError('samples', `${n} samples are too few for ${groups} jackknife groups`, `use at least ${2 * groups} samples`);
  const subs = subMultisets(tuples);
  const keys = [...subs.keys()];
  const lists = keys.map((k) => subs.get(k)!);
  const index = new Map(keys.map((k, i) => [k, i]));
  const S = keys.length;
  const state = newGroupState(groups, S);
  const sums = new Float64Array(S);
  const row = new Float64Array(S);
  for (let g = 0; g < groups; g++) {
    const lo = Math.floor((g * n) / groups);
    const hi = Math.floor(((g + 1) * n) / groups);
    sums.fill(0);
    for (let t = lo; t < hi; t++) {
      fill(t, lists, row);
      for (let s = 0; s < S; s++) sums[s] = sums[s]! + row[s]!;
    }
    addBlock(state, g, sums, hi - lo);
  }
  const f = (mean: Float64Array): Float64Array => Float64Array.from(tuples, (t) => cumulantFromMoments(t, (key) => mean[index.get(key)!]!));
  const { value, stderr, replicates } = jackknife(state, f);
  return tuples.map((t, i) => ({ tuple: [...t], value: value[i]!, stderr: stderr[i]!, ...(withReplicates ? { replicates: replicates.map((r) => r[i]!) } : {}) }));
}

/** The grouped-jackknife standard error of a function of several cumulants, from their replicates (same groups). */
export function jackknifeError(replicates: readonly number[]): number {
  const k = replicates.length;
  if (k < 2) return NaN;
  const mu = replicates.reduce((s, v) => s + v, 0) / k;
  return Math.sqrt(((k - 1) / k) * replicates.reduce((s, v) => s + (v - mu) ** 2, 0));
}

/**
 * Cumulants of the requested tuples of input indices from `n` samples of an m-vector (row-major samples[t·m + α]),
 * with grouped-jackknife standard errors.
 */
export function sampleCumulants(samples: Float64Array, m: number, tuples: readonly (readonly number[])[], opts: SampleCumulantOptions = {}): SampledCumulant[] {
  checkTuples(m, tuples);
  const n = Math.floor(samples.length / m);
  return jackknifeCumulants(n, tuples, opts.groups ?? 64, opts.replicates === true, (t, lists, out) => {
    const o = t * m;
    for (let s = 0; s < lists.length; s++) {
      const idx = lists[s]!;
      let p = 1;
      for (let i = 0; i < idx.length; i++) p *= samples[o + idx[i]!]!;
      out[s] = p;
    }
  });
}

/** The perfect matchings of {0, …, r−1} (r even), each as a flat list of pairs. */
function matchings(r: number): number[][] {
  const out: number[][] = [];
  const used = new Array<boolean>(r).fill(false);
  const cur: number[] = [];
  const rec = (): void => {
    const i = used.indexOf(false);
    if (i < 0) {
      out.push(cur.slice());
      return;
    }
    used[i] = true;
    for (let j = i + 1; j < r; j++) {
      if (used[j]) continue;
      used[j] = true;
      cur.push(i, j);
      rec();
      cur.length -= 2;
      used[j] = false;
    }
    used[i] = false;
  };
  rec();
  return out;
}

/**
 * Cumulants of a conditionally Gaussian vector: sample t is zero-mean Gaussian with covariance Ĝ_t (row-major
 * covariances[t·m² + α·m + β]), so its moments are E[Π_{k∈S} X_{αk}] = E_t[Σ_{pairings of S} Π Ĝ_t] (Wick's theorem
 * given t; odd moments 0). This is the Rao–Blackwellised estimator of network outputs whose last layer is Gaussian
 * given the layer below (the output weights integrated exactly): same expectation, far smaller variance.
 */
export function conditionalGaussianCumulants(covariances: Float64Array, m: number, tuples: readonly (readonly number[])[], opts: SampleCumulantOptions = {}): SampledCumulant[] {
  checkTuples(m, tuples);
  const mm = m * m;
  const n = Math.floor(covariances.length / mm);
  const memo = new Map<number, number[][]>();
  const pairingsOf = (r: number): number[][] => {
    let p = memo.get(r);
    if (!p) {
      p = matchings(r);
      memo.set(r, p);
    }
    return p;
  };
  return jackknifeCumulants(n, tuples, opts.groups ?? 64, opts.replicates === true, (t, lists, out) => {
    const o = t * mm;
    for (let s = 0; s < lists.length; s++) {
      const idx = lists[s]!;
      if (idx.length % 2 === 1) {
        out[s] = 0;
        continue;
      }
      let sum = 0;
      for (const pm of pairingsOf(idx.length)) {
        let p = 1;
        for (let k = 0; k < pm.length; k += 2) p *= covariances[o + idx[pm[k]!]! * m + idx[pm[k + 1]!]!]!;
        sum += p;
      }
      out[s] = sum;
    }
  });
}
