/**
 * `nnft train`: what trained networks predict — the infinite-width (frozen-NTK) mean and covariance at any
 * gradient-flow time or gradient-descent step (src/training/theory.ts), or ensembles of networks actually
 * trained by gradient descent (src/training/ensemble.ts), sharded and merged exactly like `nnft mc`.
 *
 * Every argument is parsed and every output path checked before anything is computed; the data files are
 * read and validated (shapes, finite entries) next, and the learning rate is checked against 2/λ_max(Θ(X,X))
 * before a network is trained. The action is split into parseTrainingRun (the data, architecture, learning
 * rate and schedule every mode shares) and one function per mode, so that another prediction mode adds an
 * option and a branch in runTrain.
 */
import type { Command, Option } from 'commander';
import { isUserFacingError, NnftInputError } from '../../errors.ts';
import {
  buildTrainPlan,
  DYNAMICS_KERNELS,
  finishTrainState,
  formatEnsemble,
  formatPrediction,
  infiniteWidthFor,
  mergeTrainStates,
  parseScheduleList,
  predictInfiniteWidth,
  trainEnsembleState,
  validateData,
  type DynamicsKernel,
  type PredictionResult,
  type Schedule,
  type TrainEnsembleSpec,
  type TrainingArchitecture,
  type TrainingData,
  type TrainState,
} from '../../training/index.ts';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { requireWritableFile, writeFileAtomic } from '../output.ts';
import { parseChoice, parseInteger, parseList, parseNumber, readJsonArgument, SEED_RANGE } from '../options.ts';
import { ORDER_ONE_DESCRIPTION, ORDER_ONE_HELP, ORDER_ONE_OPTION, formatOrderOne, orderOneFor, withOrderOne } from '../train-order-one.ts';

/** The option values commander hands to the action (strings as typed; booleans for flags). */
export interface TrainOptions extends ArchitectureOptions {
  trainInputs?: string;
  trainTargets?: string;
  testInputs?: string;
  lr?: string;
  time?: string;
  steps?: string;
  kernel: string;
  diagReg?: string;
  nets?: string;
  seed: string;
  workers?: string;
  groups: string;
  meanShift?: string;
  antithetic: boolean;
  theory: boolean;
  ntk?: boolean;
  shard?: string;
  out?: string;
  merge?: string[];
  quiet?: boolean;
  json?: boolean;
  order?: string;
}

/** What every mode of `nnft train` shares: the parsed and validated run. */
export interface TrainingRun {
  architecture: TrainingArchitecture;
  data: TrainingData;
  /** the target dimension D (the output width) */
  outputs: number;
  lr: number;
  schedule: Schedule;
  kernel: DynamicsKernel;
}

const DEFAULT_HIDDEN_WIDTHS = '512,512';

const HELP = `
What is computed (loss L = ½ Σ_train ‖f(x) − y‖², learning rate η = --lr, per-parameter rates λ_b, λ_W/n_{ℓ−1}):
  without --nets   the infinite-width ensemble: mean μ_t(x) = Θ(x,X)Θ⁻¹(I − e^{−ηΘt})Y and covariance Σ_t(x,x′)
                   (Lee et al. 2019), Θ the output layer's NTK (--kernel ntk), the NNGP kernel K (--kernel nngp:
                   t = ∞ is the Bayesian posterior) or the readout NTK (--kernel last-layer: only the last layer trained)
  with --nets N    N networks actually trained by full-batch gradient descent (antithetic pairs: each initialisation
                   and its copy with the output layer negated), mean and covariance ± standard errors, next to the
                   infinite-width prediction for the same steps
Schedules: --time t1,t2,…   gradient flow df/dt = −ηΘ(f − y) at times t (inf allowed; η only rescales t)
           --steps s1,s2,…  s steps of gradient descent f ← f − ηΘ(f − y) (inf allowed without --nets);
                            needs η·λ_max(Θ(X,X)) < 2 (the error names λ_max and the largest stable η)
--widths lists the HIDDEN widths n1,…,n_{L−1}; the output width is the target dimension D.
Inputs are JSON (inline or a file): --train-inputs [[x…],…] (N × n0), --train-targets [[y…],…] (N × D, or N
numbers for D = 1), --test-inputs [[x…],…] (m × n0).
JSON output: {"times"|"steps": […], "mean": [time][test][output], "covariance": [time][test][test], "meta": …}
(∞ is written "inf"); with --nets, "mean", "covariance" and "trainLoss" are {"mean", "stderr"} and
"infiniteWidth" holds the theory. The covariance is the same for every output (kernels are diagonal in it).
Conventions and shapes in detail: docs/training.md.

Examples:
  nnft train --activation relu --cb 0 --cw 2 --widths 512,512 --train-inputs X.json --train-targets Y.json \\
      --test-inputs T.json --lr 1 --time 0,1,10,inf --json
  nnft train --activation tanh --cb 0.1 --cw 1.5 --widths 256,256 --train-inputs X.json --train-targets Y.json \\
      --test-inputs T.json --lr 0.05 --steps 0,10,100 --nets 2000 --seed 1 --json
Sharding (job arrays): add --shard k/K --out shard-k.json --quiet to each job, then
  nnft train --merge shard-*.json --json        (identical to one run, bit for bit)
`;

