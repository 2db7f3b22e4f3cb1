/**
 * Diagram enumerations and Wick listings are sized before they run (diagrams/budget.ts); the JSON of large
 * expansions is streamed; `wick N --count` is instant for any N. Regressions: `diagrams --points 8 --couplings
 * 3,4,5,6,7,8 --order 3` (> 4 GB), `diagrams --points 6 --couplings 4,6 --order 4 --space zero --json`
 * (RangeError: Invalid string length), `wick 10000000 --count` (> 60 s).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NnftResourceError } from '../../src/errors.ts';
import { estimateDiagrams, labelledMatrices, log10DoubleFactorial, requireDiagramBudget, vertexMatrices, wickCount, wickMantissaDigits, WICK_EXACT_DIGITS } from '../../diagrams/budget.ts';
import { feynmanDiagrams } from '../../diagrams/feynman.ts';
import { countWickContractions } from '../../diagrams/wick.ts';

const LONG = process.env.NNFT_LONG === '1';
const root = join(__dirname, '../..');

function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 30 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Independent count of the symmetric non-negative integer matrices over p externals (row sum 1, zero diagonal)
 * and vertices of the given degrees (diagonal entries count twice): plain recursion over the upper triangle.
 */
function bruteForceMatrices(p: number, degrees: number[]): number {
  const deg = [...new Array(p).fill(1), ...degrees];
  const T = deg.length;
  const rem = deg.slice();
  let count = 0;
  const cells: [number, number][] = [];
  for (let a = 0; a < T; a++) for (let b = a; b < T; b++) if (!(a === b && a < p)) cells.push([a, b]);
  const rec = (c: number) => {
    if (c === cells.length) {
      if (rem.every((x) => x === 0)) count++;
      return;
    }
    const [a, b] = cells[c]!;
    const w = a === b ? 2 : 1;
    const max = a === b ? Math.floor(rem[a]! / 2) : Math.min(rem[a]!, rem[b]!);
    for (let x = 0; x <= max; x++) {
      rem[a] -= w * x;
      if (a !== b) rem[b] -= x;
      rec(c + 1);
      rem[a] += w * x;
      if (a !== b) rem[b] += x;
    }
  };
  rec(0);
  return count;
}

describe('counting labelled multiplicity matrices without enumerating them', () => {
  it('matches brute force over small degree sequences', () => {
    const cases: [number, number[]][] = [[0, [4]], [2, [4]], [4, [4]], [1, [3]], [3, [3, 4]], [2, [4, 4]], [4, [3, 3]], [0, [4, 6]], [2, [3, 3, 4]], [6, [6]], [1, [3, 3, 3]]];
    for (const [p, d] of cases) expect(labelledMatrices(p, d)).toBe(bruteForceMatrices(p, d));
    expect(vertexMatrices([2, 2])).toBe(bruteForceMatrices(0, [2, 2]));
    expect(vertexMatrices([])).toBe(1);
  });

  it('the class estimate is within [0.9, 1.4] of the enumerated classes (bubbles and automorphisms make it an over-estimate)', () => {
    for (const [p, cs, o] of [[4, [4, 6], 2], [4, [3, 4, 5, 6], 3], [2, [3, 4], 4], [6, [3], 4], [8, [3, 4, 5, 6, 7, 8], 1], [4, [8], 3]] as [number, number[], number][]) {
      const est = estimateDiagrams(p, cs, o).classes;
      const n = feynmanDiagrams({ points: p, couplings: cs, order: o }).diagrams.length;
      expect(est / n).toBeGreaterThan(0.9);
      expect(est / n).toBeLessThan(1.4);
    }
  });
});

