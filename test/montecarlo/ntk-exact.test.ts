/**
 * The empirical NTK of one sampled network equals Σ_μ λ_μ ∂z_i(x_a)/∂θ_μ ∂z_j(x_b)/∂θ_μ computed from explicit
 * parameter derivatives (central differences on the network's own weights), NTK parameterisation of docs/conventions.md:
 * λ_b for biases, λ_W / n_{ℓ−1} for the weights of layer ℓ.
 */
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/montecarlo/plan.ts';
import { makeBuffers } from '../../src/montecarlo/buffers.ts';
import { simulateNetwork } from '../../src/montecarlo/simulate.ts';
import { NetStream } from '../../src/rng/index.ts';

describe('empirical NTK', () => {
  it('matches explicit parameter gradients (tanh, widths 3,4,2, two inputs, λ_b ≠ λ_W)', () => {
    const inputs = [[1, 0.5], [0.2, -0.9]];
    const widths = [3, 4, 2];
    const spec = { activation: 'tanh', cb: 0.3, cw: 1.4, lambdaB: 0.7, lambdaW: 1.9, widths, inputs, nets: 1, quantities: ['Theta', 'B'] as ('Theta' | 'B')[], sampler: 'full' as const, estimator: 'direct' as const };
    const p = buildPlan(spec);
    const B = makeBuffers(p);
    const out = new Float64Array(p.statisticsSize);
    simulateNetwork(p, B, new NetStream(17), 5, out);
    const m = 2, L = 3, n0 = 2;
    // parameters as plain arrays, copied from the sampled network
    const Ws = B.W.map((w) => Array.from(w));
    const bs = B.b.map((b) => Array.from(b));
    const forward = (Wv: number[][], bv: number[][], a: number): number[] => {
      let prev = inputs[a]!;
      for (let l = 0; l < L; l++) {
        const n = widths[l]!, np = l === 0 ? n0 : widths[l - 1]!;
        const z = Array.from({ length: n }, (_, i) => bv[l]![i]! + prev.reduce((s, x, j) => s + Wv[l]![i * np + j]! * x, 0));
        if (l === L - 1) return z;
        prev = z.map(Math.tanh);
      }
      return [];
    };
    // check the sampled forward pass first
    for (let a = 0; a < m; a++) {
      const z = forward(Ws, bs, a);
      for (let i = 0; i < 2; i++) expect(z[i]).toBeCloseTo(B.z[L - 1]![i * m + a]!, 12);
    }
    // gradients by central differences
    const h = 1e-6;
    const grads: { lam: number; g: number[][] }[] = []; // g[a][i]
    for (let l = 0; l < L; l++) {
      const np = l === 0 ? n0 : widths[l - 1]!;
      for (const kind of ['W', 'b'] as const) {
        const arr = kind === 'W' ? Ws[l]! : bs[l]!;
        for (let k = 0; k < arr.length; k++) {
          const old = arr[k]!;
          arr[k] = old + h;
          const up = [0, 1].map((a) => forward(Ws, bs, a));
          arr[k] = old - h;
          const dn = [0, 1].map((a) => forward(Ws, bs, a));
          arr[k] = old;
          grads.push({ lam: kind === 'W' ? 1.9 / np : 0.7, g: up.map((u, a) => u.map((v, i) => (v - dn[a]![i]!) / (2 * h))) });
        }
      }
    }
    const nL = widths[L - 1]!;
    const th = B.theta[L - 1]!;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let i = 0; i < nL; i++) for (let j = 0; j < nL; j++) {
      const exact = grads.reduce((s, { lam, g }) => s + lam * g[a]![i]! * g[b]![j]!, 0);
      expect(th[(a * m + b) * nL * nL + i * nL + j]).toBeCloseTo(exact, 6);
    }
  });
});
