/**
 * Cumulants via duality (src/fieldtheory/duality.ts): κ_r(φ) = N^{1−r/2} κ_r(h) against sampled networks, N = 4 … 64,
 * the N-scaling slopes, closed forms of single-neuron moments, and the sampled-cumulant machinery itself.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { gaussianMoment, neuronCumulants, nonDecreasingTuples, outputCumulants, scalingSlope } from '../../src/fieldtheory/duality.ts';
import { closedFormKernel, sampleConditionalCovariances, sampleOutputs, shallowNet } from '../../src/fieldtheory/shallow-net.ts';
import { conditionalGaussianCumulants, cumulantFromMoments, sampleCumulants, setPartitions } from '../../src/fieldtheory/sample-cumulants.ts';
import { expectActivationProduct } from '../../src/gaussian/index.ts';
import { getActivation } from '../../src/activations/index.ts';
import { NnftInputError } from '../../src/errors.ts';

describe('set partitions and moment–cumulant formula', () => {
  it('Bell numbers; the cumulants of a Poisson variable are all λ (an exact oracle)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((r) => setPartitions(r).length)).toEqual([1, 2, 5, 15, 52, 203, 877, 4140]);
    // Poisson(λ) raw moments are Touchard polynomials Σ_k S(n,k) λ^k; every cumulant equals λ
    const lam = 0.7;
    const stirling = (n: number, k: number): number => (n === k ? 1 : k === 0 || k > n ? 0 : k * stirling(n - 1, k) + stirling(n - 1, k - 1));
    const moment = (key: string) => {
      const n = key.split(',').length;
      let s = 0;
      for (let k = 0; k <= n; k++) s += stirling(n, k) * lam ** k;
      return s;
    };
    for (let r = 1; r <= 8; r++) expect(cumulantFromMoments(new Array(r).fill(0), moment)).toBeCloseTo(lam, 11);
  });
});

describe('single-neuron cumulants', () => {
  it('ReLU at one input: κ₄ = 3·(3/2)K² − 3(K/2)², κ₆ = 15·(15/2)K³ − 15·(9/2)(1/2)K³ + 30(K/2)³ (C_W,out = 1)', () => {
    const K = 1.7;
    const c = neuronCumulants({ activation: 'relu', inputs: [[1]], width: 8, cb: 0.2, cw: 1.5 }, { tuples: [[0, 0], [0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0]] });
    const [m2, m4, m6] = [K / 2, (3 * K * K) / 2, (15 * K ** 3) / 2]; // E[relu(z)^k] = (k−1)!! K^{k/2}/2
    expect(c[0]!.value).toBeCloseTo(m2, 14);
    expect(c[1]!.value / (3 * m4 - 3 * m2 * m2) - 1).toBeLessThan(1e-13);
    const e2 = m2, e4 = 3 * m4, e6 = 15 * m6;
    expect(Math.abs(c[2]!.value / (e6 - 15 * e4 * e2 + 30 * e2 ** 3) - 1)).toBeLessThan(1e-12);
    expect(c[3]!.value).toBe(0); // odd: E[a³] = 0
    expect(c.every((x) => x.method === 'quadrature' && x.stderr === 0)).toBe(true);
  });

  it('Gauss-net and cos-net moments are closed forms; cos-net kernel e^{−μ|x−y|}', () => {
    const g = neuronCumulants({ activation: 'gauss-net', inputs: [[0.3], [-0.5]], width: 4, cb: 0.2, cw: 0.8 }, { tuples: [[0, 1]] })[0]!;
    // ⟨e^{z_a − K_aa} e^{z_b − K_bb}⟩ = exp(K_ab − (K_aa + K_bb)/2) = exp(−C_W (x − y)²/2)
    expect(g.value).toBeCloseTo(Math.exp((-0.8 * 0.64) / 2), 14);
    expect(g.method).toBe('closed form');
    const c = neuronCumulants({ activation: 'cos-net', inputs: [[0.3], [-0.5]], width: 4, cw: 1.3 }, { tuples: [[0, 1], [0, 0, 1, 1]] });
    expect(c[0]!.value).toBeCloseTo(Math.exp(-1.3 * 0.8), 14);
    // κ₄(h)(x,x,y,y) = 3E[σx²σy²] − 1 − 2E[σxσy]², E[σx²σy²] = 1 + e^{−2μ|x−y|}/2
    expect(c[1]!.value).toBeCloseTo(3 * (1 + Math.exp(-2 * 1.3 * 0.8) / 2) - 1 - 2 * Math.exp(-2 * 1.3 * 0.8), 13);
    const net = shallowNet({ activation: 'cos-net', inputs: [[0]], width: 3, cw: 1.3, cwOut: 2 });
    expect(closedFormKernel(net)!([0.2], [1.1])).toBeCloseTo(2 * Math.exp(-1.3 * 0.9), 14);
  });

  it('erf and ReLU closed-form kernels equal the quadrature of src/gaussian', () => {
    for (const act of ['erf', 'relu']) {
      const net = shallowNet({ activation: act, inputs: [[0]], width: 3, cb: 0.4, cw: 1.3, cwOut: 1.7, cbOut: 0.1 });
      const k = closedFormKernel(net)!;
      for (const [x, y] of [[0.3, -0.8], [1.2, 1.2], [-2, 0.5]] as const) {
        const K = [[0.4 + 1.3 * x * x, 0.4 + 1.3 * x * y], [0.4 + 1.3 * x * y, 0.4 + 1.3 * y * y]];
        const q = 0.1 + 1.7 * expectActivationProduct(getActivation(act), K, [{ input: 0, order: 0 }, { input: 1, order: 0 }]);
        expect(Math.abs(k([x], [y]) - q)).toBeLessThan(1e-12);
      }
    }
  });

  it('more than 4 distinct inputs in a tuple: sampled with a standard error, within 4σ of the closed form (σ = e^z)', () => {
    // the registry's 'gauss' is σ = e^z: ⟨Π_k e^{z_k}⟩ = exp(½ Σ_kl K_kl), so the six-input cumulant has an exact value
    const xs = [[0.2], [0.5], [0.9], [-0.3], [-0.7], [1.2]];
    const cb = 0.1, cw = 0.3;
    const spec = { activation: 'gauss', inputs: xs, width: 4, cb, cw };
    const tuple = [0, 1, 2, 3, 4, 5];
    const c = neuronCumulants(spec, { tuples: [tuple, [0, 1, 2, 3]], neuronSamples: 300000, seed: 4 });
    expect(c[0]!.method).toBe('sampled');
    expect(c[1]!.method).toBe('quadrature');
    const K = (a: number, b: number) => cb + cw * xs[a]![0]! * xs[b]![0]!;
    const exact = cumulantFromMoments(tuple, (key) => {
      const idx = key.split(',').map(Number);
      if (idx.length % 2 === 1) return 0;
      let q = 0;
      for (const a of idx) for (const b of idx) q += K(a, b);
      return gaussianMoment(idx.length, 1) * Math.exp(q / 2);
    });
    expect(c[0]!.stderr).toBeGreaterThan(0);
    expect(Math.abs(c[0]!.value - exact)).toBeLessThan(4 * c[0]!.stderr);
    expect(neuronCumulants(spec, { tuples: [tuple], neuronSamples: 300000, seed: 4 })[0]!.value).toBe(c[0]!.value); // reproducible
  });

  it('E[a^r] for a ~ N(0, v)', () => {
    expect([1, 2, 3, 4, 5, 6].map((r) => gaussianMoment(r, 2))).toEqual([0, 2, 0, 12, 0, 120]);
  });
});

describe('the duality identity against sampled networks', () => {
  // ReLU at two inputs; N = 4 … 64. Raw outputs (an estimator that knows nothing of the output layer) at 4·10⁴ networks;
  // the conditionally Gaussian estimator (output weights integrated exactly) at 10⁵, precise enough for the slopes.
  const spec = { activation: 'relu', inputs: [[1], [-0.5]], cb: 0.2, cw: 1.5, cwOut: 1.3, cbOut: 0.05 };
  const tuples = [[0, 1], [0, 0, 0, 0], [0, 1, 1, 1], [0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1]];
  const widths = [4, 8, 16, 32, 64];
  const conditional = widths.map((N, i) => {
    const net = shallowNet({ ...spec, width: N });
    return { N, pred: outputCumulants(net, { tuples }), got: conditionalGaussianCumulants(sampleConditionalCovariances(net, { nets: 100000, seed: 11 + i }), 2, tuples) };
  });

  it('raw sampled outputs: cumulants of orders 2 and 4 within 4 standard errors of N^{1−r/2}κ_r(h) (+C_b,out at r = 2)', () => {
    // (raw sixth cumulants of ReLU outputs are so heavy-tailed at 4·10⁴ networks that their jackknife error is itself
    // unreliable; the conditionally Gaussian estimator below covers order 6)
    const low = tuples.filter((t) => t.length <= 4);
    widths.forEach((N, i) => {
      const net = shallowNet({ ...spec, width: N });
      const pred = outputCumulants(net, { tuples: low });
      const got = sampleCumulants(sampleOutputs(net, { nets: 40000, seed: 101 + i }), 2, low);
      got.forEach((g, k) => expect(Math.abs(g.value - pred[k]!.value), `N=${N} ${g.tuple}`).toBeLessThan(4 * g.stderr));
    });
  });

  it('conditionally Gaussian estimator: within 4 standard errors, N = 4 … 64', () => {
    for (const { N, pred, got } of conditional) got.forEach((g, k) => expect(Math.abs(g.value - pred[k]!.value), `N=${N} ${g.tuple}`).toBeLessThan(4 * g.stderr));
  });

  it('N-scaling slopes of the sampled κ₄, κ₆: 1 − r/2 ± 0.1', () => {
    for (const [k, r] of [[1, 4], [2, 4], [3, 6], [4, 6]] as const) {
      const s = scalingSlope(widths, conditional.map((c) => c.got[k]!.value), conditional.map((c) => c.got[k]!.stderr));
      expect(Math.abs(s.slope - (1 - r / 2)), `${tuples[k]} slope ${s.slope} ± ${s.stderr}`).toBeLessThan(0.1);
      expect(Math.abs(s.slope - (1 - r / 2))).toBeLessThan(4 * s.stderr + 1e-9);
    }
  });
});

describe('inputs and refusals', () => {
  it('bad specs are NnftInputErrors naming the argument', () => {
    expect(() => outputCumulants({ activation: 'tanh', inputs: [[1]], width: 0 })).toThrow(/width/);
    expect(() => outputCumulants({ activation: 'tanh', inputs: [[1], [1, 2]], width: 3 })).toThrow(/inputs\[1\]/);
    expect(() => outputCumulants({ activation: 'tanh', inputs: [[1]], width: 3 }, { orders: [9] })).toThrow(NnftInputError);
    expect(() => sampleCumulants(new Float64Array(10), 1, [[0, 0]])).toThrow(/too few/);
    expect(() => shallowNet({ activation: 'tanh', inputs: [[NaN]], width: 3 })).toThrow(/finite/);
    expect(nonDecreasingTuples(3, 2)).toEqual([[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]);
  });
});

describe('nnft cumulants', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/nnft.js', 'cumulants', ...args], { encoding: 'utf8' });
  it('JSON with finite numbers; exit 2 with one line on bad input', () => {
    const r = run('--activation', 'tanh', '--width', '8', '--inputs', '[[1],[0.5]]', '--orders', '2,4', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.output.length).toBe(3 + 5);
    for (const args of [['--activation', 'tanh', '--width', '0'], ['--activation', 'tanh', '--width', '4', '--inputs', '[[1],[1,2]]']]) {
      const b = run(...args);
      expect(b.status, args.join(' ')).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
  it("leaky_relu(1e308): ⟨σ²⟩ = (1 + s²)K/2 overflows, so exit 2 naming --activation and layer 1, not NaN", () => {
    const r = run('--width', '1', '--activation', 'leaky_relu(1e308)', '--cw-out', '1', '--cb-out', '2.2', '--json');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/layer 1.*--activation.*1\.8e308.*smaller/);
    // slope s = 1e70 still fits: κ₂(h) = C_W,out(1 + s²)K/2, κ₄(h) = 3·3(1 + s⁴)K²/2 − 3κ₂² with K = 1 (x = 1, C_W = 1)
    const ok = run('--width', '1', '--activation', 'leaky_relu(1e70)', '--inputs', '[[1]]', '--orders', '2,4', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(Math.abs(j.neuron[0].value / 5e139 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(j.neuron[1].value / 3.75e280 - 1)).toBeLessThan(1e-12);
  });
});
