import type { Command } from 'commander';
import { requireWritableDir } from '../output.ts';
import { runStart } from '../start.ts';

/** `nnft start`: the main job of the quick start (npm start). */
export function register(program: Command): void {
  program
    .command('start')
    .description('the quick-start job: a short tour of what the toolkit computes (run by `npm start`)')
    .option('--out <dir>', 'directory for the plots and JSON (created if missing)', 'out/start')
    .addHelpText('after', `
Example:
  nnft start        # ≈ 20 s: ReLU criticality and finite-width NTK, recursion vs Monte Carlo; plots in out/start/`)
    .action(async (opts: { out: string }) => {
      // checked before the networks are sampled: a path that cannot be written fails at once
      await runStart({ outDir: requireWritableDir('--out', opts.out) });
    });
}
