import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { networkOsChecks, type NetworkOsResult } from '../../fieldtheory/os-network.ts';
import { clusterDecompositionOfKernel, euclideanInvarianceOfKernel, reflectionPositivityOfKernel, type ClusterDecompositionResult, type EuclideanInvarianceResult, type Kernel1D, type ReflectionPositivityResult } from '../../fieldtheory/osterwalder-schrader.ts';
import { finiteJson, optionNumber, optionNumberList } from '../field-options.ts';

const EXAMPLE = `
Osterwalder–Schrader checks over a one-dimensional Euclidean time τ (Leung, "Physics4ML", §3, eqs. 3.1–3.2;
docs/field-theory.md): reflection positivity (the reflected matrix M_ij = G(−τ_i, τ_j), τ_i > 0, is symmetric
and positive semi-definite: its smallest eigenvalue), cluster decomposition (connected correlators at separation
b fall below δ of their value at b = 0), Euclidean invariance (translations τ ↦ τ + c, reflection τ ↦ −τ).
Verdicts: satisfied | violated | inconclusive. A kernel is checked exactly (rounding tolerance); --nets adds
the statistical checks on sampled networks (held-out test of the most negative direction, jackknife errors,
Bonferroni, power 1 − β against a violation of relative size δ, like nnft symmetry).

Examples:
  nnft osterwalder-schrader --kernel exp                 (e^{−|τ|}: reflection positive)
  nnft osterwalder-schrader --kernel rbf                 (the Gauss-net kernel e^{−τ²/2}: not)
  nnft osterwalder-schrader --activation cos-net --width 16 --nets 50000 --times 0.25:2:8
  nnft osterwalder-schrader --activation gauss-net --cw 1 --width 16 --nets 50000 --times 0.25:2:8 --json
`;

function timesOf(raw: unknown): number[] {
  const s = String(raw);
  const parts = s.split(':');
  if (parts.length !== 3) throw new NnftInputError('--times', `expected from:to:count, got '${s}'`, 'e.g. 0.1:4:40');
  const from = optionNumber('--times', parts[0], { above: 0 })!;
  const to = optionNumber('--times', parts[1], { above: 0 })!;
  const n = optionNumber('--times', parts[2], { integer: true, min: 1, max: 400 })!;
  if (n > 1 && !(to > from)) throw new NnftInputError('--times', `need from < to, got ${from}:${to}`);
  return Array.from({ length: n }, (_, i) => (n === 1 ? from : from + ((to - from) * i) / (n - 1)));
}

function namedKernel(name: string, scale: number): Kernel1D {
  if (name === 'exp') return (s, t) => Math.exp(-Math.abs(s - t) / scale);
  if (name === 'rbf') return (s, t) => Math.exp(-((s - t) ** 2) / (2 * scale * scale));
  throw new NnftInputError('--kernel', `unknown kernel '${name}'`, 'use exp (e^{−|s−t|/ℓ}) or rbf (e^{−(s−t)²/2ℓ²}), or --activation for a network');
}

function rpLines(label: string, r: ReflectionPositivityResult): string[] {
  const err = r.minEigenvalueStderr > 0 ? ` ± ${r.minEigenvalueStderr.toExponential(2)}` : '';
  const lines = [`${label} reflection positivity: ${r.verdict}`, `    smallest eigenvalue of M ${r.minEigenvalue.toExponential(3)}${err} (largest ${r.scale.toExponential(3)}), asymmetry ${r.asymmetry.toExponential(2)}`];
  if (r.test.kind === 'exact') lines.push(`    rounding tolerance ${r.test.tolerance.toExponential(1)}`);
  else lines.push(`    held-out fᵀMf = ${r.test.value.toExponential(3)} ± ${r.test.stderr.toExponential(2)} (z = ${r.test.z.toFixed(2)}, violated below −${r.test.threshold.toFixed(2)}); detectable violation ${r.power!.detectable.toExponential(2)} of λ_max (stated ${r.power!.deviation}), networks needed ${r.power!.networksNeeded}`);
  return lines;
}

function clusterLines(label: string, c: ClusterDecompositionResult): string[] {
  const lines = [`${label} cluster decomposition from τ₀ = ${c.origin}:`];
  for (const [name, part] of [['two-point', c.twoPoint], ['four-point', c.fourPoint]] as const) {
    if (!part) continue;
    const err = part.ratioStderr > 0 ? ` ± ${part.ratioStderr.toExponential(2)}` : '';
    lines.push(`    ${name}: ${part.verdict}; |G_c(b_max)|/|G_c(0)| = ${part.ratio.toExponential(3)}${err}; G_c(b): ${part.points.map((p) => `${p.separation}: ${p.value.toExponential(2)}`).join(', ')}`);
  }
  return lines;
}

function euclidLines(label: string, e: EuclideanInvarianceResult): string[] {
  const z = (x: { maxZ?: number; threshold?: number }) => (x.maxZ !== undefined ? ` (max |z| ${x.maxZ.toFixed(2)}, threshold ${x.threshold!.toFixed(2)})` : '');
  return [`${label} Euclidean invariance: translations by ${e.shifts.join(', ')}: ${e.translation.verdict}, max relative deviation ${e.translation.maxDeviation.toExponential(2)}${z(e.translation)}; reflection τ ↦ −τ: ${e.reflection.verdict}, ${e.reflection.maxDeviation.toExponential(2)}${z(e.reflection)}`];
}

