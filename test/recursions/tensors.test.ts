/**
 * The O(1/n) tensors over many inputs (docs/tensors.md):
 *  1. restriction: the m-input solve restricted to two inputs reproduces the two-input solve to 1e-9;
 *  2. index symmetries of V4, A, B, D, F (src/quantities.ts) hold for the hand-typed IBP forms of
 *     test/oracle/reference.ts, which compute every entry from the definitions (none copied from another), and
 *     a permutation outside each group is not a symmetry; the solver, which computes one entry per orbit, equals
 *     those forms entry by entry over five inputs (four-input subsets included);
 *  3. the expectations computed on worker threads give the same numbers, bit for bit, as in one thread (NNFT_LONG);
 *  4. memory: a solve over the budget is refused before allocating, naming its estimate and the largest m that fits;
 *     `nnft recursions --layers` keeps only the selected layers in the solver (JSON and NumPy output), the table all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { solveRecursions, type LayerResult } from '../../recursions/index.ts';
import { estimateSolveMemory, largestFitting } from '../../recursions/memory.ts';
import { NnftResourceError } from '../../src/errors.ts';
import { symmetryOf, withDependencies, type QuantityName } from '../../src/quantities.ts';
import { referenceEvaluators } from '../oracle/reference.ts';
import { runNnft } from '../cli/nnft-process.ts';

const LONG = process.env.NNFT_LONG === '1';
const ALL: QuantityName[] = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'];
const RANK4: QuantityName[] = ['V4', 'A', 'B', 'D', 'F'];

/** Deterministic inputs in 3-D (a linear congruential sequence). */
function inputs3d(m: number, seed: number): number[][] {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: m }, () => [0, 0, 0].map(() => 2.4 * u() - 1.2));
}

const flat = (t: unknown): number[] => (t as number[]).flat(3) as number[];

/** Entry of a nested tensor at an index tuple. */
function at(t: unknown, idx: readonly number[]): number {
  let v: unknown = t;
  for (const i of idx) v = (v as unknown[])[i];
  return v as number;
}

function tuples(m: number, rank: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < m ** rank; e++) {
    const idx: number[] = [];
    for (let r = rank - 1, x = e; r >= 0; r--, x = Math.floor(x / m)) idx[r] = x % m;
    out.push(idx);
  }
  return out;
}

describe('restriction to two inputs', () => {
  const m = LONG ? 10 : 6;
  const x = inputs3d(m, 2024);
  const spec = { activation: 'tanh', cb: 0, cw: 1, widths: Array(LONG ? 10 : 5).fill(64), inputs: x, quantities: ALL };
  const many = solveRecursions(spec);
  const pairs: [number, number][] = [[0, 1], [2, 5], [4, 3]];
  for (const [a, b] of pairs) {
    it(`inputs ${a}, ${b} of ${m}: all nine quantities at every layer agree with the two-input solve to 1e-9`, () => {
      const two = solveRecursions({ ...spec, inputs: [x[a]!, x[b]!] });
      const map = [a, b];
      two.layers.forEach((layer, l) => {
        for (const q of ALL) {
          const small = layer[q];
          const rank = flat(small).length === 4 ? 2 : 4;
          const scale = Math.max(1e-300, ...flat(small).map(Math.abs));
          for (const idx of tuples(2, rank)) {
            const big = at(many.layers[l]![q], idx.map((i) => map[i]!));
            expect(Math.abs(big - at(small, idx)) / scale, `${q} layer ${layer.layer} [${idx}]`).toBeLessThan(1e-9);
          }
        }
      });
    });
  }
});

describe('index symmetries of V4, A, B, D, F', () => {
  const m = 5;
  const x = inputs3d(m, 77);
  // five inputs in 3-D: four-input subsets of rank 3 at layer 1, of rank 4 beyond
  const spec = { activation: 'tanh', cb: 0.05, cw: 1.1, lambdaB: 0.3, lambdaW: 1.2, widths: [40, 30, 50, 20], inputs: x, quantities: ALL };
  const oracle = solveRecursions(spec, { evaluators: referenceEvaluators });
  const solver = solveRecursions(spec);
  // permutations outside each group (slot j of the permuted index is slot perm[j] of the original)
  const NOT_SYMMETRIES: Record<string, number[][]> = {
    V4: [[0, 2, 1, 3]],
    A: [[0, 2, 1, 3]],
    B: [[1, 0, 2, 3], [0, 2, 1, 3]],
    D: [[2, 3, 0, 1]],
    F: [[1, 0, 2, 3], [1, 0, 3, 2]],
  };

  for (const q of RANK4) {
    it(`${q}: the entries computed one by one from the definitions obey the registry's group and break a permutation outside it`, () => {
      for (const layer of oracle.layers.slice(1)) {
        const t = layer[q];
        const scale = Math.max(1e-300, ...flat(t).map(Math.abs));
        for (const perm of symmetryOf(q)) {
          for (const idx of tuples(m, 4)) {
            const p = perm.map((s) => idx[s]!);
            expect(Math.abs(at(t, idx) - at(t, p)) / scale, `${q} layer ${layer.layer} [${idx}] vs [${p}]`).toBeLessThan(1e-12);
          }
        }
        for (const perm of NOT_SYMMETRIES[q]!) {
          let worst = 0;
          for (const idx of tuples(m, 4)) worst = Math.max(worst, Math.abs(at(t, idx) - at(t, perm.map((s) => idx[s]!))) / scale);
          expect(worst, `${q} layer ${layer.layer} under [${perm}]`).toBeGreaterThan(1e-4);
        }
      }
    });
  }

  it('the solver (one entry per orbit) equals the hand-typed forms at every entry, five inputs, to 1e-12', () => {
    for (const q of ALL) {
      solver.layers.forEach((layer, l) => {
        const a = flat(layer[q]);
        const b = flat(oracle.layers[l]![q]);
        const scale = Math.max(1e-300, ...b.map(Math.abs));
        a.forEach((v, i) => expect(Math.abs(v - b[i]!) / scale, `${q} layer ${layer.layer} entry ${i}`).toBeLessThan(1e-12));
      });
    }
  });
});

