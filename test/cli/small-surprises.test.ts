/**
 * Small surprises, each now either explained or refused clearly:
 *  - `nnft derive` defines every symbol it prints (r = n_ℓ/n_{ℓ−1}, C_W, λ_W, the tensors, the indices);
 *  - a seed is any integer the counter-based generator takes (0 … 2^53 − 1); beyond, the exact range;
 *  - inputs whose first-layer kernel C_b + C_W x·x/n0 overflows name --inputs (or --cw, or --cb / --lambda-b when
 *    the bias term is the larger);
 *  - unknown keys of library specs ('widht') are refused with the closest valid key;
 *  - the lockfile's root entry is package.json's (so `npm install` does not rewrite it);
 *  - the CLI's option parsing is typed (no `as never` / `as unknown as`).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { solveRecursions } from '../../recursions/index.ts';
import { feynmanDiagrams } from '../../diagrams/index.ts';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';
import { normalizeSpec, rejectUnknownKeys } from '../../src/spec.ts';
import { checkSymmetry } from '../../src/symmetry/index.ts';
import { closestName } from '../../src/closest.ts';
import { parseInteger } from '../../src/cli/options.ts';
import { ROOT, runNnft } from './nnft-process.ts';
import { refusal } from './refusal.ts';

const x = [[1, 0.5], [0.2, -0.9]];

describe('nnft derive prints a legend of every symbol it uses', () => {
  for (const name of ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F']) {
    for (const form of [[], ['--grouped']]) {
      it(`${name} ${form.join(' ')}`, async () => {
        const r = await runNnft(['derive', name, ...form]);
        expect(r.status, r.stderr).toBe(0);
        const [expr, blank, where, ...legend] = r.stdout.trimEnd().split('\n');
        expect(blank).toBe('');
        expect(where).toBe('where');
        const defined = legend.map((l) => l.trim());
        const definedAs = (sym: string): boolean => defined.some((l) => l.startsWith(sym));
        for (const p of new Set(expr!.match(/\b(r|C_W|C_b|lambda_W|lambda_b|m)\b(?!\[)/g) ?? [])) expect(definedAs(p), `${p} in ${name}`).toBe(true);
        for (const t of new Set(expr!.match(/\b(K|Kinv|V|K1|Theta|Theta1|A|B|D|F)\[/g) ?? [])) expect(definedAs(t), `${t} in ${name}`).toBe(true);
        for (const i of new Set(expr!.match(/\b[ad]\d\b/g) ?? [])) expect(defined.some((l) => new RegExp(`^(?:[ad]\\d, )*${i}\\b`).test(l)), `index ${i}`).toBe(true);
        if (expr!.includes('GaussExpec(')) expect(definedAs('GaussExpec(f)')).toBe(true);
        if (/\br\b/.test(expr!)) expect(defined.find((l) => l.startsWith('r '))).toContain('n_ℓ/n_{ℓ−1}');
      });
    }
  }
  it('--json carries the legend; --latex prints it as % comments', async () => {
    const j = await runNnft(['derive', 'V4', '--json']);
    const out = JSON.parse(j.stdout) as { legend: Record<string, string>; grouped: { legend: Record<string, string> } };
    expect(out.legend.r).toContain('n_ℓ/n_{ℓ−1}');
    expect(out.grouped.legend['V[a, b, c, d]']).toContain('four-point vertex');
    const l = await runNnft(['derive', 'Theta1', '--latex']);
    expect(l.stdout).toContain('% where');
    expect(l.stdout).toContain('%   \\lambda_W');
  });
});

describe('seeds: every integer the generator takes, else the exact range', () => {
  it('parseInteger compares exactly and states the range', () => {
    expect(parseInteger('--seed', '9007199254740991')).toBe(2 ** 53 - 1);
    expect(parseInteger('--seed', '1e6')).toBe(1e6);
    expect(() => parseInteger('--seed', '9007199254740992')).toThrow(/out of range — pass an integer from 0 to 9007199254740991/);
    expect(() => parseInteger('--seed', '123456789012345678901234567890')).toThrow(/out of range/);
    expect(() => parseInteger('--seed', '1.5')).toThrow(/'1.5' is not an integer/);
    expect(() => parseInteger('--seed', '-1')).toThrow(/out of range/);
  });
  it('nnft mc runs with the largest seed and refuses the next one naming the range', async () => {
    const ok = await runNnft(['mc', '--widths', '4,4', '--nets', '64', '--seed', '9007199254740991', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).meta.seed).toBe(9007199254740991);
    const bad = await runNnft(['mc', '--widths', '4,4', '--nets', '64', '--seed', '18446744073709551616']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('nnft mc: invalid --seed: 18446744073709551616 is out of range — pass an integer from 0 to 9007199254740991 (e.g. --seed 1)');
  });
});

describe('first-layer overflow names --inputs or --cw', () => {
  it('library: normalizeSpec names inputs, cw, lambdaW', () => {
    expect(() => normalizeSpec({ activation: 'tanh', inputs: [[1e308, 1]], widths: [4] })).toThrow(/^invalid inputs: layer 1: x·x\/n0 of input 0 overflows/);
    expect(normalizeSpec({ activation: 'tanh', inputs: [[1, 1]], widths: [4], cw: 1e308 }).cw).toEqual([1e308]);
    expect(() => normalizeSpec({ activation: 'tanh', inputs: [[1e150, 1]], widths: [4], cw: 1e10 })).toThrow(/^invalid cw: the first layer's kernel/);
    expect(() => normalizeSpec({ activation: 'tanh', inputs: [[1e154, 1]], widths: [4], lambdaW: 1e10 })).toThrow(/^invalid lambdaW/);
    expect(normalizeSpec({ activation: 'tanh', inputs: [[1e150, 1]], widths: [4] }).m).toBe(1);
  });
  it("nnft recursions --inputs '[[1e308,1]]' exits 2 naming --inputs", async () => {
    const r = await runNnft(['recursions', '--inputs', '[[1e308,1]]', '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^nnft recursions: invalid --inputs: layer 1: x·x\/n0 of input 0 overflows/);
    const c = await runNnft(['mc', '--inputs', '[[1e150,1]]', '--cw', '1e10', '--nets', '10']);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/^nnft mc: invalid --cw: the first layer's kernel/);
  });
  it('library: a bias term that is the larger part of the overflow names cb or lambdaB, not the inputs', () => {
    // x·x/n0 = (1e308 + 1)/2 ≈ 5e307 is finite; λ_b = 1.7e308 is the larger term of λ_b + λ_W x·x/n0 = 2.2e308
    expect(() => normalizeSpec({ activation: 'tanh', inputs: [[1e154, 1]], widths: [4], lambdaB: 1.7e308 })).toThrow(/^invalid lambdaB: the first layer's NTK .*smaller λ_b/);
    expect(() => normalizeSpec({ activation: 'tanh', inputs: [[1e154, 1]], widths: [4], cb: 1.7e308 })).toThrow(/^invalid cb: the first layer's kernel .*smaller C_b/);
  });
  it('nnft recursions --lambda-b 1.7e308 exits 2 naming --lambda-b (with unit inputs and with |x|² = 1e200)', async () => {
    for (const extra of [[], ['--inputs', '[[1e100]]'], ['--inputs', '[[1e154,1]]']]) {
      const r = await runNnft(['recursions', '--lambda-b', '1.7e308', ...extra, '--json']);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^nnft recursions: invalid (lambdaB \()?--lambda-b/);
      expect(r.stderr).toMatch(/smaller λ_b/);
    }
    // without the huge λ_b the same large input is still the named cause
    const i = await runNnft(['recursions', '--inputs', '[[1e100]]', '--json']);
    expect(i.status).toBe(2);
    expect(i.stderr).toMatch(/^nnft recursions: invalid inputs \(--inputs\)/);
  });
});

describe('unknown keys of library specs are refused with the closest valid key', () => {
  it('closestName', () => {
    expect(closestName('widht', ['widths', 'inputs', 'activation'])).toBe('widths');
    expect(closestName('actvation', ['widths', 'activation'])).toBe('activation');
    expect(closestName('zzz', ['widths', 'inputs'])).toBeUndefined();
  });
  it('rejectUnknownKeys', () => {
    expect(refusal(() => rejectUnknownKeys('spec', { widht: 3 }, ['widths', 'inputs']))).toBe("invalid spec: unknown key 'widht' — did you mean 'widths'? valid keys: widths, inputs");
    expect(() => rejectUnknownKeys('spec', { widths: 3 }, ['widths'])).not.toThrow();
  });
  it('solveRecursions, sampleEnsemble (and its distribution), checkSymmetry, feynmanDiagrams', async () => {
    expect(refusal(() => solveRecursions({ activation: 'tanh', inputs: x, widths: [4], widht: [8] } as never))).toContain("unknown key 'widht' — did you mean 'widths'?");
    expect(refusal(() => normalizeSpec({ activation: 'tanh', inputs: x, widths: [4], quantities: ['K'] } as never))).toContain("unknown key 'quantities'");
    await expect(sampleEnsemble({ activation: 'tanh', inputs: x, widths: [4], nets: 10, sed: 1 } as never)).rejects.toThrow("unknown key 'sed' — did you mean 'seed'?");
    await expect(sampleEnsemble({ activation: 'tanh', inputs: x, widths: [4], nets: 10, distribution: { weight: 'uniform' } } as never)).rejects.toThrow("invalid distribution: unknown key 'weight' — did you mean 'weights'?");
    expect(refusal(() => checkSymmetry({ case: 'so-output', widht: 8 } as never))).toContain("did you mean 'width'?");
    expect(refusal(() => feynmanDiagrams({ points: 2, couplings: [4], ordr: 1 } as never))).toContain("did you mean 'order'?");
  });
});

describe('npm install leaves the lockfile alone', () => {
  it("the lockfile's root entry is package.json's dependencies, exactly", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const rootEntry = lock.packages[''];
    expect(lock.name).toBe(pkg.name);
    expect(lock.version).toBe(pkg.version);
    for (const k of ['dependencies', 'devDependencies', 'optionalDependencies', 'bin', 'engines']) expect(rootEntry[k], k).toEqual(pkg[k]);
    // every declared dependency is locked
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
  });
});

describe('typed option parsing in src/cli', () => {
  it('no `as never` or `as unknown as` casts', () => {
    const files = (readdirSync(join(ROOT, 'src', 'cli'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(ROOT, 'src', 'cli', f), 'utf8');
      expect(text, f).not.toMatch(/\bas never\b|\bas unknown as\b/);
    }
  });
});
