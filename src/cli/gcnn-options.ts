/**
 * Group-convolutional networks on the architecture commands: `--network gcnn --group C8|p4:N
 * --support global|local:k[,…] --channels n1,…,nL [--group-indexed]` for `nnft recursions` and `nnft mc`
 * (docs/gcnn.md). The commands call `addGcnnOptions` when they register and `runGcnnRecursions` /
 * `runGcnnMc` when `--network gcnn` is given; everything else about these networks lives here and in src/gcnn.
 */
import type { Command } from 'commander';
import { NnftInputError } from '../errors.ts';
import { readJsonArgument } from './options.ts';
import type { PerLayer } from '../spec.ts';
import type { GcnnSpec, Signal } from '../gcnn/architecture.ts';

export const GCNN_HELP = `
Group-convolutional networks (--network gcnn; docs/gcnn.md):
  --group C8        cyclic group on periodic 1-D signals of length 8 (C1: trivial group = MLP)
  --group p4:6      rotations by 90° and translations of periodic 6×6 images
  --support global|local:k[,…]   filter support, one for all layers or one per layer (first: lifting layer);
                    local:k = radius k (C_N: |t| ≤ k; p4: |t0|,|t1| ≤ k, all four rotations)
  --channels n1,…,nL             channels per layer (the width; n_L = output channels, pooled over G)
  --inputs FILE     JSON list of signals: C_N: [[f(0),…,f(N−1)], …] or [[[f_c(0)…],…]] with channels;
                    p4:N: N×N images (optionally a channel vector per pixel)
  --group-indexed   also report the tensors on (input, group element) pairs before pooling
Reported tensors are those of the group-pooled channels z̄(f) = mean_g z(f, g), in the MLP shapes.
Example:
  nnft recursions --network gcnn --group C8 --support global,local:1,local:1 --channels 64,64,64 \\
      --activation tanh --cb 0.1 --cw 1.5 --inputs '[[0,1,0,0,0,0,0,0],[1,0.5,0,0,0,0,0,-0.5]]' --json
`;

/** Add the GCNN flags; `network: false` when the command already has a --network option. */
export function addGcnnOptions(cmd: Command, o: { network?: boolean } = {}): Command {
  if (o.network !== false) cmd.option('--network <kind>', 'mlp | gcnn (group-convolutional, see --group)', 'mlp');
  return cmd
    .option('--group <name>', 'with --network gcnn: C<N> (periodic 1-D signals) or p4:<N> (periodic N×N images)')
    .option('--support <list>', "with --network gcnn: filter support 'global' or 'local:k' (one, or one per layer)", 'global')
    .option('--channels <list>', 'with --network gcnn: channels n1,…,nL (default: --widths)')
    .option('--group-indexed', 'with --network gcnn: also report the tensors on (input, group element) pairs');
}

/** Whether the run is a GCNN; the GCNN-only flags without `--network gcnn` are an error rather than ignored. */
export function isGcnn(options: object): boolean {
  const opts: Record<string, unknown> = { ...options };
  if (opts.network === 'gcnn') return true;
  for (const [key, flag] of [['group', '--group'], ['channels', '--channels'], ['groupIndexed', '--group-indexed']] as const) {
    if (opts[key] !== undefined) throw new NnftInputError(flag, 'applies to group-convolutional networks only', `add --network gcnn, or drop ${flag}`);
  }
  if (opts.support !== undefined && opts.support !== 'global') throw new NnftInputError('--support', 'applies to group-convolutional networks only', 'add --network gcnn, or drop --support');
  return false;
}

function numbers(name: string, s: unknown): number[] {
  return String(s)
    .split(',')
    .map((t) => t.trim())
    .map((t) => {
      const x = Number(t);
      if (t === '' || !Number.isFinite(x)) throw new NnftInputError(`--${name}`, `'${t}' is not a number`, `pass numbers separated by commas, e.g. --${name} 1,2`);
      return x;
    });
}

function perLayer(name: string, s: unknown): PerLayer {
  const xs = numbers(name, s);
  return xs.length === 1 ? xs[0]! : xs;
}

