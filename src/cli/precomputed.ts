/**
 * Work that every first solve in a process repeats, done once by the CLI build instead: bin/build-cli.js calls
 * computePrecomputed() on the fresh bundle and writes dist/precomputed.json beside it; the command reads it on
 * first use (usePrecomputed). It holds
 *  - the trapezoid calibrations of the registry's smooth activations at the tolerance of 1-D and 2-D
 *    expectations (all that a two-input solve uses), for scales 1.1^−48 ≈ 0.01 … 1.1^25 ≈ 10.8
 *    (src/gaussian/calibration-table.ts);
 *  - the generated evaluator bodies of the registry's compiled recursions (src/symbolic/derive.ts).
 * Measured (nnft recursions, tanh, two inputs, 100 layers, K,Θ,V4,K¹; bench/startup.bench.ts): the process takes
 * 70–170 ms less CPU with the file than without (~55 ms of calibration and ~35 ms of derivation on an idle
 * machine, more when the machine is loaded: it is code that runs before the JIT has optimised it). The build
 * spends ~1 s of CPU on them. Both tables are outputs of this build's own code,
 * so results do not change; without the file (TypeScript sources through tsx, a failed table) everything is
 * computed as before. test/cli/precomputed.test.ts compares the shipped file with fresh computations.
 */
import { readFileSync } from 'node:fs';
import { activationNames, getActivation } from '../activations/index.ts';
import { computeCalibrationTable, usePrecomputedCalibrations, type CalibrationTable } from '../gaussian/calibration-table.ts';
import { precompileRecursions, usePrecompiledRecursions, type PrecompiledRecursions } from '../symbolic/derive.ts';

export interface Precomputed {
  format: 1;
  calibrations: CalibrationTable;
  recursions: PrecompiledRecursions;
}

/** The file name beside the bundle. */
export const PRECOMPUTED_FILE = 'precomputed.json';
/** Tolerance of the 1-D and 2-D smooth expectations (src/gaussian/index.ts, DEFAULT_TOL_BY_RANK). */
export const CALIBRATION_TOLS: readonly number[] = [1e-12];
/** Scale buckets tabulated: s = 1.1^b for b = −48 … 25, i.e. about 0.01 … 10.8 (√K of typical layers). */
export const CALIBRATION_BUCKETS = { from: -48, to: 25 } as const;

/** The registry's smooth activations with their default parameters. */
function smoothActivations(): ReturnType<typeof getActivation>[] {
  return activationNames.map((n) => getActivation(n)).filter((a) => a.kind === 'smooth');
}

/** The tables, computed now (the build runs this on the fresh bundle). */
export function computePrecomputed(): Precomputed {
  return {
    format: 1,
    calibrations: computeCalibrationTable(smoothActivations(), CALIBRATION_TOLS, CALIBRATION_BUCKETS.from, CALIBRATION_BUCKETS.to),
    recursions: precompileRecursions(),
  };
}

/**
 * Let calibrations and recursion compilation take their results from the file at `url`, read and parsed once,
 * on first need (a command that solves nothing never reads it). A missing or malformed file means no table.
 */
export function usePrecomputed(url: URL): void {
  let table: Precomputed | null | undefined;
  const read = (): Precomputed | undefined => {
    if (table === undefined) {
      try {
        const t = JSON.parse(readFileSync(url, 'utf8')) as Precomputed;
        table = t && t.format === 1 ? t : null;
      } catch {
        table = null;
      }
    }
    return table ?? undefined;
  };
  usePrecomputedCalibrations(() => read()?.calibrations);
  usePrecompiledRecursions(() => read()?.recursions);
}
