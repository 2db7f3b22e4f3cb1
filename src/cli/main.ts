/**
 * Entry point of the `nnft` command (commander). Each module in ./commands registers one subcommand with
 * `export function register(program: Command): void`; add a new one to COMMANDS below. A run initialises only
 * the module of the command it names (in the bundle, bin/build-cli.js, these dynamic imports become lazy
 * initialisers); command modules import project modules statically and load heavy npm packages (vega,
 * cli-progress) and code for rarely used options (group-convolutional networks) with a dynamic import() where
 * they are used.
 *
 * Exit codes: 0 success; 2 a user error — a bad or unknown option, command or value, a missing file, a
 * result that cannot be delivered to its tolerance, a run refused by the resource budget — with one line on
 * stderr naming the argument and the fix; 1 an internal failure, with a short message (the stack trace
 * only with NNFT_DEBUG=1).
 */
import { Command, CommanderError, type Option } from 'commander';
import { isUserFacingError, NnftInputError, NnftNumericalError } from '../errors.ts';
import type { Precomputed } from './precomputed.ts';

/** The tables of src/cli/precomputed.ts, for bin/build-cli.js, which writes them beside the bundle. */
export async function computePrecomputed(): Promise<Precomputed> {
  return (await import('./precomputed.ts')).computePrecomputed();
}

/** Commands that compute no Gaussian expectation and compile no recursion: they never read the precomputed tables. */
const WITHOUT_TABLES = new Set(['wick', 'diagrams', 'merge', 'derive']);

type Register = (program: Command) => void;

/**
 * The subcommands, in the order of `nnft --help`, each with its module. A command line that names one
 * initialises only that module and what it imports: `nnft recursions` runs no top-level code of the Monte Carlo,
 * training, diagram or plotting modules and loads none of their npm packages (graphology, vega).
 */
export const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['recursions', async () => (await import('./commands/recursions.ts')).register],
  ['mc', async () => (await import('./commands/mc.ts')).register],
  ['merge', async () => (await import('./commands/merge.ts')).register],
  ['derive', async () => (await import('./commands/derive.ts')).register],
  ['wick', async () => (await import('./commands/wick.ts')).register],
  ['diagrams', async () => (await import('./commands/diagrams.ts')).register],
  ['symmetry', async () => (await import('./commands/symmetry.ts')).register],
  ['train', async () => (await import('./commands/train.ts')).register],
  ['criticality', async () => (await import('./commands/criticality.ts')).register],
  ['cumulants', async () => (await import('./commands/cumulants.ts')).register],
  ['edgeworth', async () => (await import('./commands/edgeworth.ts')).register],
  ['osterwalder-schrader', async () => (await import('./commands/osterwalder-schrader.ts')).register],
  ['rg-flow', async () => (await import('./commands/rg-flow.ts')).register],
  ['start', async () => (await import('./commands/start.ts')).register],
];

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USER = 2;

/**
 * The program with the subcommands named in `only` (default: all of them). A module registers exactly the
 * command COMMANDS names it by (checked here, so the table cannot drift from the modules).
 */
export async function buildProgram(only?: readonly string[]): Promise<Command> {
  const program = new Command();
  // set before the subcommands are added: they inherit both
  program.exitOverride();
  program.configureOutput({ outputError: () => undefined });
  program
    .name('nnft')
    .description('Neural-network field theory toolkit: kernels, finite-width corrections, diagrams, Monte Carlo, symmetries')
    .addHelpText('after', '\nExit codes: 0 success; 2 a bad argument or a result that cannot be delivered to its tolerance (one line on stderr says which and how to fix it); 1 an internal error (NNFT_DEBUG=1 prints the stack trace).');
  const chosen = COMMANDS.filter(([name]) => !only || only.includes(name));
  const registers = await Promise.all(chosen.map(([, load]) => load()));
  chosen.forEach(([name], i) => {
    registers[i]!(program);
    const added = program.commands.at(-1)?.name();
    if (added !== name) throw new Error(`the module of 'nnft ${name}' registered '${added}'`);
  });
  return program;
}

/** The subcommand being parsed or run, for messages and for naming its options. */
let active: Command | undefined;
/** The subcommands' names, for "unknown command" messages. */
const COMMAND_NAMES: string[] = COMMANDS.map(([name]) => name);

function commandName(): string {
  return active && active.parent ? `nnft ${active.name()}` : 'nnft';
}

