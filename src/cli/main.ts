/**
 * Entry point of the `nnft` command (commander). Every file in ./commands registers one subcommand:
 * `export function register(program: Command): void`. Keep command modules light at import time
 * (import heavy modules inside the action) so `nnft --help` starts fast.
 */
import { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isUserFacingError } from '../errors.ts';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildProgram(): Promise<Command> {
  const program = new Command();
  program
    .name('nnft')
    .description('Neural-network field theory toolkit: kernels, finite-width corrections, diagrams, Monte Carlo, symmetries')
    .showHelpAfterError();
  const dir = join(here, 'commands');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  for (const f of files) {
    const mod = await import(pathToFileURL(join(dir, f)).href);
    if (typeof mod.register === 'function') mod.register(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (isUserFacingError(e)) {
      process.stderr.write(`nnft: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

