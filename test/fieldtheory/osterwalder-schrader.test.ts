/**
 * Osterwalder–Schrader checks (src/fieldtheory/osterwalder-schrader.ts, os-network.ts): the exponential kernel is
 * reflection positive, the Gauss-net (RBF) kernel is not; the sampled verdicts of the cos-net (exponential kernel) and
 * the Gauss-net ensembles; cluster decomposition of two- and four-point functions; Euclidean invariance.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { clusterDecompositionOfKernel, euclideanInvarianceOfKernel, reflectionPositivityOfKernel, reflectionPositivityOfSamples, euclideanInvarianceOfSamples } from '../../src/fieldtheory/osterwalder-schrader.ts';
import { networkOsChecks } from '../../src/fieldtheory/os-network.ts';
import { sampleOutputs, shallowNet } from '../../src/fieldtheory/shallow-net.ts';
import { NnftInputError } from '../../src/errors.ts';

const grid40 = Array.from({ length: 40 }, (_, i) => 0.1 * (i + 1));

describe('reflection positivity of kernels', () => {
  it('e^{−|τ|}: M = u uᵀ (u_i = e^{−τ_i}), min eigenvalue ≥ −1e-12, satisfied', () => {
    const r = reflectionPositivityOfKernel((s, t) => Math.exp(-Math.abs(s - t)), grid40);
    expect(r.minEigenvalue).toBeGreaterThanOrEqual(-1e-12);
    expect(r.verdict).toBe('satisfied');
    // rank one: the largest eigenvalue is |u|² = Σ e^{−2τ_i}
    expect(r.scale).toBeCloseTo(grid40.reduce((s, t) => s + Math.exp(-2 * t), 0), 12);
  });

  it('the Gauss-net kernel e^{−τ²/2}: a clearly negative eigenvalue on the 40-point grid, violated (numpy agrees)', () => {
    const r = reflectionPositivityOfKernel((s, t) => Math.exp(-((s - t) ** 2) / 2), grid40);
    expect(r.verdict).toBe('violated');
    expect(r.minEigenvalue).toBeLessThan(-0.1 * r.scale);
    const py = spawnSync('python3', ['-c', 'import numpy as np; t=0.1*np.arange(1,41); print(np.linalg.eigvalsh(np.exp(-(t[:,None]+t[None,:])**2/2))[0])'], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    expect(Math.abs(r.minEigenvalue - Number(py.stdout))).toBeLessThan(1e-12);
    // the most negative direction is a test function with fᵀMf < 0
    const f = r.mostNegativeDirection;
    const q = f.reduce((s, fi, i) => s + fi * f.reduce((u, fj, j) => u + r.matrix[i]![j]! * fj, 0), 0);
    expect(q).toBeCloseTo(r.minEigenvalue, 12);
  });

  it('a non-reflection-symmetric kernel is violated through its asymmetry', () => {
    const r = reflectionPositivityOfKernel((s, t) => Math.exp(-Math.abs(s - t)) * (1 + 0.1 * t), grid40.slice(0, 5));
    expect(r.asymmetry).toBeGreaterThan(1e-3);
    expect(r.verdict).toBe('violated');
  });

  it('refuses non-positive times', () => {
    expect(() => reflectionPositivityOfKernel((s, t) => s * t, [0, 1])).toThrow(NnftInputError);
  });
});

describe('cluster decomposition and Euclidean invariance of kernels', () => {
  it('e^{−|τ|} decays (satisfied); a ReLU-net kernel grows (violated); translation invariance of stationary kernels only', () => {
    expect(clusterDecompositionOfKernel((s, t) => Math.exp(-Math.abs(s - t)), 0.5, [0, 1, 2, 4, 8]).twoPoint.verdict).toBe('satisfied');
    const relu = networkOsChecks({ activation: 'relu', width: 8, cb: 1, cw: 1, times: [0.5, 1, 1.5] });
    expect(relu.exact.clusterDecomposition.twoPoint.verdict).toBe('violated');
    expect(relu.exact.euclideanInvariance.translation.verdict).toBe('violated');
    const e = euclideanInvarianceOfKernel((s, t) => Math.exp(-((s - t) ** 2)), [-1, 0, 0.5, 2], [0.3, 1.7]);
    expect([e.translation.verdict, e.reflection.verdict]).toEqual(['satisfied', 'satisfied']);
  });

  it('cos-net: exact two-point function clusters, its connected four-point function does not (→ 2C²/N, shared amplitudes)', () => {
    const r = networkOsChecks({ activation: 'cos-net', width: 8, cw: 1, times: [0.5, 1], separations: [0, 1, 2, 4, 8, 16] });
    expect(r.exact.clusterDecomposition.twoPoint.verdict).toBe('satisfied');
    const four = r.exact.clusterDecomposition.fourPoint!;
    expect(four.verdict).toBe('violated');
    // κ₄(h)(x,x,y,y) = 2 − e^{−2μ|x−y|}/2 → 2, over N = 8
    expect(four.points[four.points.length - 1]!.value).toBeCloseTo((2 - Math.exp(-32) / 2) / 8, 12);
  });
});

describe('sampled ensembles', () => {
  const times = [0.25, 0.5, 0.75, 1, 1.25, 1.5];
  const ensemble = (activation: string, nets: number, seed: number) => ({ nets, evaluate: (pts: readonly number[]) => sampleOutputs(shallowNet({ activation, inputs: pts.map((p) => [p]), width: 16, cw: 1 }), { nets, seed }) });

  it('cos-net (exponential kernel): reflection positivity satisfied with the power to see a 5% violation', () => {
    const r = reflectionPositivityOfSamples(ensemble('cos-net', 60000, 3), times);
    expect(r.verdict).toBe('satisfied');
    expect(r.power!.detectable).toBeLessThanOrEqual(0.05);
    // the sampled smallest eigenvalue is biased low by the noise, but consistent with zero at a few σ
    expect(r.minEigenvalue).toBeGreaterThan(-6 * r.minEigenvalueStderr - 1e-12);
  });

  it('Gauss-net (RBF kernel): violated, the held-out fᵀMf significantly negative', () => {
    const r = reflectionPositivityOfSamples(ensemble('gauss-net', 20000, 4), times);
    expect(r.verdict).toBe('violated');
    if (r.test.kind !== 'held-out') throw new Error('expected the held-out test');
    expect(r.test.z).toBeLessThan(-r.test.threshold);
  });

  it('Euclidean invariance: the Gauss-net two-point function is translation invariant, the tanh network is not', () => {
    const g = euclideanInvarianceOfSamples(ensemble('gauss-net', 20000, 5), [-0.5, 0, 0.5], [0.7]);
    expect(g.translation.verdict).not.toBe('violated');
    const t = euclideanInvarianceOfSamples({ nets: 20000, evaluate: (pts) => sampleOutputs(shallowNet({ activation: 'tanh', inputs: pts.map((p) => [p]), width: 16, cb: 0.1, cw: 1 }), { nets: 20000, seed: 6 }) }, [-0.5, 0, 0.5], [1.5]);
    expect(t.translation.verdict).toBe('violated');
  });

  it('too few networks for the jackknife groups is refused', () => {
    expect(() => reflectionPositivityOfSamples(ensemble('cos-net', 100, 1), times)).toThrow(/at least/);
  });
});

describe('nnft osterwalder-schrader', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/nnft.js', 'osterwalder-schrader', ...args], { encoding: 'utf8' });
  it('JSON verdicts for the two kernels; exit 2 with one line on bad input', () => {
    const e = run('--kernel', 'exp', '--json');
    expect(e.status, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).reflectionPositivity.verdict).toBe('satisfied');
    for (const args of [['--kernel', 'exp', '--times', '0:1:5']]) {
      const b = run(...args);
      expect(b.status, args.join(' ')).toBe(2);
      expect(b.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
