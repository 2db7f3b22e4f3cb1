/**
 * The finite groups of group-convolutional networks: group axioms (associativity, identity, inverses) from the
 * implemented product, the action on X is a left action ((gh)·x = g·(h·x), e·x = x) by permutations, and
 * ρ(g)f(x) = f(g⁻¹x) is a representation. Supports: sizes and membership.
 */
import { describe, expect, it } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';
import { groupSupport, liftingSupport, parseGroup, parseSupport, transformSignal } from '../../src/gcnn/groups.ts';

describe('finite groups', () => {
  for (const name of ['C1', 'C5', 'C8', 'p4:3']) {
    it(`${name}: axioms and a faithful left action by permutations`, () => {
      const G = parseGroup(name);
      const n = G.order;
      for (let g = 0; g < n; g++) {
        expect(G.mul(0, g)).toBe(g);
        expect(G.mul(g, 0)).toBe(g);
        expect(G.mul(g, G.inv(g))).toBe(0);
        expect(G.mul(G.inv(g), g)).toBe(0);
        for (let h = 0; h < n; h++) for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 7))) expect(G.mul(G.mul(g, h), k)).toBe(G.mul(g, G.mul(h, k)));
        const image = new Set<number>();
        for (let x = 0; x < G.spaceSize; x++) {
          image.add(G.act(g, x));
          for (let h = 0; h < n; h += Math.max(1, Math.floor(n / 9))) expect(G.act(G.mul(g, h), x)).toBe(G.act(g, G.act(h, x)));
        }
        expect(image.size).toBe(G.spaceSize);
      }
      // faithful: only e fixes every point
      for (let g = 1; g < n; g++) expect(Array.from({ length: G.spaceSize }, (_, x) => G.act(g, x) === x).every(Boolean)).toBe(false);
    });
  }

  it('p4:4: |G| = 64, rotation by 90° maps (1, 0) to (0, 1), four rotations give the identity', () => {
    const G = parseGroup('p4:4');
    expect(G.order).toBe(64);
    const r = 16; // r = 1, t = 0
    expect(G.act(r, 1 * 4 + 0)).toBe(0 * 4 + 1);
    expect(G.act(r, 0 * 4 + 1)).toBe(3 * 4 + 0); // (0, 1) ↦ (−1, 0)
    expect(G.mul(r, G.mul(r, G.mul(r, r)))).toBe(0);
    // non-abelian: a rotation and a translation do not commute
    expect(G.mul(r, 1)).not.toBe(G.mul(1, r));
  });

  it('ρ(g)ρ(h) = ρ(gh) on signals with channels', () => {
    for (const name of ['C6', 'p4:3']) {
      const G = parseGroup(name);
      const C0 = 2;
      const f = Float64Array.from({ length: G.spaceSize * C0 }, (_, i) => Math.sin(1 + 1.7 * i));
      for (let g = 0; g < G.order; g += 3) for (let h = 0; h < G.order; h += 5) {
        const a = transformSignal(G, g, transformSignal(G, h, f, C0), C0);
        const b = transformSignal(G, G.mul(g, h), f, C0);
        expect(Array.from(a)).toEqual(Array.from(b));
      }
    }
  });

  it('supports: global, local radius, wrap-around and clipping to the group', () => {
    const C8 = parseGroup('C8');
    expect(Array.from(liftingSupport(C8, parseSupport('global')))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(groupSupport(C8, parseSupport('local:1')))).toEqual([0, 1, 7]);
    expect(groupSupport(C8, parseSupport('local:4')).length).toBe(8); // −4 ≡ 4: the whole group
    expect(groupSupport(C8, parseSupport('local:9')).length).toBe(8);
    const P = parseGroup('p4:6');
    expect(liftingSupport(P, parseSupport('local:1')).length).toBe(9);
    expect(groupSupport(P, parseSupport('local:1')).length).toBe(36);
    expect(groupSupport(P, parseSupport('global')).length).toBe(144);
    expect(liftingSupport(P, parseSupport('local:0')).length).toBe(1);
  });

  it('bad names are input errors', () => {
    expect(() => parseGroup('D4')).toThrow(NnftInputError);
    expect(() => parseGroup('C0')).toThrow(NnftInputError);
    expect(() => parseGroup('p4:0')).toThrow(NnftInputError);
    expect(() => parseSupport('local')).toThrow(NnftInputError);
    expect(() => parseSupport('local:-1')).toThrow(NnftInputError);
  });
});