/** The command-line flag of a library argument name ('cw[2]' → '--cw (layer 3)'), if the command has one. */
function flagOf(argument: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9]*)((?:\[\d+\])*)$/.exec(argument);
  if (!m || !active) return undefined;
  const [, base, index] = m;
  const opt = active.options.find((o: Option) => o.attributeName() === base);
  if (!opt?.long) return undefined;
  const ix = [...(index ?? '').matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
  if (ix.length === 0) return opt.long;
  if (base === 'inputs') return `${opt.long} (input ${ix[0]}${ix.length > 1 ? `, coordinate ${ix[1]}` : ''})`;
  return `${opt.long} (layer ${ix[0]! + 1})`;
}

/** One line for a user-facing error, library argument names replaced by the command's flags. */
export function userMessage(e: Error): string {
  let msg = e.message;
  if (e instanceof NnftInputError) {
    const flag = flagOf(e.argument);
    if (flag && msg.startsWith(`invalid ${e.argument}`)) msg = `invalid ${flag}${msg.slice(`invalid ${e.argument}`.length)}`;
  } else if (e instanceof NnftNumericalError && e.location.argument !== undefined) {
    const flag = flagOf(e.location.argument);
    if (flag) msg = msg.replace(`(argument ${e.location.argument})`, `(argument ${flag})`);
  }
  return `${commandName()}: ${oneLine(msg)}`;
}

function oneLine(s: string): string {
  return s.split('\n').map((x) => x.trim()).filter((x) => x !== '').join(' — ');
}

/** One line for commander's own parse errors (unknown option or command, missing value, …). */
function commanderMessage(e: CommanderError): string {
  const lines = e.message.replace(/^error: /, '').split('\n').map((x) => x.trim()).filter((x) => x !== '');
  const suggestion = lines.slice(1).map((x) => x.replace(/^\(Did you mean (.*)\)$/, 'did you mean $1')).join('; ');
  const head = `${lines[0] ?? 'invalid command line'}${suggestion ? ` (${suggestion})` : ''}`;
  const help = `${commandName()} --help`;
  const fix = e.code === 'commander.unknownCommand'
    ? `the commands are ${COMMAND_NAMES.join(', ')} (nnft --help)`
    : `see '${help}'`;
  return `${commandName()}: ${head} — ${fix}`;
}

/** Print the error the way the exit codes above promise, and exit. */
export function fail(e: unknown): never {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) process.exit(EXIT_OK); // --help, --version
    if (e.code === 'commander.help') process.exit(EXIT_USER); // no command: the help went to stderr
    process.stderr.write(`${commanderMessage(e)}\n`);
    process.exit(EXIT_USER);
  }
  if (isUserFacingError(e)) {
    process.stderr.write(`${userMessage(e)}\n`);
    if (process.env.NNFT_DEBUG === '1' && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exit(EXIT_USER);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const first = oneLine(err.message).slice(0, 300);
  if (process.env.NNFT_DEBUG === '1') process.stderr.write(`${err.stack ?? err.message}\n`);
  process.stderr.write(`${commandName()}: internal error: ${err.name}: ${first} — please report it with the command line${process.env.NNFT_DEBUG === '1' ? '' : ' (NNFT_DEBUG=1 prints the stack trace)'}\n`);
  process.exit(EXIT_INTERNAL);
}

export async function main(argv: string[]): Promise<void> {
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // `nnft … | head`: stop quietly when the reader closes the pipe
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    fail(e);
  });
  // a command line that starts with a command's name needs only that command; anything else (no command, an
  // option first, help, a misspelt name) gets them all, for the full help and for suggestions
  const first = argv[2];
  const only = first !== undefined && COMMAND_NAMES.includes(first) ? [first] : undefined;
  let program: Command;
  try {
    // the build's precomputed calibrations and recursion bodies, beside the bundle (absent when run through tsx)
    if (!only || !WITHOUT_TABLES.has(only[0]!)) {
      const { PRECOMPUTED_FILE, usePrecomputed } = await import('./precomputed.ts');
      usePrecomputed(new URL(PRECOMPUTED_FILE, import.meta.url));
    }
    program = await buildProgram(only);
  } catch (e) {
    fail(e);
  }
  program.hook('preSubcommand', (_parent, sub) => {
    active = sub;
  });
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    process.exit(EXIT_USER);
  }
  const [word, topic] = argv.slice(2);
  if (word === 'help' && topic !== undefined && !COMMAND_NAMES.includes(topic)) {
    fail(new CommanderError(EXIT_USER, 'commander.unknownCommand', `error: unknown command '${topic}'`));
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    fail(e);
  }
}
