import { describe, expect, it } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';
import { appCExperiment } from '../../src/symmetry/appc.ts';

describe('App. C experiment (Maiti, Stoner, Halverson, Symmetry-via-Duality, Figure 2)', () => {
  it('μ_M lies inside the eq. 45 bound; δR is at rounding level; width < number of inputs works', () => {
    // 10 experiments × 500 Gauss-nets, 100 elements exp(Σ α_i T^i)
    for (const width of [2, 20]) {
      const r = appCExperiment({ D: 3, width, nets: 500, elements: 100, experiments: 10, seed: 4 });
      expect(r.deltaR).toBeLessThan(1e-15);
      for (const n of ['2', '4'] as const) {
        const m = r.M[n];
        expect(m.mean).toBeGreaterThan(0);
        expect(m.sigma).toBeGreaterThan(0);
        expect(m.mean).toBeLessThan(m.bound);
        // without δR the bound is √(δG′² + δG²) with δG′ ≈ δG (rotation of independent-ish errors)
        expect(m.deltaGPrime / m.deltaG).toBeGreaterThan(0.5);
        expect(m.deltaGPrime / m.deltaG).toBeLessThan(2);
      }
    }
  });

  it('bad input → NnftInputError', () => {
    expect(() => appCExperiment({ D: 1, width: 10 })).toThrow(NnftInputError);
    expect(() => appCExperiment({ D: 3, width: 0 })).toThrow(NnftInputError);
    expect(() => appCExperiment({ D: 3, width: 5, inputs: [[0], [1]] })).toThrow(/four inputs/);
    expect(() => appCExperiment({ D: 3, width: 5, experiments: 1 })).toThrow(NnftInputError);
  });
});