/** --inputs for signals: inline JSON or a path to a JSON file holding the list. */
function parseSignals(s: string): Signal[] {
  const v = readJsonArgument('--inputs', s, '[[0,1,0,0,0,0,0,0]]');
  if (!Array.isArray(v) || v.length === 0) throw new NnftInputError('--inputs', 'must be a non-empty list of signals', "e.g. '[[0,1,0,0,0,0,0,0]]' for one C8 signal");
  return v as Signal[];
}

/** The GcnnSpec of the command-line flags. */
export function gcnnSpecFromOptions(opts: Record<string, unknown>): GcnnSpec {
  if (typeof opts.group !== 'string') throw new NnftInputError('--group', 'missing (needed with --network gcnn)', 'e.g. --group C8 or --group p4:6');
  const channels = numbers('channels', opts.channels ?? opts.widths);
  return {
    activation: String(opts.activation),
    group: opts.group,
    inputs: parseSignals(String(opts.inputs)),
    channels,
    support: String(opts.support ?? 'global'),
    cb: perLayer('cb', opts.cb),
    cw: perLayer('cw', opts.cw),
    lambdaB: perLayer('lambda-b', opts.lambdaB),
    lambdaW: perLayer('lambda-w', opts.lambdaW),
  };
}

function fmt(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6) : x.toExponential(4);
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((c, j) => Math.max(c.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]): string => r.map((s, j) => (s ?? '').padStart(w[j]!)).join('  ');
  return [line(head), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n');
}

function header(g: { group: string; order: number; points: number; inputChannels: number; supports: string[]; supportSizes: number[] }): string {
  return `group ${g.group} (|G| = ${g.order}, |X| = ${g.points}, C₀ = ${g.inputChannels}); supports ${g.supports.map((s, i) => `${s} (${g.supportSizes[i]})`).join(', ')}; tensors of the group-pooled channels`;
}

const DIAG2 = ['K', 'Theta', 'K1', 'Theta1'] as const;
const DIAG4 = ['V4', 'A', 'B', 'D', 'F'] as const;

/** `nnft recursions --network gcnn …` */
export async function runGcnnRecursions(options: object): Promise<void> {
  const opts: Record<string, unknown> = { ...options };
  const quantities = String(opts.quantities ?? 'K,Theta,V4,K1').split(',').map((s) => s.trim()).filter((s) => s !== '');
  // loaded here, not with the command: `nnft recursions` on a fully connected network never parses src/gcnn
  const { solveGcnnRecursions } = await import('../gcnn/solve.ts');
  const res = solveGcnnRecursions({ ...gcnnSpecFromOptions(opts), quantities }, { groupIndexed: opts.groupIndexed === true });
  if (opts.json) {
    process.stdout.write(JSON.stringify(res) + '\n');
    return;
  }
  const present = [...DIAG2, ...DIAG4].filter((q) => res.layers.some((l) => l[q] !== undefined));
  const rows: string[][] = [];
  for (const l of res.layers) {
    const m = (l.K ?? l.Theta ?? l.K1 ?? l.Theta1 ?? l.V4 ?? l.A ?? l.B ?? l.D ?? l.F ?? []).length;
    for (let a = 0; a < m; a++) {
      const r = [String(l.layer), String(l.width), String(a)];
      for (const q of present) {
        let v: unknown = l[q];
        while (Array.isArray(v)) v = (v as unknown[])[a];
        r.push(fmt(v as number));
      }
      rows.push(r);
    }
  }
  const head = ['layer', 'channels', 'f', ...present.map((q) => ((DIAG2 as readonly string[]).includes(q) ? `${q}_ff` : `${q}_ffff`))];
  process.stdout.write(`${header(res.gcnn)}\n${table(head, rows)}\n`);
}

/** Flags of `nnft mc` that the group-convolutional sampler does not have. */
const MC_UNSUPPORTED: [string, string][] = [
  ['shard', '--shard'], ['out', '--out'], ['orders', '--orders'], ['points', '--points'], ['outputs', '--outputs'], ['layer', '--layer'],
  ['wick', '--wick'], ['meanShift', '--mean-shift'], ['tLayer', '--t-layer'], ['correlated', '--correlated'], ['infinite', '--infinite'],
];

