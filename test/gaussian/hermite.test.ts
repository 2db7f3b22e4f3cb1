import { describe, expect, it } from 'vitest';
import { gaussExpect, gaussHermite } from '../../src/gaussian/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const dfact = (n: number): number => (n <= 0 ? 1 : n * dfact(n - 2));

describe('Gauss–Hermite rules (probabilists’)', () => {
  it('known 3-point rule', () => {
    const { nodes, weights } = gaussHermite(3);
    expect(nodes[0]).toBeCloseTo(-Math.sqrt(3), 15);
    expect(nodes[1]).toBe(0);
    expect(nodes[2]).toBeCloseTo(Math.sqrt(3), 15);
    expect(weights[0]).toBeCloseTo(1 / 6, 15);
    expect(weights[1]).toBeCloseTo(2 / 3, 15);
  });
  it('weights sum to 1; moments E[z^2k] = (2k−1)!! exactly up to degree 2n−1, odd moments 0', () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 10, 13, 16, 20, 25, 32]) {
      const { nodes, weights } = gaussHermite(n);
      let s = 0;
      for (const w of weights) s += w;
      expect(Math.abs(s - 1)).toBeLessThan(2e-15);
      for (let p = 1; p <= 2 * n - 1; p++) {
        let m = 0;
        let scale = 0;
        for (let i = 0; i < n; i++) {
          m += weights[i]! * nodes[i]! ** p;
          scale += weights[i]! * Math.abs(nodes[i]!) ** p;
        }
        const exact = p % 2 ? 0 : dfact(p - 1);
        expect(Math.abs(m - exact)).toBeLessThanOrEqual(2e-13 * Math.max(1, scale));
      }
      // degree 2n is NOT integrated exactly (a rule that claims otherwise is wrong)
      let m2n = 0;
      for (let i = 0; i < n; i++) m2n += weights[i]! * nodes[i]! ** (2 * n);
      expect(Math.abs(m2n - dfact(2 * n - 1))).toBeGreaterThan(1e-11 * dfact(2 * n - 1));
      for (let i = 0; i < n; i++) expect(nodes[i]! + nodes[n - 1 - i]!).toBe(0);
    }
  });
  it('high orders stay accurate (n = 100, 400, 1000)', () => {
    for (const n of [100, 400, 1000]) {
      const { nodes, weights } = gaussHermite(n);
      let s = 0;
      let m2 = 0;
      let m4 = 0;
      let m8 = 0;
      for (let i = 0; i < n; i++) {
        s += weights[i]!;
        m2 += weights[i]! * nodes[i]! ** 2;
        m4 += weights[i]! * nodes[i]! ** 4;
        m8 += weights[i]! * nodes[i]! ** 8;
        if (i > 0) expect(nodes[i]!).toBeGreaterThan(nodes[i - 1]!);
      }
      expect(Math.abs(s - 1)).toBeLessThan(1e-14);
      expect(Math.abs(m2 - 1)).toBeLessThan(1e-13);
      expect(Math.abs(m4 - 3)).toBeLessThan(1e-13);
      expect(Math.abs(m8 - 105)).toBeLessThan(1e-11);
    }
  });
  it('rejects invalid orders', () => {
    expect(() => gaussHermite(0)).toThrow(NnftInputError);
    expect(() => gaussHermite(2.5)).toThrow(NnftInputError);
  });
});

describe('gaussExpect (general integrands, 1–4 D)', () => {
  const K4 = [
    [1.2, 0.3, -0.2, 0.5],
    [0.3, 0.9, 0.1, 0.2],
    [-0.2, 0.1, 0.7, -0.1],
    [0.5, 0.2, -0.1, 1.1],
  ];
  it('polynomials are exact (Wick)', () => {
    const r = gaussExpect((z) => z[0]! * z[1]! * z[2]! * z[3]!, K4, { order: 6 });
    const wick = K4[0]![1]! * K4[2]![3]! + K4[0]![2]! * K4[1]![3]! + K4[0]![3]! * K4[1]![2]!;
    expect(Math.abs(r.value - wick)).toBeLessThan(1e-14);
    expect(r.error).toBeLessThan(1e-13);
    const K2 = [[1.5, -0.4], [-0.4, 0.8]];
    const r2 = gaussExpect((z) => z[0]! ** 2 * z[1]! ** 2, K2);
    expect(Math.abs(r2.value - (1.5 * 0.8 + 2 * 0.16))).toBeLessThan(1e-13);
  });
  it('characteristic function exp(−½ aᵀKa) in 3 D and with singular K', () => {
    const a = [0.7, -0.4, 1.1];
    const K3 = [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]];
    const q = (K: number[][]) => a.reduce((s, ai, i) => s + a.reduce((t, aj, j) => t + ai * aj * K[i]![j]!, 0), 0);
    const r = gaussExpect((z) => Math.cos(a[0]! * z[0]! + a[1]! * z[1]! + a[2]! * z[2]!), K3, { order: 32 });
    expect(Math.abs(r.value - Math.exp(-0.5 * q(K3)))).toBeLessThan(1e-13);
    // rank 1: z = (x, 2x, −x)
    const S = [[1, 2, -1], [2, 4, -2], [-1, -2, 1]];
    const rs = gaussExpect((z) => Math.cos(a[0]! * z[0]! + a[1]! * z[1]! + a[2]! * z[2]!), S);
    expect(Math.abs(rs.value - Math.exp(-0.5 * q(S)))).toBeLessThan(1e-13);
  });
  it('rejects bad kernels and sizes', () => {
    expect(() => gaussExpect(() => 1, [[1, 0.2], [0.3, 1]])).toThrow(/not symmetric/);
    expect(() => gaussExpect(() => 1, [[1, 2], [2, 1]])).toThrow(/not positive semi-definite/);
    expect(() => gaussExpect(() => 1, [[1, NaN], [NaN, 1]])).toThrow(/not a finite number/);
    expect(() => gaussExpect(() => 1, [[1, 0], [0]])).toThrow(/not square/);
    const I5 = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i === j ? 1 : 0)));
    expect(() => gaussExpect(() => 1, I5)).toThrow(NnftInputError);
  });
});
