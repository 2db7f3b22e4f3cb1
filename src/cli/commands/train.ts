import type { Command, Option } from 'commander';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { NnftInputError } from '../../errors.ts';

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

Examples:
  nnft train --activation relu --cb 0 --cw 2 --widths 512,512 --train-inputs X.json --train-targets Y.json \\
      --test-inputs T.json --lr 1 --time 0,1,10,inf --json
  nnft train --activation tanh --cb 0.1 --cw 1.5 --widths 256,256 --train-inputs X.json --train-targets Y.json \\
      --test-inputs T.json --lr 0.05 --steps 0,10,100 --nets 2000 --seed 1 --json
Sharding (job arrays): add --shard k/K --out shard-k.json --quiet to each job, then
  nnft train --merge shard-*.json --json        (identical to one run, bit for bit)
`;

/** Inline JSON, or a path to a JSON file. */
async function readJson(flag: string, s: string): Promise<unknown> {
  const { existsSync, readFileSync } = await import('node:fs');
  let text = s;
  const t = s.trim();
  if (!t.startsWith('[') && !t.startsWith('{') && existsSync(s)) text = readFileSync(s, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new NnftInputError(`--${flag}`, `neither valid JSON nor a readable JSON file: ${s.length > 80 ? s.slice(0, 80) + '…' : s}`, 'pass e.g. [[-1,1],[0,1]] or a path to a JSON file (JSON has no NaN or Infinity)');
  }
}

/** Refuse an --out path whose directory does not exist, before anything is computed. */
async function requireWritable(file: string): Promise<void> {
  const { existsSync, statSync, accessSync, constants } = await import('node:fs');
  const { dirname, resolve } = await import('node:path');
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NnftInputError('--out', `the directory ${dir} does not exist`, 'create it first, or write elsewhere');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new NnftInputError('--out', `cannot write to ${dir}`, 'choose a writable directory');
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new NnftInputError('--out', `${file} is a directory`, 'give a file name');
}

function parseIntFlag(flag: string, s: string | undefined, min: number): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (!Number.isSafeInteger(x) || x < min) throw new NnftInputError(`--${flag}`, `expected an integer ≥ ${min}, got '${s}'`);
  return x;
}

function parseNumberFlag(flag: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (s.trim() === '' || !Number.isFinite(x)) throw new NnftInputError(`--${flag}`, `'${s}' is not a finite number`);
  return x;
}

function parseShard(s: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (!m) throw new NnftInputError('--shard', `'${s}' is not of the form k/K`, 'e.g. --shard 0/4 (shards are numbered 0..K−1)');
  return { index: Number(m[1]), count: Number(m[2]) };
}

async function lazyProgress(): Promise<{ update: (done: number, total: number) => void; stop: () => void }> {
  const { SingleBar, Presets } = await import('cli-progress');
  const t0 = Date.now();
  let bar: InstanceType<typeof SingleBar> | null = null;
  return {
    update(done, total) {
      if (!bar && Date.now() - t0 > 2000 && done < total) {
        bar = new SingleBar({ stream: process.stderr, format: 'nnft train [{bar}] {percentage}% | {value}/{total} units | ETA {eta_formatted}', noTTYOutput: true, notTTYSchedule: 10000, etaBuffer: 50 }, Presets.shades_classic);
        bar.start(total, done);
      }
      bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}

/** `nnft train`: what trained networks predict — infinite-width theory, or sampled networks trained by gradient descent. */
export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('predictions of trained networks: the infinite-width (frozen-NTK) mean and covariance at any time, or ensembles trained by gradient descent');
  addArchitectureOptions(cmd);
  // --widths means the hidden layers here (the output width is the target dimension); --inputs is not used
  const options = (cmd as unknown as { options: Option[] }).options;
  const widths = options.find((o) => o.long === '--widths');
  if (widths) {
    widths.description = 'hidden-layer widths n1,…,n_{L−1} (the output width is the target dimension D)';
    widths.defaultValue = '512,512';
    cmd.setOptionValueWithSource('widths', '512,512', 'default');
  }
  options.find((o) => o.long === '--inputs')?.hideHelp();
  cmd
    .option('--train-inputs <json|file>', 'training inputs X: JSON array of N vectors, or a JSON file')
    .option('--train-targets <json|file>', 'targets Y: JSON array of N vectors of dimension D (or N numbers)')
    .option('--test-inputs <json|file>', 'test inputs: JSON array of m vectors')
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
    .option('--shard <k/K>', 'with --nets: train only shard k of K (0-based); write it with --out, combine with --merge')
    .option('--out <file>', 'with --nets: also write the exact state (sums) to FILE')
    .option('--merge <files...>', 'combine shard states written by --out into one result')
    .option('--quiet', 'print nothing to stdout (with --out)')
    .option('--json', 'print JSON instead of the table')
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const training = await import('../../training/index.ts');
      const out = (res: unknown, table: () => string): void => {
        if (opts.quiet) return;
        process.stdout.write((opts.json ? JSON.stringify(res) : table()) + '\n');
      };
      if (opts.merge !== undefined) {
        const files = opts.merge as string[];
        const { existsSync, readFileSync } = await import('node:fs');
        const states = files.map((f) => {
          if (!existsSync(f)) throw new NnftInputError('--merge', `no such file: ${f}`);
          try {
            return JSON.parse(readFileSync(f, 'utf8'));
          } catch {
            throw new NnftInputError('--merge', `${f} is not JSON`, 'pass files written by `nnft train --nets N --out FILE`');
          }
        });
        const merged = training.mergeTrainStates(states);
        if (typeof opts.out === 'string') await requireWritable(opts.out);
        if (typeof opts.out === 'string') {
          const { writeFileSync } = await import('node:fs');
          writeFileSync(opts.out, JSON.stringify(merged));
        }
        const res = training.finishTrainState(merged);
        if (opts.theory !== false) {
          const th = training.infiniteWidthFor(merged.spec);
          res.infiniteWidth = { mean: th.mean, covariance: th.covariance, meta: th.meta };
        }
        out(res, () => training.formatEnsemble(res));
        return;
      }
      if (cmd.getOptionValueSource('inputs') === 'cli') throw new NnftInputError('--inputs', 'not used by nnft train', 'pass --train-inputs, --train-targets and --test-inputs');
      for (const flag of ['trainInputs', 'trainTargets', 'testInputs', 'lr'] as const) {
        if (opts[flag] === undefined) {
          const name = flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
          throw new NnftInputError(`--${name}`, 'missing', 'nnft train needs --train-inputs, --train-targets, --test-inputs and --lr');
        }
      }
      if ((opts.time === undefined) === (opts.steps === undefined)) {
        throw new NnftInputError('--time/--steps', 'give exactly one of them', '--time t1,t2,… for gradient flow, --steps s1,s2,… for gradient descent');
      }
      const trainInputs = (await readJson('train-inputs', String(opts.trainInputs))) as number[][];
      const trainTargets = (await readJson('train-targets', String(opts.trainTargets))) as number[][];
      const testInputs = (await readJson('test-inputs', String(opts.testInputs))) as number[][];
      const data = training.validateData({ trainInputs, trainTargets, testInputs });
      const hidden = String(opts.widths).trim();
      const arch = parseArchitecture({ ...(opts as unknown as ArchitectureOptions), widths: hidden === '' ? String(data.D) : `${hidden},${data.D}`, inputs: '[[0]]' });
      const { inputs: _unused, ...architecture } = arch;
      const lr = parseNumberFlag('lr', opts.lr as string)!;
      const kernel = String(opts.kernel) as 'ntk';
      const diagReg = parseNumberFlag('diag-reg', opts.diagReg as string | undefined);
      const schedule = opts.time !== undefined
        ? { kind: 'flow' as const, times: training.parseScheduleList('time', String(opts.time)) }
        : { kind: 'gd' as const, steps: training.parseScheduleList('steps', String(opts.steps)) };
      let meanShift: { mu: number; rows: number } | undefined;
      if (typeof opts.meanShift === 'string') {
        const parts = opts.meanShift.split(',');
        const mu = parseNumberFlag('mean-shift', parts[0]);
        const rows = parseIntFlag('mean-shift', parts[1], 0);
        if (parts.length !== 2 || mu === undefined || rows === undefined) throw new NnftInputError('--mean-shift', `'${opts.meanShift}' is not of the form mu,k`, 'e.g. --mean-shift 0.1,2');
        meanShift = { mu, rows };
      }
      if (opts.nets === undefined) {
        for (const flag of ['shard', 'out', 'meanShift', 'workers'] as const) {
          if (opts[flag] !== undefined) throw new NnftInputError(`--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, 'only applies to trained networks', 'add --nets N');
        }
        const res = training.predictInfiniteWidth({ ...architecture, trainInputs, trainTargets, testInputs, lr, schedule, kernel: kernel as never, diagReg });
        out(res, () => training.formatPrediction(res));
        return;
      }
      if (schedule.kind !== 'gd') throw new NnftInputError('--time', 'trained networks take discrete gradient-descent steps', 'use --steps s1,s2,… with --nets (s steps of size η approximate flow time t = s when ηλ_max ≪ 1)');
      if (diagReg !== undefined) throw new NnftInputError('--diag-reg', 'regularises the infinite-width kernel only; trained networks are not regularised', 'drop --diag-reg with --nets');
      const nets = parseIntFlag('nets', opts.nets as string, 1)!;
      const spec = {
        ...architecture,
        trainInputs,
        trainTargets,
        testInputs,
        lr,
        steps: schedule.steps,
        nets,
        seed: parseIntFlag('seed', opts.seed as string, 0),
        kernel: kernel as 'ntk' | 'last-layer',
        antithetic: opts.antithetic === false ? false : undefined,
        meanShift,
        groups: parseIntFlag('groups', opts.groups as string, 2),
        workers: parseIntFlag('workers', opts.workers as string | undefined, 1),
        shard: typeof opts.shard === 'string' ? parseShard(opts.shard) : undefined,
      };
      const plan = training.buildTrainPlan(spec);
      if (typeof opts.out === 'string') await requireWritable(opts.out);
      // the infinite-width prediction (and the η check against 2/λ_max) before any network is trained
      const shifted = plan.meanShift !== null && plan.meanShift.mu !== 0 && plan.meanShift.rows > 0;
      const theory = opts.theory !== false && !shifted ? training.infiniteWidthFor(spec) : undefined;
      if (!theory) training.infiniteWidthFor({ ...spec, testInputs: trainInputs.slice(0, 1) });
      const progress = await lazyProgress();
      let state;
      try {
        state = await training.trainEnsembleState({ ...spec, onProgress: progress.update });
      } finally {
        progress.stop();
      }
      if (typeof opts.out === 'string') {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(opts.out, JSON.stringify(state));
      }
      const res = training.finishTrainState(state);
      if (theory) res.infiniteWidth = { mean: theory.mean, covariance: theory.covariance, meta: theory.meta };
      out(res, () => training.formatEnsemble(res));
    });
}
