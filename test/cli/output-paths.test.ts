/**
 * Errors before work, results never lost: every file or directory the CLI writes is checked before the
 * computation starts (exit 2 in about the time it takes to start the process), and files are written
 * atomically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireWritableDir, requireWritableFile, writeFileAtomic } from '../../src/cli/output.ts';
import { runNnft, STACK_TRACE } from './nnft-process.ts';
import { refusal } from './refusal.ts';

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnft-out-'));
  file = join(dir, 'a-file.txt');
  writeFileSync(file, 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('requireWritableFile / requireWritableDir', () => {
  it('accept a new file in a writable directory and return its absolute path, creating nothing', () => {
    expect(requireWritableFile('--out', join(dir, 'new.json'))).toBe(resolve(dir, 'new.json'));
    expect(requireWritableFile('--out', file)).toBe(file);
    expect(readdirSync(dir)).toEqual(['a-file.txt']);
  });
  it('refuse a missing directory, a directory, a path below a file, an unwritable place, an empty name', () => {
    expect(refusal(() => requireWritableFile('--svg', '/nonexistent-nnft/x.svg'))).toMatch(/^invalid --svg: directory \/nonexistent-nnft does not exist — create it first/);
    expect(refusal(() => requireWritableFile('--svg', dir))).toContain('is a directory');
    expect(refusal(() => requireWritableFile('--out', join(file, 'x.json')))).toContain('is not a directory');
    expect(refusal(() => requireWritableFile('--out', '/proc/nnft-x.json'))).toContain('cannot write in directory /proc');
    expect(refusal(() => requireWritableFile('--out', ''))).toContain('empty file name');
  });
  it('a directory may be missing below a writable one (it is created later), not below a file or /proc', () => {
    expect(requireWritableDir('--out', join(dir, 'a', 'b'))).toBe(resolve(dir, 'a', 'b'));
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(requireWritableDir('--out', dir)).toBe(dir);
    expect(refusal(() => requireWritableDir('--out', file))).toContain('is a file, not a directory');
    expect(refusal(() => requireWritableDir('--out', join(file, 'sub')))).toContain('is a file, so');
    expect(refusal(() => requireWritableDir('--out', '/proc/nnft-out'))).toContain('cannot write in directory /proc');
  });
  it('writeFileAtomic replaces the file in one step and leaves no temporary file', () => {
    const target = join(dir, 'atomic', 'result.json');
    writeFileAtomic('--out', target, '{"a":1}');
    writeFileAtomic('--out', target, '{"a":2}');
    expect(readFileSync(target, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(join(dir, 'atomic'))).toEqual(['result.json']);
    expect(refusal(() => writeFileAtomic('--out', join(file, 'x.json'), 'x'))).toContain('could not write');
  });
});

describe('the commands check their output paths before computing', () => {
  /** The slowest command here takes seconds of work; a refusal must come before it. */
  it('derive --svg to a missing directory, to a directory', async () => {
    for (const bad of ['/nonexistent-nnft/theta1.svg', dir]) {
      const r = await runNnft(['derive', 'Theta1', '--svg', bad]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^nnft derive: invalid --svg: /);
      expect(r.stderr).not.toMatch(STACK_TRACE);
    }
  });

  it('diagrams --svg: refused before a long enumeration, written after a good one', async () => {
    // --points 6 --couplings 4,6 --order 3 enumerates for ~13 s (0.3 GB); the refusal is immediate
    const t0 = performance.now();
    const r = await runNnft(['diagrams', '--points', '6', '--couplings', '4,6', '--order', '3', '--svg', '/nonexistent-nnft/d.svg']);
    const seconds = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('invalid --svg');
    const quick = await runNnft(['wick', '2', '--count']);
    // no slower than a trivial command plus a margin for a loaded machine
    expect(seconds).toBeLessThan(quick.wallSeconds + 2);
    const ok = join(dir, 'g4.svg');
    const w = await runNnft(['diagrams', '--points', '2', '--couplings', '4', '--order', '1', '--svg', ok]);
    expect(w.status, w.stderr).toBe(0);
    expect(readFileSync(ok, 'utf8')).toMatch(/^<svg/);
  });

  it('merge --state below a file is refused before the shards are read', async () => {
    const r = await runNnft(['merge', '/nonexistent/shard.json', '--state', join(file, 'merged.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid --state');
  });

  it('recursions --format npy --out below a file, mc --state below a file: refused before computing', async () => {
    const arch = ['--activation', 'tanh', '--widths', '8,8', '--inputs', '[[1,0.5],[0.2,-0.9]]'];
    for (const args of [
      ['recursions', ...arch, '--quantities', 'K,Theta', '--format', 'npy', '--out', join(file, 'npy')],
      ['recursions', ...arch, '--out', join(file, 'r.json')],
      ['mc', ...arch, '--nets', '100', '--state', join(file, 's.json'), '--quiet'],
    ]) {
      const r = await runNnft(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/invalid --(out|state): /);
      expect(r.stderr).not.toMatch(STACK_TRACE);
    }
  });

  it('start: its default out/start below a file, an unwritable or empty --out are refused before sampling', async () => {
    // the quick-start job samples for ~20 s; before, a bad out/ failed only when the first plot was written
    const cwd = mkdtempSync(join(tmpdir(), 'nnft-start-'));
    try {
      writeFileSync(join(cwd, 'out'), 'a file where the directory would go');
      const runs = [await runNnft(['start'], { cwd }), await runNnft(['start', '--out', '/proc/nnft-start'], { cwd }), await runNnft(['start', '--out', ''], { cwd })];
      for (const r of runs) {
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^nnft start: invalid --out: /);
        expect(r.stderr).not.toMatch(STACK_TRACE);
        expect(r.wallSeconds).toBeLessThan(15);
      }
      expect(runs[0]!.stderr).toContain('is a file, so out/start cannot be created');
      expect(runs[1]!.stderr).toContain('cannot write in directory /proc');
      expect(readdirSync(cwd)).toEqual(['out']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it('an example refuses an unwritable --out before sampling', async () => {
    const r = await runNnft(['examples/relu-criticality.ts', '--out', join(file, 'plots')], { script: resolve(__dirname, '../../bin/run-ts.js') });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('invalid --out');
    expect(r.wallSeconds).toBeLessThan(15); // the example itself runs ~20 s
  });
});
