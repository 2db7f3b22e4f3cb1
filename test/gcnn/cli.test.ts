/**
 * `nnft recursions|mc --network gcnn`: the JSON has the MLP shapes after pooling (plus the group description and,
 * on request, the pair-indexed tensors), equals the library result, and user mistakes exit with code 2 and a
 * message naming the argument.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { solveGcnnRecursions } from '../../src/gcnn/solve.ts';

function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: join(__dirname, '../..') });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const signals = [[0, 1, 0, 0], [1, 0.5, 0, -0.5]];

describe('nnft recursions --network gcnn', () => {
  it('C4 from a file: pooled K, Θ, V4, K¹ in the MLP shapes, equal to the library; --group-indexed adds the pairs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnft-gcnn-'));
    const file = join(dir, 'signals.json');
    writeFileSync(file, JSON.stringify(signals));
    const args = ['recursions', '--network', 'gcnn', '--group', 'C4', '--support', 'global,local:1,local:1', '--channels', '16,16,16', '--activation', 'tanh', '--cb', '0.1', '--cw', '1.5', '--inputs', file];
    const r = nnft(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.layers.length).toBe(3);
    expect(j.layers[2].K.length).toBe(2);
    expect(j.layers[2].V4[1][1][1].length).toBe(2);
    expect(j.gcnn).toMatchObject({ network: 'gcnn', group: 'C4', order: 4, points: 4, inputChannels: 1, supports: ['global', 'local:1', 'local:1'], supportSizes: [4, 3, 3] });
    const lib = solveGcnnRecursions({ activation: 'tanh', group: 'C4', inputs: signals, channels: [16, 16, 16], support: 'global,local:1,local:1', cb: 0.1, cw: 1.5 });
    expect(j.layers).toEqual(JSON.parse(JSON.stringify(lib.layers)));
    const table = nnft(...args, '--quantities', 'K,Theta', '--group-indexed');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/group C4 \(\|G\| = 4/);
    const g = JSON.parse(nnft(...args, '--quantities', 'K,Theta', '--group-indexed', '--json').out);
    expect(g.groupIndexed.pairs.length).toBe(8);
    expect(g.groupIndexed.pairs[5]).toEqual({ input: 1, element: 1, label: 'g1' });
    expect(g.groupIndexed.layers[1].Theta.length).toBe(8);
  });

  it('p4 images inline', () => {
    const img = [[1, 0, 0], [0, 2, 0], [0, 0, 1]];
    const r = nnft('recursions', '--network', 'gcnn', '--group', 'p4:3', '--channels', '8,8', '--support', 'local:1', '--activation', 'relu', '--inputs', JSON.stringify([img]), '--quantities', 'K,Theta', '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).layers[1].Theta[0][0]).toBeGreaterThan(0);
  });

  it('mistakes exit 2 with the argument named', () => {
    const base = ['recursions', '--network', 'gcnn', '--channels', '8,8'];
    let r = nnft(...base, '--group', 'C8', '--inputs', '[[0,1,0]]');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/inputs.*input 0.*C8 signals/);
    r = nnft('recursions', '--group', 'C8');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--network gcnn/);
  });
});

describe('nnft mc --network gcnn', () => {
  it('pooled K, V4 with standard errors; unsupported flags exit 2', () => {
    const args = ['mc', '--network', 'gcnn', '--group', 'C4', '--channels', '8,8', '--activation', 'tanh', '--inputs', '[[0,1,0.5,0]]', '--nets', '400', '--seed', '3', '--quantities', 'K,V4,K1'];
    const r = nnft(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.layers[1].V4.mean[0][0][0][0]).toBeGreaterThan(0);
    expect(j.layers[1].V4.stderr[0][0][0][0]).toBeGreaterThan(0);
    expect(j.meta.nets).toBe(400);
    // same seed, same numbers
    expect(JSON.parse(nnft(...args, '--json').out).layers).toEqual(j.layers);
    const bad = nnft(...args, '--shard', '0/2');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--shard/);
  });
});
