import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { finishState, sampleCorrelatorsState, sampleEnsembleState, type DistributionSpec, type EnsembleSpec, type McState } from '../../montecarlo/index.ts';
import { planMcOutput, writeMcOutput } from '../../output/mc.ts';
import { refuseOutputOptions } from '../../output/options.ts';
import { parseQuantities } from '../../quantities.ts';
import { addArchitectureOptions, parseArchitecture, type ArchitectureOptions } from '../architecture.ts';
import { GCNN_HELP, addGcnnOptions, isGcnn, runGcnnMc } from '../gcnn-options.ts'; // group-convolutional networks
import { parseChoice, parseInteger, parseIntegerList, parseJson, parseList, parseNumber, readJsonArgument, SEED_RANGE } from '../options.ts';
import { lazyProgress } from '../progress.ts';

interface McOptions extends ArchitectureOptions {
  nets: string;
  seed: string;
  quantities: string;
  shard?: string;
  state?: string;
  out?: string;
  format?: string;
  layers?: string;
  workers?: string;
  sampler: string;
  estimator: string;
  network: string;
  bias: boolean;
  weights: string;
  outputField: string;
  meanShift?: string;
  tLayer?: string;
  correlated?: string;
  infinite?: string;
  orders?: string;
  points?: string;
  outputs?: string;
  layer?: string;
  wick?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const HELP = `
Quantities per layer (docs/conventions.md normalisation: finite-width ones multiplied by n_{ℓ−1}), each as mean ± stderr:
  K, V4, K1 (preactivations; fast conditional-Gaussian sampler)   Theta, Theta1, A, B, D, F (empirical NTK)
K1 and Theta1 subtract the infinite-width K∞, Θ∞ of recursions/.

Standard errors: grouped jackknife over 64 groups of networks; at least 10 networks (10 non-empty groups) are
needed. The direct estimators of V4 (several inputs), A, B, D, F use pairs of distinct neurons: width ≥ 2.
A non-finite sample (σ undefined or overflowing, e.g. log(z) at z < 0 or huge inputs) stops the run (exit 2).
--workers is capped at the available cores; memory and time are estimated before sampling and a run over
NNFT_MAX_MEMORY / NNFT_MAX_SECONDS is refused with the largest width or number of networks that fits.

n-point functions instead of per-layer quantities: --orders 2,4[,6] (all index combinations of --outputs and
the inputs) or --points '[[[0,0],[0,1]],[[0,0],[1,0],[0,1],[1,1]]]' (lists of [output i, input α]).

Sharding (a SLURM job array; the merged result equals the single run bit for bit): --state FILE writes the
exact sums that \`nnft merge\` combines (--out writes the result itself):
  #SBATCH --array=0-15
  nnft mc --activation relu --widths 64,64,64,64 --nets 10000000 --seed 1 \\
      --shard $SLURM_ARRAY_TASK_ID/16 --state shard-$SLURM_ARRAY_TASK_ID.json --quiet
  # afterwards:  nnft merge shard-*.json --json > result.json

Output (docs/output-formats.md): --format table|json|npy, --out PATH (a directory for npy:
<Quantity>_<layer>.mean.npy and .stderr.npy + meta.json), --layers last|all|1,5,10. JSON larger than ~200 MB
is refused: use --format npy.

Example:
  nnft mc --activation relu --cb 0 --cw 2 --widths 64,64,64,64 --inputs '[[1,0],[0,1]]' \\
      --nets 100000 --seed 1 --quantities K,V4 --json
`;

function parseShard(s: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (!m) throw new NnftInputError('--shard', `'${s}' is not of the form k/N`, 'e.g. --shard 0/4 (shards are numbered 0..N−1)');
  const count = parseInteger('--shard', m[2]!, { min: 1, example: 'N ≥ 1 in k/N' });
  const index = parseInteger('--shard', m[1]!, { min: 0, max: count - 1, example: 'k from 0 to N−1 in k/N' });
  return { index, count };
}

/** --infinite: {"K": [layer][m][m], "Theta": [layer][m][m]} (either may be absent). */
function parseInfinite(text: string): NonNullable<EnsembleSpec['infinite']> {
  const v = readJsonArgument('--infinite', text, '{"K":[[[1,0],[0,1]]]}');
  const isTensor3 = (x: unknown): x is number[][][] =>
    Array.isArray(x) && x.every((l) => Array.isArray(l) && l.every((r) => Array.isArray(r) && r.every((e) => typeof e === 'number' && Number.isFinite(e))));
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new NnftInputError('--infinite', 'expected an object {"K": …, "Theta": …}', 'one m×m matrix per layer for each');
  const out: NonNullable<EnsembleSpec['infinite']> = {};
  for (const [key, value] of Object.entries(v)) {
    if (key !== 'K' && key !== 'Theta') throw new NnftInputError('--infinite', `unknown key '${key}'`, 'the keys are K and Theta');
    if (!isTensor3(value)) throw new NnftInputError('--infinite', `${key} is not a list of matrices of finite numbers`, 'one m×m matrix per layer');
    out[key] = value;
  }
  return out;
}

function parseDistribution(opts: McOptions): DistributionSpec | undefined {
  const dist: DistributionSpec = {};
  if (opts.weights !== 'gaussian') dist.weights = parseChoice('--weights', opts.weights, ['gaussian', 'uniform'] as const);
  const output = parseChoice('--output-field', opts.outputField, ['real', 'complex', 'quaternion'] as const);
  if (output !== 'real') dist.output = output;
  if (opts.meanShift !== undefined) {
    const [mu, k, ...rest] = parseList('--mean-shift', opts.meanShift, '0.1,1');
    if (mu === undefined || k === undefined || rest.length) throw new NnftInputError('--mean-shift', `'${opts.meanShift}' is not of the form mu,k`, 'e.g. --mean-shift 0.1,1');
    dist.meanShift = { mu: parseNumber('--mean-shift', mu), rows: parseInteger('--mean-shift', k, { min: 1 }) };
  }
  if (opts.tLayer !== undefined) dist.tLayer = { width: parseInteger('--t-layer', opts.tLayer, { min: 1 }) };
  if (opts.correlated !== undefined) dist.correlated = { lambda: parseNumber('--correlated', opts.correlated, { min: 0 }) };
  return Object.keys(dist).length ? dist : undefined;
}

const PROGRESS_FORMAT = 'nnft mc [{bar}] {percentage}% | {value}/{total} nets | ETA {eta_formatted}';

/** `nnft mc`: Monte Carlo ensembles (src/montecarlo). */
export function register(program: Command): void {
  const cmd = program.command('mc').description('sample network ensembles: per-layer K, V4, K1, Θ, Θ1, A, B, D, F or n-point functions, with standard errors');
  addArchitectureOptions(cmd)
    .option('--nets <n>', 'number of networks', '10000')
    .option('--seed <n>', 'random seed (non-negative integer)', '0')
    .option('--quantities <list>', 'comma list of K,V4,K1,Theta,Theta1,A,B,D,F', 'K,V4')
    .option('--shard <k/N>', 'run only shard k of N (0-based), for job arrays; combine with `nnft merge`')
    .option('--state <file>', 'also write the exact state (sums) to FILE, for `nnft merge`')
    .option('--workers <n>', 'worker threads (default: all cores for large runs; results do not depend on it)')
    .option('--sampler <kind>', 'auto | fast | full', 'auto')
    .option('--estimator <kind>', 'auto | conditional | direct', 'auto')
    .option('--network <kind>', "mlp | gauss-net (Halverson, Maiti, Stoner: σ = exp(z − K_αα)) | gcnn (group-convolutional, see --group)", 'mlp')
    .option('--no-bias', 'networks without biases')
    .option('--weights <dist>', 'gaussian | uniform (all layers)', 'gaussian')
    .option('--output-field <kind>', 'real | complex | quaternion output layer', 'real')
    .option('--mean-shift <mu,k>', 'output weights of the first k rows have mean mu (Symmetry-via-Duality eq. 14)')
    .option('--t-layer <width>', 'prepend a T-layer of this width (Symmetry-via-Duality App. A.4)')
    .option('--correlated <lambda>', 'output layer from exp(−Tr WᵀW/2σ² − λ(Tr WᵀW)²) (Symmetry-via-Duality eq. 16)')
    .option('--infinite <json|file>', 'infinite-width {"K":[…],"Theta":[…]} per layer for K1/Theta1 (default: recursions/)')
    .option('--orders <list>', 'n-point functions of these orders (1..6) instead of per-layer quantities')
    .option('--points <json>', 'explicit n-point functions: list of lists of [output i, input α]')
    .option('--outputs <list>', 'output indices for --orders (default: all, at most 16)')
    .option('--layer <l>', 'layer for n-point functions (default: the output layer)')
    .option('--wick', 'also report the deviation from Wick’s theorem (even orders)')
    .option('--json', 'print JSON instead of the table (same as --format json)')
    // ── output options (src/output) ──
    .option('--format <kind>', 'table | json | npy (npy: <Quantity>_<layer>.mean.npy / .stderr.npy files, needs --out DIR)')
    .option('--out <path>', 'write the result to PATH instead of stdout (a directory for --format npy)')
    .option('--layers <which>', 'layers to report: last | all | a comma list such as 1,5,10 (default all)')
    .option('--quiet', 'print nothing to stdout and show no progress bar (needs --out or --state)')
    .addHelpText('after', HELP);
  addGcnnOptions(cmd, { network: false }).addHelpText('after', GCNN_HELP); // group-convolutional networks
  cmd
    .action(async (opts: McOptions) => {
      if (isGcnn(opts)) {
        refuseOutputOptions(opts, 'group-convolutional networks');
        if (opts.state !== undefined) throw new NnftInputError('--state', 'is not available for group-convolutional networks', 'drop --state');
        return runGcnnMc(opts, await lazyProgress({ format: PROGRESS_FORMAT })); // group-convolutional networks (src/cli/gcnn-options.ts)
      }
      const arch = parseArchitecture(opts);
      // ── output options: every destination is checked before sampling ──
      const npoint = opts.orders !== undefined || opts.points !== undefined;
      const plan = planMcOutput(opts, arch, npoint);
      const spec: EnsembleSpec = {
        ...arch,
        nets: parseInteger('--nets', opts.nets, { min: 1, example: 'e.g. --nets 100000' }),
        seed: parseInteger('--seed', opts.seed, SEED_RANGE),
        shard: opts.shard !== undefined ? parseShard(opts.shard) : undefined,
        workers: opts.workers !== undefined ? parseInteger('--workers', opts.workers, { min: 1, example: 'e.g. --workers 2' }) : undefined,
        sampler: parseChoice('--sampler', opts.sampler, ['auto', 'fast', 'full'] as const),
        estimator: parseChoice('--estimator', opts.estimator, ['auto', 'conditional', 'direct'] as const),
        network: parseChoice('--network', opts.network, ['mlp', 'gauss-net'] as const),
        bias: opts.bias,
        distribution: parseDistribution(opts),
      };
      const quantities = npoint ? undefined : parseQuantities(parseList('--quantities', opts.quantities, 'K,V4'), 'montecarlo', '--quantities');
      const infinite = opts.infinite !== undefined ? parseInfinite(opts.infinite) : undefined;
      const progress = await lazyProgress({ format: PROGRESS_FORMAT, enabled: !plan.output.quiet });
      let state: McState;
      try {
        if (npoint) {
          state = await sampleCorrelatorsState({
            ...spec,
            onProgress: progress.update,
            orders: opts.orders !== undefined ? parseIntegerList('--orders', opts.orders, { min: 1, max: 6, example: 'e.g. --orders 2,4' }) : undefined,
            points: opts.points !== undefined ? parsePoints(opts.points) : undefined,
            outputs: opts.outputs !== undefined ? parseIntegerList('--outputs', opts.outputs, { min: 0, example: 'e.g. --outputs 0,1' }) : undefined,
            layer: opts.layer !== undefined ? parseInteger('--layer', opts.layer, { min: 1, max: arch.widths.length, example: 'a layer 1..L' }) : undefined,
            wick: opts.wick === true,
          });
        } else {
          state = await sampleEnsembleState({ ...spec, quantities, infinite, onProgress: progress.update });
        }
      } finally {
        progress.stop();
      }
      await writeMcOutput(plan, state, finishState, formatResult);
    });
}

/** --points: a list of correlators, each a list of [output i, input α] pairs. */
function parsePoints(text: string): [number, number][][] {
  const v = parseJson('--points', text, '[[[0,0],[0,1]]]');
  const isPair = (p: unknown): p is [number, number] => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 0);
  if (!Array.isArray(v) || v.length === 0 || !v.every((c): c is [number, number][] => Array.isArray(c) && c.length > 0 && c.every(isPair))) {
    throw new NnftInputError('--points', 'expected a non-empty list of correlators, each a list of [output i, input α] pairs of integers ≥ 0', "e.g. --points '[[[0,0],[0,1]]]'");
  }
  return v;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(5) : x.toExponential(3);
}

