/**
 * Monte Carlo never prints NaN, null, Infinity or a meaningless "± 0" with exit 0, and refuses runs it cannot
 * hold before allocating (guard.ts, budget.ts). Each failure seen on the command line before these guards is a
 * named regression test here: --nets 1 (stderr null), --nets 2 (V4 "± 0"), log(z) ("NaN ± NaN"),
 * [[1e200,1]] (layer 1 Infinity, deeper layers "0 ± 0"), --workers 1000 (> 4 GB), --widths 1000000000,1
 * (> 4 GB), --widths 100000,1 with the NTK (RangeError), corrupt shard files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NnftInputError, NnftNumericalError, NnftResourceError } from '../../src/errors.ts';
import { availableCores } from '../../src/resources.ts';
import { runBytes, samplerBufferBytes } from '../../src/montecarlo/budget.ts';
import { activationProblem, checkEstimate, singularityPower } from '../../src/montecarlo/guard.ts';
import { sampleCorrelators, sampleEnsemble, sampleEnsembleState, type McResult } from '../../src/montecarlo/index.ts';
import { buildPlan } from '../../src/montecarlo/plan.ts';
import { makeBuffers } from '../../src/montecarlo/buffers.ts';

const root = join(__dirname, '../..');
const arch = { activation: 'tanh', cb: 0.1, cw: 1, widths: [8, 8, 8], inputs: [[1, 0.5]] };

function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, NNFT_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** exit 2, nothing on stdout, one line on stderr matching `re`, no stack trace */
function expectRefusal(r: ReturnType<typeof nnft>, re: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(re);
  expect(r.err).not.toMatch(/\n\s+at |RangeError|TypeError/);
}

/** every number in a JSON value is finite (no NaN/Infinity, which JSON.stringify writes as null) */
function allFinite(x: unknown): boolean {
  if (x === null) return false;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(allFinite);
  if (typeof x === 'object') return Object.values(x as object).every(allFinite);
  return true;
}

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

describe('regressions: nnft mc refuses what it cannot estimate (exit 2, one line)', () => {
  it('--nets 1: no standard error from one network', () => {
    expectRefusal(nnft('mc', '--activation', 'tanh', '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--nets', '1'), /nets.*at least 10/);
  });
  it('--nets 2: V4 from two networks would be "± 0"', () => {
    expectRefusal(nnft('mc', '--activation', 'tanh', '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--nets', '2', '--quantities', 'K,V4'), /at least 10 non-empty groups/);
  });
  it("--activation 'log(z)': NaN at negative preactivations, named with the layer and the cause", () => {
    expectRefusal(nnft('mc', '--activation', 'log(z)', '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--nets', '200'), /layer 2.*log\(z\).*NaN.*z = -/);
  });
  it("--inputs '[[1e200,1]]': the first-layer kernel overflows — named at layer 1 with --inputs", () => {
    expectRefusal(nnft('mc', '--activation', 'tanh', '--widths', '8,8,8', '--inputs', '[[1e200,1]]', '--nets', '200'), /--inputs.*layer 1.*overflow/);
  });
  it('1/z: ⟨σ⁴⟩ diverges at z = 0, refused before sampling', () => {
    expectRefusal(nnft('mc', '--activation', '1/z', '--widths', '8,8', '--inputs', '[[1,0.5]]', '--nets', '200'), /1\/z.*diverges/);
  });
  it('exp(z) with C_W = 30 overflows at layer 3 — the fix names --cw', () => {
    expectRefusal(nnft('mc', '--activation', 'exp(z)', '--cw', '30', '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--nets', '200'), /layer 3.*exp\(z\).*Infinity.*overflow.*--cw/);
  });
  it('the direct estimators of V4 (two inputs), A, B, D, F need width ≥ 2', async () => {
    const spec = { ...arch, widths: [8, 1], inputs: [[1, 0.5], [0.2, -0.9]], nets: 100, estimator: 'direct' as const, sampler: 'full' as const };
    await expect(sampleEnsemble({ ...spec, quantities: ['V4'] })).rejects.toThrow(/pairs of distinct neurons.*layer 2 has width 1/);
    await expect(sampleEnsemble({ ...spec, quantities: ['A'] })).rejects.toThrow(NnftInputError);
    // one input: the symmetrised i = j form of V4 exists
    const ok = await sampleEnsemble({ ...spec, inputs: [[1, 0.5]], quantities: ['K', 'V4'] });
    expect(allFinite(ok.layers)).toBe(true);
  });
  it('fewer than 10 jackknife groups are refused (groups option)', async () => {
    await expect(sampleEnsemble({ ...arch, nets: 1000, groups: 4 })).rejects.toThrow(/groups.*at least 10/);
  });
});

