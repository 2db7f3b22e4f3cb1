import { describe, expect, it } from 'vitest';
import { getActivation } from '../../src/activations/index.ts';
import { expectActivationProduct as E, makeLayerExpectation, gaussHermite, validateKernel } from '../../src/gaussian/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const f = (input: number, order: number) => ({ input, order });

describe('gaussian basics', () => {
  it('GH weights sum to 1', () => {
    for (const n of [1, 5, 20, 64]) {
      const { weights } = gaussHermite(n);
      expect(Math.abs(weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-14);
    }
  });
  it('ReLU arc-cosine kernels', () => {
    const K = [[1.3, 0.7], [0.7, 0.9]];
    const rho = 0.7 / Math.sqrt(1.3 * 0.9);
    const th = Math.acos(rho);
    const k0 = (Math.sqrt(1.3 * 0.9) / (2 * Math.PI)) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
    const relu = getActivation('relu');
    expect(Math.abs(E(relu, K, [f(0, 0), f(1, 0)]) - k0)).toBeLessThan(1e-14);
    expect(Math.abs(E(relu, K, [f(0, 1), f(1, 1)]) - (0.25 + Math.asin(rho) / (2 * Math.PI)))).toBeLessThan(1e-14);
  });
  it('sin 2D closed form', () => {
    const K = [[1.3, 0.7], [0.7, 0.9]];
    const v = E(getActivation('sin'), K, [f(0, 0), f(1, 0)]);
    expect(Math.abs(v - Math.exp(-1.1) * Math.sinh(0.7))).toBeLessThan(1e-13);
  });
  it('layer expectation memoises permutations', () => {
    const L = makeLayerExpectation(getActivation('tanh'), [[1, 0.5], [0.5, 1]]);
    expect(L([f(0, 1), f(1, 0)])).toBe(L([f(1, 0), f(0, 1)]));
  });
  it('rejects bad kernels', () => {
    expect(() => validateKernel([[1, 2], [0, 1]], 'K')).toThrow(NnftInputError);
    expect(() => validateKernel([[1, 2], [2, 1]], 'K')).toThrow(/positive semi-definite/);
  });
});
