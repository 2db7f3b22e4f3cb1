/**
 * Bounded smooth σ at kernel values large against σ's features (a sech² of width ~1 under a Gaussian of width
 * √K): layer-2 K, Θ and V4 of tanh and erf within 1e-8 of independent references for K = 9 … 1e12, one and two
 * inputs, and the erf closed forms (Williams' arcsine kernel and ⟨erf′ erf′⟩) for K = 1e-8 … 1e12.
 *
 * References: an adaptive Gauss–Legendre quadrature in z written for the tests (independent-quadrature.ts, no code
 * shared with src/gaussian), and mpmath at 30 digits (python3) for the one-input tanh values.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { solveRecursions } from '../../recursions/index.ts';
import { getActivation, erf, erfc } from '../../src/activations/index.ts';
import { expectActivationProduct as E } from '../../src/gaussian/index.ts';
import { expect1, expect2 } from './independent-quadrature.ts';

const LONG = process.env.NNFT_LONG === '1';
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const f = (input: number, order: number) => ({ input, order });

// σ, σ′ and s = 1 − σ² (computed without cancellation: the saturated tails of σ² are 1 − s exactly)
const TANH = {
  s: Math.tanh,
  d: (z: number) => 1 / Math.cosh(z) ** 2,
  sat: (z: number) => 1 / Math.cosh(z) ** 2,
};
const ERF = {
  s: erf,
  d: (z: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z),
  sat: (z: number) => {
    const c = erfc(Math.abs(z));
    return c * (2 - c);
  },
};
type Fns = typeof TANH;

/** Layer-2 K, Θ, V4 for one input x (n0 = 1, C_b = 0, C_W = λ_b = λ_W = 1) from one-dimensional expectations. */
function oneInputReference(fn: Fns, K: number): { K2: number; T2: number; V2: number } {
  const s = expect1(fn.sat, K); // ⟨1 − σ²⟩
  const ss = expect1((z) => fn.sat(z) ** 2, K);
  const dd = expect1((z) => fn.d(z) ** 2, K);
  const sigma2 = 1 - s;
  return { K2: sigma2, T2: 1 + sigma2 + dd * (1 + K), V2: ss - s * s }; // V = ⟨σ⁴⟩ − ⟨σ²⟩² = Var(1 − σ²)
}

describe('one input: layer-2 K, Θ, V4 of tanh and erf for K = 9 … 1e12', () => {
  const Ks = LONG ? [9, 30, 100, 1e3, 1e4, 1e5, 1e6, 1e8, 1e10, 1e12] : [9, 100, 1e4, 1e6, 1e9, 1e12];
  for (const [name, fn] of [['tanh', TANH], ['erf', ERF]] as const) {
    it(`${name}: within 1e-8 of the adaptive reference`, () => {
      for (const K of Ks) {
        const r = solveRecursions({ activation: name, inputs: [[Math.sqrt(K)]], widths: [64, 64], cb: 0, cw: 1, lambdaB: 1, lambdaW: 1, quantities: ['K', 'Theta', 'V4'] });
        const l2 = r.layers[1]!;
        const ref = oneInputReference(fn, r.layers[0]!.K![0]![0]!);
        expect(rel(l2.K![0]![0]!, ref.K2), `${name} K at K⁽¹⁾ = ${K}`).toBeLessThan(1e-8);
        expect(rel(l2.Theta![0]![0]!, ref.T2), `${name} Θ at K⁽¹⁾ = ${K}`).toBeLessThan(1e-8);
        expect(rel(l2.V4![0]![0]![0]![0]!, ref.V2), `${name} V4 at K⁽¹⁾ = ${K}`).toBeLessThan(1e-8);
      }
    });
  }

  it('tanh: the issue example x = 200 (K = 4e4) gives Θ⁽²⁾ = 108.38284951373… and mpmath agrees at 1e4 … 1e12', () => {
    const r = solveRecursions({ activation: 'tanh', inputs: [[200]], widths: [64, 64], cb: 0, cw: 1, quantities: ['K', 'Theta', 'V4'] });
    // mpmath, 30 digits: 1 + ⟨tanh²⟩ + ⟨sech⁴⟩(1 + K) at K = 4e4
    expect(rel(r.layers[1]!.Theta![0]![0]!, 108.38284951373435)).toBeLessThan(1e-12);
    const script = [
      'import mpmath as mp, json, sys',
      'mp.mp.dps = 30',
      'out = []',
      'for K in json.loads(sys.argv[1]):',
      '  K = mp.mpf(K); sd = mp.sqrt(K)',
      '  w = lambda z: mp.exp(-z*z/(2*K))/mp.sqrt(2*mp.pi*K)',
      '  pts = sorted(set([0, 0.5, 1, 2, 4, 8, 16, 32] + [float(sd*t) for t in (1, 2, 4, 8, 12)])) + [mp.inf]',
      '  I = lambda g: 2*mp.quad(lambda z: g(z)*w(z), pts)',
      '  s = I(lambda z: mp.sech(z)**2); ss = I(lambda z: mp.sech(z)**4)',
      '  out.append([str(1 - s), str(1 + (1 - s) + ss*(1 + K)), str(ss - s*s)])',
      'print(json.dumps(out))',
    ].join('\n');
    const Ks = [1e4, 1e8, 1e12];
    const ref = JSON.parse(execFileSync('python3', ['-c', script, JSON.stringify(Ks)], { encoding: 'utf8' })) as string[][];
    Ks.forEach((K, i) => {
      const l2 = solveRecursions({ activation: 'tanh', inputs: [[Math.sqrt(K)]], widths: [64, 64], cb: 0, cw: 1, quantities: ['K', 'Theta', 'V4'] }).layers[1]!;
      const [k2, t2, v2] = ref[i]!.map(Number) as [number, number, number];
      expect(rel(l2.K![0]![0]!, k2)).toBeLessThan(1e-12);
      expect(rel(l2.Theta![0]![0]!, t2)).toBeLessThan(1e-12);
      // V4 = ⟨σ⁴⟩ − ⟨σ²⟩² cancels to 5e-7 at K = 1e12: rounding of the two O(1) terms limits it to ~1e-9
      expect(rel(l2.V4![0]![0]![0]![0]!, v2)).toBeLessThan(1e-8);
    });
  });
});