describe('worker threads', () => {
  // a worker loads and compiles the TypeScript sources itself: seconds on a loaded machine, so under NNFT_LONG
  it.runIf(LONG)('the expectations on a worker thread give the same numbers, bit for bit, as in the calling thread', () => {
    const spec = { activation: 'tanh', cb: 0, cw: 1, widths: [64, 64, 64], inputs: inputs3d(7, 5), quantities: ['V4', 'A', 'D'] as QuantityName[] };
    const one = solveRecursions(spec, { workers: 0 });
    const two = solveRecursions(spec, { workers: 1 });
    const same = (a: LayerResult[], b: LayerResult[]): boolean =>
      a.every((layer, l) => spec.quantities.every((q) => flat(layer[q]).every((v, i) => Object.is(v, flat(b[l]![q])[i]))));
    expect(same(one.layers, two.layers)).toBe(true);
  });
});

describe('memory', () => {
  const saved = process.env.NNFT_MAX_MEMORY;
  afterEach(() => {
    if (saved === undefined) delete process.env.NNFT_MAX_MEMORY;
    else process.env.NNFT_MAX_MEMORY = saved;
  });

  it('a solve over the budget is refused before allocating, with the estimate and the largest m that fits', () => {
    process.env.NNFT_MAX_MEMORY = '400M';
    const quantities: QuantityName[] = ['K', 'Theta', 'V4', 'K1'];
    const budget = 400 * 1024 ** 2;
    // one thread (workers: 0 below), no JSON
    const est = (m: number): number => estimateSolveMemory(m, quantities, withDependencies(quantities), 10, { threads: 1 });
    const fit = largestFitting(est, budget);
    // the largest m that fits: its estimate is within the budget, the next one's is not
    expect(est(fit)).toBeLessThanOrEqual(budget);
    expect(est(fit + 1)).toBeGreaterThan(budget);
    expect(fit).toBeGreaterThan(8);
    const m = 3 * fit;
    const t0 = performance.now();
    let err: unknown;
    try {
      solveRecursions({ activation: 'tanh', cb: 0, cw: 1, widths: Array(10).fill(64), inputs: inputs3d(m, 1), quantities }, { workers: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NnftResourceError);
    const msg = (err as Error).message;
    expect(msg).toContain(`${m} inputs`);
    expect(msg).toContain('NNFT_MAX_MEMORY');
    expect(msg).toContain(`at most ${fit} inputs fit`);
    expect((err as NnftResourceError).estimate).toMatch(/^~[0-9.]+ [KMGT]?i?B/);
    // refused before any layer is computed (an m = 3·fit solve would take minutes)
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('the estimate covers every kept layer of the four-index tensors, their JSON text, and each thread', () => {
    const q: QuantityName[] = ['K', 'Theta', 'V4', 'K1'];
    const e = (m: number, kept: number, opts = {}): number => estimateSolveMemory(m, q, withDependencies(q), kept, opts);
    // 10 layers of V4 at m = 64: 10 · 64⁴ doubles ≈ 1.3 GB kept, at least that estimated (and 9 layers' more than 1 layer)
    expect(e(64, 10)).toBeGreaterThan(10 * 64 ** 4 * 8);
    expect(e(64, 10) - e(64, 1)).toBeGreaterThan(9 * 64 ** 4 * 8);
    // JSON: at least ~20 characters per number of the kept tensors
    expect(e(32, 10, { json: true }) - e(32, 10)).toBeGreaterThan(20 * 10 * 32 ** 4);
    expect(e(16, 10, { threads: 2 })).toBeGreaterThan(e(16, 10, { threads: 1 }));
    // the measured peak of the CLI process at m = 32, 10 layers, two threads, with its JSON: 1.28 GiB beyond start-up
    expect(e(32, 10, { threads: 2, json: true })).toBeGreaterThan(1.28 * 1024 ** 3);
  });
});

describe('nnft recursions --layers', () => {
  it('the solver keeps only the selected layers for JSON and NumPy output (memory refusal counts 1 layer), the table all 10', async () => {
    // a budget far below the estimate: every run is refused before computing, and the refusal names the kept layers
    const env = { NNFT_MAX_MEMORY: '20M' };
    const base = ['recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', Array(10).fill(64).join(','), '--inputs', JSON.stringify(inputs3d(12, 5)), '--quantities', 'V4'];
    const dir = mkdtempSync(join(tmpdir(), 'nnft-layers-'));
    try {
      const runs = await Promise.all([
        runNnft([...base, '--json', '--layers', 'last'], { env }),
        runNnft([...base, '--format', 'npy', '--out', join(dir, 'npy'), '--layers', 'last'], { env }),
        runNnft([...base, '--layers', 'last'], { env }),
      ]);
      for (const r of runs) expect(r.status).toBe(2);
      expect(runs[0]!.stderr).toContain('12 inputs over 1 layer needs');
      expect(runs[1]!.stderr).toContain('12 inputs over 1 layer needs');
      expect(runs[2]!.stderr).toContain('12 inputs over 10 layers needs');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