function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new NnftInputError('--shard', `'${text}' is not of the form k/K`, 'e.g. --shard 0/4 (shards are numbered 0..K−1)');
  const count = parseInteger('--shard', m[2]!, { min: 1, example: 'K ≥ 1 in k/K' });
  const index = parseInteger('--shard', m[1]!, { min: 0, max: count - 1, example: 'k from 0 to K−1 in k/K' });
  return { index, count };
}

function parseMeanShift(text: string): { mu: number; rows: number } {
  const [mu, k, ...rest] = parseList('--mean-shift', text, '0.1,1');
  if (mu === undefined || k === undefined || rest.length) throw new NnftInputError('--mean-shift', `'${text}' is not of the form mu,k`, 'e.g. --mean-shift 0.1,1');
  return { mu: parseNumber('--mean-shift', mu), rows: parseInteger('--mean-shift', k, { min: 0, example: 'k output rows, e.g. --mean-shift 0.1,1' }) };
}

/** Read and validate the data, the architecture (hidden widths + D), η, the schedule and the kernel. */
export function parseTrainingRun(opts: TrainOptions): TrainingRun {
  for (const [value, flag] of [[opts.trainInputs, '--train-inputs'], [opts.trainTargets, '--train-targets'], [opts.testInputs, '--test-inputs'], [opts.lr, '--lr']] as const) {
    if (value === undefined) throw new NnftInputError(flag, 'missing', 'nnft train needs --train-inputs, --train-targets, --test-inputs and --lr');
  }
  if ((opts.time === undefined) === (opts.steps === undefined)) {
    throw new NnftInputError('--time/--steps', 'give exactly one of them', '--time t1,t2,… for gradient flow, --steps s1,s2,… for gradient descent');
  }
  const lr = parseNumber('--lr', opts.lr!, { min: 0, exclusive: true, example: 'e.g. --lr 0.5' });
  const schedule: Schedule = opts.time !== undefined ? { kind: 'flow', times: parseScheduleList('time', opts.time) } : { kind: 'gd', steps: parseScheduleList('steps', opts.steps!) };
  const kernel = parseChoice('--kernel', opts.kernel, DYNAMICS_KERNELS);
  const data: TrainingData = {
    trainInputs: readJsonArgument('--train-inputs', opts.trainInputs!, '[[-1,1],[0,1],[1,1]]') as number[][],
    trainTargets: readJsonArgument('--train-targets', opts.trainTargets!, '[[0.5],[0],[-0.5]]') as number[][],
    testInputs: readJsonArgument('--test-inputs', opts.testInputs!, '[[-0.5,1],[0.5,1]]') as number[][],
  };
  const { D } = validateData(data);
  const hidden = opts.widths.trim();
  // the spec parser wants inputs; the training data take their place, so a placeholder is parsed and dropped
  const { inputs: _placeholder, ...architecture } = parseArchitecture({ ...opts, widths: hidden === '' ? String(D) : `${hidden},${D}`, inputs: '[[0]]' });
  return { architecture, data, outputs: D, lr, schedule, kernel };
}