describe('two inputs: layer-2 K, Θ, V4 of tanh and erf at large kernel values', () => {
  // inputs in R²: K⁽¹⁾ = x·x/2, with variances K and K·q and correlation ρ
  const cases = LONG
    ? [9, 1e3, 1e5, 1e8, 1e12].flatMap((K) => [{ K, q: 0.5, rho: 0.6 }, { K, q: 0.01, rho: -0.95 }])
    : [{ K: 9, q: 0.5, rho: 0.6 }, { K: 1e4, q: 0.01, rho: -0.95 }, { K: 1e12, q: 0.5, rho: 0.6 }];
  for (const [name, fn] of [['tanh', TANH], ['erf', ERF]] as const) {
    it(`${name}: K, Θ and V4 entries within 1e-8 of nested adaptive quadrature`, () => {
      for (const { K, q, rho } of cases) {
        const a = Math.sqrt(2 * K);
        const b = Math.sqrt(2 * K * q);
        const inputs = [[a, 0], [b * rho, b * Math.sqrt(1 - rho * rho)]];
        const r = solveRecursions({ activation: name, inputs, widths: [64, 64], cb: 0, cw: 1, lambdaB: 1, lambdaW: 1, quantities: ['K', 'Theta', 'V4'] });
        const K1 = r.layers[0]!.K!;
        const T1 = r.layers[0]!.Theta!;
        const [k00, k01, k11] = [K1[0]![0]!, K1[0]![1]!, K1[1]![1]!];
        const l2 = r.layers[1]!;
        const s0 = expect1(fn.sat, k00);
        const s1 = expect1(fn.sat, k11);
        const x01 = expect2(fn.s, fn.s, k00, k01, k11); // ⟨σ0σ1⟩
        const d01 = expect2(fn.d, fn.d, k00, k01, k11); // ⟨σ′0σ′1⟩
        const c01 = expect2(fn.sat, fn.sat, k00, k01, k11); // ⟨s0 s1⟩
        const t01 = expect2((z) => fn.sat(z) * fn.s(z), fn.s, k00, k01, k11); // ⟨s0 σ0 σ1⟩
        const tag = `${name} K=${K} q=${q} ρ=${rho}`;
        expect(rel(l2.K![0]![1]!, x01), `${tag} K01`).toBeLessThan(1e-8);
        expect(rel(l2.Theta![0]![1]!, 1 + x01 + d01 * T1[0]![1]!), `${tag} Θ01`).toBeLessThan(1e-8);
        // V_(00)(11) = Cov(σ0², σ1²) = ⟨s0 s1⟩ − ⟨s0⟩⟨s1⟩; V_(01)(01) = ⟨σ0²σ1²⟩ − ⟨σ0σ1⟩²;
        // V_(00)(01) = ⟨σ0³σ1⟩ − ⟨σ0²⟩⟨σ0σ1⟩ = ⟨s0⟩⟨σ0σ1⟩ − ⟨s0σ0σ1⟩
        const V = l2.V4!;
        // V_(00)(11) is C_W²(⟨σ0²σ1²⟩ − ⟨σ0²⟩⟨σ1²⟩), a difference of O(1) expectations: at K = 1e12 it is ~1e-12 and
        // its absolute accuracy (~1e-16) is what double precision allows — compared relative to the tensor's scale
        const vScale = Math.max(...V.flat(3).map(Math.abs));
        expect(Math.abs(V[0]![0]![1]![1]! - (c01 - s0 * s1)) / Math.max(Math.abs(c01 - s0 * s1), 1e-4 * vScale), `${tag} V0011`).toBeLessThan(1e-8);
        expect(rel(V[0]![1]![0]![1]!, 1 - s0 - s1 + c01 - x01 * x01), `${tag} V0101`).toBeLessThan(1e-8);
        expect(rel(V[0]![0]![0]![1]!, s0 * x01 - t01), `${tag} V0001`).toBeLessThan(1e-8);
      }
    });
  }
});

