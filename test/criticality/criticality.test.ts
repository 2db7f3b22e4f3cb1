/**
 * Criticality (src/criticality, recursions/quantities/chi.ts): critical hyperparameters against the published values
 * and an independent scipy quadrature, the susceptibilities in the recursion output against closed forms, the layer
 * convention of χ through the single-input V4 recursion, and the tanh exponents at depth 10³.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { criticality, findCriticalPoints, kernelFixedPoints, KernelMap, criticalExponents } from '../../src/criticality/index.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftInputError, NnftNumericalError } from '../../src/errors.ts';

/** χ_∥ − 1, χ_⊥ − 1 and the fixed-point residual K* − C_b − C_W⟨σ²⟩ from scipy.integrate.quad (an independent oracle). */
function scipyCheck(act: 'gelu' | 'silu', cb: number, cw: number, K: number): { chiPar: number; chiPerp: number; fixed: number } {
  const sigma = act === 'gelu' ? 'z*special.ndtr(z)' : 'z*special.expit(z)';
  const d1 = act === 'gelu' ? 'special.ndtr(z)+z*np.exp(-z*z/2)/np.sqrt(2*np.pi)' : 'special.expit(z)+z*special.expit(z)*(1-special.expit(z))';
  const code = `
import numpy as np, json
from scipy import integrate, special
def E(f):
    s=np.sqrt(${K})
    return integrate.quad(lambda u: f(s*u)*np.exp(-u*u/2)/np.sqrt(2*np.pi), -40, 40, limit=500, epsabs=1e-15, epsrel=1e-14)[0]
sig=lambda z: ${sigma}
d1=lambda z: ${d1}
zs=lambda z: z*sig(z)*d1(z)
print(json.dumps({'chiPar': ${cw}*E(zs)/${K}-1, 'chiPerp': ${cw}*E(lambda z: d1(z)**2)-1, 'fixed': ${K}-${cb}-${cw}*E(lambda z: sig(z)**2)}))
`;
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('critical points', () => {
  it('tanh: K* = 0 class at (C_b, C_W) = (0, 1), a₂ = −2 (σ = z − z³/3 + …)', () => {
    const r = findCriticalPoints('tanh');
    expect(r.points).toHaveLength(1);
    const p = r.points[0]!;
    expect(p.class).toBe('K*=0');
    expect([p.cb, p.cw, p.Kstar]).toEqual([0, 1, 0]);
    expect(p.secondOrder).toBeCloseTo(-2, 14);
    expect(p.approach).toBe('from above');
  });

  it('ReLU: scale-invariant at (0, 2), χ_∥ = χ_⊥ = 1 at every K; leaky ReLU(a): C_W = 2/(1 + a²)', () => {
    const p = findCriticalPoints('relu').points[0]!;
    expect(p.class).toBe('scale-invariant');
    expect([p.cb, p.cw]).toEqual([0, 2]);
    const map = new KernelMap('relu');
    for (const K of [1e-3, 0.7, 40]) {
      expect(map.chiParallel(K, 2)).toBeCloseTo(1, 14);
      expect(map.chiPerpendicular(K, 2)).toBeCloseTo(1, 14);
    }
    expect(findCriticalPoints('leaky_relu(0.3)').points[0]!.cw).toBeCloseTo(2 / 1.09, 14);
  });

  it('GELU: (C_b, C_W, K*) = (0.17292239, 1.98305826, 3.56155281) = ((3+√17)/2 for K*), χ_∥ = χ_⊥ = 1 to 1e-8 by scipy', () => {
    const r = findCriticalPoints('gelu');
    expect(r.points).toHaveLength(1);
    const p = r.points[0]!;
    expect(p.class).toBe('K*>0');
    expect(Math.abs(p.cb - 0.17292239)).toBeLessThan(5e-9);
    expect(Math.abs(p.cw - 1.98305826)).toBeLessThan(5e-9);
    expect(Math.abs(p.Kstar - 3.56155281)).toBeLessThan(5e-9);
    expect(Math.abs(p.Kstar - (3 + Math.sqrt(17)) / 2)).toBeLessThan(1e-11);
    const o = scipyCheck('gelu', p.cb, p.cw, p.Kstar);
    expect(Math.abs(o.chiPar)).toBeLessThan(1e-8);
    expect(Math.abs(o.chiPerp)).toBeLessThan(1e-8);
    expect(Math.abs(o.fixed)).toBeLessThan(1e-8);
    // the K* = 0 candidate (σ'(0) = 1/2) is rejected: a₂ = 3(σ₂/σ₁)² = 6/π > 0 repels every K > 0
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.reason).toMatch(/flows away/);
    expect(p.approach).toBe('from above');
  });

  it('SiLU: the same machinery, K* > 0 approached from below, confirmed by scipy; sigmoid and softplus have none', () => {
    const p = findCriticalPoints('silu').points[0]!;
    expect(p.class).toBe('K*>0');
    expect(p.approach).toBe('from below');
    const o = scipyCheck('silu', p.cb, p.cw, p.Kstar);
    expect(Math.abs(o.chiPar)).toBeLessThan(1e-8);
    expect(Math.abs(o.chiPerp)).toBeLessThan(1e-8);
    expect(Math.abs(o.fixed)).toBeLessThan(1e-7);
    expect(findCriticalPoints('sigmoid').points).toHaveLength(0);
    expect(findCriticalPoints('softplus').points).toHaveLength(0);
  });

  it('erf: K* = 0 at C_W = 1/erf\'(0)² = π/4', () => {
    const p = findCriticalPoints('erf').points[0]!;
    expect(p.class).toBe('K*=0');
    expect(p.cw).toBeCloseTo(Math.PI / 4, 14);
  });
});

