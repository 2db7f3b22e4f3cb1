import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { outputCumulants, neuronCumulants } from '../../fieldtheory/duality.ts';
import { sampleConditionalCovariances, sampleOutputs, shallowNet, type ShallowNetSpec } from '../../fieldtheory/shallow-net.ts';
import { conditionalGaussianCumulants, sampleCumulants } from '../../fieldtheory/sample-cumulants.ts';
import { finiteJson, optionInputs, optionJson, optionNumber, optionNumberList, requiredNumber } from '../field-options.ts';

const EXAMPLE = `
Cumulants via duality (Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories"; Halverson, Maiti,
Stoner, "Neural Networks and Quantum Field Theory"; docs/field-theory.md). The single-hidden-layer network
  φ(x) = b + (1/√N) Σ_j h_j(x),  h_j = a_j σ(b_j + W_j·x),  Var a = C_W,out, Var b = C_b,out, Var W = C_W/n₀, Var b_j = C_b
(the PDLT normalisation Var W_out = C_W,out/N) is a sum of N i.i.d. neurons, so its connected correlators are
  κ_r(φ)(x1..xr) = N^(1−r/2) κ_r(h)(x1..xr)   (r ≠ 2),    κ_2(φ) = C_b,out + κ_2(h),
exactly at every width. The neuron's cumulants are computed in parameter space: Gaussian quadrature for a registry
activation with ≤ 4 distinct inputs per tuple, closed forms for gauss-net and cos-net, otherwise sampled neurons
(± jackknife error, marked "sampled"). --nets also samples networks and reports each cumulant's z-score.

Examples:
  nnft cumulants --activation relu --width 16 --inputs '[[1],[-0.5]]' --orders 2,4,6
  nnft cumulants --activation tanh --width 8 --inputs '[[1]]' --orders 4,6 --nets 200000 --json
`;

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(7) : x.toExponential(5);
}

/** `nnft cumulants`: connected correlators of a single-hidden-layer network from single-neuron cumulants. */
export function register(program: Command): void {
  program
    .command('cumulants')
    .description('connected correlators of a single-hidden-layer network from the cumulants of one neuron: κ_r(φ) = N^(1−r/2) κ_r(h) (docs/field-theory.md)')
    .option('--activation <name>', "registry activation, 'gauss-net' or 'cos-net'", 'tanh')
    .option('--width <N>', 'hidden width N')
    .option('--inputs <json|file>', 'input vectors, e.g. [[1],[0.5]]', '[[1]]')
    .option('--cb <Cb>', 'hidden bias variance C_b', '0')
    .option('--cw <Cw>', 'hidden weight variance C_W (Var W = C_W/n₀; the Cauchy scale μ for cos-net)', '1')
    .option('--cw-out <C>', 'output weight variance C_W,out (Var W_out = C_W,out/N)', '1')
    .option('--cb-out <C>', 'output bias variance C_b,out', '0')
    .option('--orders <list>', 'orders r (1..8), all non-decreasing input tuples', '2,4,6')
    .option('--tuples <json>', 'explicit tuples of input indices instead of --orders, e.g. [[0,0,1,1]]')
    .option('--neuron-samples <n>', 'neurons sampled where quadrature cannot be used', '1000000')
    .option('--nets <n>', 'also sample this many networks and compare (conditionally Gaussian estimator)')
    .option('--raw', 'with --nets: estimate from the raw outputs instead (no use of the Gaussian output layer)')
    .option('--seed <s>', 'seed of the sampled neurons and networks', '1')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action((opts: Record<string, string | boolean | undefined>) => {
      const inputs = optionInputs('--inputs', opts.inputs)!;
      const spec: ShallowNetSpec = {
        activation: String(opts.activation),
        inputs,
        width: requiredNumber('--width', opts.width, { integer: true, min: 1, max: 1e7 }),
        cb: optionNumber('--cb', opts.cb, { min: 0 }),
        cw: optionNumber('--cw', opts.cw, { above: 0 }),
        cwOut: optionNumber('--cw-out', opts.cwOut, { above: 0 }),
        cbOut: optionNumber('--cb-out', opts.cbOut, { min: 0 }),
      };
      const tuplesRaw = optionJson('--tuples', opts.tuples);
      if (tuplesRaw !== undefined && !Array.isArray(tuplesRaw)) throw new NnftInputError('--tuples', 'expected a JSON array of tuples of input indices');
      const tuples = tuplesRaw as number[][] | undefined;
      const orders = tuples ? undefined : optionNumberList('--orders', opts.orders, { integer: true, min: 1, max: 8 });
      const seed = optionNumber('--seed', opts.seed, { integer: true, min: 0 })!;
      const neuronSamples = optionNumber('--neuron-samples', opts.neuronSamples, { integer: true, min: 128, max: 1e8 })!;
      const nets = optionNumber('--nets', opts.nets, { integer: true, min: 256, max: 1e9 });
      const net = shallowNet(spec);
      const dopts = { orders, tuples, neuronSamples, seed };
      const neuron = neuronCumulants(net, dopts);
      const output = outputCumulants(net, dopts);
      let sampled: { tuple: number[]; value: number; stderr: number; z: number }[] | undefined;
      if (nets !== undefined) {
        const ts = output.map((c) => c.tuple);
        const got = opts.raw ? sampleCumulants(sampleOutputs(net, { nets, seed }), net.m, ts) : conditionalGaussianCumulants(sampleConditionalCovariances(net, { nets, seed }), net.m, ts);
        sampled = got.map((g, i) => {
          const err = Math.hypot(g.stderr, output[i]!.stderr);
          return { tuple: g.tuple, value: g.value, stderr: g.stderr, z: err > 0 ? (g.value - output[i]!.value) / err : 0 };
        });
      }
      const result = { network: { activation: net.activation, width: net.width, cb: net.cb, cw: net.cw, cwOut: net.cwOut, cbOut: net.cbOut, inputs: net.inputs }, neuron, output, ...(sampled ? { sampled: { nets: nets!, seed, estimator: opts.raw ? 'raw outputs' : 'conditionally Gaussian', cumulants: sampled } } : {}) };
      if (opts.json) {
        process.stdout.write(finiteJson(result) + '\n');
        return;
      }
      const lines = [`${net.activation}, N = ${net.width}, ${net.m} input(s); κ_r(φ) = N^(1−r/2) κ_r(h)`, `  tuple            r   method       κ_r(h)                κ_r(φ)${sampled ? '                sampled κ_r(φ)            z' : ''}`];
      output.forEach((c, i) => {
        const h = neuron[i]!;
        const e = (v: number, se: number) => (se > 0 ? `${fmt(v)} ± ${se.toExponential(1)}` : fmt(v));
        let line = `  ${('[' + c.tuple.join(',') + ']').padEnd(16)} ${String(c.order).padStart(1)}   ${c.method.padEnd(11)}  ${e(h.value, h.stderr).padEnd(20)}  ${e(c.value, c.stderr).padEnd(20)}`;
        if (sampled) line += `  ${e(sampled[i]!.value, sampled[i]!.stderr).padEnd(24)}  ${sampled[i]!.z.toFixed(2)}`;
        lines.push(line);
      });
      process.stdout.write(lines.join('\n') + '\n');
    });
}
