import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  feynmanDiagrams,
  groupByTopology,
  diagramExpression,
  diagramLatex,
  diagramGraphJSON,
  diagramToGraph,
  relabelExternals,
  zeroDimensionalSeries,
  forEachWickContraction,
  Rational,
} from '../../diagrams/index.ts';
import type { Diagram } from '../../diagrams/index.ts';
import { NnftInputError } from '../../src/errors.ts';
import { zeroDimCumulantSeries, zeroDimMomentSeries } from './zero-dim.ts';

const sum = (ds: Diagram[]) => ds.reduce((s, d) => s.add(d.coefficient), Rational.ZERO).toString();
const pick = (ds: Diagram[], order: number, monomial: string) => ds.filter((d) => d.order === order && d.monomial === monomial);

function seriesEqual(a: Map<string, Rational>, b: Map<string, Rational>): { ok: boolean; text: string } {
  const clean = (m: Map<string, Rational>) => new Map([...m].filter(([, v]) => !v.isZero()));
  const A = clean(a);
  const B = clean(b);
  const ok = A.size === B.size && [...B].every(([k, v]) => A.get(k)?.equals(v));
  const show = (m: Map<string, Rational>) => [...m].map(([k, v]) => `${k}:${v}`).join(' ');
  return { ok, text: `diagrams: ${show(A)}\nexact:    ${show(B)}` };
}

describe('first-order coefficients (Maiti, Non-Perturbative Non-Lagrangian NN Field Theories, slides)', () => {
  it('G(2): −12λ (one diagram), −90κ', () => {
    const ds = feynmanDiagrams({ points: 2, couplings: [4, 6], order: 1 }).diagrams;
    expect(pick(ds, 0, '1').map((d) => d.coefficient.toString())).toEqual(['1']);
    expect(pick(ds, 1, 'g4').map((d) => d.coefficient.toString())).toEqual(['-12']);
    expect(pick(ds, 1, 'g6').map((d) => d.coefficient.toString())).toEqual(['-90']);
    expect(diagramExpression(pick(ds, 1, 'g4')[0]!)).toBe('-12*g4*∫dy K(x1,y)K(x2,y)K(y,y)');
  });

  it('G(4): −24λ connected, 6 tadpoles of −12λ (−72 by topology); −360κ connected, −540κ the rest', () => {
    const ds = feynmanDiagrams({ points: 4, couplings: [4, 6], order: 1 }).diagrams;
    const free = pick(ds, 0, '1');
    expect(free.length).toBe(3);
    expect(free.every((d) => d.coefficient.toString() === '1' && !d.connected)).toBe(true);
    const l = pick(ds, 1, 'g4');
    const lc = l.filter((d) => d.connected);
    expect(lc.map((d) => d.coefficient.toString())).toEqual(['-24']);
    expect(diagramExpression(lc[0]!)).toBe('-24*g4*∫dy K(x1,y)K(x2,y)K(x3,y)K(x4,y)');
    const tad = l.filter((d) => !d.connected);
    expect(tad.length).toBe(6);
    expect(tad.every((d) => d.coefficient.toString() === '-12')).toBe(true);
    const k = pick(ds, 1, 'g6');
    expect(k.filter((d) => d.connected).map((d) => d.coefficient.toString())).toEqual(['-360']);
    expect(sum(k.filter((d) => !d.connected))).toBe('-540');
    const topo = groupByTopology(ds);
    const byKey = Object.fromEntries(topo.map((t) => [`${t.monomial}|${t.connected}`, [t.coefficient.toString(), t.classes]]));
    expect(byKey).toEqual({ '1|false': ['3', 3], 'g4|true': ['-24', 1], 'g4|false': ['-72', 6], 'g6|true': ['-360', 1], 'g6|false': ['-540', 6] });
  });

  it('G(6): −720κ for the fully connected sextic vertex; −24λ on each of the 15 quartic-vertex × propagator terms', () => {
    const ds = feynmanDiagrams({ points: 6, couplings: [4, 6], order: 1 }).diagrams;
    const kc = pick(ds, 1, 'g6').filter((d) => d.connected);
    expect(kc.map((d) => d.coefficient.toString())).toEqual(['-720']);
    expect(diagramExpression(kc[0]!)).toBe('-720*g6*∫dy K(x1,y)K(x2,y)K(x3,y)K(x4,y)K(x5,y)K(x6,y)');
    const l4 = pick(ds, 1, 'g4').filter((d) => d.topology === 'K(x,x) v1:g4(x4)');
    expect(l4.length).toBe(15);
    expect(l4.every((d) => d.coefficient.toString() === '-24')).toBe(true);
    expect(pick(ds, 0, '1').length).toBe(15);
  });

  it('second order, G(2) with λ: sunset 96λ², double tadpoles 144λ² each', () => {
    const ds = pick(feynmanDiagrams({ points: 2, couplings: [4], order: 2 }).diagrams, 2, 'g4^2');
    const byExpr = Object.fromEntries(ds.map((d) => [diagramExpression(d), d.automorphisms]));
    expect(Object.keys(byExpr).sort()).toEqual([
      '144*g4^2*∫dy∫dz K(x1,y)K(x2,y)K(y,z)^2K(z,z)',
      '144*g4^2*∫dy∫dz K(x1,y)K(x2,z)K(y,y)K(y,z)K(z,z)',
      '96*g4^2*∫dy∫dz K(x1,y)K(x2,z)K(y,z)^3',
    ]);
  });

  it('coefficients with |Aut| > 1 and odd couplings stay exact', () => {
    // ⟨x⟩ with g3: −3 g3 at first order (tadpole); third order has symmetric trees
    const ds = feynmanDiagrams({ points: 1, couplings: [3], order: 3 }).diagrams;
    expect(pick(ds, 1, 'g3').map((d) => d.coefficient.toString())).toEqual(['-3']);
    expect(ds.some((d) => d.automorphisms > 1)).toBe(true);
  });
});

