/**
 * Test-only brute-force Gaussian quadrature, independent of src/gaussian: tensor Gauss–Hermite over the
 * distinct inputs of an integrand, in Cholesky coordinates, for smooth σ (tanh, erf) with exact
 * derivatives written out here. Also a numeric evaluator of normal-form expressions at one index
 * assignment, and a RecursionContext factory.
 */
import type { RecursionContext, LayerTensors, DerivGroup } from '../../src/recursion-contract.ts';
import type { DerivFactor } from '../../src/gaussian/types.ts';
import type { Expression } from '../../src/symbolic/index.ts';
import { erf } from '../../src/activations/erf.ts';

// ---------------------------------------------------------------- Gauss–Hermite (probabilists')

const ghCache = new Map<number, { x: Float64Array; w: Float64Array }>();
/** Nodes/weights for ∫ f(x) N(0,1)(dx), Newton on orthonormal Hermite polynomials (Numerical Recipes gauher). */
export function gh(n: number): { x: Float64Array; w: Float64Array } {
  const hit = ghCache.get(n);
  if (hit) return hit;
  if (n > 160) throw new Error('gh: this Newton iteration is reliable up to n = 160');
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const PIM4 = 0.7511255444649425;
  let zz = 0;
  for (let i = 0; i < (n + 1) >> 1; i++) {
    if (i === 0) zz = Math.sqrt(2 * n + 1) - 1.85575 * Math.pow(2 * n + 1, -0.16667);
    else if (i === 1) zz -= (1.14 * Math.pow(n, 0.426)) / zz;
    else if (i === 2) zz = 1.86 * zz - 0.86 * x[0]!;
    else if (i === 3) zz = 1.91 * zz - 0.91 * x[1]!;
    else zz = 2 * zz - x[i - 2]!;
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = zz * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      const z1 = zz;
      zz = z1 - p1 / pp;
      if (Math.abs(zz - z1) < 1e-15) break;
    }
    x[i] = zz;
    x[n - 1 - i] = -zz;
    w[i] = 2 / (pp * pp);
    w[n - 1 - i] = w[i]!;
  }
  const out = { x: x.map((v) => v * Math.SQRT2), w: w.map((v) => v / Math.sqrt(Math.PI)) };
  ghCache.set(n, out);
  return out;
}

// ---------------------------------------------------------------- activations with exact derivatives

export interface TestActivation {
  name: string;
  d(k: number): (z: number) => number;
  /** Gauss–Hermite nodes per dimension, by number of distinct inputs (1..4). */
  nodes: readonly number[];
}

function tanhPolys(maxK: number): number[][] {
  // σ^(k) = p_k(tanh z); p_0 = t; p_{k+1} = p_k'(t) (1 − t²)
  const ps: number[][] = [[0, 1]];
  for (let k = 0; k < maxK; k++) {
    const p = ps[k]!;
    const dp = p.slice(1).map((c, i) => c * (i + 1));
    const q = new Array(dp.length + 2).fill(0);
    dp.forEach((c, i) => {
      q[i] += c;
      q[i + 2] -= c;
    });
    ps.push(q);
  }
  return ps;
}
const TP = tanhPolys(10);
// tanh and erf converge slowly under Gauss–Hermite (≈ e^{−3√n}): 1e-12 needs n ≈ 150 in 1–2 dims;
// in 3–4 dims they are used only where both sides share the same quadrature. sin converges fast.
export const tanhAct: TestActivation = {
  name: 'tanh',
  nodes: [1, 150, 120, 40, 24],
  d(k) {
    const p = TP[k]!;
    return (zv) => {
      const t = Math.tanh(zv);
      let s = 0;
      for (let i = p.length - 1; i >= 0; i--) s = s * t + p[i]!;
      return s;
    };
  },
};
export const sinAct: TestActivation = {
  name: 'sin',
  nodes: [1, 40, 32, 28, 24],
  d: (k) => [Math.sin, Math.cos, (x: number) => -Math.sin(x), (x: number) => -Math.cos(x)][k % 4]!,
};
export const erfAct: TestActivation = {
  name: 'erf',
  nodes: [1, 150, 120, 40, 24],
  d(k) {
    if (k === 0) return erf;
    return (zv) => {
      // (2/√π)(−1)^{k−1} H_{k−1}(z) e^{−z²}, physicists' Hermite
      let h0 = 1;
      let h1 = 2 * zv;
      let h = k - 1 === 0 ? h0 : h1;
      for (let j = 1; j < k - 1; j++) {
        h = 2 * zv * h1 - 2 * j * h0;
        h0 = h1;
        h1 = h;
      }
      return (2 / Math.sqrt(Math.PI)) * ((k - 1) % 2 ? -1 : 1) * h * Math.exp(-zv * zv);
    };
  },
};

