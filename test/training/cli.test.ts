/**
 * `nnft train` end to end: JSON shapes for the infinite-width theory and for trained networks (with shards
 * merged exactly), and the one-line exit-2 errors for bad input (checked before anything is computed).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'nnft-train-'));
const xs = Array.from({ length: 8 }, (_, i) => -3 + (6 * i) / 7);
const file = (name: string, v: unknown): string => {
  const p = join(dir, name);
  writeFileSync(p, typeof v === 'string' ? v : JSON.stringify(v));
  return p;
};
const X = file('X.json', xs.map((x) => [x, 1]));
const Y = file('Y.json', xs.map((x) => [Math.sin(x)]));
const T = file('T.json', [-2.4, -1.1, 0.2, 1.3, 2.6].map((x) => [x, 1]));
const ARCH = ['--activation', 'tanh', '--cb', '0.1', '--cw', '1.5', '--widths', '16,16'];

async function nnft(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'bin', 'nnft.js'), 'train', ...args], { cwd: root, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('nnft train', () => {
  it('prints {"times", "mean": [time][test][output], "covariance": [time][test][test]} with ∞ as "inf"', async () => {
    const r = await nnft([...ARCH, '--train-inputs', X, '--train-targets', Y, '--test-inputs', T, '--lr', '1', '--time', '0,1,10,inf', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.times).toEqual([0, 1, 10, 'inf']);
    expect(j.mean).toHaveLength(4);
    expect(j.mean[0]).toEqual([[0], [0], [0], [0], [0]]);
    expect(j.mean[3]).toHaveLength(5);
    expect(j.covariance[2]).toHaveLength(5);
    expect(j.covariance[2][4]).toHaveLength(5);
    expect(j.meta.conditioning.conditionNumber).toBeGreaterThan(1);
    const table = await nnft([...ARCH, '--train-inputs', X, '--train-targets', Y, '--test-inputs', T, '--lr', '0.05', '--steps', '0,100,inf', '--kernel', 'nngp']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/infinite-width nngp dynamics \(gradient-descent/);
  });

  it('trains networks with --nets (mean, covariance, loss ± stderr next to the infinite-width values); shards (one on two worker threads) merge to the single run bit for bit', async () => {
    const common = [...ARCH, '--train-inputs', X, '--train-targets', Y, '--test-inputs', T, '--lr', '0.05', '--steps', '0,20', '--nets', '40', '--seed', '3'];
    const one = await nnft([...common, '--workers', '1', '--json']);
    expect(one.code).toBe(0);
    const j = JSON.parse(one.stdout);
    expect(j.steps).toEqual([0, 20]);
    expect(j.mean.mean).toHaveLength(2);
    expect(j.mean.stderr[1]).toHaveLength(5);
    expect(j.covariance.mean[1][2]).toHaveLength(5);
    expect(j.infiniteWidth.mean[1]).toHaveLength(5);
    expect(j.meta.pairs).toBe(20);
    // --ntk records Θ̂(X,X) on the 8 training inputs and leaves every other statistic as it was
    const withNtk = await nnft([...common, '--workers', '1', '--ntk', '--json']);
    expect(withNtk.code).toBe(0);
    const w = JSON.parse(withNtk.stdout);
    expect(JSON.stringify([w.mean, w.covariance, w.trainLoss])).toBe(JSON.stringify([j.mean, j.covariance, j.trainLoss]));
    expect(w.ntk.mean.mean).toHaveLength(2);
    expect(w.ntk.mean.mean[1]).toHaveLength(8);
    expect(w.ntk.mean.mean[1][3]).toHaveLength(8);
    expect(w.ntk.min.drift.mean[0]).toBe(0); // no drift before the first step
    expect(Math.abs(w.ntk.min.drift.mean[1])).toBeGreaterThan(0);
    const a = await nnft([...common, '--shard', '0/2', '--out', join(dir, 's0.json'), '--quiet', '--workers', '2']); // worker threads of the bundled CLI
    const b = await nnft([...common, '--shard', '1/2', '--out', join(dir, 's1.json'), '--quiet']);
    expect([a.code, b.code, a.stdout]).toEqual([0, 0, '']);
    const merged = await nnft(['--merge', join(dir, 's1.json'), join(dir, 's0.json'), '--json']);
    expect(merged.code).toBe(0);
    const m = JSON.parse(merged.stdout);
    expect(JSON.stringify([m.mean, m.covariance, m.trainLoss, m.infiniteWidth])).toBe(JSON.stringify([j.mean, j.covariance, j.trainLoss, j.infiniteWidth]));
  });

  it('bad input exits 2 with a one-line message naming the argument', async () => {
    const base = [...ARCH, '--test-inputs', T, '--lr', '1'];
    const cases: [string[], RegExp][] = [
      [[...base, '--train-inputs', X, '--train-targets', file('Y7.json', xs.slice(1).map((x) => [Math.sin(x)])), '--time', '1'], /train-targets: has 7 targets but there are 8 training inputs/],
      [[...base, '--train-inputs', X, '--train-targets', file('Ynull.json', [...xs.slice(1).map((x) => [Math.sin(x)]), [null]]), '--time', '1'], /train-targets\[7\]\[0\]: expected a finite number/],
      [[...base, '--train-inputs', X, '--train-targets', file('Ynan.json', '[[NaN],[1]]'), '--time', '1'], /--train-targets: .*Ynan\.json is not valid JSON.*JSON has no NaN/],
      [[...ARCH, '--test-inputs', file('T3.json', [[1, 2, 3]]), '--lr', '1', '--train-inputs', X, '--train-targets', Y, '--time', '1'], /dimension 3 but the training inputs have dimension 2/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--time', '0,-1'], /--time: -1 is negative/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--time', 'nan'], /--time: 'nan' is not a number or inf/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--steps', '10'], /gradient descent with η = 1 diverges: η·λ_max\(Θ\(X,X\)\) = 18\.72.* > 2 .*largest stable learning rate is 2\/λ_max = 0\.1068/],
      [[...base, '--train-inputs', file('Xd.json', [...xs, xs[2]].map((x) => [x, 1])), '--train-targets', file('Yd.json', [...xs, xs[2]].map((x) => [Math.sin(x!)])), '--time', 'inf'], /singular to rounding.*--diag-reg/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--time', '1', '--nets', '10'], /--time: trained networks take discrete gradient-descent steps/],
      [[...ARCH, '--test-inputs', T, '--train-inputs', X, '--train-targets', Y, '--time', '1'], /--lr: missing/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--time', '1', '--steps', '2'], /give exactly one of them/],
      [[...ARCH, '--test-inputs', T, '--train-inputs', X, '--train-targets', Y, '--lr', '0.05', '--steps', '5', '--nets', '4', '--out', join(dir, 'no', 'such', 'dir', 's.json')], /--out: directory .* does not exist/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--time', '1', '--json', '--quiet'], /--quiet: prints nothing, so there is no JSON for --json/],
      [[...base, '--train-inputs', X, '--train-targets', Y, '--steps', '1', '--ntk'], /--ntk: only applies to trained networks — add --nets N/],
      [[...base, '--activation', 'tanh(z)^2', '--lambda-b', '1.7e308', '--train-inputs', X, '--train-targets', Y, '--time', '1'], /invalid lambdaB \(--lambda-b\): .*overflow.*λ_b = 1\.70e\+308 alone/],
      [[...base, '--train-inputs', '[[1e200,1],[0,1]]', '--train-targets', '[1,2]', '--time', '1'], /--train-inputs\[0\]: x·x\/n0 is Infinity/],
    ];
    const results = await Promise.all(cases.map(([args]) => nnft(args)));
    results.forEach((r, i) => {
      expect(r.code, `case ${i}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(cases[i]![1]);
      expect(r.stdout).toBe('');
    });
  });
});
