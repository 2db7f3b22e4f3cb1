import type { Command } from 'commander';
import { addArchitectureOptions, parseArchitecture } from '../architecture.ts';
import { NnftInputError } from '../../errors.ts';

const HELP = `
Quantities per layer (DESIGN §3 normalisation: finite-width ones multiplied by n_{ℓ−1}), each as mean ± stderr:
  K, V4, K1 (preactivations; fast conditional-Gaussian sampler)   Theta, Theta1, A, B, D, F (empirical NTK)
K1 and Theta1 subtract the infinite-width K∞, Θ∞ of recursions/.

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
  return { index: Number(m[1]), count: Number(m[2]) };
}

function parseIntOpt(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const x = Number(s);
  if (!Number.isSafeInteger(x)) throw new NnftInputError(`--${name}`, `'${s}' is not an integer`);
  return x;
}

function parseJson(name: string, s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new NnftInputError(`--${name}`, `not valid JSON: ${s}`);
  }
}

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
    .option('--network <kind>', "mlp | gauss-net (seed 003: σ = exp(z − K_αα))", 'mlp')
    .option('--no-bias', 'networks without biases')
    .option('--weights <dist>', 'gaussian | uniform (all layers)', 'gaussian')
    .option('--output-field <kind>', 'real | complex | quaternion output layer', 'real')
    .option('--mean-shift <mu,k>', 'output weights of the first k rows have mean mu (seed 000 eq. 14)')
    .option('--t-layer <width>', 'prepend a T-layer of this width (seed 000 A.4)')
    .option('--correlated <lambda>', 'output layer from exp(−Tr WᵀW/2σ² − λ(Tr WᵀW)²) (seed 000 eq. 16)')
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
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const arch = parseArchitecture(opts as Record<string, string>);
      // ── output options: every destination is checked before sampling ──
      const npoint = opts.orders !== undefined || opts.points !== undefined;
      const out = await import('../../output/mc.ts');
      const plan = out.planMcOutput(opts, arch, npoint);
      const dist: Record<string, unknown> = {};
      if (opts.weights && opts.weights !== 'gaussian') dist.weights = opts.weights;
      if (opts.outputField && opts.outputField !== 'real') dist.output = opts.outputField;
      if (typeof opts.meanShift === 'string') {
        const [mu, k] = opts.meanShift.split(',').map(Number);
        dist.meanShift = { mu, rows: k };
      }
      if (typeof opts.tLayer === 'string') dist.tLayer = { width: parseIntOpt('t-layer', opts.tLayer) };
      if (typeof opts.correlated === 'string') dist.correlated = { lambda: Number(opts.correlated) };
      const nets = parseIntOpt('nets', String(opts.nets))!;
      if (nets < 1) throw new NnftInputError('nets', `expected an integer ≥ 1, got ${nets}`, 'pass the number of networks to sample, e.g. 100000');
      const spec = {
        ...arch,
        nets,
        seed: parseIntOpt('seed', String(opts.seed)),
        shard: typeof opts.shard === 'string' ? parseShard(opts.shard) : undefined,
        workers: parseIntOpt('workers', opts.workers as string | undefined),
        sampler: opts.sampler as 'auto',
        estimator: opts.estimator as 'auto',
        network: opts.network as 'mlp',
        bias: opts.bias !== false,
        distribution: Object.keys(dist).length ? dist : undefined,
      };
      const mc = await import('../../montecarlo/index.ts');
      const { lazyProgress } = await import('../progress.ts');
      const progress = await lazyProgress({
        format: 'nnft mc [{bar}] {percentage}% | {value}/{total} nets | ETA {eta_formatted}',
        enabled: !plan.output.quiet,
      });
      let state;
      try {
        if (opts.orders !== undefined || opts.points !== undefined) {
          state = await mc.sampleCorrelatorsState({
            ...spec,
            onProgress: progress.update,
            orders: typeof opts.orders === 'string' ? opts.orders.split(',').map(Number) : undefined,
            points: typeof opts.points === 'string' ? (parseJson('points', opts.points) as [number, number][][]) : undefined,
            outputs: typeof opts.outputs === 'string' ? opts.outputs.split(',').map(Number) : undefined,
            layer: parseIntOpt('layer', opts.layer as string | undefined),
            wick: opts.wick === true,
          });
        } else {
          const quantities = String(opts.quantities).split(',').map((s) => s.trim()).filter((s) => s !== '');
          let infinite;
          if (typeof opts.infinite === 'string') {
            const { existsSync, readFileSync } = await import('node:fs');
            infinite = parseJson('infinite', existsSync(opts.infinite) ? readFileSync(opts.infinite, 'utf8') : opts.infinite);
          }
          state = await mc.sampleEnsembleState({ ...spec, quantities: quantities as never, infinite: infinite as never, onProgress: progress.update });
        }
      } finally {
        progress.stop();
      }
      await out.writeMcOutput(plan, state, mc.finishState, formatResult);
    });
}

function fmt(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(5) : x.toExponential(3);
}

type AnyResult = Awaited<ReturnType<typeof import('../../montecarlo/index.ts').finishState>>;

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