describe('zero-dimensional sum rule (exact rationals, independent Gaussian-moment reference)', () => {
  const cases: Array<{ couplings: number[]; order: number }> = [
    { couplings: [3, 4], order: 2 },
    { couplings: [4, 6], order: 2 },
    { couplings: [3, 4], order: 3 },
    { couplings: [4, 6], order: 3 },
  ];
  for (const { couplings, order } of cases) {
    it(`⟨x^p⟩, p = 1..6, couplings {${couplings}} to order ${order}`, () => {
      for (let p = 1; p <= 6; p++) {
        const exact = zeroDimMomentSeries(p, couplings, order);
        if (p % 2 === 1 && couplings.every((k) => k % 2 === 0)) {
          expect(exact.size).toBe(0);
          expect(() => feynmanDiagrams({ points: p, couplings, order })).toThrow(NnftInputError);
          continue;
        }
        const got = zeroDimensionalSeries(feynmanDiagrams({ points: p, couplings, order }));
        const { ok, text } = seriesEqual(got, exact);
        expect(ok, `p = ${p}\n${text}`).toBe(true);
      }
    });
  }

  it('known values: ⟨x²⟩ = 1 − 12λ − 90κ + …, ⟨x⁴⟩ = 3 − 96λ − 900κ + …', () => {
    const s2 = zeroDimensionalSeries(feynmanDiagrams({ points: 2, couplings: [4, 6], order: 1 }));
    expect(Object.fromEntries([...s2].map(([k, v]) => [k, v.toString()]))).toEqual({ '1': '1', g4: '-12', g6: '-90' });
    const s4 = zeroDimensionalSeries(feynmanDiagrams({ points: 4, couplings: [4, 6], order: 1 }));
    expect(Object.fromEntries([...s4].map(([k, v]) => [k, v.toString()]))).toEqual({ '1': '3', g4: '-96', g6: '-900' });
  });
});

describe('connected diagrams = cumulants (zero dimensions)', () => {
  for (const p of [4, 6] as const) {
    it(`G(${p}) connected part, couplings {4,6} to order 2, labelled classes and topologies`, () => {
      const ds = feynmanDiagrams({ points: p, couplings: [4, 6], order: 2 }).diagrams;
      const exact = zeroDimCumulantSeries(p, [4, 6], 2);
      const labelled = zeroDimensionalSeries(ds, (d) => d.connected);
      const r1 = seriesEqual(labelled, exact);
      expect(r1.ok, r1.text).toBe(true);
      const topo = new Map<string, Rational>();
      for (const t of groupByTopology(ds)) if (t.connected) topo.set(t.monomial, (topo.get(t.monomial) ?? Rational.ZERO).add(t.coefficient));
      const r2 = seriesEqual(topo, exact);
      expect(r2.ok, r2.text).toBe(true);
      if (p === 4) {
        expect(labelled.get('g4')?.toString()).toBe('-24');
        expect(labelled.get('g6')?.toString()).toBe('-360');
      }
    });
  }
});

