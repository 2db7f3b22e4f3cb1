import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NetStream, philox4x32, sampleCorrelators, sampleEnsemble, mergeStates } from '../../src/montecarlo/index.ts';
import { fsumAdd, fsumValue, jackknife, newGroupState, addBlock } from '../../src/montecarlo/accum.ts';
import { buildPlan } from '../../src/montecarlo/plan.ts';
import { gemmABt } from '../../src/montecarlo/kernels.ts';
import { makeBuffers } from '../../src/montecarlo/buffers.ts';
import { sampleRadiusSquared, simulateNetwork } from '../../src/montecarlo/simulate.ts';
import { NnftInputError } from '../../src/errors.ts';

const hex = (o: Uint32Array) => [...o].map((x) => x.toString(16).padStart(8, '0'));

describe('random numbers', () => {
  it('Philox4x32-10 matches the Random123 known-answer vectors', () => {
    const o = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, o);
    expect(hex(o)).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    philox4x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, o);
    expect(hex(o)).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
    expect(hex(o)).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('a network stream depends only on (seed, net), and fillNormal equals repeated normal()', () => {
    const a = new NetStream(5).reset(123);
    const b = new NetStream(5);
    b.reset(7).normal();
    b.reset(123);
    const x = new Float64Array(9);
    a.fillNormal(x, 0, 9);
    const y = Array.from({ length: 9 }, () => b.normal());
    expect(Array.from(x)).toEqual(y);
    const c = new NetStream(6).reset(123);
    expect(c.normal()).not.toBe(x[0]);
  });

  it('normals have the right moments (2·10⁶ draws over many networks)', () => {
    const r = new NetStream(11);
    const buf = new Float64Array(40);
    let s1 = 0, s2 = 0, s4 = 0, n = 0;
    for (let net = 0; net < 50000; net++) {
      r.reset(net).fillNormal(buf, 0, 40);
      for (const v of buf) {
        s1 += v;
        s2 += v * v;
        s4 += v ** 4;
        n++;
      }
    }
    expect(Math.abs(s1 / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    let u = 0;
    for (let k = 0; k < 200000; k++) u += r.uniform();
    expect(Math.abs(u / 200000 - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / 200000));
  });

  it('the radial sampler of eq. 16 reproduces the 1-D density (mean of r²)', () => {
    const k = 12, sigma2 = 0.5, lambda = 0.3;
    // quadrature of t^{k/2-1} exp(-t/2σ² - λt²)
    let z = 0, m1 = 0;
    for (let i = 1; i <= 200000; i++) {
      const t = i * 1e-4;
      const w = Math.exp((k / 2 - 1) * Math.log(t) - t / (2 * sigma2) - lambda * t * t);
      z += w;
      m1 += w * t;
    }
    const exact = m1 / z;
    const rng = new NetStream(3);
    let s = 0, s2 = 0;
    const N = 40000;
    for (let i = 0; i < N; i++) {
      rng.reset(i);
      const t = sampleRadiusSquared(rng, k, sigma2, lambda);
      s += t;
      s2 += t * t;
    }
    const mean = s / N;
    const se = Math.sqrt((s2 / N - mean * mean) / N);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
    // λ = 0: r² = σ² χ²_k exactly
    let s0 = 0;
    for (let i = 0; i < N; i++) s0 += sampleRadiusSquared(rng.reset(i), k, sigma2, 0);
    expect(Math.abs(s0 / N - k * sigma2)).toBeLessThan(4 * Math.sqrt((2 * k * sigma2 * sigma2) / N));
  });
});

describe('fused fast path', () => {
  it.each([['relu', 1], ['tanh', 2], ['relu', 2], ['erf', 3]] as const)('gives exactly the general path’s statistics (%s, m = %i)', (activation, m) => {
    const inputs = [[1, 0.5], [0.2, -0.9], [0.4, 0.4]].slice(0, m);
    const spec = { activation, cb: 0.1, cw: 1.7, widths: [5, 7, 3], inputs, nets: 1, quantities: ['K', 'V4'] as ('K' | 'V4')[] };
    const p = buildPlan(spec);
    expect(p.fusedPreactivation).toBe(true);
    const general = { ...p, fusedPreactivation: false };
    const b1 = makeBuffers(p), b2 = makeBuffers(general);
    const o1 = new Float64Array(p.statisticsSize), o2 = new Float64Array(p.statisticsSize);
    for (let net = 0; net < 20; net++) {
      simulateNetwork(p, b1, new NetStream(3), net, o1);
      simulateNetwork(general, b2, new NetStream(3), net, o2);
      expect(Array.from(o1)).toEqual(Array.from(o2));
    }
  });
});

describe('exact accumulation and jackknife', () => {
  it('fsum is the correctly rounded exact sum, independent of order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.integer(), (xs, seed) => {
        const p1: number[] = [];
        xs.forEach((x) => fsumAdd(p1, x));
        const ys = xs.slice();
        let s = seed;
        for (let i = ys.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          const j = Math.abs(s) % (i + 1);
          [ys[i], ys[j]] = [ys[j]!, ys[i]!];
        }
        const p2: number[] = [];
        ys.forEach((x) => fsumAdd(p2, x));
        expect(fsumValue(p1)).toBe(fsumValue(p2));
      }),
      { numRuns: 200 },
    );
    const p: number[] = [];
    [1e100, 1, -1e100, 1e-30].forEach((x) => fsumAdd(p, x));
    expect(fsumValue(p)).toBe(1 + 1e-30);
  });

  it('the grouped jackknife of a mean is the batch-means standard error', () => {
    const st = newGroupState(8, 1);
    const vals: number[] = [];
    for (let g = 0; g < 8; g++) {
      const v = Math.sin(g + 1);
      vals.push(v);
      addBlock(st, g, Float64Array.of(4 * v), 4);
    }
    const jk = jackknife(st, (mu) => Float64Array.of(mu[0]!));
    const mean = vals.reduce((a, b) => a + b) / 8;
    const sd = Math.sqrt(vals.reduce((a, v) => a + (v - mean) ** 2, 0) / 7 / 8);
    expect(jk.value[0]).toBeCloseTo(mean, 14);
    expect(jk.stderr[0]).toBeCloseTo(sd, 12);
  });

  it.each([[5, 5, 7], [11, 11, 9], [8, 8, 3], [13, 6, 5]])('gemmABt matches the naive product (%i×%i, r = %i; upper triangle)', (p, q, r) => {
    const A = Float64Array.from({ length: p * r }, (_, i) => Math.sin(i));
    const C = new Float64Array(p * q);
    gemmABt(A, A, C, p, q, r, q, 0, false);
    const U = new Float64Array(p * q);
    gemmABt(A, A, U, p, q, r, q, 0, true);
    for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += A[i * r + k]! * A[j * r + k]!;
      expect(C[i * q + j]).toBeCloseTo(s, 12);
      if (j >= i) expect(U[i * q + j]).toBeCloseTo(s, 12);
    }
  });
});

