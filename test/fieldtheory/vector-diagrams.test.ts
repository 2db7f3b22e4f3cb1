/**
 * O(D) vector outputs in the EFT diagrams (diagrams/vector.ts): the zero-dimensional series of ⟨f·f⟩ and ⟨(f·f)²⟩
 * under e^{−f·f/2 − λ(f·f)² − κ(f·f)³} on R^D, derived independently by sympy from the radial moments
 * E₀[r^{2n}] = Π_{j<n}(D + 2j) of the Gaussian, to second order in the couplings; D = 1 reduces to the scalar series.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { feynmanDiagrams } from '../../diagrams/feynman.ts';
import { indexStructure, polyToString, polyValue, vectorZeroDimensionalSeries } from '../../diagrams/vector.ts';
import { zeroDimensionalSeries } from '../../diagrams/evaluate.ts';
import { NnftInputError } from '../../src/errors.ts';

/** sympy: the coefficients of λ^a κ^b in ⟨(r²)^p⟩ as expanded polynomials in D (strings), a + b ≤ 2. */
function radialSeries(p: number): Record<string, string> {
  const code = `
import sympy as sp, json
D = sp.symbols('D')
def E(n):
    return sp.prod([D + 2*j for j in range(n)]) if n > 0 else sp.Integer(1)
# ⟨r^{2p}⟩ = E[r^{2p} e^{-λr⁴-κr⁶}]/E[e^{-λr⁴-κr⁶}] over the free (Gaussian) measure, as truncated power series in
# (λ, κ) to total degree 2: series are dicts {(a, b): coefficient}, the division by 1 + x done as 1 - x + x²
def w(n):
    return {(0, 0): E(n), (1, 0): -E(n + 2), (0, 1): -E(n + 3), (2, 0): E(n + 4) / 2, (1, 1): E(n + 5), (0, 2): E(n + 6) / 2}
def mul(s, t):
    out = {}
    for (a, b), c in s.items():
        for (x, y), e in t.items():
            if a + b + x + y <= 2:
                out[(a + x, b + y)] = sp.expand(out.get((a + x, b + y), 0) + c * e)
    return out
den = w(0)
x = {key: val for key, val in den.items() if key != (0, 0)}
inv = {(0, 0): sp.Integer(1)}
for key, val in x.items():
    inv[key] = inv.get(key, 0) - val
for key, val in mul(x, x).items():
    inv[key] = sp.expand(inv.get(key, 0) + val)
ser = mul(w(${p}), inv)
out = {}
for a in range(3):
    for b in range(3 - a):
        c = sp.expand(ser.get((a, b), 0))
        out[f'{a},{b}'] = str(sp.Poly(c, D).all_coeffs()[::-1])
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const monomialKey = (m: string): string => {
  const a = /g4(\^(\d))?/.exec(m), b = /g6(\^(\d))?/.exec(m);
  return `${a ? Number(a[2] ?? 1) : 0},${b ? Number(b[2] ?? 1) : 0}`;
};

describe('⟨f·f⟩ and ⟨(f·f)²⟩ in zero dimensions, O(D)', () => {
  it('⟨f·f⟩ = D − 4D(D+2)λ − 6D(D+2)(D+4)κ + O(g²), every coefficient through second order equals sympy', () => {
    const want = radialSeries(1);
    const got = vectorZeroDimensionalSeries(feynmanDiagrams({ points: 2, couplings: [4, 6], order: 2 }));
    expect(polyToString(got.get('g4')!)).toBe('-4D^2 - 8D');
    for (const [mono, poly] of got) {
      const coeffs = JSON.parse(want[monomialKey(mono)]!.replace(/(-?\d+)\/(\d+)/g, '"$1/$2"')) as (number | string)[];
      expect(poly.map((c) => c.toString()), mono).toEqual(coeffs.map((c) => String(c)).slice(0, Math.max(poly.length, 1)));
      expect(coeffs.slice(poly.length).every((c) => Number(c) === 0)).toBe(true);
    }
    expect(got.size).toBe(6); // 1, g4, g6, g4², g4g6, g6²
  });

  it('⟨(f·f)²⟩ (four points contracted in pairs) through first order equals sympy', () => {
    const want = radialSeries(2);
    const got = vectorZeroDimensionalSeries(feynmanDiagrams({ points: 4, couplings: [4, 6], order: 1 }));
    for (const [mono, poly] of got) {
      const coeffs = JSON.parse(want[monomialKey(mono)]!) as number[];
      expect(poly.map((c) => c.toNumber()), mono).toEqual(coeffs.slice(0, poly.length));
    }
  });

  it('D = 1 reduces to the scalar theory: −12λ in ⟨x²⟩, −96λ in ⟨x⁴⟩', () => {
    for (const p of [2, 4]) {
      const r = feynmanDiagrams({ points: p, couplings: [4, 6], order: 2 });
      const scalar = zeroDimensionalSeries(r);
      const vector = vectorZeroDimensionalSeries(r);
      for (const [mono, c] of scalar) expect(polyValue(vector.get(mono)!, 1)).toBeCloseTo(c.toNumber(), 9);
    }
    expect(zeroDimensionalSeries(feynmanDiagrams({ points: 2, couplings: [4], order: 1 })).get('g4')!.toString()).toBe('-12');
  });

  it('index structures: propagator δ_{i1i2}; the four-point vertex T = (δδ + δδ + δδ)/3; odd vertices refused', () => {
    const g4 = feynmanDiagrams({ points: 4, couplings: [4], order: 1 }).diagrams.find((d) => d.order === 1 && d.connected)!;
    const t = indexStructure(g4);
    expect(t.map((x) => [x.pairing, polyToString(x.coefficient)])).toEqual([[[[0, 1], [2, 3]], '1/3'], [[[0, 2], [1, 3]], '1/3'], [[[0, 3], [1, 2]], '1/3']]);
    const d3 = feynmanDiagrams({ points: 1, couplings: [3], order: 1 }).diagrams.find((d) => d.order === 1)!;
    expect(() => indexStructure(d3)).toThrow(NnftInputError);
  });

  it('nnft diagrams --vector --space zero prints the series in D', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'diagrams', '--points', '2', '--couplings', '4', '--order', '1', '--vector', '--space', 'zero', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).vectorSeries).toEqual({ '1': 'D', g4: '-4D^2 - 8D' });
  });
});