/** `nnft mc --network gcnn …` */
export async function runGcnnMc(options: object, progress?: { update(done: number, total: number): void; stop(): void }): Promise<void> {
  const opts: Record<string, unknown> = { ...options };
  for (const [key, flag] of MC_UNSUPPORTED) {
    if (opts[key] !== undefined && opts[key] !== false) throw new NnftInputError(flag, 'is not available with --network gcnn', 'drop it; group-convolutional ensembles report per-layer quantities of one run');
  }
  for (const [key, dflt, flag] of [['sampler', 'auto', '--sampler'], ['estimator', 'auto', '--estimator'], ['weights', 'gaussian', '--weights'], ['outputField', 'real', '--output-field']] as const) {
    if (opts[key] !== undefined && opts[key] !== dflt) throw new NnftInputError(flag, 'is not available with --network gcnn', 'group-convolutional ensembles use Gaussian weights and conditional estimators');
  }
  if (opts.bias === false) throw new NnftInputError('--no-bias', 'is not available with --network gcnn', 'pass --cb 0 --lambda-b 0 instead');
  const int = (name: string, s: unknown): number | undefined => {
    if (s === undefined) return undefined;
    const x = Number(s);
    if (!Number.isSafeInteger(x)) throw new NnftInputError(`--${name}`, `'${String(s)}' is not an integer`);
    return x;
  };
  const nets = int('nets', opts.nets ?? '10000')!;
  if (nets < 1) throw new NnftInputError('--nets', `expected an integer ≥ 1, got ${nets}`, 'pass the number of networks to sample, e.g. 100000');
  const quantities = String(opts.quantities ?? 'K,V4').split(',').map((s) => s.trim()).filter((s) => s !== '');
  let res;
  try {
    const { sampleGcnnEnsemble } = await import('../gcnn/ensemble.ts');
    res = await sampleGcnnEnsemble({
      ...gcnnSpecFromOptions(opts),
      nets,
      seed: int('seed', opts.seed ?? '0'),
      workers: int('workers', opts.workers),
      quantities,
      groupIndexed: opts.groupIndexed === true,
      onProgress: progress?.update,
    });
  } finally {
    progress?.stop();
  }
  if (opts.quiet) return;
  if (opts.json) {
    process.stdout.write(JSON.stringify(res) + '\n');
    return;
  }
  const qs = [...DIAG2, ...DIAG4].filter((q) => res.layers.some((l) => l[q] !== undefined));
  const rows: string[][] = [];
  for (const l of res.layers) {
    const first = qs.map((q) => l[q]).find((e) => e !== undefined) as { mean: unknown[] } | undefined;
    const m = first ? first.mean.length : 0;
    for (let a = 0; a < m; a++) {
      const r = [String(l.layer), String(l.width), String(a)];
      for (const q of qs) {
        const e = l[q] as { mean: unknown; stderr: unknown } | undefined;
        const pick = (t: unknown): number => {
          let v = t;
          while (Array.isArray(v)) v = (v as unknown[])[a];
          return v as number;
        };
        r.push(e ? `${fmt(pick(e.mean))} ± ${fmt(pick(e.stderr))}` : '');
      }
      rows.push(r);
    }
  }
  const head = ['layer', 'channels', 'f', ...qs.map((q) => ((DIAG2 as readonly string[]).includes(q) ? `${q}_ff` : `${q}_ffff`))];
  const meta = res.meta;
  const lines = [header(res.gcnn), `${meta.nets} networks, seed ${meta.seed}, ${meta.netsPerSecond.toFixed(0)} nets/s (${meta.workers} worker${meta.workers > 1 ? 's' : ''})`];
  for (const n of meta.notes) lines.push(`note: ${n}`);
  process.stdout.write(`${lines.join('\n')}\n${table(head, rows)}\n`);
}
