/**
 * The symmetry module samples its ensembles itself (paired statistics need individual networks); these
 * tests check that its parameter distributions are the SAME densities as src/montecarlo's DistributionSpec:
 * every moment G⁽ⁿ⁾ (n = 1, 2, 4, all entries, one input) from 20 000 networks of each sampler (independent
 * seeds) agrees within the Bonferroni threshold at α = 10⁻³ on the z-score of the difference. One control
 * shows the comparison has power (the quartic density against the Gaussian one).
 */
import { describe, expect, it } from 'vitest';
import { sampleCorrelators } from '../../src/montecarlo/index.ts';
import type { DistributionSpec } from '../../src/montecarlo/index.ts';
import { normalUpperQuantile } from '../../src/symmetry/engine.ts';
import { makeSampler, type FirstLayerSpec, type LastLayerSpec } from '../../src/symmetry/networks.ts';
import { multisets } from '../../src/symmetry/tensors.ts';

const NETS = 20000;
const x = [0.8, -0.3];

function mine(last: LastLayerSpec, first: FirstLayerSpec | undefined, D: number, orders: number[]): Map<string, [number, number]> {
  const sampler = makeSampler({ inputDim: 2, hidden: [16], outputDim: D, activation: 'tanh', cb: 0.1, cw: 1, first, last, seed: 9 });
  const P = sampler.realOutputDim;
  const F = new Float64Array(P);
  const lists = orders.map((n) => ({ n, ms: multisets(P, n) }));
  const sums = lists.map((l) => new Float64Array(l.ms.length / l.n));
  const sq = lists.map((l) => new Float64Array(l.ms.length / l.n));
  for (let t = 0; t < NETS; t++) {
    sampler.draw(5, t).forward(x, F);
    lists.forEach(({ n, ms }, q) => {
      for (let u = 0; u < ms.length / n; u++) {
        let p = 1;
        for (let s = 0; s < n; s++) p *= F[ms[u * n + s]!]!;
        sums[q]![u]! += p;
        sq[q]![u]! += p * p;
      }
    });
  }
  const out = new Map<string, [number, number]>();
  lists.forEach(({ n, ms }, q) => {
    for (let u = 0; u < ms.length / n; u++) {
      const mu = sums[q]![u]! / NETS;
      const se = Math.sqrt(Math.max(0, sq[q]![u]! / NETS - mu * mu) / (NETS - 1));
      out.set(Array.from(ms.subarray(u * n, u * n + n)).join(','), [mu, se]);
    }
  });
  return out;
}

async function theirs(distribution: DistributionSpec, D: number, orders: number[]): Promise<Map<string, [number, number]>> {
  const r = await sampleCorrelators({ activation: 'tanh', inputs: [x], widths: [16, D], cb: 0.1, cw: 1, nets: NETS, seed: 11, orders, distribution, workers: 1 });
  const out = new Map<string, [number, number]>();
  for (const e of r.entries) out.set(e.points.map(([i]) => i).sort((a, b) => a - b).join(','), [e.moment.mean, e.moment.stderr]);
  return out;
}

function maxZ(a: Map<string, [number, number]>, b: Map<string, [number, number]>): { z: number; K: number } {
  let z = 0;
  for (const [k, [ma, sa]] of a) {
    const [mb, sb] = b.get(k)!;
    z = Math.max(z, Math.abs(ma - mb) / Math.sqrt(sa * sa + sb * sb));
  }
  return { z, K: a.size };
}

const TW = Array.from({ length: 8 }, (_, j) => [Math.sin(1 + j), Math.cos(2 * j + 0.5)]);
const CASES: [string, LastLayerSpec, FirstLayerSpec | undefined, DistributionSpec, number][] = [
  ['Gaussian', { kind: 'gaussian' }, undefined, {}, 2],
  ['quartic (eq. 16), λ = 0.5', { kind: 'quartic', lambda: 0.5 }, undefined, { correlated: { lambda: 0.5 } }, 2],
  ['quartic (eq. 16), λ = 3', { kind: 'quartic', lambda: 3 }, undefined, { correlated: { lambda: 3 } }, 2],
  ['complex (App. A.2)', { kind: 'complex' }, undefined, { output: 'complex' }, 2],
  ['quaternionic (App. A.5)', { kind: 'quaternionic' }, undefined, { output: 'quaternion' }, 1],
  ['T-layer ((Wx) mod 1 + b) mod 1, b ~ U[0,1) (App. A.4)', { kind: 'gaussian' }, { kind: 't-layer', width: 8, bias: 'uniform', weights: TW }, { tLayer: { width: 8, weights: TW } }, 2],
  ['mean μ_W = 0.2 on k = 1 rows (eq. 14)', { kind: 'mean-rows', mu: 0.2, rows: 1 }, undefined, { meanShift: { mu: 0.2, rows: 1 } }, 2],
];