// ---------------------------------------------------------------- quadrature of products

export type QFactor = { kind: 'sig'; order: number; input: number } | { kind: 'z'; input: number } | { kind: 'const'; value: number };

function cholesky(A: number[][]): number[][] {
  const n = A.length;
  const L = A.map(() => new Array(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (s <= 0) throw new Error('kernel not positive definite on the distinct inputs');
        L[i]![i] = Math.sqrt(s);
      } else L[i]![j] = s / L[j]![j]!;
    }
  return L;
}


/** ⟨Π factors⟩ over z ~ N(0, K), K m×m (PD on the distinct inputs used). */
export function quad(act: TestActivation, K: number[][], factorsIn: readonly QFactor[], nodes?: number): number {
  // duplicate inputs (identical rows of K) are one Gaussian variable
  const rep = (i: number) => {
    for (let j = 0; j < i; j++) if (K[j]![j]! === K[i]![i]! && K[i]![j]! === K[i]![i]!) return j;
    return i;
  };
  const factors = factorsIn.map((f) => (f.kind === 'const' ? f : { ...f, input: rep(f.input) }));
  const inputs = [...new Set(factors.flatMap((f) => (f.kind === 'const' ? [] : [f.input])))].sort((a, b) => a - b);
  const cst = factors.reduce((p, f) => (f.kind === 'const' ? p * f.value : p), 1);
  const d = inputs.length;
  if (d === 0) return cst;
  const sub = inputs.map((i) => inputs.map((j) => K[i]![j]!));
  const L = cholesky(sub);
  const n = nodes ?? act.nodes[d];
  if (n === undefined) throw new Error(`${act.name}: no Gauss–Hermite node count for ${d} distinct inputs; pass nodes`);
  const { x, w } = gh(n);
  const fs = factors
    .filter((f) => f.kind !== 'const')
    .map((f) => ({ pos: inputs.indexOf((f as { input: number }).input), fn: f.kind === 'sig' ? act.d(f.order) : (v: number) => v }));
  const zv = new Float64Array(d);
  const u = new Int32Array(d);
  let total = 0;
  const count = Math.pow(n, d);
  for (let t = 0; t < count; t++) {
    let rem = t;
    let wt = 1;
    for (let q = 0; q < d; q++) {
      u[q] = rem % n;
      rem = (rem - u[q]!) / n;
      wt *= w[u[q]!]!;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += L[i]![k]! * x[u[k]!]!;
      zv[i] = s;
    }
    let p = wt;
    for (const f of fs) p *= f.fn(zv[f.pos]!);
    total += p;
  }
  return total * cst;
}

/** ⟨Π σ^(k)(z_α)⟩ memoised (what ctx.expect returns). */
export function makeExpect(act: TestActivation, K: number[][]): (f: readonly DerivFactor[]) => number {
  const memo = new Map<string, number>();
  return (factors) => {
    const s = [...factors].sort((a, b) => a.input - b.input || a.order - b.order);
    const key = s.map((f) => `${f.input}:${f.order}`).join(',');
    let v = memo.get(key);
    if (v === undefined) {
      // merge duplicate inputs into one dimension automatically (quad groups by input)
      v = quad(act, K, s.map((f) => ({ kind: 'sig', order: f.order, input: f.input })));
      memo.set(key, v);
    }
    return v;
  };
}

/** Flat m×m of a nested K. */
export function flat2(K: number[][]): Float64Array {
  return Float64Array.from(K.flat());
}

