/**
 * Monte Carlo against exact results (docs/conventions.md test vectors; Leung, Physics4ML, eq. 2.28) and against the recursion solver.
 * Tolerances are 4 reported standard errors (plus the O(1/n²) truncation where a 1/n expansion is compared).
 */
import { describe, expect, it } from 'vitest';
import { sampleCorrelators, sampleEnsemble, type McResult } from '../../src/montecarlo/index.ts';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct } from '../../src/gaussian/index.ts';

const within = (x: number, target: number, se: number, k = 4, abs = 0) => {
  expect(Number.isFinite(x) && Number.isFinite(se)).toBe(true);
  expect(Math.abs(x - target)).toBeLessThanOrEqual(k * se + abs);
};

describe('ReLU, C_b = 0, C_W = 2, one input, widths 16 (docs/conventions.md)', () => {
  const n = 16;
  const arch = { activation: 'relu', cb: 0, cw: 2, widths: [n, n, n, n], inputs: [[1]] };
  const K = 2; // C_W x²/n0
  const prod = (l: number) => {
    let p = 1;
    for (let k = 1; k < l; k++) p *= 1 + 5 / n;
    return p;
  };
  const check = (r: McResult) => {
    for (const ly of r.layers) {
      const exactV = n * K * K * (prod(ly.layer) - 1);
      within(ly.K!.mean[0]![0]!, K, ly.K!.stderr[0]![0]!);
      within(ly.V4!.mean[0]![0]![0]![0]!, exactV, ly.V4!.stderr[0]![0]![0]![0]!);
      if (ly.layer > 1) expect(ly.V4!.stderr[0]![0]![0]![0]!).toBeLessThan(0.1 * exactV);
    }
  };
  it('V4 = n K² (Π(1 + 5/n) − 1): fast sampler, conditional estimators', async () => {
    const r = await sampleEnsemble({ ...arch, nets: 40000, seed: 1, quantities: ['K', 'V4'], sampler: 'fast' });
    expect(r.meta.sampler).toBe('fast');
    expect(r.meta.estimator).toBe('conditional');
    check(r);
  });
  it('V4 likewise: full weight matrices, direct (i ≠ j) estimators', async () => {
    const r = await sampleEnsemble({ ...arch, nets: 20000, seed: 2, quantities: ['K', 'V4'], sampler: 'full', estimator: 'direct' });
    expect(r.meta.sampler).toBe('full');
    check(r);
  });
  it('E[z⁴]/E[z²]² = 3 Π(1 + 5/n) at every layer (n-point functions of one neuron)', async () => {
    for (const layer of [2, 4]) {
      const r = await sampleCorrelators({ ...arch, nets: 30000, seed: 3, layer, points: [[[0, 0], [0, 0]], [[0, 0], [0, 0], [0, 0], [0, 0]]], replicates: true });
      const g2 = r.entries[0]!, g4 = r.entries[1]!; // one entry per requested point set
      const ratio = g4.moment.mean / g2.moment.mean ** 2;
      const reps = g2.replicates!.map((x, i) => g4.replicates![i]! / x ** 2);
      const mu = reps.reduce((a, b) => a + b) / reps.length;
      const se = Math.sqrt(((reps.length - 1) / reps.length) * reps.reduce((a, b) => a + (b - mu) ** 2, 0));
      within(ratio, 3 * prod(layer), se);
    }
  });
});

describe('single hidden layer, any σ (Leung, Physics4ML, eq. 2.28)', () => {
  // f = b + W σ(z⁽¹⁾): connected G4 = (C_W²/n)[3⟨σ1σ2σ3σ4⟩ − ⟨σ1σ2⟩⟨σ3σ4⟩ − ⟨σ1σ3⟩⟨σ2σ4⟩ − ⟨σ1σ4⟩⟨σ2σ3⟩]
  for (const [activation, n] of [['tanh', 3], ['erf', 4], ['relu', 5], ['sin', 3]] as const) {
    it(`${activation}, hidden width ${n}`, async () => {
      const cb = 0.2, cw = 1.7;
      const inputs = [[1, 0.5], [0.2, -0.9]];
      const pts: [number, number][][] = [
        [[0, 0], [0, 0], [0, 0], [0, 0]],
        [[0, 0], [0, 0], [0, 1], [0, 1]],
        [[0, 0], [0, 1], [0, 1], [0, 1]],
      ];
      const r = await sampleCorrelators({ activation, cb, cw, widths: [n, 1], inputs, nets: 60000, seed: 7, points: pts });
      const K1 = inputs.map((x) => inputs.map((y) => cb + (cw / 2) * (x[0]! * y[0]! + x[1]! * y[1]!)));
      const act = getActivation(activation);
      const E = (...idx: number[]) => expectActivationProduct(act, K1, idx.map((input) => ({ input, order: 0 })));
      const exact = pts.map((p) => {
        const [a, b, c, d] = p.map(([, al]) => al) as [number, number, number, number]; // four points per correlator
        return ((cw * cw) / n) * (3 * E(a, b, c, d) - E(a, b) * E(c, d) - E(a, c) * E(b, d) - E(a, d) * E(b, c));
      });
      const scale = Math.max(...exact.map(Math.abs));
      for (const [q, e] of r.entries.entries()) {
        within(e.cumulant.mean, exact[q]!, e.cumulant.stderr);
        expect(e.cumulant.stderr).toBeLessThan(0.1 * scale);
      }
    });
  }
});