describe('erf closed forms at every K (Williams 1997: arcsine kernel; ⟨erf′ erf′⟩)', () => {
  // ⟨erf(u) erf(v)⟩ = (2/π) asin(2K12/√((1+2K11)(1+2K22))), ⟨erf′(u) erf′(v)⟩ = (4/π)/√((1+2K11)(1+2K22) − 4K12²).
  // With K12 = ρ√(K11K22): (1+2K11)(1+2K22) − 4K12² = 1 + 2K11 + 2K22 + 4K11K22(1−ρ)(1+ρ), and asin = atan2 form.
  const closed = (k11: number, k22: number, rho: number) => {
    const A = (1 + 2 * k11) * (1 + 2 * k22);
    const D = 1 + 2 * k11 + 2 * k22 + 4 * k11 * k22 * (1 - rho) * (1 + rho);
    const x = (2 * rho * Math.sqrt(k11 * k22)) / Math.sqrt(A);
    return { ss: (2 / Math.PI) * Math.atan2(x, Math.sqrt(D / A)), dd: 4 / Math.PI / Math.sqrt(D) };
  };
  const act = getActivation('erf');
  it('one input: ⟨erf²⟩ and ⟨erf′²⟩ to 1e-12 for K = 1e-8 … 1e12', () => {
    for (let e = -8; e <= 12; e += LONG ? 0.25 : 1) {
      const K = 10 ** e;
      const { ss, dd } = closed(K, K, 1);
      expect(rel(E(act, [[K]], [f(0, 0), f(0, 0)]), ss), `⟨erf²⟩ at K = ${K}`).toBeLessThan(1e-12);
      expect(rel(E(act, [[K]], [f(0, 1), f(0, 1)]), dd), `⟨erf′²⟩ at K = ${K}`).toBeLessThan(1e-12);
    }
  });
  it('two inputs: both closed forms to 1e-10 for K = 1e-8 … 1e12, correlations ρ = 0.3, −0.8, 0.99, variance ratios 1 and 1e-3', () => {
    for (const e of LONG ? Array.from({ length: 21 }, (_, i) => i - 8) : [-8, 0, 6, 12]) {
      for (const q of [1, 1e-3]) {
        for (const rho of [0.3, -0.8, 0.99]) {
          const k11 = 10 ** e;
          const k22 = k11 * q;
          const k12 = rho * Math.sqrt(k11 * k22);
          const K = [[k11, k12], [k12, k22]];
          const { ss, dd } = closed(k11, k22, rho);
          // the closed forms take ρ exactly; K12 is ρ√(K11K22) rounded (relative perturbation ≤ 1e-16/(1−ρ²))
          expect(rel(E(act, K, [f(0, 0), f(1, 0)]), ss), `⟨erf erf⟩ K11=${k11} q=${q} ρ=${rho}`).toBeLessThan(1e-10);
          expect(rel(E(act, K, [f(0, 1), f(1, 1)]), dd), `⟨erf′ erf′⟩ K11=${k11} q=${q} ρ=${rho}`).toBeLessThan(1e-10);
        }
      }
    }
  });
  it('layer 2 of the recursion: K and Θ of erf equal the closed forms for K⁽¹⁾ = 1e-8 … 1e12', () => {
    for (let e = -8; e <= 12; e += LONG ? 1 : 2) {
      const K = 10 ** e;
      const r = solveRecursions({ activation: 'erf', inputs: [[Math.sqrt(2 * K), 0], [0.6 * Math.sqrt(2 * K), 0.8 * Math.sqrt(2 * K)]], widths: [8, 8], cb: 0, cw: 1, lambdaB: 0.5, lambdaW: 1, quantities: ['K', 'Theta'] });
      const [l1, l2] = r.layers as [(typeof r.layers)[0], (typeof r.layers)[0]];
      const k = l1.K!;
      for (const [a, b] of [[0, 0], [0, 1]] as const) {
        const rho = a === b ? 1 : k[0]![1]! / Math.sqrt(k[0]![0]! * k[1]![1]!);
        const { ss, dd } = closed(k[a]![a]!, k[b]![b]!, rho);
        expect(rel(l2.K![a]![b]!, ss), `K[${a}][${b}] at K⁽¹⁾ = ${K}`).toBeLessThan(1e-10);
        expect(rel(l2.Theta![a]![b]!, 0.5 + ss + dd * l1.Theta![a]![b]!), `Θ[${a}][${b}] at K⁽¹⁾ = ${K}`).toBeLessThan(1e-10);
      }
    }
  });
});

