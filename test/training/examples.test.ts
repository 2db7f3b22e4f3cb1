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
import { dntkWidth, dntkWidthTable, writeDntkWidth } from '../../examples/dntk-width.ts';

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
    // the NTK drift along the frozen kernel's smallest-eigenvalue direction, per series and width, with errors
    expect(r.ntkDrift.map((s) => `${s.activation} ${s.steps}`)).toEqual(['tanh 100', 'relu 10', 'relu 100', 'relu 300']);
    r.ntkDrift.forEach((s) => {
      expect(s.lambdaMin).toBeGreaterThan(0);
      s.points.forEach((p) => expect([p.drift, p.stderr, p.shift, p.initialShift].every(Number.isFinite) && p.stderr > 0).toBe(true));
    });
    expect(existsSync(join(out, 'training-width-ntk.svg'))).toBe(true);
  });

  it('dntk-width: frozen and O(1/n) means and the deviations are finite; the table and files are written', async () => {
    const r = await dntkWidth({ widths: [8, 16], pairs: [6, 4], trainPoints: 3, testX: [0.5], ...quiet });
    const { svg, json } = await writeDntkWidth(r, out);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    expect(JSON.parse(readFileSync(json, 'utf8')).points).toHaveLength(2);
    expect(r.steps).toEqual([10, 30, 100]);
    [...r.frozenMean.flat(), ...r.correction.flat()].forEach((v) => expect(Number.isFinite(v)).toBe(true));
    r.points.forEach((p) => [...p.frozen, ...p.orderOne].forEach((d) => expect(Number.isFinite(d.rms) && Number.isFinite(d.stderr)).toBe(true)));
    expect(dntkWidthTable(r)).toMatch(/100 steps: fitted p, trained − frozen/);
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
