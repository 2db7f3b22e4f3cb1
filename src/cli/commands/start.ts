import type { Command } from 'commander';

/** `nnft start`: the main job of the quick start (npm start). */
export function register(program: Command): void {
  program
    .command('start')
    .description('the quick-start job: a short tour of what the toolkit computes (run by `npm start`)')
    .action(async () => {
      const { runStart } = await import('../start.ts');
      await runStart();
    });
}
