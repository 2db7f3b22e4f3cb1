/** Wall-clock and CPU time of child processes, for benchmarks that compare whole commands. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ProcessSeconds {
  wall: number;
  /** user + sys seconds of the child (NaN without /usr/bin/time) */
  cpu: number;
}

/** Wall and CPU seconds of one run of `cmd args` in `cwd`; throws with the end of its stderr when it fails. */
export function processSeconds(cmd: string, args: string[], cwd: string): ProcessSeconds {
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', 'nnft-bench-time %U %S', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} … failed: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}`);
  const m = /nnft-bench-time ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

/** Median wall and CPU seconds over `n` runs (after one unmeasured run that warms the file cache). */
export function medianProcessSeconds(cmd: string, args: string[], n: number, cwd: string): ProcessSeconds {
  processSeconds(cmd, args, cwd);
  const runs = Array.from({ length: n }, () => processSeconds(cmd, args, cwd));
  const med = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: med(runs.map((r) => r.wall)), cpu: med(runs.map((r) => r.cpu)) };
}
