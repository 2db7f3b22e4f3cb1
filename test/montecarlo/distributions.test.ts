/** Parameter distributions of Maiti, Stoner, Halverson, Symmetry-via-Duality (eq. 14, 16, App. A.2, A.4, A.5) and uniform weights. */
import { describe, expect, it } from 'vitest';
import { sampleCorrelators, sampleEnsemble, type CorrelatorResult } from '../../src/montecarlo/index.ts';

const within = (x: number, target: number, se: number, k = 4) => expect(Math.abs(x - target)).toBeLessThanOrEqual(k * se + 1e-12);
const entry = (r: CorrelatorResult, pts: [number, number][]) => {
  const key = JSON.stringify(pts);
  const e = r.entries.find((x) => JSON.stringify(x.points) === key);
  if (!e) throw new Error(`no entry ${key}`);
  return e;
};

describe('parameter distributions', () => {
  it('mean μ_W on the first k output rows (eq. 14): G¹_i = μ n ⟨σ⟩ for i < k, 0 otherwise', async () => {
    const n = 5, mu = 0.3;
    const r = await sampleCorrelators({ activation: 'relu', cb: 0, cw: 1, widths: [n, 3], inputs: [[1, 1]], nets: 20000, seed: 1, distribution: { meanShift: { mu, rows: 1 } }, orders: [1] });
    const K1 = 1; // C_W |x|²/n0
    within(entry(r, [[0, 0]]).moment.mean, mu * n * Math.sqrt(K1 / (2 * Math.PI)), entry(r, [[0, 0]]).moment.stderr);
    within(entry(r, [[1, 0]]).moment.mean, 0, entry(r, [[1, 0]]).moment.stderr);
    within(entry(r, [[2, 0]]).moment.mean, 0, entry(r, [[2, 0]]).moment.stderr);
    expect(entry(r, [[0, 0]]).moment.mean).toBeGreaterThan(10 * entry(r, [[0, 0]]).moment.stderr);
  });

  it('uniform weights: ReLU with C_W = 2 keeps K = |x|²·C_W/n0 at every layer (symmetric weights suffice)', async () => {
    const r = await sampleEnsemble({ activation: 'relu', cb: 0, cw: 2, widths: [6, 6, 2], inputs: [[1, -0.5]], nets: 20000, seed: 2, distribution: { weights: 'uniform' } });
    expect(r.meta.sampler).toBe('full');
    expect(r.meta.estimator).toBe('direct');
    for (const ly of r.layers) within(ly.K!.mean[0]![0]!, 1.25, ly.K!.stderr[0]![0]!);
  });

  it('complex output layer (SU(D)): E[f f] = 0, E[f f†] = 2K — Re and Im components independent, equal variance', async () => {
    const r = await sampleCorrelators({ activation: 'tanh', cb: 0.1, cw: 1, widths: [6, 2], inputs: [[1, 0.5]], nets: 20000, seed: 3, distribution: { output: 'complex' }, orders: [2], outputs: [0, 1, 2] });
    const rr = entry(r, [[0, 0], [0, 0]]), ii = entry(r, [[1, 0], [1, 0]]), ri = entry(r, [[0, 0], [1, 0]]), r0r1 = entry(r, [[0, 0], [2, 0]]);
    within(rr.moment.mean - ii.moment.mean, 0, Math.hypot(rr.moment.stderr, ii.moment.stderr));
    within(ri.moment.mean, 0, ri.moment.stderr);
    within(r0r1.moment.mean, 0, r0r1.moment.stderr);
    expect(rr.moment.mean).toBeGreaterThan(0.1);
  });

  it('quaternionic output layer (Sp(D)): four components of equal variance', async () => {
    const r = await sampleCorrelators({ activation: 'tanh', cb: 0.1, cw: 1, widths: [6, 1], inputs: [[1, 0.5]], nets: 20000, seed: 4, distribution: { output: 'quaternion' }, orders: [2], outputs: [0, 1, 2, 3] });
    const v = [0, 1, 2, 3].map((c) => entry(r, [[c, 0], [c, 0]]));
    for (let c = 1; c < 4; c++) within(v[c]!.moment.mean - v[0]!.moment.mean, 0, Math.hypot(v[c]!.moment.stderr, v[0]!.moment.stderr));
  });

  it('T-layer (A.4): correlators are invariant under input translations', async () => {
    const c = 0.25;
    const xs: [number][] = [[0.1], [0.7]];
    const inputs = [...xs, ...xs.map(([x]) => [x + c])];
    const r = await sampleCorrelators({ activation: 'tanh', cb: 0.1, cw: 1.5, widths: [8, 1], inputs, nets: 20000, seed: 5, distribution: { tLayer: { width: 5, weights: [[1.3], [-0.7], [2.1], [0.4], [-1.6]] } }, points: [[[0, 0], [0, 1]], [[0, 2], [0, 3]], [[0, 0], [0, 0], [0, 1], [0, 1]], [[0, 2], [0, 2], [0, 3], [0, 3]]] });
    for (const [a, b] of [[0, 1], [2, 3]] as const) {
      const d = r.entries[a]!.moment.mean - r.entries[b]!.moment.mean;
      // both estimates use the same networks and are strongly correlated: the separate errors bound the difference
      within(d, 0, r.entries[a]!.moment.stderr + r.entries[b]!.moment.stderr);
    }
  });

  it('correlated SO(D)-invariant output density (eq. 16): E[f_i f_j] = δ_ij E[r²]/D ⟨σ²⟩ with E[r²] from the radial density', async () => {
    const n = 4, D = 2, lambda = 0.5, cw = 1;
    const sigma2 = cw / n;
    const k = D * n;
    let z = 0, m1 = 0;
    for (let i = 1; i <= 100000; i++) {
      const t = i * 2e-4;
      const w = Math.exp((k / 2 - 1) * Math.log(t) - t / (2 * sigma2) - lambda * t * t);
      z += w;
      m1 += w * t;
    }
    const Er2 = m1 / z;
    const r = await sampleCorrelators({ activation: 'relu', cb: 0, cw, widths: [n, D], inputs: [[1, 1]], nets: 30000, seed: 6, distribution: { correlated: { lambda } }, orders: [2] });
    const K1 = 1;
    const f00 = entry(r, [[0, 0], [0, 0]]), f11 = entry(r, [[1, 0], [1, 0]]), f01 = entry(r, [[0, 0], [1, 0]]);
    within(f00.moment.mean, (Er2 / D) * (K1 / 2), f00.moment.stderr);
    within(f11.moment.mean, (Er2 / D) * (K1 / 2), f11.moment.stderr);
    within(f01.moment.mean, 0, f01.moment.stderr);
    expect(Er2).toBeLessThan(k * sigma2 * 0.9); // the quartic term really shrinks the weights
  });
});
