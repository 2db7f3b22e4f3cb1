import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  finishState,
  mergeStates,
  sampleCorrelators,
  sampleCorrelatorsState,
  sampleEnsemble,
  sampleEnsembleState,
} from '../../src/montecarlo/index.ts';

const arch = { activation: 'tanh', cb: 0.1, cw: 1.5, widths: [8, 8, 3], inputs: [[1, 0.5], [0.2, -0.9]] };

describe('sharding and workers', () => {
  it('4 shards merged (any order) equal the single run bit for bit — NTK statistics too', async () => {
    const spec = { ...arch, nets: 1000, seed: 42, quantities: ['K', 'V4', 'Theta', 'A', 'B', 'D', 'F'] as const };
    const single = await sampleEnsemble({ ...spec, quantities: [...spec.quantities], workers: 1 });
    const shards = [];
    for (const index of [2, 0, 3, 1]) shards.push(await sampleEnsembleState({ ...spec, quantities: [...spec.quantities], shard: { index, count: 4 } }));
    const covered = shards.reduce((a, s) => a + s.counts.reduce((x, y) => x + y, 0), 0);
    expect(covered).toBe(1000);
    const merged = await finishState(mergeStates(JSON.parse(JSON.stringify(shards))));
    expect(JSON.stringify((merged as typeof single).layers)).toBe(JSON.stringify(single.layers));
    // merging partial merges again is still exact
    const ab = mergeStates([shards[0]!, shards[1]!]);
    const cd = mergeStates([shards[2]!, shards[3]!]);
    const again = await finishState(mergeStates([cd, ab]));
    expect(JSON.stringify((again as typeof single).layers)).toBe(JSON.stringify(single.layers));
  });

  it('n-point shards merge exactly too', async () => {
    const spec = { ...arch, nets: 600, seed: 3, orders: [2, 4], outputs: [0, 1] };
    const single = await sampleCorrelators(spec);
    const parts = [];
    for (let index = 0; index < 3; index++) parts.push(await sampleCorrelatorsState({ ...spec, shard: { index, count: 3 } }));
    const merged = await finishState(mergeStates(parts));
    expect(JSON.stringify((merged as typeof single).entries)).toBe(JSON.stringify(single.entries));
  });

  it('the same seed gives the same numbers on 1 and 2 workers; other block sizes change nothing but the error estimate', async () => {
    const spec = { ...arch, nets: 400, seed: 9, quantities: ['K', 'V4', 'Theta', 'B'] as ('K' | 'V4' | 'Theta' | 'B')[] };
    const one = await sampleEnsemble({ ...spec, workers: 1 });
    const two = await sampleEnsemble({ ...spec, workers: 2 });
    expect(two.meta.workers).toBe(2);
    expect(JSON.stringify(two.layers)).toBe(JSON.stringify(one.layers));
    // means depend only on the networks, not on the block layout (up to rounding of the exact sums)
    const other = await sampleEnsemble({ ...spec, workers: 1, blockSize: 7 });
    expect(other.layers[2]!.K!.mean[0]![1]!).toBeCloseTo(one.layers[2]!.K!.mean[0]![1]!, 12);
  }, 120_000);
});

describe('fast path vs full weights (docs/architecture.md)', () => {
  it('K and V4 agree within errors (tanh, two inputs, full sampler with direct estimators)', async () => {
    const spec = { ...arch, widths: [8, 8, 8], nets: 12000, quantities: ['K', 'V4'] as ('K' | 'V4')[] };
    const fast = await sampleEnsemble({ ...spec, seed: 1, sampler: 'fast' });
    const full = await sampleEnsemble({ ...spec, seed: 2, sampler: 'full', estimator: 'direct' });
    const fullCond = await sampleEnsemble({ ...spec, seed: 3, sampler: 'full', estimator: 'conditional' });
    for (let l = 0; l < 3; l++) {
      for (const other of [full, fullCond]) {
        const a = fast.layers[l]!, b = other.layers[l]!;
        for (const q of ['K', 'V4'] as const) {
          const ma = (a[q]!.mean as unknown as number[]).flat(3) as number[];
          const sa = (a[q]!.stderr as unknown as number[]).flat(3) as number[];
          const mb = (b[q]!.mean as unknown as number[]).flat(3) as number[];
          const sb = (b[q]!.stderr as unknown as number[]).flat(3) as number[];
          for (let i = 0; i < ma.length; i++) expect(Math.abs(ma[i]! - mb[i]!)).toBeLessThanOrEqual(4 * Math.hypot(sa[i]!, sb[i]!) + 1e-12);
        }
      }
    }
  });
});

describe('CLI', () => {
  const run = promisify(execFile);
  it('nnft mc --shard … --state, nnft merge --json equals nnft mc --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnft-mc-'));
    const flags = ['--activation', 'relu', '--cb', '0', '--cw', '2', '--widths', '6,6', '--inputs', '[[1,0],[0.3,0.8]]', '--nets', '300', '--seed', '4', '--quantities', 'K,V4'];
    const bin = join(process.cwd(), 'bin', 'nnft.js');
    await run('node', [bin, 'mc', ...flags, '--shard', '0/2', '--state', join(dir, 'a.json'), '--quiet']);
    await run('node', [bin, 'mc', ...flags, '--shard', '1/2', '--state', join(dir, 'b.json'), '--quiet']);
    const merged = JSON.parse((await run('node', [bin, 'merge', join(dir, 'b.json'), join(dir, 'a.json'), '--json'])).stdout);
    const single = await sampleEnsemble({ activation: 'relu', cb: 0, cw: 2, widths: [6, 6], inputs: [[1, 0], [0.3, 0.8]], nets: 300, seed: 4, quantities: ['K', 'V4'] });
    expect(JSON.stringify(merged.layers)).toBe(JSON.stringify(single.layers));
    expect(merged.layers[1].V4.mean.length).toBe(2);
    expect(merged.layers[1].K.stderr[0][0]).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).format).toBe('nnft-mc-state/1');
    await expect(run('node', [bin, 'mc', ...flags, '--nets', '0'])).rejects.toMatchObject({ code: 2 });
  }, 120_000);
});
