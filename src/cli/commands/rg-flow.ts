import type { Command } from 'commander';
import { rgFlow } from '../../fieldtheory/rg-flow.ts';
import { finiteJson, optionNumber, optionNumberList } from '../field-options.ts';

const EXAMPLE = `
Running of the EFT couplings with the input-space cutoff Λ (Halverson, Maiti, Stoner, "Neural Networks and Quantum
Field Theory"; Maiti's slides; docs/field-theory.md). The action S_GP + ∫_{−Λ}^{Λ}dy [λ f⁴ + κ f⁶] is fitted to the
connected correlators of a single-hidden-layer network at 1-D inputs:
  λ(Λ) = −G_c⁽⁴⁾/(24 ∫K⁴),   κ(Λ) = [576 λ² Σ_10 ∫∫K³KK³ − G_c⁽⁶⁾]/(720 ∫K⁶),   averaged over input tuples,
with the exact correlators (cumulants via duality) or, with --nets, sampled ones (± jackknife). The running is
the log–log slope d log|λ|/d log Λ over the cutoffs (± the fit's regression error; ± the statistical error with
--nets). κ/λ falls as 1/N: κ is 1/N-suppressed relative to λ.

Examples:
  nnft rg-flow --activation gauss-net --cb 0.09 --cw 0.09 --width 8 --cutoffs 0.25,0.5,1,2,4
  nnft rg-flow --activation erf --cb 1 --cw 1 --width 16 --cutoffs 0.5,0.75,1 --nets 100000 --json
`;

/** `nnft rg-flow`: λ(Λ), κ(Λ) and their log–log running (src/fieldtheory/rg-flow.ts). */
export function register(program: Command): void {
  program
    .command('rg-flow')
    .description('EFT couplings λ(Λ), κ(Λ) of a single-hidden-layer network against the input-space cutoff Λ, and their running (docs/field-theory.md)')
    .option('--activation <name>', "registry activation, 'gauss-net' or 'cos-net'", 'gauss-net')
    .option('--width <N>', 'hidden width N', '8')
    .option('--cb <Cb>', 'hidden bias variance', '0.09')
    .option('--cw <Cw>', 'hidden weight variance', '0.09')
    .option('--cw-out <C>', 'output weight variance', '1')
    .option('--cb-out <C>', 'output bias variance', '0')
    .option('--inputs <list>', 'one-dimensional inputs x_α (at most 6)', '-0.6,-0.2,0.2,0.6')
    .option('--cutoffs <list>', 'cutoffs Λ (increasing, at least 3)', '0.25,0.5,1,2,4')
    .option('--nodes <n>', 'initial Gauss–Legendre nodes of the vertex integrals (doubled until converged)', '64')
    .option('--tolerance <t>', 'relative tolerance of λ, κ against the node count', '1e-8')
    .option('--no-kappa', 'λ only')
    .option('--no-trees', 'do not subtract the λ² trees from G_c⁽⁶⁾')
    .option('--nets <n>', 'use this many sampled networks instead of the exact correlators')
    .option('--seed <s>', 'seed of the sampled networks', '1')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action((opts: Record<string, string | boolean | undefined>) => {
      const r = rgFlow({
        network: {
          activation: String(opts.activation),
          width: optionNumber('--width', opts.width, { integer: true, min: 1, max: 1e7 })!,
          cb: optionNumber('--cb', opts.cb, { min: 0 }),
          cw: optionNumber('--cw', opts.cw, { above: 0 }),
          cwOut: optionNumber('--cw-out', opts.cwOut, { above: 0 }),
          cbOut: optionNumber('--cb-out', opts.cbOut, { min: 0 }),
        },
        inputs: optionNumberList('--inputs', opts.inputs)!,
        cutoffs: optionNumberList('--cutoffs', opts.cutoffs, { above: 0 })!,
        nodes: optionNumber('--nodes', opts.nodes, { integer: true, min: 8, max: 2000 }),
        tolerance: optionNumber('--tolerance', opts.tolerance, { above: 0, max: 0.1 }),
        kappa: opts.kappa !== false,
        treeSubtraction: opts.trees !== false,
        nets: optionNumber('--nets', opts.nets, { integer: true, min: 256, max: 1e8 }),
        seed: optionNumber('--seed', opts.seed, { integer: true, min: 0 }),
      });
      if (opts.json) return void process.stdout.write(finiteJson(r) + '\n');
      const e = (v: number, s: number) => (s > 0 ? `${v.toExponential(4)} ± ${s.toExponential(1)}` : v.toExponential(5));
      const lines = [`${r.network.activation}, N = ${r.network.width}, inputs ${r.inputs.join(', ')}; ${r.source}; vertex integrals on ${r.nodes} nodes (rel. error ${r.quadratureError.toExponential(1)})`];
      lines.push('        Λ   λ(Λ)                      ' + (r.kappa ? 'κ(Λ)                      κ/λ' : ''));
      r.lambda.forEach((l, i) => {
        const k = r.kappa?.[i];
        const q = r.kappaOverLambda?.[i];
        lines.push(`  ${l.cutoff.toPrecision(4).padStart(7)}   ${e(l.value, l.stderr).padEnd(24)}  ${k ? e(k.value, k.stderr).padEnd(24) : ''}  ${q ? e(q.value, q.stderr) : ''}`);
      });
      const sl = (name: string, s: { slope: number; fitStderr: number; statStderr: number }) => `${name}: d log|·|/d log Λ = ${s.slope.toFixed(4)} ± ${s.fitStderr.toExponential(1)} (fit)${s.statStderr > 0 ? ` ± ${s.statStderr.toExponential(1)} (statistical)` : ''}`;
      lines.push(sl('running of λ', r.lambdaSlope));
      if (r.kappaSlope) lines.push(sl('running of κ', r.kappaSlope));
      process.stdout.write(lines.join('\n') + '\n');
    });
}