export function makeCtx(
  act: TestActivation,
  K: number[][],
  prev: Omit<LayerTensors, 'K'>,
  p: { cb: number; cw: number; lambdaB: number; lambdaW: number; r: number },
): RecursionContext {
  const { cb, cw, lambdaB, lambdaW, r } = p;
  const expect = makeExpect(act, K);
  return { m: K.length, cb, cw, lambdaB, lambdaW, r, prev: { K: flat2(K), ...prev }, expect, expectGroups: (g) => groupsByLeibniz(expect, g) };
}

/** ⟨Π_g ∂^{deriv}[Π σ^(orders)](z_input)⟩ for smooth σ: Leibniz over each group's factors (test-side, independent). */
export function groupsByLeibniz(expect: (f: readonly DerivFactor[]) => number, groups: readonly DerivGroup[]): number {
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const rec = (gi: number, acc: DerivFactor[]): number => {
    if (gi === groups.length) return expect(acc);
    const g = groups[gi]!;
    let s = 0;
    const split = (i: number, left: number, coef: number, fs: DerivFactor[]): void => {
      if (i === g.orders.length - 1) {
        s += (coef / fact(left)) * rec(gi + 1, [...acc, ...fs, { input: g.input, order: g.orders[i]! + left }]);
        return;
      }
      for (let j = 0; j <= left; j++) split(i + 1, left - j, coef / fact(j), [...fs, { input: g.input, order: g.orders[i]! + j }]);
    };
    split(0, g.deriv, fact(g.deriv), []);
    return s;
  };
  return rec(0, []);
}

// ---------------------------------------------------------------- evaluate a normal-form expression at one assignment

const PARAM_VAL: Record<string, keyof ReturnType<typeof paramValues>> = { C_W: 'cw', C_b: 'cb', r: 'r', lambda_W: 'lambdaW', lambda_b: 'lambdaB', m: 'm' };
function paramValues(ctx: RecursionContext) {
  return { cw: ctx.cw, cb: ctx.cb, r: ctx.r, lambdaW: ctx.lambdaW, lambdaB: ctx.lambdaB, m: ctx.m };
}
const FIELD: Record<string, keyof LayerTensors> = { K: 'K', Theta: 'Theta', V: 'V4', K1: 'K1', Theta1: 'Theta1', A: 'A', B: 'B', D: 'D', F: 'F' };

const directMemo = new Map<string, number>();
let directMemoK: number[][] | undefined;

/** Interpreter (slow, independent of the compiler): value of e with externals bound by `at`. */
export function evalAt(
  e: Expression,
  at: Record<string, number>,
  ctx: RecursionContext,
  Kinv?: number[][],
  direct?: { act: TestActivation; K: number[][] },
): number {
  const m = ctx.m;
  const pv = paramValues(ctx);
  let total = 0;
  for (const t of e.terms) {
    const idxs = new Set<string>();
    for (const T of t.tensors) T.idx.forEach((i) => idxs.add(i));
    for (const g of t.expects) g.factors.forEach((f) => idxs.add(f.idx));
    const dummies = [...idxs].filter((i) => !(i in at));
    const bind: Record<string, number> = { ...at };
    const rec = (k: number): number => {
      if (k < dummies.length) {
        let s = 0;
        for (let v = 0; v < m; v++) {
          bind[dummies[k]!] = v;
          s += rec(k + 1);
        }
        return s;
      }
      let p = t.coef.toNumber();
      for (const [name, pow] of Object.entries(t.params)) {
        const key = PARAM_VAL[name];
        if (key === undefined) throw new Error(`no value for parameter ${name}`);
        p *= Math.pow(pv[key], pow!);
      }
      for (const T of t.tensors) {
        const ix = T.idx.map((i) => bind[i]!); // externals from `at`, dummies bound above
        if (T.name === 'delta') p *= ix[0] === ix[1] ? 1 : 0;
        else if (T.name === 'Kinv') p *= Kinv![ix[0]!]![ix[1]!]!;
        else {
          const field = FIELD[T.name];
          if (field === undefined) throw new Error(`no layer tensor for ${T.name}`);
          const arr = ctx.prev[field]!;
          let q = 0;
          for (const v of ix) q = q * m + v;
          p *= arr[q]!;
        }
      }
      for (const g of t.expects) {
        if (g.derivs.length) throw new Error('pending derivative');
        if (direct) {
          const fs: QFactor[] = g.factors.map((f) => (f.kind === 'z' ? { kind: 'z', input: bind[f.idx]! } : { kind: 'sig', order: f.order, input: bind[f.idx]! }));
          const key = `${direct.act.name}|${fs.map((f) => JSON.stringify(f)).sort().join()}`;
          let v = directMemo.get(key);
          if (v === undefined || directMemoK !== direct.K) {
            if (directMemoK !== direct.K) directMemo.clear();
            directMemoK = direct.K;
            v = quad(direct.act, direct.K, fs);
            directMemo.set(key, v);
          }
          p *= v;
          continue;
        }
        if (g.factors.some((f) => f.kind === 'z')) throw new Error('not normal form');
        p *= ctx.expect(g.factors.map((f) => ({ input: bind[f.idx]!, order: (f as { order: number }).order })));
      }
      return p;
    };
    total += rec(0);
  }
  return total;
}

