/**
 * The flat store of the exact group sums (FlatGroupSums) holds the same Shewchuk partials as fsumAdd on a list,
 * including statistics whose partials outgrow the inline slots, so every result is the same bit for bit; and the
 * n-point monomials computed as prefix × label equal the left-to-right products.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlatGroupSums, fsumAdd, fsumValue, groupSums, newGroupState, addBlock } from '../../src/montecarlo/accum.ts';
import { prefixProductTable } from '../../src/montecarlo/plan.ts';

/** Doubles over 600 binades, both signs, and exact zeros: sums that need many partials. */
const wideDouble = fc.oneof(
  fc.constant(0),
  fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: -300, max: 300 })).map(([m, e]) => m * 2 ** e),
);

describe('FlatGroupSums', () => {
  it('holds the partials fsumAdd holds, group by group, through the overflow to lists', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.array(wideDouble, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 40 }), (G, S0, blocks) => {
        const S = Math.min(S0, 5);
        const flat = new FlatGroupSums(G, S);
        const ref = newGroupState(G, S);
        blocks.forEach((row, b) => {
          const sums = Float64Array.from(row.slice(0, S));
          flat.addBlock(b % G, sums, 3);
          addBlock(ref, b % G, sums, 3);
        });
        const got = flat.toGroupState();
        expect(got.counts).toEqual(ref.counts);
        expect(got.partials).toEqual(ref.partials);
        const a = groupSums(got), r = groupSums(ref);
        expect(Array.from(a.total)).toEqual(Array.from(r.total));
      }),
      { numRuns: 300 },
    );
  });

  it('overflows past its inline slots and stays exact: 1e100 + 1 + 1e-100 − 1e100 = 1 + 1e-100', () => {
    const flat = new FlatGroupSums(1, 1);
    const p: number[] = [];
    for (const x of [1e100, 1, 1e-100, 1e-200, -1e100]) {
      flat.add(0, 0, x);
      fsumAdd(p, x);
    }
    expect(flat.partialsOf(0, 0)).toEqual(p);
    expect(flat.value(0, 0)).toBe(fsumValue(p));
    expect(flat.value(0, 0)).toBe(1 + 1e-100);
  });
});

describe('prefixProductTable', () => {
  it('prefix × label equals the left-to-right product, bit for bit', () => {
    const mons = [[0], [1], [2], [0, 0], [0, 1], [1, 2], [0, 0, 1], [0, 1, 2], [0, 0, 1, 2], [0, 0, 1, 2, 2], [0, 0, 1, 2, 2, 2]];
    const t = prefixProductTable(mons)!;
    expect(t).not.toBeNull();
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 3, maxLength: 3 }), (phi) => {
        const out = new Float64Array(mons.length);
        for (let q = 0; q < mons.length; q++) out[q] = (t.prefix[q]! < 0 ? 1 : out[t.prefix[q]!]!) * phi[t.last[q]!]!;
        mons.forEach((mon, q) => {
          let v = 1;
          for (const l of mon) v *= phi[l]!;
          expect(Object.is(out[q], v)).toBe(true);
        });
      }),
    );
  });

  it('is null when a prefix is missing or listed after its monomial', () => {
    expect(prefixProductTable([[0], [0, 1, 1]])).toBeNull();
    expect(prefixProductTable([[0], [0, 0, 1], [0, 0]])).toBeNull();
  });
});
