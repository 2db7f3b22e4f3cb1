/**
 * fast-check arbitraries for the argument space of every `nnft` subcommand, as a user (or a script with a
 * bug) might type it: sensible values, extreme magnitudes (1e-300 … 1e300), huge sizes (widths up to 1e9,
 * depth up to 10⁴, networks up to 10⁷), hostile activations (log(z), 1/z, exp(z^2), sqrt(z), z^1000,
 * garbage), bad file paths and unknown flags.
 *
 * To cover a new subcommand, add an entry to COMMAND_ARBITRARIES: an arbitrary of its argv after the command
 * name (a function of the fixtures, for files the command reads). test/cli/fuzz.test.ts checks that every
 * registered subcommand has one.
 */
import fc from 'fast-check';

/** Files and directories the arbitraries refer to, created by the test before it runs. */
export interface Fixtures {
  /** a writable scratch directory (outputs go to fresh names inside it) */
  dir: string;
  /** a JSON file holding valid inputs [[…],[…]] */
  inputsFile: string;
  /** shard states written by `nnft mc --shard k/2 --out` of one run */
  shards: [string, string];
  /** a file that is not JSON */
  textFile: string;
  /** JSON that is not a shard state */
  jsonFile: string;
}

export type ArgvArbitrary = (fx: Fixtures) => fc.Arbitrary<string[]>;

// ---------------------------------------------------------------- values
//
// Each value is valid most of the time (often extreme), and invalid now and then, so that a command line
// with eight options still reaches the computation in most runs instead of stopping at the first typo.

/** `valid` 19 times in 20, `invalid` otherwise. */
export function mostly<T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 19, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

/** `a` in about one case of twelve, else undefined. */
function rarely<T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 11, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
}

/** Positive numbers as text over the whole double range: m·10^e, e ∈ [−300, 300], and edge values. */
export const positiveMagnitude: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.double({ min: 1, max: 9.99, noNaN: true }), fc.integer({ min: -300, max: 300 })).map(([m, e]) => `${m.toPrecision(3)}e${e}`) },
  { weight: 1, arbitrary: fc.constantFrom('1e308', '1.7e308', '5e-324', '1e-300', '1e300', '1e-8', '1e8', '1e12') },
);

/** Malformed or non-finite numbers. */
export const badNumber: fc.Arbitrary<string> = fc.constantFrom('nan', 'NaN', 'Infinity', '-Infinity', '1e999', 'abc', '', '1,', '0x10', '1e', '--1', '-1', '-1e-300');

/** Signed numbers over the whole range (coordinates). */
export const signedMagnitude: fc.Arbitrary<string> = fc.tuple(fc.constantFrom('', '-'), positiveMagnitude).map(([s, m]) => `${s}${m}`);

/** A variance or learning-rate factor (≥ 0): sensible values, the extremes, rarely invalid. */
export const variance: fc.Arbitrary<string> = mostly(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('0', '0.1', '0.5', '1', '1.5', '1.8', '2', '2.2', '3') },
    { weight: 2, arbitrary: fc.double({ min: 0, max: 4, noNaN: true }).map((x) => String(Number(x.toPrecision(4)))) },
    { weight: 2, arbitrary: positiveMagnitude },
  ),
  badNumber,
);

/** One value, or (now and then) one per layer — rarely a list of the wrong length. */
function perLayer(value: fc.Arbitrary<string>, L: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 12, arbitrary: value },
    { weight: 3, arbitrary: fc.array(value, { minLength: L, maxLength: L }).map((xs) => xs.join(',')) },
    { weight: 1, arbitrary: fc.array(value, { minLength: 1, maxLength: 5 }).map((xs) => xs.join(',')) },
  );
}

/** Integers log-uniform in [lo, hi]. */
export function logInt(lo: number, hi: number): fc.Arbitrary<number> {
  return fc.double({ min: Math.log(lo), max: Math.log(hi + 1), noNaN: true }).map((u) => Math.min(hi, Math.max(lo, Math.floor(Math.exp(u)))));
}