describe('fixed points at given hyperparameters', () => {
  it('tanh, C_b = 0: K* = 0 attracts for C_W < 1; for C_W > 1 it repels and a K* > 0 with χ_∥ < 1 appears', () => {
    const below = kernelFixedPoints('tanh', 0, 0.8);
    expect(below).toHaveLength(1);
    expect(below[0]).toMatchObject({ Kstar: 0, stability: 'attracting' });
    const above = kernelFixedPoints('tanh', 0, 1.5);
    expect(above.map((f) => f.stability)).toEqual(['repelling', 'attracting']);
    const K = above[1]!.Kstar;
    expect(Math.abs(new KernelMap('tanh').next(K, 0, 1.5) - K)).toBeLessThan(1e-12);
  });

  it('ReLU, C_b = 0.1, C_W = 1.5: K* = C_b/(1 − C_W/2) = 0.4 with χ = 0.75', () => {
    const f = kernelFixedPoints('relu', 0.1, 1.5);
    expect(f).toHaveLength(1);
    expect(f[0]!.Kstar).toBeCloseTo(0.4, 12);
    expect(f[0]!.chiParallel).toBeCloseTo(0.75, 14);
  });
});

describe('chi in the recursion output', () => {
  // erf closed forms (Williams): g(K) = (2/π) arcsin(2K/(1+2K)),
  //   χ_∥ = C_W g'(K) = C_W (4/π)/((1+2K)√(1+4K)),  χ_⊥ = C_W⟨erf'²⟩ = C_W (4/π)/√(1+4K)
  const chiParErf = (K: number, cw: number) => (cw * 4) / Math.PI / ((1 + 2 * K) * Math.sqrt(1 + 4 * K));
  const chiPerpErf = (K: number, cw: number) => (cw * 4) / Math.PI / Math.sqrt(1 + 4 * K);

  it('erf: χ⁽ℓ⁾ evaluated on K⁽ℓ⁾ with C_W of layer ℓ+1 (of layer L at the last layer), every input, every layer', () => {
    const cw = [1.1, 0.7, 1.9, 1.3];
    const res = solveRecursions({ activation: 'erf', inputs: [[1, 0.5], [0.2, -0.9], [0.3, 0.3]], widths: [5, 6, 7, 8], cb: [0.1, 0.2, 0, 0.3], cw, quantities: ['K', 'chi_par', 'chi_perp'] });
    expect(res.layers).toHaveLength(4);
    res.layers.forEach((l, i) => {
      const cwUsed = cw[Math.min(i + 1, cw.length - 1)]!;
      for (let a = 0; a < 3; a++) {
        const K = l.K![a]![a]!;
        expect(Math.abs(l.chi_par![a]! / chiParErf(K, cwUsed) - 1)).toBeLessThan(1e-12);
        expect(Math.abs(l.chi_perp![a]! / chiPerpErf(K, cwUsed) - 1)).toBeLessThan(1e-12);
      }
    });
  });

  it('the layer convention closes the single-input V4 recursion: V⁽ℓ⁺¹⁾ = C_W²Var(σ²) + (χ_∥⁽ℓ⁾)²V⁽ℓ⁾ (tanh, per-layer C_W)', () => {
    const cw = [1, 1.4, 0.8, 1.2, 1.05];
    const res = solveRecursions({ activation: 'tanh', inputs: [[0.9]], widths: [9, 9, 9, 9, 9], cb: 0.05, cw, quantities: ['K', 'V4', 'chi_par'] });
    const map = new KernelMap('tanh');
    for (let l = 1; l < 5; l++) {
      const prev = res.layers[l - 1]!;
      const K = prev.K![0]![0]!;
      const want = cw[l]! ** 2 * map.at(K).varSigma2 + prev.chi_par![0]! ** 2 * prev.V4![0]![0]![0]![0]!;
      expect(Math.abs(res.layers[l]!.V4![0]![0]![0]![0]! / want - 1)).toBeLessThan(1e-11);
    }
  });

  it('ReLU: χ_∥ = χ_⊥ = C_W/2 at every input, K-independent; duplicate inputs agree', () => {
    const res = solveRecursions({ activation: 'relu', inputs: [[1, 0], [0, 3], [1, 0]], widths: [4, 4, 4], cb: 0, cw: [2, 3, 1.6], quantities: ['chi_par', 'chi_perp'] });
    expect(res.layers.map((l) => l.chi_par)).toEqual([[1.5, 1.5, 1.5], [0.8, 0.8, 0.8], [0.8, 0.8, 0.8]]);
    expect(res.layers.map((l) => l.chi_perp)).toEqual([[1.5, 1.5, 1.5], [0.8, 0.8, 0.8], [0.8, 0.8, 0.8]]);
  });
});

