import { describe, expect, it } from 'vitest';
import * as math from 'mathjs';
import { NnftInputError } from '../../src/errors.ts';
import {
  assertGroupElement, embedSO, expSO, haarSO, haarSp, haarSU, parseGroupName, randomElement, realDim, soGenerators, translationElement,
} from '../../src/symmetry/groups.ts';
import { det, expm, matmul, qrHouseholder, transpose } from '../../src/symmetry/linalg.ts';
import { Rng } from '../../src/symmetry/rng.ts';

const maxAbsDiff = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i]![j]!))));

describe('group elements', () => {
  it('App. C generators of so(3) are exactly eq. 44', () => {
    const [T1, T2, T3] = soGenerators(3);
    expect(T1).toEqual([[0, 0, 0], [0, 0, -1], [0, 1, 0]]);
    expect(T2).toEqual([[0, 0, -1], [0, 0, 0], [1, 0, 0]]);
    expect(T3).toEqual([[0, -1, 0], [1, 0, 0], [0, 0, 0]]);
    expect(soGenerators(5)).toHaveLength(10);
    for (const T of soGenerators(5)) expect(maxAbsDiff(T, transpose(T).map((r) => r.map((v) => -v)))).toBe(0);
  });

  it('expm agrees with mathjs.expm and with Rodrigues for so(3)', () => {
    const A = [[0, -1.2, 0.3], [1.2, 0, -2.5], [-0.3, 2.5, 0]];
    const ref = (math.expm(math.matrix(A)) as math.Matrix).toArray() as number[][];
    expect(maxAbsDiff(expm(A), ref)).toBeLessThan(1e-13);
    // Rodrigues: exp(θ K) = I + sin θ K + (1 − cos θ) K² for a unit axis
    const w = [2.5, 0.3, 1.2]; // A = [w]_× with w = (A32, A13, A21)
    const th = Math.hypot(...w);
    const K = A.map((r) => r.map((v) => v / th));
    const K2 = matmul(K, K);
    const rod = K.map((r, i) => r.map((v, j) => (i === j ? 1 : 0) + Math.sin(th) * v + (1 - Math.cos(th)) * K2[i]![j]!));
    expect(maxAbsDiff(expm(A), rod)).toBeLessThan(1e-13);
    // a large argument (scaling and squaring): still orthogonal
    const big = A.map((r) => r.map((v) => 40 * v));
    const R = expm(big);
    expect(maxAbsDiff(matmul(transpose(R), R), [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeLessThan(1e-12);
  });

  it('the paper scheme exp(Σ α_i T^i) with α = 0 is the identity and α = θ e_3 is a rotation in the (1,2) plane', () => {
    const rng = new Rng(1);
    expect(maxAbsDiff(expSO(3, rng, [0, 0, 0]).real, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBe(0);
    const th = 0.7;
    const R = expSO(3, rng, [0, 0, th]).real;
    expect(maxAbsDiff(R, [[Math.cos(th), -Math.sin(th), 0], [Math.sin(th), Math.cos(th), 0], [0, 0, 1]])).toBeLessThan(1e-15);
  });

  it.each([2, 3, 5, 8])('SO/SU/Sp(%i) elements pass RᵀR = I, det R = 1 (and U†U = I, quaternion linearity) to 1e-13', (D) => {
    const rng = new Rng(7, D);
    for (const g of [haarSO(D, rng), expSO(D, rng), haarSU(D, rng), haarSp(D, rng)]) {
      expect(g.real.length).toBe(realDim(g.group, D));
      expect(g.check.orthogonality).toBeLessThan(1e-13);
      expect(g.check.detError).toBeLessThan(1e-12);
      expect(g.check.deltaR).toBeLessThan(1e-14);
      if (g.group !== 'SO') expect(g.check.unitarity).toBeLessThan(1e-13);
      if (g.group === 'Sp') expect(g.check.quaternionLinearity).toBeLessThan(1e-13);
      assertGroupElement(g, 1e-12);
    }
  });

  it('Haar SO(4), SU(3), Sp(2): E|R_00|² = 1/dim within 4 standard errors (2000 draws)', () => {
    const rng = new Rng(3);
    for (const [group, D, expected] of [['SO', 4, 1 / 4], ['SU', 3, 1 / 3], ['Sp', 2, 1 / 2]] as const) {
      const xs: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const g = randomElement(group, D, rng);
        // |S_00|² summed over its real components: first column of the realified block
        const k = realDim(group, D) / D;
        let s = 0;
        for (let c = 0; c < k; c++) s += g.real[c]![0]! ** 2;
        xs.push(s);
      }
      const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1));
      expect(Math.abs(mu - expected)).toBeLessThan((4 * sd) / Math.sqrt(xs.length));
    }
  });

  it('QR of a Gaussian matrix: Q orthogonal, Q R reproduces the matrix diagonal signs', () => {
    const A = [[1, 2, 0], [0.5, -1, 3], [2, 1, 1]];
    const { q, rDiag } = qrHouseholder(A);
    expect(maxAbsDiff(matmul(transpose(q), q), [[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toBeLessThan(1e-14);
    expect(Math.abs(Math.abs(rDiag.reduce((a, b) => a * b, 1)) - Math.abs(det(A)))).toBeLessThan(1e-12);
  });

  it('embedded SO(D−k) leaves the first k components alone', () => {
    const g = embedSO(haarSO(2, new Rng(2)), 3, 1);
    expect(g.real[0]).toEqual([1, 0, 0]);
    expect(g.real[1]![0]!).toBe(0);
    expect(g.check.orthogonality).toBeLessThan(1e-14);
  });

  it('bad input: unknown group, D < 2, bad translation → NnftInputError', () => {
    const rng = new Rng(1);
    expect(() => parseGroupName('G2')).toThrow(NnftInputError);
    expect(() => randomElement('E8', 3, rng)).toThrow(/unknown group/);
    expect(() => haarSO(1, rng)).toThrow(NnftInputError);
    expect(() => randomElement('SU', 0, rng)).toThrow(/D ≥ 2/);
    expect(() => soGenerators(1.5)).toThrow(NnftInputError);
    expect(() => expSO(3, rng, [1, 2])).toThrow(/D\(D−1\)\/2/);
    expect(() => translationElement([1, NaN])).toThrow(NnftInputError);
    expect(parseGroupName('sp')).toBe('Sp');
  });
});