describe('bad input', () => {
  const arch = { activation: 'tanh', widths: [4, 3], inputs: [[1, 0.5], [0.2, -0.9]] };
  it('rejects nets ≤ 0, bad seeds, unknown quantities, bad shards', async () => {
    await expect(sampleEnsemble({ ...arch, nets: 0 })).rejects.toThrow(NnftInputError);
    await expect(sampleEnsemble({ ...arch, nets: -5 })).rejects.toThrow(/nets/);
    await expect(sampleEnsemble({ ...arch, nets: 2.5 })).rejects.toThrow(NnftInputError);
    await expect(sampleEnsemble({ ...arch, nets: 10, seed: -1 })).rejects.toThrow(/seed/);
    await expect(sampleEnsemble({ ...arch, nets: 10, quantities: ['K', 'X' as never] })).rejects.toThrow(/unknown quantity/);
    await expect(sampleEnsemble({ ...arch, nets: 10, shard: { index: 4, count: 4 } })).rejects.toThrow(/shard/);
    await expect(sampleEnsemble({ ...arch, nets: 10, sampler: 'fast', quantities: ['Theta'] })).rejects.toThrow(/NTK/);
    await expect(sampleEnsemble({ ...arch, nets: 10, sampler: 'fast', distribution: { weights: 'uniform' } })).rejects.toThrow(/Gaussian/);
  });
  it('rejects inconsistent shapes', async () => {
    await expect(sampleEnsemble({ ...arch, inputs: [[1, 0.5], [0.2]], nets: 10 })).rejects.toThrow(NnftInputError);
    await expect(sampleEnsemble({ ...arch, cw: [1, 2, 3], nets: 10 })).rejects.toThrow(/layers/);
    await expect(sampleEnsemble({ ...arch, nets: 10, quantities: ['K1'], infinite: { K: [[[1]]] } })).rejects.toThrow(/infinite/);
    await expect(sampleCorrelators({ ...arch, nets: 10, points: [[[5, 0], [0, 0]]] })).rejects.toThrow(/out of range/);
    await expect(sampleCorrelators({ ...arch, nets: 10, points: [[[0, 2], [0, 0]]] })).rejects.toThrow(/out of range/);
    await expect(sampleCorrelators({ ...arch, nets: 10, layer: 3 })).rejects.toThrow(/layer/);
  });
  it('rejects n-point orders > 6, and odd orders where the Wick deviation is asked for', async () => {
    await expect(sampleCorrelators({ ...arch, nets: 10, orders: [8] })).rejects.toThrow(/1 ≤ n ≤ 6/);
    await expect(sampleCorrelators({ ...arch, nets: 10, points: [[[0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]] })).rejects.toThrow(/6/);
    await expect(sampleCorrelators({ ...arch, nets: 10, orders: [3], wick: true })).rejects.toThrow(/even/);
    await expect(sampleCorrelators({ ...arch, nets: 10, orders: [0] })).rejects.toThrow(NnftInputError);
  });
  it('refuses to merge shards of different runs or overlapping shards', async () => {
    const { sampleEnsembleState } = await import('../../src/montecarlo/index.ts');
    const a = await sampleEnsembleState({ ...arch, nets: 40, seed: 1, shard: { index: 0, count: 2 } });
    const b = await sampleEnsembleState({ ...arch, nets: 40, seed: 2, shard: { index: 1, count: 2 } });
    expect(() => mergeStates([a, b])).toThrow(/seed/);
    expect(() => mergeStates([a, a])).toThrow(/overlap/);
    expect(() => mergeStates([])).toThrow(NnftInputError);
    expect(() => mergeStates([{ format: 'x' } as never])).toThrow(/not an nnft/);
  });
});
