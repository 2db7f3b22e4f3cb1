import { describe, expect, it } from 'vitest';
import {
  feynmanDiagrams,
  diagramIntegral,
  evaluateDiagram,
  evaluateCorrelator,
  seriesOnSpace,
  gaussLegendre,
  estimateLambda,
  predictG6,
  nnqftLambdaWorkflow,
  gpCorrelator,
  measuredFromCorrelators,
} from '../../diagrams/index.ts';
import type { Diagram } from '../../diagrams/index.ts';

const kernel = (u: number, v: number) => Math.exp(-((u - v) ** 2) / 2);

describe('evaluation on spaces', () => {
  const ds = feynmanDiagrams({ points: 4, couplings: [4], order: 2 }).diagrams;
  const connected1 = ds.find((d) => d.order === 1 && d.connected)!;

  it('zero-dimensional: value = coefficient; the sum over diagrams is the series', () => {
    expect(evaluateDiagram(connected1, { space: { kind: 'zero' } })).toBe(-24);
    const s = seriesOnSpace(ds, { space: { kind: 'zero' } });
    expect(s).toEqual({ '1': 3, g4: -96, 'g4^2': 4752 });
    expect(evaluateCorrelator(ds, { space: { kind: 'zero' } }, { g4: 0.01 })).toBeCloseTo(3 - 0.96 + 0.4752, 12);
  });

  it('Gauss–Legendre integrates polynomials of degree 2n−1 exactly', () => {
    const { x, w } = gaussLegendre(8, -1, 3);
    const q = x.reduce((s, t, i) => s + w[i]! * t ** 15, 0);
    expect(q).toBeCloseTo((3 ** 16 - 1) / 16, 6); // relative 1e-13 of 2.7e6
  });

  it('interval quadrature: ∫dy Π K(x_i,y) of Gaussian kernels in closed form', () => {
    // Π_i exp(−(x_i−y)²/2) = exp(−2(y−x̄)² − ½Σ(x_i−x̄)²) ⇒ ∫_R = √(π/2)·exp(−½Σ(x_i−x̄)²)
    const xs = [-0.4, 0.1, 0.3, 0.8];
    const mean = xs.reduce((a, b) => a + b) / 4;
    const exact = Math.sqrt(Math.PI / 2) * Math.exp(-0.5 * xs.reduce((s, x) => s + (x - mean) ** 2, 0));
    const got = diagramIntegral(connected1, { space: { kind: 'interval', a: -12, b: 12, nodes: 120 }, kernel, externals: xs });
    expect(got).toBeCloseTo(exact, 10); // Gaussian tails beyond ±12 are < 1e-100; GL error ~1e-14
    expect(evaluateDiagram(connected1, { space: { kind: 'interval', a: -12, b: 12, nodes: 120 }, kernel, externals: xs })).toBeCloseTo(-24 * exact, 9);
  });

  it('weighted point set: a two-vertex diagram equals the brute-force double sum', () => {
    const ys = [-1, -0.3, 0.2, 0.9, 1.4];
    const ws = [0.5, 1, 2, 1, 0.25];
    const xs = [0.1, -0.2, 0.5, 1.1];
    // find the diagram K(x1,y)K(x2,y)K(x3,z)K(x4,z)K(y,z)^2 (the s-channel "fish")
    const fish = ds.find((d) => d.order === 2 && d.connected && d.topology.includes('v1-v2^2') && d.adjacency[0 * 6 + 4] === 1 && d.adjacency[1 * 6 + 4] === 1) as Diagram;
    expect(fish).toBeDefined();
    let brute = 0;
    for (let s = 0; s < ys.length; s++) {
      for (let t = 0; t < ys.length; t++) {
        brute += ws[s]! * ws[t]! * kernel(xs[0]!, ys[s]!) * kernel(xs[1]!, ys[s]!) * kernel(xs[2]!, ys[t]!) * kernel(xs[3]!, ys[t]!) * kernel(ys[s]!, ys[t]!) ** 2;
      }
    }
    const got = diagramIntegral(fish, { space: { kind: 'points', points: ys, weights: ws }, kernel, externals: xs });
    expect(got).toBeCloseTo(brute, 12);
  });

  it('bad input', () => {
    expect(() => diagramIntegral(connected1, { space: { kind: 'interval', a: 1, b: 0 }, kernel, externals: [0, 0, 0, 0] })).toThrow(/a < b/);
    expect(() => diagramIntegral(connected1, { space: { kind: 'points', points: [0] }, kernel, externals: [0, 0] })).toThrow(/external/);
    expect(() => diagramIntegral(connected1, { space: { kind: 'points', points: [0] }, externals: [0, 0, 0, 0] })).toThrow(/kernel/);
    expect(() => evaluateCorrelator(ds, { space: { kind: 'zero' } }, {})).toThrow(/g4/);
  });
});

