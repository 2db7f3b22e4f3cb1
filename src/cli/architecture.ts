/**
 * Architecture flags shared by `nnft recursions`, `nnft mc` and others (docs/conventions.md):
 * --activation --cb --cw --widths --inputs [--lambda-b --lambda-w]. Per-layer values are comma lists.
 */
import type { Command } from 'commander';
import { NnftInputError } from '../errors.ts';
import type { ArchitectureSpec, PerLayer } from '../spec.ts';
import { parseIntegerList, parseNumberList, readJsonArgument } from './options.ts';

/** The option values commander hands to an action of a command with addArchitectureOptions. */
export interface ArchitectureOptions {
  activation: string;
  cb: string;
  cw: string;
  widths: string;
  inputs: string;
  lambdaB: string;
  lambdaW: string;
}

export function addArchitectureOptions(cmd: Command): Command {
  return cmd
    .option('--activation <name>', "activation: registry name (relu, tanh, erf, gelu, …), 'leaky_relu(0.1)', or an expression in z", 'tanh')
    .option('--cb <values>', 'bias variance C_b (one value, or a comma list per layer)', '0')
    .option('--cw <values>', 'weight variance C_W (one value, or a comma list per layer)', '1')
    .option('--widths <list>', 'layer widths n1,…,nL (nL = output dimension)', '64,64,64')
    .option('--inputs <json|file>', 'inputs as a JSON array of vectors, or a path to a JSON file', '[[1,0.5],[0.2,-0.9]]')
    .option('--lambda-b <values>', 'NTK bias learning-rate factor λ_b', '1')
    .option('--lambda-w <values>', 'NTK weight learning-rate factor λ_W', '1');
}

function perLayer(option: string, s: string, positive: boolean): PerLayer {
  const xs = parseNumberList(option, s, positive ? { min: 0, exclusive: true } : { min: 0 });
  return xs.length === 1 ? xs[0]! : xs;
}

const INPUTS_EXAMPLE = '[[1,0.5],[0.2,-0.9]]';

/** Parse --inputs: inline JSON, or a path to a JSON file holding the array; an array of equal-length vectors of finite numbers. */
export function parseInputs(s: string): number[][] {
  const v = readJsonArgument('--inputs', s, INPUTS_EXAMPLE);
  if (!Array.isArray(v) || v.length === 0 || !v.every((x): x is unknown[] => Array.isArray(x))) {
    throw new NnftInputError('--inputs', 'must be a non-empty array of input vectors', `e.g. '${INPUTS_EXAMPLE}'`);
  }
  return v.map((x, a) =>
    x.map((y, j) => {
      if (typeof y !== 'number' || !Number.isFinite(y)) {
        throw new NnftInputError('--inputs', `input ${a}, coordinate ${j} is ${JSON.stringify(y) ?? String(y)}, not a finite number`, 'every coordinate must be a number between −1.8e308 and 1.8e308');
      }
      return y;
    }),
  );
}

export function parseArchitecture(opts: ArchitectureOptions): ArchitectureSpec {
  return {
    activation: opts.activation,
    inputs: parseInputs(opts.inputs),
    widths: parseIntegerList('--widths', opts.widths, { min: 1, example: 'e.g. --widths 64,64,1' }),
    cb: perLayer('--cb', opts.cb, false),
    cw: perLayer('--cw', opts.cw, true),
    lambdaB: perLayer('--lambda-b', opts.lambdaB, false),
    lambdaW: perLayer('--lambda-w', opts.lambdaW, false),
  };
}
