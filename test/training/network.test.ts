/**
 * Backpropagation and the per-parameter learning rates of the trainer (src/training/network.ts):
 *  - the initial network is the Monte Carlo sampler's network (same stream, same draws: W, b equal bit for bit);
 *  - the update equals −η λ_μ ∂L/∂θ_μ with ∂L/∂θ from central finite differences of an independent forward pass;
 *  - one small step changes f by −η Θ̂ (f − y) + O(η²), with Θ̂ the sampler's exact empirical NTK
 *    (src/montecarlo, Θ̂ = Σ_μ λ_μ ∂f ∂f with λ_b and λ_W/n_{ℓ−1}): the function-space dynamics of the toolkit;
 *  - only the last layer trained: the model is linear in its parameters, so Δf = −η Θ̂_readout (f − y) exactly;
 *  - antithetic partner: f → −f at initialisation; divergence is refused.
 */
import { describe, expect, it } from 'vitest';
import { NnftNumericalError } from '../../src/errors.ts';
import { NetStream } from '../../src/rng/index.ts';
import { buildPlan } from '../../src/montecarlo/plan.ts';
import { makeBuffers } from '../../src/montecarlo/buffers.ts';
import { simulateNetwork } from '../../src/montecarlo/simulate.ts';
import { NetworkState, type NetworkPlan } from '../../src/training/network.ts';

const X = [[1, 0.5], [0.2, -0.9], [-0.7, 0.3]];
const Tst = [[0.4, 0.4], [-1.1, 0.8]];
const Y = [[0.3, -0.2], [-0.5, 0.1], [0.8, 0.6]];

function plan(over: Partial<NetworkPlan> = {}): NetworkPlan {
  return {
    L: 3, n0: 2, widths: [5, 4, 2], D: 2, N: 3, m: 2,
    X: Float64Array.from(X.flat()), T: Float64Array.from(Tst.flat()), Y: Float64Array.from(Y.flat()),
    cb: [0.3, 0.2, 0.1], cw: [1.4, 1.7, 1.2], lb: [0.7, 0.5, 0.9], lw: [1.9, 1.3, 0.6],
    activation: 'tanh', lr: 0.01, record: [0, 1], trainAll: true, meanShift: null,
    ...over,
  };
}

/** Independent forward pass and loss on plain arrays (layer by layer, as written in the module comment). */
function forward(p: NetworkPlan, W: number[][], b: number[][], x: number[], act: (z: number) => number): number[] {
  let prev = x;
  for (let l = 0; l < p.L; l++) {
    const n = p.widths[l]!;
    const np = l === 0 ? p.n0 : p.widths[l - 1]!;
    const z = Array.from({ length: n }, (_, i) => b[l]![i]! + prev.reduce((s, v, j) => s + W[l]![i * np + j]! * v, 0));
    if (l === p.L - 1) return z;
    prev = z.map(act);
  }
  return [];
}
function loss(p: NetworkPlan, W: number[][], b: number[][], act: (z: number) => number): number {
  let s = 0;
  X.forEach((x, a) => forward(p, W, b, x, act).forEach((f, i) => (s += 0.5 * (f - Y[a]![i]!) ** 2)));
  return s;
}

