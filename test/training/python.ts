/** Run a python3 snippet (numpy/scipy) with a JSON payload on stdin; returns its JSON stdout. */
import { spawnSync } from 'node:child_process';

export function python<T>(code: string, payload: unknown): T {
  const r = spawnSync('python3', ['-c', code], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}
