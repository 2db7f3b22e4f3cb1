import type { Command } from 'commander';
import { checkSymmetry } from '../../symmetry/index.ts';
import { parseInteger, parseNumber, SEED_RANGE, type IntegerRange } from '../options.ts';

interface SymmetryOptions {
  case: string;
  dim?: string;
  width: string;
  nets?: string;
  seed: string;
  activation?: string;
  orders?: string;
  elements: string;
  experiments: string;
  significance: string;
  json?: boolean;
}

const EXAMPLE = `
Cases (Maiti, Stoner, Halverson, Symmetry-via-Duality): so-output, so-output-quartic, so-input, su-output, sp-output, translation,
  broken-mean, ntk-so-output, ntk-so-input; broken controls broken-input, broken-translation.
Each network of the ensemble is compared with its own transform (paired differences), so the verdict
"invariant"/"broken" is a z-test at family-wise significance α over all correlator entries (Bonferroni),
confirmed on held-out networks (the 10 largest |z| of the first half of the experiments re-tested on the rest);
M_n = |G′ − G| is averaged as in App. C of that paper (mean, sigma across experiments, bound δM of eq. 45).
--dim is the dimension the group acts on: D (outputs) for output cases, d (inputs) for input cases.

Example:
  nnft symmetry --case so-output --dim 3 --width 32 --nets 20000 --seed 1 --json
prints {"case":"so-output","verdict":"invariant","maxZ":…,"M":{"1":{…},"2":{"mean":…,"sigma":…,"bound":…},"4":{…}},…}
`;

function int(name: string, v: string | undefined, range: IntegerRange = { min: 1 }): number | undefined {
  return v === undefined ? undefined : parseInteger(`--${name}`, v, range);
}

/** `nnft symmetry`: invariance checks of correlators and of the mean NTK (src/symmetry). */
export function register(program: Command): void {
  program
    .command('symmetry')
    .description('symmetry-via-duality checks: are the ensemble correlators / mean NTK invariant under a group?')
    .requiredOption('--case <name>', 'which case (see below)')
    .option('--dim <D>', 'dimension the group acts on (outputs D or inputs d)')
    .option('--width <n>', 'hidden width n', '32')
    .option('--nets <N>', 'number of networks (default per case)')
    .option('--seed <S>', 'random seed (non-negative integer)', '1')
    .option('--activation <name>', 'activation (default per case: tanh; relu for broken-mean)')
    .option('--orders <list>', "correlator orders and/or 'ntk', e.g. 1,2,4,6 (default per case)")
    .option('--elements <B>', 'number of random group elements / translations', '3')
    .option('--experiments <E>', 'experiments for μ_M ± σ_M (App. C)', '5')
    .option('--significance <alpha>', 'family-wise significance of the verdict', '0.001')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: SymmetryOptions) => {
      const orders = opts.orders?.split(',').map((s) => s.trim()).filter((s) => s).map((s): number | 'ntk' => (s === 'ntk' ? 'ntk' : parseInteger('--orders', s, { min: 1, example: "orders such as 1,2,4 and/or 'ntk'" })));
      const significance = parseNumber('--significance', opts.significance, { min: 0, exclusive: true, max: 1, example: 'e.g. --significance 0.001' });
      let bar: { start(t: number, v: number): void; update(v: number): void; stop(): void } | null = null;
      if (process.stderr.isTTY) {
        const { SingleBar, Presets } = await import('cli-progress');
        bar = new SingleBar({ stream: process.stderr, format: 'networks [{bar}] {value}/{total}', hideCursor: true }, Presets.shades_classic);
      }
      let started = false;
      const res = checkSymmetry({
        case: opts.case,
        dim: int('dim', opts.dim),
        width: int('width', opts.width),
        nets: int('nets', opts.nets),
        seed: int('seed', opts.seed, SEED_RANGE),
        activation: opts.activation,
        orders,
        elements: int('elements', opts.elements),
        experiments: int('experiments', opts.experiments),
        significance,
        onProgress: bar
          ? (done, total) => {
              if (!started) {
                bar!.start(total, done);
                started = true;
              } else bar!.update(done);
            }
          : undefined,
      });
      if (bar && started) bar.stop();
      if (opts.json) {
        process.stdout.write(JSON.stringify(res) + '\n');
        return;
      }
      const lines = [
        `case        ${res.case}: ${res.description}`,
        `group       ${res.group}`,
        `ensemble    width ${res.width}, ${res.nets} networks, activation ${res.activation}, seed ${res.seed}`,
        `verdict     ${res.verdict.toUpperCase()}  (max |z| = ${res.maxZ.toFixed(2)} vs threshold ${res.threshold.toFixed(2)} for α = ${res.significance} over ${res.tests} tests; p = ${res.pValue.toExponential(2)})`,
      ];
      if (res.where) {
        const w = res.where;
        lines.push(`largest     order ${w.order}, ${w.transform}, inputs [${w.inputs.join(',')}], outputs [${w.outputs.join(',')}]: G′−G = ${w.diff.toExponential(3)} ± ${w.stderr.toExponential(2)}`);
      }
      const c = res.confirmation;
      lines.push(`held-out    top ${c.selected} entries of ${c.selectionNets} networks re-tested on ${c.confirmationNets}: max |z| = ${c.maxZ.toFixed(2)} vs ${c.threshold.toFixed(2)} (verdict "broken" needs both tests)`);
      if (res.subgroup) lines.push(`subgroup    ${res.subgroup.group}: ${res.subgroup.verdict.toUpperCase()} (max |z| = ${res.subgroup.maxZ.toFixed(2)}, threshold ${res.subgroup.threshold.toFixed(2)})`);
      lines.push('', '  order    μ_M          σ_M          δM (bound)   max |z|');
      for (const [k, v] of Object.entries(res.measures)) {
        lines.push(`  ${k.padEnd(6)}  ${v.mean.toExponential(3).padEnd(11)}  ${v.sigma.toExponential(3).padEnd(11)}  ${v.bound.toExponential(3).padEnd(11)}  ${v.maxZ.toFixed(2)}`);
      }
      lines.push('', `group elements: max |RᵀR − I| = ${res.elementError.orthogonality.toExponential(2)}, δR = ${res.elementError.deltaR.toExponential(2)}; ${res.seconds.toFixed(1)} s`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