describe('symmetry sampler = src/montecarlo densities', () => {
  it.each(CASES)('%s', async (_name, last, first, dist, D) => {
    const a = mine(last, first, D, [1, 2, 4]);
    const b = await theirs(dist, D, [1, 2, 4]);
    expect(b.size).toBe(a.size);
    const { z, K } = maxZ(a, b);
    expect(z).toBeLessThan(normalUpperQuantile(1e-3 / (2 * K)));
  });

  it('control: the quartic density (λ = 0.5, the so-output-quartic default) is distinguishable from the Gaussian one', async () => {
    const a = mine({ kind: 'quartic', lambda: 0.5 }, undefined, 2, [2, 4]);
    const b = await theirs({}, 2, [2, 4]);
    const { z, K } = maxZ(a, b);
    expect(z).toBeGreaterThan(normalUpperQuantile(1e-3 / (2 * K)));
  });
});

describe('App. C Gauss-net sampler = src/montecarlo gauss-net', () => {
  // G⁽²⁾(x1,x2) and G⁽⁴⁾(x1..x4), all output indices, D = 2, width 8: 10 × 2 000 networks (App. C sampler,
  // standard error from the spread of the 10 experiments) against 20 000 (src/montecarlo, jackknife)
  const D = 2;
  const xs = [[-0.5], [-0.2], [0.2], [0.5]];
  const compare = async (sigmaB2: number): Promise<{ z: number; K: number }> => {
    const { appCExperiment } = await import('../../src/symmetry/appc.ts');
    const a = appCExperiment({ D, width: 8, nets: 2000, experiments: 10, elements: 1, seed: 2, inputs: xs, sigmaB2, tensors: true }).tensors!;
    const pts: [number, number][][] = [];
    for (let u = 0; u < D ** 2; u++) pts.push([[Math.floor(u / D), 0], [u % D, 1]]);
    for (let u = 0; u < D ** 4; u++) pts.push([0, 1, 2, 3].map((k) => [Math.floor(u / D ** (3 - k)) % D, k] as [number, number]));
    const r = await sampleCorrelators({ network: 'gauss-net', activation: 'gauss', inputs: xs, widths: [8, D], cb: 0.1, cw: 1, nets: 20000, seed: 13, points: pts, workers: 1 });
    // entries come back with points sorted; recover the output index of slot k from the point at input k
    const lookup = new Map<string, [number, number]>();
    for (const e of r.entries) {
      const byInput = new Array<number>(e.points.length);
      for (const [i, al] of e.points) byInput[al] = i;
      lookup.set(byInput.join(','), [e.moment.mean, e.moment.stderr]);
    }
    let z = 0, K = 0;
    const cmp = (mine: number[], se: number[], n: number) => mine.forEach((v, u) => {
      const idx = Array.from({ length: n }, (_, k) => Math.floor(u / D ** (n - 1 - k)) % D);
      const [m, s] = lookup.get(idx.join(','))!;
      z = Math.max(z, Math.abs(v - m) / Math.hypot(se[u]!, s));
      K++;
    });
    cmp(a.G2, a.G2stderr, 2);
    cmp(a.G4, a.G4stderr, 4);
    return { z, K };
  };
  // the experiment-spread standard error has only 9 degrees of freedom: the threshold is the Student-t(9)
  // quantile at the Bonferroni level α/(2K) = 1e-3/40 (7.2; the normal one would be 3.7) — conservative
  const T9 = 7.2;
  it('same σ_b²: agree', async () => {
    const { z } = await compare(0.1);
    expect(z).toBeLessThan(T9);
  });
  it('control: σ_b² = 0.3 against 0.1 disagrees', async () => {
    const { z } = await compare(0.3);
    expect(z).toBeGreaterThan(T9);
  });
});
