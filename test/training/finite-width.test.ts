/**
 * The O(1/n) training dynamics of src/training/finite-width.ts (docs/dntk.md):
 *  - closed-form time sums in the eigenbasis against the brute-force evaluation of the same sources
 *    (test/training/finite-width-oracle.ts: every time index summed, matrix powers, no eigendecomposition), random
 *    tensors, one and two outputs, 0…6 steps, to 1e-12;
 *  - the time kernels against direct sums and numerical integrals;
 *  - gradient flow as the limit of gradient descent with step η/k over k·t steps (error O(1/k));
 *  - s = ∞ equals the limit of many steps; at s = ∞ the training points are fitted: μ⁰ = Y and μ¹ = 0 there;
 *  - refusals: a non-positive Θ(X,X), negative or fractional steps, mismatched targets.
 * Trained networks against the prediction: test/training/finite-width-ensemble.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';
import { orderOnePrediction, type OutputLayerTensors, type Schedule } from '../../src/training/finite-width.ts';
import { homogeneousSum, productFactor, simplexIntegral, stepFactor, ONE_FACTOR } from '../../src/training/time-kernels.ts';
import { bruteForceOrderOne } from './finite-width-oracle.ts';

function randomTensors(m: number, seed: number, scaleTheta = 1): OutputLayerTensors {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const spd = (sc: number): Float64Array => {
    const G = Array.from({ length: m }, () => Array.from({ length: m }, rnd));
    const out = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      let v = a === b ? 0.5 : 0;
      for (let k = 0; k < m; k++) v += G[a]![k]! * G[b]![k]!;
      out[a * m + b] = sc * v;
    }
    return out;
  };
  const sym2 = (): Float64Array => {
    const o = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = a; b < m; b++) o[a * m + b] = o[b * m + a] = rnd();
    return o;
  };
  const r4 = (): Float64Array => Float64Array.from({ length: m ** 4 }, rnd);
  return { m, K: spd(1), Theta: spd(scaleTheta), Theta1: sym2(), A: r4(), B: r4(), P: r4(), Q: r4(), R: r4(), S: r4(), T: r4(), U: r4() };
}

const PARTS = ['ntkMean', 'ntkVariance', 'dntk', 'ddntk'] as const;

describe('closed-form time sums = brute-force sums of the same sources', () => {
  for (const D of [1, 2]) {
    it(`random tensors, 4 points (3 training), ${D} output${D > 1 ? 's' : ''}, up to ${D === 1 ? 6 : 3} steps, to 1e-12`, () => {
      const t = randomTensors(4, 7 + D);
      const N = 3;
      let s = 99;
      const Y = Float64Array.from({ length: N * D }, () => ((s = (s * 69069 + 1) % 4294967296), s / 4294967296 - 0.5));
      const eta = 0.3;
      const steps = D === 1 ? [0, 1, 2, 3, 6] : [0, 1, 3];
      const fast = orderOnePrediction({ tensors: t, nTrain: N, Y, D, lr: eta, schedule: { kind: 'descent', steps } });
      steps.forEach((st, si) => {
        const slow = bruteForceOrderOne(t, N, Y, D, eta, st);
        for (const part of PARTS) {
          const want = slow.parts[part]!;
          const scale = Math.max(1e-12, ...want.map(Math.abs));
          for (let p = 0; p < 4; p++) for (let i = 0; i < D; i++) {
            expect(Math.abs(fast.parts[part][si]![p]![i]! - want[p * D + i]!) / scale, `${part} s=${st} point ${p}`).toBeLessThan(1e-12);
          }
        }
        for (let p = 0; p < 4; p++) for (let i = 0; i < D; i++) expect(fast.mean0[si]![p]![i]).toBeCloseTo(slow.mean0[p * D + i]!, 13);
      });
    });
  }
});

describe('time kernels', () => {
  it('h_M(y) = Σ over gaps of Π y^g, directly, including repeated and unit factors', () => {
    const ys = [stepFactor(0.3, 0.7), stepFactor(0.3, 0.7), stepFactor(0.2, 1.1), ONE_FACTOR];
    for (const M of [0, 1, 2, 5, 9]) {
      let direct = 0;
      for (let g0 = 0; g0 <= M; g0++) for (let g1 = 0; g0 + g1 <= M; g1++) for (let g2 = 0; g0 + g1 + g2 <= M; g2++) {
        direct += ys[0]!.y ** g0 * ys[1]!.y ** g1 * ys[2]!.y ** g2;
      }
      expect(homogeneousSum(ys, M)).toBeCloseTo(direct, 12);
    }
    expect(homogeneousSum(ys, -1)).toBe(0);
    // M → ∞ with one unit factor: Π 1/(1 − y) over the others
    const inf = homogeneousSum(ys, Infinity);
    expect(inf).toBeCloseTo(1 / (0.21 * 0.21 * 0.22), 10);
    expect(Math.abs(homogeneousSum(ys, 4000) - inf) / inf).toBeLessThan(1e-12);
    // 1 − (1 − a)(1 − b) = a + b − ab without cancellation
    expect(Math.abs(productFactor([stepFactor(1e-9, 1), stepFactor(1e-9, 2)]).oneMinus - (3e-9 - 2e-18)) / 3e-9).toBeLessThan(1e-15);
  });

  it('simplex integral of exponentials = nested quadrature, coinciding rates included; t → ∞', () => {
    const quad2 = (b0: number, b1: number, t: number): number => {
      const n = 20000;
      let s = 0;
      for (let k = 0; k < n; k++) {
        const g = ((k + 0.5) / n) * t;
        s += Math.exp(-b0 * g - b1 * (t - g));
      }
      return (s * t) / n;
    };
    for (const [b0, b1] of [[0.7, 0.2], [0.5, 0.5], [3, 0]] as const) {
      expect(simplexIntegral([b0, b1], 2.3)).toBeCloseTo(quad2(b0, b1, 2.3), 7);
    }
    expect(simplexIntegral([0.5, 0.5, 0.5], 2)).toBeCloseTo((2 ** 2 / 2) * Math.exp(-1), 12);
    expect(simplexIntegral([2, 3, 0], Infinity)).toBeCloseTo(1 / 6, 14);
    expect(Math.abs(simplexIntegral([2, 3, 0], 40) - 1 / 6)).toBeLessThan(1e-14);
    expect(simplexIntegral([2, 3], Infinity)).toBe(0);
  });
});

describe('limits', () => {
  const t = randomTensors(5, 21, 0.6);
  const N = 3;
  const Y = Float64Array.of(0.4, -0.7, 0.2);
  const eta = 0.25;
  const run = (schedule: Schedule) => orderOnePrediction({ tensors: t, nTrain: N, Y, D: 1, lr: eta, schedule });

  it('gradient flow is the limit of gradient descent with step η/k over k·t steps (first-order convergence)', () => {
    const time = 3;
    const flow = run({ kind: 'flow', times: [time] });
    const err = (k: number): number => {
      const gd = orderOnePrediction({ tensors: t, nTrain: N, Y, D: 1, lr: eta / k, schedule: { kind: 'descent', steps: [k * time] } });
      let e = 0;
      for (let p = 0; p < 5; p++) e = Math.max(e, Math.abs(gd.correction[0]![p]![0]! - flow.correction[0]![p]![0]!), Math.abs(gd.mean0[0]![p]![0]! - flow.mean0[0]![p]![0]!));
      return e;
    };
    const e1 = err(8);
    const e2 = err(16);
    expect(e1).toBeLessThan(0.05 * Math.max(...flow.correction[0]!.map((r) => Math.abs(r[0]!))));
    expect(e2 / e1).toBeGreaterThan(0.4);
    expect(e2 / e1).toBeLessThan(0.6);
  });

  for (const kind of ['descent', 'flow'] as const) {
    it(`${kind}: ∞ is the limit of long training; the training points are fitted (μ⁰ = Y, μ¹ = 0)`, () => {
      const sched = (v: number): Schedule => (kind === 'descent' ? { kind, steps: [v] } : { kind, times: [v] });
      const inf = run(sched(Infinity));
      const long = run(sched(kind === 'descent' ? 3000 : 3000));
      const scale = Math.max(...inf.correction[0]!.map((r) => Math.abs(r[0]!)));
      expect(scale).toBeGreaterThan(1e-3);
      for (let p = 0; p < 5; p++) {
        expect(Math.abs(long.correction[0]![p]![0]! - inf.correction[0]![p]![0]!) / scale).toBeLessThan(1e-9);
        expect(long.mean0[0]![p]![0]).toBeCloseTo(inf.mean0[0]![p]![0]!, 10);
      }
      for (let a = 0; a < N; a++) {
        expect(inf.mean0[0]![a]![0]).toBeCloseTo(Y[a]!, 12);
        expect(Math.abs(inf.correction[0]![a]![0]!) / scale).toBeLessThan(1e-11);
        for (const part of PARTS) expect(Math.abs(inf.parts[part][0]![a]![0]!) / scale).toBeLessThan(1e-11);
      }
    });
  }

  it('at s = 0 nothing has moved; with all finite-width tensors zero the correction vanishes', () => {
    const r0 = run({ kind: 'descent', steps: [0] });
    expect(r0.correction[0]!.every((row) => row[0] === 0)).toBe(true);
    const z = new Float64Array(5 ** 4);
    const zt = { ...t, Theta1: new Float64Array(25), A: z, B: z, P: z, Q: z, R: z, S: z, T: z, U: z };
    const r = orderOnePrediction({ tensors: zt, nTrain: N, Y, D: 1, lr: eta, schedule: { kind: 'descent', steps: [7, Infinity] } });
    expect(r.correction.flat(2).every((v) => v === 0)).toBe(true);
  });
});

describe('refusals', () => {
  const t = randomTensors(4, 3);
  it('bad steps, targets and a singular Θ(X, X)', () => {
    expect(() => orderOnePrediction({ tensors: t, nTrain: 3, Y: new Float64Array(3), D: 1, lr: 0.1, schedule: { kind: 'descent', steps: [1.5] } })).toThrow(NnftInputError);
    expect(() => orderOnePrediction({ tensors: t, nTrain: 3, Y: new Float64Array(3), D: 1, lr: 0.1, schedule: { kind: 'flow', times: [-1] } })).toThrow(NnftInputError);
    expect(() => orderOnePrediction({ tensors: t, nTrain: 3, Y: new Float64Array(4), D: 1, lr: 0.1, schedule: { kind: 'flow', times: [1] } })).toThrow(/expected 3×1 targets/);
    const sing = { ...t, Theta: new Float64Array(16).fill(1) };
    expect(() => orderOnePrediction({ tensors: sing, nTrain: 3, Y: new Float64Array(3), D: 1, lr: 0.1, schedule: { kind: 'flow', times: [1] } })).toThrow(/eigenvalue/);
  });
});