describe('regression: diagrams --points 8 --couplings 3,4,5,6,7,8 --order 3 (> 4 GB)', () => {
  it('is refused before enumerating, with the estimate and the largest order and points that fit', () => {
    const t0 = performance.now();
    expect(() => requireDiagramBudget(8, [3, 4, 5, 6, 7, 8], 3)).toThrow(NnftResourceError);
    expect(performance.now() - t0).toBeLessThan(2000);
    const r = nnft('diagrams', '--points', '8', '--couplings', '3,4,5,6,7,8', '--order', '3');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/refused: enumerating the diagrams of G⁽8⁾ to order 3.*≈ 8\.\d+e\+6 classes.*GB of memory.*--order 2 fits for 8 points; --points 6 fits at order 3/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('the largest cases the validator accepts are sized in seconds, not enumerated', () => {
    const t0 = performance.now();
    expect(() => requireDiagramBudget(16, [3, 4, 5, 6, 7, 8], 6)).toThrow(/order \d+ fits|fewer points/);
    expect(performance.now() - t0).toBeLessThan(20000);
  });
  it('NNFT_MAX_MEMORY shrinks what fits', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'diagrams', '--points', '6', '--couplings', '4,6', '--order', '3', '--json'], { encoding: 'utf8', cwd: root, env: { ...process.env, NNFT_MAX_MEMORY: '5M' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--order 2 fits for 6 points/);
  });
});

describe('regression: --order 4 --space zero --json (RangeError: Invalid string length) — the JSON is streamed', () => {
  it('G⁽⁴⁾ to order 3 in g3…g6 (5 788 classes, ≈ 6 MB in 64 KB chunks): the streamed output parses and equals the library result', () => {
    const r = nnft('diagrams', '--points', '4', '--couplings', '3,4,5,6', '--order', '3', '--space', 'zero', '--json');
    expect(r.code).toBe(0);
    expect(r.out.length).toBeGreaterThan(50 * 65536);
    const j = JSON.parse(r.out);
    const lib = JSON.parse(JSON.stringify(feynmanDiagrams({ points: 4, couplings: [3, 4, 5, 6], order: 3 })));
    expect(j.spec).toEqual(lib.spec);
    expect(j.diagrams).toEqual(lib.diagrams);
    expect(j.topologies).toEqual(lib.topologies);
    expect(j.space).toBe('zero');
    // the zero-dimensional series: ⟨x⁴⟩ = 3 − 96 λ − 900 κ + … (first order: −(⟨x⁸⟩ − ⟨x⁴⟩⟨x⁴⟩) = −(105 − 9))
    expect(j.series['1']).toBe('3');
    expect(j.series.g4).toBe('-96');
    expect(j.series.g6).toBe('-900');
  }, 120_000);

  it.skipIf(!LONG)('order 4 (493 211 classes, ≈ 680 MB): every line parses and the whole is valid JSON (NNFT_LONG)', async () => {
    // too large for one JavaScript string: check it line by line (one diagram per line) and the frame around it
    const child = spawn(process.execPath, ['bin/nnft.js', 'diagrams', '--points', '6', '--couplings', '4,6', '--order', '4', '--space', 'zero', '--json'], { cwd: root });
    const lines = createInterface({ input: child.stdout });
    let section = 'head';
    let diagrams = 0, topologies = 0;
    let frame = '';
    for await (const line of lines) {
      if (section === 'head') {
        expect(line).toMatch(/^\{"spec":\{.*\},"diagrams":\[$/);
        frame += line;
        section = 'diagrams';
        continue;
      }
      if (line.startsWith(']')) {
        frame += line;
        section = section === 'diagrams' ? 'topologies' : 'tail';
        continue;
      }
      const entry = JSON.parse(line.replace(/,$/, ''));
      if (section === 'diagrams') {
        expect(typeof entry.coefficient).toBe('string');
        diagrams++;
      } else topologies++;
    }
    const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
    expect(code).toBe(0);
    expect(diagrams).toBe(493211);
    expect(topologies).toBe(6163);
    // the frame without the entries: {"spec":…,"diagrams":[],"topologies":[],"space":"zero","series":…}
    const skeleton = JSON.parse(frame);
    expect(skeleton.series['1']).toBe('15');
  }, 1_800_000);
});

describe('regression: wick 10000000 --count (> 60 s) — the count is instant', () => {
  it('(2n − 1)!! for n = 5·10⁶ in milliseconds, as mantissa·10^exponent with the digits double precision supports', () => {
    const t0 = performance.now();
    const c = wickCount(5_000_000);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(c.exact).toBe(false);
    if (c.exact) return;
    expect(c.exponent).toBe(32828527);
    expect(wickMantissaDigits(c.log10)).toBe(6);
    expect(c.mantissa.toFixed(5)).toBe('5.50806');
  });

  it('log10 (2n − 1)!! agrees with mpmath (50 digits) to 1e-15 relative, n from 10 to 10¹²', () => {
    const ns = [10, 1000, 123457, 5_000_000, 1e12];
    const py = spawnSync('python3', ['-c', `
import mpmath
mpmath.mp.dps = 50
for n in [${ns.join(',')}]:
    n = mpmath.mpf(n)
    print(mpmath.nstr((mpmath.loggamma(2*n+1) - n*mpmath.log(2) - mpmath.loggamma(n+1)) / mpmath.log(10), 30))
`], { encoding: 'utf8' });
    expect(py.status).toBe(0);
    const ref = py.stdout.trim().split('\n').map(Number);
    ns.forEach((n, i) => expect(Math.abs(log10DoubleFactorial(n) - ref[i]!) / ref[i]!).toBeLessThan(1e-15));
  });

  it('exact while cheap (≤ 20000 digits), and the approximate form matches the exact BigInt beyond', () => {
    const exact = (n: number) => {
      let r = 1n;
      for (let k = 2 * n - 1; k > 1; k -= 2) r *= BigInt(k);
      return r;
    };
    const small = wickCount(3000);
    expect(small.exact && small.value === exact(3000)).toBe(true);
    expect(countWickContractions(3000)).toBe(exact(3000));
    const n = 10000; // 38 665 digits: approximate
    const c = wickCount(n);
    expect(c.exact).toBe(false);
    if (c.exact) return;
    const s = exact(n).toString();
    expect(c.exponent).toBe(s.length - 1);
    expect(s.length).toBeGreaterThan(WICK_EXACT_DIGITS);
    const digits = wickMantissaDigits(c.log10);
    expect(digits).toBeGreaterThanOrEqual(9);
    // the printed mantissa (digits − 1 decimals) is the exact leading digits, rounded
    expect(Math.abs(c.mantissa - Number(`${s[0]}.${s.slice(1, 15)}`))).toBeLessThan(10 ** -(digits - 1));
  });

  it('CLI: wick 10000000 --count prints the approximate form, exit 0; --json says exact: false', () => {
    const r = nnft('wick', '10000000', '--count');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^≈ 5\.50806e\+32828527 \(log10 = 32828527\.741\d*; the exact value has 32828528 digits/);
    const j = JSON.parse(nnft('wick', '10000000', '--count', '--json').out);
    expect(j).toMatchObject({ points: 10000000, exact: false, approximate: '5.50806e+32828527', digits: 32828528 });
    expect(JSON.parse(nnft('wick', '18', '--count', '--json').out)).toEqual({ points: 18, count: 34459425, exact: true });
    expect(nnft('wick', '7', '--count').out.trim()).toBe('0');
  });

  it('countWickContractions refuses a BigInt beyond a million digits instead of running away', () => {
    const t0 = performance.now();
    expect(() => countWickContractions(5_000_000)).toThrow(NnftResourceError);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});

describe('diagrams --svg', () => {
  it('a path in a missing directory fails before enumerating; a picture of more than 5000 panels is refused', () => {
    const bad = nnft('diagrams', '--points', '4', '--couplings', '4', '--order', '1', '--svg', '/nonexistent-dir/x.svg');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--svg.*(not a directory|does not exist)/);
    const big = nnft('diagrams', '--points', '6', '--couplings', '4,6', '--order', '3', '--svg', join(root, 'never-written.svg'));
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/SVG picture of 26873 diagrams.*5000 panels/);
  }, 60_000);
});

describe('wick listings are bounded', () => {
  it('wick 20 and wick 10000000 are refused with the estimate; at most 16 points are listed', () => {
    for (const pts of ['20', '10000000']) {
      const r = nnft('wick', pts);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/refused: listing the .* contractions of \d+ points needs .* at most 16 points/);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
  it('NNFT_MAX_SECONDS bounds the listing time', () => {
    const r = spawnSync(process.execPath, ['bin/nnft.js', 'wick', '16'], { encoding: 'utf8', cwd: root, env: { ...process.env, NNFT_MAX_SECONDS: '0.5' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/NNFT_MAX_SECONDS.*at most 14 points/);
  });
});
