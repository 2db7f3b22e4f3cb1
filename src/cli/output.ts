/**
 * Output paths are checked before any work starts, so a typo in `--out` or `--svg` fails in milliseconds
 * instead of after a long computation, and files are written atomically (a temporary file in the same
 * directory, then rename) so an interrupted write never leaves half a file or destroys an older result.
 *
 * Writability is tested by creating (and removing) a temporary directory where the output will go:
 * permission bits alone say nothing for root, read-only mounts or ACLs.
 */
import { mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NnftInputError } from '../errors.ts';

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Throw unless a file can be created in the existing directory `dir`. */
function probeDirectory(option: string, dir: string, fix: string): void {
  let probe: string;
  try {
    probe = mkdtempSync(join(dir, '.nnft-write-check-'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new NnftInputError(option, `cannot write in directory ${dir} (${code})`, fix);
  }
  rmdirSync(probe);
}

/**
 * `path` names a file this command will write: its directory must exist and be writable, and the path
 * must not be a directory. Returns the absolute path.
 */
export function requireWritableFile(option: string, path: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NnftInputError(option, 'empty file name', `pass a file name, e.g. ${option} result.json`);
  const abs = resolve(path);
  const st = statOrNull(abs);
  if (st?.isDirectory()) throw new NnftInputError(option, `${path} is a directory`, `pass a file name, e.g. ${option} ${join(path, 'result.json')}`);
  const dir = dirname(abs);
  const dst = statOrNull(dir);
  if (!dst) throw new NnftInputError(option, `directory ${dirname(path)} does not exist`, `create it first (mkdir -p ${dirname(path)}) or choose another path`);
  if (!dst.isDirectory()) throw new NnftInputError(option, `${dirname(path)} is not a directory`, 'choose another path');
  probeDirectory(option, dir, 'choose a directory you can write to');
  return abs;
}

/**
 * `path` names a directory this command will write files into, creating it (and missing parents) when
 * needed: it must be a writable directory, or not exist below a writable directory. Nothing is created
 * here. Returns the absolute path.
 */
export function requireWritableDir(option: string, path: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NnftInputError(option, 'empty directory name', `pass a directory, e.g. ${option} out/run1`);
  const abs = resolve(path);
  let existing = abs;
  let st = statOrNull(existing);
  while (!st) {
    const up = dirname(existing);
    if (up === existing) break;
    existing = up;
    st = statOrNull(existing);
  }
  if (!st) throw new NnftInputError(option, `no existing directory above ${path}`, 'choose another path');
  if (!st.isDirectory()) {
    throw new NnftInputError(option, existing === abs ? `${path} is a file, not a directory` : `${existing} is a file, so ${path} cannot be created`, 'choose another path');
  }
  probeDirectory(option, existing, existing === abs ? 'choose a directory you can write to' : `${path} would be created inside ${existing}; choose a directory you can write to`);
  return abs;
}

/** Write `text` to `path` atomically (temporary file beside it, then rename); creates missing parent directories. */
export function writeFileAtomic(option: string, path: string, text: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the temporary file could not have been created either
    }
    throw new NnftInputError(option, `could not write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'check the disk space and permissions, or choose another path');
  }
}
