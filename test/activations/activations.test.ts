import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { activationNames, getActivation, MAX_SMOOTH_ORDER } from '../../src/activations/index.ts';
import { erf, erfc, normCdf } from '../../src/activations/erf.ts';
import { compile, derivative, parseExpression } from '../../src/activations/symbolic.ts';
import { NnftInputError } from '../../src/errors.ts';

/** Richardson-extrapolated central difference of f at z (error O(h^6)). */
function richardson(f: (z: number) => number, z: number, h = 0.02): number {
  const D = (hh: number) => (f(z + hh) - f(z - hh)) / (2 * hh);
  const r1 = (4 * D(h / 2) - D(h)) / 3;
  const r2 = (4 * D(h / 4) - D(h / 2)) / 3;
  return (16 * r2 - r1) / 15;
}

const SMOOTH = ['linear', 'tanh', 'erf', 'gelu', 'silu', 'sigmoid', 'softplus', 'sin', 'gauss', 'gauss(0.5)', 'z/(1+exp(-z))', 'z*tanh(log(1+exp(z)))', 'sinh(z)/(1+z^2)', 'erf(z/2)*cos(z)'];

describe('registry', () => {
  it('has every required name', () => {
    for (const n of ['relu', 'leaky_relu', 'linear', 'tanh', 'erf', 'gelu', 'silu', 'sigmoid', 'softplus', 'sin', 'gauss']) {
      expect(activationNames).toContain(n);
      expect(getActivation(n).name).toBe(n);
    }
  });
  it('caches by canonical name and parses parameters', () => {
    expect(getActivation('tanh')).toBe(getActivation('tanh'));
    const a = getActivation('leaky_relu(0.1)');
    expect(a).toBe(getActivation({ name: 'leaky_relu', params: { slope: 0.1 } }));
    expect(a.name).toBe('leaky_relu(0.1)');
    expect(a.pl).toEqual({ slopeNeg: 0.1, slopePos: 1 });
    expect(getActivation('leaky_relu').pl).toEqual({ slopeNeg: 0.01, slopePos: 1 });
    expect(getActivation('relu').pl).toEqual({ slopeNeg: 0, slopePos: 1 });
    expect(getActivation('z/(1+exp(-z))')).toBe(getActivation('z / (1 + exp(-z))'));
    expect(getActivation({ name: 'tanh' })).toBe(getActivation('tanh'));
  });
  it('kinds and values', () => {
    expect(getActivation('relu').kind).toBe('piecewise-linear');
    expect(getActivation('linear').kind).toBe('smooth');
    const z = 0.731;
    const Phi = 0.5 * (1 + erf(z / Math.SQRT2));
    const ref: Record<string, number> = {
      relu: z, linear: z, tanh: Math.tanh(z), erf: erf(z), gelu: z * Phi, silu: z / (1 + Math.exp(-z)),
      sigmoid: 1 / (1 + Math.exp(-z)), softplus: Math.log(1 + Math.exp(z)), sin: Math.sin(z), gauss: Math.exp(z),
    };
    for (const [n, v] of Object.entries(ref)) expect(Math.abs(getActivation(n).f(z) - v)).toBeLessThan(1e-15);
    expect(getActivation('relu').f(-2) + 0).toBe(0);
    expect(getActivation('leaky_relu(0.1)').f(-2)).toBeCloseTo(-0.2, 15);
    expect(getActivation('gauss(0.5)').f(z)).toBeCloseTo(Math.exp(z - 0.5), 15);
    // overflow-free forms
    expect(Math.abs(getActivation('sigmoid').derivative(3)(-800))).toBeLessThan(1e-300);
    expect(Number.isFinite(getActivation('silu').derivative(4)(-900))).toBe(true);
    expect(getActivation('softplus').f(800)).toBe(800);
  });
  it('rejects bad specs with NnftInputError', () => {
    expect(() => getActivation('nonsense')).toThrow(NnftInputError);
    expect(() => getActivation('q*z')).toThrow(/unknown activation or symbol 'q'/);
    expect(() => getActivation('tanh(')).toThrow(NnftInputError);
    expect(() => getActivation('')).toThrow(NnftInputError);
    expect(() => getActivation({ name: 'leaky_relu', params: { alpha: 2 } })).toThrow(/no parameter 'alpha'/);
    expect(() => getActivation('leaky_relu(x)')).toThrow(NnftInputError);
    expect(() => getActivation('abs(z)')).toThrow(NnftInputError);
    expect(() => getActivation(42 as unknown as string)).toThrow(NnftInputError);
  });
  it('derivative orders: too high or distributional → NnftInputError', () => {
    expect(() => getActivation('tanh').derivative(MAX_SMOOTH_ORDER + 1)).toThrow(NnftInputError);
    expect(() => getActivation('tanh').derivative(-1)).toThrow(NnftInputError);
    expect(() => getActivation('relu').derivative(2)).toThrow(/distribution/);
    expect(getActivation('relu').derivative(1)(0)).toBe(0.5);
    expect(getActivation('leaky_relu(0.2)').derivative(1)(-1)).toBe(0.2);
    expect(getActivation('tanh').maxOrder).toBeGreaterThanOrEqual(6);
  });
});

