/**
 * The training examples at reduced size: they run, write SVG + JSON, and their numbers are finite and sensible
 * (the full-size physics checks are in ensemble.test.ts and dynamics.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainingSin, writeTrainingSin } from '../../examples/training-sin.ts';
import { trainingWidth, writeTrainingWidth } from '../../examples/training-width.ts';
import { clusterTask, trainingSymmetry, writeTrainingSymmetry } from '../../examples/training-symmetry.ts';

const out = mkdtempSync(join(tmpdir(), 'nnft-training-examples-'));
const quiet = { log: () => {} };

describe('training examples (reduced size)', () => {
  it('training-sin: the band at 100 steps is positive, trained networks sit near μ_100, files written', async () => {
    const r = await trainingSin({ width: 16, pairs: 8, grid: 9, ...quiet });
    const { svg, json } = await writeTrainingSin(r, out);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    expect(JSON.parse(readFileSync(json, 'utf8')).trained.mean).toHaveLength(5);
    expect(r.steps).toEqual([10, 100, 1000, 'inf']);
    // the grid's end points are outside the data; its std at 100 steps is positive everywhere
    r.theory.std[1]!.forEach((s) => expect(s).toBeGreaterThan(0));
    r.trained.mean.forEach((m, i) => expect(Math.abs(m - r.trained.theoryMean[i]!)).toBeLessThan(0.3));
  });

  it('training-width: deviations and fitted exponents are finite; files written', async () => {
    const r = await trainingWidth({ widths: [8, 16], pairsScale: 0.05, ...quiet });
    const { svg } = await writeTrainingWidth(r, out);
    expect(existsSync(svg)).toBe(true);
    expect(r.series.map((s) => `${s.activation} ${s.steps}`)).toEqual(['tanh 100', 'relu 10', 'relu 100', 'relu 300']);
    r.series.forEach((s) => s.points.forEach((p) => expect(Number.isFinite(p.rms) && Number.isFinite(p.stderr)).toBe(true)));
  });

  it('training-symmetry: the generated task is balanced and learnable; the symmetric setting beats chance', async () => {
    const task = clusterTask(1);
    expect(task.ytr.filter((c) => c === 2)).toHaveLength(30);
    const r = await trainingSymmetry({ nets: 3, steps: [5, 40], kValues: [0, 2], muValues: [0.1], ...quiet });
    const { json } = await writeTrainingSymmetry(r, out);
    expect(existsSync(json)).toBe(true);
    expect(r.settings).toHaveLength(2);
    expect(r.settings[0]!.accuracy[1]!).toBeGreaterThan(0.5);
    expect(r.settings[1]!.initialMean).toBeGreaterThan(1); // n μ_W E[σ] with n = 50, μ_W = 0.1
  });
});
