/**
 * `nnft train --order 1` end to end (spawned processes): the O(1/n) mean next to the frozen-NTK mean in JSON and in
 * the table, its identities (μ⁰ is the order-0 mean; mean = μ⁰ + μ¹/n; nothing moves at step 0; a test input that is
 * a training input is fitted at s = ∞ with no correction), the same next to trained networks, and the exit-2
 * refusals with their reasons (piecewise-linear σ, another dynamics kernel, a ridge, a mean shift, no hidden layer,
 * the time budget).
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

async function nnft(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'bin', 'nnft.js'), 'train', ...args], { cwd: root, maxBuffer: 1 << 26, env: { ...process.env, ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

// three training points of sin-like data; test inputs x = 1 and x = 0 (the latter is a training input)
const DATA = ['--train-inputs', '[[-2,1],[0,1],[2,1]]', '--train-targets', '[0.9,0,-0.9]', '--test-inputs', '[[1,1],[0,1]]'];
const TANH = ['--activation', 'tanh', '--cb', '0.1', '--cw', '1.5', '--widths', '32,32'];

describe('nnft train --order 1', () => {
  it('JSON: orderOne.{mean, frozenMean, correction, parts} per [time][test][output]; μ⁰ = the order-0 mean; mean = μ⁰ + μ¹/n; fitted training input', async () => {
    const r = await nnft([...TANH, ...DATA, '--lr', '0.1', '--steps', '0,10,inf', '--order', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.steps).toEqual([0, 10, 'inf']);
    const o = j.orderOne;
    expect(o.width).toBe(32);
    for (const key of ['mean', 'frozenMean', 'correction']) {
      expect(o[key]).toHaveLength(3);
      expect(o[key][1]).toHaveLength(2);
      expect(o[key][1][0]).toHaveLength(1);
    }
    for (const part of ['ntkMean', 'ntkVariance', 'dntk', 'ddntk']) expect(o.parts[part][1]).toHaveLength(2);
    for (let k = 0; k < 3; k++) {
      for (let a = 0; a < 2; a++) {
        // the same kernels from the same solver: μ⁰ is the frozen-NTK mean of order 0
        expect(Math.abs(o.frozenMean[k][a][0] - j.mean[k][a][0])).toBeLessThan(1e-12);
        expect(Math.abs(o.mean[k][a][0] - (o.frozenMean[k][a][0] + o.correction[k][a][0] / 32))).toBeLessThan(1e-15);
        const sum = ['ntkMean', 'ntkVariance', 'dntk', 'ddntk'].reduce((s, p) => s + o.parts[p][k][a][0], 0);
        expect(Math.abs(sum - o.correction[k][a][0])).toBeLessThan(1e-12 * (1 + Math.abs(sum)));
      }
    }
    // step 0: nothing has moved
    expect(o.mean[0]).toEqual([[0], [0]]);
    // after 10 steps the correction is there (|μ¹|/n of order 1e-2 at n = 32) and the expansion is not stretched
    expect(Math.abs(o.correction[1][0][0]) / 32).toBeGreaterThan(1e-3);
    expect(Math.abs(o.correction[1][0][0]) / 32).toBeLessThan(0.2 * Math.abs(o.frozenMean[1][0][0]));
    // x = 0 is a training input: at s = ∞ it is fitted, μ⁰ = y = 0 and μ¹ = 0
    expect(Math.abs(o.frozenMean[2][1][0])).toBeLessThan(1e-10);
    expect(Math.abs(o.correction[2][1][0])).toBeLessThan(1e-8 * Math.max(...o.correction[2].map((p: number[]) => Math.abs(p[0]!))));
    expect(o.notes[0]).toMatch(/O\(1\/n²\) remainder is not estimated/);
  });

  it('the table has the frozen-NTK, O(1/n) and μ¹/n columns; --order 0 is the frozen NTK alone', async () => {
    const [one, zero] = await Promise.all([
      nnft([...TANH, ...DATA, '--lr', '0.5', '--time', '1,inf', '--order', '1']),
      nnft([...TANH, ...DATA, '--lr', '0.5', '--time', '1,inf', '--order', '0', '--json']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/frozen-NTK and O\(1\/n\) mean \(n = 32/);
    const head = one.stdout.split('\n').find((l) => l.trim().startsWith('t '))!;
    expect(head).toMatch(/t\s+test\s+frozen NTK\s+O\(1\/n\)\s+μ¹\/n\s+std/);
    expect(one.stdout.split('\n').filter((l) => /^\s*(1|inf)\s+0\s/.test(l))).toHaveLength(2);
    expect(zero.code).toBe(0);
    expect(JSON.parse(zero.stdout).orderOne).toBeUndefined();
  });

  it('with --nets: orderOne beside infiniteWidth and the trained mean; the table shows both distances in standard errors; merged shards give the same', async () => {
    const base = [...TANH, ...DATA, '--lr', '0.1', '--steps', '5,20', '--nets', '16', '--seed', '2', '--workers', '1'];
    const args = [...base, '--order', '1'];
    const [j, t] = await Promise.all([nnft([...args, '--json']), nnft(args)]);
    expect(j.code, j.stderr).toBe(0);
    const res = JSON.parse(j.stdout);
    expect(res.mean.mean).toHaveLength(2);
    expect(res.orderOne.mean).toHaveLength(2);
    for (let k = 0; k < 2; k++) for (let a = 0; a < 2; a++) expect(Math.abs(res.orderOne.frozenMean[k][a][0] - res.infiniteWidth.mean[k][a][0])).toBeLessThan(1e-12);
    // shards merged with --order 1: the same orderOne as the single run
    const dir = mkdtempSync(join(tmpdir(), 'nnft-order-one-'));
    const shards = await Promise.all([0, 1].map((k) => nnft([...base, '--shard', `${k}/2`, '--out', join(dir, `s${k}.json`), '--quiet'])));
    expect(shards.map((s) => s.code)).toEqual([0, 0]);
    const merged = await nnft(['--merge', join(dir, 's0.json'), join(dir, 's1.json'), '--order', '1', '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const mj = JSON.parse(merged.stdout);
    expect(JSON.stringify([mj.mean, mj.orderOne.mean, mj.orderOne.correction])).toBe(JSON.stringify([res.mean, res.orderOne.mean, res.orderOne.correction]));
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/16 networks trained .* against the frozen-NTK and the O\(1\/n\) mean/);
    expect(t.stdout).toMatch(/trained ± se\s+frozen NTK\s+O\(1\/n\)\s+μ¹\/n\s+\(tr − frozen\)\/se\s+\(tr − O\(1\/n\)\)\/se/);
  });

  it('refusals: exit 2 with one line naming the argument and the reason, before anything is trained', async () => {
    const flow = [...DATA, '--lr', '0.1', '--time', '1'];
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['--activation', 'relu', '--cw', '2', '--widths', '32,32', ...flow, '--order', '1'], /activation: the O\(1\/n\) prediction of trained networks does not exist for the piecewise-linear relu: it needs the ddNTK means R, S, T, U, which contain ⟨δ\(z\)²⟩ and diverge.*O\(n\^−1\/2\)/],
      // with --nets: refused before 2000 networks of width 512 are trained
      [['--activation', 'relu', '--cw', '2', '--widths', '512,512', ...DATA, '--lr', '0.05', '--steps', '100', '--nets', '2000', '--order', '1'], /piecewise-linear relu/],
      [['--activation', 'leaky_relu(0.1)', '--widths', '32,32', ...flow, '--order', '1'], /piecewise-linear/],
      [[...TANH, ...flow, '--order', '1', '--kernel', 'nngp'], /--order: the O\(1\/n\) correction is derived for every layer trained \(--kernel ntk\), not --kernel nngp/],
      [[...TANH, ...flow, '--order', '1', '--diag-reg', '1e-6'], /--order: .*unregularised.*drop --diag-reg/],
      [[...TANH, ...DATA, '--lr', '0.1', '--steps', '5', '--nets', '4', '--no-antithetic', '--mean-shift', '0.2,1', '--order', '1'], /--order: .*zero-mean initialisation/],
      [[...TANH, ...flow, '--order', '2'], /--order: expected 0 or 1, got '2'/],
      [['--activation', 'tanh', '--widths', '', ...flow, '--order', '1'], /widths: a network without hidden layers is linear in its parameters: there is no 1\/n correction/],
      [[...TANH, '--train-inputs', JSON.stringify(Array.from({ length: 8 }, (_, i) => [i - 3.5, 1])), '--train-targets', JSON.stringify(Array.from({ length: 8 }, (_, i) => Math.sin(i - 3.5))), '--test-inputs', '[[0.2,1],[1.3,1],[2.6,1]]', '--lr', '0.01', '--time', '1', '--order', '1'], /the finite-width tensors of the output layer on 11 inputs.*NNFT_MAX_SECONDS/, { NNFT_MAX_SECONDS: '20' }],
    ];
    const results = await Promise.all(cases.map(([args, , env]) => nnft(args, env)));
    results.forEach((r, i) => {
      expect(r.code, `case ${i}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), `case ${i}`).toHaveLength(1);
      expect(r.stderr, `case ${i}`).toMatch(cases[i]![1]);
      expect(r.stdout).toBe('');
    });
  });
});