describe('agreement with the recursion solver at width 512', () => {
  it('K (3 layers, fast path) and Θ (2 layers) within errors', async () => {
    const { solveRecursions } = await import('../../recursions/index.ts');
    const inputs = [[1, 0.5], [0.2, -0.9]];
    const base = { activation: 'tanh', cb: 0.1, cw: 1.5, inputs };
    const rK = await sampleEnsemble({ ...base, widths: [512, 512, 512], nets: 1500, seed: 5, quantities: ['K'] });
    const recK = solveRecursions({ ...base, widths: [512, 512, 512], quantities: ['K', 'K1'] });
    for (const [l, ly] of rK.layers.entries()) {
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
        const nPrev = l === 0 ? 2 : 512;
        const target = recK.layers[l]!.K![a]![b]! + recK.layers[l]!.K1![a]![b]! / nPrev;
        within(ly.K!.mean[a]![b]!, target, ly.K!.stderr[a]![b]!, 4, 1e-12);
      }
    }
    const rT = await sampleEnsemble({ ...base, widths: [512, 512], nets: 1500, seed: 6, quantities: ['K', 'Theta'] });
    const recT = solveRecursions({ ...base, widths: [512, 512], quantities: ['K', 'Theta'] });
    for (const [l, ly] of rT.layers.entries()) {
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
        // Θ = Θ∞ + Θ¹/n: allow |Θ¹|/n ≲ 2Θ/n as truncation on top of 4σ
        within(ly.Theta!.mean[a]![b]!, recT.layers[l]!.Theta![a]![b]!, ly.Theta!.stderr[a]![b]!, 4, (2 * Math.abs(recT.layers[l]!.Theta![a]![b]!)) / 512);
        if (l === 1) expect(ly.Theta!.stderr[a]![b]!).toBeGreaterThan(0);
      }
    }
  });

  it('V4, K1, A, B, D, F against the recursions at width 48 (O(1/n) truncation allowed)', async () => {
    const { solveRecursions } = await import('../../recursions/index.ts');
    const base = { activation: 'tanh', cb: 0.1, cw: 1.5, inputs: [[1, 0.5], [0.2, -0.9]], widths: [48, 48, 48] };
    const q = ['K', 'V4', 'K1', 'Theta', 'A', 'B', 'D', 'F'] as const;
    const mc = await sampleEnsemble({ ...base, nets: 1200, seed: 8, quantities: [...q] });
    const rec = solveRecursions({ ...base, quantities: [...q] }) as unknown as { layers: Record<string, unknown>[] };
    for (let l = 1; l < 3; l++) {
      for (const name of ['V4', 'A', 'B', 'D', 'F'] as const) {
        const m = (mc.layers[l]![name]!.mean as number[][][][]).flat(3);
        const s = (mc.layers[l]![name]!.stderr as number[][][][]).flat(3);
        const t = (rec.layers[l]![name]! as number[][][][]).flat(3);
        const scale = Math.max(...t.map(Math.abs));
        // the measured finite-width quantities carry their own O(1/n) corrections: allow 15% of the scale
        for (let i = 0; i < m.length; i++) within(m[i]!, t[i]!, s[i]!, 4, 0.15 * scale);
      }
    }
  });
});

describe('Gauss-net (Maiti, Non-Perturbative Non-Lagrangian NN Field Theories): σ_α = exp(z_α − K_αα)', () => {
  it('K of the output is C_b + C_W exp(K_ab − (K_aa + K_bb)/2) at any width', async () => {
    const inputs = [[1, 0.5], [0.2, -0.9]];
    const cb = 0, cw = 1;
    const r = await sampleEnsemble({ activation: 'gauss', network: 'gauss-net', cb, cw, widths: [6, 1], inputs, nets: 30000, seed: 9, quantities: ['K', 'K1'] });
    const K1 = inputs.map((x) => inputs.map((y) => cb + (cw / 2) * (x[0]! * y[0]! + x[1]! * y[1]!)));
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
      const exact = cb + cw * Math.exp(K1[a]![b]! - (K1[a]![a]! + K1[b]![b]!) / 2);
      within(r.layers[1]!.K!.mean[a]![b]!, exact, r.layers[1]!.K!.stderr[a]![b]!);
      within(r.layers[1]!.K1!.mean[a]![b]!, 0, r.layers[1]!.K1!.stderr[a]![b]!);
    }
  });
});
