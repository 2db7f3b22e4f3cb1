/**
 * meta.json beside NumPy output files: what was computed (the spec), in which index order (the inputs' order and
 * each file's shape), to which tolerance, how long it took, and by which nnft version.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../cli/output.ts';

let version: string | undefined;

/** The package version (package.json). */
export function nnftVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/** One array file written, as listed in meta.json. */
export interface NpyFileEntry {
  file: string;
  quantity: string;
  layer: number;
  /** 'mean' or 'stderr' for Monte Carlo estimates. */
  statistic?: 'mean' | 'stderr';
  shape: number[];
  dtype: 'float64';
  order: 'C';
}

export function writeMeta(dir: string, meta: Record<string, unknown>): void {
  writeFileAtomic('--out', join(dir, 'meta.json'), JSON.stringify({ nnftVersion: nnftVersion(), ...meta }, null, 2) + '\n');
}
