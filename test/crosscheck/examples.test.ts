/**
 * The examples and `npm start` at reduced size: each writes its SVG and JSON, and the physics it
 * plots holds within the stated tolerances.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reluCriticality, writeReluCriticality } from '../../examples/relu-criticality.ts';
import { tanhCriticality, writeTanhCriticality } from '../../examples/tanh-criticality.ts';
import { ntkFiniteWidth, writeNtkFiniteWidth, ntkTable } from '../../examples/ntk-finite-width.ts';
import { nnqftCouplings, writeNnqftCouplings } from '../../examples/nnqft-couplings.ts';

const quiet = (): void => {};

function checkFiles(p: { svg: string; json: string }): void {
  expect(readFileSync(p.svg, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  expect(() => JSON.parse(readFileSync(p.json, 'utf8'))).not.toThrow();
}

describe('examples (reduced size)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnft-examples-'));

  it('relu-criticality: MC matches the exact finite-width V/(nK²) = Π(1+5/n) − 1 within 4σ; recursion is 5(ℓ−1)/n', async () => {
    const res = await reluCriticality({ depth: 5, widths: [64], nets: 20000, awayDepth: 4, log: quiet });
    for (const r of res.critical[0]!.rows) {
      expect(r.recursion).toBeCloseTo((5 * (r.layer - 1)) / 64, 12);
      expect(Math.abs(r.mc - r.exact!)).toBeLessThanOrEqual(4 * r.stderr + 1e-12);
    }
    // away from criticality K⁽ℓ⁾ = C_W(C_W/2)^{ℓ−1}x²/n0, so V ∝ K² scales as (C_W/2)^{2ℓ} relative to C_W = 2
    expect(res.away.map((a) => a.cw)).toEqual([1.8, 2, 2.2]);
    const [lo, mid, hi] = [res.away[0]!, res.away[1]!, res.away[2]!];
    const last = res.away[0]!.rows.length - 1;
    expect(lo.rows[last]!.recursion / mid.rows[last]!.recursion).toBeCloseTo(0.9 ** (2 * (last + 1)), 10);
    expect(hi.rows[last]!.recursion / mid.rows[last]!.recursion).toBeCloseTo(1.1 ** (2 * (last + 1)), 10);
    checkFiles(await writeReluCriticality(res, dir));
  });

  it('tanh-criticality: K·2ℓ → 1 and V/K² ÷ (2ℓ/3) → 1 (log corrections: within 4 % and 7 % at ℓ = 100)', async () => {
    const res = await tanhCriticality({ depth: 100, mcDepth: 4, width: 128, nets: 4000, log: quiet });
    const r = res.recursion[99]!;
    expect(Math.abs(r.K * 2 * r.layer - 1)).toBeLessThan(0.04);
    expect(Math.abs(r.VoverK2 / ((2 * r.layer) / 3) - 1)).toBeLessThan(0.07);
    checkFiles(await writeTanhCriticality(res, dir));
  });

  it('ntk-finite-width: ReLU Θ¹ = 0 exactly; files and table', async () => {
    const res = await ntkFiniteWidth({ depth: 3, widths: [32], nets: 400, activations: ['relu'], log: quiet });
    for (const row of res.activations[0]!.rows) expect(row.recursion.Theta1).toBe(0);
    expect(ntkTable(res)).toContain('Theta1');
    checkFiles(await writeNtkFiniteWidth(res, dir));
  });

  it('nnqft-couplings: m4 falls with width; λ improves the G6 description (Gauss-net)', { timeout: 120_000 }, async () => {
    const res = await nnqftCouplings({ widths: [4, 16], nets: 40000, lambdaWidth: 16, log: quiet });
    for (const p of res.perNet) expect(p.mn[1]!.m4).toBeLessThan(p.mn[0]!.m4 / 2);
    const gauss = res.perNet.find((p) => p.name === 'Gauss-net')!;
    expect(gauss.lambda.chi2PerPoint.predicted).toBeLessThan(gauss.lambda.chi2PerPoint.gp);
    for (const p of res.perNet) if (p.kernelCheck !== undefined) expect(p.kernelCheck).toBeLessThan(1e-10);
    checkFiles(await writeNnqftCouplings(res, dir));
  });

  it('npm start (runStart) writes its plots', { timeout: 120_000 }, async () => {
    const { runStart } = await import('../../src/cli/start.ts');
    const out = join(dir, 'start');
    const write = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    let text = '';
    process.stdout.write = ((s: string) => ((text += s), true)) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await runStart({ outDir: out, netsScale: 0.2 });
    } finally {
      process.stdout.write = write;
      process.stderr.write = err;
    }
    expect(text).toContain('V⁽ℓ⁾/(n K²)');
    expect(text).toContain('Theta1');
    for (const f of ['relu-criticality.svg', 'relu-criticality.json', 'ntk-finite-width.svg', 'ntk-finite-width.json']) expect(existsSync(join(out, f))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
