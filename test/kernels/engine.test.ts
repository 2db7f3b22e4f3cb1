/**
 * The many-input kernel engine (src/kernels) against the recursion solver (recursions/) for every registered
 * activation, thread-count independence, memory and overflow refusals, and the per-pair formulas at their limits.
 */
import { describe, expect, it } from 'vitest';
import { solveKernels, solveKernelsSync, runKernelsSync, kernelMethod, largestFittingInputs, kernelMemoryBytes } from '../../src/kernels/index.ts';
import { arcCosineJ1, exactDet } from '../../src/kernels/pairs.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { getActivation } from '../../src/activations/index.ts';
import { NnftInputError, NnftNumericalError, NnftResourceError } from '../../src/errors.ts';

const LONG = process.env.NNFT_LONG === '1';

// unequal norms (distinct diagonals), a near-duplicate pair (angle ~2e-3: closer pairs make ⟨σ'σ'⟩ of ReLU
// ill-conditioned in K itself, |dP/dρ| = 1/(2π sin θ)) and a near-antiparallel pair
const INPUTS = [
  [1, 0.5, -0.3],
  [0.2, -0.9, 0.4],
  [1.5, 0.1, 0.7],
  [-0.8, 0.3, 0.05],
  [0.3, 0.3, 0.3],
  [1.02, 0.5, -0.3],
  [-0.6, 0.2, -0.1],
];

const ACTIVATIONS = ['relu', 'leaky_relu(0.1)', 'linear', 'tanh', 'erf', 'gelu', 'silu', 'sigmoid', 'softplus', 'sin', 'gauss', 'z/(1+exp(-z))'];

function architecture(act: string) {
  // gauss (σ = e^z) grows with K: smaller weights keep the kernel finite over four layers
  const g = act.startsWith('gauss');
  return {
    activation: act,
    inputs: INPUTS,
    widths: [64, 64, 64, 64],
    cb: [0.1, 0.2, 0.05, 0.1],
    cw: g ? [0.5, 0.2, 0.1, 0.1] : [1.5, 1.2, 0.9, 1.3],
    lambdaB: [1, 0.5, 0.3, 0.2],
    lambdaW: [1, 0.7, 1.1, 0.9],
  };
}

function maxRel(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!) / Math.abs(b[i]![j]!)))));
  return worst;
}

