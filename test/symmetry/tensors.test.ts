import { describe, expect, it } from 'vitest';
import { nngpCorrelatorTensor, wickContractions } from '../../diagrams/index.ts';
import { NnftInputError } from '../../src/errors.ts';
import { expSO, haarSO } from '../../src/symmetry/groups.ts';
import { matmul, transpose } from '../../src/symmetry/linalg.ts';
import { Rng } from '../../src/symmetry/rng.ts';
import { eq45Bound, fullToUnique, multisetCount, multisets, rotateOutputIndices, uniqueToFull, wickCorrelator } from '../../src/symmetry/tensors.ts';

/** NNGP kernel of a few inputs (any positive-definite Gram matrix will do) */
function gram(points: number): number[][] {
  const xs = Array.from({ length: points }, (_, a) => [Math.cos(a + 0.3), Math.sin(1.7 * a), 0.5 + 0.1 * a]);
  return xs.map((x) => xs.map((y) => 0.1 + Math.exp(-0.5 * x.reduce((s, v, k) => s + (v - y[k]!) ** 2, 0))));
}

describe('correlator tensors', () => {
  it('rotating both indices of a 2-tensor is R G Rᵀ; with m inputs only output indices rotate', () => {
    const R = haarSO(3, new Rng(1)).real;
    const G = Array.from({ length: 9 }, (_, i) => Math.sin(i + 1));
    const Gm = [0, 1, 2].map((i) => [0, 1, 2].map((j) => G[3 * i + j]!));
    const ref = matmul(matmul(R, Gm), transpose(R)).flat();
    const out = rotateOutputIndices(G, R, 2);
    ref.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 14));
    // m = 2 inputs: G over combined index (α, i); block (α, β) transforms as R G_αβ Rᵀ
    const P = 6;
    const G2 = Array.from({ length: P * P }, (_, i) => Math.cos(0.3 * i));
    const out2 = rotateOutputIndices(G2, R, 2, 2);
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const blk = [0, 1, 2].map((i) => [0, 1, 2].map((j) => G2[(a * 3 + i) * P + b * 3 + j]!));
      const rb = matmul(matmul(R, blk), transpose(R));
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(out2[(a * 3 + i) * P + b * 3 + j]).toBeCloseTo(rb[i]![j]!, 14);
    }
  });

  it('multisets and the unique ↔ full maps are consistent', () => {
    expect(multisetCount(6, 4)).toBe(126);
    expect(multisets(6, 4).length / 4).toBe(126);
    const map = fullToUnique(3, 3);
    const full = uniqueToFull(Array.from({ length: multisetCount(3, 3) }, (_, u) => u), 3, 3, map);
    // symmetric: G[0,1,2] = G[2,0,1]
    expect(full[0 * 9 + 1 * 3 + 2]).toBe(full[2 * 9 + 0 * 3 + 1]);
    expect(new Set(full).size).toBe(10);
  });

  it('GP limit: Wick correlators δ_ij K (diagrams/) are SO(D) invariant to rounding, n = 2, 4, 6', () => {
    const rng = new Rng(5);
    for (const D of [3, 5]) {
      for (const n of [2, 4, 6]) {
        if (D === 5 && n === 6) continue; // 5^6 entries: fine but slow-ish; D = 3 covers n = 6
        const K = gram(n);
        const G = nngpCorrelatorTensor(K, D); // diagram issue: Σ_P Π δ K
        // cross-check against this module's own Wick sum over diagrams/ wickContractions
        const mine = wickCorrelator(K, Array.from({ length: n }, (_, a) => a), D, wickContractions(n / 2));
        let scale = 0;
        for (let i = 0; i < G.length; i++) {
          expect(Math.abs(G[i]! - mine[i]!)).toBeLessThan(1e-14 * (1 + Math.abs(G[i]!)));
          scale = Math.max(scale, Math.abs(G[i]!));
        }
        for (const g of [haarSO(D, rng), expSO(D, rng)]) {
          const Gp = rotateOutputIndices(G, g.real, n);
          let M = 0;
          for (let i = 0; i < G.length; i++) M = Math.max(M, Math.abs(Gp[i]! - G[i]!));
          // rounding: each entry is a sum of D^n products of n R's and a G entry
          expect(M).toBeLessThan(50 * Number.EPSILON * scale * D ** (n / 2));
        }
      }
    }
  });

  it('eq. 45: with R = I and δR = 0 the bound is δG; δR adds the element term', () => {
    const G = Float64Array.from({ length: 9 }, (_, i) => i - 4);
    const dG = Float64Array.from({ length: 9 }, () => 0.1);
    const I = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    eq45Bound(G, dG, I, 0, 2).forEach((v) => expect(v).toBeCloseTo(0.1, 15));
    const b = eq45Bound(G, new Float64Array(9), I, 1e-3, 2);
    // slot t's matrix replaced by δR·1: |Σ_p δR |G_{p j}|| summed in quadrature over the 2 slots
    expect(b[0]).toBeCloseTo(Math.sqrt((1e-3 * (4 + 1 + 2)) ** 2 + (1e-3 * (4 + 3 + 2)) ** 2), 15);
  });

  it('dimension mismatch → NnftInputError', () => {
    const R = haarSO(3, new Rng(1)).real;
    expect(() => rotateOutputIndices(new Float64Array(16), R, 2)).toThrow(NnftInputError);
    expect(() => rotateOutputIndices(new Float64Array(27), R, 2)).toThrow(/must have the dimension/);
    expect(() => multisets(3, 0)).toThrow(NnftInputError);
  });
});

describe('mean NTK transformations', () => {
  it('Θ ↦ R Θ Rᵀ leaves δ_ij Θ invariant and moves a non-isotropic Θ', async () => {
    const { rotateNtk } = await import('../../src/symmetry/tensors.ts');
    const R = haarSO(3, new Rng(4)).real;
    const iso = [[2, 0, 0], [0, 2, 0], [0, 0, 2]];
    const out = rotateNtk(iso, R);
    out.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(iso[i]![j]!, 14)));
    const aniso = [[3, 0, 0], [0, 2, 0], [0, 0, 2]];
    const out2 = rotateNtk(aniso, R);
    expect(Math.max(...out2.flatMap((r, i) => r.map((v, j) => Math.abs(v - aniso[i]![j]!))))).toBeGreaterThan(1e-3);
    expect(() => rotateNtk([[1, 0], [0, 1]], R)).toThrow(NnftInputError);
  });
});
