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
  deviation?: string;
  power: string;
  json?: boolean;
}

const EXAMPLE = `
Cases (Maiti, Stoner, Halverson, Symmetry-via-Duality): so-output, so-output-quartic, so-input, su-output,
  sp-output, translation, ntk-so-output, ntk-so-input, su-input (complex inputs, App. A.3); broken controls
  broken-mean, broken-input, broken-translation, broken-su-input. --dim is the dimension the group acts on:
  D (outputs) or d (inputs; complex dimension for su-input).

Each network is compared with its own transform (paired differences d = O′ − O of every correlator entry, or
of the empirical NTK), so each entry u gets a z-score and a relative deviation ρ_u = E[G′_u − G_u]/s_u, where
s_u = √((E[O²] + E[O′²])/2) is the typical size of the products that estimate the entry. Three verdicts:
  broken        max |z| exceeds the Bonferroni threshold z* = Φ⁻¹(1 − α/2K) over all K tests, and the
                10 largest |z| of the first half of the experiments are confirmed on the other networks;
  invariant     no breaking found, AND the test had the power 1 − β (--power) to find a deviation of the
                stated size δ (--deviation) in every entry: δ_det = (z_eff + z_β)·max_u σ_u ≤ δ, with σ_u
                the relative standard error, z_β = Φ⁻¹(1 − β), z_eff the harder of the two thresholds;
  inconclusive  no breaking found but δ_det > δ: the output gives δ_det (the smallest deviation detectable
                at this sample size) and the networks needed to resolve δ, N·(δ_det/δ)².
δ defaults to 0.1 (10% of the products' size); for broken-mean it is the breaking the mean shift predicts
(eq. 14). M_n = |G′ − G| is averaged as in App. C (mean μ_M, σ_M across experiments, bound δM of eq. 45).
An ensemble whose outputs are NaN or infinite (σ undefined or overflowing) stops with exit 2.
See docs/symmetry.md.

Example:
  nnft symmetry --case so-output --dim 3 --width 32 --nets 25000 --seed 1 --json
prints {"case":"so-output","verdict":"invariant","powerAnalysis":{"deviation":0.1,"detectable":…,"networksNeeded":…},
        "maxZ":…,"M":{"1":{…},"2":{"mean":…,"sigma":…,"bound":…},"4":{…}},…}
`;

function int(name: string, v: string | undefined, range: IntegerRange = { min: 1 }): number | undefined {
  return v === undefined ? undefined : parseInteger(`--${name}`, v, range);
}