describe('exact derivatives', () => {
  for (const name of SMOOTH) {
    it(`${name}: σ^(k) = d/dz σ^(k−1) for k = 1..8 (Richardson finite differences, random points)`, () => {
      const act = getActivation(name);
      fc.assert(
        fc.property(fc.double({ min: -4, max: 4, noNaN: true }), (z) => {
          for (let k = 1; k <= 8; k++) {
            const exact = act.derivative(k)(z);
            const fd = richardson(act.derivative(k - 1), z);
            const scale = Math.max(1, Math.abs(exact), Math.abs(act.derivative(k - 1)(z)));
            if (!(Math.abs(exact - fd) <= 2e-7 * scale)) {
              throw new Error(`${name} k=${k} z=${z}: exact ${exact} vs finite difference ${fd}`);
            }
          }
        }),
        { numRuns: 40, seed: 7 },
      );
    });
  }
  it('closed-form first derivatives', () => {
    const z = [-2.3, -0.4, 0, 0.9, 3.1];
    for (const x of z) {
      const t = Math.tanh(x);
      expect(getActivation('tanh').derivative(1)(x)).toBeCloseTo(1 - t * t, 14);
      expect(getActivation('tanh').derivative(2)(x)).toBeCloseTo(-2 * t * (1 - t * t), 14);
      expect(getActivation('erf').derivative(1)(x)).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), 14);
      expect(getActivation('erf').derivative(3)(x)).toBeCloseTo((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * (4 * x * x - 2), 13);
      const phi = Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
      expect(getActivation('gelu').derivative(1)(x)).toBeCloseTo(normCdf(x) + x * phi, 14);
      expect(getActivation('gelu').derivative(2)(x)).toBeCloseTo(2 * phi - x * x * phi, 14);
      const s = 1 / (1 + Math.exp(-x));
      expect(getActivation('sigmoid').derivative(1)(x)).toBeCloseTo(s * (1 - s), 14);
      expect(getActivation('softplus').derivative(1)(x)).toBeCloseTo(s, 14);
      expect(getActivation('silu').derivative(1)(x)).toBeCloseTo(s + x * s * (1 - s), 14);
      expect(getActivation('sin').derivative(6)(x)).toBeCloseTo(-Math.sin(x), 14);
      expect(getActivation('gauss(0.3)').derivative(5)(x)).toBeCloseTo(Math.exp(x - 0.3), 13);
    }
  });
  it('symbolic engine: erf chain rule, powers, quotients', () => {
    const e = parseExpression('erf(z^2) / (2 + sin(z))');
    const d = compile(derivative(e));
    for (const x of [-1.2, 0.3, 2.2]) {
      const ex = ((2 / Math.sqrt(Math.PI)) * Math.exp(-(x ** 4)) * 2 * x * (2 + Math.sin(x)) - erf(x * x) * Math.cos(x)) / (2 + Math.sin(x)) ** 2;
      expect(d(x)).toBeCloseTo(ex, 14);
    }
    const p = compile(derivative(parseExpression('(1+z^2)^(z/3)')));
    const f = (x: number) => (1 + x * x) ** (x / 3);
    expect(p(0.7)).toBeCloseTo(f(0.7) * (Math.log(1 + 0.49) / 3 + (0.7 / 3) * (1.4 / 1.49)), 13);
  });
});

describe('erf', () => {
  // reference values (Abramowitz & Stegun / high-precision tables)
  const table: [number, number][] = [
    [1e-8, 1.1283791670955126e-8], [0.05, 0.056371977797016615], [0.1, 0.1124629160182849], [0.3, 0.32862675945912745],
    [0.5, 0.5204998778130465], [0.8, 0.7421009647076605], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
    [2, 0.9953222650189527], [2.5, 0.9995930479825550], [3, 0.9999779095030014], [3.5, 0.9999992569016276],
    [4.5, 0.9999999998033839], [6, 1],
  ];
  it('matches tables to 1e-15 relative, odd symmetry', () => {
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v) / v).toBeLessThan(1.5e-15);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(erf(0)).toBe(0);
  });
  it('erfc keeps relative accuracy in the tail', () => {
    const tail: [number, number][] = [[0.5, 0.4795001221869535], [1, 0.15729920705028513], [2, 0.004677734981047266], [3, 2.209049699858544e-5], [5, 1.5374597944280349e-12], [10, 2.088487583762545e-45], [20, 5.395865611607901e-176]];
    for (const [x, v] of tail) expect(Math.abs(erfc(x) - v) / v).toBeLessThan(2e-15);
    for (const x of [-3, -1, 0.2]) expect(Math.abs(erfc(x) - (1 - erf(x)))).toBeLessThan(1e-15);
  });
  it('is consistent with its derivative and series at random points', () => {
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), (x) => {
        const d = richardson(erf, x, 0.01);
        return Math.abs(d - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x)) < 1e-10;
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('jet tabulators (all orders in one compiled pass, used by the quadrature tables)', () => {
  it('jet(k) reproduces σ^(q) for q ≤ k at random points, every smooth activation', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SMOOTH), fc.integer({ min: 0, max: 8 }), fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: 20 }), (name, kmax, zs) => {
        const act = getActivation(name);
        const z = Float64Array.from(zs);
        const out = Array.from({ length: kmax + 1 }, () => new Float64Array(z.length));
        act.jet!(kmax)(z, out);
        for (let q = 0; q <= kmax; q++) {
          const f = act.derivative(q);
          z.forEach((x, p) => {
            // the same expression tree evaluated in the same order: equal up to the last bit in practice;
            // 1e-14 relative leaves room for an engine that contracts a multiply-add
            expect(Math.abs(out[q]![p]! - f(x))).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(f(x))));
          });
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });
  it('rejects an order outside 0..maxOrder', () => {
    expect(() => getActivation('tanh').jet!(MAX_SMOOTH_ORDER + 1)).toThrow(NnftInputError);
    expect(() => getActivation('tanh').jet!(-1)).toThrow(NnftInputError);
  });
});
