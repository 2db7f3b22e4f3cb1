/**
 * The recursion's K, V4 and K¹ against sampled networks (relu, tanh, gelu; two inputs; widths 64, 128,
 * 256; depth 3), with the plain fast-path sampler of ./sampler.ts (exact in distribution).
 *
 * Estimators at the last layer L (n = n_{L−1}, Ĝ the conditional kernel given layer L−1):
 *   K:  E[Ĝ_ab] = K_ab + K¹_ab/n + O(1/n²)          → |mean − K| ≤ 4 se + (2 max|K¹| + 0.02 max K)/n
 *   K¹: n (E[Ĝ_ab] − K_ab) = K¹_ab + O(1/n)         → |n(mean − K) − K¹| ≤ 4 n·se + max K/n
 *   V4: n Cov(Ĝ_ab, Ĝ_cd) = V_(ab)(cd) + O(1/n)      → |n cov − V| ≤ 4 n·se + 2 max|V|/n
 * The O(1/n) allowance is a fixed constant over n, so it halves each time the width doubles.
 * 16 000 networks per width (a few seconds per activation on 2 cores).
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { getActivation } from '../../src/activations/index.ts';
import { covG, meanG, sampleLastKernel } from './sampler.ts';

const inputs = [
  [1, 0.5],
  [0.2, -0.9],
];
const NETS = 16000;
const DEPTH = 3;
const PAIRS: [number, number][] = [
  [0, 0],
  [0, 1],
  [1, 1],
];
const QUADS: [number, number, number, number][] = [
  [0, 0, 0, 0],
  [0, 0, 0, 1],
  [0, 0, 1, 1],
  [0, 1, 0, 1],
  [0, 1, 1, 1],
  [1, 1, 1, 1],
];

describe('K, V4, K¹ against sampled networks', () => {
  const cases: [string, number, number][] = [
    ['relu', 0, 2],
    ['tanh', 0.1, 1.2],
    ['gelu', 0.1, 1.5],
  ];
  for (const [act, cb, cw] of cases) {
    it(`${act} (C_b=${cb}, C_W=${cw}), widths 64, 128, 256`, () => {
      const sigma = getActivation(act).f;
      for (const n of [64, 128, 256]) {
        const th = solveRecursions({ activation: act, inputs, widths: new Array(DEPTH).fill(n), cb, cw, quantities: ['K', 'V4', 'K1'] });
        const last = th.layers[DEPTH - 1]!;
        const K = last.K!;
        const K1 = last.K1!;
        const V = last.V4!;
        const maxK = Math.max(...K.flat());
        const maxK1 = Math.max(...K1.flat().map(Math.abs));
        const maxV = Math.max(...V.flat(3).map(Math.abs));
        const S = sampleLastKernel({ sigma, inputs, hidden: new Array(DEPTH - 1).fill(n), cb, cw, nets: NETS, seed: 1000 + n });
        for (const [a, b] of PAIRS) {
          const g = meanG(S, 2, a, b);
          const ctx = `${act} n=${n} (${a}${b})`;
          expect(Math.abs(g.mean - K[a]![b]!), `K ${ctx}`).toBeLessThanOrEqual(4 * g.stderr + (2 * maxK1 + 0.02 * maxK) / n);
          expect(Math.abs(n * (g.mean - K[a]![b]!) - K1[a]![b]!), `K1 ${ctx}`).toBeLessThanOrEqual(4 * n * g.stderr + maxK / n);
        }
        for (const [a, b, c, d] of QUADS) {
          const v = covG(S, 2, a, b, c, d);
          expect(Math.abs(n * v.mean - V[a]![b]![c]![d]!), `V4 ${act} n=${n} (${a}${b})(${c}${d})`).toBeLessThanOrEqual(4 * n * v.stderr + (2 * maxV) / n);
        }
      }
    });
  }
});
