/**
 * n-point functions of order 4 on the default 16 outputs and 2 inputs (≈ 59 000 statistics over 64 jackknife
 * groups): the time estimate before sampling counts the network sampling, the additions of the block sums to
 * the exact group sums and the finishing step (group sums, jackknife, cumulant tables), so a budget below the
 * run's cost is refused at once with the estimate, and the default fuzz budget (20 s, 1.5 GB) either refuses
 * or finishes inside its limits.
 */
import { describe, expect, it } from 'vitest';
import { nonFiniteIn, runNnft, STACK_TRACE } from './nnft-process.ts';

const LONG = process.env.NNFT_LONG === '1';
const EXAMPLE = ['mc', '--json', '--lambda-b', '1.8', '--seed', '927', '--orders', '2,4'];

describe('nnft mc --orders 2,4 on 16 outputs × 2 inputs: budgets count the group sums and the finishing', () => {
  it('a 6 s budget is refused before sampling, with an estimate that includes the finishing step', async () => {
    const run = await runNnft(EXAMPLE, { env: { NNFT_MAX_SECONDS: '6', NNFT_MAX_MEMORY: '1.5G' }, timeoutSeconds: 60 });
    expect(run.status).toBe(2);
    const last = run.stderr.trim().split('\n').pop() ?? '';
    expect(last).toMatch(/^nnft mc: refused: /);
    expect(last).toMatch(/finishing|jackknife/);
    const estimate = Number(/needs ~([\d.]+) s/.exec(last)?.[1]);
    // sampling ≈ 10⁴ × 0.5 ms plus ≈ 4.5 s of group sums and jackknife (budget.ts FINISH_NS): well over 6 s
    expect(estimate).toBeGreaterThan(8);
    expect(run.stderr).not.toMatch(STACK_TRACE);
    // refused before the networks are sampled: the refusal comes in the time of start-up and planning
    expect(run.wallSeconds).toBeLessThan(20);
  }, 60_000);

  it.runIf(LONG)('under NNFT_MAX_SECONDS=20, NNFT_MAX_MEMORY=1.5G the example is refused or finishes inside the limits', async () => {
    const run = await runNnft(EXAMPLE, { env: { NNFT_MAX_SECONDS: '20', NNFT_MAX_MEMORY: '1.5G' }, timeoutSeconds: 120, memoryLimitBytes: 2 * 1024 ** 3 });
    expect(run.stderr).not.toMatch(STACK_TRACE);
    if (run.status === 2) {
      expect(run.stderr.trim().split('\n').pop()).toMatch(/^nnft mc: refused: .*needs ~[\d.]+ s/);
      return;
    }
    expect(run.status).toBe(0);
    expect(run.peakBytes).toBeLessThan(1.5 * 1024 ** 3);
    const out = JSON.parse(run.stdout) as { entries: unknown[]; meta: { nets: number } };
    expect(nonFiniteIn(out)).toEqual([]);
    expect(out.meta.nets).toBe(10000);
    // 32 points (16 outputs × 2 inputs): C(33, 2) = 528 two-point and C(35, 4) = 52 360 four-point functions
    expect(out.entries.length).toBe(528 + 52360);
  }, 180_000);
});
