import { describe, expect, it, vi } from 'vitest';

describe('examples/nnqft-lambda.ts', () => {
  for (const sampler of ['mc', 'builtin']) it(`runs end to end (sampler ${sampler}) and the λ terms shrink the G6 residual of the exact correlators`, async () => {
    const { main } = await import('../../examples/nnqft-lambda.ts');
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((s: unknown) => {
      lines.push(String(s));
    });
    try {
      await main(['--nets', '4096', '--sampler', sampler, '--json']);
    } finally {
      spy.mockRestore();
    }
    const r = JSON.parse(lines.join('\n'));
    // a 4096-network ensemble agrees with the exact finite-width correlators within ~4 standard errors
    expect(r.samplerCheck.maxAbsZ_G4_vs_exact).toBeLessThan(5);
    // from the exact finite-width correlators (no Monte Carlo noise): λ ≈ −1.69e−3 at width 8
    expect(r.lambda.fromExactG4.mean).toBeCloseTo(-1.691e-3, 5);
    const e = r.g6.residualExactCorrelators;
    expect(e.predictedRms).toBeLessThan(0.2 * e.gpRms);
    expect(r.g6.tuples).toBe(84);
    expect(Number.isFinite(r.lambda.mean)).toBe(true);
  });
});