describe('critical exponents', () => {
  it('tanh at depth 10³: K⁽ℓ⁾ ≈ 1/(2ℓ) and V/K² ≈ (2/3)ℓ, exponents 1 within the corrections to scaling', () => {
    const p = findCriticalPoints('tanh').points[0]!;
    const e = criticalExponents('tanh', p, { depth: 1000 });
    // corrections O(log ℓ/ℓ): 7e-3 at ℓ = 10³
    expect(Math.abs(e.last.lTimesDeltaK - 0.5)).toBeLessThan(0.5 * 0.01);
    expect(Math.abs(e.last.VoverK2PerLayer - 2 / 3)).toBeLessThan((2 / 3) * 0.01);
    expect(Math.abs(e.kernel!.exponent - 1)).toBeLessThan(e.kernel!.drift + 5 * e.kernel!.stderr);
    expect(Math.abs(e.vertex.exponent - 1)).toBeLessThan(e.vertex.drift + 5 * e.vertex.stderr);
    expect(e.kernel!.drift).toBeLessThan(0.02);
  });

  it('ReLU: K constant to rounding, V/K² = 5(ℓ − 1) exactly', () => {
    const r = criticality({ activation: 'relu', depth: 200 });
    const e = r.exponents[0]!;
    if ('skipped' in e) throw new Error('no run');
    expect(e.kernelConstant).toBeLessThan(1e-14);
    for (const row of e.layers) expect(Math.abs(row.VoverK2 - 5 * (row.layer - 1))).toBeLessThan(1e-10 * row.layer);
  });

  it('refuses bad depths and K⁽¹⁾ below C_b', () => {
    const p = findCriticalPoints('gelu').points[0]!;
    expect(() => criticalExponents('gelu', p, { depth: 10 })).toThrow(NnftInputError);
    expect(() => criticalExponents('gelu', p, { K1: 0.1 })).toThrow(/≥ C_b/);
  });
});

describe('nnft criticality', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/nnft.js', 'criticality', ...args], { encoding: 'utf8' });
  it('prints finite JSON for GELU and the table for tanh', () => {
    const j = run('--activation', 'gelu', '--depth', '0', '--json');
    expect(j.status, j.stderr).toBe(0);
    const r = JSON.parse(j.stdout);
    expect(r.points[0].cw).toBeCloseTo(1.98305826, 8);
    const t = run('--activation', 'tanh', '--depth', '100');
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/class K\*=0/);
  });
  it('bad input: exit 2 with one line', () => {
    for (const args of [['--activation', 'nope'], ['--activation', 'tanh', '--depth', '12'], ['--activation', 'tanh', '--cb', 'x', '--cw', '1']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
  });
  it("z^1000: ⟨σ'²⟩_K underflows to 0 below where it overflows, so exit 2 naming --activation, not NaN", () => {
    // ⟨σ'²⟩_K = 10⁶·1997!!·K^999 > 0 for every K > 0; a 0 from the quadrature is underflow, never a root
    expect(() => findCriticalPoints('z^1000')).toThrow(NnftNumericalError);
    const r = run('--activation', 'z^1000', '--json', '--depth', '30');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--activation');
    expect(lines[0]).toContain('lower power');
    expect(lines[0]).not.toMatch(/NaN|internal/);
    // a low power keeps its whole scan: ⟨σσ''⟩_K = 6·3K² > 0 for z^3, no root in [1e-4, 1e4]
    const low = run('--activation', 'z^3', '--json', '--depth', '0');
    expect(low.status, low.stderr).toBe(0);
    const j = JSON.parse(low.stdout);
    expect(j.points).toEqual([]);
    expect(j.scanned).toEqual({ from: 1e-4, to: 1e4, points: 129 });
  });
});
