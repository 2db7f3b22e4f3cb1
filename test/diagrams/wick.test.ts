import { describe, expect, it } from 'vitest';
import {
  wickContractions,
  forEachWickContraction,
  countWickContractions,
  countWickContractionsOfPoints,
  contractionToGraph,
  nngpCorrelator,
  nngpCorrelatorTensor,
  nngpCorrelatorExpression,
  pairsFromBuffer,
} from '../../diagrams/index.ts';
import { NnftInputError } from '../../src/errors.ts';

function doubleFactorial(m: number): bigint {
  let r = 1n;
  for (let k = m; k > 1; k -= 2) r *= BigInt(k);
  return r;
}

describe('Wick contractions', () => {
  it('count is (2n−1)!! for 2n ≤ 18, by formula and by enumeration', () => {
    for (let n = 0; n <= 9; n++) {
      expect(countWickContractions(n)).toBe(doubleFactorial(2 * n - 1));
      const visited = forEachWickContraction(n, () => {});
      expect(BigInt(visited)).toBe(doubleFactorial(2 * n - 1));
    }
    expect(countWickContractions(9)).toBe(34459425n);
    expect(countWickContractionsOfPoints(7)).toBe(0n);
  });

  it('generator count matches for 2n ≤ 12, every contraction is a perfect matching, all distinct', () => {
    for (let n = 0; n <= 6; n++) {
      const seen = new Set<string>();
      let bad = 0;
      for (const P of wickContractions(n)) {
        const covered = new Array(2 * n).fill(0);
        for (const [a, b] of P) {
          if (!(a < b)) bad++;
          covered[a]++;
          covered[b]++;
        }
        if (P.length !== n || covered.some((c) => c !== 1)) bad++;
        seen.add(JSON.stringify(P));
      }
      expect(bad).toBe(0);
      expect(BigInt(seen.size)).toBe(countWickContractions(n));
    }
  });

  it('six points: the 15 pairings in lexicographic order, matching the visitor', () => {
    const all = [...wickContractions(3)];
    expect(all.length).toBe(15);
    expect(all[0]).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(all[14]).toEqual([[0, 5], [1, 4], [2, 3]]);
    const viaVisitor: string[] = [];
    forEachWickContraction(3, (buf) => {
      viaVisitor.push(JSON.stringify(pairsFromBuffer(buf)));
    });
    expect(viaVisitor).toEqual(all.map((P) => JSON.stringify(P)));
  });

  it('the generator is lazy and holds one contraction at a time', () => {
    // 2n = 30 has 6.2e15 contractions: only a lazy generator can yield the first few.
    const it15 = wickContractions(15);
    const first = it15.next().value!;
    expect(first).toEqual(Array.from({ length: 15 }, (_, k) => [2 * k, 2 * k + 1]));
    const second = it15.next().value!;
    expect(second).not.toBe(first); // fresh array each time; the generator keeps none of them
    expect(second[13]).toEqual([26, 28]);
    // iterate 2 M contractions of 16 points: retained heap must not grow with the count
    const before = process.memoryUsage().heapUsed;
    let c = 0;
    for (const P of wickContractions(8)) {
      c += P.length === 8 ? 1 : 0;
    }
    const after = process.memoryUsage().heapUsed;
    expect(c).toBe(2027025);
    // 2 M arrays of 8 pairs would be > 500 MB; allow 64 MB of garbage not yet collected
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('the visitor reuses one buffer and can stop early', () => {
    const bufs = new Set<Int32Array>();
    const n = forEachWickContraction(5, (buf) => {
      bufs.add(buf);
      return bufs.size < 1 || undefined;
    });
    expect(n).toBe(945);
    expect(bufs.size).toBe(1);
    let k = 0;
    expect(forEachWickContraction(5, () => ++k < 10)).toBe(10);
  });

  it('contraction as a graphology graph', () => {
    const g = contractionToGraph([[0, 3], [1, 2]]);
    expect(g.order).toBe(4);
    expect(g.size).toBe(2);
    expect(g.hasEdge('x1', 'x4')).toBe(true);
    expect(g.hasEdge('x2', 'x3')).toBe(true);
    expect(g.degree('x1')).toBe(1);
  });

  it('NNGP correlator: four points, D = 2 indices', () => {
    const K = [
      [2, 0.5, 0.3, 0.1],
      [0.5, 1.5, 0.2, 0.4],
      [0.3, 0.2, 1.2, 0.6],
      [0.1, 0.4, 0.6, 1.7],
    ];
    const all = K[0]![1]! * K[2]![3]! + K[0]![2]! * K[1]![3]! + K[0]![3]! * K[1]![2]!;
    expect(nngpCorrelator(K)).toBeCloseTo(all, 14);
    expect(nngpCorrelator(K, [0, 0, 1, 1], 2)).toBeCloseTo(K[0]![1]! * K[2]![3]!, 14);
    expect(nngpCorrelator(K, [0, 1, 0, 1], 2)).toBeCloseTo(K[0]![2]! * K[1]![3]!, 14);
    expect(nngpCorrelator(K, [0, 0, 0, 1], 2)).toBe(0);
    const T = nngpCorrelatorTensor(K, 2);
    expect(T.length).toBe(16);
    expect(T[0b0011]).toBeCloseTo(K[0]![1]! * K[2]![3]!, 14);
    expect(T[0b0000]).toBeCloseTo(all, 14);
    // zero-dimensional check: K ≡ 1 gives (2n−1)!!
    const ones = Array.from({ length: 8 }, () => new Array(8).fill(1));
    expect(nngpCorrelator(ones)).toBe(105);
  });

  it('NNGP correlator expression', () => {
    const e = nngpCorrelatorExpression(2);
    expect(e).toBe('δ_{i1i2}δ_{i3i4}K(x1,x2)K(x3,x4) + δ_{i1i3}δ_{i2i4}K(x1,x3)K(x2,x4) + δ_{i1i4}δ_{i2i3}K(x1,x4)K(x2,x3)');
    expect(nngpCorrelatorExpression(3).split(' + ').length).toBe(15);
    expect(nngpCorrelatorExpression(1, { latex: true })).toBe('\\delta_{i_{1} i_{2}}K(x_{1},x_{2})');
  });

  it('bad input', () => {
    expect(() => countWickContractions(-1)).toThrow(NnftInputError);
    expect(() => wickContractions(1.5).next()).toThrow(NnftInputError);
    expect(() => forEachWickContraction(16, () => {})).toThrow(/beyond enumeration/);
    expect(() => nngpCorrelator([[1, 0, 0], [0, 1, 0], [0, 0, 1]])).toThrow(/odd/);
    expect(() => nngpCorrelator([[1, 0], [0, 1]], [0, 2], 2)).toThrow(/outside/);
    expect(() => nngpCorrelator([[1, NaN], [NaN, 1]])).toThrow(/finite/);
  });
});
