import { describe, expect, it, vi } from 'vitest';

describe('examples/nnqft-lambda.ts', () => {
  it('runs end to end on a small ensemble and reports λ < 0 and a smaller G6 residual than the GP alone (exact correlators)', async () => {
    const { main } = await import('../../examples/nnqft-lambda.ts');
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((s: unknown) => {
      lines.push(String(s));
    });
    try {
      await main(['--nets', '5000', '--json']);
    } finally {
      spy.mockRestore();
    }
    const r = JSON.parse(lines.join('\n'));
    // from the exact finite-width correlators (no Monte Carlo noise): λ ≈ −1.69e−3 at width 8
    expect(r.lambda.fromExactG4.mean).toBeCloseTo(-1.691e-3, 5);
    const e = r.g6.residualExactCorrelators;
    expect(e.predictedRms).toBeLessThan(0.2 * e.gpRms);
    expect(r.g6.tuples).toBe(84);
    expect(Number.isFinite(r.lambda.mean)).toBe(true);
  });
});
