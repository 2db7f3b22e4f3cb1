/**
 * The text format reads back: print → parse → print is the identity on every derived recursion (both
 * forms), user expressions integrate by parts, and malformed or unpaired input is a clear NnftInputError.
 */
import { describe, expect, it } from 'vitest';
import { collect, deriveRecursion, parseExpression, simplify, toText } from '../../src/symbolic/index.ts';
import { QUANTITY_NAMES } from '../../src/quantities.ts';
import { NnftInputError } from '../../src/errors.ts';

describe('parseExpression', () => {
  it('round-trips every derived recursion (expanded and grouped forms)', () => {
    for (const n of QUANTITY_NAMES) {
      const d = deriveRecursion(n);
      for (const e of [d.expression, d.grouped]) {
        const text = toText(e);
        expect(toText(collect(parseExpression(text, e.externals)))).toBe(text);
      }
    }
  });

  it('integrates user input by parts: ⟨σσ(zz − K)⟩ = K K ⟨∂∂(σσ)⟩', () => {
    const e = parseExpression('GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2]) - GaussExpec(sig(z[a1])*sig(z[a2]))*K[b1, b2]');
    expect(e.externals).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(toText(simplify(e, 'grouped'))).toBe('GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))*K[b1, d1]*K[b2, d2]');
    expect(simplify(e).terms.length).toBe(4);
    // K⁻¹ contraction from text
    const raised = parseExpression('Kinv[b1, d1]*Kinv[b2, d2]*K1[d1, d2]*GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2])', ['a1', 'a2']);
    expect(toText(simplify(raised, 'grouped'))).toBe(
      'GaussExpec(sig(z[a1])*sig(z[a2]))*K1[d1, d2]*Kinv[d1, d2] + GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))*K1[d1, d2]',
    );
  });

  it('rejects malformed and unpaired input', () => {
    expect(() => parseExpression('GaussExpec(sig(z[a1])*z[d1])')).toThrow(/index 'd1' is unpaired/);
    expect(() => parseExpression('GaussExpec(sig(z[a1])')).toThrow(NnftInputError);
    expect(() => parseExpression('sig(z[a1])')).toThrow(/outside GaussExpec/);
    expect(() => parseExpression('W7[a1, a2]')).toThrow(/unknown name 'W7'/);
    expect(() => parseExpression('V[a1, a2]')).toThrow(/4 index slots/);
    expect(() => parseExpression('GaussExpec(sig(z[a1]))*K[a1, a2] $')).toThrow(/unexpected character/);
  });
});
