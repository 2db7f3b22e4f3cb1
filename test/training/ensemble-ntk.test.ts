/**
 * The empirical NTK recorded by trained ensembles (src/training/network.ts, ensemble.ts option `ntk`):
 *  - one network's Θ̂(X,X) = (1/D) Σ_i Σ_μ λ_μ ∂f_i/∂θ_μ ∂f_i/∂θ_μ equals the same sum over an explicit Jacobian
 *    computed by forward-mode differentiation (one tangent per parameter through an independent forward pass,
 *    itself checked against central differences), at initialisation and after training, to 1e-10;
 *  - a single linear layer has Θ̂ = λ_b + (λ_W/n₀) x·x′ = Θ exactly at every step: mean equal to the frozen kernel
 *    to rounding, zero spread, zero shift and drift along the frozen eigenvectors;
 *  - at initialisation the ensemble mean is Θ + Θ¹/n (PDLT normalisation, Θ¹ from the recursion solver) within
 *    4 standard errors plus the O(1/n²) remainder, and the Θ¹ term is resolved (the frozen Θ alone is excluded);
 *  - identical statistics for one thread, two workers and shards merged.
 */
import { describe, expect, it } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';
import { finishTrainState, mergeTrainStates, trainEnsemble, trainEnsembleState, type TrainEnsembleSpec } from '../../src/training/ensemble.ts';
import { NetworkState, type NetworkPlan } from '../../src/training/network.ts';
import { solveRecursions } from '../../recursions/index.ts';

const X = [[1, 0.5], [0.2, -0.9], [-0.7, 0.3]];
const Tst = [[0.4, 0.4]];
const Y = [[0.3, -0.2], [-0.5, 0.1], [0.8, 0.6]];

function plan(over: Partial<NetworkPlan> = {}): NetworkPlan {
  return {
    L: 3, n0: 2, widths: [5, 4, 2], D: 2, N: 3, m: 1,
    X: Float64Array.from(X.flat()), T: Float64Array.from(Tst.flat()), Y: Float64Array.from(Y.flat()),
    cb: [0.3, 0.2, 0.1], cw: [1.4, 1.7, 1.2], lb: [0.7, 0.5, 0.9], lw: [1.9, 1.3, 0.6],
    activation: 'tanh', lr: 0.05, record: [0, 3], trainAll: true, meanShift: null, ntk: true,
    ...over,
  };
}

type Act = { f: (z: number) => number; df: (z: number) => number };
const ACTS: Record<string, Act> = {
  tanh: { f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 },
  relu: { f: (z) => Math.max(z, 0), df: (z) => (z > 0 ? 1 : 0) },
};

/**
 * f(x) and its tangent along one parameter direction (forward mode): ż⁽ℓ⁾ = Ẇ⁽ℓ⁾a⁽ℓ⁻¹⁾ + ḃ⁽ℓ⁾ + W⁽ℓ⁾ȧ⁽ℓ⁻¹⁾,
 * ȧ = σ′(z) ż. `dir` = [layer, 'W' | 'b', index] of the unit tangent; null: value only.
 */
function forwardTangent(p: NetworkPlan, W: number[][], b: number[][], x: number[], act: Act, dir: [number, 'W' | 'b', number] | null): { f: number[]; df: number[] } {
  let a = x.slice();
  let da = x.map(() => 0);
  for (let l = 0; l < p.L; l++) {
    const n = p.widths[l]!;
    const np = l === 0 ? p.n0 : p.widths[l - 1]!;
    const z = new Array<number>(n).fill(0);
    const dz = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      z[i] = b[l]![i]!;
      for (let j = 0; j < np; j++) {
        z[i] = z[i]! + W[l]![i * np + j]! * a[j]!;
        dz[i] = dz[i]! + W[l]![i * np + j]! * da[j]!;
      }
    }
    if (dir && dir[0] === l) {
      const i = dir[1] === 'b' ? dir[2] : Math.floor(dir[2] / np);
      dz[i] = dz[i]! + (dir[1] === 'b' ? 1 : a[dir[2] % np]!);
    }
    if (l === p.L - 1) return { f: z, df: dz };
    da = dz.map((d, i) => act.df(z[i]!) * d);
    a = z.map(act.f);
  }
  return { f: [], df: [] };
}

