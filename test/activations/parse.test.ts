// The hand-written expression parser (src/activations/parse.ts) must read expressions exactly as mathjs
// does (precedence of unary minus and ^, right-associative ^, implicit multiplication): mathjs is the oracle.
import { describe, expect, it } from 'vitest';
import { evaluate } from 'mathjs';
import { getActivation } from '../../src/activations/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const EXPRS = ['-z^2', '2z', '2(z+1)', 'z/(1+exp(-z))', '-z^2^0.5*3', 'z^-2+1', '1e-2*z - 3/z/2', 'exp(-z^2/2)*sin(2*pi*z)', 'erf(z/2)*cos(z)', '-(z-1)^3/(2+z^2)', 'tanh(z)^2 - e^-z'];

describe('activation expression parser', () => {
  it('evaluates like mathjs', () => {
    for (const e of EXPRS) {
      const a = getActivation(e);
      // z > 0 only: z^(2^0.5) is complex for z < 0
      for (const z of [0.05, 0.3, 1.7, 2.9]) {
        const ref = evaluate(e, { z }) as number;
        expect(Math.abs(a.f(z) - ref)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(ref)));
      }
    }
  });
  it('canonical name ignores whitespace only', () => {
    expect(getActivation(' z / (1 + exp(-z)) ').name).toBe('z/(1+exp(-z))');
  });
  it('rejects bad syntax with a clear error', () => {
    for (const bad of ['z+', 'z $ 2', '(z', 'z)', 'y*z', 'foo(z)']) {
      expect(() => getActivation(bad)).toThrow(NnftInputError);
    }
  });
});
