/**
 * Finite-width tensors of group-convolutional networks (src/gcnn/finite.ts).
 *
 * 1. Constant signals: every (input, g) pair of a constant signal is the same random variable, and a network on
 *    constant signals is the MLP on the constant values (the |S| independent weights of a group convolution add
 *    up to one weight of variance C_W/n); all nine pooled tensors equal solveRecursions to 1e-12. This exercises
 *    the merging of duplicate pairs (without it ReLU's δ(z_a)δ(z_b) terms would be undefined).
 * 2. Positive multiples with ReLU and no biases: the tensors of (f, 2f) are those of f scaled by 2 per index
 *    (PDLT homogeneity), to 1e-12 — the pairs are merged with their scale, as the MLP solver does for collinear
 *    inputs; with λ_b ≠ 0 the NTK tensors are refused with an input error naming the fix.
 * 3. The 4-index support map shifts the slot pairs (1,2) and (3,4) by independent elements: checked against a
 *    direct evaluation of (1/|S|²) Σ_{k,k′} U_{α1k, α2k, α3k′, α4k′}.
 * 4. Resource refusal: finite-width tensors of p4 on 6×6 images with two inputs need (2·144)⁴ numbers each.
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { GCNN_QUANTITIES as ALL_QUANTITIES } from '../../src/gcnn/finite.ts';
import { NnftInputError, NnftResourceError } from '../../src/errors.ts';
import { solveGcnnRecursions } from '../../src/gcnn/solve.ts';
import { identityClasses, pairShift, supportAverage4 } from '../../src/gcnn/support-map.ts';
import { parseGroup, groupSupport, parseSupport } from '../../src/gcnn/groups.ts';
import { shiftTable } from '../../src/gcnn/architecture.ts';

function maxRel(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  const dev = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
  return scale > 0 ? dev / scale : dev;
}

describe('constant signals: the GCNN is the MLP on the constants', () => {
  for (const act of ['tanh', 'relu']) {
    it(`${act}, C4, local supports, all nine tensors`, () => {
      const arch = { activation: act, cb: 0.1, cw: 1.5, lambdaB: 0.3, lambdaW: 1.2 };
      const g = solveGcnnRecursions({ ...arch, group: 'C4', inputs: [[0.7, 0.7, 0.7, 0.7], [-0.4, -0.4, -0.4, -0.4]], channels: [5, 4, 6], support: ['local:1', 'local:1', 'global'], quantities: [...ALL_QUANTITIES] });
      const mlp = solveRecursions({ ...arch, inputs: [[0.7], [-0.4]], widths: [5, 4, 6], quantities: [...ALL_QUANTITIES] });
      mlp.layers.forEach((l, i) => {
        for (const q of ALL_QUANTITIES) {
          expect(maxRel((g.layers[i]![q] as unknown as number[]).flat(3) as number[], (l[q] as unknown as number[]).flat(3) as number[]), `${q} layer ${i + 1}`).toBeLessThanOrEqual(1e-12);
        }
      });
    });
  }
});

describe('positively homogeneous σ without biases: positive multiples', () => {
  it('relu, C_b = λ_b = 0: tensors of (f, 2f) = scaled tensors of f', () => {
    const f = [0.3, -0.2, 0.9, 0.5];
    const arch = { activation: 'relu', group: 'C4', channels: [4, 4, 4], support: ['local:1', 'local:1', 'global'], cb: 0, cw: 2, lambdaB: 0, lambdaW: 1, quantities: [...ALL_QUANTITIES] };
    const one = solveGcnnRecursions({ ...arch, inputs: [f] });
    const two = solveGcnnRecursions({ ...arch, inputs: [f, f.map((x) => 2 * x)] });
    const s = [1, 2];
    for (let l = 0; l < 3; l++) {
      for (const q of ALL_QUANTITIES) {
        const a = two.layers[l]![q] as unknown as number[][] | number[][][][];
        const b = one.layers[l]![q] as unknown as number[][] | number[][][][];
        const rank4 = Array.isArray((a as number[][][][])[0]![0]![0]);
        const got: number[] = [];
        const want: number[] = [];
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
          if (!rank4) {
            got.push((a as number[][])[i]![j]!);
            want.push(s[i]! * s[j]! * (b as number[][])[0]![0]!);
          } else {
            for (let k = 0; k < 2; k++) for (let m = 0; m < 2; m++) {
              got.push((a as number[][][][])[i]![j]![k]![m]!);
              want.push(s[i]! * s[j]! * s[k]! * s[m]! * (b as number[][][][])[0]![0]![0]![0]!);
            }
          }
        }
        expect(maxRel(got, want), `${q} layer ${l + 1}`).toBeLessThanOrEqual(1e-12);
      }
    }
    expect(() => solveGcnnRecursions({ ...arch, lambdaB: 0.5, inputs: [f, f.map((x) => 2 * x)] })).toThrow(NnftInputError);
  });
});

describe('shared expectations along right translations', () => {
  it('V4, K¹, D, F of a C4 network with a global lifting filter equal those computed without sharing (4-D quadrature tolerance 1e-10)', () => {
    const arch = { activation: 'tanh', group: 'C4', inputs: [[0.3, -0.2, 0.9, 0.5]], channels: [4, 4, 4], support: ['global', 'local:1', 'local:1'], cb: 0.1, cw: 1.5, quantities: ['V4', 'K1', 'D', 'F'] };
    const shared = solveGcnnRecursions(arch);
    const plain = solveGcnnRecursions(arch, { invariance: [0] });
    for (let l = 1; l < 3; l++) {
      for (const q of ['V4', 'K1', 'D', 'F'] as const) {
        expect(maxRel((shared.layers[l]![q] as unknown as number[]).flat(3) as number[], (plain.layers[l]![q] as unknown as number[]).flat(3) as number[]), `${q} layer ${l + 1}`).toBeLessThanOrEqual(1e-10);
      }
    }
  });
});

describe('the four-index support map', () => {
  it('shifts slots (1,2) and (3,4) by independent elements of the support (p4:3)', () => {
    const G = parseGroup('p4:3');
    const S = groupSupport(G, parseSupport('local:0')); // the four rotations
    const m = 1;
    const M = G.order;
    const U = Float64Array.from({ length: M ** 4 }, (_, i) => Math.sin(0.1 + 0.37 * i) + 0.01 * (i % 7));
    const shift = pairShift(m, G.order, shiftTable(G, S), S.length);
    const out = supportAverage4(U, identityClasses(M), shift, S.length);
    for (const [a, b, c, d] of [[0, 5, 7, 11], [3, 3, 20, 35], [35, 0, 1, 2]]) {
      let acc = 0;
      for (const k of S) for (const k2 of S) acc += U[((G.mul(a!, k) * M + G.mul(b!, k)) * M + G.mul(c!, k2)) * M + G.mul(d!, k2)]!;
      expect(Math.abs(out[((a! * M + b!) * M + c!) * M + d!]! - acc / S.length ** 2)).toBeLessThanOrEqual(1e-14);
    }
  });
});

describe('resource limits', () => {
  it('refuses pair-indexed four-index tensors that do not fit, with the sizes in the message', () => {
    const img = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => Math.sin(i + 2 * j)));
    let err: unknown;
    try {
      solveGcnnRecursions({ activation: 'tanh', group: 'p4:6', inputs: [img, img.map((r) => r.map((x) => -x))], channels: [8, 8], quantities: ['K', 'V4'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NnftResourceError);
    expect(String((err as Error).message)).toMatch(/288 pairs = 2 inputs × \|G\| = 144/);
  });
});
