/**
 * The ingredients of the original forms (recursions/quantities/blocks.ts header: the 1/n rule (i), the two-neuron
 * rule (ii) and the NTK conditional-mean rules (iii)) reproduce the definitions of docs/conventions.md they stand for —
 * derived by the engine itself: contracting each rule with the z's of the defining cumulant and integrating
 * by parts must give back exactly the defining tensor.
 */
import { describe, expect, it } from 'vitest';
import { E, add, expression, expressionsEqual, mul, num, simplify, tensor, toText, z } from '../../src/symbolic/index.ts';
import { H2, H4, raised } from '../../recursions/quantities/blocks.ts';

const ABCD = ['a', 'b', 'c', 'd'];

describe('the original-form rules reproduce the §3 cumulants', () => {
  it('(i) one neuron under the quartic action: ⟨z_a z_b⟩ shifts by K¹_ab, the connected ⟨zzzz⟩ is V_(ab)(cd) + V_(ac)(bd) + V_(ad)(bc)', () => {
    const two = expression(['a', 'b'], add(mul(num(1, 2), raised('K1', ['p', 'q'], []), E(mul(z('a'), z('b'), H2('p', 'q')))), mul(num(1, 8), raised('V', ['p1', 'p2', 'p3', 'p4'], []), E(mul(z('a'), z('b'), H4(['p1', 'p2', 'p3', 'p4']))))));
    expect(toText(simplify(two))).toBe('K1[a, b]');
    const four = expression(ABCD, mul(num(1, 8), raised('V', ['p1', 'p2', 'p3', 'p4'], []), E(mul(z('a'), z('b'), z('c'), z('d'), H4(['p1', 'p2', 'p3', 'p4'])))));
    expect(expressionsEqual(four, expression(ABCD, add(tensor('V', 'a', 'b', 'c', 'd'), tensor('V', 'a', 'c', 'b', 'd'), tensor('V', 'a', 'd', 'b', 'c'))))).toBe(true);
  });

  it('(ii) two neurons: Cov(z_j,a z_j,b, z_k,c z_k,d) = V_(ab)(cd)', () => {
    const e = expression(ABCD, mul(num(1, 4), raised('V', ['p1', 'p2', 'p3', 'p4'], []), E(mul(z('a'), z('b'), H2('p1', 'p2'))), E(mul(z('c'), z('d'), H2('p3', 'p4')))));
    expect(toText(simplify(e))).toBe('V[a, b, c, d]');
  });

  it('(iii) NTK–preactivation: E[ΔΘ̂_jj;ab z_j,c z_j,d] = D_abcd + F_acbd + F_adbc, E[ΔΘ̂_jj;ab z_k,c z_k,d] = D_abcd, E[Θ̂_j1j2;ac z_j1,b z_j2,d] = F_abcd', () => {
    const X = add(raised('D', [null, null, 'p', 'q'], ['a', 'b']), raised('F', [null, 'p', null, 'q'], ['a', '', 'b', '']), raised('F', [null, 'q', null, 'p'], ['a', '', 'b', '']));
    const same = expression(ABCD, mul(num(1, 2), X, E(mul(z('c'), z('d'), H2('p', 'q')))));
    expect(expressionsEqual(same, expression(ABCD, add(tensor('D', 'a', 'b', 'c', 'd'), tensor('F', 'a', 'c', 'b', 'd'), tensor('F', 'a', 'd', 'b', 'c'))))).toBe(true);
    const cross = expression(ABCD, mul(num(1, 2), raised('D', [null, null, 'p', 'q'], ['a', 'b']), E(mul(z('c'), z('d'), H2('p', 'q')))));
    expect(toText(simplify(cross))).toBe('D[a, b, c, d]');
    const off = expression(ABCD, mul(raised('F', [null, 'p', null, 'q'], ['a', '', 'c', '']), E(mul(z('b'), z('p'))), E(mul(z('d'), z('q')))));
    expect(toText(simplify(off))).toBe('F[a, b, c, d]');
  });

  it('the Hermite subtraction is what removes the K⁻¹ terms: without it ⟨σσ zz⟩ keeps K^{..}', () => {
    const withH = expression(['a', 'b'], mul(raised('K1', ['p', 'q'], []), E(mul(z('a'), z('b'), H2('p', 'q')))));
    const without = expression(['a', 'b'], mul(raised('K1', ['p', 'q'], []), E(mul(z('a'), z('b'), z('p'), z('q')))));
    expect(toText(simplify(withH))).toBe('2*K1[a, b]');
    expect(toText(simplify(without))).toContain('Kinv[d1, d2]');
  });
});
