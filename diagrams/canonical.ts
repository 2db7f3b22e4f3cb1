/**
 * Canonical labelling of the small multigraphs (with self-loops) that Feynman diagrams are.
 *
 * Why written here rather than taken from nauty/graphology: a diagram has at most a handful of internal
 * vertices (the perturbative order, ≤ 6 here) while the external points are labelled and fixed, so the
 * only relabellings to try are permutations of the internal vertices that keep each vertex's degree —
 * at most Π_k n_k! ≤ 720, usually 1–6. Brute force over that group is exact and fast, gives the
 * automorphism count |Aut| as a by-product (which the symmetry factor needs), and handles multi-edges
 * and self-loops, which graphology's isomorphism functions do not cover.
 *
 * A graph on T = p + N nodes (p externals first, then N internal vertices sorted by degree) is an
 * upper-triangular multiplicity matrix m[a][b] (a ≤ b; m[v][v] = number of self-loops at v).
 * Its "code" is the row-major sequence of the upper triangle; the canonical form is the
 * lexicographically largest code over the degree-preserving permutations of internal vertices.
 */

/** All permutations of [0..n−1] (Heap's algorithm, deterministic order). */
export function permutations(n: number): number[][] {
  const out: number[][] = [];
  const a = Array.from({ length: n }, (_, i) => i);
  const c = new Array(n).fill(0);
  out.push(a.slice());
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i]!, a[j]!];
      out.push(a.slice());
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

/**
 * Permutations of N internal vertices that preserve their degrees (vertices sorted by degree, so each
 * degree class is a contiguous block): the direct product of the symmetric groups of the blocks.
 * Each entry maps old internal index → new internal index. The identity comes first.
 */
const permCache = new Map<string, number[][]>();

export function degreePreservingPermutations(degrees: readonly number[]): number[][] {
  const key = degrees.join(',');
  let hit = permCache.get(key);
  if (!hit) {
    hit = buildDegreePreservingPermutations(degrees);
    permCache.set(key, hit);
  }
  return hit;
}

function buildDegreePreservingPermutations(degrees: readonly number[]): number[][] {
  const blocks: Array<[number, number]> = [];
  for (let i = 0; i < degrees.length; ) {
    let j = i;
    while (j < degrees.length && degrees[j] === degrees[i]) j++;
    blocks.push([i, j - i]);
    i = j;
  }
  let acc: number[][] = [Array.from({ length: degrees.length }, (_, i) => i)];
  for (const [start, len] of blocks) {
    if (len < 2) continue;
    const ps = permutations(len);
    const next: number[][] = [];
    for (const base of acc) {
      for (const p of ps) {
        const q = base.slice();
        for (let t = 0; t < len; t++) q[start + t] = start + p[t]!;
        next.push(q);
      }
    }
    acc = next;
  }
  // identity first
  acc.sort((x, y) => Number(isIdentity(y)) - Number(isIdentity(x)));
  return acc;
}

function isIdentity(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

/**
 * For a node count T = p + N and the permutations of internal vertices, the index maps that read the
 * relabelled matrix's upper-triangle code from the original flat T×T matrix: for permutation π and code
 * position q = (a', b'), src[q] = σ(a')·T + σ(b') with σ = π⁻¹ (externals fixed). Sorted so that a' ≤ b'
 * reads from the upper triangle (the matrix is kept symmetric by the enumerator).
 */
export interface CodeMaps {
  T: number;
  /** code position q → flat index in the identity labelling. */
  identity: Int32Array;
  /** one Int32Array per non-identity permutation. */
  others: Int32Array[];
}

export function buildCodeMaps(p: number, perms: number[][]): CodeMaps {
  const N = perms[0]?.length ?? 0;
  const T = p + N;
  const L = (T * (T + 1)) / 2;
  const make = (perm: number[]): Int32Array => {
    const inv = new Array(N);
    for (let i = 0; i < N; i++) inv[perm[i]!] = i;
    const sigma = (a: number) => (a < p ? a : p + inv[a - p]);
    const out = new Int32Array(L);
    let q = 0;
    for (let a = 0; a < T; a++) for (let b = a; b < T; b++) out[q++] = sigma(a) * T + sigma(b);
    return out;
  };
  const identity = make(perms[0] ?? []);
  return { T, identity, others: perms.slice(1).map(make) };
}

/**
 * Is the (symmetric, flat T×T) matrix `m` the canonical representative of its class (its code is ≥ the
 * code of every relabelling)? Returns 0 if not, else |Aut| (≥ 1): the number of permutations, identity
 * included, that leave the code unchanged.
 */
export function canonicalAut(m: Int32Array, maps: CodeMaps): number {
  const id = maps.identity;
  const L = id.length;
  let aut = 1;
  for (const src of maps.others) {
    let q = 0;
    for (; q < L; q++) {
      const x = m[id[q]!]!;
      const y = m[src[q]!]!;
      if (x !== y) {
        if (y > x) return 0;
        break;
      }
    }
    if (q === L) aut++;
  }
  return aut;
}