// ---------------------------------------------------------------- random inputs

/** Deterministic PRNG (mulberry32) for tensors inside fast-check properties. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random PD kernel on `distinct` inputs (diagonal in [lo, hi]), expanded to m inputs by the map `of` (duplicates). */
export function randomKernel(R: () => number, distinct: number, of: number[], lo = 0.3, hi = 1.0): number[][] {
  // K = D^{1/2} C D^{1/2} with C a random correlation matrix (|ρ| ≤ 0.8 structure via Gram of unit vectors)
  const n0 = distinct + 1;
  const vs = Array.from({ length: distinct }, () => {
    const v = Array.from({ length: n0 }, () => R() * 2 - 1);
    v[0]! += 1.2; // keep vectors apart from orthogonal extremes, but not collinear
    const nrm = Math.hypot(...v);
    return v.map((x) => x / nrm);
  });
  const diag = vs.map(() => lo + (hi - lo) * R());
  const Kd = vs.map((u, i) => vs.map((v, j) => Math.sqrt(diag[i]! * diag[j]!) * (i === j ? 1 : 0.85 * u.reduce((s, x, k) => s + x * v[k]!, 0))));
  return of.map((i) => of.map((j) => Kd[i]![j]!));
}

export function inv(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const d = M[c]![c]!;
    for (let j = 0; j < 2 * n; j++) M[c]![j]! /= d;
    for (let r = 0; r < n; r++)
      if (r !== c) {
        const f = M[r]![c]!;
        for (let j = 0; j < 2 * n; j++) M[r]![j]! -= f * M[c]![j]!;
      }
  }
  return M.map((row) => row.slice(n));
}

/** Random 4-index tensor with the given slot symmetry group (averaged over the group). */
export function randomTensor4(R: () => number, m: number, group: readonly (readonly number[])[]): Float64Array {
  const raw = Float64Array.from({ length: m ** 4 }, () => R() * 2 - 1);
  const out = new Float64Array(m ** 4);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++)
      for (let c = 0; c < m; c++)
        for (let d = 0; d < m; d++) {
          const ix = [a, b, c, d];
          let s = 0;
          for (const g of group) {
            const j = g.map((q) => ix[q]);
            s += raw[((j[0]! * m + j[1]!) * m + j[2]!) * m + j[3]!]!;
          }
          out[((a * m + b) * m + c) * m + d] = s / group.length;
        }
  return out;
}

/** T over m inputs from T over the distinct ones: out[i..] = T[of[i]..]. */
export function expand(T: Float64Array, rank: number, of: number[], md: number): Float64Array {
  const m = of.length;
  const out = new Float64Array(m ** rank);
  const ix = new Array(rank).fill(0);
  for (let q = 0; q < out.length; q++) {
    let rem = q;
    for (let s = rank - 1; s >= 0; s--) {
      ix[s] = rem % m;
      rem = (rem - ix[s]) / m;
    }
    let u = 0;
    for (let s = 0; s < rank; s++) u = u * md + of[ix[s]]!;
    out[q] = T[u]!;
  }
  return out;
}

export function randomSym2(R: () => number, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = 0; b <= a; b++) {
      const v = R() * 2 - 1;
      out[a * m + b] = v;
      out[b * m + a] = v;
    }
  return out;
}