describe('kernel engine against the recursion solver', () => {
  for (const act of ACTIVATIONS) {
    it(`${act}: K and Θ of every layer agree to 1e-12 relative`, () => {
      const spec = { ...architecture(act), quantities: ['K', 'Theta'] };
      const engine = solveKernelsSync(spec);
      const solver = solveRecursions({ ...spec, quantities: ['K', 'Theta'] });
      expect(engine.layers.map((l) => [l.layer, l.width])).toEqual(solver.layers.map((l) => [l.layer, l.width]));
      engine.layers.forEach((l, i) => {
        // both solvers are accurate to ~1e-13 (the engine's series tolerance, src/gaussian's calibrated quadrature);
        // the difference can grow by the layer maps' Lipschitz constants over 4 layers
        expect(maxRel(l.K!, solver.layers[i]!.K!)).toBeLessThan(1e-12);
        expect(maxRel(l.Theta!, solver.layers[i]!.Theta!)).toBeLessThan(1e-12);
      });
    });
  }

  it('the closed forms are used where they exist, the Mehler series otherwise', () => {
    const kind = (a: string): boolean => kernelMethod(getActivation(a)).closedForm;
    for (const a of ['relu', 'leaky_relu(0.1)', 'linear', 'erf', 'sin', 'gauss', 'gauss(0.5)', 'erf(z)', 'exp(z)']) expect(kind(a), a).toBe(true);
    for (const a of ['tanh', 'gelu', 'silu', 'sigmoid', 'softplus', 'z/(1+exp(-z))']) expect(kind(a), a).toBe(false);
  });

  it('K alone and Θ alone give the same numbers as both together', () => {
    const spec = architecture('tanh');
    const both = solveKernelsSync({ ...spec, quantities: ['K', 'Theta'] });
    const k = solveKernelsSync({ ...spec, quantities: ['K'] });
    const t = solveKernelsSync({ ...spec, quantities: ['Theta'] });
    both.layers.forEach((l, i) => {
      expect(k.layers[i]!.K).toEqual(l.K);
      expect(k.layers[i]!.Theta).toBeUndefined();
      expect(t.layers[i]!.Theta).toEqual(l.Theta);
      expect(t.layers[i]!.K).toBeUndefined();
    });
  });

  it('duplicate and zero inputs: duplicates give equal rows, a zero input (C_b = 0) a zero kernel row', () => {
    const inputs = [[1, 0.5], [1, 0.5], [0, 0], [0.2, -0.9]];
    for (const act of ['tanh', 'relu', 'erf']) {
      const res = solveKernelsSync({ activation: act, inputs, widths: [8, 8, 8], cb: 0, cw: 1.3 });
      for (const l of res.layers) {
        expect(l.K![1]).toEqual(l.K![0]);
        expect(l.Theta![1]).toEqual(l.Theta![0]);
        expect(l.K![2]!.every((v) => v === 0)).toBe(true);
      }
      const ref = solveRecursions({ activation: act, inputs, widths: [8, 8, 8], cb: 0, cw: 1.3, quantities: ['K', 'Theta'] });
      res.layers.forEach((l, i) => {
        l.K!.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(v - ref.layers[i]!.K![a]![b]!)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(v)))));
        l.Theta!.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(v - ref.layers[i]!.Theta![a]![b]!)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(v)))));
      });
    }
  });

  it('results do not depend on the number of worker threads (bit for bit)', async () => {
    const inputs = Array.from({ length: 150 }, (_, i) => [Math.sin(1.7 * i), Math.cos(0.37 * i) * (1 + (i % 7) / 3), 0.1 * (i % 11) - 0.5]);
    for (const act of ['tanh', 'relu']) {
      const spec = { activation: act, inputs, widths: [32, 32, 32], cb: 0.1, cw: 1.7, quantities: ['K', 'Theta'] };
      const one = solveKernelsSync(spec);
      const two = await solveKernels(spec, { workers: 2 });
      one.layers.forEach((l, i) => {
        expect(Object.is(l.K![17]![93], two.layers[i]!.K![17]![93])).toBe(true);
        expect(two.layers[i]!.K).toEqual(l.K);
        expect(two.layers[i]!.Theta).toEqual(l.Theta);
      });
    }
  });

  it('delivers only the selected layers and reports progress up to the total', () => {
    const seen: number[] = [];
    let last = { pairsDone: 0, pairsTotal: -1 };
    runKernelsSync({ activation: 'tanh', inputs: INPUTS, widths: [8, 8, 8, 8, 8], quantities: ['K'] }, {
      layers: [2, 5],
      onLayer: (l) => seen.push(l.layer),
      onProgress: (p) => (last = p),
    });
    expect(seen).toEqual([2, 5]);
    expect(last.pairsDone).toBe(last.pairsTotal);
    expect(last.pairsTotal).toBe(5 * (INPUTS.length * (INPUTS.length + 1)) / 2);
    expect(() => runKernelsSync({ activation: 'tanh', inputs: INPUTS, widths: [8, 8] }, { layers: [3] })).toThrow(NnftInputError);
  });
});

