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
 * Commands matching KNOWN_OPEN (failures in other modules, listed with their area) are not generated unless
 * NNFT_FUZZ_KNOWN=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.ts';
import { sampleEnsembleState } from '../../src/montecarlo/index.ts';
import { ACTIVATIONS_HOSTILE, COMMAND_ARBITRARIES, type Fixtures } from './arbitraries.ts';
import { nonFiniteIn, runNnft, shellLine, STACK_TRACE, type NnftRun } from './nnft-process.ts';

const LONG = process.env.NNFT_LONG === '1';
const SEED = Number(process.env.NNFT_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.NNFT_FUZZ_RUNS ?? (LONG ? 120 : 6));
const COLLECT = process.env.NNFT_FUZZ_COLLECT;
const INCLUDE_KNOWN = process.env.NNFT_FUZZ_KNOWN === '1';
/** NNFT_FUZZ_STATS=1: print, per subcommand, how many runs exited 0 / 2 and the commonest refusals. */
const STATS = process.env.NNFT_FUZZ_STATS === '1';

/** The budgets every fuzzed command runs under (src/resources.ts). */
export const FUZZ_ENV = { NNFT_MAX_MEMORY: '1.5G', NNFT_MAX_SECONDS: '20' };
const MEMORY_LIMIT_BYTES = 2 * 1024 ** 3;
const WALL_LIMIT_SECONDS = 60;
/** Subcommands the suite does not fuzz: `start` runs the fixed quick-start job. */
const NOT_FUZZED = ['start', 'help'];

/**
 * Known failures in other modules (numerics, Monte Carlo resources, diagrams limits), found by this suite and
 * excluded from the default run until they are fixed there. Each entry: the area, what happens, and a
 * predicate on the argv. Remove an entry once its area is fixed (NNFT_FUZZ_KNOWN=1 runs them anyway).
 */