describe('permutation invariance of external labels', () => {
  const cache = new Map<number, Diagram[]>();
  const get = (p: number) => {
    if (!cache.has(p)) cache.set(p, feynmanDiagrams({ points: p, couplings: [4, 6], order: 2 }).diagrams);
    return cache.get(p)!;
  };
  it('relabelling externals maps labelled classes onto labelled classes with equal coefficients; topology sums unchanged', () => {
    fc.assert(
      fc.property(fc.constantFrom(2, 4, 6), fc.integer({ min: 0, max: 1_000_000 }), (p, seed) => {
        const ds = get(p);
        // a permutation of 0..p−1 from the seed
        const perm = Array.from({ length: p }, (_, i) => i);
        let s = seed;
        for (let i = p - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2147483648;
          const j = s % (i + 1);
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        // index the classes by (monomial, canonical adjacency under internal relabelling)
        const canon = (m: Int32Array, d: Diagram) => {
          // find the class with the same monomial whose adjacency is equal up to internal vertex relabelling
          return ds.find((e) => e.monomial === d.monomial && sameUpToInternal(e, m));
        };
        const images = new Set<Diagram>();
        for (const d of ds) {
          const m = relabelExternals(d, perm);
          const image = canon(m, d);
          if (!image) return false;
          images.add(image);
          if (!image.coefficient.equals(d.coefficient) || image.topology !== d.topology || image.connected !== d.connected) return false;
        }
        return images.size === ds.length; // a bijection of the labelled classes
      }),
      { numRuns: 25 },
    );
  });
});

/** Is matrix m (same node layout as e) equal to e.adjacency after some degree-preserving internal relabelling? */
function sameUpToInternal(e: Diagram, m: Int32Array): boolean {
  const p = e.points;
  const N = e.order;
  const T = p + N;
  const perms: number[][] = [];
  const rec = (cur: number[], used: boolean[]) => {
    if (cur.length === N) {
      perms.push(cur.slice());
      return;
    }
    for (let v = 0; v < N; v++) {
      if (used[v] || e.vertexDegrees[v] !== e.vertexDegrees[cur.length]) continue;
      used[v] = true;
      cur.push(v);
      rec(cur, used);
      cur.pop();
      used[v] = false;
    }
  };
  rec([], new Array(N).fill(false));
  const map = (perm: number[], a: number) => (a < p ? a : p + perm[a - p]!);
  return perms.some((perm) => {
    for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) if (e.adjacency[map(perm, a) * T + map(perm, b)] !== m[a * T + b]) return false;
    return true;
  });
}

describe('outputs', () => {
  it('LaTeX, graph JSON, graphology', () => {
    const ds = feynmanDiagrams({ points: 2, couplings: [4], order: 1 }).diagrams;
    const d = ds[1]!;
    expect(diagramLatex(d)).toBe('-12\\,g_{4}\\,\\int dy\\,K(x_{1},y)K(x_{2},y)K(y,y)');
    const j = diagramGraphJSON(d);
    expect(j.nodes.map((n) => n.id)).toEqual(['x1', 'x2', 'y']);
    expect(j.edges).toEqual([
      { source: 'x1', target: 'y' },
      { source: 'x2', target: 'y' },
      { source: 'y', target: 'y' },
    ]);
    const g = diagramToGraph(d);
    expect(g.order).toBe(3);
    expect(g.size).toBe(3);
    expect(g.degree('y')).toBe(4); // a self-loop counts twice
  });
});

describe('bad input', () => {
  it('odd points without odd couplings, degree < 3, order < 0, non-integers', () => {
    expect(() => feynmanDiagrams({ points: 3, couplings: [4, 6], order: 1 })).toThrow(/odd/);
    expect(() => feynmanDiagrams({ points: 3, couplings: [3, 4], order: 1 })).not.toThrow();
    expect(() => feynmanDiagrams({ points: 4, couplings: [2], order: 1 })).toThrow(/degree 2 < 3/);
    expect(() => feynmanDiagrams({ points: 4, couplings: [4], order: -1 })).toThrow(/order/);
    expect(() => feynmanDiagrams({ points: 4, couplings: [4], order: 1.5 })).toThrow(NnftInputError);
    expect(() => feynmanDiagrams({ points: 0, couplings: [4], order: 1 })).toThrow(/points/);
    expect(() => feynmanDiagrams({ points: 4, couplings: [4, 4], order: 1 })).toThrow(/twice/);
    expect(() => feynmanDiagrams({ points: 4, couplings: [4], order: 99 })).toThrow(/beyond/);
    expect(() => feynmanDiagrams(null as never)).toThrow(NnftInputError);
  });
});

