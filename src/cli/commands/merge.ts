import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';

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
    .action(async (files: string[], opts: { json?: boolean; state?: string }) => {
      const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
      const states = files.map((f) => {
        if (!existsSync(f)) throw new NnftInputError('files', `no such file: ${f}`);
        try {
          return JSON.parse(readFileSync(f, 'utf8'));
        } catch {
          throw new NnftInputError('files', `${f} is not JSON`, 'pass files written by `nnft mc --state`');
        }
      });
      states.forEach((s, i) => {
        if (s && typeof s === 'object' && !('format' in s) && 'layers' in s) {
          throw new NnftInputError('files', `${files[i]} is a Monte Carlo result, not a shard state`, 'write states with `nnft mc --state FILE` (--out writes the result)');
        }
      });
      const mc = await import('../../montecarlo/index.ts');
      const merged = mc.mergeStates(states);
      const covered = merged.counts.reduce((a: number, b: number) => a + b, 0);
      if (covered !== merged.nets) process.stderr.write(`nnft merge: warning: the files cover ${covered} of ${merged.nets} networks\n`);
      if (opts.state) writeFileSync(opts.state, JSON.stringify(merged));
      const res = await mc.finishState(merged);
      const { formatResult } = await import('./mc.ts');
      process.stdout.write((opts.json ? JSON.stringify(res) : formatResult(res)) + '\n');
    });
}
