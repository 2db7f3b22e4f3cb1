/**
 * Singular, divergent and overflowing activations are refused with a one-line message naming the activation, the
 * layer and the quantity (exit 2, no stack trace), quickly and in bounded memory; activations that are fine keep
 * working and stay exact where exact values exist.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { getActivation } from '../../src/activations/index.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftNumericalError } from '../../src/errors.ts';

const root = join(__dirname, '../..');
function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: root, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const noStack = (s: string): void => {
  expect(s).not.toMatch(/\n\s+at /);
  expect(s.trim().split('\n').length).toBe(1);
};

describe('domain analysis of expressions', () => {
  it.each([
    ['log(z)', /log\(z\) needs z > 0/],
    ['sqrt(z)', /sqrt\(z\) needs z > 0/],
    ['1/z', /division by z needs z ≠ 0/],
    ['z^(-1)', /negative power -1/],
    ['z^0.5', /non-integer power 0\.5/],
    ['tan(z)', /poles where its cosine vanishes.*1\.5708/],
    ['log(z^2)', /log\(z\^2\) needs z\^2 > 0.*is 0 at z = 0/],
    ['sin(z)/z', /division by z/],
    ['1/(z-0.3)', /vanishes at z ≈ 0\.3/],
    ['1/((z-0.3)^2)', /vanishes at z ≈ 0\.3/],
    ['log1p(z)', /1 \+ z > 0/],
  ])('%s is singular on the real line', (expr, re) => {
    expect(getActivation(expr).singularity).toMatch(re);
  });
  it.each(['log(1+exp(z))', 'z/(1+exp(-z))', 'sqrt(1+z^2)', '1/(1+z^2)', 'log1p(z^2)', 'exp(z^2)', 'z^2', 'exp(z)', 'tanh(z)/(2+sin(z))'])(
    '%s is finite everywhere',
    (expr) => {
      expect(getActivation(expr).singularity).toBeUndefined();
    },
  );
  it('registry activations are not flagged, and swish is silu', () => {
    for (const n of ['tanh', 'erf', 'gelu', 'silu', 'sigmoid', 'softplus', 'sin', 'gauss', 'linear']) expect(getActivation(n).singularity).toBeUndefined();
    expect(getActivation('swish')).toBe(getActivation('silu'));
    expect(getActivation({ name: 'swish' }).name).toBe('silu');
  });
});

describe('refusals through the library: NnftNumericalError with layer and quantity, fast and bounded', () => {
  const spec = (activation: string, x = 1) => ({ activation, inputs: [[x, 0.5 * x]], widths: [8, 8, 8], cb: 0, cw: 1 });
  it.each([
    ['log(z)', 'K', 2, /log\(z\) needs z > 0/],
    ['1/z', 'K', 2, /division by z/],
    ['sqrt(z)', 'K', 2, /sqrt\(z\)/],
    ['z^(-1)', 'K', 2, /negative power/],
    ['exp(z^2)', 'K', 2, /diverges.*K < 0\.25/],
  ])('%s: refused at layer %s', (act, quantity, layer, re) => {
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    let err: unknown;
    try {
      solveRecursions(spec(act));
    } catch (e) {
      err = e;
    }
    const seconds = (performance.now() - t0) / 1000;
    expect(err).toBeInstanceOf(NnftNumericalError);
    const e = err as NnftNumericalError;
    expect(e.location).toMatchObject({ layer, quantity });
    expect(e.message).toContain(act);
    expect(e.message).toMatch(re);
    // measured ~0.1 s (activation analysis and one failed calibration); a second leaves room for a loaded machine
    expect(seconds).toBeLessThan(1);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(200e6);
  });
  it('exp(z^2): fine below K = 1/4 (exact 1/√(1−4K)), V4 refused from K = 1/8 (⟨σ⁴⟩ diverges) naming V4', () => {
    // n0 = 2, x = (0.3, 0.3): K⁽¹⁾ = 0.09; ⟨e^{2z²}⟩ = 1/√(1 − 4K), ⟨e^{4z²}⟩ = 1/√(1 − 8K)
    const r = solveRecursions({ activation: 'exp(z^2)', inputs: [[0.3, 0.3]], widths: [8, 8], cb: 0, cw: 1, quantities: ['K', 'V4'] });
    const K = 0.09;
    const a = 1 / Math.sqrt(1 - 4 * K);
    expect(Math.abs(r.layers[1]!.K![0]![0]! - a) / a).toBeLessThan(1e-12);
    const v = 1 / Math.sqrt(1 - 8 * K) - a * a;
    expect(Math.abs(r.layers[1]!.V4![0]![0]![0]![0]! - v) / v).toBeLessThan(1e-10);
    let err: unknown;
    try {
      solveRecursions({ activation: 'exp(z^2)', inputs: [[0.4, 0.4]], widths: [8, 8], cb: 0, cw: 1, quantities: ['K', 'V4'] });
    } catch (e) {
      err = e;
    }
    expect((err as NnftNumericalError).location).toMatchObject({ layer: 2, quantity: 'V4' });
    expect((err as Error).message).toMatch(/⟨σ\(z0\)⁴⟩.*converges only for K < 0\.125/);
  });
  it('exp(z) and z^2 are exact: ⟨e^{2z}⟩ = e^{2K}, ⟨z⁴⟩ = 3K², V4 = 96K⁴ for z²', () => {
    const K = 0.625; // inputs (1, 0.5), n0 = 2
    const e = solveRecursions({ activation: 'exp(z)', inputs: [[1, 0.5]], widths: [8, 8], quantities: ['K', 'V4'] }).layers[1]!;
    expect(Math.abs(e.K![0]![0]! - Math.exp(2 * K)) / Math.exp(2 * K)).toBeLessThan(1e-12);
    const v = Math.exp(8 * K) - Math.exp(4 * K);
    expect(Math.abs(e.V4![0]![0]![0]![0]! - v) / v).toBeLessThan(1e-11);
    const q = solveRecursions({ activation: 'z^2', inputs: [[1, 0.5]], widths: [8, 8], quantities: ['K', 'V4'] }).layers[1]!;
    expect(Math.abs(q.K![0]![0]! - 3 * K * K) / (3 * K * K)).toBeLessThan(1e-12);
    expect(Math.abs(q.V4![0]![0]![0]![0]! - 96 * K ** 4) / (96 * K ** 4)).toBeLessThan(1e-11);
  });
  it('exp(z) whose kernel outgrows the double range ends as a truncated result, not an error', () => {
    // K⁽²⁾ = e^{2K⁽¹⁾}, K⁽³⁾ = e^{2K⁽²⁾}, …: ⟨e^{2z}⟩ overflows within a few layers
    const r = solveRecursions({ activation: 'exp(z)', inputs: [[2, 2]], widths: [8, 8, 8, 8, 8, 8], quantities: ['K'] });
    expect(r.truncated).toBeDefined();
    expect(r.truncated!.quantity).toBe('K');
    expect(r.layers.length).toBe(r.truncated!.layer - 1);
    for (const l of r.layers) expect(Number.isFinite(l.K![0]![0]!)).toBe(true);
  });
  it('sin at K = 1e8: refused within seconds (its oscillations cannot be resolved under so wide a Gaussian)', () => {
    const t0 = performance.now();
    expect(() => solveRecursions({ activation: 'sin', inputs: [[1e4]], widths: [8, 8], quantities: ['K'] })).toThrow(NnftNumericalError);
    // measured ~0.05 s: the resolution map projects the panels it would need and refuses at once
    expect((performance.now() - t0) / 1000).toBeLessThan(5);
  });
});

describe('refusals through the CLI: exit 2, one line naming activation, layer and quantity', () => {
  it.each([
    ['log(z)', 'K at layer 2'],
    ['1/z', 'K at layer 2'],
    ['sqrt(z)', 'K at layer 2'],
    ['z^(-1)', 'K at layer 2'],
    ['exp(z^2)', 'K at layer 2'],
  ])('%s', (act, where) => {
    const r = nnft('recursions', '--activation', act, '--widths', '8,8,8', '--inputs', '[[1,0.5]]', '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`activation ${act}`);
    expect(r.err).toContain(where);
    noStack(r.err);
  });
  it('--activation swish is accepted and equals silu', () => {
    const a = nnft('recursions', '--activation', 'swish', '--widths', '8,8', '--json');
    const b = nnft('recursions', '--activation', 'silu', '--widths', '8,8', '--json');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
  });
});
