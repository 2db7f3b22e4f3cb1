/**
 * Resource bounds and small samples of the paired symmetry test (src/symmetry/budget.ts, engine.ts): a run over
 * the time budget stops after a short pilot with the networks that fit; a comparison whose accumulators exceed
 * the memory budget is refused before allocating; experiments with fewer than two networks (no standard error)
 * and products that overflow the double range are refused instead of printing null.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NnftInputError, NnftNumericalError, NnftResourceError } from '../../src/errors.ts';
import { pairedBytes, PILOT_MAX_SECONDS } from '../../src/symmetry/budget.ts';
import { checkSymmetry } from '../../src/symmetry/cases.ts';

afterEach(() => {
  delete process.env.NNFT_MAX_SECONDS;
  delete process.env.NNFT_MAX_MEMORY;
});

describe('symmetry runs within the budgets', () => {
  it('10⁷ networks under NNFT_MAX_SECONDS=2: refused after the pilot, naming the networks that fit', () => {
    process.env.NNFT_MAX_SECONDS = '2';
    const t0 = performance.now();
    const err = (() => {
      try {
        checkSymmetry({ case: 'so-output', dim: 3, width: 16, nets: 1e7, seed: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/10000000 networks at ≈ .* each.*at most --nets \d+ fits/);
    const fit = Number(/at most --nets (\d+)/.exec((err as Error).message)![1]);
    expect(fit).toBeGreaterThan(100);
    expect(fit).toBeLessThan(1e7);
    // the pilot: at most PILOT_MAX_SECONDS of networks, plus setup (a loaded machine)
    expect((performance.now() - t0) / 1000).toBeLessThan(PILOT_MAX_SECONDS + 5);
  }, 30_000);

  it('accumulators over the memory budget are refused before allocating, with the experiments that fit', () => {
    process.env.NNFT_MAX_MEMORY = '50M';
    // SO(6) outputs at 2 inputs: 12 combined indices, C(15, 4) = 1365 entries of order 4; 100 experiments ×
    // 300 elements: 8·1365·100·(2 + 4·300) bytes ≈ 1.3 GB. Under 50 MiB = 52 428 800 bytes: 3 experiments
    // (39.4 MB) fit and 4 (52.5 MB) do not; 11 elements (50.3 MB) fit and 12 (54.7 MB) do not.
    const bytes = pairedBytes([{ K: 1365, n: 4, multisets: true }], 100, 300);
    expect(bytes).toBe(8 * 1365 * 100 * (2 + 4 * 300) + 1365 * 4 * 12);
    const err = (() => {
      try {
        checkSymmetry({ case: 'so-output', dim: 6, width: 8, nets: 1e4, orders: [4], experiments: 100, elements: 300, seed: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/1365 correlator entries .*~1\.3 GB of memory.*--experiments 3 fits; --elements 11 fits/);
  });

  it('7 experiments of 13 networks: refused (an experiment of one network has no standard error)', () => {
    // before: null bounds with exit 0 (nnft symmetry --case broken-input --nets 13 --experiments 7)
    expect(() => checkSymmetry({ case: 'broken-input', nets: 13, experiments: 7, seed: 8 })).toThrow(NnftInputError);
    expect(() => checkSymmetry({ case: 'broken-input', nets: 13, experiments: 7, seed: 8 })).toThrow(/use at most 6 experiments, or at least 14 networks/);
  });

  it('order-6 products of outputs near 1e60 overflow: a numerical error naming --orders, not null', () => {
    // exp(100 z) at z ≈ 1.4 gives ≈ 1e60, its sixth power 1e360 > 1.8e308
    const err = (() => {
      try {
        checkSymmetry({ case: 'so-output', dim: 2, width: 4, nets: 200, orders: [6], activation: 'exp(100*z)', seed: 3 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NnftNumericalError);
    expect((err as Error).message).toMatch(/overflow the double range.*--orders|--orders.*overflow/s);
  });
});
