/**
 * The quantity registry (src/quantities.ts): one parser for every command and function, dependencies read off
 * the defining expectations, and every registered quantity — whatever it is — derived, compiled and solved with
 * the rank, slot symmetries and finiteness the registry states.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { NnftInputError } from '../../src/errors.ts';
import { QUANTITIES, QUANTITY_NAMES, parseQuantities, parseQuantity, readsOf, symmetryOf, withDependencies, type QuantityName } from '../../src/quantities.ts';
import { solveRecursions } from '../../recursions/index.ts';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';
import { deriveRecursion } from '../../src/symbolic/index.ts';

describe('parseQuantities: one parser', () => {
  it('resolves names and aliases, keeps the order given, drops repeats', () => {
    expect(parseQuantities('K¹, Θ ,V,Θ¹,Θ1,K1')).toEqual(['K1', 'Theta', 'V4', 'Theta1']);
    expect(parseQuantities(['V', 'K'])).toEqual(['V4', 'K']);
    expect(parseQuantities(undefined)).toEqual(['K', 'Theta', 'V4', 'K1']);
    expect(parseQuantities(undefined, 'montecarlo')).toEqual(['K', 'V4']);
    expect(parseQuantity('Θ¹')).toBe('Theta1');
  });

  it('refuses unknown names and empty lists with the choices', () => {
    expect(() => parseQuantities('K,W7')).toThrow(NnftInputError);
    expect(() => parseQuantities('K,W7')).toThrow(/unknown quantity 'W7'.*choose from K,Theta,V4,K1,Theta1,A,B,D,F/);
    expect(() => parseQuantities([])).toThrow(/non-empty/);
    expect(() => parseQuantities('k')).toThrow(/unknown quantity 'k'/); // case-sensitive
    expect(() => parseQuantity('Theta2', 'recursion name')).toThrow(/invalid recursion name: unknown quantity 'Theta2'/);
  });

  it('Monte Carlo accepts the same aliases as the recursions (nnft mc --quantities K¹ runs)', async () => {
    const quantities = parseQuantities('K¹,V', 'montecarlo');
    const r = await sampleEnsemble({ activation: 'tanh', inputs: [[1, 0.5]], widths: [4, 4], nets: 64, seed: 1, quantities, workers: 1 });
    expect(Object.keys(r.layers[1] ?? {})).toEqual(['layer', 'width', 'V4', 'K1']);
    const cli = spawnSync(process.execPath, ['bin/nnft.js', 'mc', '--widths', '3,3', '--inputs', '[[1,0.5]]', '--nets', '32', '--quantities', 'K¹', '--json'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).layers[1].K1.mean[0][0]).toEqual(expect.any(Number));
  });
});

describe('what each recursion reads, derived from its expression', () => {
  it('matches the equations of docs/equations.md', () => {
    const reads = Object.fromEntries(QUANTITY_NAMES.map((q) => [q, [...readsOf(q)].sort()]));
    expect(reads).toMatchObject({
      K: [],
      Theta: ['Theta'],
      V4: ['V4'],
      K1: ['K1', 'V4'],
      Theta1: ['D', 'F', 'K1', 'Theta', 'Theta1', 'V4'],
      A: ['A', 'D', 'Theta', 'V4'],
      B: ['B', 'Theta'],
      D: ['D', 'Theta', 'V4'],
      F: ['F', 'Theta'],
    });
    expect([...withDependencies(['Theta1'])].sort()).toEqual(['D', 'F', 'K', 'K1', 'Theta', 'Theta1', 'V4']);
    expect([...withDependencies(['K'])]).toEqual(['K']);
  });
});

function entries(t: unknown, rank: number, m: number): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, idx: number[]): void => {
    if (idx.length === rank) {
      expect(typeof v).toBe('number');
      out.set(idx.join(','), v as number);
      return;
    }
    expect(Array.isArray(v) && v.length === m).toBe(true);
    (v as unknown[]).forEach((w, i) => walk(w, [...idx, i]));
  };
  walk(t, []);
  return out;
}

describe('every registered quantity', () => {
  const m = 3;
  const spec = { activation: 'tanh', inputs: [[1, 0.5], [0.2, -0.9], [-0.4, 0.3]], widths: [8, 12, 10, 6], cb: 0.1, cw: 1.3, lambdaB: 0.4, lambdaW: 1.1 };
  const res = solveRecursions({ ...spec, quantities: [...QUANTITY_NAMES] });
  for (const q of QUANTITY_NAMES) {
    it(`${q}: derives, compiles, and is solved as a finite rank-${QUANTITIES[q].rank} tensor with its slot symmetries`, () => {
      const d = deriveRecursion(q);
      expect(d.name).toBe(q);
      expect(d.grouped.externals).toHaveLength(QUANTITIES[q].rank);
      expect(d.source.length).toBeGreaterThan(10);
      let seen = 0;
      for (const layer of res.layers) {
        const t = (layer as Record<string, unknown>)[q];
        if (t === undefined) {
          // only a quantity without a layer-1 value may be absent, and only at layer 1
          expect(layer.layer).toBe(1);
          expect(QUANTITIES[q].finiteWidth || QUANTITIES[q].recursion.firstLayer !== undefined).toBe(false);
          continue;
        }
        seen++;
        const e = entries(t, QUANTITIES[q].rank, m);
        for (const [key, v] of e) {
          expect(Number.isFinite(v)).toBe(true);
          const idx = key.split(',').map(Number);
          for (const p of symmetryOf(q)) expect(e.get(p.map((s) => idx[s]).join(','))).toBe(v);
        }
        if (layer.layer === 1 && QUANTITIES[q].finiteWidth) expect([...e.values()].every((v) => v === 0)).toBe(true);
      }
      expect(seen).toBeGreaterThanOrEqual(spec.widths.length - 1);
    });
  }
});

describe('the registry is consistent', () => {
  it('symbols and aliases are unique; symmetries are permutations of the rank', () => {
    const spellings = QUANTITY_NAMES.flatMap((q) => [q, ...QUANTITIES[q].aliases]);
    expect(new Set(spellings).size).toBe(spellings.length);
    const symbols = QUANTITY_NAMES.map((q) => QUANTITIES[q].symbol);
    expect(new Set(symbols).size).toBe(symbols.length);
    for (const q of QUANTITY_NAMES as QuantityName[]) {
      for (const p of symmetryOf(q)) expect([...p].sort()).toEqual(Array.from({ length: QUANTITIES[q].rank }, (_, i) => i));
    }
    expect(symmetryOf('V4')).toHaveLength(8);
    expect(symmetryOf('B')).toHaveLength(4);
    expect(symmetryOf('D')).toHaveLength(4);
    expect(symmetryOf('F')).toHaveLength(2);
  });
});
