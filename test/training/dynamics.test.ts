/**
 * Infinite-width training dynamics (src/training/dynamics.ts, theory.ts) against independent evaluations:
 *  - t = ∞ on the training inputs reproduces Y (kernel regression interpolates) to 1e-10;
 *  - t = 0 gives mean 0 and covariance K exactly (the recursion solver's K);
 *  - s steps of gradient descent in closed form = direct iteration of the linearised model to 1e-12;
 *  - gradient flow at finite t = scipy.linalg.expm evaluation (python3) to 1e-10;
 *  - the ridge is Tikhonov regularisation (numpy.linalg.solve with H + εI);
 *  - nngp at t = ∞ is the GP posterior; last-layer with λ_b = C_b, λ_W = C_W equals nngp;
 *  - multi-output targets are independent columns with one shared covariance;
 *  - refusals: divergent gradient descent (ηλ_max > 2), singular H(X,X) at t = ∞.
 * Setting: 8 training points x on [−3, 3], y = sin x, inputs (x, 1), two hidden layers, 5 test points.
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftInputError, NnftNumericalError } from '../../src/errors.ts';
import { descentFactor, flowFactor, kernelDynamics } from '../../src/training/dynamics.ts';
import { validateData } from '../../src/training/spec.ts';
import { predictInfiniteWidth, trainingKernelBlocks } from '../../src/training/theory.ts';
import { python } from './python.ts';

const xs = Array.from({ length: 8 }, (_, i) => -3 + (6 * i) / 7);
const TEST = [-2.4, -1.1, 0.2, 1.3, 2.6];
const data = { trainInputs: xs.map((x) => [x, 1]), trainTargets: xs.map((x) => [Math.sin(x)]), testInputs: TEST.map((x) => [x, 1]) };
const TANH = { activation: 'tanh', cb: 0.1, cw: 1.5, widths: [512, 512, 1] };
const RELU = { activation: 'relu', cb: 0.1, cw: 2, widths: [512, 512, 1] };

function blocksFor(arch: typeof TANH, kernel: 'ntk' | 'nngp' | 'last-layer' = 'ntk', d = data) {
  const v = validateData(d);
  return { v, blocks: trainingKernelBlocks(arch, v, kernel) };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('frozen-kernel dynamics: limits', () => {
  it('t = ∞ on the training inputs reproduces Y to 1e-10 (tanh and ReLU; two outputs) and the covariance vanishes there', () => {
    for (const arch of [TANH, RELU]) {
      const targets = xs.map((x) => [Math.sin(x), Math.cos(2 * x)]);
      const r = predictInfiniteWidth({ ...arch, widths: [512, 512, 2], trainInputs: data.trainInputs, trainTargets: targets, testInputs: data.trainInputs, lr: 1, schedule: { kind: 'flow', times: [Infinity] } });
      expect(r.meta.conditioning.roundingError[0]).toBeLessThan(1e-10);
      r.mean[0]!.forEach((mu, a) => mu.forEach((v, i) => expect(Math.abs(v - targets[a]![i]!)).toBeLessThan(1e-10)));
      r.covariance[0]!.forEach((row) => row.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-10)));
      // gradient descent converges to the same point
      const g = predictInfiniteWidth({ ...arch, widths: [512, 512, 2], trainInputs: data.trainInputs, trainTargets: targets, testInputs: data.trainInputs, lr: 0.5 * r.meta.conditioning.largestStableLr, schedule: { kind: 'gd', steps: [Infinity] } });
      g.mean[0]!.forEach((mu, a) => mu.forEach((v, i) => expect(Math.abs(v - targets[a]![i]!)).toBeLessThan(1e-10)));
    }
  });

  it('t = 0 gives mean 0 and covariance K⁽ᴸ⁾ of the recursion solver exactly', () => {
    const r = predictInfiniteWidth({ ...TANH, ...data, lr: 1, schedule: { kind: 'flow', times: [0] } });
    const K = solveRecursions({ ...TANH, inputs: [...data.trainInputs, ...data.testInputs], quantities: ['K', 'Theta'] }).layers[2]!.K!;
    r.mean[0]!.forEach((mu) => expect(mu).toEqual([0]));
    r.covariance[0]!.forEach((row, a) => row.forEach((v, b) => expect(v).toBe(0.5 * (K[8 + a]![8 + b]! + K[8 + b]![8 + a]!))));
    expect(K[8]![9]).toBe(K[9]![8]); // the solver is exactly symmetric, so this is K itself
  });

  it('multi-output targets: each output is its own column, the covariance is shared', () => {
    const two = xs.map((x) => [Math.sin(x), x / 3]);
    const sched = { kind: 'flow' as const, times: [0.5, 7] };
    const r2 = predictInfiniteWidth({ ...TANH, widths: [512, 512, 2], ...data, trainTargets: two, lr: 0.3, schedule: sched });
    for (const c of [0, 1]) {
      const r1 = predictInfiniteWidth({ ...TANH, ...data, trainTargets: two.map((y) => [y[c]!]), lr: 0.3, schedule: sched });
      for (let t = 0; t < 2; t++) {
        r1.mean[t]!.forEach((mu, a) => expect(Math.abs(mu[0]! - r2.mean[t]![a]![c]!)).toBeLessThan(1e-14));
        expect(r2.covariance[t]).toEqual(r1.covariance[t]);
      }
    }
  });
});

describe('frozen-kernel dynamics against independent evaluations', () => {
  it('s steps of gradient descent in closed form equal direct iteration of the linearised model to 1e-12 (mean and covariance)', () => {
    for (const arch of [TANH, RELU]) {
      const { v, blocks } = blocksFor(arch);
      const { N, m } = blocks;
      const lamMax = predictInfiniteWidth({ ...arch, ...data, lr: 1, schedule: { kind: 'flow', times: [0] } }).meta.conditioning.lambdaMax;
      const lr = 0.95 / lamMax;
      const steps = [1, 2, 7, 100, 1000];
      const res = kernelDynamics(blocks, v.Y, 1, { lr, schedule: { kind: 'gd', steps } });
      // linearised model on all N + m points: f_{s+1} = f_s − η H(·,X)(f_s(X) − Y), with f_0 = M_0 ξ (M_0 = I, ξ ~ N(0, K_all))
      const A = N + m;
      const Hall = (p: number, j: number): number => (p < N ? blocks.HXX[p * N + j]! : blocks.HTX[(p - N) * N + j]!);
      const Kall = (p: number, q: number): number => {
        if (p < N && q < N) return blocks.KXX[p * N + q]!;
        if (p >= N && q >= N) return blocks.KTT[(p - N) * m + (q - N)]!;
        return p >= N ? blocks.KTX[(p - N) * N + q]! : blocks.KTX[(q - N) * N + p]!;
      };
      let f = new Float64Array(A);
      let M = new Float64Array(A * A);
      for (let p = 0; p < A; p++) M[p * A + p] = 1;
      let s = 0;
      for (const target of steps) {
        for (; s < target; s++) {
          const f2 = Float64Array.from(f);
          const M2 = Float64Array.from(M);
          for (let p = 0; p < A; p++) {
            let acc = 0;
            for (let j = 0; j < N; j++) acc += Hall(p, j) * (f[j]! - v.Y[j]!);
            f2[p] = f[p]! - lr * acc;
            for (let q = 0; q < A; q++) {
              let am = 0;
              for (let j = 0; j < N; j++) am += Hall(p, j) * M[j * A + q]!;
              M2[p * A + q] = M[p * A + q]! - lr * am;
            }
          }
          f = f2;
          M = M2;
        }
        const k = steps.indexOf(target);
        for (let a = 0; a < m; a++) {
          expect(Math.abs(res.mean[k]![a]! - f[N + a]!)).toBeLessThan(1e-12);
          for (let b = 0; b < m; b++) {
            let c = 0;
            for (let p = 0; p < A; p++) for (let q = 0; q < A; q++) c += M[(N + a) * A + p]! * Kall(p, q) * M[(N + b) * A + q]!;
            expect(Math.abs(res.covariance[k]![a * m + b]! - c)).toBeLessThan(1e-12);
          }
        }
      }
    }
  });

  const EXPM = `
import json, sys, numpy as np
from scipy.linalg import expm
out = []
for d in json.load(sys.stdin):
    N, m = d['N'], d['m']
    H = np.array(d['HXX']).reshape(N, N) + d['eps'] * np.eye(N)
    HT = np.array(d['HTX']).reshape(m, N); KXX = np.array(d['KXX']).reshape(N, N)
    KT = np.array(d['KTX']).reshape(m, N); KTT = np.array(d['KTT']).reshape(m, m); Y = np.array(d['Y'])
    res = []
    for t in d['times']:
        if t == 'inf':
            A = np.linalg.solve(H, np.eye(N))
        else:
            A = np.linalg.solve(H, np.eye(N) - expm(-d['lr'] * t * H))
        mu = HT @ A @ Y
        C = KTT + HT @ A @ KXX @ A @ HT.T - (HT @ A @ KT.T + KT @ A @ HT.T)
        res.append({'mean': mu.tolist(), 'cov': C.ravel().tolist()})
    out.append(res)
print(json.dumps(out))
`;

  type Blocks = ReturnType<typeof blocksFor>['blocks'];
  /** Independent evaluation of every case in one python3 run: A_t = H⁻¹(I − expm(−ηHt)), then the formulas. */
  function viaExpm(cases: { blocks: Blocks; Y: Float64Array; lr: number; times: number[]; eps?: number }[]) {
    return python<{ mean: number[]; cov: number[] }[][]>(EXPM, cases.map(({ blocks, Y, lr, times, eps }) => ({
      N: blocks.N, m: blocks.m, HXX: Array.from(blocks.HXX), HTX: Array.from(blocks.HTX), KXX: Array.from(blocks.KXX), KTX: Array.from(blocks.KTX), KTT: Array.from(blocks.KTT),
      Y: Array.from(Y), lr, eps: eps ?? 0, times: times.map((t) => (t === Infinity ? 'inf' : t)),
    })));
  }

  it('gradient flow at finite t equals a scipy.linalg.expm evaluation to 1e-10 (ntk, nngp, last-layer; tanh and ReLU)', () => {
    const times = [0.01, 0.3, 1, 10, 100];
    const cases: { blocks: Blocks; Y: Float64Array; lr: number; times: number[] }[] = [];
    const ours: ReturnType<typeof kernelDynamics>[] = [];
    for (const arch of [TANH, RELU]) {
      const v = validateData(data);
      const both = { ...arch, lambdaB: 0.7, lambdaW: 1.3 } as typeof TANH;
      for (const kernel of ['ntk', 'nngp', 'last-layer'] as const) {
        const blocks = trainingKernelBlocks(both, v, kernel);
        ours.push(kernelDynamics(blocks, v.Y, 1, { lr: 0.37, schedule: { kind: 'flow', times } }));
        cases.push({ blocks, Y: v.Y, lr: 0.37, times });
      }
    }
    const ref = viaExpm(cases);
    ours.forEach((res, c) => times.forEach((_, k) => {
      expect(maxAbs(res.mean[k]!, ref[c]![k]!.mean)).toBeLessThan(1e-10);
      expect(maxAbs(res.covariance[k]!, ref[c]![k]!.cov)).toBeLessThan(1e-10);
    }));
  });

  it('the ridge is Tikhonov regularisation: H(X,X) + εI in every formula, μ_∞ = H(x,X)(H + εI)⁻¹Y (numpy), duplicate training inputs included', () => {
    const dup = { trainInputs: [...data.trainInputs, data.trainInputs[3]!], trainTargets: [...data.trainTargets, data.trainTargets[3]!], testInputs: data.testInputs };
    const { v, blocks } = blocksFor(TANH, 'ntk', dup);
    const eps = 1e-3;
    const times = [0.5, 20, Infinity];
    const res = kernelDynamics(blocks, v.Y, 1, { lr: 1, schedule: { kind: 'flow', times }, diagReg: eps });
    const ref = viaExpm([{ blocks, Y: v.Y, lr: 1, times, eps }])[0]!;
    times.forEach((_, k) => {
      expect(maxAbs(res.mean[k]!, ref[k]!.mean)).toBeLessThan(1e-10);
      expect(maxAbs(res.covariance[k]!, ref[k]!.cov)).toBeLessThan(1e-10);
    });
    // the same ridge without the duplicate point: a ridge shrinks the fit at the training inputs
    const fit = predictInfiniteWidth({ ...TANH, ...data, testInputs: data.trainInputs, lr: 1, schedule: { kind: 'flow', times: [Infinity] }, diagReg: 0.05 });
    const resid = fit.mean[0]!.map((mu, a) => mu[0]! - Math.sin(xs[a]!));
    expect(Math.max(...resid.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('nngp at t = ∞ is the Gaussian-process posterior (numpy), and last-layer training with λ_b = C_b, λ_W = C_W has the same kernel', () => {
    const r = predictInfiniteWidth({ ...TANH, ...data, kernel: 'nngp', lr: 1, schedule: { kind: 'flow', times: [Infinity] } });
    const { blocks } = blocksFor(TANH, 'nngp');
    const ref = python<{ mean: number[]; cov: number[] }>(
      `import json,sys,numpy as np
d=json.load(sys.stdin); N,m=d['N'],d['m']
K=np.array(d['KXX']).reshape(N,N); KT=np.array(d['KTX']).reshape(m,N); KTT=np.array(d['KTT']).reshape(m,m); Y=np.array(d['Y'])
print(json.dumps({'mean':(KT@np.linalg.solve(K,Y)).tolist(),'cov':(KTT-KT@np.linalg.solve(K,KT.T)).ravel().tolist()}))`,
      { N: 8, m: 5, KXX: Array.from(blocks.KXX), KTX: Array.from(blocks.KTX), KTT: Array.from(blocks.KTT), Y: xs.map(Math.sin) },
    );
    const kappa = r.meta.conditioning.conditionNumber as number;
    const tol = kappa * 64 * Number.EPSILON; // both sides solve with K(X,X)
    r.mean[0]!.forEach((mu, a) => expect(Math.abs(mu[0]! - ref.mean[a]!)).toBeLessThan(tol));
    r.covariance[0]!.forEach((row, a) => row.forEach((c, b) => expect(Math.abs(c - ref.cov[a * 5 + b]!)).toBeLessThan(tol)));
    const ll = predictInfiniteWidth({ ...TANH, lambdaB: 0.1, lambdaW: 1.5, ...data, kernel: 'last-layer', lr: 1, schedule: { kind: 'flow', times: [Infinity] } });
    ll.mean[0]!.forEach((mu, a) => expect(Math.abs(mu[0]! - r.mean[0]![a]![0]!)).toBeLessThan(tol));
  });
});

describe('small eigenvalues and conditioning', () => {
  it('g_t(λ) = (1 − e^{−ηλt})/λ and (1 − (1 − ηλ)^s)/λ keep full precision as λ → 0', () => {
    for (const lam of [1e-300, 1e-20, 1e-12, 1e-8]) {
      // series: ηt(1 − x/2 + x²/6), x = ηλt
      const x = 0.5 * lam * 3;
      expect(Math.abs(flowFactor(lam, 0.5, 3) / (1.5 * (1 - x / 2 + (x * x) / 6)) - 1)).toBeLessThan(4 * Number.EPSILON);
      // GD: ηs − s(s−1)η²λ/2 + …
      const s = 1000;
      const y = 0.5 * lam;
      expect(Math.abs(descentFactor(lam, 0.5, s) / (0.5 * s * (1 - ((s - 1) * y) / 2 + ((s - 1) * (s - 2) * y * y) / 6)) - 1)).toBeLessThan(1e-12);
    }
    expect(flowFactor(0, 2, 5)).toBe(10);
    expect(flowFactor(2, 1, Infinity)).toBe(0.5);
    expect(descentFactor(4, 0.25, 1)).toBe(0.25); // ηλ = 1: converged after one step
    expect(descentFactor(4, 0.4, 3)).toBeCloseTo((1 - (1 - 1.6) ** 3) / 4, 15);
    expect(descentFactor(4, 0.4, Infinity)).toBe(0.25);
  });

  it('refuses divergent gradient descent (η λ_max > 2) naming λ_max and the largest stable η; flow has no such limit', () => {
    const lamMax = predictInfiniteWidth({ ...TANH, ...data, lr: 1, schedule: { kind: 'flow', times: [0] } }).meta.conditioning.lambdaMax;
    const run = (lr: number, steps: number[]) => predictInfiniteWidth({ ...TANH, ...data, lr, schedule: { kind: 'gd', steps } });
    expect(() => run(2.01 / lamMax, [5])).toThrow(NnftInputError);
    expect(() => run(2.01 / lamMax, [5])).toThrow(/diverges.*λ_max.*largest stable learning rate is 2\/λ_max = 0\.1068/);
    expect(() => run(2 / lamMax, [Infinity])).toThrow(NnftInputError);
    expect(() => run(1.99 / lamMax, [5, Infinity])).not.toThrow();
    expect(() => predictInfiniteWidth({ ...TANH, ...data, lr: 100, schedule: { kind: 'flow', times: [5, Infinity] } })).not.toThrow();
  });

  it('a singular H(X,X) (duplicate training input) is refused at t = ∞ without a ridge, with the tolerance and the fix; finite times need none', () => {
    const dup = { trainInputs: [...data.trainInputs, data.trainInputs[3]!], trainTargets: [...data.trainTargets, data.trainTargets[3]!], testInputs: data.testInputs };
    const run = (times: number[], diagReg?: number) => predictInfiniteWidth({ ...TANH, ...dup, lr: 1, schedule: { kind: 'flow', times }, diagReg });
    expect(() => run([Infinity])).toThrow(NnftNumericalError);
    expect(() => run([Infinity])).toThrow(/singular to rounding.*> 0\.0001.*--diag-reg/);
    const r = run([3]);
    expect(r.meta.conditioning.roundingError[0]).toBeLessThan(1e-12);
    expect(() => run([Infinity], 1e-6)).not.toThrow();
    // ill-conditioned without being singular: κ ≈ 1.8e12 (two inputs 1e-5 apart) → refused, with κ in the message
    const near = { ...data, trainInputs: [...data.trainInputs, [xs[3]! + 1e-5, 1]], trainTargets: [...data.trainTargets, [Math.sin(xs[3]! + 1e-5)]] };
    expect(() => predictInfiniteWidth({ ...TANH, ...near, lr: 1, schedule: { kind: 'flow', times: [Infinity] } })).toThrow(/ill-conditioned \(κ = /);
  });

  it('bad data and schedules are refused before anything is computed', () => {
    const base = { ...TANH, ...data, lr: 1, schedule: { kind: 'flow' as const, times: [1] } };
    expect(() => predictInfiniteWidth({ ...base, trainTargets: data.trainTargets.slice(1) })).toThrow(/has 7 targets but there are 8 training inputs/);
    expect(() => predictInfiniteWidth({ ...base, trainTargets: [...data.trainTargets.slice(1), [NaN]] })).toThrow(/train-targets\[7\]\[0\].*finite/);
    expect(() => predictInfiniteWidth({ ...base, testInputs: [[1, 2, 3]] })).toThrow(/dimension 3 but the training inputs have dimension 2/);
    expect(() => predictInfiniteWidth({ ...base, schedule: { kind: 'flow', times: [-1] } })).toThrow(/≥ 0 or inf/);
    expect(() => predictInfiniteWidth({ ...base, schedule: { kind: 'flow', times: [NaN] } })).toThrow(NnftInputError);
    expect(() => predictInfiniteWidth({ ...base, schedule: { kind: 'gd', steps: [1.5] } })).toThrow(/must be an integer/);
    expect(() => predictInfiniteWidth({ ...base, lr: 0 })).toThrow(/lr/);
    expect(() => predictInfiniteWidth({ ...base, widths: [512, 512, 2] })).toThrow(/output width is 2 but the targets have 1/);
    expect(() => predictInfiniteWidth({ ...base, kernel: 'gp' as never })).toThrow(/unknown kernel/);
  });
});

describe('the kernels that feed the dynamics are converged', () => {
  it('a plain Gauss–Hermite product rule (numpy) converges to the recursion solver’s K and Θ; 25 nodes move the tanh mean at 100 steps by > 1e-2', () => {
    const inputs = [...data.trainInputs, ...data.testInputs];
    const ref = python<Record<string, { K: number[][]; Theta: number[][] }>>(
      `import json, sys, numpy as np
from numpy.polynomial.hermite_e import hermegauss
d = json.load(sys.stdin); X = np.array(d['inputs'], float); cb, cw = d['cb'], d['cw']
out = {}
for nodes in d['nodes']:
    u, w = hermegauss(nodes); w = w / np.sqrt(2 * np.pi)
    U, V = np.meshgrid(u, u, indexing='ij'); W = np.outer(w, w)
    G = X @ X.T / X.shape[1]; K = cb + cw * G; T = 1 + G
    for l in range(2):
        m = len(X); K2 = np.zeros_like(K); T2 = np.zeros_like(T)
        for a in range(m):
            for b in range(a, m):
                l00 = np.sqrt(K[a, a]); l10 = K[a, b] / l00; l11 = np.sqrt(max(K[b, b] - l10 ** 2, 0))
                za = l00 * U; zb = l10 * U + l11 * V
                ss = np.sum(W * np.tanh(za) * np.tanh(zb)); dd = np.sum(W / np.cosh(za) ** 2 / np.cosh(zb) ** 2)
                K2[a, b] = K2[b, a] = cb + cw * ss; T2[a, b] = T2[b, a] = 1 + ss + cw * dd * T[a, b]
        K, T = K2, T2
    out[str(nodes)] = {'K': K.tolist(), 'Theta': T.tolist()}
print(json.dumps(out))`,
      { inputs, cb: 0.1, cw: 1.5, nodes: [25, 60, 150] },
    );
    const sol = solveRecursions({ ...TANH, inputs, quantities: ['K', 'Theta'] }).layers[2]!;
    const dev = (n: string): number => Math.max(...inputs.flatMap((_, a) => inputs.map((__, b) => Math.max(Math.abs(ref[n]!.K[a]![b]! - sol.K![a]![b]!), Math.abs(ref[n]!.Theta[a]![b]! - sol.Theta![a]![b]!)))));
    // measured: 0.40, 0.055, 0.0012 — geometric convergence towards the solver's values
    expect(dev('60')).toBeLessThan(dev('25') / 5);
    expect(dev('150')).toBeLessThan(dev('60') / 20);
    const lr = 0.95 / 18.72468774183633;
    const sched = { kind: 'gd' as const, steps: [100] };
    const exact = predictInfiniteWidth({ ...TANH, ...data, lr, schedule: sched });
    const crude = predictInfiniteWidth({ ...TANH, ...data, lr, schedule: sched, kernels: ref['25']! });
    const shift = Math.max(...exact.mean[0]!.map((mu, a) => Math.abs(mu[0]! - crude.mean[0]![a]![0]!)));
    expect(shift).toBeGreaterThan(1e-2); // measured 2.7e-2: ten times the finite-width effect at n = 1024
  });
});