describe('refusals', () => {
  it('memory: refused before allocating, naming the largest m that fits', () => {
    const saved = process.env.NNFT_MAX_MEMORY;
    process.env.NNFT_MAX_MEMORY = '100M';
    try {
      const inputs = Array.from({ length: 3000 }, (_, i) => [i % 7, 1]);
      let err: unknown;
      try {
        solveKernelsSync({ activation: 'relu', inputs, widths: [4, 4], quantities: ['K', 'Theta'] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NnftResourceError);
      const fit = largestFittingInputs(2, 2 + 2 * 2, 100 * 1024 ** 2);
      expect((err as Error).message).toContain(`at most ${fit} inputs fit`);
      expect(kernelMemoryBytes(fit, 2, 6)).toBeLessThanOrEqual(100 * 1024 ** 2);
      expect(kernelMemoryBytes(fit + 1, 2, 6)).toBeGreaterThan(100 * 1024 ** 2);
    } finally {
      if (saved === undefined) delete process.env.NNFT_MAX_MEMORY;
      else process.env.NNFT_MAX_MEMORY = saved;
    }
  });

  it('overflow: a numerical error naming the layer, never Infinity', () => {
    let err: unknown;
    try {
      solveKernelsSync({ activation: 'gauss', inputs: INPUTS, widths: [8, 8, 8, 8, 8], cb: 0.1, cw: 3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NnftNumericalError);
    expect((err as NnftNumericalError).location.layer).toBeGreaterThan(1);
    expect((err as Error).message).toMatch(/overflows/);
  });

  it('a growing σ: exp(z²) has ⟨σσ⟩ = 1/√(1 − 4K) on one input while 4K < 1, and is refused beyond', () => {
    for (const k of [0.0025, 0.05, 0.2]) {
      const res = solveKernelsSync({ activation: 'exp(z^2)', inputs: [[Math.sqrt(k)]], widths: [4, 4], cb: 0, cw: [1, 1], quantities: ['K'] });
      expect(Math.abs(res.layers[1]!.K![0]![0]! * Math.sqrt(1 - 4 * k) - 1)).toBeLessThan(1e-12);
    }
    expect(() => solveKernelsSync({ activation: 'exp(z^2)', inputs: [[Math.sqrt(0.3)]], widths: [4, 4], cb: 0, cw: 1 })).toThrow(/does not converge/);
  });

  it('a Gaussian integral that diverges is refused (σ = exp(z²/4) at K ≥ 2)', () => {
    expect(() => solveKernelsSync({ activation: 'exp(z^2/4)', inputs: [[2, 2], [1, 3]], widths: [4, 4], cb: 0, cw: 2 })).toThrow(NnftNumericalError);
  });

  it('quantities other than K and Theta are refused with the fix', () => {
    expect(() => solveKernelsSync({ activation: 'tanh', inputs: INPUTS, widths: [4, 4], quantities: ['K', 'V4'] })).toThrow(/solveRecursions/);
  });
});

describe('per-pair formulas at their limits', () => {
  it('sin δ − δ cos δ: the series branch continues the direct formula and is accurate as δ → 0', () => {
    for (const d of [0.4999, 0.5, 0.5001]) {
      const rho = -Math.cos(d);
      const direct = Math.sin(d) - d * Math.cos(d);
      expect(Math.abs(arcCosineJ1(d, rho, Math.sin(d)) - direct)).toBeLessThan(1e-15);
    }
    // δ³/3 − δ⁵/30 + δ⁷/840 is exact to 1e-16 relative at δ = 1e-3
    const d = 1e-3;
    expect(Math.abs(arcCosineJ1(d, -Math.cos(d), Math.sin(d)) / (d ** 3 / 3 - d ** 5 / 30 + d ** 7 / 840) - 1)).toBeLessThan(1e-15);
  });

  it('det K of nearly parallel inputs is exact to rounding (the angle of ReLU kernels near ρ = ±1 depends on it)', () => {
    // exact value with BigInt: a double is an integer times 2^-1074
    const big = (x: number): bigint => {
      const buf = new DataView(new ArrayBuffer(8));
      buf.setFloat64(0, x);
      const bits = buf.getBigUint64(0);
      const e = Number((bits >> 52n) & 0x7ffn);
      const mant = (bits & ((1n << 52n) - 1n)) | (e ? 1n << 52n : 0n);
      return (x < 0 ? -mant : mant) << BigInt(Math.max(0, e - 1));
    };
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 200; i++) {
      const kaa = 0.5 + 3 * rand();
      const kbb = 0.5 + 3 * rand();
      const eps = 10 ** (-4 - 10 * rand());
      const kab = (rand() < 0.5 ? 1 : -1) * Math.sqrt(kaa * kbb) * (1 - eps);
      const exact = big(kaa) * big(kbb) - big(kab) * big(kab); // scaled by 2^(2·1074)
      const exactValue = Number(exact >> 2000n) / 2 ** 148;
      const d = exactDet(kaa, kbb, kab);
      expect(Math.abs(d - exactValue)).toBeLessThanOrEqual(4e-16 * Math.abs(exactValue) + 1e-300);
      // the naive difference of rounded products is off by up to ~1e-16·K_aa K_bb absolute
      expect(exactValue).toBeGreaterThan(0);
    }
  });

  it.runIf(LONG)('m = 2000 ReLU and tanh: finite numbers, symmetric, diagonal equal to the single-input recursion', async () => {
    const inputs = Array.from({ length: 2000 }, (_, i) => [Math.sin(1.7 * i) * 2, Math.cos(0.37 * i), (i % 13) / 6 - 1]);
    for (const act of ['relu', 'tanh']) {
      const spec = { activation: act, inputs, widths: [16, 16, 16], cb: 0.1, cw: act === 'relu' ? 2 : 1.5 };
      const res = await solveKernels(spec);
      const last = res.layers[2]!;
      for (const a of [0, 999, 1999]) {
        const single = solveRecursions({ ...spec, inputs: [inputs[a]!], quantities: ['K', 'Theta'] }).layers[2]!;
        expect(Math.abs(last.K![a]![a]! / single.K![0]![0]! - 1)).toBeLessThan(1e-12);
        expect(Math.abs(last.Theta![a]![a]! / single.Theta![0]![0]! - 1)).toBeLessThan(1e-12);
        expect(last.K![a]![(a + 7) % 2000]).toBe(last.K![(a + 7) % 2000]![a]);
      }
      expect(last.K!.every((r) => r.every(Number.isFinite))).toBe(true);
    }
  });
});
