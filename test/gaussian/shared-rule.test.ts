/**
 * The rule shared by all subsets of a rank-3 kernel (src/gaussian/shared-rule.ts): layer 1 over inputs in three
 * dimensions, K = C_W X Xᵀ / 3. Its three- and four-input expectations are held to the tolerance of rank 3 (1e-10 of
 * the integrand's Hölder scale ⟨|Π σ^(k)|⟩) against two references that share no nodes with it: the per-subset rule
 * of lattice.ts / smooth.ts (the store with sharedRule: false) and tensor Gauss–Hermite of order 90 (which
 * converges fast for these kernels, K_aa ≤ 1.5). Also: odd integrands exactly 0, values independent of what else
 * is computed in the same call, and the coordinates it picks for inputs filling a cube.
 */
import { describe, expect, it } from 'vitest';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct, makeLayerExpectationStore, pivotedCholesky } from '../../src/gaussian/index.ts';
import { orientCoordinates, SharedLowRankRule } from '../../src/gaussian/shared-rule.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { holderScale } from './holder-scale.ts';

function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** m inputs uniform in [−a, a]³ and their layer-1 kernel C_W x·x′ / 3 (rank 3). */
function cubeInputs(seed: number, m: number, a: number): number[][] {
  const r = uniform(seed);
  return Array.from({ length: m }, () => [0, 0, 0].map(() => a * (2 * r() - 1)));
}
function layer1Kernel(X: number[][], cw: number): number[][] {
  return X.map((x) => X.map((y) => (cw / 3) * (x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!)));
}


const FOUR: number[][][] = [
  [[0], [0], [0], [0]],
  [[1], [1], [0], [0]],
  [[0], [1], [0], [1]],
  [[2], [0], [0], [0]],
  [[1], [0], [2], [1]],
  [[0], [0], [0], [1]], // odd for odd σ
];
const THREE: number[][][] = [
  [[0, 0], [0], [0]],
  [[0], [0, 0], [0]],
  [[0], [0], [0, 0]],
  [[0, 0], [1], [1]],
  [[2], [0, 1], [1]],
];