export const ACTIVATIONS_SENSIBLE = ['relu', 'leaky_relu(0.1)', 'linear', 'tanh', 'erf', 'gelu', 'silu', 'swish', 'sigmoid', 'softplus', 'sin', 'gauss', 'z/(1+exp(-z))', 'tanh(z)^2', 'z^3', 'cos(z)', 'abs(z)'] as const;
export const ACTIVATIONS_HOSTILE = ['log(z)', '1/z', 'exp(z^2)', 'sqrt(z)', 'z^1000', 'exp(z)', 'exp(exp(z))', '1/(z-1)', 'z^(-2)', 'log(abs(z))', 'leaky_relu(1e308)', 'leaky_relu(-5)', 'exp(100*z)', 'sin(1/z)'] as const;
export const ACTIVATIONS_GARBAGE = ['', 'foo', 'z+', '(', 'leaky_relu(x)', 'relu(', 'x', 'z z', 'import("fs")', '1', 'NaN', 'process.exit(0)'] as const;

export const activation: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...ACTIVATIONS_SENSIBLE) },
  { weight: 6, arbitrary: fc.constantFrom(...ACTIVATIONS_HOSTILE) },
  { weight: 1, arbitrary: fc.constantFrom(...ACTIVATIONS_GARBAGE) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);

/** Widths: depth 1…10⁴ (mostly shallow), each width 1…1e9 (mostly moderate). */
export const widths: fc.Arbitrary<string> = mostly(
  fc.oneof(
    { weight: 8, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e9) }), { minLength: 1, maxLength: 6 }).map((w) => w.join(',')) },
    { weight: 2, arbitrary: fc.tuple(logInt(1, 10_000), logInt(1, 128)).map(([depth, n]) => Array(depth).fill(n).join(',')) },
    { weight: 1, arbitrary: fc.constantFrom('1000000000,1', '100000,1', '1,1000000000', '64') },
  ),
  fc.constantFrom('0', '-1', '1.5', '', '64,,64', 'a,b'),
);

/** Inputs: 1–4 vectors of dimension 1–4 with values over the whole range; or a file; rarely garbage. */
export function inputs(fx: Fixtures): fc.Arbitrary<string> {
  const value = fc.oneof({ weight: 12, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }).map((x) => Number(x.toPrecision(3))) }, { weight: 1, arbitrary: signedMagnitude.map(Number) });
  const vectors = fc.integer({ min: 1, max: 4 }).chain((n0) => fc.array(fc.array(value, { minLength: n0, maxLength: n0 }), { minLength: 1, maxLength: 4 }));
  return mostly(
    fc.oneof(
      { weight: 12, arbitrary: vectors.map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: fc.constantFrom('[[0.5],[0.5001]]', '[[0.5],[0.5000001]]', '[[1,0.5],[1,0.5]]', '[[1e308,1]]', '[[1e150,1]]', '[[1e200,1],[0,1]]', '[[0]]', '[[0,0],[1,1]]', '[[1,0],[-1,0]]', '[[1,0.5,-0.3],[1.00001,0.5,-0.3]]') },
      { weight: 1, arbitrary: fc.constant(fx.inputsFile) },
    ),
    fc.constantFrom('/nonexistent/inputs.json', fx.dir, fx.textFile, '[]', '[[]]', '[[1],[1,2]]', '[1,2]', '{"a":1}', '[[1e999]]', '[["a"]]', '[[null]]', 'not json'),
  );
}

export const QUANTITIES = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;

export const quantities: fc.Arbitrary<string> = mostly(fc.subarray([...QUANTITIES], { minLength: 1 }).map((q) => q.join(',')), fc.constantFrom('', 'X', 'K,', 'k'));

export const seed: fc.Arbitrary<string> = mostly(
  fc.oneof(
    { weight: 4, arbitrary: fc.nat({ max: 1000 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom('9007199254740991', '1e6', '0') },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }).map(String) },
  ),
  fc.oneof(fc.constantFrom('9007199254740992', '18446744073709551615', '123456789012345678901234567890', '-1', '1.5', 'x', ''), fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map(String)),
);

