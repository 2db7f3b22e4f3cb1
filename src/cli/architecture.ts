/**
 * Architecture flags shared by `nnft recursions`, `nnft mc` and others (docs/conventions.md):
 * --activation --cb --cw --widths --inputs [--lambda-b --lambda-w]. Per-layer values are comma lists.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { NnftInputError } from '../errors.ts';
import type { ArchitectureSpec, PerLayer } from '../spec.ts';

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

function parseNumberList(name: string, s: string): number[] {
  const parts = String(s).split(',').map((t) => t.trim());
  return parts.map((t) => {
    const x = Number(t);
    if (t === '' || !Number.isFinite(x)) throw new NnftInputError(`--${name}`, `'${t}' is not a number`, `pass numbers separated by commas, e.g. --${name} 1,2`);
    return x;
  });
}

function perLayer(name: string, s: string): PerLayer {
  const xs = parseNumberList(name, s);
  return xs.length === 1 ? xs[0] : xs;
}

/** Parse --inputs: inline JSON, or a path to a JSON file holding the array. */
export function parseInputs(s: string): number[][] {
  let text = s;
  if (!s.trim().startsWith('[') && existsSync(s)) text = readFileSync(s, 'utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new NnftInputError('--inputs', `neither JSON nor a readable file: ${s}`, "pass e.g. '[[1,0.5],[0.2,-0.9]]' or a path to a JSON file");
  }
  if (!Array.isArray(v) || !v.every((x) => Array.isArray(x))) {
    throw new NnftInputError('--inputs', 'must be an array of input vectors', "e.g. '[[1,0.5],[0.2,-0.9]]'");
  }
  return v as number[][];
}

export function parseArchitecture(opts: Record<string, string>): ArchitectureSpec {
  const widths = parseNumberList('widths', opts.widths);
  return {
    activation: opts.activation,
    inputs: parseInputs(opts.inputs),
    widths,
    cb: perLayer('cb', opts.cb),
    cw: perLayer('cw', opts.cw),
    lambdaB: perLayer('lambda-b', opts.lambdaB),
    lambdaW: perLayer('lambda-w', opts.lambdaW),
  };
}