describe('shared rule of a rank-3 kernel', () => {
  const X = cubeInputs(11, 10, 1.2);
  const K = layer1Kernel(X, 1);
  const subsets4 = [[0, 1, 2, 3], [2, 5, 7, 9], [0, 4, 8, 9]];
  const subsets3 = [[1, 2, 3], [0, 6, 9]];

  it('the kernel has rank 3 and the store takes the shared rule (values differ from the per-subset rule, within tolerance)', () => {
    expect(pivotedCholesky(K, 1e-13).rank).toBe(3);
    const a = makeLayerExpectationStore(getActivation('tanh'), K).batch(subsets4[0]!, [FOUR[0]!])[0]!;
    const b = makeLayerExpectationStore(getActivation('tanh'), K, { sharedRule: false }).batch(subsets4[0]!, [FOUR[0]!])[0]!;
    expect(a).not.toBe(b); // two different rules
    expect(Math.abs(a - b)).toBeLessThan(1e-10 * Math.abs(b));
  });

  for (const name of ['tanh', 'gelu'] as const) {
    it(`${name}: three- and four-input integrands within 1e-10 of the scale against the per-subset rule and Gauss–Hermite`, () => {
      const act = getActivation(name);
      const shared = makeLayerExpectationStore(act, K);
      const perSubset = makeLayerExpectationStore(act, K, { sharedRule: false });
      const cases: [number[], number[][][]][] = [...subsets4.map((s) => [s, FOUR] as [number[], number[][][]]), ...subsets3.map((s) => [s, THREE] as [number[], number[][][]])];
      let worst = 0;
      for (const [inputs, patterns] of cases) {
        const v = shared.batch(inputs, patterns);
        const w = perSubset.batch(inputs, patterns);
        patterns.forEach((orders, p) => {
          const scale = holderScale(act, inputs.map((a) => K[a]![a]!), orders);
          const gh = expectActivationProduct(act, K, orders.flatMap((ks, i) => ks.map((order) => ({ input: inputs[i]!, order }))), { order: 90 });
          const tag = `${JSON.stringify(inputs)} ${JSON.stringify(orders)}: shared ${v[p]}, per subset ${w[p]}, Gauss–Hermite ${gh}`;
          expect(Math.abs(v[p]! - w[p]!), tag).toBeLessThanOrEqual(2e-10 * scale);
          expect(Math.abs(v[p]! - gh), tag).toBeLessThanOrEqual(1e-10 * scale);
          worst = Math.max(worst, Math.abs(v[p]! - w[p]!) / scale);
        });
      }
      // measured: the two trapezoid rules agree to ≤ 1.1e-13 of the scale (the calibration is conservative), while
      // Gauss–Hermite of order 90 is off by up to 3.5e-11 (tanh), the same for both: it is the weaker reference here
      expect(worst).toBeLessThan(1e-12);
    });
  }

  it('odd integrands of an odd σ are exactly 0', () => {
    const v = makeLayerExpectationStore(getActivation('tanh'), K).batch([0, 1, 2, 3], [FOUR[5]!, [[0], [0], [1], [1]]]);
    expect(v[0]).toBe(0);
    expect(v[1]).not.toBe(0);
  });

  it('a value does not depend on the other subsets and integrands computed with it (same bits)', () => {
    const act = getActivation('tanh');
    const tasks = [...subsets4.map((s) => ({ inputs: s, patterns: FOUR })), ...subsets3.map((s) => ({ inputs: s, patterns: THREE }))];
    const all = makeLayerExpectationStore(act, K).batchMany(tasks);
    const reversed = makeLayerExpectationStore(act, K).batchMany([...tasks].reverse()).reverse();
    tasks.forEach((t, i) => {
      const alone = t.patterns.map((pat) => makeLayerExpectationStore(act, K).batch(t.inputs, [pat])[0]!);
      expect(Array.from(all[i]!)).toEqual(alone);
      expect(Array.from(reversed[i]!)).toEqual(alone);
      expect(Array.from(makeLayerExpectationStore(act, K).batch(t.inputs, t.patterns))).toEqual(alone);
    });
  });

  it('the rule integrates a polynomial exactly to rounding: E[z_a z_b z_c z_d] = Wick pairings', () => {
    // σ(z) = z (odd, entire): the trapezoid rule is exact for polynomials times the Gaussian up to e^{−2π²/h²}
    const V = cubeInputs(3, 6, 1).map((x) => x.map((v) => v / Math.sqrt(3)));
    const rule = new SharedLowRankRule({ V, hs: [0.3, 0.3, 0.3], R: 9, parity: -1, derivative: (k, z, out) => { for (let q = 0; q < z.length; q++) out[q] = k === 0 ? z[q]! : k === 1 ? 1 : 0; } });
    const Kv = V.map((a) => V.map((b) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!));
    const v = rule.products([0, 2, 3, 5], [[[0], [0], [0], [0]], [[0, 0], [1], [0], [0]]]);
    const wick = Kv[0]![2]! * Kv[3]![5]! + Kv[0]![3]! * Kv[2]![5]! + Kv[0]![5]! * Kv[2]![3]!;
    expect(Math.abs(v[0]! - wick)).toBeLessThan(1e-14);
    // ⟨z_a² · σ′(z_b) · z_c z_d⟩ = ⟨z_a² z_c z_d⟩ = K_aa K_cd + 2 K_ac K_ad
    expect(Math.abs(v[1]! - (Kv[0]![0]! * Kv[3]![5]! + 2 * Kv[0]![3]! * Kv[0]![5]!))).toBeLessThan(1e-14);
  });

  it('coordinates for inputs filling a cube: no more nodes than the cube axes need, fewer than pivoted Cholesky', () => {
    const Xc = cubeInputs(5, 32, 1.2);
    // the cube's axes rotated by an arbitrary rotation: the search has to find them back
    const c = Math.cos(0.7), s = Math.sin(0.7);
    const V0 = Xc.map((x) => [(c * x[0]! - s * x[1]!) / Math.sqrt(3), (s * x[0]! + c * x[1]!) / Math.sqrt(3), x[2]! / Math.sqrt(3)]);
    // a proxy of the node count: Π_d max_a |V_ad| (the trapezoid steps scale as 1/max_a |V_ad|)
    const cost = (W: number[][]): number => [0, 1, 2].reduce((p, d) => p * Math.max(...W.map((r) => Math.abs(r[d]!))), 1);
    const axes = cost(Xc.map((x) => x.map((v) => v / Math.sqrt(3))));
    const V = orientCoordinates(V0, cost);
    expect(cost(V)).toBeLessThanOrEqual(axes * 1.01);
    expect(cost(V)).toBeLessThan(0.8 * cost(V0));
    // a rotation: the kernel is unchanged
    const Kv = (W: number[][]): number[][] => W.map((a) => W.map((b) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!));
    const K0 = Kv(V0);
    Kv(V).forEach((row, a) => row.forEach((x, b) => expect(Math.abs(x - K0[a]![b]!)).toBeLessThan(1e-14)));
  });

  it('recursions over 8 inputs in 3-D (shared rule in layer 1) restricted to 4 of them = the 4-input solve (rule per subset) to 1e-9', () => {
    const inputs = cubeInputs(21, 8, 1.1);
    const pick = [1, 3, 4, 6];
    const spec = { activation: 'tanh', cb: 0, cw: 1, widths: [64, 64, 64] };
    const all = solveRecursions({ ...spec, inputs, quantities: ['V4', 'K1'] });
    const four = solveRecursions({ ...spec, inputs: pick.map((a) => inputs[a]!), quantities: ['V4', 'K1'] });
    const va = all.layers[all.layers.length - 1]!.V4 as unknown as number[][][][];
    const vb = four.layers[four.layers.length - 1]!.V4 as unknown as number[][][][];
    let scale = 0;
    let diff = 0;
    pick.forEach((i, I) => pick.forEach((j, J) => pick.forEach((k, K4) => pick.forEach((l, L) => {
      scale = Math.max(scale, Math.abs(vb[I]![J]![K4]![L]!));
      diff = Math.max(diff, Math.abs(va[i]![j]![k]![l]! - vb[I]![J]![K4]![L]!));
    }))));
    expect(scale).toBeGreaterThan(1e-3);
    expect(diff).toBeGreaterThan(0); // two different rules…
    expect(diff).toBeLessThan(1e-9 * scale); // …within tolerance
  });
});
