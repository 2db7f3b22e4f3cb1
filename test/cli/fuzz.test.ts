/**
 * CLI fuzz suite: random command lines over the argument space of every subcommand (test/cli/arbitraries.ts),
 * each run as a real process under the resource budgets NNFT_MAX_MEMORY=1.5G and NNFT_MAX_SECONDS=20, and
 * held to the promises of the exit codes:
 *  - the exit code is 0 or 2 (1 = internal error, a signal, or killed);
 *  - exit 0 with --json: stdout is JSON with no null, NaN or Infinity anywhere (JSON.stringify writes a
 *    non-finite number as null); without --json: no NaN/Infinity/null in the text; an output file that was
 *    asked for exists and is not empty;
 *  - exit 2: the last line of stderr is the one-line message "nnft <command>: …";
 *  - never a stack trace on stderr;
 *  - peak memory < 2 GB (the run is killed at 2 GB) and wall time < 60 s (killed at 60 s).
 *
 * Seeded (NNFT_FUZZ_SEED, default below), so a failure reproduces; it prints the command line. Default: a few
 * runs per subcommand; NNFT_LONG=1: many more; NNFT_FUZZ_RUNS overrides the count. NNFT_FUZZ_COLLECT=FILE
 * keeps going after a failure and appends every failing command (JSON lines) to FILE, failing at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.ts';
import { sampleEnsembleState } from '../../src/montecarlo/index.ts';
import { COMMAND_ARBITRARIES, type Fixtures } from './arbitraries.ts';
import { nonFiniteIn, runNnft, shellLine, STACK_TRACE, type NnftRun } from './nnft-process.ts';

const LONG = process.env.NNFT_LONG === '1';
const SEED = Number(process.env.NNFT_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.NNFT_FUZZ_RUNS ?? (LONG ? 120 : 6));
const COLLECT = process.env.NNFT_FUZZ_COLLECT;
/** NNFT_FUZZ_STATS=1: print, per subcommand, how many runs exited 0 / 2 and the commonest refusals. */
const STATS = process.env.NNFT_FUZZ_STATS === '1';

/** The budgets every fuzzed command runs under (src/resources.ts). */
export const FUZZ_ENV = { NNFT_MAX_MEMORY: '1.5G', NNFT_MAX_SECONDS: '20' };
const MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;
const WALL_LIMIT_SECONDS = 60;
/** Subcommands the suite does not fuzz: `start` runs the fixed quick-start job. */
const NOT_FUZZED = ['start', 'help'];

/** The value following a flag, if present. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Everything wrong with one run, as short sentences (empty: the run kept every promise). */
export function problemsOf(run: NnftRun): string[] {
  const p: string[] = [];
  const { argv } = run;
  if (run.timedOut) p.push(`ran past ${WALL_LIMIT_SECONDS} s (killed)`);
  if (run.overMemory || run.peakBytes > MEMORY_LIMIT_BYTES) p.push(`peak memory ${(run.peakBytes / 1024 ** 3).toFixed(2)} GB ≥ 2 GB${run.overMemory ? ' (killed)' : ''}`);
  if (!run.timedOut && !run.overMemory && run.status !== 0 && run.status !== 2) p.push(`exit ${run.status ?? run.signal}`);
  if (STACK_TRACE.test(run.stderr)) p.push('stack trace on stderr');
  if (run.status === 2) {
    const last = run.stderr.trim().split('\n').pop() ?? '';
    if (!/^nnft( [a-z][a-z-]*)?: \S/.test(last)) p.push(`exit 2 without the one-line message (stderr ends with ${JSON.stringify(last.slice(0, 120))})`);
  }
  if (run.status === 0) {
    const out = flagValue(argv, '--out');
    const format = flagValue(argv, '--format')?.trim().toLowerCase() ?? (argv.includes('--json') ? 'json' : 'table');
    if (argv.includes('--quiet') && run.stdout !== '') p.push('--quiet but something on stdout');
    if (out !== undefined && format === 'npy') {
      p.push(...npyProblems(out));
    } else if (out !== undefined) {
      if (existsSync(out) && statSync(out).isFile()) p.push(...textProblems(readFileSync(out, 'utf8'), format === 'json', `--out ${out}`));
    } else if (!argv.includes('--quiet')) {
      p.push(...textProblems(run.stdout, argv.includes('--json') || format === 'json', 'stdout'));
    }
    for (const f of ['--out', '--svg', '--state']) {
      const file = flagValue(argv, f);
      if (file === undefined || (f === '--out' && format === 'npy')) continue;
      if (!(existsSync(file) && statSync(file).isFile() && statSync(file).size > 0)) p.push(`exit 0 but ${f} ${file} was not written`);
    }
  }
  return p;
}

/** A JSON or text result: parseable, and no NaN, Infinity or null in it. */
function textProblems(text: string, isJson: boolean, where: string): string[] {
  const p: string[] = [];
  if (isJson) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      p.push(`JSON on ${where} is not JSON (${JSON.stringify(text.slice(0, 80))}…)`);
    }
    if (value !== undefined) for (const f of nonFiniteIn(value)) p.push(`non-finite number in the JSON on ${where}: ${f}`);
  } else if (/\b(NaN|Infinity|null)\b/.test(text)) {
    p.push(`NaN/Infinity/null on ${where}: …${/.{0,40}\b(NaN|Infinity|null)\b.{0,20}/.exec(text)?.[0]}…`);
  }
  return p;
}

