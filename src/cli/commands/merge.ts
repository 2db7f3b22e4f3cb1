import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { NnftInputError } from '../../errors.ts';
import { finishState, mergeStates, type McState } from '../../montecarlo/index.ts';
import { requireWritableFile, writeFileAtomic } from '../output.ts';
import { formatResult } from './mc.ts';

interface MergeOptions {
  json?: boolean;
  state?: string;
}

function readState(file: string): McState {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new NnftInputError('<files>', `${file} is a directory`, 'pass files written by `nnft mc --state`');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof NnftInputError) throw e;
    throw new NnftInputError('<files>', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'pass files written by `nnft mc --state`');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new NnftInputError('<files>', `${file} is not JSON`, 'pass files written by `nnft mc --state`');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NnftInputError('<files>', `${file} is not a Monte Carlo state`, 'pass files written by `nnft mc --state`');
  // the shape is checked field by field by mergeStates
  return v as McState;
}

/** `nnft merge`: combine `nnft mc --shard k/N --state FILE` states exactly (bit for bit the single-run result). */
export function register(program: Command): void {
  program
    .command('merge')
    .description('merge Monte Carlo shard states (from `nnft mc --shard k/N --state FILE`) into one result, exactly')
    .argument('<files...>', 'shard state files')
    .option('--json', 'print JSON instead of the table')
    .option('--state <file>', 'also write the merged state (it can be merged again)')
    .addHelpText('after', `
Example (4 shards, then merge; the result equals one run with --nets 40000 --seed 1 bit for bit):
  for k in 0 1 2 3; do nnft mc --activation relu --cb 0 --cw 2 --widths 64,64,64 --nets 40000 --seed 1 \\
      --shard $k/4 --state shard-$k.json --quiet; done
  nnft merge shard-*.json --json`)
    .action(async (files: string[], opts: MergeOptions) => {
      if (opts.state !== undefined) requireWritableFile('--state', opts.state);
      const states = files.map(readState);
      states.forEach((s, i) => {
        if (!('format' in s) && 'layers' in s) {
          throw new NnftInputError('<files>', `${files[i]} is a Monte Carlo result, not a shard state`, 'write states with `nnft mc --state FILE` (--out writes the result)');
        }
      });
      const merged = mergeStates(states, files);
      const covered = merged.counts.reduce((a: number, b: number) => a + b, 0);
      if (covered !== merged.nets) process.stderr.write(`nnft merge: warning: the files cover ${covered} of ${merged.nets} networks\n`);
      if (opts.state !== undefined) writeFileAtomic('--state', opts.state, JSON.stringify(merged));
      const res = await finishState(merged);
      process.stdout.write((opts.json ? JSON.stringify(res) : formatResult(res)) + '\n');
    });
}
