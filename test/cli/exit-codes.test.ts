/**
 * Exit codes as documented: 0 success; 2 a user error with ONE line on stderr naming the argument and the
 * fix — unknown commands and options (commander's own errors) included; 1 an internal failure with a short
 * message and no stack trace unless NNFT_DEBUG=1. The examples' flags follow the same rules.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runNnft, STACK_TRACE, type NnftRun } from './nnft-process.ts';

/** exit 2, exactly one line on stderr, nothing on stdout, the line names `names`. */
function expectUserError(r: NnftRun, ...names: string[]): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(STACK_TRACE);
  for (const n of names) expect(lines[0]).toContain(n);
}

describe('commander errors exit 2 with one line', () => {
  it('an unknown command names it and lists the commands', async () => {
    const r = await runNnft(['recursion', '--json']);
    expectUserError(r, "unknown command 'recursion'", 'did you mean recursions', 'mc', 'derive');
  });

  it('an unknown option names it, suggests the closest and points to --help', async () => {
    expectUserError(await runNnft(['recursions', '--widht', '3']), "unknown option '--widht'", 'did you mean --widths', 'nnft recursions --help');
    expectUserError(await runNnft(['mc', '--bogus']), "nnft mc: unknown option '--bogus'");
  });

  it('a missing option value, a missing argument, too many arguments', async () => {
    expectUserError(await runNnft(['recursions', '--widths']), '--widths', 'argument missing');
    expectUserError(await runNnft(['wick']), 'nnft wick', "missing required argument 'points'");
    expectUserError(await runNnft(['recursions', 'extra']), 'nnft recursions', 'too many arguments');
    expectUserError(await runNnft(['diagrams']), "required option '--points <n>' not specified");
  });

  it('--help exits 0 and says what the exit codes mean; no command prints the help and exits 2', async () => {
    const h = await runNnft(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Exit codes: 0 success; 2');
    const c = await runNnft(['recursions', '--help']);
    expect(c.status).toBe(0);
    expect(c.stdout).toContain('--activation');
    const none = await runNnft([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('Usage: nnft');
  });
});

describe('bad values exit 2 naming the flag and the fix', () => {
  const cases: [string[], string[]][] = [
    [['recursions', '--widths', '64,0'], ['invalid --widths', 'from 1 to']],
    [['recursions', '--widths', '64,1.5'], ['--widths', "'1.5' is not an integer"]],
    [['recursions', '--cw', '-1'], ['invalid --cw', '> 0']],
    [['recursions', '--cb', 'nan'], ['invalid --cb', 'not a finite number']],
    [['recursions', '--cw', '1,2'], ['invalid --cw', '2 entries but there are 3 layers']],
    [['recursions', '--quantities', 'K,X'], ['--quantities', "unknown quantity 'X'"]],
    [['recursions', '--inputs', '[[1],[1,2]]'], ['--inputs (input 1)', 'dimension']],
    [['recursions', '--inputs', '[[1e999]]'], ['--inputs', 'not a finite number']],
    [['recursions', '--inputs', 'not json'], ['--inputs', 'neither JSON nor an existing file']],
    [['recursions', '--inputs', '/nonexistent/inputs.json'], ['--inputs', '/nonexistent/inputs.json']],
    [['recursions', '--activation', 'foo'], ['foo']],
    [['mc', '--nets', '0'], ['invalid --nets', 'from 1 to']],
    [['mc', '--sampler', 'quick'], ['invalid --sampler', 'auto, fast, full']],
    [['mc', '--shard', '2/2'], ['invalid --shard', 'k from 0 to N−1']],
    [['merge', '/nonexistent/shard.json'], ['nnft merge', '/nonexistent/shard.json']],
    [['wick', 'x'], ['nnft wick', "'x'"]],
    [['diagrams', '--points', 'x'], ['invalid --points', "'x' is not an integer"]],
    [['symmetry', '--case', 'so-outptu'], ['so-outptu']],
    [['symmetry', '--case', 'so-output', '--significance', '2'], ['invalid --significance']],
    [['derive', 'Theta2'], ["unknown quantity 'Theta2'"]],
  ];
  for (const [argv, names] of cases) {
    it(argv.join(' '), async () => {
      expectUserError(await runNnft(argv), ...names);
    });
  }
});

describe('a JSON argument given as a path: a directory, a missing or unreadable file exit 2 naming the flag', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnft-json-arg-'));
  const missing = join(dir, 'missing.json');
  const unreadable = join(dir, 'unreadable.json');
  writeFileSync(unreadable, '[[1,0.5]]');
  chmodSync(unreadable, 0o000);
  // root reads any file whatever its mode; the unreadable case then cannot arise
  const canBeUnreadable = process.getuid?.() !== 0;
  const base: Record<string, string[]> = {
    '--inputs/cumulants': ['cumulants', '--width', '4', '--json', '--inputs'],
    '--tuples/cumulants': ['cumulants', '--width', '4', '--inputs', '[[1]]', '--json', '--tuples'],
    '--inputs/edgeworth': ['edgeworth', '--json', '--inputs'],
    '--inputs/recursions': ['recursions', '--json', '--inputs'],
    '--inputs/recursions-gcnn': ['recursions', '--network', 'gcnn', '--group', 'C4', '--json', '--inputs'],
    '--inputs/mc': ['mc', '--nets', '10', '--json', '--inputs'],
    '--infinite/mc': ['mc', '--nets', '10', '--json', '--infinite'],
    '--train-inputs/train': ['train', '--train-targets', '[[0]]', '--test-inputs', '[[1]]', '--lr', '0.1', '--steps', '1', '--json', '--train-inputs'],
    '--merge/train': ['train', '--json', '--merge'],
  };
  it.each(Object.entries(base))('%s', async (key, argv) => {
    const flag = key.split('/')[0]!;
    expectUserError(await runNnft([...argv, dir]), `invalid ${flag}`, 'is a directory', 'pass the path of a JSON file');
    expectUserError(await runNnft([...argv, missing]), `invalid ${flag}`, 'neither JSON nor an existing file');
    if (canBeUnreadable) expectUserError(await runNnft([...argv, unreadable]), `invalid ${flag}`, 'cannot read', 'EACCES');
  });
  it('cumulants --inputs /tmp (a directory) exits 2, not EISDIR', async () => {
    expectUserError(await runNnft(['cumulants', '--inputs', tmpdir(), '--json']), 'invalid --inputs', 'is a directory');
  });
  it('a readable file still works', async () => {
    const file = join(dir, 'inputs.json');
    writeFileSync(file, '[[1,0.5],[0.2,-0.9]]');
    const r = await runNnft(['recursions', '--widths', '4,1', '--inputs', file, '--quantities', 'K', '--json']);
    expect(r.status, r.stderr).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('internal failures exit 1 with a short message; the stack trace only with NNFT_DEBUG=1', () => {
  const script = "import('./dist/nnft.js').then((m) => m.fail(new TypeError('boom at the core')))";
  it('without NNFT_DEBUG', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NNFT_DEBUG: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('internal error: TypeError: boom at the core');
    expect(r.stderr).toContain('NNFT_DEBUG=1');
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });
  it('with NNFT_DEBUG=1', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NNFT_DEBUG: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(STACK_TRACE);
  });
});

describe('example scripts: --help exits 0, bad flags and values exit 2 with one line', () => {
  const runTs = join(ROOT, 'bin', 'run-ts.js');
  it('relu-criticality --help prints the header and the options', async () => {
    const r = await runNnft(['examples/relu-criticality.ts', '--help'], { script: runTs });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ReLU at and away from criticality');
    expect(r.stdout).toContain('--nets <integer ≥ 100>');
  });
  it('an unknown flag, a bad value, a stray argument, an unwritable --out', async () => {
    for (const [args, text] of [
      [['examples/relu-criticality.ts', '--widht', '3'], 'did you mean --widths'],
      [['examples/tanh-criticality.ts', '--nets', 'x'], "invalid --nets: 'x' is not an integer"],
      [['examples/gelu-gmg.ts', '--no-mc', 'extra'], "unexpected argument 'extra'"],
      [['examples/ntk-finite-width.ts', '--out', '/proc/nnft-out'], 'invalid --out'],
      [['examples/nnqft-lambda.ts', '--sampler', 'x'], "invalid --sampler: 'x' is not one of mc, builtin"],
      [['examples/symmetry-duality.ts', '--bogus'], 'invalid --bogus: unknown option'],
    ] as const) {
      const r = await runNnft([...args], { script: runTs });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(text);
      expect(r.stderr).not.toMatch(STACK_TRACE);
    }
  });
});
