/**
 * The lattice rule of src/gaussian/lattice.ts (three- and four-input expectations, many integrands of one subset in
 * one pass) against the node-by-node nested trapezoid rule it replaces (smoothProduct, σ evaluated at every node)
 * and against tensor Gauss–Hermite, on random kernels of the shapes the recursions meet: three inputs (rank 3), four
 * inputs whose layer-1 preactivations span three dimensions (rank 3 in four coordinates) and four inputs of rank 4;
 * odd σ (tanh: only half of the nodes visited, odd integrands exactly 0) and σ without parity (gelu, softplus).
 *
 * Bounds: each rule is held to the stated tolerance of its rank (1e-10 at rank 3, 1e-8 at rank 4, relative to the
 * integrand's scale ⟨|Π σ^(k)|⟩ ≥ |value|, here its Hölder bound), so two of them differ by at most twice that; we
 * assert the tolerance itself. Where the node-by-node rule is the less accurate one (it is, by ~1e-11, on small
 * kernels with derivative factors), tensor Gauss–Hermite, which converges fast for small kernels, decides.
 */
import { describe, expect, it } from 'vitest';
import { getActivation } from '../../src/activations/index.ts';
import type { Activation } from '../../src/activations/types.ts';
import { expectActivationProduct, makeLayerExpectationStore, pivotedCholesky } from '../../src/gaussian/index.ts';
import { Calibration, smoothProduct } from '../../src/gaussian/smooth.ts';
import { holderScale as holderOf } from './holder-scale.ts';

const LONG = process.env.NNFT_LONG === '1';
const TOL_BY_RANK = [1e-12, 1e-12, 1e-12, 1e-10, 1e-8];

/** Deterministic uniform numbers in [0, 1) (a linear congruential sequence; reproducible, no state between tests). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** K = c_b + (c_W / n0) X Xᵀ for m random inputs in n0 dimensions (the layer-1 kernel: rank ≤ n0 + 1). */
function randomKernel(rand: () => number, m: number, n0: number, cb: number, cw: number): number[][] {
  const X = Array.from({ length: m }, () => Array.from({ length: n0 }, () => 2 * rand() - 1));
  return X.map((x) => X.map((y) => cb + (cw / n0) * x.reduce((s, v, i) => s + v * y[i]!, 0)));
}

/** The node-by-node rule: E[Π_i Π_{k ∈ orders[i]} σ^(k)(z_i)], σ evaluated at every node of the nested trapezoid rule. */
function nodeByNode(act: Activation, K: number[][], orders: number[][]): number {
  const { L, perm, rank } = pivotedCholesky(K, 1e-13);
  const tol = TOL_BY_RANK[rank]!;
  const gs = orders.map((ks) => {
    const fs = ks.map((k) => (k === 0 ? act.f : act.derivative(k)));
    return (z: number): number => fs.reduce((p, f) => p * f(z), 1);
  });
  const power = Math.max(...orders.map((o) => o.length));
  return smoothProduct({ gs: perm.map((p) => gs[p]!), L, rank }, new Calibration(act, tol), tol, { act, desc: 'test', power });
}

/** The Hölder bound of ⟨|Π σ^(k)|⟩ over inputs 0..k−1 of K (holder-scale.ts). */
function holderScale(act: Activation, K: number[][], orders: number[][]): number {
  return holderOf(act, orders.map((_, i) => K[i]![i]!), orders);
}

/** Integrands of the O(1/n) tensors over four and three distinct inputs: ⟨σσσσ⟩, ⟨σσσ′σ′⟩, …, ⟨σ²σ′σ′⟩, ⟨σ″…⟩. */
const FOUR: number[][][] = [
  [[0], [0], [0], [0]],
  [[1], [1], [0], [0]],
  [[0], [1], [0], [1]],
  [[1], [1], [1], [1]],
  [[2], [0], [0], [0]],
  [[1], [0], [2], [1]],
];
const THREE: number[][][] = [
  [[0], [0], [0]],
  [[0, 0], [1], [1]],
  [[1, 1], [0], [0]],
  [[0], [1], [2]],
  [[2], [0, 1], [1]],
];