/** `nnft osterwalder-schrader`: reflection positivity, cluster decomposition, Euclidean invariance (src/fieldtheory). */
export function register(program: Command): void {
  program
    .command('osterwalder-schrader')
    .alias('os')
    .description('Osterwalder–Schrader checks of a kernel or a network ensemble on a 1-D time grid: reflection positivity, cluster decomposition, Euclidean invariance (docs/field-theory.md)')
    .option('--kernel <name>', 'check a kernel: exp (e^{−|s−t|/ℓ}) or rbf (e^{−(s−t)²/2ℓ²})')
    .option('--scale <l>', 'ℓ of --kernel', '1')
    .option('--activation <name>', "or a single-hidden-layer network: registry activation, 'gauss-net' or 'cos-net'")
    .option('--width <N>', 'hidden width N of the network', '16')
    .option('--cb <Cb>', 'hidden bias variance', '0')
    .option('--cw <Cw>', 'hidden weight variance (the Cauchy scale μ for cos-net)', '1')
    .option('--cw-out <C>', 'output weight variance', '1')
    .option('--cb-out <C>', 'output bias variance', '0')
    .option('--nets <n>', 'also sample this many networks for the statistical checks')
    .option('--seed <s>', 'seed of the sampled networks', '1')
    .option('--times <from:to:n>', 'positive times τ_1..τ_n of the reflection-positivity grid', '0.1:4:40')
    .option('--origin <t0>', 'τ₀ of the cluster check', '0.5')
    .option('--separations <list>', 'separations b of the cluster check (0 first)', '0,1,2,4,8')
    .option('--shifts <list>', 'translations c of the Euclidean check', '0.5,1.3')
    .option('--alpha <a>', 'significance of "violated" (sampled checks)', '0.001')
    .option('--power <p>', 'power 1 − β against the stated violation', '0.9')
    .option('--deviation <d>', 'stated relative violation δ', '0.05')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action((opts: Record<string, string | boolean | undefined>) => {
      const times = timesOf(opts.times);
      const origin = optionNumber('--origin', opts.origin)!;
      const separations = optionNumberList('--separations', opts.separations, { min: 0 })!;
      const shifts = optionNumberList('--shifts', opts.shifts)!;
      const alpha = optionNumber('--alpha', opts.alpha, { above: 0, max: 0.5 })!;
      const power = optionNumber('--power', opts.power, { above: 0.5 })!;
      const deviation = optionNumber('--deviation', opts.deviation, { above: 0 })!;
      if (power >= 1) throw new NnftInputError('--power', `need 0.5 < 1 − β < 1, got ${power}`);
      if ((opts.kernel === undefined) === (opts.activation === undefined)) throw new NnftInputError(opts.kernel === undefined ? '--activation' : '--kernel', 'give exactly one of --kernel and --activation');
      const stat = { alpha, power, deviation };
      if (typeof opts.kernel === 'string') {
        if (opts.nets !== undefined) throw new NnftInputError('--nets', 'a named kernel has no networks to sample', 'use --activation for a network ensemble');
        const scale = optionNumber('--scale', opts.scale, { above: 0 })!;
        const k = namedKernel(opts.kernel, scale);
        const result = {
          kernel: opts.kernel,
          scale,
          reflectionPositivity: reflectionPositivityOfKernel(k, times),
          clusterDecomposition: clusterDecompositionOfKernel(k, origin, separations, stat),
          euclideanInvariance: euclideanInvarianceOfKernel(k, [...times.map((t) => -t), ...times], shifts),
        };
        if (opts.json) return void process.stdout.write(finiteJson(result) + '\n');
        process.stdout.write([`kernel ${opts.kernel} (ℓ = ${scale}) on ${times.length} times`, ...rpLines('', result.reflectionPositivity), ...clusterLines('', result.clusterDecomposition), ...euclidLines('', result.euclideanInvariance)].join('\n') + '\n');
        return;
      }
      const r: NetworkOsResult = networkOsChecks({
        activation: String(opts.activation),
        width: optionNumber('--width', opts.width, { integer: true, min: 1, max: 1e6 })!,
        cb: optionNumber('--cb', opts.cb, { min: 0 }),
        cw: optionNumber('--cw', opts.cw, { above: 0 }),
        cwOut: optionNumber('--cw-out', opts.cwOut, { above: 0 }),
        cbOut: optionNumber('--cb-out', opts.cbOut, { min: 0 }),
        times,
        origin,
        separations,
        shifts,
        nets: optionNumber('--nets', opts.nets, { integer: true, min: 256, max: 1e8 }),
        seed: optionNumber('--seed', opts.seed, { integer: true, min: 0 }),
        ...stat,
      });
      if (opts.json) return void process.stdout.write(finiteJson(r) + '\n');
      const lines = [`${r.network.activation}, N = ${r.network.width}: exact two-point function (and connected four-point function by duality)`];
      lines.push(...rpLines('  exact', r.exact.reflectionPositivity), ...clusterLines('  exact', r.exact.clusterDecomposition), ...euclidLines('  exact', r.exact.euclideanInvariance));
      if (r.sampled) {
        lines.push(`${r.sampled.nets} sampled networks (seed ${r.sampled.seed}):`);
        lines.push(...rpLines('  sampled', r.sampled.reflectionPositivity), ...clusterLines('  sampled', r.sampled.clusterDecomposition), ...euclidLines('  sampled', r.sampled.euclideanInvariance));
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