/** Θ̂(X,X) from the explicit Jacobian J[i][a][μ] = ∂f_i(x_a)/∂θ_μ, weighted by λ_μ, averaged over outputs. */
function explicitNtk(p: NetworkPlan, W: number[][], b: number[][], act: Act): number[][] {
  const { N, D } = p;
  const out = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  for (let l = p.trainAll ? 0 : p.L - 1; l < p.L; l++) {
    const np = l === 0 ? p.n0 : p.widths[l - 1]!;
    for (const kind of ['W', 'b'] as const) {
      const count = kind === 'W' ? p.widths[l]! * np : p.widths[l]!;
      const lam = kind === 'W' ? p.lw[l]! / np : p.lb[l]!;
      for (let k = 0; k < count; k++) {
        const J = X.map((x) => forwardTangent(p, W, b, x, act, [l, kind, k]).df);
        for (let a = 0; a < N; a++) for (let c = 0; c < N; c++) for (let i = 0; i < D; i++) out[a]![c]! += (lam * J[a]![i]! * J[c]![i]!) / D;
      }
    }
  }
  return out;
}

describe('the empirical NTK of one trained network', () => {
  it('the forward-mode Jacobian of the oracle agrees with central differences of its forward pass', () => {
    const p = plan();
    const net = new NetworkState(p);
    net.init(7, 3, 1);
    const W = net.W.map((w) => Array.from(w));
    const b = net.b.map((v) => Array.from(v));
    const h = 1e-5;
    for (const [l, kind, k] of [[0, 'W', 3], [1, 'b', 2], [2, 'W', 5], [1, 'W', 11]] as [number, 'W' | 'b', number][]) {
      const at = (s: number): number[] => {
        const W2 = W.map((w) => w.slice());
        const b2 = b.map((v) => v.slice());
        (kind === 'W' ? W2 : b2)[l]![k]! += s;
        return forwardTangent(p, W2, b2, X[1]!, ACTS.tanh!, null).f;
      };
      const up = at(h);
      const dn = at(-h);
      const df = forwardTangent(p, W, b, X[1]!, ACTS.tanh!, [l, kind, k]).df;
      df.forEach((d, i) => expect(Math.abs(d - (up[i]! - dn[i]!) / (2 * h))).toBeLessThan(1e-8));
    }
  });

  for (const [activation, trainAll] of [['tanh', true], ['relu', true], ['tanh', false]] as [string, boolean][]) {
    it(`equals the explicit-Jacobian NTK to 1e-10 at initialisation and after 3 steps (${activation}, ${trainAll ? 'all layers' : 'readout only'})`, () => {
      const p = plan({ activation, trainAll });
      const net = new NetworkState(p);
      net.init(7, 3, 1);
      const W0 = net.W.map((w) => Array.from(w));
      const b0 = net.b.map((v) => Array.from(v));
      net.train('test network'); // stops after the last recorded step: W, b are the parameters at step 3
      const act = ACTS[activation]!;
      const N = p.N;
      const check = (rec: Float64Array, off: number, ref: number[][]) => {
        let scale = 0;
        for (let a = 0; a < N; a++) for (let c = 0; c < N; c++) {
          scale = Math.max(scale, Math.abs(ref[a]![c]!));
          expect(Math.abs(rec[off + a * N + c]! - ref[a]![c]!)).toBeLessThan(1e-10);
        }
        expect(scale).toBeGreaterThan(0.1);
      };
      const initial = explicitNtk(p, W0, b0, act);
      check(net.ntkInitial, 0, initial);
      check(net.ntk, 0, initial); // step 0 is recorded
      const trained = explicitNtk(p, net.W.map((w) => Array.from(w)), net.b.map((v) => Array.from(v)), act);
      check(net.ntk, N * N, trained);
      // the NTK moved during training (all layers trained), or stayed exactly (readout only: its Θ̂ has no W⁽ᴸ⁾)
      const moved = Math.max(...trained.flat().map((v, q) => Math.abs(v - initial.flat()[q]!)));
      if (trainAll) expect(moved).toBeGreaterThan(1e-6);
      else expect(moved).toBe(0);
    });
  }
});

