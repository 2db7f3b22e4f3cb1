/**
 * Finite groups acting on a periodic lattice X, the setting of group-convolutional networks (Cohen & Welling,
 * *Group Equivariant Convolutional Networks*; Misof, Kessel, Gerken, *Equivariant Neural Tangent Kernels*):
 *
 *  - 'C1'      the trivial group acting on a single point (a GCNN over it is an MLP with n0 = C0 inputs);
 *  - 'CN'      the cyclic group C_N = Z_N acting on periodic 1-D signals, X = Z_N, g·x = g + x (mod N);
 *  - 'p4:N'    p4 = C4 ⋉ Z²_N acting on periodic N×N images, X = Z²_N: g = (r, t), g·x = Rʳx + t (mod N),
 *              R the rotation by 90°, R(x0, x1) = (−x1, x0); (r1, t1)(r2, t2) = (r1 + r2, t1 + R^{r1} t2).
 *
 * Elements and points are integers: C_N element g ∈ [0, N), point x ∈ [0, N); p4:N element g = r·N² + t0·N + t1,
 * point x = x0·N + x1. The identity is 0 in both. A signal f: X → R^{C0} is stored flat, f[x·C0 + c], and the
 * group acts on signals by the left-regular representation (ρ(g)f)(x) = f(g⁻¹·x).
 */
import { NnftInputError } from '../errors.ts';

export interface FiniteGroup {
  /** 'C1', 'C8', 'p4:6' */
  readonly name: string;
  readonly kind: 'cyclic' | 'p4';
  /** |G| */
  readonly order: number;
  /** |X| */
  readonly spaceSize: number;
  /** shape of a signal without channels: [N] or [N, N] */
  readonly spaceShape: readonly number[];
  /** g·h */
  mul(g: number, h: number): number;
  inv(g: number): number;
  /** g·x for a point x of X */
  act(g: number, x: number): number;
  /** readable name of an element: 'e', 'g3' (C_N: translation by 3), 'r1·t(2,5)' (p4) */
  label(g: number): string;
}

function cyclic(N: number): FiniteGroup {
  return {
    name: `C${N}`,
    kind: 'cyclic',
    order: N,
    spaceSize: N,
    spaceShape: [N],
    mul: (g, h) => (g + h) % N,
    inv: (g) => (N - g) % N,
    act: (g, x) => (g + x) % N,
    label: (g) => (g === 0 ? 'e' : `g${g}`),
  };
}

/** R^r applied to (x0, x1) mod N, returned as x0·N + x1. */
function rotate(r: number, x0: number, x1: number, N: number): number {
  let a = x0;
  let b = x1;
  for (let i = 0; i < (r & 3); i++) {
    const t = a;
    a = (N - b) % N;
    b = t;
  }
  return a * N + b;
}

function p4(N: number): FiniteGroup {
  const N2 = N * N;
  const split = (g: number): [number, number, number] => [Math.floor(g / N2), Math.floor((g % N2) / N), g % N];
  return {
    name: `p4:${N}`,
    kind: 'p4',
    order: 4 * N2,
    spaceSize: N2,
    spaceShape: [N, N],
    mul(g, h) {
      const [r1, a1, b1] = split(g);
      const [r2, a2, b2] = split(h);
      const t = rotate(r1, a2, b2, N);
      return ((r1 + r2) & 3) * N2 + ((a1 + Math.floor(t / N)) % N) * N + ((b1 + (t % N)) % N);
    },
    inv(g) {
      const [r, a, b] = split(g);
      const ri = (4 - r) & 3;
      const t = rotate(ri, (N - a) % N, (N - b) % N, N);
      return ri * N2 + t;
    },
    act(g, x) {
      const [r, a, b] = split(g);
      const t = rotate(r, Math.floor(x / N), x % N, N);
      return ((a + Math.floor(t / N)) % N) * N + ((b + (t % N)) % N);
    },
    label(g) {
      if (g === 0) return 'e';
      const [r, a, b] = split(g);
      return `r${r}·t(${a},${b})`;
    },
  };
}

const cache = new Map<string, FiniteGroup>();

