/**
 * The exact per-network dNTK and ddNTKs of src/montecarlo/dntk-statistics.ts against finite differences of the
 * network and of its empirical NTK, on a small MLP whose parameters are one flat vector (test/montecarlo/dntk-net.ts):
 *  - gradients ∇z_p (back-propagation) against central differences of the forward pass;
 *  - dΘ̂_{p0p1p2} (forward Taylor mode) against the Hessian–vector route ⟨H_{p0}v_{p2}, v_{p1}⟩ (1e-12) and against the
 *    derivative of the NTK-like form h ↦ ⟨∇z_{p0}(θ + h v_{p2}), Λ∇z_{p1}(θ)⟩;
 *  - ddIΘ̂ (third-order forward mode) against the derivative of D²z_{p0}[v_{p1}, v_{p2}] along v_{p3};
 *  - ddIIΘ̂ against ⟨H_1v_3, ΛH_2v_4⟩ with H v from differences of gradients.
 * Every derivative: Richardson-extrapolated central differences (error O(h⁶)); tolerance 1e-7 relative to the largest
 * entry. The smoothed dNTK used for piecewise-linear σ reduces to the exact one for smooth σ as h → 0, and for ReLU
 * counts kinks that one network's exact second derivative does not see.
 */
import { describe, expect, it } from 'vitest';
import { getActivation } from '../../src/activations/index.ts';
import {
  backprop,
  empiricalNtk,
  firstOrder,
  gradientDirections,
  hessianVector,
  hvpDotDirection,
  networkDerivatives,
  secondOrder,
  shiftedOutput,
  smoothedDntk,
} from '../../src/montecarlo/dntk-statistics.ts';
import { derivative, directionVector, forward, gradientVector, lambdaVector, makeNet, sampleParams, stateOf } from './dntk-net.ts';

const POINTS = [{ i: 0, alpha: 0 }, { i: 0, alpha: 1 }, { i: 1, alpha: 0 }, { i: 1, alpha: 1 }];

function maxAbs(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i]!));
  return s;
}

