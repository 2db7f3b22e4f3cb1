/**
 * Θ¹, A, B, D, F from the recursions against sampled networks (src/montecarlo `sampleEnsemble`, full
 * weights, its conditional (Rao–Blackwellised) estimators), relu (C_b = 0, C_W = 2) and tanh (C_b = 0.1,
 * C_W = 1.2), one and two inputs, depth 3, λ_b = λ_W = 1.
 *
 * Criterion for every entry: |MC − recursion| ≤ 4 se + c·scale/n with c = 1 and scale = the largest |entry| of
 * that quantity at that layer — a fixed O(1/n) allowance, so it halves each time the width doubles.
 * Default suite: width 64, 2000 networks (~20 s on 2 cores). NNFT_LONG=1: widths 64, 128, 256 with
 * NNFT_MC_NETS networks each (default 4000: all four cases pass in ~3.5 min on 2 cores).
 * At these sample sizes Θ¹ is resolved only coarsely (its standard error is comparable to its size); Θ¹ is
 * checked sharply by oracle.test.ts (single-input recursions), gmg.test.ts (published values) and
 * ntk-finite-width.test.ts (exact ReLU results).
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';

const LONG = process.env.NNFT_LONG === '1';
const WIDTHS = LONG ? [64, 128, 256] : [64];
const NETS = LONG ? Number(process.env.NNFT_MC_NETS ?? 4000) : 2000;
const Q = ['Theta1', 'A', 'B', 'D', 'F'] as const;
const INPUTS = [
  [1, 0.5],
  [0.2, -0.9],
];

describe('Θ¹, A, B, D, F against sampled networks', () => {
  const cases: [string, number, number, number][] = [
    ['relu', 0, 2, 1],
    ['relu', 0, 2, 2],
    ['tanh', 0.1, 1.2, 1],
    ['tanh', 0.1, 1.2, 2],
  ];
  for (const [act, cb, cw, m] of cases) {
    it(`${act} (C_b=${cb}, C_W=${cw}), ${m} input${m > 1 ? 's' : ''}, widths ${WIDTHS.join(', ')}`, { timeout: LONG ? 3_600_000 : 240_000 }, async () => {
      for (const n of WIDTHS) {
        const spec = { activation: act, inputs: INPUTS.slice(0, m), widths: [n, n, n], cb, cw, lambdaB: 1, lambdaW: 1 };
        const th = solveRecursions({ ...spec, quantities: [...Q] });
        const mc = await sampleEnsemble({ ...spec, nets: NETS, seed: 7 + n, quantities: [...Q] });
        for (const q of Q) {
          const layer = 2;
          const t = (th.layers[layer]![q]! as unknown as number[]).flat(3) as number[];
          const est = mc.layers[layer]![q]!;
          const mean = (est.mean as unknown as number[]).flat(3) as number[];
          const se = (est.stderr as unknown as number[]).flat(3) as number[];
          const scale = Math.max(...t.map(Math.abs));
          t.forEach((v, i) => {
            expect(Math.abs(mean[i]! - v), `${q}[${i}] ${act} m=${m} n=${n}: MC ${mean[i]} ± ${se[i]}, recursion ${v}`).toBeLessThanOrEqual(4 * se[i]! + scale / n);
          });
        }
      }
    });
  }
});