export const KNOWN_OPEN: { area: string; what: string; matches: (argv: readonly string[]) => boolean }[] = [
  {
    area: 'numerics (recursion solver: divergent, singular, overflowing, large-kernel quadrature)',
    what:
      "a divergent or singular σ (log(z), 1/z, sqrt(z), exp(z^2), z^1000, exp(exp(z)), 1/(z-1), z^(-2), sin(1/z), exp(100*z), leaky_relu(1e308), 'z z' read as z²), an extreme value (C_b, C_W, λ > 1e3 or < 1e-30; |x| > 1e30 or < 1e-30 in --inputs) or depth > 300: exit 1 'recursion produced a non-finite K (V4, A, B) at layer 2', or > 60 s / 2 GB; e.g. nnft recursions --json --activation 'sin(1/z)' --cb 3 --widths 1,1,1,1,1,1 --lambda-b 0.5 --quantities Theta,V4,D,F; nnft recursions --json --activation 'z^3' --cb 6.43e19; nnft recursions --json --activation gelu --cb 1.8 --cw 3.46e7 --quantities A,B,F (2 GB)",
    matches: (a) => ['recursions', 'mc', 'symmetry'].includes(a[0]!) && (hostileActivation(a) || extremeValue(a) || depth(a) > 300),
  },
  {
    area: 'Monte Carlo and symmetry (too few networks or neurons, non-finite samples)',
    what:
      "--nets 1–9, --network gauss-net, width-1 layers with --estimator direct, symmetry with < 50 networks per experiment: null stderr / means / bounds with exit 0; e.g. nnft mc --json --lambda-w 2 --nets 1 --seed 796 --orders 2 --wick; nnft mc --json --activation softplus --widths 1 --estimator direct --weights uniform --wick --no-bias; nnft symmetry --case broken-input --json --nets 13 --seed 8 --experiments 7",
    matches: (a) =>
      (['mc', 'symmetry'].includes(a[0]!) && (Number(flagValue(a, '--nets') ?? 1e4) < 10 || flagValue(a, '--network') === 'gauss-net')) ||
      (a[0] === 'mc' && flagValue(a, '--estimator') === 'direct' && widthList(a).includes(1)) ||
      (a[0] === 'symmetry' && Number(flagValue(a, '--nets') ?? 1e4) / Number(flagValue(a, '--experiments') ?? 5) < 50),
  },
  {
    area: 'Monte Carlo (resource bounds)',
    what:
      `no time or memory estimate: --nets ≥ 1e5 runs until killed at 60 s under NNFT_MAX_SECONDS=20; n-point --orders with 4, 5 or 6 on the default 16 outputs (60 s, 1.3–1.9 GB); --workers ≥ 8 (> 2 GB); a width ≥ 1e5 (> 2 GB or > 60 s); NTK quantities with nets × width² ≥ 1e7 (the full-weight sampler, 30–60 s); C_W or C_b ≤ 1e-3 (subnormal arithmetic, ~1 network/s); e.g. nnft mc --json --nets 10000000 --workers 1 --shard 1/2 --wick; nnft mc --json --activation silu --widths 1000000000,1 --seed 7 --workers 1 --sampler full; nnft mc --json --cw 1.00e-7 --quantities Theta,V4,K1,Theta1,A,F --estimator direct --wick; nnft mc --json --activation 'leaky_relu(0.1)' --quantities K,Theta,V4,K1,Theta1,A,B,D,F --weights uniform --no-bia`,

    matches: (a) =>
      a[0] === 'mc' &&
      (Number(flagValue(a, '--nets') ?? 0) >= 1e5 ||
        /[456]/.test(flagValue(a, '--orders') ?? '') ||
        Number(flagValue(a, '--workers') ?? 0) >= 8 ||
        widthList(a).some((n) => n >= 1e5) ||
        (/Theta|A|B|D|F/.test(flagValue(a, '--quantities') ?? '') && Number(flagValue(a, '--nets') ?? 1e4) * Math.max(...widthList(a)) ** 2 >= 1e7) ||
        ['--cb', '--cw'].some((f) => (flagValue(a, f) ?? '').split(',').some((t) => Number(t) > 0 && Number(t) <= 1e-3))),
  },
  {
    area: 'diagrams (resource bounds)',
    what: 'no memory/time estimate: --points ≥ 8 with --order ≥ 3, --points ≥ 12, --order ≥ 5: > 60 s or > 2 GB; e.g. nnft diagrams --points 8 --couplings 4,8,5,7 --order 3',
    matches: (a) => a[0] === 'diagrams' && ((Number(flagValue(a, '--points')) >= 8 && Number(flagValue(a, '--order') ?? 1) >= 3) || Number(flagValue(a, '--points')) >= 12 || Number(flagValue(a, '--order') ?? 1) >= 5),
  },
  {
    area: 'diagrams (wick count)',
    what: 'nnft wick N for N ≳ 10⁵ (with or without --count) computes (N−1)!! for > 60 s; e.g. nnft wick 10000000',
    matches: (a) => a[0] === 'wick' && Number(a[1]) > 1000,
  },
  {
    area: 'symmetry (resource bounds)',
    what: 'no time estimate: --nets ≥ 1e5, --elements ≥ 100, --dim ≥ 10, --width ≥ 128 or < 2, --orders with 6: > 60 s; e.g. nnft symmetry --case so-output --json --orders 1,2,4,6 --elements 1000 --significance 0.05; nnft symmetry --case sp-output --json --dim 6 --width 1',
    matches: (a) =>
      a[0] === 'symmetry' &&
      (Number(flagValue(a, '--nets') ?? 0) >= 1e5 || Number(flagValue(a, '--elements') ?? 0) >= 100 || Number(flagValue(a, '--dim') ?? 0) >= 10 || Number(flagValue(a, '--width') ?? 32) >= 128 || Number(flagValue(a, '--width') ?? 32) < 2 || /6/.test(flagValue(a, '--orders') ?? '')),
  },
];

/** The --widths list as numbers (the default 64,64,64 when absent; NaN entries when malformed). */
function widthList(argv: readonly string[]): number[] {
  return (flagValue(argv, '--widths') ?? '64,64,64').split(',').map(Number);
}

function depth(argv: readonly string[]): number {
  return widthList(argv).length;
}