/** The group named by `--group`: 'C1' (trivial), 'C8', 'p4:6'. Throws NnftInputError otherwise. */
export function parseGroup(name: string): FiniteGroup {
  const s = String(name).trim();
  const hit = cache.get(s);
  if (hit) return hit;
  let g: FiniteGroup | undefined;
  let m = /^C(\d+)$/i.exec(s);
  if (m) {
    const N = Number(m[1]);
    if (!(N >= 1 && N <= 4096)) throw new NnftInputError('--group', `C_N needs 1 ≤ N ≤ 4096, got ${s}`, 'e.g. --group C8');
    g = cyclic(N);
  }
  m = /^p4:(\d+)$/i.exec(s);
  if (m) {
    const N = Number(m[1]);
    if (!(N >= 1 && N <= 64)) throw new NnftInputError('--group', `p4:N needs 1 ≤ N ≤ 64 (images N×N), got ${s}`, 'e.g. --group p4:6');
    g = p4(N);
  }
  if (!g) throw new NnftInputError('--group', `unknown group '${s}'`, "use CN (cyclic group on periodic 1-D signals of length N, e.g. C8; C1 is trivial) or p4:N (rotations and translations of periodic N×N images, e.g. p4:6)");
  cache.set(s, g);
  return g;
}

/** Cayley table g·h as a flat Int32Array (|G|² entries); callers check the size first. */
export function cayleyTable(G: FiniteGroup): Int32Array {
  const n = G.order;
  const t = new Int32Array(n * n);
  for (let g = 0; g < n; g++) for (let h = 0; h < n; h++) t[g * n + h] = G.mul(g, h);
  return t;
}

/** (ρ(g)f)(x) = f(g⁻¹·x) for a flat signal f[x·C0 + c]. */
export function transformSignal(G: FiniteGroup, g: number, f: ArrayLike<number>, C0: number): Float64Array {
  const gi = G.inv(g);
  const out = new Float64Array(G.spaceSize * C0);
  for (let x = 0; x < G.spaceSize; x++) {
    const src = G.act(gi, x);
    for (let c = 0; c < C0; c++) out[x * C0 + c] = f[src * C0 + c]!;
  }
  return out;
}

// ------------------------------------------------------------------ filter supports

export type SupportSpec = { kind: 'global' } | { kind: 'local'; radius: number };

/** 'global' | 'local:k' (k ≥ 0 an integer: the radius). */
export function parseSupport(s: string, argument = '--support'): SupportSpec {
  const t = String(s).trim();
  if (t === 'global') return { kind: 'global' };
  const m = /^local:(\d+)$/.exec(t);
  if (m) return { kind: 'local', radius: Number(m[1]) };
  throw new NnftInputError(argument, `'${t}' is not a filter support`, 'use global or local:k with an integer radius k ≥ 0 (e.g. local:1), one value or one per layer');
}

function offsets(N: number, k: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let d = 0; d <= k; d++) {
    for (const s of d === 0 ? [0] : [d, -d]) {
      const v = ((s % N) + N) % N;
      if (!seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    }
  }
  return out;
}

/**
 * Support S₁ ⊂ X of the lifting layer's filter κ: X → R^{C0} (as sorted point indices):
 * global = X; local:k = the points within distance k of the origin (C_N: |x| ≤ k; p4: |x0|, |x1| ≤ k), periodic.
 */
export function liftingSupport(G: FiniteGroup, s: SupportSpec): Int32Array {
  if (s.kind === 'global') return Int32Array.from({ length: G.spaceSize }, (_, x) => x);
  const N = G.spaceShape[0]!;
  const o = offsets(N, s.radius);
  const pts = G.kind === 'cyclic' ? o : o.flatMap((a) => o.map((b) => a * N + b));
  return Int32Array.from([...new Set(pts)].sort((a, b) => a - b));
}

/**
 * Support S ⊂ G of a group-convolution filter κ: G → R^{n×n'} (as sorted element indices): global = G;
 * local:k = C_N: translations |t| ≤ k; p4: all four rotations with translations |t0|, |t1| ≤ k.
 */
export function groupSupport(G: FiniteGroup, s: SupportSpec): Int32Array {
  if (s.kind === 'global') return Int32Array.from({ length: G.order }, (_, g) => g);
  const N = G.spaceShape[0]!;
  const o = offsets(N, s.radius);
  if (G.kind === 'cyclic') return Int32Array.from(o.sort((a, b) => a - b));
  const els: number[] = [];
  for (let r = 0; r < 4; r++) for (const a of o) for (const b of o) els.push(r * N * N + a * N + b);
  return Int32Array.from([...new Set(els)].sort((a, b) => a - b));
}