for (const act of ['tanh', 'gelu']) {
  describe(`${act}: exact derivatives of one network against finite differences`, () => {
    const net = makeNet([3, 7, 6, 5, 2], [[1, 0.5, -0.3], [0.2, -0.9, 0.4]], act, 0.7, 1.3);
    const th = sampleParams(net, 0.1, 1.5, 7);
    const s = stateOf(net, th);
    const P = POINTS.length;
    const L = net.widths.length - 1;
    const m = net.m;
    const d = networkDerivatives(s, POINTS, true);
    const { g, pre } = backprop(s, POINTS);
    const dirs = gradientDirections(s, POINTS, g);
    const vflat = dirs.map((v) => directionVector(net, v));
    const lam = lambdaVector(net);
    const shift = (dir: Float64Array, h: number): Float64Array => th.map((x, mu) => x + h * dir[mu]!);

    it('gradients and the empirical NTK', () => {
      const grads = POINTS.map((p) => gradientVector(net, s, p));
      let worst = 0;
      let scale = 0;
      POINTS.forEach((p, k) => {
        for (let mu = 0; mu < net.size; mu++) {
          const fd = derivative((h) => {
            const t = th.slice();
            t[mu]! += h;
            return forward(net, t)[L]![p.i * m + p.alpha]!;
          }, 1e-2);
          worst = Math.max(worst, Math.abs(fd - grads[k]![mu]!));
          scale = Math.max(scale, Math.abs(fd));
        }
      });
      expect(worst / scale).toBeLessThan(1e-9);
      // Θ̂_pq = Σ_μ λ_μ ∂z_p ∂z_q from the flat gradients, and Λ∇z_p = the rank-one directions
      const ntk = empiricalNtk(s, POINTS, g);
      for (let p = 0; p < P; p++) {
        for (let q = 0; q < P; q++) {
          let acc = 0;
          for (let mu = 0; mu < net.size; mu++) acc += grads[p]![mu]! * lam[mu]! * grads[q]![mu]!;
          expect(Math.abs(acc - ntk[p * P + q]!)).toBeLessThan(1e-13 * maxAbs(ntk));
          for (let mu = 0; mu < net.size; mu++) expect(vflat[p]![mu]).toBeCloseTo(lam[mu]! * grads[p]![mu]!, 15);
        }
      }
    });

    it('dΘ̂: forward mode = Hessian–vector route (1e-12) = derivative of the NTK form (1e-7)', () => {
      const tan = dirs.map((v) => firstOrder(s, v));
      const scale = maxAbs(d.dntk);
      expect(scale).toBeGreaterThan(1e-2);
      for (let p0 = 0; p0 < P; p0++) {
        for (let p2 = 0; p2 < P; p2++) {
          const h = hessianVector(s, POINTS[p0]!, g[p0]!, pre[p0]!, dirs[p2]!, tan[p2]!);
          for (let p1 = 0; p1 < P; p1++) {
            const exact = d.dntk[(p0 * P + p1) * P + p2]!;
            expect(Math.abs(hvpDotDirection(s, POINTS[p0]!, g[p0]!, h, dirs[p1]!) - exact) / scale).toBeLessThan(1e-12);
            const fd = derivative((t) => {
              const gv = gradientVector(net, stateOf(net, shift(vflat[p2]!, t)), POINTS[p0]!);
              let acc = 0;
              for (let mu = 0; mu < net.size; mu++) acc += gv[mu]! * vflat[p1]![mu]!;
              return acc;
            }, 0.02);
            expect(Math.abs(fd - exact) / scale, `dΘ̂[${p0}][${p1}][${p2}]`).toBeLessThan(1e-7);
          }
        }
      }
    });

    it('ddIΘ̂: third-order forward mode = derivative of D²z[v1, v2] along v3 (1e-7)', () => {
      const scale = maxAbs(d.ddI!);
      expect(scale).toBeGreaterThan(1e-2);
      for (let p0 = 0; p0 < P; p0 += 3) {
        for (let p1 = 0; p1 < P; p1++) for (let p2 = 0; p2 < P; p2++) for (let p3 = 0; p3 < P; p3++) {
          const fd = derivative((t) => {
            const st = stateOf(net, shift(vflat[p3]!, t));
            const t1 = firstOrder(st, dirs[p1]!);
            const t2 = firstOrder(st, dirs[p2]!);
            return secondOrder(st, dirs[p1]!, dirs[p2]!, t1, t2).dz[L]![POINTS[p0]!.i * m + POINTS[p0]!.alpha]!;
          }, 0.02);
          expect(Math.abs(fd - d.ddI![((p0 * P + p1) * P + p2) * P + p3]!) / scale, `ddI[${p0}][${p1}][${p2}][${p3}]`).toBeLessThan(1e-7);
        }
      }
    });

    it('ddIIΘ̂ = ⟨H_1 v_3, Λ H_2 v_4⟩ with H v from differences of gradients (1e-7)', () => {
      const hv = (p: number, q: number): Float64Array => {
        const D = (h: number): Float64Array => {
          const a = gradientVector(net, stateOf(net, shift(vflat[q]!, h)), POINTS[p]!);
          const b = gradientVector(net, stateOf(net, shift(vflat[q]!, -h)), POINTS[p]!);
          return a.map((x, mu) => (x - b[mu]!) / (2 * h));
        };
        const h0 = 0.02;
        const d1 = D(h0), d2 = D(h0 / 2), d4 = D(h0 / 4);
        return d1.map((_, mu) => (16 * ((4 * d4[mu]! - d2[mu]!) / 3) - (4 * d2[mu]! - d1[mu]!) / 3) / 15);
      };
      const H = POINTS.map((_, p) => POINTS.map((__, q) => hv(p, q)));
      const scale = maxAbs(d.ddII!);
      expect(scale).toBeGreaterThan(1e-2);
      for (let p1 = 0; p1 < P; p1++) for (let p2 = 0; p2 < P; p2++) for (let p3 = 0; p3 < P; p3++) for (let p4 = 0; p4 < P; p4++) {
        let acc = 0;
        for (let mu = 0; mu < net.size; mu++) acc += H[p1]![p3]![mu]! * lam[mu]! * H[p2]![p4]![mu]!;
        expect(Math.abs(acc - d.ddII![((p1 * P + p2) * P + p3) * P + p4]!) / scale, `ddII[${p1}][${p2}][${p3}][${p4}]`).toBeLessThan(1e-7);
      }
    });

    it('the shifted forward pass equals the forward pass at θ + Σ c v (no first-layer weights or biases needed)', () => {
      const coefs = [0.03, -0.02, 0, 0.05];
      const got = shiftedOutput(s, getActivation(act), dirs, coefs);
      const t = th.map((x, mu) => x + coefs.reduce((acc, c, k) => acc + c * vflat[k]![mu]!, 0));
      const want = forward(net, t)[L]!;
      for (let q = 0; q < want.length; q++) expect(got[q]).toBeCloseTo(want[q]!, 13);
    });

    it('the smoothed dNTK (mixed second differences) tends to the exact one as O(h²)', () => {
      const A = getActivation(act);
      const err = (h: number): number => {
        const sm = smoothedDntk(s, A, POINTS, dirs, h);
        let e = 0;
        for (let q = 0; q < sm.length; q++) e = Math.max(e, Math.abs(sm[q]! - d.dntk[q]!));
        return e / maxAbs(d.dntk);
      };
      const e1 = err(0.02);
      const e2 = err(0.01);
      expect(e1).toBeLessThan(1e-2);
      expect(e2 / e1).toBeGreaterThan(0.2);
      expect(e2 / e1).toBeLessThan(0.3);
    });
  });
}

describe('ReLU: one network sees no kink, the smoothed difference does', () => {
  it('exact per-network dΘ̂ omits σ″ = δ; mixed differences with a finite step count the crossed kinks', () => {
    const net = makeNet([2, 40, 40, 2], [[1, 0.5], [0.2, -0.9]], 'relu', 0.7, 1.3);
    const A = getActivation('relu');
    let crossed = 0;
    for (let k = 0; k < 20; k++) {
      const s = stateOf(net, sampleParams(net, 0.1, 2, 100 + k));
      const { g } = backprop(s, POINTS);
      const dirs = gradientDirections(s, POINTS, g);
      const exact = networkDerivatives(s, POINTS, false).dntk;
      const sm = smoothedDntk(s, A, POINTS, dirs, 0.3);
      // a step too small to reach a kink reproduces the exact (σ″ = 0) value; a finite step crosses kinks
      const sm2 = smoothedDntk(s, A, POINTS, dirs, 1e-5);
      for (let q = 0; q < exact.length; q++) {
        expect(Math.abs(sm2[q]! - exact[q]!)).toBeLessThan(1e-4 * (1 + Math.abs(exact[q]!)));
        if (Math.abs(sm[q]! - exact[q]!) > 1e-6) crossed++;
      }
    }
    expect(crossed).toBeGreaterThan(0);
  });
});
