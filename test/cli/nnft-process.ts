/**
 * Run `nnft` (bin/nnft.js) as a child process the way a user does, and measure it: exit code, stdout,
 * stderr, wall time and peak memory. Peak memory is the larger of
 *  - process.resourceUsage().maxRSS, written at exit by a preload module (test/cli/report-maxrss.mjs), and
 *  - the high-water mark VmHWM of /proc/<pid>/status, polled every 50 ms (Linux), which also lets the run be
 *    killed as soon as it passes the memory limit instead of taking the machine down.
 * A run past its wall-time limit is killed (SIGKILL) and reported as timed out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(__dirname, '..', '..');
const NNFT = join(ROOT, 'bin', 'nnft.js');
const HOOK = pathToFileURL(join(__dirname, 'report-maxrss.mjs')).href;

export interface NnftRun {
  argv: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** peak resident memory in bytes (NaN when neither measurement was available) */
  peakBytes: number;
  timedOut: boolean;
  /** killed for passing memoryLimitBytes */
  overMemory: boolean;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutSeconds?: number;
  memoryLimitBytes?: number;
  cwd?: string;
  /** run this script instead of bin/nnft.js (e.g. bin/run-ts.js) */
  script?: string;
}

function vmHwmBytes(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(s);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** A shell command line that reproduces `argv` (single-quoted where needed). */
export function shellLine(argv: readonly string[], env: Record<string, string> = {}): string {
  const q = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const e = Object.entries(env).map(([k, v]) => `${k}=${q(v)} `).join('');
  return `${e}nnft ${argv.map(q).join(' ')}`;
}

export function runNnft(argv: string[], opts: RunOptions = {}): Promise<NnftRun> {
  const dir = mkdtempSync(join(tmpdir(), 'nnft-run-'));
  const rssFile = join(dir, 'maxrss');
  const timeout = opts.timeoutSeconds ?? 60;
  const limit = opts.memoryLimitBytes ?? Infinity;
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', HOOK, opts.script ?? NNFT, ...argv], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NNFT_DEBUG: '', ...opts.env, NNFT_MAXRSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let peak = NaN;
    let timedOut = false;
    let overMemory = false;
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      const h = vmHwmBytes(child.pid);
      if (h > (peak || 0)) peak = h;
      if (peak > limit && !overMemory) {
        overMemory = true;
        child.kill('SIGKILL');
      }
    }, 50);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout * 1000);
    child.on('error', (e) => {
      clearInterval(poll);
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (status, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      let reported = NaN;
      try {
        reported = Number(readFileSync(rssFile, 'utf8')) * 1024;
      } catch {
        // killed before exit: only the polled value
      }
      rmSync(dir, { recursive: true, force: true });
      const peakBytes = Math.max(Number.isFinite(peak) ? peak : -Infinity, Number.isFinite(reported) ? reported : -Infinity);
      done({
        argv,
        status,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        wallSeconds: (performance.now() - t0) / 1000,
        peakBytes: Number.isFinite(peakBytes) ? peakBytes : NaN,
        timedOut,
        overMemory,
      });
    });
  });
}

/** A stack-trace frame ("    at f (file:1:2)", "    at async Promise.all (index 0)") or Node's internals. */
export const STACK_TRACE = /^\s+at\s.*(?::\d+:\d+\)?|\((?:native|index \d+)\))$|node:internal\//m;

/** Every problem of a JSON value for a "numbers are right or refused" output: null, NaN/Infinity strings. */
export function nonFiniteIn(value: unknown, path = '$', found: string[] = []): string[] {
  if (found.length >= 5) return found;
  if (value === null) found.push(`${path} is null`);
  else if (typeof value === 'number' && !Number.isFinite(value)) found.push(`${path} = ${value}`);
  else if (typeof value === 'string' && /^[+-]?(NaN|Infinity|inf)$/i.test(value.trim())) found.push(`${path} = "${value}"`);
  else if (Array.isArray(value)) value.forEach((v, i) => nonFiniteIn(v, `${path}[${i}]`, found));
  else if (typeof value === 'object') for (const [k, v] of Object.entries(value as Record<string, unknown>)) nonFiniteIn(v, `${path}.${k}`, found);
  return found;
}
