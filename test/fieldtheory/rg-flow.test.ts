/**
 * RG flow of the couplings (src/fieldtheory/rg-flow.ts): λ(Λ) and κ(Λ) from exact (duality) and sampled correlators,
 * the Gauss-net's running against an independent integral, the slope from sampled networks within its error, and
 * κ/λ ∝ 1/N for Erf-, Gauss- and ReLU-nets.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rgFlow } from '../../src/fieldtheory/rg-flow.ts';
import { outputCumulants } from '../../src/fieldtheory/duality.ts';
import { NnftInputError } from '../../src/errors.ts';

const gauss = { activation: 'gauss-net', cb: 0.09, cw: 0.09 };
const inputs = [-0.6, -0.2, 0.2, 0.6];

describe('λ(Λ) for the Gauss-net', () => {
  it('equals −G_c⁽⁴⁾/(24∫K⁴) with the integral done independently (erf closed form of ∫e^{−a(y−c)²})', () => {
    const cutoffs = [0.25, 0.5, 1, 2, 4];
    const r = rgFlow({ network: { ...gauss, width: 8 }, inputs, cutoffs, kappa: false });
    // Π_k K(x_k, y) = exp(−(σ²/2)Σ(x_k − y)²) = exp(−2σ²(y − x̄)² − (σ²/2)(Σx² − 4x̄²)): a Gaussian in y
    const s2 = 0.09;
    const I4 = (t: number[], L: number) => {
      const xs = t.map((i) => inputs[i]!);
      const mean = xs.reduce((a, b) => a + b, 0) / 4;
      const c = Math.exp(-(s2 / 2) * (xs.reduce((a, b) => a + b * b, 0) - 4 * mean * mean));
      const a = 2 * s2;
      // ∫_{−L}^{L} e^{−a(y − m)²} dy = √(π/4a)[erf(√a(L − m)) + erf(√a(L + m))]
      return c * Math.sqrt(Math.PI / (4 * a)) * (erfA(Math.sqrt(a) * (L - mean)) + erfA(Math.sqrt(a) * (L + mean)));
    };
    const tuples: number[][] = [];
    for (let a = 0; a < 4; a++) for (let b = a; b < 4; b++) for (let c = b; c < 4; c++) for (let d = c; d < 4; d++) tuples.push([a, b, c, d]);
    const G4 = outputCumulants({ ...gauss, width: 8, inputs: inputs.map((x) => [x]) }, { tuples });
    cutoffs.forEach((L, i) => {
      const want = tuples.reduce((s, t, k) => s - G4[k]!.value / (24 * I4(t, L)), 0) / tuples.length;
      expect(Math.abs(r.lambda[i]!.value / want - 1)).toBeLessThan(1e-9);
    });
    // small Λ: I₄ ≈ 2Λ Π K(x_k, 0), λ ∝ 1/Λ (slope → −1); large Λ: λ → const (slope → 0)
    const small = rgFlow({ network: { ...gauss, width: 8 }, inputs, cutoffs: [0.01, 0.02, 0.04], kappa: false });
    expect(small.lambdaSlope.slope).toBeCloseTo(-1, 3);
    const large = rgFlow({ network: { ...gauss, width: 8 }, inputs, cutoffs: [20, 30, 40], kappa: false, nodes: 128 });
    expect(Math.abs(large.lambdaSlope.slope)).toBeLessThan(1e-6);
  });

  it('sampled networks reproduce the exact running within its statistical error', () => {
    const cutoffs = [0.25, 0.5, 1, 2];
    const exact = rgFlow({ network: { ...gauss, width: 8 }, inputs, cutoffs, kappa: false });
    const sampled = rgFlow({ network: { ...gauss, width: 8 }, inputs, cutoffs, kappa: false, nets: 40000, seed: 3 });
    expect(sampled.lambdaSlope.statStderr).toBeGreaterThan(0);
    expect(Math.abs(sampled.lambdaSlope.slope - exact.lambdaSlope.slope)).toBeLessThan(4 * sampled.lambdaSlope.statStderr);
    sampled.lambda.forEach((l, i) => expect(Math.abs(l.value - exact.lambda[i]!.value)).toBeLessThan(4 * l.stderr));
  });
});

// erf for the test's own integral: Maclaurin series for |x| < 3, Laplace continued fraction of erfc beyond
let erfCache: Map<number, number> | null = null;
function erfA(x: number): number {
  if (!erfCache) erfCache = new Map();
  const hit = erfCache.get(x);
  if (hit !== undefined) return hit;
  let v: number;
  if (Math.abs(x) < 3) {
    let term = x, sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18 * Math.abs(sum)) break;
    }
    v = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // erfc(x) = e^{−x²}/(x√π) · continued fraction
    const ax = Math.abs(x);
    let f = 0;
    for (let k = 60; k >= 1; k--) f = (k / 2) / (ax + f);
    const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    v = Math.sign(x) * (1 - erfc);
  }
  erfCache.set(x, v);
  return v;
}

describe('κ is 1/N-suppressed relative to λ', () => {
  for (const net of [{ name: 'Gauss-net', ...gauss }, { name: 'Erf-net', activation: 'erf', cb: 1, cw: 1 }, { name: 'ReLU-net', activation: 'relu', cb: 1, cw: 1 }]) {
    it(`${net.name}: exact correlators, κ/λ halves when N doubles (λ ∝ 1/N, κ ∝ 1/N²)`, () => {
      const cut = net.activation === 'gauss-net' ? [0.5, 1, 2] : [0.5, 0.75, 1];
      const at = (N: number) => rgFlow({ network: { activation: net.activation, cb: net.cb, cw: net.cw, width: N }, inputs, cutoffs: cut, tolerance: 1e-6 });
      const a = at(8), b = at(16);
      a.lambda.forEach((l, i) => expect(l.value / b.lambda[i]!.value).toBeCloseTo(2, 10));
      a.kappaOverLambda!.forEach((q, i) => expect(q.value / b.kappaOverLambda![i]!.value).toBeCloseTo(2, 8));
    });
  }

  it('Erf-net, sampled: log–log slope of |κ/λ| against N is −1 within 4 standard errors', () => {
    const widths = [2, 4, 8];
    const r = widths.map((N, i) => rgFlow({ network: { activation: 'erf', cb: 1, cw: 1, width: N }, inputs: [-0.6, 0, 0.6], cutoffs: [0.5, 0.75, 1], nets: 60000, seed: 10 + i, tolerance: 1e-6 }));
    const y = r.map((x) => Math.log(Math.abs(x.kappaOverLambda![2]!.value)));
    const w = r.map((x) => (x.kappaOverLambda![2]!.value / x.kappaOverLambda![2]!.stderr) ** 2);
    const lx = widths.map(Math.log);
    const sw = w.reduce((s, v) => s + v, 0), sx = lx.reduce((s, v, i) => s + w[i]! * v, 0), sy = y.reduce((s, v, i) => s + w[i]! * v, 0);
    const sxx = lx.reduce((s, v, i) => s + w[i]! * v * v, 0), sxy = lx.reduce((s, v, i) => s + w[i]! * v * y[i]!, 0);
    const det = sw * sxx - sx * sx;
    const slope = (sw * sxy - sx * sy) / det;
    const se = Math.sqrt(sw / det);
    expect(Math.abs(slope + 1)).toBeLessThan(4 * se);
    expect(se).toBeLessThan(0.25);
  });
});

describe('inputs', () => {
  it('refuses unsorted cutoffs, too many inputs, too few cutoffs', () => {
    expect(() => rgFlow({ network: { ...gauss, width: 4 }, inputs, cutoffs: [1, 0.5, 2] })).toThrow(/increasing/);
    expect(() => rgFlow({ network: { ...gauss, width: 4 }, inputs: [1, 2, 3, 4, 5, 6, 7], cutoffs: [1, 2, 3] })).toThrow(/at most 6/);
    expect(() => rgFlow({ network: { ...gauss, width: 4 }, inputs, cutoffs: [1, 2] })).toThrow(NnftInputError);
  });

  it('refuses, before integrating, vertex integrals that would exceed NNFT_MAX_SECONDS (tanh: a quadrature per kernel entry)', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'rg-flow', '--activation', 'tanh', '--json'], { encoding: 'utf8', env: { ...process.env, NNFT_MAX_SECONDS: '2' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/nnft rg-flow: refused: the vertex integrals on 64 Gauss–Legendre nodes .* over the budget of 2(\.0)? s/);
  });

  it('refuses, before sampling, 10⁷ sampled networks whose jackknifed correlators exceed NNFT_MAX_SECONDS', () => {
    // 35 four-point tuples × 10⁷ networks × ≈200 ns ≈ 70 s: once this ran past a minute under a 20 s budget
    const args = ['rg-flow', '--json', '--width', '1', '--cw', '1.32e-297', '--cutoffs', '0.25,0.5,1,2,4', '--nodes', '215', '--no-kappa', '--nets', '10000000'];
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', env: { ...process.env, NNFT_MAX_SECONDS: '20' } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/nnft rg-flow: refused: the sampled correlators of 10000000 networks .* over the budget of 20(\.0)? s .*--nets \d+/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('nnft rg-flow prints finite JSON', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'rg-flow', '--cutoffs', '0.5,1,2', '--no-kappa', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).lambda).toHaveLength(3);
  });
});