/** Networks 1…10⁷, log-uniform; rarely 0 or malformed. */
export const nets: fc.Arbitrary<string> = mostly(fc.oneof({ weight: 6, arbitrary: logInt(1, 1e7).map(String) }, { weight: 1, arbitrary: fc.constantFrom('1', '2', '3', '1e3') }), fc.constantFrom('0', '-5', '1.5', 'many'));

/** Output file paths: a fresh file in the scratch directory, or (now and then) one that cannot be written. */
export function outFile(fx: Fixtures, ext: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.nat({ max: 1e9 }).map((k) => `${fx.dir}/out-${k}.${ext}`) },
    { weight: 1, arbitrary: fc.constantFrom(`/nonexistent-dir/x.${ext}`, fx.dir, `${fx.textFile}/x.${ext}`, `/proc/nnft-x.${ext}`, '', `/sys/x.${ext}`) },
  );
}

/** Unknown or misspelt flags, appended to a command line now and then. */
export const unknownFlag: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(['--widht', '64'], ['--bogus'], ['--activaton', 'tanh'], ['-x'], ['--json=maybe'], ['extra-argument'], ['--nets'], ['--', '--x']),
  fc.stringMatching(/^--[a-z]{1,8}$/).map((f) => [f]),
);

/** Options (in a fixed order), each present or not, plus an occasional unknown flag. */
function options(required: fc.Arbitrary<string[]>[], optional: fc.Arbitrary<string[]>[], withUnknownFlag = true): fc.Arbitrary<string[]> {
  return fc
    .tuple(fc.tuple(...required), fc.tuple(...optional.map((o) => fc.option(o, { freq: 2, nil: undefined }))), withUnknownFlag ? rarely(unknownFlag) : fc.constant(undefined))
    .map(([req, opt, bad]) => [...req.flat(), ...opt.filter((x): x is string[] => x !== undefined).flat(), ...(bad ?? [])]);
}

const flag = (name: string, value: fc.Arbitrary<string>): fc.Arbitrary<string[]> => value.map((v) => [name, v]);
const bare = (name: string): fc.Arbitrary<string[]> => fc.constant([name]);
/** --json, almost always (exit 0 ⇒ the JSON is checked) */
const json: fc.Arbitrary<string[]> = fc.oneof({ weight: 9, arbitrary: fc.constant<string[]>(['--json']) }, { weight: 1, arbitrary: fc.constant<string[]>([]) });
/** One of `valid`, rarely one of `invalid`. */
const choice = (valid: readonly string[], invalid: readonly string[]): fc.Arbitrary<string> => mostly(fc.constantFrom(...valid), fc.constantFrom(...invalid));

/** --activation, --cb, --cw, --widths, --inputs, --lambda-b, --lambda-w, each present or not; per-layer lists sized to --widths. */
function architecture(fx: Fixtures): fc.Arbitrary<string[]> {
  return fc.option(widths, { freq: 3, nil: undefined }).chain((w) => {
    const L = w === undefined ? 3 : /^\d+(,\d+)*$/.test(w) ? w.split(',').length : 3;
    return options([], [flag('--activation', activation), flag('--cb', perLayer(variance, L)), flag('--cw', perLayer(variance, L)), fc.constant(w === undefined ? [] : ['--widths', w]), flag('--inputs', inputs(fx)), flag('--lambda-b', perLayer(variance, L)), flag('--lambda-w', perLayer(variance, L))], false);
  });
}