describe('three inputs at large K: erf closed forms of three-dimensional expectations', () => {
  // ⟨erf′ erf′ erf′⟩ = (4/π)^{3/2}/√det(I + 2K) (a Gaussian integral); ⟨erf erf erf′(z2)⟩ = (2/√π)(1 + 2K22)^{−1/2}
  // × (2/π) asin(2K′01/√((1+2K′00)(1+2K′11))) with K′ = K − 2 K·2 K2· /(1 + 2K22) (the factor e^{−z2²} tilts the Gaussian)
  const act = getActivation('erf');
  const base = [[1.0, 0.3, 0.2], [0.3, 1.2, 0.4], [0.2, 0.4, 0.8]];
  const det3 = (M: number[][]): number =>
    M[0]![0]! * (M[1]![1]! * M[2]![2]! - M[1]![2]! * M[2]![1]!) - M[0]![1]! * (M[1]![0]! * M[2]![2]! - M[1]![2]! * M[2]![0]!) + M[0]![2]! * (M[1]![0]! * M[2]![1]! - M[1]![1]! * M[2]![0]!);
  it('to 1e-10 for K = 1 … 1e12', () => {
    for (const scale of LONG ? [1, 9, 100, 1e4, 1e6, 1e8, 1e10, 1e12] : [9, 1e4, 1e12]) {
      const K = base.map((r) => r.map((x) => x * scale));
      const ddd = (4 / Math.PI) ** 1.5 / Math.sqrt(det3(K.map((r, i) => r.map((x, j) => (i === j ? 1 : 0) + 2 * x))));
      const k22 = K[2]![2]!;
      const Kp = [0, 1].map((i) => [0, 1].map((j) => K[i]![j]! - (2 * K[i]![2]! * K[j]![2]!) / (1 + 2 * k22)));
      const ssd = ((2 / Math.sqrt(Math.PI)) / Math.sqrt(1 + 2 * k22)) * (2 / Math.PI) * Math.asin((2 * Kp[0]![1]!) / Math.sqrt((1 + 2 * Kp[0]![0]!) * (1 + 2 * Kp[1]![1]!)));
      expect(rel(E(act, K, [f(0, 1), f(1, 1), f(2, 1)]), ddd), `⟨erf′erf′erf′⟩ at scale ${scale}`).toBeLessThan(1e-10);
      expect(rel(E(act, K, [f(0, 0), f(1, 0), f(2, 1)]), ssd), `⟨erf erf erf′⟩ at scale ${scale}`).toBeLessThan(1e-10);
    }
  });
});