describe('plain data', () => {
  it('JSON.stringify(feynmanDiagrams(…)) gives the CLI shape', () => {
    const r = feynmanDiagrams({ points: 2, couplings: [4], order: 1 });
    const j = JSON.parse(JSON.stringify(r));
    expect(Object.keys(j)).toEqual(['spec', 'diagrams', 'topologies']);
    expect(j.diagrams[1]).toMatchObject({ order: 1, monomial: 'g4', coefficient: '-12', connected: true, expression: '-12*g4*∫dy K(x1,y)K(x2,y)K(y,y)' });
    expect(JSON.parse(JSON.stringify(r.diagrams[1])).coefficient).toBe('-12');
  });
});

describe('class coefficients by brute force over all Wick contractions of the half-edges', () => {
  // The slow route the module avoids: label every vertex leg, enumerate every perfect matching of
  // externals + legs, read off the multigraph, drop vacuum bubbles, and count per class. The class
  // coefficient must be (−1)^N / Π n_k! × (number of matchings landing in it) — class by class, not only in sum.
  const cases: Array<{ points: number; degrees: number[] }> = [
    { points: 4, degrees: [4, 4] },
    { points: 2, degrees: [3, 3] },
    { points: 2, degrees: [4, 6] },
    { points: 3, degrees: [3, 4] },
    { points: 4, degrees: [3, 3] },
  ];
  for (const { points, degrees } of cases) {
    it(`G(${points}) with vertices {${degrees}}`, () => {
      const N = degrees.length;
      const T = points + N;
      const couplings = [...new Set(degrees)];
      const all = feynmanDiagrams({ points, couplings, order: N }).diagrams;
      const mono = (() => {
        const cnt = new Map<number, number>();
        for (const k of degrees) cnt.set(k, (cnt.get(k) ?? 0) + 1);
        return [...cnt].sort((a, b) => a[0] - b[0]).map(([k, e]) => (e === 1 ? `g${k}` : `g${k}^${e}`)).join('*');
      })();
      const classes = all.filter((d) => d.monomial === mono);
      // half-edge owners: externals 0..p−1, then the legs of each vertex
      const owner: number[] = [];
      for (let a = 0; a < points; a++) owner.push(a);
      degrees.forEach((k, v) => {
        for (let l = 0; l < k; l++) owner.push(points + v);
      });
      const H = owner.length;
      const counts = new Map<Diagram, number>();
      let vacuum = 0;
      forEachWickContraction(H / 2, (buf) => {
        const m = new Int32Array(T * T);
        for (let k = 0; k < buf.length; k += 2) {
          const a = owner[buf[k]!]!;
          const b = owner[buf[k + 1]!]!;
          if (a === b) m[a * T + a]!++;
          else {
            m[a * T + b]!++;
            m[b * T + a]!++;
          }
        }
        // vacuum: a vertex not connected to any external
        const seen = new Set<number>(Array.from({ length: points }, (_, a) => a));
        const stack = [...seen];
        while (stack.length) {
          const a = stack.pop()!;
          for (let b = 0; b < T; b++) if (b !== a && m[a * T + b]! > 0 && !seen.has(b)) (seen.add(b), stack.push(b));
        }
        if (seen.size < T) {
          vacuum++;
          return;
        }
        const c = classes.find((d) => sameUpToInternal(d, m));
        if (!c) throw new Error('matching lands in no class');
        counts.set(c, (counts.get(c) ?? 0) + 1);
      });
      let symm = 1;
      for (const k of couplings) {
        const e = degrees.filter((x) => x === k).length;
        for (let i = 2; i <= e; i++) symm *= i;
      }
      expect(counts.size).toBe(classes.length); // every class is realised
      for (const d of classes) {
        const expected = Rational.of(BigInt((N % 2 === 0 ? 1 : -1) * counts.get(d)!), BigInt(symm));
        expect(d.coefficient.toString(), diagramExpression(d)).toBe(expected.toString());
      }
      expect(vacuum).toBeGreaterThan(0);
    });
  }
});
