/**
 * Edgeworth densities (src/fieldtheory/edgeworth.ts, edgeworth-network.ts): the truncated series reproduces its
 * cumulants (moments by quadrature, one and two inputs), exact bin probabilities, χ² machinery against scipy, and the
 * acceptance test against 10⁶ sampled outputs of tanh networks at N = 8, 16.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chiSquareTest, EdgeworthDensity, gammaQ, hermiteHe, logGamma } from '../../src/fieldtheory/edgeworth.ts';
import { networkEdgeworth } from '../../src/fieldtheory/edgeworth-network.ts';
import { NnftInputError } from '../../src/errors.ts';
import { solveRecursions } from '../../recursions/index.ts';

/** ∫ f over [−R, R]^m by composite Simpson (the densities are smooth and decay like e^{−y²/2}). */
function integrate1(f: (x: number) => number, R: number, n = 4000): number {
  const h = (2 * R) / n;
  let s = f(-R) + f(R);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(-R + i * h);
  return (s * h) / 3;
}

describe('Hermite polynomials, Γ and the χ² tail', () => {
  it('He_4, He_6 closed forms; Q(k/2, x/2) against scipy.stats.chi2.sf', () => {
    for (const y of [-2.3, 0, 0.7, 3.1]) {
      expect(hermiteHe(4, y)).toBeCloseTo(y ** 4 - 6 * y * y + 3, 12);
      expect(hermiteHe(6, y)).toBeCloseTo(y ** 6 - 15 * y ** 4 + 45 * y * y - 15, 10);
    }
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    const cases = [[3, 2.5], [10, 30], [57, 64.7], [57, 150], [1, 0.001]];
    const py = spawnSync('python3', ['-c', `from scipy.stats import chi2; import json; print(json.dumps([chi2.sf(x, k) for k, x in ${JSON.stringify(cases)}]))`], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const want = JSON.parse(py.stdout) as number[];
    cases.forEach(([k, x], i) => expect(Math.abs(gammaQ(k! / 2, x! / 2) / want[i]! - 1)).toBeLessThan(1e-10));
  });
});

describe('the truncated series reproduces its cumulants', () => {
  it('one input, order 2: normalised, variance K, fourth cumulant κ₄, sixth κ₆ (moments by quadrature)', () => {
    const K = 0.8, k4 = 0.15, k6 = 0.04;
    const d = new EdgeworthDensity({ covariance: [[K]], cumulants: { 4: [[[[k4]]]], 6: [[[[[[k6]]]]]] }, order: 2 });
    const mom = (p: number) => integrate1((x) => x ** p * d.density([x]), 14 * Math.sqrt(K));
    expect(mom(0)).toBeCloseTo(1, 10);
    expect(mom(2)).toBeCloseTo(K, 10);
    const m4 = mom(4), m6 = mom(6);
    expect(m4 - 3 * K * K).toBeCloseTo(k4, 9);
    // κ₆ = m6 − 15 m4 m2 + 30 m2³ for zero mean, zero odd cumulants
    expect(m6 - 15 * m4 * K + 30 * K ** 3).toBeCloseTo(k6, 8);
    // exact bin probabilities add up and match the integral of the density
    const b = d.binProbability(-0.3, 1.1);
    expect(b.edgeworth).toBeCloseTo(integrate1((x) => (x > -0.3 && x <= 1.1 ? d.density([x]) : 0), 3, 200000), 5);
    expect(d.binProbability(-Infinity, Infinity).edgeworth).toBeCloseTo(1, 14);
  });

  it('two inputs, order 1: the mixed fourth moments equal κ₄ + Wick terms (2-D quadrature)', () => {
    const K = [[1.0, 0.6], [0.6, 0.9]];
    // a symmetric κ₄ tensor from V-like pair structure: κ(abcd) = v(ab)v(cd) + v(ac)v(bd) + v(ad)v(bc), scaled
    const v = [[0.3, 0.1], [0.1, 0.2]];
    const k4 = (i: number[]) => 0.2 * (v[i[0]!]![i[1]!]! * v[i[2]!]![i[3]!]! + v[i[0]!]![i[2]!]! * v[i[1]!]![i[3]!]! + v[i[0]!]![i[3]!]! * v[i[1]!]![i[2]!]!);
    const d = new EdgeworthDensity({ covariance: K, cumulants: { 4: k4 }, order: 1 });
    const R = 9, n = 240, h = (2 * R) / n;
    const w = (i: number) => (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2);
    const moment = (f: (x: number, y: number) => number) => {
      let s = 0;
      for (let i = 0; i <= n; i++) for (let j = 0; j <= n; j++) {
        const x = -R + i * h, y = -R + j * h;
        s += w(i) * w(j) * f(x, y) * d.density([x, y]);
      }
      return (s * h * h) / 9;
    };
    expect(moment(() => 1)).toBeCloseTo(1, 8);
    expect(moment((x, y) => x * y)).toBeCloseTo(0.6, 8);
    const wick = (a: number, b: number, c: number, e: number) => K[a]![b]! * K[c]![e]! + K[a]![c]! * K[b]![e]! + K[a]![e]! * K[b]![c]!;
    expect(moment((x, y) => x * x * y * y) - wick(0, 0, 1, 1)).toBeCloseTo(k4([0, 0, 1, 1]), 7);
    expect(moment((x, y) => x * y * y * y) - wick(0, 1, 1, 1)).toBeCloseTo(k4([0, 1, 1, 1]), 7);
  });

  it('refuses singular two-input covariances and bad orders', () => {
    expect(() => new EdgeworthDensity({ covariance: [[1, 1], [1, 1]], cumulants: {}, order: 1 })).toThrow(/singular/);
    expect(() => new EdgeworthDensity({ covariance: [[1]], cumulants: {}, order: 3 as never })).toThrow(NnftInputError);
    expect(() => new EdgeworthDensity({ covariance: [[1]], cumulants: { 4: [[[[NaN]]]] }, order: 1 })).toThrow(/finite/);
  });
});

describe('against 10⁶ sampled networks (tanh, one input)', () => {
  for (const N of [8, 16]) {
    it(`N = ${N}: Gaussian rejected (p < 1e-3), Edgeworth O(1/N²) accepted (p > 0.01)`, () => {
      const r = networkEdgeworth({ activation: 'tanh', widths: [N, 1], inputs: [[1]], order: 2, nets: 1_000_000, seed: 20 + N });
      const t = r.sampled!.tests;
      expect(t.gaussian.pValue).toBeLessThan(1e-3);
      expect(t.order2!.pValue).toBeGreaterThan(0.01);
      expect(t.order2!.dof).toBeGreaterThan(40);
    });
  }
});

describe('the two routes to the cumulants', () => {
  it('one hidden layer: duality (quadrature of one neuron) equals the recursions (K⁽²⁾, κ₄ = (V + V + V)/N)', () => {
    const spec = { activation: 'tanh', widths: [8, 1], inputs: [[1], [0.4]], cb: [0.1, 0.05], cw: [1.3, 0.9] };
    const d = networkEdgeworth({ ...spec, order: 1 });
    expect(d.source).toMatch(/duality/);
    const rec = solveRecursions({ ...spec, quantities: ['K', 'V4', 'K1'] }).layers[1]!;
    const V = rec.V4!;
    const k4 = d.kappa4 as number[][][][];
    for (const [a, b, c, e] of [[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 1, 1], [1, 1, 1, 1]] as const) {
      const want = (V[a]![b]![c]![e]! + V[a]![c]![b]![e]! + V[a]![e]![b]![c]!) / 8;
      expect(Math.abs(k4[a]![b]![c]![e]! - want)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
    }
    for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) expect(d.covariance[a]![b]!).toBeCloseTo(rec.K![a]![b]! + rec.K1![a]![b]! / 8, 12);
  });

  it('deeper networks: order 1 from the recursions; order 2 refused', () => {
    const spec = { activation: 'tanh', widths: [8, 8, 1], inputs: [[1], [0.4]], cb: 0.1, cw: 1.3 };
    expect(networkEdgeworth({ ...spec, order: 1 }).source).toMatch(/recursions/);
    expect(() => networkEdgeworth({ ...spec, order: 2 })).toThrow(/six-point/);
  });
});

describe('χ² test', () => {
  it('merges sparse bins; refuses negative expected counts', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.5);
    // a uniform model on [−0.5, 0.5]
    const t = chiSquareTest(xs, [-0.4, 0, 0.4], (a, b) => Math.max(0, Math.min(b, 0.5) - Math.max(a, -0.5)));
    expect(t.bins.reduce((s, b) => s + b.observed, 0)).toBe(1000);
    expect(() => chiSquareTest(xs, [0], () => -0.1)).toThrow(/negative|≤ 0/);
  });
});

describe('nnft edgeworth', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/nnft.js', 'edgeworth', ...args], { encoding: 'utf8' });
  it('finite JSON; exit 2 with one line on bad input', () => {
    const r = run('--activation', 'tanh', '--widths', '8,1', '--inputs', '[[1]]', '--order', '2', '--points', '5', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).density).toHaveLength(5);
    for (const args of [['--widths', '8,8,1', '--inputs', '[[1]]', '--order', '2'], ['--widths', '8,1', '--inputs', '[[1],[1]]']]) {
      const b = run(...args);
      expect(b.status, args.join(' ')).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