type AnyResult = Awaited<ReturnType<typeof finishState>>;

/** Readable table: per layer and input α the diagonal entries (mean ± stderr); or the n-point list. */
export function formatResult(res: AnyResult): string {
  const lines: string[] = [];
  if ('entries' in res) {
    lines.push(`n-point functions of layer ${res.layer} (${res.meta.nets} networks, seed ${res.meta.seed}); points are (i, α)`);
    const rows = res.entries.map((e) => [
      e.points.map(([i, a]) => `(${i},${a})`).join(''),
      `${fmt(e.moment.mean)} ± ${fmt(e.moment.stderr)}`,
      `${fmt(e.cumulant.mean)} ± ${fmt(e.cumulant.stderr)}`,
      e.wick ? `${fmt(e.wick.mean)} ± ${fmt(e.wick.stderr)}` : '',
    ]);
    const head = ['points', 'G(n)', 'cumulant', res.entries.some((e) => e.wick) ? 'G − Wick' : ''];
    return lines.concat(table(head, rows)).join('\n');
  }
  const { meta } = res;
  lines.push(`${meta.nets} networks, seed ${meta.seed}, ${meta.sampler} sampler, ${meta.estimator} estimators, ${meta.netsPerSecond.toFixed(0)} nets/s (${meta.workers} worker${meta.workers > 1 ? 's' : ''})`);
  const qs = ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'] as const;
  const present = qs.filter((q) => res.layers.some((l) => l[q] !== undefined));
  const head = ['layer', 'width', 'α', ...present.map((q) => (q === 'K' || q === 'K1' || q === 'Theta' || q === 'Theta1' ? `${q}_αα` : `${q}_αααα`))];
  const rows: string[][] = [];
  for (const l of res.layers) {
    const m = (l.K ?? l.Theta ?? l.K1 ?? l.Theta1)?.mean.length ?? (l.V4 ?? l.A ?? l.B ?? l.D ?? l.F)!.mean.length;
    for (let a = 0; a < m; a++) {
      const r = [String(l.layer), String(l.width), String(a)];
      for (const q of present) {
        const e = l[q] as { mean: unknown; stderr: unknown } | undefined;
        if (!e) {
          r.push('');
          continue;
        }
        const pick = (t: unknown): number => {
          let v = t as unknown;
          while (Array.isArray(v)) v = (v as unknown[])[a];
          return v as number;
        };
        r.push(`${fmt(pick(e.mean))} ± ${fmt(pick(e.stderr))}`);
      }
      rows.push(r);
    }
  }
  for (const n of meta.notes) lines.push(`note: ${n}`);
  return lines.concat(table(head, rows)).join('\n');
}

function table(head: string[], rows: string[][]): string[] {
  const w = head.map((c, j) => rows.reduce((x, r) => Math.max(x, (r[j] ?? '').length), c.length));
  const line = (r: string[]): string => r.map((s, j) => (s ?? '').padStart(w[j] ?? 0)).join('  ');
  return [line(head), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)];
}