describe('with enough networks: finite numbers, non-zero standard errors', () => {
  it('all nine quantities, direct and conditional: JSON without NaN/Infinity/null; stderr > 0 except the exact layer 1', async () => {
    for (const estimator of ['conditional', 'direct'] as const) {
      const r: McResult = await sampleEnsemble({ ...arch, inputs: [[1, 0.5], [0.2, -0.9]], nets: 300, seed: 3, estimator, sampler: 'full', quantities: ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'] });
      const json = JSON.parse(JSON.stringify(r));
      expect(allFinite(json)).toBe(true);
      for (const layer of r.layers) {
        for (const q of ['K', 'Theta'] as const) {
          const se = flat(layer[q]!.stderr);
          if (layer.layer === 1 && estimator === 'conditional') expect(se.every((x) => x === 0)).toBe(true); // exact K⁽¹⁾, Θ⁽¹⁾
          else if (layer.layer > 1) expect(se.every((x) => x > 0)).toBe(true);
        }
      }
    }
  });
  it('CLI: --nets 10 is the smallest run, and prints finite numbers with non-zero errors beyond layer 1', () => {
    const r = nnft('mc', '--activation', 'tanh', '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--nets', '10', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(allFinite(j)).toBe(true);
    expect(j.layers[2].V4.stderr[0][0][0][0]).toBeGreaterThan(0);
  });
  it('n-point functions: finite, non-zero errors', async () => {
    const c = await sampleCorrelators({ ...arch, nets: 300, orders: [2, 4], wick: true });
    expect(allFinite(JSON.parse(JSON.stringify(c)))).toBe(true);
    for (const e of c.entries) expect(e.moment.stderr).toBeGreaterThan(0);
  });
  it('a quantity that did not vary keeps an honest "± 0": ReLU, C_b = 0, a zero input gives z = 0 in every network', async () => {
    const r = await sampleEnsemble({ ...arch, activation: 'relu', cb: 0, cw: 2, inputs: [[0, 0], [1, 0.5]], nets: 200, quantities: ['K', 'V4'] });
    const K = r.layers[2]!.K!, V = r.layers[2]!.V4!;
    expect([K.mean[0]![0], K.stderr[0]![0], K.mean[0]![1], K.stderr[0]![1]]).toEqual([0, 0, 0, 0]);
    expect([V.mean[0]![0]![0]![0], V.stderr[0]![0]![0]![0]]).toEqual([0, 0]);
    // the other input varies: non-zero errors
    expect(K.stderr[1]![1]).toBeGreaterThan(0);
    expect(V.stderr[1]![1]![1]![1]).toBeGreaterThan(0);
  });
});

describe('checkEstimate: the zero-standard-error rule', () => {
  const base = { quantity: 'V4', layer: 2, index: [0, 0, 0, 0], scale: 1 };
  it('refuses zero spread of replicates that differ from the full-sample value (the two-network V4)', () => {
    expect(() => checkEstimate({ ...base, value: 0.0027, stderr: 0, replicates: [0, 0] }, 2)).toThrow(NnftNumericalError);
  });
  it('accepts a constant quantity, also when the value differs from the replicates by rounding', () => {
    expect(() => checkEstimate({ ...base, value: 0.1, stderr: 0, replicates: [0.1, 0.1] }, 100)).not.toThrow();
    expect(() => checkEstimate({ ...base, value: 1e-18, stderr: 0, replicates: [0, 0, 0] }, 100)).not.toThrow();
    expect(() => checkEstimate({ ...base, value: 3, stderr: 0, replicates: [7], exact: true }, 100)).not.toThrow();
  });
  it('refuses NaN and Infinity', () => {
    expect(() => checkEstimate({ ...base, value: NaN, stderr: 1, replicates: [] }, 100)).toThrow(/NaN/);
    expect(() => checkEstimate({ ...base, value: 1, stderr: Infinity, replicates: [] }, 100)).toThrow(NnftNumericalError);
  });
});

describe('activation diagnosis', () => {
  it('finds where σ is undefined or infinite, and the power of a singularity at 0', () => {
    expect(activationProblem(Math.log, 1)!.kind).toBe('domain');
    expect(activationProblem(Math.sqrt, 1)!.z).toBeLessThan(0);
    expect(activationProblem(Math.exp, 1e6)!.kind).toBe('infinite');
    expect(activationProblem(Math.tanh, 1e6)).toBeNull();
    expect(singularityPower((z) => 1 / z)).toBeCloseTo(1, 6);
    expect(singularityPower((z) => Math.abs(z) ** -0.3)).toBeCloseTo(0.3, 6);
    expect(singularityPower(Math.tanh)).toBe(0);
  });
});

describe('non-finite samples on worker threads keep their class and message', () => {
  it('log(z) on 2 workers → NnftNumericalError with the layer', async () => {
    const err = await sampleEnsemble({ ...arch, activation: 'log(z)', nets: 400, workers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NnftNumericalError);
    expect((err as NnftNumericalError).location.layer).toBe(2);
  }, 60_000);
});

describe('resources bounded before they are spent', () => {
  afterEach(() => {
    delete process.env.NNFT_MAX_SECONDS;
  });

  it('--workers 1000 is capped at the cores, with a note', async () => {
    const notes: string[] = [];
    const r = await sampleEnsemble({ ...arch, nets: 200, workers: 1000, onNote: (l: string) => notes.push(l) });
    expect(r.meta.workers).toBeLessThanOrEqual(availableCores());
    expect(notes.join('\n')).toMatch(/--workers 1000 capped at the \d+ available core/);
    const cli = nnft('mc', '--activation', 'tanh', '--widths', '8,8', '--inputs', '[[1,0.5]]', '--nets', '100', '--workers', '1000', '--json');
    expect(cli.code).toBe(0);
    expect(cli.err).toMatch(/capped/);
  }, 60_000);

  it('--widths 1000000000,1: refused before allocating, with the estimate and the largest width that fits', async () => {
    const t0 = performance.now();
    const err = await sampleEnsemble({ ...arch, widths: [1e9, 1], nets: 100, workers: 1 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/GB of memory.*widths up to \d+ fit/);
    expectRefusal(nnft('mc', '--activation', 'tanh', '--widths', '1000000000,1', '--inputs', '[[1,0.5]]'), /refused.*GB.*widths up to \d+ fit/);
  });

  it('--widths 100000,1 with the NTK no longer dies with a RangeError: it runs (the layer-2 NTK needs no n² buffer)', async () => {
    const r = await sampleEnsemble({ ...arch, widths: [100000, 1], nets: 20, workers: 1, quantities: ['K', 'Theta'] });
    expect(allFinite(JSON.parse(JSON.stringify(r)))).toBe(true);
  }, 60_000);

  it('--widths 100000,100000,1 with the NTK: refused fast (the n² empirical NTK of layer 2)', async () => {
    const t0 = performance.now();
    const err = await sampleEnsemble({ ...arch, widths: [1e5, 1e5, 1], nets: 100, workers: 1, quantities: ['Theta'] }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/\d+ GB of memory.*widths up to \d+ fit/);
  });

  it('20 inputs with V4: the exact group sums would fill the heap — refused with the largest number of inputs', async () => {
    const inputs = Array.from({ length: 20 }, (_, a) => [Math.cos(a), Math.sin(a)]);
    await expect(sampleEnsemble({ ...arch, widths: [8, 8], inputs, nets: 100 })).rejects.toThrow(/JavaScript heap.*at most \d+ inputs fit/);
  });

  it('NNFT_MAX_SECONDS: a run over the time budget is refused with the networks that fit', async () => {
    // ≈ 18 ms per network (Θ̂⁽¹⁾ alone is 256³ multiply-adds): a few networks fit in 0.1 s
    process.env.NNFT_MAX_SECONDS = '0.1';
    const err = await sampleEnsemble({ ...arch, widths: [256, 256, 256], nets: 1_000_000, workers: 1, quantities: ['K', 'Theta'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/at most \d+ networks fit/);
  });

  it('the time estimate counts the layer-1 empirical NTK: 4 inputs, NTK statistics, 10⁴ networks over 20 s are refused', async () => {
    // measured ≈ 4.5 ms of CPU per network (widths 64,64,64, 4 inputs, Θ̂ of layers 1 and 2): 45 s for 10⁴;
    // the estimate left out Θ̂⁽¹⁾ = W T Wᵀ (10 input pairs × 64³) and said 1.1 ms, so the run was let through
    process.env.NNFT_MAX_SECONDS = '20';
    const inputs = [[0.503, 0.0521], [0.443, -0.5], [0.35, -0.0456], [0.366, 0.3]];
    const err = await sampleEnsemble({ activation: 'tanh', widths: [64, 64, 64], inputs, lambdaB: 0.5, bias: false, nets: 10000, workers: 1, estimator: 'conditional', quantities: ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'F'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NnftResourceError);
    const fit = Number(/at most (\d+) networks fit/.exec((err as Error).message)?.[1]);
    // 20 s at the measured 4.5 ms: ≈ 4400 networks; the estimate may be conservative, not optimistic by 2×
    expect(fit).toBeGreaterThan(2000);
    expect(fit).toBeLessThan(8900);
  });

  it('--orders 1,2,3,4,5,6 of the 16 default outputs: the cumulant tables (1.2·10⁷ set partitions) are budgeted before sampling', async () => {
    // before: 2 GB of partition objects and > 60 s after the sampling, unbudgeted
    process.env.NNFT_MAX_SECONDS = '20';
    const t0 = performance.now();
    const err = await sampleCorrelators({ ...arch, widths: [16, 16], nets: 10000, orders: [1, 2, 3, 4, 5, 6] }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(err).toBeInstanceOf(NnftResourceError);
    expect((err as Error).message).toMatch(/cumulants of 74612 correlators \(1\d{7} set partitions\).*NNFT_MAX_SECONDS/);
  }, 30_000);

  it('64 points (16 outputs × 4 inputs) to order 6 are refused before the 1.2·10⁸ multisets are listed', async () => {
    const inputs = [[1, 0], [0, 1], [1, 1], [0.5, -1]];
    const t0 = performance.now();
    await expect(sampleCorrelators({ ...arch, widths: [16, 16], inputs, nets: 100, orders: [6] })).rejects.toThrow(/119877472 correlators of 64 points \(16 outputs × 4 inputs\)/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('the memory estimate is what makeBuffers allocates (within 10%), for fast, full and NTK plans', () => {
    const plans = [
      buildPlan({ ...arch, nets: 1 }),
      buildPlan({ ...arch, nets: 1, sampler: 'full', estimator: 'direct', inputs: [[1, 0.5], [0.2, 0.1]] }),
      buildPlan({ ...arch, widths: [16, 24, 12, 5], nets: 1, quantities: ['Theta', 'A', 'B'], inputs: [[1, 0.5], [0.2, 0.1], [0, 1]] }),
      buildPlan({ ...arch, widths: [300, 2], nets: 1, quantities: ['Theta', 'F'], estimator: 'direct' }),
    ];
    for (const p of plans) {
      const B = makeBuffers(p);
      let bytes = 0;
      for (const v of Object.values(B)) {
        if (ArrayBuffer.isView(v)) bytes += v.byteLength;
        else if (Array.isArray(v)) for (const a of v) bytes += (a as Float64Array).byteLength;
      }
      const est = samplerBufferBytes(p);
      expect(est).toBeGreaterThanOrEqual(bytes);
      expect(est).toBeLessThan(1.1 * bytes + 1024);
      expect(runBytes(p, 64, 2)).toBeGreaterThan(2 * est);
    }
  });
});

describe('nnft merge of inconsistent or corrupt files: exit 2, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnft-merge-'));
  const shard = (k: number, seed = 1) => {
    const f = join(dir, `s${k}-${seed}.json`);
    const r = nnft('mc', '--activation', 'relu', '--cb', '0', '--cw', '2', '--widths', '8,8', '--inputs', '[[1,0.5]]', '--nets', '400', '--seed', String(seed), '--shard', `${k}/2`, '--state', f, '--quiet');
    expect(r.code).toBe(0);
    return f;
  };
  it('wrong seed, corrupt partials, counts that disagree with the blocks, not a state', async () => {
    const s0 = shard(0), s1 = shard(1), t1 = shard(1, 2);
    expect(nnft('merge', s0, s1, '--json').code).toBe(0);
    expectRefusal(nnft('merge', s0, t1), /s1-2\.json.*seed = 2 differs/);
    const st = JSON.parse(readFileSync(s0, 'utf8'));
    const write = (name: string, mutate: (x: typeof st) => void) => {
      const copy = JSON.parse(JSON.stringify(st));
      mutate(copy);
      const f = join(dir, name);
      writeFileSync(f, JSON.stringify(copy));
      return f;
    };
    expectRefusal(nnft('merge', write('c1.json', (x) => (x.partials[0][0] = ['x'])), s1), /c1\.json.*finite numbers/);
    expectRefusal(nnft('merge', write('c2.json', (x) => (x.counts[0] += 5)), s1), /c2\.json.*counts add up/);
    expectRefusal(nnft('merge', write('c3.json', (x) => x.partials.pop()), s1), /c3\.json.*64 groups/);
    const c4 = join(dir, 'c4.json');
    writeFileSync(c4, '[1, 2]');
    expectRefusal(nnft('merge', c4), /c4\.json.*not (an nnft|a) Monte Carlo state/);
    // a self-consistent file whose statistics do not fit its architecture
    await expect(sampleEnsembleState({ ...arch, nets: 100 }).then((s) => import('../../src/montecarlo/index.ts').then((m) => m.finishState({ ...s, stats: 3, partials: s.partials.map((g) => g.slice(0, 3)) })))).rejects.toThrow(NnftInputError);
  }, 120_000);
});

describe('inputs near 1e-111: K ~ 1e-222 is estimated with a real standard error', () => {
  it("nnft mc --inputs '[[1e-111,2e-111]]' --nets 1000: finite K ± stderr, not a 'degenerate estimator' refusal", () => {
    // K⁽¹⁾ = C_W x·x/n0 = 2.5e-222 exactly; tanh is linear there, so K⁽ℓ⁾ = K⁽¹⁾ up to O(1/n) fluctuations: the
    // jackknife spread (≈1e-224) once underflowed when squared and was reported as a degenerate "± 0"
    const r = nnft('mc', '--inputs', '[[1e-111,2e-111]]', '--nets', '1000', '--quantities', 'K', '--json');
    expect(r.code, r.err).toBe(0);
    const layers = JSON.parse(r.out).layers as { K: { mean: number[][]; stderr: number[][] } }[];
    expect(layers[0]!.K.mean[0]![0]).toBe(2.5000000000000003e-222);
    for (const l of layers.slice(1)) {
      const [v, s] = [l.K.mean[0]![0]!, l.K.stderr[0]![0]!];
      expect(s).toBeGreaterThan(1e-226);
      expect(s).toBeLessThan(1e-222);
      expect(Math.abs(v - 2.5e-222)).toBeLessThan(5 * s);
    }
  });
  it('a tiny input next to a unit one keeps its own direction (K = 2.5e-222, not 0 ± 0)', () => {
    // the sampler's Cholesky once dropped a pivot below 1e-12 of the largest diagonal entry
    const r = nnft('mc', '--inputs', '[[1e-111,2e-111],[1,1]]', '--nets', '1000', '--quantities', 'K', '--estimator', 'direct', '--json');
    expect(r.code, r.err).toBe(0);
    const layers = JSON.parse(r.out).layers as { K: { mean: number[][]; stderr: number[][] } }[];
    for (const l of layers) {
      const [v, s] = [l.K.mean[0]![0]!, l.K.stderr[0]![0]!];
      expect(s).toBeGreaterThan(0);
      expect(Math.abs(v - 2.5e-222)).toBeLessThan(5 * s);
    }
  });
  it('checkEstimate: a degenerate estimate of a value below 1e-150 says to rescale the inputs, not to sample more', () => {
    const base = { quantity: 'K', layer: 2, index: [0, 0], scale: 1e-222 };
    expect(() => checkEstimate({ ...base, value: 2.5e-222, stderr: 0, replicates: [2.4e-222, 2.4e-222] }, 1000)).toThrow(/rescale --inputs.*C_b > 0/);
    expect(() => checkEstimate({ ...base, value: 0.0027, scale: 1, stderr: 0, replicates: [0, 0] }, 1000)).toThrow(/--nets 10000/);
  });
});
