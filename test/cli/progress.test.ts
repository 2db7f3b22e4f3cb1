/**
 * The progress bar of long solves (src/cli/progress.ts): nothing before the delay, nothing on a stream that is not
 * a terminal or with --quiet (enabled: false), a bar with the payload after the delay on a terminal; and the
 * solver's progress reports (layer, expectation work, fraction) that drive it.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lazyProgress } from '../../src/cli/progress.ts';
import { solveRecursions, type SolveProgress } from '../../recursions/index.ts';

/** A writable that records what is written; isTTY as given. */
function stream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string; columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { isTTY: boolean; text: () => string; columns: number; cursorTo: () => boolean; clearLine: () => boolean; moveCursor: () => boolean };
  w.isTTY = isTTY;
  w.columns = 120;
  w.cursorTo = () => true;
  w.clearLine = () => true;
  w.moveCursor = () => true;
  w.text = () => chunks.join('');
  return w;
}

describe('progress bar', () => {
  const format = 'solve [{bar}] {percentage}% | layer {layer}';
  it('appears on a terminal only after the delay, with the payload', async () => {
    let t = 0;
    const s = stream(true);
    const p = await lazyProgress({ format, stream: s, delayMs: 2000, now: () => t });
    p.update(100, 1000, { layer: 2 });
    expect(s.text()).toBe('');
    t = 2500;
    p.update(400, 1000, { layer: 5 });
    p.stop();
    expect(s.text()).toContain('40%');
    expect(s.text()).toContain('layer 5');
  });

  it('writes nothing when the stream is not a terminal, or with --quiet', async () => {
    for (const [isTTY, enabled] of [[false, true], [true, false]] as const) {
      let t = 0;
      const s = stream(isTTY);
      const p = await lazyProgress({ format, stream: s, enabled, delayMs: 0, now: () => t });
      t = 10_000;
      p.update(1, 10, { layer: 1 });
      p.stop();
      expect(s.text()).toBe('');
    }
  });

  it("the solver reports every layer's progress, ending each layer at its total and the solve at fraction 1", () => {
    const reports: SolveProgress[] = [];
    solveRecursions(
      { activation: 'tanh', cb: 0, cw: 1, widths: [16, 16, 16, 16], inputs: [[1, 0.2, -0.3], [0.4, -0.9, 0.1], [-0.5, 0.3, 0.8], [0.2, 0.2, -1]], quantities: ['V4'] },
      { onProgress: (p) => reports.push({ ...p }), workers: 0 },
    );
    const ends = reports.filter((r) => r.done === r.total);
    expect(new Set(ends.map((r) => r.layer))).toEqual(new Set([2, 3, 4]));
    for (const r of reports) {
      expect(r.layers).toBe(4);
      expect(r.fraction).toBeGreaterThanOrEqual(0);
      expect(r.fraction).toBeLessThanOrEqual(1);
    }
    // four inputs: one four-input subset (weight 8) and four three-input ones (weight 1) per layer
    expect(ends[0]!.total).toBe(12);
    expect(reports[reports.length - 1]!.fraction).toBe(1);
  });
});