const linearData = { trainInputs: [[1, 0.5, -0.3], [0.2, -0.9, 0.4], [-0.7, 0.3, 1.1]], trainTargets: [[0.3], [-0.5], [0.8]], testInputs: [[0.4, 0.4, 0.1]] };

describe('ensembles with the recorded NTK', () => {
  it('a single linear layer: Θ̂ = Θ exactly at every step (mean to rounding, zero spread, zero shift and drift)', async () => {
    const arch = { activation: 'tanh', cb: 0.3, cw: 1.2, lambdaB: 0.8, lambdaW: 1.1, widths: [1] };
    const r = await trainEnsemble({ ...arch, ...linearData, lr: 0.1, steps: [0, 5, 40], nets: 40, seed: 2, ntk: true, workers: 1 });
    const k = r.ntk!;
    const x = linearData.trainInputs;
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < 3; c++) {
        const exact = 0.8 + (1.1 / 3) * x[a]!.reduce((s, v, j) => s + v * x[c]![j]!, 0);
        expect(Math.abs(k.frozen[a]![c]! - exact)).toBeLessThan(1e-12);
        for (const [mean, se] of [[k.initial.mean[a]![c]!, k.initial.stderr[a]![c]!], ...k.mean.mean.map((m, s) => [m[a]![c]!, k.mean.stderr[s]![a]![c]!])] as [number, number][]) {
          expect(Math.abs(mean - exact)).toBeLessThan(1e-12);
          expect(se).toBeLessThan(1e-13);
        }
      }
    }
    for (const d of [k.min!, k.max]) {
      expect(Math.abs(d.initialShift.mean)).toBeLessThan(1e-12);
      d.shift.mean.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
      d.drift.mean.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    }
    expect(k.min!.eigenvalue).toBeLessThan(k.max.eigenvalue);
    // inputs (x, 1) in two dimensions on 8 points: H(X,X) has rank 2, no relative projection on λ_min = 0
    const xs = Array.from({ length: 8 }, (_, i) => -3 + (6 * i) / 7);
    const flat = await trainEnsemble({ ...arch, widths: [1], trainInputs: xs.map((v) => [v, 1]), trainTargets: xs.map(Math.sin).map((v) => [v]), testInputs: [[0, 1]], lr: 0.01, steps: [2], nets: 4, seed: 1, ntk: true, workers: 1 });
    expect(flat.ntk!.min).toBeUndefined();
    expect(flat.meta.notes.join(' ')).toMatch(/singular to rounding/);
  });

  it('at initialisation the mean Θ̂ is Θ + Θ¹/n within 4 standard errors plus the O(1/n²) remainder; Θ¹ is resolved', async () => {
    // ReLU (C_b = 0.1, C_W = 2), two hidden layers of width n = 8, three inputs (x, 1); independent networks.
    // O(1/n²) remainder: n²·(mean − Θ − Θ¹/n) measured at n = 4 with 20000 networks is at most 0.8 ± 0.8 over the six
    // entries (n = 8, 16, 32: residuals within 2 s.e.), so |r|/n² with |r| ≤ 1 bounds it.
    const n = 8;
    const xs = [-2, 0.5, 1.5];
    const data = { trainInputs: xs.map((x) => [x, 1]), trainTargets: xs.map((x) => [Math.sin(x)]), testInputs: [[0.2, 1]] };
    const arch = { activation: 'relu', cb: 0.1, cw: 2, widths: [n, n, 1] };
    const rec = solveRecursions({ ...arch, inputs: data.trainInputs, quantities: ['K', 'Theta', 'Theta1'] });
    const top = rec.layers[rec.layers.length - 1]!;
    const r = await trainEnsemble({ ...arch, ...data, lr: 0.01, steps: [0], nets: 40000, seed: 3, antithetic: false, ntk: true, theory: false, workers: 1 });
    const k = r.ntk!;
    let resolved = 0;
    for (let a = 0; a < 3; a++) {
      for (let c = 0; c < 3; c++) {
        const th = top.Theta![a]![c]!;
        const th1 = top.Theta1![a]![c]!;
        const mean = k.initial.mean[a]![c]!;
        const se = k.initial.stderr[a]![c]!;
        expect(Math.abs(k.frozen[a]![c]! - th)).toBeLessThan(1e-12);
        expect(Math.abs(mean - th - th1 / n)).toBeLessThan(4 * se + 1 / n ** 2);
        expect(k.mean.mean[0]![a]![c]!).toBe(mean); // step 0 recorded: the same numbers
        if (Math.abs(mean - th) > 4 * se + 1 / n ** 2) resolved++;
      }
    }
    expect(resolved).toBeGreaterThanOrEqual(2); // entries (0,2), (2,0): Θ¹ = −0.61, n·s.e. ≈ 0.07
    // the projections are the quadratic forms of the reported means, and the shift along v_min is vᵀΘ¹v/(nλ)
    const N = 3;
    const H = Float64Array.from(k.frozen.flat());
    const { symmetricEigenDense } = await import('../../src/training/eigen.ts');
    const eig = symmetricEigenDense(H, N);
    const v = Array.from(eig.vectors.slice(0, N));
    const quad = (M: number[][]): number => v.reduce((s, va, a) => s + va * v.reduce((t, vc, c) => t + M[a]![c]! * vc, 0), 0);
    const lmin = eig.values[0]!;
    expect(k.min!.eigenvalue).toBeCloseTo(lmin, 12);
    expect(Math.abs(k.min!.initialShift.mean - (quad(k.initial.mean) / lmin - 1))).toBeLessThan(1e-12);
    const predicted = quad(top.Theta1!) / (n * lmin);
    expect(Math.abs(k.min!.initialShift.mean - predicted)).toBeLessThan(4 * k.min!.initialShift.stderr + 1 / (n ** 2 * lmin));
    expect(k.min!.drift.mean[0]).toBe(0);
  });

  it('identical NTK statistics on one thread, two workers and merged shards; refused with a mean shift', async () => {
    const xs = [-2, 0.5, 1.5];
    const spec: TrainEnsembleSpec = {
      activation: 'relu', cb: 0.1, cw: 2, widths: [12, 12, 1], trainInputs: xs.map((x) => [x, 1]), trainTargets: xs.map((x) => [Math.sin(x)]),
      testInputs: [[0.2, 1]], lr: 0.05, steps: [4, 1], nets: 48, seed: 9, ntk: true, theory: false, groups: 8, blockSize: 4,
    };
    const one = await trainEnsemble({ ...spec, workers: 1 });
    const two = await trainEnsemble({ ...spec, workers: 2 });
    const shards = await Promise.all([0, 1, 2].map((i) => trainEnsembleState({ ...spec, shard: { index: i, count: 3 }, workers: 1 })));
    const merged = finishTrainState(mergeTrainStates([shards[2]!, shards[0]!, shards[1]!]));
    expect(two.ntk).toEqual(one.ntk);
    expect(merged.ntk).toEqual(one.ntk);
    // steps in the user's order; the drift is nonzero for ReLU after 4 steps, with an error
    expect(one.ntk!.mean.mean).toHaveLength(2);
    expect(Math.abs(one.ntk!.min!.drift.mean[0]!)).toBeGreaterThan(0);
    expect(one.ntk!.min!.drift.stderr[0]!).toBeGreaterThan(0);
    expect(one.ntk!.max.drift.mean[0]!).not.toBe(one.ntk!.max.drift.mean[1]!);
    // the same seed gives the same numbers; the NTK option leaves the other statistics unchanged
    const plain = await trainEnsemble({ ...spec, ntk: false, workers: 1 });
    expect(plain.ntk).toBeUndefined();
    expect(plain.mean).toEqual(one.mean);
    expect(plain.covariance).toEqual(one.covariance);
    await expect(trainEnsemble({ ...spec, antithetic: false, meanShift: { mu: 0.2, rows: 1 }, workers: 1 })).rejects.toThrow(NnftInputError);
  });
});
