/**
 * Free disk space before large outputs are written (the paths themselves are checked by src/cli/output.ts).
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NnftResourceError } from '../errors.ts';
import { formatBytes } from '../resources.ts';

/** The nearest existing directory at or above `path` (an output directory may not exist yet). */
function existingAncestor(path: string): string {
  let p = resolve(path);
  for (;;) {
    try {
      if (statSync(p).isDirectory()) return p;
    } catch {
      // not there yet
    }
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
}

/** Refuse (NnftResourceError) when `bytes` will not fit on the file system holding `dir`. */
export function requireDiskSpace(what: string, dir: string, bytes: number, fix: string): void {
  let free: number;
  try {
    const s = statfsSync(existingAncestor(dir));
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // unknown: do not refuse
  }
  if (bytes > free) throw new NnftResourceError(what, `~${formatBytes(bytes)} of disk`, `${formatBytes(free)} free in ${dir}`, fix);
}
