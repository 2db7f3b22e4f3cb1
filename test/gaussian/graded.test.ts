/**
 * The graded Gauss–Kronrod machinery used at large kernel values: the Kronrod constants, the activations'
 * resolution maps, and the honesty of the error estimates that every graded expectation carries.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GK15_T, GK15_WG, GK15_WK } from '../../src/gaussian/kronrod.ts';
import { activationFeatures } from '../../src/gaussian/features.ts';
import { buildGradedNodes, gradedNestedSum, levelBreakpoints, levelRule } from '../../src/gaussian/graded.ts';
import { pivotedCholesky } from '../../src/gaussian/linalg.ts';
import { getActivation } from '../../src/activations/index.ts';

describe('15-point Gauss–Kronrod rule', () => {
  it('matches an independent 40-digit computation (mpmath) to 1e-15', () => {
    const ref = JSON.parse(execFileSync('python3', [join(__dirname, 'gauss_kronrod.py')], { encoding: 'utf8' })) as Record<string, number[]>;
    for (let j = 0; j < 15; j++) {
      expect(Math.abs(GK15_T[j]! - ref.nodes![j]!)).toBeLessThan(1e-15);
      expect(Math.abs(GK15_WK[j]! - ref.kronrod![j]!)).toBeLessThan(1e-15);
      expect(Math.abs(GK15_WG[j]! - ref.gauss![j]!)).toBeLessThan(1e-15);
    }
  });
  it('Kronrod weights integrate x^m exactly for m ≤ 23, Gauss weights for m ≤ 13 (and not beyond)', () => {
    const moment = (w: Float64Array, m: number): number => w.reduce((s, x, j) => s + x * GK15_T[j]! ** m, 0);
    const exact = (m: number): number => (m % 2 === 0 ? 2 / (m + 1) : 0);
    for (let m = 0; m <= 23; m++) expect(Math.abs(moment(GK15_WK, m) - exact(m))).toBeLessThan(2e-15);
    for (let m = 0; m <= 13; m++) expect(Math.abs(moment(GK15_WG, m) - exact(m))).toBeLessThan(2e-15);
    expect(Math.abs(moment(GK15_WG, 14) - exact(14))).toBeGreaterThan(1e-6);
    expect(Math.abs(moment(GK15_WK, 24) - exact(24))).toBeGreaterThan(1e-12);
  });
});

describe('resolution maps', () => {
  it('saturation points and panel counts of the registry activations', () => {
    const t = activationFeatures(getActivation('tanh'));
    // 1 − tanh z ≈ 2e^{−2z}: below 1e-15 of the scale from z ≈ 18
    expect(t.map.satHi).toBeGreaterThan(16);
    expect(t.map.satHi).toBeLessThan(20);
    expect(t.map.satLo).toBe(-t.map.satHi);
    expect(t.map.size).toBeLessThan(40);
    expect(t.growth.tame).toBe(true);
    const g = activationFeatures(getActivation('gelu'));
    expect(g.map.satHi).toBeLessThan(12); // z Φ(z) = z − (exponentially small)
    expect(activationFeatures(getActivation('sin')).map.satHi).toBe(Infinity);
    expect(activationFeatures(getActivation('gauss')).growth.tame).toBe(false);
    expect(activationFeatures(getActivation('exp(z^2)')).growth.gamma).toBeCloseTo(1, 6);
    // a shifted activation: the features at z = 30 are found
    expect(activationFeatures(getActivation('tanh(z-30)')).map.satHi).toBeGreaterThan(45);
  });
});

describe('error estimates of graded expectations bound the actual errors', () => {
  // erf has closed forms: ⟨erf erf⟩ (Williams' arcsine kernel) and ⟨erf′ erf′⟩ = (4/π)/√((1+2K11)(1+2K22) − 4K12²)
  const act = getActivation('erf');
  const map = activationFeatures(act).map;
  const jet = act.jet!(1);
  const cases: [number, number, number][] = [[1e4, 0.5, 0.3], [1e8, 1, -0.7], [1e12, 1e-3, 0.9]];
  for (const [k11, q, rho] of cases) {
    it(`K11 = ${k11}, K22 = ${q}·K11, ρ = ${rho}: |value − exact| ≤ estimate, estimate ≤ 1e-10 of the mass`, () => {
      const k22 = k11 * q;
      const k12 = rho * Math.sqrt(k11 * k22);
      const { L, perm } = pivotedCholesky([[k11, k12], [k12, k22]]);
      const tables = (R: number, refine: number) => {
        const nodes = buildGradedNodes(map, L, 2, { R, refine }, 4e6);
        const t = nodes.z.map((z) => {
          const out = [new Float64Array(z.length), new Float64Array(z.length)];
          jet(z, out);
          return out;
        });
        return { nodes, t };
      };
      const A = (1 + 2 * k11) * (1 + 2 * k22);
      const D = 1 + 2 * k11 + 2 * k22 + 4 * k11 * k22 * (1 - rho) * (1 + rho);
      const exactSS = (2 / Math.PI) * Math.atan2((2 * k12) / Math.sqrt(A), Math.sqrt(D / A));
      const exactDD = 4 / Math.PI / Math.sqrt(D);
      void perm;
      for (const R of [10.3, 4]) {
        const { nodes, t } = tables(R, 0);
        for (const [order, exact] of [[0, exactSS], [1, exactDD]] as const) {
          const est = gradedNestedSum(nodes, [t[0]![order]!], [t[1]![order]!]);
          const err = Math.abs(est.value - exact);
          // the estimate (panels + truncation) bounds the error, up to rounding of the sum
          expect(err, `order ${order}, R = ${R}`).toBeLessThanOrEqual(est.error + est.tail + 1e-15 * est.mass);
          if (R > 10) expect(est.error + est.tail).toBeLessThan(1e-10 * est.mass);
          // |u| ≤ 4 misses ~1e-4 of the Gaussian, where erf·erf is ±1: the truncation estimate sees it
          else if (order === 0) expect(est.tail).toBeGreaterThan(1e-6 * est.mass);
        }
      }
    });
  }
});

describe('an under-resolved rule says so', () => {
  it('1-D, K = 1e6: the map\'s panels merged 2, 4, 8 at a time — the estimate exceeds the error', () => {
    const l = 1e3;
    const map = activationFeatures(getActivation('erf')).map;
    const exact = 4 / Math.PI / Math.sqrt(1 + 4 * l * l); // ⟨erf′²⟩ at K = l²
    const full = levelBreakpoints(map, [{ p: 0, l, r: 0 }], { R: 10, refine: 0 });
    let sawError = false;
    for (const merge of [1, 2, 4, 8]) {
      const bps = full.filter((_, i) => i % merge === 0 || i === full.length - 1);
      const r = levelRule(bps);
      const n = r.u.length;
      const z = r.u.map((u) => l * u);
      const d = new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = ((2 / Math.sqrt(Math.PI)) * Math.exp(-z[i]! * z[i]!)) ** 2;
      const seg = new Int32Array(n + 1).map((_, i) => i);
      const ones = new Float64Array(n).fill(1);
      const nodes = { w0K: r.wK, w0G: r.wG, u0: r.u, seg, w1K: ones, w1G: ones, u1: new Float64Array(n), z: [z], inner: [false], rank: 1, settings: { R: 10, refine: 0 } };
      const est = gradedNestedSum(nodes, [d], []);
      const err = Math.abs(est.value - exact);
      if (err > 1e-8 * exact) sawError = true;
      expect(est.error + est.tail, `panels merged ${merge} at a time`).toBeGreaterThanOrEqual(err);
      if (merge === 1) expect(err).toBeLessThan(1e-13 * exact);
    }
    expect(sawError).toBe(true); // the coarse rules are really wrong, and said so
  });
});

describe('activations with features much narrower than 1', () => {
  it('tanh(1000z): 1-D and 2-D against the independent quadrature to 1e-12; sin(1000z): exact or refused, never aliased', async () => {
    const { expect1, expect2 } = await import('./independent-quadrature.ts');
    const { expectActivationProduct: E } = await import('../../src/gaussian/index.ts');
    const f = (input: number, order: number) => ({ input, order });
    const K = [[0.625, -0.125], [-0.125, 0.425]];
    const t = getActivation('tanh(1000*z)');
    const s = (z: number) => Math.tanh(1000 * z);
    const d = (z: number) => 1000 / Math.cosh(1000 * z) ** 2;
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(rel(E(t, K, [f(0, 0), f(0, 0)]), expect1((z) => s(z) ** 2, 0.625, 0, 1e-13))).toBeLessThan(1e-12);
    expect(rel(E(t, K, [f(0, 0), f(1, 0)]), expect2(s, s, 0.625, -0.125, 0.425, 1e-12))).toBeLessThan(1e-12);
    expect(rel(E(t, K, [f(0, 1), f(1, 1)]), expect2(d, d, 0.625, -0.125, 0.425, 1e-12))).toBeLessThan(1e-12);
    // ⟨sin²(1000z)⟩ = (1 − e^{−2·10⁶K})/2 = 1/2: a trapezoid step of ~1 in z aliases it (it gave 0.477 at K = 0.425)
    const sn = getActivation('sin(1000*z)');
    let v: number | undefined;
    try {
      v = E(sn, [[0.425]], [f(0, 0), f(0, 0)]);
    } catch (e) {
      expect((e as Error).message).toMatch(/sin\(1000\*z\)/);
    }
    if (v !== undefined) expect(Math.abs(v - 0.5)).toBeLessThan(1e-10);
  });
});