/** Print a result on stdout (JSON or the table), unless --quiet. */
function print(opts: TrainOptions, res: unknown, table: () => string): void {
  if (opts.quiet) return;
  process.stdout.write(`${opts.json ? JSON.stringify(res) : table()}\n`);
}

/**
 * A progress bar on stderr for long trainings: only when stderr is a terminal and nothing but the table goes
 * to stdout (none with --quiet or --json); it appears once a run has taken more than 2 s.
 */
async function progressBar(opts: TrainOptions): Promise<{ update: (done: number, total: number) => void; stop: () => void }> {
  if (!process.stderr.isTTY || opts.quiet || opts.json) return { update: () => undefined, stop: () => undefined };
  const { SingleBar, Presets } = await import('cli-progress');
  const t0 = Date.now();
  let bar: InstanceType<typeof SingleBar> | null = null;
  return {
    update(done, total) {
      if (!bar && Date.now() - t0 > 2000 && done < total) {
        bar = new SingleBar({ stream: process.stderr, format: 'nnft train [{bar}] {percentage}% | {value}/{total} units | ETA {eta_formatted}', etaBuffer: 50, hideCursor: true }, Presets.shades_classic);
        bar.start(total, done);
      }
      bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The infinite-width prediction (no networks trained). */
function runPrediction(opts: TrainOptions, run: TrainingRun): void {
  const diagReg = opts.diagReg === undefined ? undefined : parseNumber('--diag-reg', opts.diagReg, { min: 0, example: 'e.g. --diag-reg 1e-6' });
  const res = predictInfiniteWidth({ ...run.architecture, ...run.data, lr: run.lr, schedule: run.schedule, kernel: run.kernel, diagReg });
  const orderOne = orderOneFor(opts.order, { ...run.architecture, ...run.data, lr: run.lr, schedule: run.schedule, kernel: run.kernel, diagReg });
  if (orderOne) return print(opts, withOrderOne(res, orderOne), () => formatOrderOne(res, orderOne));
  print(opts, res, () => formatPrediction(res));
}

/** Networks trained by gradient descent: state (→ --out), mean and covariance ± stderr, and the theory. */
async function runEnsemble(opts: TrainOptions, run: TrainingRun): Promise<void> {
  if (run.schedule.kind !== 'gd') throw new NnftInputError('--time', 'trained networks take discrete gradient-descent steps', 'use --steps s1,s2,… with --nets (s steps of size η approximate flow time t = s when ηλ_max ≪ 1)');
  if (opts.diagReg !== undefined) throw new NnftInputError('--diag-reg', 'regularises the infinite-width kernel only; trained networks are not regularised', 'drop --diag-reg with --nets');
  if (run.kernel === 'nngp') throw new NnftInputError('--kernel', 'nngp is the Bayesian posterior, not a training procedure', "with --nets use ntk (all layers trained) or last-layer (with λ_b = C_b, λ_W = C_W its kernel is K)");
  const spec: TrainEnsembleSpec = {
    ...run.architecture,
    ...run.data,
    lr: run.lr,
    steps: run.schedule.steps,
    nets: parseInteger('--nets', opts.nets!, { min: 1, example: 'an even number, e.g. --nets 2000' }),
    seed: parseInteger('--seed', opts.seed, SEED_RANGE),
    kernel: run.kernel,
    antithetic: opts.antithetic === false ? false : undefined,
    meanShift: opts.meanShift === undefined ? undefined : parseMeanShift(opts.meanShift),
    groups: parseInteger('--groups', opts.groups, { min: 2, max: 4096, example: 'e.g. --groups 64' }),
    workers: opts.workers === undefined ? undefined : parseInteger('--workers', opts.workers, { min: 1, max: 1024, example: 'e.g. --workers 2' }),
    shard: opts.shard === undefined ? undefined : parseShard(opts.shard),
    ntk: opts.ntk === true ? true : undefined,
  };
  const plan = buildTrainPlan(spec); // every check of the spec, before any kernel or network
  // the infinite-width prediction (and the η check against 2/λ_max) before any network is trained
  const shifted = plan.meanShift !== null && plan.meanShift.mu !== 0 && plan.meanShift.rows > 0;
  const theory: PredictionResult | undefined = opts.theory !== false && !shifted ? infiniteWidthFor(spec) : undefined;
  if (!theory) infiniteWidthFor({ ...spec, testInputs: spec.trainInputs.slice(0, 1) });
  // the O(1/n) mean (and its refusals) before any network is trained
  const orderOne = orderOneFor(opts.order, { ...run.architecture, ...run.data, lr: run.lr, schedule: run.schedule, kernel: run.kernel, meanShift: spec.meanShift ?? undefined });
  const progress = await progressBar(opts);
  let state: TrainState;
  try {
    state = await trainEnsembleState({ ...spec, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  if (opts.out !== undefined) writeFileAtomic('--out', opts.out, JSON.stringify(state));
  const res = finishTrainState(state);
  if (theory) res.infiniteWidth = { mean: theory.mean, covariance: theory.covariance, meta: theory.meta };
  else if (shifted) res.meta.notes.push('no infinite-width prediction: the frozen-kernel formulas here assume a zero-mean initialisation');
  if (orderOne) return print(opts, withOrderOne(res, orderOne), () => formatOrderOne(res, orderOne));
  print(opts, res, () => formatEnsemble(res));
}

function readTrainState(file: string): TrainState {
  const v = readJsonArgument('--merge', file, 'a file written by nnft train --nets N --out FILE');
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NnftInputError('--merge', `${file} is not a training state`, 'pass files written by `nnft train --nets N --shard k/K --out FILE`');
  return v as TrainState; // checked field by field by mergeTrainStates and finishTrainState
}

/** Shard states written by --out, combined exactly. */
function runMerge(opts: TrainOptions, files: string[]): void {
  const merged = mergeTrainStates(files.map(readTrainState));
  const res = finishTrainState(merged);
  if (opts.theory !== false) {
    const th = infiniteWidthFor(merged.spec);
    res.infiniteWidth = { mean: th.mean, covariance: th.covariance, meta: th.meta };
  }
  const mergedOrderOne = orderOneFor(opts.order, { ...merged.spec, schedule: { kind: 'gd', steps: merged.spec.steps } });
  if (opts.out !== undefined) writeFileAtomic('--out', opts.out, JSON.stringify(merged));
  if (mergedOrderOne) return print(opts, withOrderOne(res, mergedOrderOne), () => formatOrderOne(res, mergedOrderOne));
  print(opts, res, () => formatEnsemble(res));
}

/**
 * The training library names its arguments by the flags without dashes, with 0-based positions in the JSON
 * arrays and lists ('train-targets[7][0]', 'steps[2]'); as this command's flags ('--train-targets[7][0]').
 * Plain attribute names ('lr', 'nets') are left to the program, which maps them the same way.
 */
function withFlagName(cmd: Command, e: unknown): unknown {
  if (isUserFacingError(e)) renameInputs(e);
  if (!(e instanceof NnftInputError)) return e;
  const m = /^([A-Za-z][A-Za-z-]*)((?:\[\d+\])*)$/.exec(e.argument);
  if (!m || (m[2] === '' && !m[1]!.includes('-'))) return e;
  const base = m[1]!;
  const option = cmd.options.find((o) => o.long === `--${base}` || o.attributeName() === base);
  if (!option?.long) return e;
  const flag = `${option.long}${m[2]}`;
  const renamed = new NnftInputError(flag, '');
  renamed.message = e.message.startsWith(`invalid ${e.argument}`) ? `invalid ${flag}${e.message.slice(`invalid ${e.argument}`.length)}` : e.message;
  return renamed;
}

/**
 * The kernels are computed on the training inputs followed by the test inputs; the shared spec and recursion
 * checks name that list `inputs` (--inputs, a flag nnft train does not use): say which flags hold it.
 */
function renameInputs(e: Error): void {
  const flags = '--train-inputs/--test-inputs';
  e.message = e.message
    .replace(/^invalid inputs(\[\d+\])*( \(--inputs\))?:/, `invalid ${flags} (training inputs first, then test inputs):`)
    .replace(/\(argument inputs(\[\d+\])*\)/, `(argument ${flags})`)
    .replace(/--inputs\b/g, flags);
}

async function runTrain(cmd: Command, opts: TrainOptions): Promise<void> {
  try {
    await runMode(cmd, opts);
  } catch (e) {
    throw withFlagName(cmd, e);
  }
}

async function runMode(cmd: Command, opts: TrainOptions): Promise<void> {
  if (opts.quiet && opts.json) throw new NnftInputError('--quiet', 'prints nothing, so there is no JSON for --json', 'drop --json (with --out the state is written to the file) or drop --quiet');
  if (opts.out !== undefined) requireWritableFile('--out', opts.out);
  if (opts.merge !== undefined) return runMerge(opts, opts.merge);
  if (cmd.getOptionValueSource('inputs') === 'cli') throw new NnftInputError('--inputs', 'not used by nnft train', 'pass --train-inputs, --train-targets and --test-inputs');
  if (opts.nets === undefined) {
    for (const [value, flag] of [[opts.shard, '--shard'], [opts.out, '--out'], [opts.meanShift, '--mean-shift'], [opts.workers, '--workers'], [opts.ntk, '--ntk']] as const) {
      if (value !== undefined) throw new NnftInputError(flag, 'only applies to trained networks', 'add --nets N');
    }
  }
  const run = parseTrainingRun(opts);
  if (opts.nets === undefined) return runPrediction(opts, run);
  return runEnsemble(opts, run);
}

/** `nnft train`: what trained networks predict — infinite-width theory, or sampled networks trained by gradient descent. */
export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('predictions of trained networks: the infinite-width (frozen-NTK) mean and covariance at any time, or ensembles trained by gradient descent');
  addArchitectureOptions(cmd);
  // here --widths lists the hidden layers (the output width is the target dimension), and --inputs is not used
  const option = (long: string): Option | undefined => cmd.options.find((o) => o.long === long);
  const widths = option('--widths');
  if (widths) {
    widths.description = 'hidden-layer widths n1,…,n_{L−1} (the output width is the target dimension D)';
    widths.default(DEFAULT_HIDDEN_WIDTHS);
    cmd.setOptionValueWithSource('widths', DEFAULT_HIDDEN_WIDTHS, 'default');
  }
  option('--inputs')?.hideHelp();
  cmd
    .option('--train-inputs <json|file>', 'training inputs X: JSON array of N vectors, or a JSON file')
    .option('--train-targets <json|file>', 'targets Y: JSON array of N vectors of dimension D (or N numbers)')
    .option('--test-inputs <json|file>', 'test inputs: JSON array of m vectors, or a JSON file')
    .option('--lr <eta>', 'learning rate η')
    .option('--time <list>', 'gradient-flow times, e.g. 0,1,10,inf')
    .option('--steps <list>', 'gradient-descent step counts, e.g. 0,10,100 (inf only without --nets)')
    .option('--kernel <name>', 'ntk | nngp | last-layer', 'ntk')
    .option('--diag-reg <eps>', 'Tikhonov ridge ε added to the diagonal of Θ(X,X) (absolute, units of Θ)')
    .option('--nets <N>', 'train N networks (an even number: antithetic pairs) instead of the infinite-width theory')
    .option('--seed <S>', 'random seed (non-negative integer)', '0')
    .option('--workers <W>', 'worker threads (default: all cores for long runs; results do not depend on it)')
    .option('--groups <G>', 'jackknife groups', '64')
    .option('--mean-shift <mu,k>', 'output weights of the first k outputs have mean mu (symmetry breaking)')
    .option('--no-antithetic', 'independent networks instead of antithetic pairs')
    .option('--no-theory', 'with --nets: skip the infinite-width prediction')
    .option('--ntk', "with --nets: record each network's empirical NTK Θ̂(X,X) on the training inputs; its mean ± stderr and its shift and drift along the frozen kernel's extreme eigenvectors (JSON field ntk)")
    .option('--shard <k/K>', 'with --nets: train only shard k of K (0-based); write it with --out, combine with --merge')
    .option('--out <file>', 'with --nets or --merge: also write the exact state (sums) to FILE')
    .option('--merge <files...>', 'combine shard states written by --out into one result')
    .option('--quiet', 'print nothing to stdout (with --out)')
    .option('--json', 'print JSON instead of the table')
    .option(ORDER_ONE_OPTION, ORDER_ONE_DESCRIPTION, '0')
    .addHelpText('after', HELP + ORDER_ONE_HELP)
    .action((opts: TrainOptions) => runTrain(cmd, opts));
}