/** An activation of ACTIVATIONS_HOSTILE, or garbage the parser accepts ('z z' = z²). */
function hostileActivation(argv: readonly string[]): boolean {
  const act = flagValue(argv, '--activation');
  return act !== undefined && ((ACTIVATIONS_HOSTILE as readonly string[]).includes(act) || act === 'z z');
}

/** C_b, C_W, λ above 1e3 or in (0, 1e-30); a coordinate of --inputs above 1e30 or in (0, 1e-30) in magnitude. */
function extremeValue(argv: readonly string[]): boolean {
  const numbers = (f: string): number[] => (flagValue(argv, f)?.match(/[-+]?\d*\.?\d+(?:e[-+]?\d+)?/gi) ?? []).map((t) => Math.abs(Number(t)));
  const tiny = (x: number): boolean => x > 0 && x < 1e-30;
  return ['--cb', '--cw', '--lambda-b', '--lambda-w'].some((f) => numbers(f).some((x) => x > 1e3 || tiny(x))) || numbers('--inputs').some((x) => x > 1e30 || tiny(x));
}

function knownOpen(argv: readonly string[]): string | undefined {
  return KNOWN_OPEN.find((k) => k.matches(argv))?.what;
}

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
    if (!/^nnft( [a-z]+)?: \S/.test(last)) p.push(`exit 2 without the one-line message (stderr ends with ${JSON.stringify(last.slice(0, 120))})`);
  }
  if (run.status === 0) {
    if (argv.includes('--json')) {
      let value: unknown;
      try {
        value = JSON.parse(run.stdout);
      } catch {
        p.push(`--json output is not JSON (${JSON.stringify(run.stdout.slice(0, 80))}…)`);
      }
      if (value !== undefined) for (const f of nonFiniteIn(value)) p.push(`non-finite number in the JSON: ${f}`);
    } else if (/\b(NaN|Infinity|null)\b/.test(run.stdout)) {
      p.push(`NaN/Infinity/null in the output: …${/.{0,40}\b(NaN|Infinity|null)\b.{0,20}/.exec(run.stdout)?.[0]}…`);
    }
    for (const f of ['--out', '--svg']) {
      const file = flagValue(argv, f);
      if (file !== undefined && !(existsSync(file) && statSync(file).isFile() && statSync(file).size > 0)) p.push(`exit 0 but ${f} ${file} was not written`);
    }
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

describe('nnft fuzz: exit 0 or 2, finite JSON, one-line errors, no stack traces, < 2 GB, < 60 s', () => {
  it('every subcommand has an arbitrary (add new commands to COMMAND_ARBITRARIES in test/cli/arbitraries.ts)', () => {
    const names = buildProgram().commands.map((c) => c.name()).filter((n) => !NOT_FUZZED.includes(n));
    expect(names.filter((n) => !(n in COMMAND_ARBITRARIES))).toEqual([]);
  });

  const names = Object.keys(COMMAND_ARBITRARIES);
  names.forEach((name, k) => {
    it(`nnft ${name}`, async () => {
      let failures = 0;
      const tally = { ok: 0, refused: 0, failed: 0, seconds: 0, refusals: new Map<string, number>() };
      const arb = COMMAND_ARBITRARIES[name]!(fx).map((argv) => [name, ...argv]).filter((argv) => INCLUDE_KNOWN || knownOpen(argv) === undefined);
      await fc.assert(
        fc.asyncProperty(arb, async (argv) => {
          const run = await runNnft(argv, { env: FUZZ_ENV, timeoutSeconds: WALL_LIMIT_SECONDS, memoryLimitBytes: MEMORY_LIMIT_BYTES });
          const problems = problemsOf(run);
          tally.seconds += run.wallSeconds;
          if (problems.length) tally.failed++;
          else if (run.status === 0) tally.ok++;
          else {
            tally.refused++;
            const key = (run.stderr.trim().split('\n').pop() ?? '').replace(/^nnft \w+: /, '').replace(/\d[\d.e+-]*/g, '#').slice(0, 70);
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