describe('the trainer’s networks', () => {
  it('initialise exactly as the Monte Carlo sampler’s network of the same stream (W, b bit for bit; outputs to rounding)', () => {
    const p = plan();
    const mc = buildPlan({ activation: 'tanh', cb: p.cb, cw: p.cw, lambdaB: p.lb, lambdaW: p.lw, widths: p.widths, inputs: X, nets: 1, quantities: ['Theta'], sampler: 'full', estimator: 'direct', seed: 5 });
    const B = makeBuffers(mc);
    simulateNetwork(mc, B, new NetStream(5), 17, new Float64Array(mc.statisticsSize));
    const net = new NetworkState(p);
    net.init(5, 17, 1);
    for (let l = 0; l < 3; l++) {
      expect(Array.from(net.W[l]!)).toEqual(Array.from(B.W[l]!));
      expect(Array.from(net.b[l]!)).toEqual(Array.from(B.b[l]!));
    }
    const f = net.outputsOnTrain();
    for (let a = 0; a < 3; a++) for (let i = 0; i < 2; i++) expect(Math.abs(f[a * 2 + i]! - B.z[2]![i * 3 + a]!)).toBeLessThan(1e-14);
    // antithetic partner: the output layer negated, f → −f exactly
    net.init(5, 17, -1);
    const g = net.outputsOnTrain();
    for (let q = 0; q < 6; q++) expect(g[q]).toBe(-f[q]!);
  });

  it('one step moves every parameter by −η λ_μ ∂L/∂θ_μ (∂L/∂θ by central differences; λ_b, λ_W/n_{ℓ−1} per layer)', () => {
    const p = plan({ lr: 0.01 });
    const net = new NetworkState(p);
    net.init(3, 2, 1);
    const W0 = net.W.map((w) => Array.from(w));
    const b0 = net.b.map((b) => Array.from(b));
    net.train('test network');
    const h = 1e-6;
    let checked = 0;
    for (let l = 0; l < p.L; l++) {
      const np = l === 0 ? p.n0 : p.widths[l - 1]!;
      for (const kind of ['W', 'b'] as const) {
        const before = kind === 'W' ? W0[l]! : b0[l]!;
        const after = kind === 'W' ? net.W[l]! : net.b[l]!;
        const lam = kind === 'W' ? p.lw[l]! / np : p.lb[l]!;
        for (let k = 0; k < before.length; k++) {
          const W = W0.map((w) => w.slice());
          const b = b0.map((v) => v.slice());
          const arr = kind === 'W' ? W[l]! : b[l]!;
          arr[k] = before[k]! + h;
          const up = loss(p, W, b, Math.tanh);
          arr[k] = before[k]! - h;
          const dn = loss(p, W, b, Math.tanh);
          const grad = (up - dn) / (2 * h);
          const fromStep = -(after[k]! - before[k]!) / (p.lr * lam);
          expect(Math.abs(fromStep - grad)).toBeLessThan(1e-8 * Math.max(1, Math.abs(grad)));
          checked++;
        }
      }
    }
    expect(checked).toBe(5 * 2 + 5 + 4 * 5 + 4 + 2 * 4 + 2);
  });

  for (const activation of ['tanh', 'relu']) {
    it(`one small step changes f by −η Θ̂ (f − y) + O(η²), Θ̂ the sampler’s exact empirical NTK (${activation}, training and test inputs)`, () => {
      const widths = [16, 12, 2];
      const inputs = [...X, ...Tst];
      const mc = buildPlan({ activation, cb: 0.2, cw: 1.6, lambdaB: 0.7, lambdaW: 1.3, widths, inputs, nets: 1, quantities: ['Theta'], sampler: 'full', estimator: 'direct', seed: 11 });
      const B = makeBuffers(mc);
      simulateNetwork(mc, B, new NetStream(11), 4, new Float64Array(mc.statisticsSize));
      const M = inputs.length;
      const theta = B.theta[2]!; // pair (a, b) at (a·M + b)·4, entry (i, j) at i·2 + j
      const errs: number[] = [];
      for (const lr of [1e-3, 1e-4]) {
        const p = plan({ activation, widths, cb: [0.2, 0.2, 0.2], cw: [1.6, 1.6, 1.6], lb: [0.7, 0.7, 0.7], lw: [1.3, 1.3, 1.3], lr });
        const net = new NetworkState(p);
        net.init(11, 4, 1);
        const f0 = net.outputsOnTrain();
        net.init(11, 4, 1);
        net.train('test network');
        const f1 = net.outputsOnTrain();
        const fT0 = net.out.subarray(0, 4);
        const fT1 = net.out.subarray(4, 8);
        let err = 0;
        let scale = 0;
        for (let a = 0; a < M; a++) {
          for (let i = 0; i < 2; i++) {
            let pred = 0;
            for (let b = 0; b < 3; b++) for (let j = 0; j < 2; j++) pred -= lr * theta[(a * M + b) * 4 + i * 2 + j]! * (f0[b * 2 + j]! - Y[b]![j]!);
            const delta = a < 3 ? f1[a * 2 + i]! - f0[a * 2 + i]! : fT1[(a - 3) * 2 + i]! - fT0[(a - 3) * 2 + i]!;
            err = Math.max(err, Math.abs(delta - pred));
            scale = Math.max(scale, Math.abs(pred));
          }
        }
        expect(err).toBeLessThan(0.05 * scale); // the O(η²) remainder is small against the O(η) change
        errs.push(err);
      }
      // the remainder is second order: a ten times smaller step leaves a hundred times smaller remainder
      const ratio = errs[0]! / errs[1]!;
      expect(ratio).toBeGreaterThan(60);
      expect(ratio).toBeLessThan(160);
    });
  }

  it('only the last layer trained: Δf = −η Θ̂_readout (f − y) exactly, Θ̂_readout = λ_b + (λ_W/n_{L−1}) σ·σ', () => {
    const p = plan({ trainAll: false, lr: 0.3, record: [0, 1] });
    const net = new NetworkState(p);
    net.init(7, 1, 1);
    const f0 = net.outputsOnTrain();
    const Wh = net.W.map((w) => Array.from(w));
    const bh = net.b.map((b) => Array.from(b));
    // σ(z⁽ᴸ⁻¹⁾) on train and test inputs, independently
    const hidden = (x: number[]): number[] => {
      const q: NetworkPlan = { ...p, L: 2, widths: [5, 4] };
      return forward(q, Wh, bh, x, Math.tanh).map(Math.tanh);
    };
    const S = [...X, ...Tst].map(hidden);
    net.init(7, 1, 1);
    net.train('readout');
    const f1 = net.outputsOnTrain();
    for (let l = 0; l < 2; l++) expect(Array.from(net.W[l]!)).toEqual(Wh[l]); // hidden layers untouched
    for (let a = 0; a < 5; a++) {
      for (let i = 0; i < 2; i++) {
        let pred = 0;
        for (let b = 0; b < 3; b++) {
          const th = p.lb[2]! + (p.lw[2]! / 4) * S[a]!.reduce((s, v, k) => s + v * S[b]![k]!, 0);
          pred -= p.lr * th * (f0[b * 2 + i]! - Y[b]![i]!);
        }
        const delta = a < 3 ? f1[a * 2 + i]! - f0[a * 2 + i]! : net.out[4 + (a - 3) * 2 + i]! - net.out[(a - 3) * 2 + i]!;
        expect(Math.abs(delta - pred)).toBeLessThan(1e-14);
      }
    }
  });

  it('a diverging network is refused (η far above 2/λ_max of its empirical NTK)', () => {
    const net = new NetworkState(plan({ lr: 50, record: [0, 2000] }));
    net.init(1, 0, 1);
    expect(() => net.train('network 0')).toThrow(NnftNumericalError);
    expect(() => { net.init(1, 0, 1); net.train('network 0'); }).toThrow(/network 0.*diverged.*smaller --lr/);
  });
});

describe('the same networks trained by an independent NumPy implementation', () => {
  it('test predictions after 60 steps agree to 1e-11 (tanh and ReLU, two hidden layers of 24, two outputs)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join, dirname } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'training_reference.py');
    for (const activation of ['tanh', 'relu']) {
      const p = plan({ activation, widths: [24, 24, 2], lr: 0.02, record: [60] });
      const net = new NetworkState(p);
      const params: number[][][] = [];
      const ours: number[][] = [];
      for (const k of [0, 1, 2]) {
        net.init(21, k, k === 2 ? -1 : 1);
        params.push(net.W.flatMap((w, l) => [Array.from(w), Array.from(net.b[l]!)]));
        net.train('network');
        ours.push(Array.from(net.out));
      }
      const r = spawnSync('python3', [script], {
        input: JSON.stringify({ mode: 'check', activation, widths: p.widths, X, Y, T: Tst, steps: 60, lr: p.lr, lb: p.lb, lw: p.lw, params }),
        encoding: 'utf8',
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as number[][][];
      ref.forEach((net2, k) => net2.flat().forEach((v, q) => expect(Math.abs(v - ours[k]![q]!)).toBeLessThan(1e-11)));
    }
  });
});
