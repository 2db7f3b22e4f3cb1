/**
 * The tables the CLI build ships (dist/precomputed.json, src/cli/precomputed.ts) are what the code computes:
 *  - every compiled recursion body equals a fresh compilation of the registry;
 *  - calibrations: every tanh bucket, and every 6th bucket of each other smooth activation, equal a fresh
 *    Calibration.calibrateBucket (bitwise: the same code on the same input);
 *  - a solve through the CLI (which reads the table) prints exactly the numbers of a library solve in this
 *    process (which has no table);
 *  - a missing, malformed or partly wrong table is not used: buckets and quantities are computed instead.
 * The build is made by test/global-setup.ts from this tree's sources.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runNnft } from './nnft-process.ts';
import { CALIBRATION_BUCKETS, CALIBRATION_TOLS, PRECOMPUTED_FILE, usePrecomputed, type Precomputed } from '../../src/cli/precomputed.ts';
import { calibrationKey, precomputedCalibration, usePrecomputedCalibrations, type CalibrationTable } from '../../src/gaussian/calibration-table.ts';
import { Calibration, scaleBucket } from '../../src/gaussian/smooth.ts';
import { activationNames, getActivation } from '../../src/activations/index.ts';
import { compileRecursionDetailed, precompileRecursions, usePrecompiledRecursions } from '../../src/symbolic/derive.ts';
import { solveRecursions } from '../../recursions/index.ts';

const shipped = (): Precomputed => JSON.parse(readFileSync(join(ROOT, 'dist', PRECOMPUTED_FILE), 'utf8')) as Precomputed;

describe('dist/precomputed.json', () => {
  it('holds the compiled body of every compiled recursion of the registry, equal to a fresh compilation', () => {
    const table = shipped();
    const fresh = precompileRecursions();
    expect(Object.keys(table.recursions).sort()).toEqual(Object.keys(fresh).sort());
    expect(Object.keys(fresh)).toEqual(expect.arrayContaining(['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F']));
    expect(table.recursions).toEqual(fresh);
  });

  it('holds certified calibrations of every smooth registry activation over the stated buckets, equal to fresh ones', () => {
    const table = shipped();
    const smooth = activationNames.map((n) => getActivation(n)).filter((a) => a.kind === 'smooth');
    expect(smooth.map((a) => a.name)).toEqual(expect.arrayContaining(['tanh', 'erf', 'gelu', 'sin']));
    for (const act of smooth) {
      for (const tol of CALIBRATION_TOLS) {
        const entries = table.calibrations[calibrationKey(act.name, tol)];
        expect(entries, act.name).toBeDefined();
        const cal = new Calibration(act, tol);
        for (const [b, choice] of entries!) {
          expect(b).toBeGreaterThanOrEqual(CALIBRATION_BUCKETS.from);
          expect(b).toBeLessThanOrEqual(CALIBRATION_BUCKETS.to);
          expect(choice.certified).toBe(true);
          if (act.name !== 'tanh' && b % 6 !== 0) continue;
          expect(choice, `${act.name} bucket ${b}`).toEqual(cal.calibrateBucket(b));
        }
      }
    }
    // tanh is certified over the whole range (its failures begin at scales ≈ 12)
    expect(table.calibrations[calibrationKey('tanh', 1e-12)]!.map(([b]) => b)).toEqual(
      Array.from({ length: CALIBRATION_BUCKETS.to - CALIBRATION_BUCKETS.from + 1 }, (_, i) => CALIBRATION_BUCKETS.from + i),
    );
  });

  it('nnft recursions (with the table) prints exactly the numbers of a solve without it', async () => {
    const inputs = [[1, 0.5], [0.2, -0.9]];
    const widths = new Array(30).fill(64);
    const run = await runNnft([
      'recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', widths.join(','),
      '--inputs', JSON.stringify(inputs), '--quantities', 'K,Theta,V4,K1', '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const cli = JSON.parse(run.stdout) as { layers: Record<string, unknown>[] };
    const lib = solveRecursions({ activation: 'tanh', inputs, widths, cb: 0, cw: 1, lambdaB: 1, lambdaW: 1, quantities: ['K', 'Theta', 'V4', 'K1'] });
    expect(cli.layers).toHaveLength(30);
    expect(cli.layers).toEqual(JSON.parse(JSON.stringify(lib.layers)));
    // the diagonal scales √K_αα of this run lie inside the tabulated buckets: the comparison covers table entries
    const diag = lib.layers.flatMap((l) => [l.K![0]![0]!, l.K![1]![1]!]);
    for (const k of diag) {
      const b = scaleBucket(Math.sqrt(k));
      expect(b).toBeGreaterThanOrEqual(CALIBRATION_BUCKETS.from);
      expect(b).toBeLessThanOrEqual(CALIBRATION_BUCKETS.to);
    }
  });
});

describe('a table that cannot be trusted is not used', () => {
  const key = calibrationKey('tanh', 1e-12);
  const good = (): CalibrationTable => ({ [key]: [[0, { h: 0.5, R: 9, R4: 9, R8: 9, certified: true, maxPower: 8 }]] });

  it('takes valid entries; refuses a key with any malformed entry, a missing key, a throwing or empty reader', () => {
    usePrecomputedCalibrations(good);
    expect(precomputedCalibration(key)?.get(0)?.h).toBe(0.5);
    expect(precomputedCalibration(calibrationKey('erf', 1e-12))).toBeUndefined();
    const bad = good();
    bad[key]!.push([1, { h: -1, R: 9, R4: 9, R8: 9, certified: true, maxPower: 8 }]);
    usePrecomputedCalibrations(() => bad);
    expect(precomputedCalibration(key)).toBeUndefined();
    const uncertified = good();
    uncertified[key]![0]![1].certified = false;
    usePrecomputedCalibrations(() => uncertified);
    expect(precomputedCalibration(key)).toBeUndefined();
    usePrecomputedCalibrations(() => {
      throw new Error('unreadable');
    });
    expect(precomputedCalibration(key)).toBeUndefined();
    usePrecomputedCalibrations(() => undefined);
    expect(precomputedCalibration(key)).toBeUndefined();
    usePrecomputedCalibrations(undefined);
  });

  it('a missing file or a malformed recursion body: the recursion is compiled here', () => {
    usePrecomputed(pathToFileURL(join(ROOT, 'no-such-dir', PRECOMPUTED_FILE)));
    expect(precomputedCalibration(key)).toBeUndefined();
    const fresh = precompileRecursions().V4!;
    expect(compileRecursionDetailed('V4').source).toBe(fresh.source);
    usePrecompiledRecursions(() => ({ V4: { source: 'return (', expectationShapes: [] }, K1: { source: 42 as unknown as string, expectationShapes: [] } }));
    expect(compileRecursionDetailed('V4').source).toBe(fresh.source);
    expect(compileRecursionDetailed('V4').expectationShapes).toEqual(fresh.expectationShapes);
    expect(compileRecursionDetailed('K1').source).toBe(precompileRecursions().K1!.source);
    usePrecompiledRecursions(undefined);
  });
});
