/**
 * The kernel engine at scales its Hermite expansions cannot resolve: σ(√K x) with √K in the thousands against
 * σ's unit-width features (tanh: ⟨tanh(z_a) tanh(z_b)⟩ at K_bb = 5e7). The trapezoid ladder of src/kernels/hermite.ts
 * stops at its finest step without two steps agreeing; the engine then refuses (library) and `nnft recursions`
 * computes K and Θ with the recursion solver instead. Oracle: scipy adaptive quadrature of the conditional form
 * ∫ φ(u) tanh(√K_aa u) E[tanh(z_b) | z_a] du at 1e-13 relative (computed once):
 *   inputs (0.3, 1), (1e4, 1) → K⁽¹⁾ = [[0.545, 1500.5], [1500.5, 50000000.5]], ⟨tanh tanh⟩ = 0.12136971551283546,
 *   ⟨tanh²⟩ at K = 5e7: 0.9998871620847835 (the recursion solver's graded quadrature; the engine gave 0.99952558).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NnftNumericalError } from '../../src/errors.ts';
import { solveKernelsSync } from '../../src/kernels/index.ts';

const inputs = [[0.3, 1], [1e4, 1]];
const K01 = 0.12136971551283546;

describe('kernel engine beyond its resolvable scale', () => {
  it('the library refuses, naming the scale, instead of a coefficient sum that has not converged', () => {
    expect(() => solveKernelsSync({ activation: 'tanh', widths: [8, 8], inputs, quantities: ['K'] })).toThrow(NnftNumericalError);
    expect(() => solveKernelsSync({ activation: 'tanh', widths: [8, 8], inputs, quantities: ['K'] })).toThrow(/√K = 7071.*finest step/);
  });
  it('nnft recursions --quantities K computes it with the recursion solver: the quadrature oracle to 1e-12', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'recursions', '--activation', 'tanh', '--widths', '8,8', '--inputs', JSON.stringify(inputs), '--quantities', 'K', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const K = JSON.parse(r.stdout).layers[1].K as number[][];
    expect(Math.abs(K[0]![1]! / K01 - 1)).toBeLessThan(1e-12);
    expect(K[1]![1]!).toBeGreaterThan(0.9998);
  });
  it('at a resolvable scale (K_bb = 5000) the engine still answers, equal to the solver to 1e-13', () => {
    const small = [[0.3, 1], [100, 1]];
    const e = solveKernelsSync({ activation: 'tanh', widths: [8, 8], inputs: small, quantities: ['K'] });
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'recursions', '--activation', 'tanh', '--widths', '8,8', '--inputs', JSON.stringify(small), '--quantities', 'K,V4', '--json'], { encoding: 'utf8' });
    const K = JSON.parse(r.stdout).layers[1].K as number[][];
    const last = e.layers[e.layers.length - 1]!;
    expect(Math.abs(last.K![0]![1]! / K[0]![1]! - 1)).toBeLessThan(1e-13);
  });
  it('erf, K and V4 (the recursion solver): the pair against Williams\' arcsine closed form, refused beyond a diagonal ratio of 1e10', () => {
    const run = (x: number) => spawnSync(process.execPath, ['bin/nnft.js', 'recursions', '--activation', 'erf', '--widths', '8,8', '--inputs', JSON.stringify([[0, 1], [x, 1]]), '--quantities', 'K,V4', '--json'], { encoding: 'utf8' });
    // K⁽¹⁾ = [[1/2, 1/2], [1/2, (x² + 1)/2]]; ⟨erf erf⟩ = (2/π) asin(2K_ab/√((1 + 2K_aa)(1 + 2K_bb)))
    for (const x of [1e3, 1e4, 3e4]) {
      const r = run(x);
      expect(r.status, r.stderr).toBe(0);
      const K = JSON.parse(r.stdout).layers[1].K as number[][];
      const exact = (2 / Math.PI) * Math.asin(1 / Math.sqrt(2 * (2 + x * x)));
      expect(Math.abs(K[0]![1]! / exact - 1), `x = ${x}`).toBeLessThan(2e-12);
    }
    // x = 1e7: K_bb/K_aa = 1e14 (the pair quadrature gave (2/π)·ρ, 41% off): refused, naming --inputs
    const bad = run(1e7);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/layer 1.*--inputs.*span 5\.00e-1 to 5\.00e\+13/);
  });
});