interface Case {
  name: string;
  act: string;
  m: number;
  n0: number;
  cb: number;
  cw: number;
}
const CASES: Case[] = [
  { name: 'tanh, 4 inputs in 3-D (rank 3 in 4 coordinates)', act: 'tanh', m: 4, n0: 3, cb: 0, cw: 1 },
  { name: 'tanh, 4 inputs in 5-D (rank 4)', act: 'tanh', m: 4, n0: 5, cb: 0.1, cw: 1.5 },
  { name: 'tanh, 3 inputs (rank 3), small kernel of a deep layer', act: 'tanh', m: 3, n0: 4, cb: 0, cw: 0.3 },
  { name: 'gelu, 4 inputs in 5-D (no parity: the whole ball)', act: 'gelu', m: 4, n0: 5, cb: 0.05, cw: 1.7 },
  { name: 'softplus, 3 inputs (rank 3)', act: 'softplus', m: 3, n0: 3, cb: 0.2, cw: 1.2 },
];

describe('lattice rule vs the node-by-node rule (random kernels)', () => {
  for (const [c, cs] of CASES.entries()) {
    it(`${cs.name}: every integrand within the tolerance of its rank`, () => {
      const act = getActivation(cs.act);
      const rand = uniform(1000 + c);
      for (let trial = 0; trial < (LONG ? 6 : 1); trial++) {
        const K = randomKernel(rand, cs.m, cs.n0, cs.cb, cs.cw);
        const rank = pivotedCholesky(K, 1e-13).rank;
        const inputs = Array.from({ length: cs.m }, (_, i) => i);
        const patterns = cs.m === 4 ? FOUR : THREE;
        // the batched (lattice) values of a layer store, all integrands of the subset in one pass
        const batch = makeLayerExpectationStore(act, K).batch(inputs, patterns);
        patterns.forEach((orders, p) => {
          const ref = nodeByNode(act, K, orders);
          const scale = holderScale(act, K, orders);
          const tol = TOL_BY_RANK[rank]! * scale;
          expect(Math.abs(ref)).toBeLessThanOrEqual(scale * 1.01);
          if (Math.abs(batch[p]! - ref) > tol && rank === 3) {
            // the rules disagree: tensor Gauss–Hermite (order 90; converges fast for these small 3-D kernels)
            // decides — measured, the node-by-node rule is the one off (by 7e-10 of the value on the second kernel of the small-kernel case)
            const gh = expectActivationProduct(act, K, orders.flatMap((ks, i) => ks.map((order) => ({ input: i, order }))), { order: 90 });
            expect(Math.abs(batch[p]! - gh), `${JSON.stringify(orders)}: lattice ${batch[p]} vs Gauss–Hermite ${gh}`).toBeLessThanOrEqual(tol);
          } else expect(Math.abs(batch[p]! - ref), `${JSON.stringify(orders)} rank ${rank}: ${batch[p]} vs ${ref}`).toBeLessThanOrEqual(tol);
        });
      }
    });
  }

  it('odd integrands of an odd σ are exactly 0; even ones equal the node-by-node sum over the whole ball', () => {
    const act = getActivation('tanh');
    const K = randomKernel(uniform(7), 4, 5, 0, 1);
    // ⟨σσσσ′⟩ is odd under z → −z (σ odd, σ′ even): zero by symmetry, not by cancellation
    const v = makeLayerExpectationStore(act, K).batch([0, 1, 2, 3], [[[0], [0], [0], [1]], [[0], [0], [1], [1]]]);
    expect(v[0]).toBe(0);
    expect(Math.abs(v[1]! - nodeByNode(act, K, [[0], [0], [1], [1]]))).toBeLessThan(1e-8 * holderScale(act, K, [[0], [0], [1], [1]]));
  });

  it('tanh ⟨σσσσ⟩, ⟨σ′σ′σσ⟩ at a deep-layer kernel: tensor Gauss–Hermite (order 36) agrees to 1e-10', () => {
    // K of the size tanh layers at C_W = 1 flow to (diagonal 0.05–0.4): Gauss–Hermite converges fast there
    const act = getActivation('tanh');
    const K = randomKernel(uniform(11), 4, 5, 0, 0.6);
    const inputs = [0, 1, 2, 3];
    const patterns = [[[0], [0], [0], [0]], [[1], [1], [0], [0]]];
    const batch = makeLayerExpectationStore(act, K).batch(inputs, patterns);
    patterns.forEach((orders, p) => {
      const factors = orders.flatMap((ks, i) => ks.map((order) => ({ input: i, order })));
      const gh = expectActivationProduct(act, K, factors, { order: 36 });
      expect(Math.abs(batch[p]! - gh)).toBeLessThan(1e-10);
    });
  });

  it('tanh, three inputs at small kernels with derivative factors: Gauss–Hermite (order 90) agrees within the rank-3 tolerance', () => {
    // measured: 5e-17 … 2e-11 relative; the node-by-node rule is off by up to 7e-10 relative on these kernels
    const act = getActivation('tanh');
    const rand = uniform(1002);
    for (let trial = 0; trial < 2; trial++) {
      const K = randomKernel(rand, 3, 4, 0, 0.3);
      const patterns = [[[0, 0], [1], [1]], [[1, 1], [0], [0]], [[0], [1], [2]]];
      const v = makeLayerExpectationStore(act, K).batch([0, 1, 2], patterns);
      patterns.forEach((orders, p) => {
        const gh = expectActivationProduct(act, K, orders.flatMap((ks, i) => ks.map((order) => ({ input: i, order }))), { order: 90 });
        expect(Math.abs(v[p]! - gh)).toBeLessThan(1e-10 * holderScale(act, K, orders));
      });
    }
  });

  it('a batch equals the memoised single expectations of the same store, integrand by integrand', () => {
    const act = getActivation('gelu');
    const K = randomKernel(uniform(5), 5, 3, 0.1, 1.3);
    const store = makeLayerExpectationStore(act, K);
    const inputs = [0, 2, 3, 4];
    const v = store.batch(inputs, FOUR);
    FOUR.forEach((orders, p) => {
      const single = store.expect(orders.flatMap((ks, i) => ks.map((order) => ({ input: inputs[i]!, order }))));
      expect(v[p]).toBe(single);
    });
  });
});