/** NumPy output: meta.json and at least one .npy file besides inputs.npy, every value finite. */
function npyProblems(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [`exit 0 but --out ${dir} is not a directory`];
  const files = readdirSync(dir);
  const p: string[] = [];
  if (!files.includes('meta.json')) p.push(`no meta.json in ${dir}`);
  const arrays = files.filter((f) => f.endsWith('.npy'));
  if (arrays.filter((f) => f !== 'inputs.npy').length === 0) p.push(`no .npy result files in ${dir}`);
  if (files.some((f) => f.includes('.tmp-'))) p.push(`temporary files left in ${dir}`);
  for (const f of arrays) {
    const bytes = readFileSync(join(dir, f));
    const headerLength = bytes.readUInt16LE(8);
    const body = bytes.subarray(10 + headerLength);
    const values = new Float64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    if (values.some((v) => !Number.isFinite(v))) p.push(`non-finite number in ${f}`);
  }
  return p;
}

let fx: Fixtures;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'nnft-fuzz-'));
  const inputsFile = join(scratch, 'inputs.json');
  writeFileSync(inputsFile, '[[1,0.5],[0.2,-0.9]]');
  const textFile = join(scratch, 'notes.txt');
  writeFileSync(textFile, 'not json\n');
  const jsonFile = join(scratch, 'other.json');
  writeFileSync(jsonFile, '{"format":"something else","nets":3}');
  const shards: string[] = [];
  for (const index of [0, 1]) {
    const state = await sampleEnsembleState({ activation: 'tanh', inputs: [[1, 0.5], [0.2, -0.9]], widths: [16, 16], nets: 400, seed: 3, quantities: ['K', 'V4'], shard: { index, count: 2 }, workers: 1 });
    const f = join(scratch, `shard-${index}.json`);
    writeFileSync(f, JSON.stringify(state));
    shards.push(f);
  }
  fx = { dir: scratch, inputsFile, shards: [shards[0]!, shards[1]!], textFile, jsonFile };
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * Linux refuses a single argument over 128 KiB (E2BIG, MAX_ARG_STRLEN) before nnft starts: an inline JSON argument that
 * long (e.g. 5000 test inputs) goes to a file in the scratch directory and is passed by its path, as a user would.
 */
let longArguments = 0;
function argvWithinLimits(argv: string[]): string[] {
  return argv.map((a) => {
    if (a.length <= 100_000) return a;
    const file = join(scratch, `long-argument-${longArguments++}.json`);
    writeFileSync(file, a);
    return file;
  });
}

describe('nnft fuzz: exit 0 or 2, finite JSON, one-line errors, no stack traces, < 2 GB, < 60 s', () => {
  it('every subcommand has an arbitrary (add new commands to COMMAND_ARBITRARIES in test/cli/arbitraries.ts)', async () => {
    const names = (await buildProgram()).commands.map((c) => c.name()).filter((n) => !NOT_FUZZED.includes(n));
    expect(names.filter((n) => !(n in COMMAND_ARBITRARIES))).toEqual([]);
  });

  const names = Object.keys(COMMAND_ARBITRARIES);
  names.forEach((name, k) => {
    it(`nnft ${name}`, async () => {
      let failures = 0;
      const tally = { ok: 0, refused: 0, failed: 0, seconds: 0, refusals: new Map<string, number>() };
      const arb = COMMAND_ARBITRARIES[name]!(fx).map((argv) => [name, ...argv]);
      await fc.assert(
        fc.asyncProperty(arb, async (argv) => {
          const run = await runNnft(argvWithinLimits(argv), { env: FUZZ_ENV, timeoutSeconds: WALL_LIMIT_SECONDS, memoryLimitBytes: MEMORY_LIMIT_BYTES });
          const problems = problemsOf(run);
          tally.seconds += run.wallSeconds;
          if (problems.length) tally.failed++;
          else if (run.status === 0) tally.ok++;
          else {
            tally.refused++;
            const key = (run.stderr.trim().split('\n').pop() ?? '').replace(/^nnft [\w-]+: /, '').replace(/\d[\d.e+-]*/g, '#').slice(0, 70);
            tally.refusals.set(key, (tally.refusals.get(key) ?? 0) + 1);
          }
          if (problems.length === 0) return;
          const line = shellLine(argv, FUZZ_ENV);
          const tail = run.stderr.trim().split('\n').slice(-3).join('\n    ');
          if (COLLECT) {
            failures++;
            appendFileSync(COLLECT, `${JSON.stringify({ command: line, problems, status: run.status, seconds: Number(run.wallSeconds.toFixed(2)), peakMB: Math.round(run.peakBytes / 1e6), stderr: tail.slice(0, 400) })}\n`);
            return;
          }
          throw new Error(`${line}\n  → ${problems.join('; ')} (${run.wallSeconds.toFixed(1)} s, ${(run.peakBytes / 1e6).toFixed(0)} MB)\n  stderr: ${tail}`);
        }),
        { seed: SEED + k, numRuns: RUNS, endOnFailure: true },
      );
      if (STATS) {
        const top = [...tally.refusals].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${v}× ${k}`).join('; ');
        console.log(`nnft ${name}: ${tally.ok} exit 0, ${tally.refused} exit 2, ${tally.failed} failed, ${tally.seconds.toFixed(0)} s; refusals: ${top}`);
      }
      expect(failures, `failing commands appended to ${COLLECT}`).toBe(0);
    }, (RUNS + 2) * (WALL_LIMIT_SECONDS + 5) * 1000);
  });
});
