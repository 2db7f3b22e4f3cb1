/**
 * Checks of output destinations, run before any computation so that a bad path fails in milliseconds:
 * a file to be written (its directory exists and is writable, it is not a directory) and a directory for
 * NumPy files (it exists and is a writable directory, or its parent is, and then it is created).
 * Errors name the option (NnftInputError, exit code 2).
 */
import { accessSync, constants, mkdirSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NnftInputError, NnftResourceError } from '../errors.ts';
import { formatBytes } from '../resources.ts';

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A file that will be written: returns its absolute path. */
export function checkOutputFile(option: string, path: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NnftInputError(option, 'empty path', `pass a file name, e.g. ${option} result.json`);
  const abs = resolve(path);
  if (isDir(abs)) throw new NnftInputError(option, `${path} is a directory`, `pass a file name, e.g. ${option} ${path.replace(/\/$/, '')}/result.json`);
  if (exists(abs) && !writable(abs)) throw new NnftInputError(option, `${path} exists and is not writable`, 'choose another file or change its permissions');
  const dir = dirname(abs);
  if (!isDir(dir)) throw new NnftInputError(option, `the directory ${dirname(path)} of ${path} does not exist`, `create it first (mkdir -p ${dirname(path)})`);
  if (!writable(dir)) throw new NnftInputError(option, `the directory ${dirname(path)} is not writable`, 'choose a directory you can write to');
  return abs;
}

/** A directory for NumPy files: created when its parent exists; returns its absolute path. */
export function checkOutputDir(option: string, path: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NnftInputError(option, 'empty path', `pass a directory, e.g. ${option} results/`);
  const abs = resolve(path);
  if (exists(abs)) {
    if (!isDir(abs)) throw new NnftInputError(option, `${path} exists and is not a directory`, `pass a directory for --format npy, e.g. ${option} results/`);
    if (!writable(abs)) throw new NnftInputError(option, `the directory ${path} is not writable`, 'choose a directory you can write to');
    return abs;
  }
  const parent = dirname(abs);
  if (!isDir(parent)) throw new NnftInputError(option, `neither ${path} nor its parent directory exists`, `create the parent first (mkdir -p ${dirname(path)})`);
  if (!writable(parent)) throw new NnftInputError(option, `cannot create ${path}: ${dirname(path)} is not writable`, 'choose a directory you can write to');
  try {
    mkdirSync(abs);
  } catch (e) {
    throw new NnftInputError(option, `cannot create the directory ${path} (${e instanceof Error ? e.message : String(e)})`, 'choose another directory');
  }
  return abs;
}

/** Refuse (NnftResourceError) when `bytes` will not fit on the file system holding `dir`. */
export function requireDiskSpace(what: string, dir: string, bytes: number, fix: string): void {
  let free: number;
  try {
    const s = statfsSync(dir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch {
    return; // unknown: do not refuse
  }
  if (bytes > free) throw new NnftResourceError(what, `~${formatBytes(bytes)} of disk`, `${formatBytes(free)} free in ${dir}`, fix);
}