/** `nnft symmetry`: invariance checks of correlators and of the mean NTK (src/symmetry). */
export function register(program: Command): void {
  program
    .command('symmetry')
    .description('symmetry-via-duality checks: are the ensemble correlators / mean NTK invariant under a group? invariant | broken | inconclusive, with a power analysis')
    .requiredOption('--case <name>', 'which case (see below)')
    .option('--dim <D>', 'dimension the group acts on (outputs D or inputs d)')
    .option('--width <n>', 'hidden width n', '32')
    .option('--nets <N>', 'number of networks (default per case)')
    .option('--seed <S>', 'random seed (non-negative integer)', '1')
    .option('--activation <name>', 'activation (default per case: tanh; relu for broken-mean)')
    .option('--orders <list>', "correlator orders and/or 'ntk', e.g. 1,2,4,6 (default per case)")
    .option('--elements <B>', 'number of random group elements / translations', '3')
    .option('--experiments <E>', 'experiments for μ_M ± σ_M (App. C)', '5')
    .option('--significance <alpha>', 'family-wise significance α of the verdict', '0.001')
    .option('--deviation <delta>', 'stated deviation δ to resolve, relative to the products\' typical size (default 0.1; broken-mean: the predicted breaking)')
    .option('--power <p>', 'power 1 − β to detect the stated deviation', '0.9')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: SymmetryOptions) => {
      const orders = opts.orders?.split(',').map((s) => s.trim()).filter((s) => s).map((s): number | 'ntk' => (s === 'ntk' ? 'ntk' : parseInteger('--orders', s, { min: 1, example: "orders such as 1,2,4 and/or 'ntk'" })));
      const significance = parseNumber('--significance', opts.significance, { min: 0, exclusive: true, max: 1, example: 'e.g. --significance 0.001' });
      const deviation = opts.deviation === undefined ? undefined : parseNumber('--deviation', opts.deviation, { min: 0, exclusive: true, example: 'e.g. --deviation 0.1' });
      const power = parseNumber('--power', opts.power, { min: 0, exclusive: true, max: 1, example: 'e.g. --power 0.9' });
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
        deviation,
        power,
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
      const pa = res.powerAnalysis;
      const fmtPct = (x: number) => `${(100 * x).toPrecision(2)}%`;
      const verdictLine =
        res.verdict === 'broken'
          ? `BROKEN  (max |z| = ${res.maxZ.toFixed(2)} > ${res.threshold.toFixed(2)} for α = ${res.significance} over ${res.tests} tests, p = ${res.pValue.toExponential(2)}; confirmed on held-out networks)`
          : res.verdict === 'invariant'
            ? `INVARIANT  (no breaking: max |z| = ${res.maxZ.toFixed(2)} vs ${res.threshold.toFixed(2)} over ${res.tests} tests; a deviation of ${fmtPct(pa.deviation)} would have been seen with power ${pa.power}: detectable ${fmtPct(pa.detectable)})`
            : `INCONCLUSIVE  (no breaking seen — max |z| = ${res.maxZ.toFixed(2)} vs ${res.threshold.toFixed(2)} — but only deviations ≥ ${fmtPct(pa.detectable)} are detectable with power ${pa.power} at ${res.nets} networks; resolving the stated ${fmtPct(pa.deviation)} needs ≈ ${pa.networksNeeded} networks)`;
      const lines = [
        `case        ${res.case}: ${res.description}`,
        `group       ${res.group}`,
        `ensemble    width ${res.width}, ${res.nets} networks, activation ${res.activation}, seed ${res.seed}`,
        `verdict     ${verdictLine}`,
        `deviation   stated δ = ${fmtPct(pa.deviation)}: ${res.deviationSource}`,
      ];
      if (res.where) {
        const w = res.where;
        lines.push(`largest     order ${w.order}, ${w.transform}, inputs [${w.inputs.join(',')}], outputs [${w.outputs.join(',')}]: G′−G = ${w.diff.toExponential(3)} ± ${w.stderr.toExponential(2)} (ρ = ${w.relative.toExponential(2)} ± ${w.relativeStderr.toExponential(2)})`);
      }
      const c = res.confirmation;
      lines.push(`held-out    top ${c.selected} entries of ${c.selectionNets} networks re-tested on ${c.confirmationNets}: max |z| = ${c.maxZ.toFixed(2)} vs ${c.threshold.toFixed(2)} (verdict "broken" needs both tests)`);
      if (res.subgroup) lines.push(`subgroup    ${res.subgroup.group}: ${res.subgroup.verdict.toUpperCase()} (max |z| = ${res.subgroup.maxZ.toFixed(2)}, threshold ${res.subgroup.threshold.toFixed(2)}; detectable ${fmtPct(res.subgroup.powerAnalysis.detectable)})`);
      lines.push('', '  order    μ_M          σ_M          δM (bound)   max |z|   detectable ρ');
      for (const [k, v] of Object.entries(res.measures)) {
        lines.push(`  ${k.padEnd(6)}  ${v.mean.toExponential(3).padEnd(11)}  ${v.sigma.toExponential(3).padEnd(11)}  ${v.bound.toExponential(3).padEnd(11)}  ${v.maxZ.toFixed(2).padEnd(8)}  ${fmtPct(v.detectable)}`);
      }
      lines.push('', `group elements: max |RᵀR − I| = ${res.elementError.orthogonality.toExponential(2)}, δR = ${res.elementError.deltaR.toExponential(2)}; ${res.seconds.toFixed(1)} s`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