describe('batch independence: an integrand has the same value whatever is computed with it', () => {
  // The MLP solve computes all integrands of a subset in one batch, the GCNN solve one at a time: the value of each
  // must depend on the covariance and the integrand alone (grids chosen per function, one pass per radius), so the
  // two agree bit for bit. Batches mix powers of σ at one input (different truncation radii) and orders.
  const MIXED_FOUR: number[][][] = [...FOUR, [[0, 0], [1], [1], [0]], [[2, 2], [0], [1], [1]]];
  const MIXED_THREE: number[][][] = [...THREE, [[0, 0, 1, 1], [0], [1]], [[3], [1], [1]]];
  const cases: [string, number, number, number, number][] = [
    ['erf', 3, 3, 0.1, 1.5],
    ['erf', 4, 3, 0.1, 1.5],
    ['tanh', 4, 5, 0.05, 1.2],
    ['gelu', 4, 3, 0.1, 1.3],
    ['softplus', 3, 4, 0.2, 0.9],
  ];
  for (const [name, m, n0, cb, cw] of cases) {
    it(`${name}, ${m} inputs in ${n0}-D`, () => {
      const act = getActivation(name);
      const K = randomKernel(uniform(31 + m + n0), m, n0, cb, cw);
      const inputs = Array.from({ length: m }, (_, i) => i);
      const patterns = m === 4 ? MIXED_FOUR : MIXED_THREE;
      const together = makeLayerExpectationStore(act, K).batch(inputs, patterns);
      const reversed = makeLayerExpectationStore(act, K).batch(inputs, [...patterns].reverse());
      patterns.forEach((orders, p) => {
        const alone = makeLayerExpectationStore(act, K).batch(inputs, [orders]);
        expect(Number.isFinite(together[p]!)).toBe(true);
        expect(together[p], JSON.stringify(orders)).toBe(alone[0]);
        expect(reversed[patterns.length - 1 - p], JSON.stringify(orders)).toBe(alone[0]);
      });
    });
  }
});
