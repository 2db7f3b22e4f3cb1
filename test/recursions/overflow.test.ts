/**
 * Overflow and exploding kernels: the solver reports the finite layers and a typed `truncated` marker naming the
 * layer, the quantity and the reason; the CLI prints them, writes one line to stderr and exits 2. Layer-1 kernels
 * that overflow (or would make layer 2 overflow) are input errors naming --inputs or --cw.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { solveRecursions } from '../../recursions/index.ts';
import { NnftInputError } from '../../src/errors.ts';

const root = join(__dirname, '../..');
function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: root, timeout: 120_000, maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
/** Every number in a parsed JSON value is finite, and there is no null. */
function allFinite(v: unknown): boolean {
  if (v === null) return false;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allFinite);
  if (typeof v === 'object') return Object.values(v as object).every(allFinite);
  return true;
}
const widths = (n: number, w = 8) => new Array(n).fill(w);

describe('exploding phase: ReLU at C_W = 3 over 1000 layers', () => {
  it('library: the finite layers and truncated {layer, quantity, reason}', () => {
    const r = solveRecursions({ activation: 'relu', inputs: [[1, 0.5]], widths: widths(1000), cb: 0, cw: 3 });
    expect(r.truncated).toBeDefined();
    const t = r.truncated!;
    // K⁽ℓ⁾ = (3/2)^{ℓ−1} K⁽¹⁾ (K⁽¹⁾ = 0.9375), and V4 ∝ K² passes the double range 1.8e308 first, near layer 865
    expect(t.layer).toBeGreaterThan(800);
    expect(t.layer).toBeLessThan(900);
    expect(t.quantity).toBe('V4');
    expect(t.reason).toMatch(/exploding phase/);
    expect(t.reason).toMatch(/C_W = 3 is above criticality \(C_W = 2 for relu\)/);
    expect(t.fix).toMatch(/--cw 2/);
    expect(r.layers.length).toBe(t.layer - 1);
    r.layers.forEach((l, i) => {
      expect(l.layer).toBe(i + 1);
      expect(allFinite(l)).toBe(true);
    });
    // exact on the finite layers: K⁽ℓ⁾ = 1.5^{ℓ−1} K⁽¹⁾
    const K1 = 3 * 1.25 / 2;
    const l = r.layers[499]!;
    expect(Math.abs(l.K![0]![0]! / (K1 * 1.5 ** 499) - 1)).toBeLessThan(1e-12);
  });
  it('CLI: JSON with the finite layers and "truncated", one line on stderr, exit 2', () => {
    const r = nnft('recursions', '--activation', 'relu', '--cb', '0', '--cw', '3', '--widths', widths(1000).join(','), '--inputs', '[[1,0.5]]', '--json');
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out);
    expect(allFinite(j)).toBe(true);
    expect(j.truncated).toMatchObject({ quantity: 'V4' });
    expect(j.layers.length).toBe(j.truncated.layer - 1);
    expect(r.out).not.toMatch(/NaN|Infinity|null/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(new RegExp(`stopped at layer ${j.truncated.layer} \\(V4\\).*exploding phase`));
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('the table output is truncated the same way', () => {
    const r = nnft('recursions', '--activation', 'relu', '--cw', '3', '--widths', widths(1000).join(','), '--inputs', '[[1,0.5]]');
    expect(r.code).toBe(2);
    expect(r.out).not.toMatch(/NaN|Infinity/);
    expect(r.err).toMatch(/stopped at layer/);
  });
  it('critical C_W = 2 runs all 1000 layers', () => {
    const r = solveRecursions({ activation: 'relu', inputs: [[1, 0.5]], widths: widths(1000), cb: 0, cw: 2, quantities: ['K', 'V4'] });
    expect(r.truncated).toBeUndefined();
    expect(r.layers).toHaveLength(1000);
  });
});

describe('kernels too large from the start: input errors naming the argument', () => {
  it.each([
    [['--cw', '1e100', '--inputs', '[[1,0.5]]'], /invalid cw \(--cw\).*C_W = 1\.00e\+100/],
    [['--inputs', '[[1e150,1]]'], /invalid inputs \(--inputs\).*5\.00e\+299/],
    [['--inputs', '[[1e308,1]]'], /--inputs.*layer 1.*overflows to Infinity/],
  ])('%j', (args, re) => {
    const r = nnft('recursions', '--activation', 'relu', '--widths', '8,8,8', ...args, '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(re);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
  it('the library throws NnftInputError before computing anything', () => {
    expect(() => solveRecursions({ activation: 'tanh', inputs: [[1e308, 1]], widths: [8, 8] })).toThrow(NnftInputError);
    expect(() => solveRecursions({ activation: 'tanh', inputs: [[1, 1]], widths: [8, 8], cw: 1e200 })).toThrow(/--cw/);
  });
  it('K and Θ alone have room up to 1e300: tanh at K⁽¹⁾ = 5e299 gives the exact Θ⁽²⁾ ≈ (4/3)√(K/2π)', () => {
    const r = solveRecursions({ activation: 'tanh', inputs: [[1e150, 1]], widths: [8, 8], quantities: ['K', 'Theta'] });
    const K = 5e299;
    // Θ⁽²⁾ = 1 + ⟨tanh²⟩ + ⟨sech⁴⟩Θ⁽¹⁾ with ⟨sech⁴⟩ = (4/3)/√(2πK) (1 + O(1/K)) and ⟨tanh²⟩ = 1 − O(K^{-1/2})
    expect(Math.abs(r.layers[1]!.Theta![0]![0]! / ((4 / 3) * Math.sqrt(K / (2 * Math.PI))) - 1)).toBeLessThan(1e-12);
    expect(r.layers[1]!.K![0]![0]!).toBeCloseTo(1, 12);
  });
});

describe('numerical failures carry the layer and the quantity', () => {
  it('tanh with C_W = 1e100: Θ grows by C_W⟨σ′²⟩ ≈ 5e49 per layer and is truncated, K stays finite', () => {
    const r = solveRecursions({ activation: 'tanh', inputs: [[1e-60, 0]], widths: widths(12), cw: 1e100, quantities: ['K', 'Theta'] });
    expect(r.truncated).toMatchObject({ quantity: 'Theta' });
    for (const l of r.layers) expect(allFinite(l)).toBe(true);
  });
});

describe('a layer kernel that fails the positive semi-definite check names --inputs and the layer', () => {
  it("erf on inputs with |x|² from 1 to 1e150: a layer-1 kernel spanning 150 decades is refused naming --inputs and layer 1", () => {
    // three inputs in R² with |x|² = 1, 1e150, 2: the pair quadrature of a smooth σ is validated up to a ratio 1e10 of
    // the kernel's diagonal entries (the layer-1 expectations over this kernel lost accuracy and gave a K⁽2⁾ that is
    // not positive semi-definite, while Williams' closed form (2/π) arcsin(2K_ab/√((1+2K_aa)(1+2K_bb))) gives a
    // positive definite one, smallest eigenvalue 0.05), so the user's fix is to rescale
    const r = nnft('recursions', '--activation', 'erf', '--inputs', '[[1e-300,1],[1e75,1],[1,1]]', '--json');
    expect(r.code, r.err).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/layer 1/);
    expect(lines[0]).toMatch(/\(argument --inputs\)/);
    expect(lines[0]).toMatch(/span 5\.00e-1 to 5\.00e\+149/);
    expect(lines[0]).toMatch(/rescale the inputs/);
    expect(lines[0]).not.toMatch(/^nnft recursions: invalid K/);
  });
});