export const COMMAND_ARBITRARIES: Record<string, ArgvArbitrary> = {
  recursions: (fx) => options([json, architecture(fx)], [flag('--quantities', quantities)]),

  mc: (fx) =>
    options(
      [json, architecture(fx)],
      [
        flag('--nets', nets),
        flag('--seed', seed),
        flag('--quantities', quantities),
        flag('--workers', mostly(logInt(1, 1000).map(String), fc.constantFrom('0', 'all'))),
        flag('--sampler', choice(['auto', 'fast', 'full'], ['quick'])),
        flag('--estimator', choice(['auto', 'conditional', 'direct'], ['x'])),
        flag('--shard', choice(['0/2', '1/2', '0/1', '3/4'], ['2/2', '0/0', 'a/b', '1'])),
        flag('--network', choice(['mlp', 'gauss-net'], ['cnn'])),
        flag('--weights', choice(['gaussian', 'uniform'], ['cauchy'])),
        flag('--orders', choice(['2', '2,4', '1,2,3,4,5,6', '4'], ['7', '0', 'x'])),
        bare('--wick'),
        bare('--no-bias'),
      ],
    ),

  merge: (fx) =>
    fc
      .tuple(
        mostly(fc.constantFrom<string[]>([fx.shards[0], fx.shards[1]], [fx.shards[1], fx.shards[0]], [fx.shards[0]]), fc.subarray([fx.shards[0], fx.shards[0], '/nonexistent/shard.json', fx.textFile, fx.jsonFile, fx.dir], { minLength: 1, maxLength: 3 })),
        fc.option(flag('--out', outFile(fx, 'json')), { nil: undefined }),
        json,
        rarely(unknownFlag),
      )
      .map(([files, out, j, bad]) => [...files, ...(out ?? []), ...j, ...(bad ?? [])]),

  derive: (fx) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(choice(['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F', 'K', 'Theta'], ['Theta2', 'v4', '', 'x']), options([], [bare('--grouped'), bare('--latex'), json, flag('--svg', outFile(fx, 'svg'))])).map(([n, o]) => [n, ...o]) },
      {
        weight: 1,
        arbitrary: options(
          [flag('--ibp', choice(['GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2]) - GaussExpec(sig(z[a1])*sig(z[a2]))*K[b1, b2]', 'GaussExpec(sig(z[a1])*z[b1])', 'GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2]*z[b3]*z[b4])'], ['GaussExpec(', 'K[a1]', 'garbage', '']))],
          [bare('--grouped'), bare('--latex'), json],
        ),
      },
    ),

  wick: () =>
    fc
      .tuple(mostly(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 14 }).map(String) }, { weight: 1, arbitrary: logInt(1, 1e7).map(String) }), fc.constantFrom('-2', 'x', '1.5', '1e3', '')), options([], [json, bare('--count')]))
      .map(([p, o]) => [p, ...o]),

  diagrams: (fx) =>
    options(
      [flag('--points', mostly(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }).map((k) => 2 * k) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 16 }) }).map(String), fc.constantFrom('x', '-1', '0', '17', '1e9')))],
      [
        flag('--couplings', mostly(fc.uniqueArray(fc.integer({ min: 3, max: 8 }), { minLength: 1, maxLength: 4 }).map((c) => c.join(',')), fc.constantFrom('lambda,kappa', 'g4', 'x', '', '2', '9', '1,4'))),
        flag('--order', mostly(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 4, max: 6 }) }).map(String), fc.constantFrom('-1', 'x', '7'))),
        flag('--space', choice(['zero'], ['line', ''])),
        bare('--connected'),
        json,
        bare('--latex'),
        flag('--svg', outFile(fx, 'svg')),
      ],
    ),

  symmetry: () =>
    options(
      [flag('--case', choice(['so-output', 'so-output-quartic', 'so-input', 'su-output', 'sp-output', 'translation', 'broken-mean', 'ntk-so-output', 'ntk-so-input', 'broken-input', 'broken-translation'], ['so-outptu', '', 'x'])), json],
      [
        flag('--dim', mostly(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 2, max: 6 }) }, { weight: 1, arbitrary: logInt(2, 1e6) }).map(String), fc.constantFrom('0', '1', 'x'))),
        flag('--width', mostly(fc.oneof({ weight: 5, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e6) }).map(String), fc.constantFrom('0', 'x'))),
        flag('--nets', mostly(logInt(2, 1e7).map(String), fc.constantFrom('0', '1', 'x'))),
        flag('--seed', seed),
        flag('--activation', activation),
        flag('--orders', choice(['1,2,4', '2', '6', 'ntk', '2,ntk', '1,2,4,6'], ['0', 'x', '8'])),
        flag('--elements', mostly(logInt(1, 1000).map(String), fc.constantFrom('0', 'x'))),
        flag('--experiments', mostly(logInt(2, 100).map(String), fc.constantFrom('0', '1'))),
        flag('--significance', choice(['0.001', '0.05', '1e-300', '0.5'], ['0', '1', '2', 'x'])),
      ],
    ),
};