describe('NN-QFT λ workflow (Maiti, NN field theory slides)', () => {
  // Synthetic data from the EFT itself: G4 = GP − 24 λ I4 at λ = −0.02, so λ is recovered exactly.
  const inputs = [-0.6, -0.1, 0.4, 0.8];
  const space = { kind: 'interval' as const, a: -10, b: 10, nodes: 100 };
  const d4 = feynmanDiagrams({ points: 4, couplings: [4], order: 1 }).diagrams.find((d) => d.order === 1 && d.connected)!;
  const lam = -0.02;
  const G4 = (...idx: number[]) => {
    const xs = idx.map((i) => inputs[i]!);
    return gpCorrelator(kernel, xs) - 24 * lam * diagramIntegral(d4, { space, kernel, externals: xs });
  };
  it('recovers λ per tuple and on average; predicts G6 = GP − 24λ Σ15 ∫KKKK·K', () => {
    const est = estimateLambda({ inputs, kernel, space, G4 });
    expect(est.perTuple.length).toBe(35); // C(4+3, 4) non-decreasing tuples
    for (const r of est.perTuple) expect(r.lambda).toBeCloseTo(lam, 12);
    expect(est.mean).toBeCloseTo(lam, 12);
    expect(est.leastSquares).toBeCloseTo(lam, 12);
    const xs = [-0.6, -0.1, 0.4, 0.8, 0.0, 0.3];
    const { gp, predicted } = predictG6(kernel, space, lam, xs);
    // direct: −24λ Σ over the 15 ways to put 4 points on the vertex, the other two on a propagator
    let corr = 0;
    for (let a = 0; a < 6; a++) {
      for (let b = a + 1; b < 6; b++) {
        const rest = xs.filter((_, i) => i !== a && i !== b);
        corr += kernel(xs[a]!, xs[b]!) * diagramIntegral(d4, { space, kernel, externals: rest });
      }
    }
    expect(predicted - gp).toBeCloseTo(-24 * lam * corr, 12);
  });
  it('workflow residuals vanish on EFT-generated G6', () => {
    const G6 = (...idx: number[]) => predictG6(kernel, space, lam, idx.map((i) => inputs[i]!)).predicted;
    const r = nnqftLambdaWorkflow({ inputs, kernel, space, G4, G6 });
    expect(r.g6.length).toBe(84);
    expect(r.residual!.predictedRms).toBeLessThan(1e-12);
    expect(r.residual!.gpRms).toBeGreaterThan(1e-3);
  });
  it('bad input', () => {
    expect(() => estimateLambda({ inputs, kernel, space: { kind: 'zero' }, G4 })).toThrow(/space/);
    expect(() => estimateLambda({ inputs, kernel, space, G4: [[[[1]]]] })).toThrow(/G4/);
    expect(() => estimateLambda({ inputs, kernel, space, G4, tuples4: [[0, 1, 2]] })).toThrow(/tuple/);
  });
});

describe('measuredFromCorrelators (Monte Carlo adapter)', () => {
  it('reads moments by input indices in any order, filters the output, errors on missing entries', () => {
    const res = {
      entries: [
        { points: [[0, 0], [0, 1], [0, 1], [0, 2]] as [number, number][], moment: { mean: 1.5, stderr: 0.1 } },
        { points: [[1, 0], [1, 1], [1, 1], [1, 2]] as [number, number][], moment: { mean: 9, stderr: 9 } },
      ],
    };
    const m = measuredFromCorrelators(res);
    expect(m.mean(2, 1, 0, 1)).toBe(1.5);
    expect(m.stderr(1, 1, 2, 0)).toBe(0.1);
    expect(measuredFromCorrelators(res, 1).mean(0, 1, 1, 2)).toBe(9);
    expect(() => m.mean(0, 0, 0, 0)).toThrow(/no measured moment/);
  });
});
