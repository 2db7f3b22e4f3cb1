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
  /** shard states written by `nnft mc --shard k/2 --state` of one run */
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

/** Sampled networks of the field-theory commands (they need at least 256–1000): mostly 10²…10⁷, rarely too few or malformed. */
export const fieldNets: fc.Arbitrary<string> = mostly(fc.oneof({ weight: 6, arbitrary: logInt(100, 1e7).map(String) }, { weight: 1, arbitrary: fc.constantFrom('256', '1000', '1e3') }), fc.constantFrom('0', '1', '-5', '1.5', 'many'));

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

/** A directory for NumPy files: a fresh name in the scratch directory (sometimes nested), rarely a bad path. */
export function outDir(fx: Fixtures): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.nat({ max: 1e9 }), fc.boolean()).map(([k, nested]) => `${fx.dir}/npy-${k}${nested ? '/sub' : ''}`) },
    { weight: 1, arbitrary: fc.constantFrom(fx.textFile, `${fx.textFile}/npy`, '/proc/nnft-npy', '', '/sys/npy') },
  );
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

/** A JSON matrix of `rows` vectors of dimension `dim`: values in [−3, 3], or (one matrix in seven) over the whole double range. */
function jsonMatrix(rows: fc.Arbitrary<number>, dim: number): fc.Arbitrary<string> {
  const moderate = fc.double({ min: -3, max: 3, noNaN: true }).map((x) => Number(x.toPrecision(3)));
  const anyMagnitude = fc.oneof(moderate, signedMagnitude.map(Number));
  return fc
    .tuple(rows, fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }))
    .chain(([n, extreme]) => fc.array(fc.array(extreme ? anyMagnitude : moderate, { minLength: dim, maxLength: dim }), { minLength: n, maxLength: n }))
    .map((v) => JSON.stringify(v));
}

/** Bad values for a JSON data argument: missing or unreadable files, non-JSON, wrong shapes, non-numbers. */
function badData(fx: Fixtures): fc.Arbitrary<string> {
  return fc.constantFrom('/nonexistent/data.json', fx.dir, fx.textFile, fx.jsonFile, '[]', '[[]]', '[[1],[1,2]]', '{"a":1}', '[[1e999]]', '[["a"]]', '[[null]]', '[[NaN]]', 'not json', '');
}

/**
 * `nnft train` data: N training inputs of dimension n0 with targets of dimension D, and test inputs; the
 * shapes agree most of the time (the shared input file, a flat target list for D = 1, duplicate training
 * points, and now and then a mismatch or a bad file).
 */
function trainingData(fx: Fixtures): fc.Arbitrary<string[]> {
  const N = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 9, max: 200 }) });
  return fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), N, fc.integer({ min: 1, max: 5 })).chain(([n0, D, n, m]) =>
    fc.tuple(
      mostly(fc.oneof({ weight: 12, arbitrary: jsonMatrix(fc.constant(n), n0) }, { weight: 1, arbitrary: fc.constant(JSON.stringify(Array(n).fill(Array(n0).fill(0.5)))) }), badData(fx)),
      mostly(fc.oneof({ weight: 6, arbitrary: jsonMatrix(fc.constant(n), D) }, { weight: 1, arbitrary: jsonMatrix(fc.constant(n), 1).map((t) => JSON.stringify((JSON.parse(t) as number[][]).map((r) => r[0]))) }), fc.oneof(badData(fx), jsonMatrix(fc.constant(n + 1), D))),
      mostly(fc.oneof({ weight: 8, arbitrary: jsonMatrix(fc.constant(m), n0) }, { weight: 1, arbitrary: jsonMatrix(logInt(100, 5000), n0) }), fc.oneof(badData(fx), jsonMatrix(fc.constant(m), n0 + 1))),
    ).map(([x, y, t]) => ['--train-inputs', x, '--train-targets', y, '--test-inputs', t]),
  );
}

/**
 * `nnft train`'s architecture: hidden widths (absent: the default 512,512), activation, C_b, C_W, λ_b, λ_W with
 * per-layer lists sized to the hidden layers plus the output layer.
 */
function trainArchitecture(hidden: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.option(hidden, { freq: 3, nil: undefined }).chain((w) => {
    const L = w === undefined ? 3 : w === '' ? 1 : /^\d+(,\d+)*$/.test(w) ? w.split(',').length + 1 : 3;
    return options([], [flag('--activation', activation), flag('--cb', perLayer(variance, L)), flag('--cw', perLayer(variance, L)), fc.constant(w === undefined ? [] : ['--widths', w]), flag('--lambda-b', perLayer(variance, L)), flag('--lambda-w', perLayer(variance, L))], false);
  });
}

/** Hidden widths for `nnft train` (the output width is the target dimension): the shared widths, or none. */
const hiddenWidths: fc.Arbitrary<string> = fc.oneof({ weight: 12, arbitrary: widths }, { weight: 1, arbitrary: fc.constant('') });

/** Hidden widths for trained networks: mostly narrow and shallow (the training runs), now and then the shared widths. */
const ensembleWidths: fc.Arbitrary<string> = fc.oneof({ weight: 8, arbitrary: fc.array(logInt(1, 128), { minLength: 0, maxLength: 3 }).map((w) => w.join(',')) }, { weight: 1, arbitrary: widths });

/** Learning rates: sensible, stable-or-not (η·λ_max ≷ 2), extreme; rarely malformed or ≤ 0. */
const learningRate: fc.Arbitrary<string> = mostly(fc.oneof({ weight: 8, arbitrary: fc.constantFrom('0.001', '0.005', '0.01', '0.02', '0.05', '0.1') }, { weight: 2, arbitrary: fc.constantFrom('0.5', '1', '2', '10') }, { weight: 1, arbitrary: positiveMagnitude }), fc.oneof(badNumber, fc.constant('0')));

/** Times or step counts: lists of 1–4 entries, with inf, huge values, duplicates; rarely negative or malformed. */
function schedule(integers: boolean): fc.Arbitrary<string> {
  const entry = integers
    ? fc.oneof({ weight: 8, arbitrary: logInt(1, 1000).map((x) => String(x - 1)) }, { weight: 1, arbitrary: fc.constantFrom('inf', '1e6', '1e9', '1e15', '9007199254740991') })
    : fc.oneof({ weight: 8, arbitrary: fc.constantFrom('0', '0.5', '1', '10', '100', 'inf', '∞', 'Infinity') }, { weight: 2, arbitrary: positiveMagnitude });
  return mostly(fc.array(entry, { minLength: 1, maxLength: 4 }).map((xs) => xs.join(',')), fc.constantFrom('', '-1', '0,-1', 'nan', '1.5e', ',', '1,,2', '-inf', integers ? '2.5' : 'x'));
}

/**
 * Where the result goes (`nnft recursions` and `nnft mc`): stdout, a file (--out), NumPy files (--format npy
 * --out DIR), an explicit --format now and then (npy without --out, or against --json, is refused), --layers
 * and --quiet (refused without an output).
 */
function outputOptions(fx: Fixtures): fc.Arbitrary<string[]>[] {
  return [
    fc.oneof(
      { weight: 3, arbitrary: flag('--out', outFile(fx, 'json')) },
      { weight: 3, arbitrary: outDir(fx).map((d) => ['--format', 'npy', '--out', d]) },
      { weight: 1, arbitrary: flag('--format', choice(['table', 'json', 'npy'], ['csv', 'NPY ', ''])) },
    ),
    flag('--layers', choice(['last', 'all', '1', '1,2', '2,1,2'], ['0', 'x', '99', '1,', 'first'])),
    bare('--quiet'),
  ];
}

export const COMMAND_ARBITRARIES: Record<string, ArgvArbitrary> = {
  recursions: (fx) => options([json, architecture(fx)], [flag('--quantities', quantities), ...outputOptions(fx)]),

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
        flag('--state', outFile(fx, 'json')),
        ...outputOptions(fx),
      ],
    ),

  merge: (fx) =>
    fc
      .tuple(
        mostly(fc.constantFrom<string[]>([fx.shards[0], fx.shards[1]], [fx.shards[1], fx.shards[0]], [fx.shards[0]]), fc.subarray([fx.shards[0], fx.shards[0], '/nonexistent/shard.json', fx.textFile, fx.jsonFile, fx.dir], { minLength: 1, maxLength: 3 })),
        fc.option(flag('--state', outFile(fx, 'json')), { nil: undefined }),
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
        bare('--vector'),
        json,
        bare('--latex'),
        flag('--svg', outFile(fx, 'svg')),
      ],
    ),

  symmetry: () =>
    options(
      [flag('--case', choice(['so-output', 'so-output-quartic', 'so-input', 'su-output', 'sp-output', 'translation', 'broken-mean', 'ntk-so-output', 'ntk-so-input', 'broken-input', 'broken-translation', 'su-input', 'broken-su-input'], ['so-outptu', '', 'x'])), json],
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

  train: (fx) =>
    fc.oneof(
      // the infinite-width prediction: gradient flow or descent
      {
        weight: 3,
        arbitrary: fc.tuple(trainArchitecture(hiddenWidths), trainingData(fx), fc.boolean()).chain(([arch, data, flow]) =>
          options(
            [json, fc.constant(arch), fc.constant(data), flag('--lr', learningRate), flow ? flag('--time', schedule(false)) : flag('--steps', schedule(true))],
            [flag('--kernel', choice(['ntk', 'nngp', 'last-layer'], ['gp', ''])), flag('--diag-reg', mostly(fc.oneof(fc.constantFrom('0', '1e-6', '1e-12', '1'), positiveMagnitude), badNumber))],
          ),
        ),
      },
      // networks trained by gradient descent
      {
        weight: 3,
        arbitrary: fc.tuple(trainArchitecture(ensembleWidths), trainingData(fx)).chain(([arch, data]) =>
          options(
            [json, fc.constant(arch), fc.constant(data), flag('--lr', learningRate), flag('--steps', schedule(true)), flag('--nets', mostly(fc.oneof({ weight: 6, arbitrary: logInt(1, 5e6).map((n) => String(2 * n)) }, { weight: 1, arbitrary: fc.constantFrom('2', '3', '1e3') }), fc.constantFrom('0', '-4', '1.5', 'many')))],
            [
              flag('--seed', seed),
              flag('--kernel', choice(['ntk', 'last-layer'], ['nngp', 'x'])),
              flag('--workers', mostly(logInt(1, 64).map(String), fc.constantFrom('0', 'all'))),
              flag('--groups', mostly(fc.constantFrom('2', '10', '64', '4096'), fc.constantFrom('1', '4097', 'x'))),
              flag('--mean-shift', mostly(fc.constantFrom('0.1,1', '0,1', '1e300,1', '-2,2', '0.5,0'), fc.constantFrom('0.1', 'x,1', '0.1,-1', '0.1,1,2', ''))),
              bare('--no-antithetic'),
              bare('--no-theory'),
              flag('--shard', choice(['0/2', '1/2', '0/1', '3/4'], ['2/2', '0/0', 'a/b', '1'])),
              flag('--out', outFile(fx, 'json')),
              bare('--quiet'),
            ],
          ).map((argv) => (argv.includes('--quiet') && argv.includes('--out') ? argv.filter((x) => x !== '--json') : argv)), // the sharding use: --out FILE --quiet
        ),
      },
      // merging shard states: not training states, missing files, or nothing to merge
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.subarray([fx.shards[0], fx.jsonFile, fx.textFile, '/nonexistent/shard.json', fx.dir], { minLength: 1, maxLength: 3 }), fc.option(flag('--out', outFile(fx, 'json')), { nil: undefined }), json)
          .map(([files, out, j]) => ['--merge', ...files, ...(out ?? []), ...j]),
      },
    ),

  criticality: () =>
    options(
      [flag('--activation', activation), json],
      [
        flag('--depth', mostly(fc.oneof({ weight: 4, arbitrary: logInt(30, 2000) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 29) }, { weight: 1, arbitrary: logInt(2000, 1e5) }, { weight: 1, arbitrary: logInt(1e5, 1e9) }).map(String), fc.constantFrom('-1', '1.5', 'x', ''))),
        flag('--k1', mostly(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('0.1', '1', '2', '3.5', '10') }, { weight: 1, arbitrary: positiveMagnitude }), fc.constantFrom('0', '-1', 'x', 'nan'))),
        flag('--cb', variance),
        flag('--cw', variance),
      ],
    ),

  cumulants: (fx) =>
    options(
      [json, flag('--width', mostly(fc.oneof({ weight: 6, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e9) }).map(String), fc.constantFrom('0', '-1', '1.5', 'x')))],
      [
        flag('--activation', fc.oneof({ weight: 4, arbitrary: activation }, { weight: 1, arbitrary: fc.constantFrom('gauss-net', 'cos-net') })),
        flag('--inputs', inputs(fx)),
        flag('--cb', variance),
        flag('--cw', variance),
        flag('--cw-out', variance),
        flag('--cb-out', variance),
        flag('--orders', choice(['2', '4', '2,4,6', '1,2,3,4', '6', '8', '1,2,3,4,5,6,7,8'], ['0', '9', 'x', '', '2,,4'])),
        flag('--tuples', choice(['[[0,0]]', '[[0,0,0,0]]', '[[0,0,1,1]]', '[[0,1,2,3]]', '[[0,0,0,0,0,0]]'], ['[[9,9]]', '[[]]', '[]', '[[0.5]]', 'x', '[[-1,0]]'])),
        flag('--neuron-samples', mostly(logInt(128, 1e8).map(String), fc.constantFrom('0', '1', '1e9', 'x', '-3'))),
        flag('--nets', fieldNets),
        bare('--raw'),
        flag('--seed', seed),
      ],
    ),

  edgeworth: (fx) =>
    options(
      [json, architecture(fx), fc.oneof({ weight: 3, arbitrary: fc.oneof({ weight: 6, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e9) }).map((n) => ['--widths', `${n},1`]) }, { weight: 1, arbitrary: fc.constant<string[]>([]) })],
      [
        flag('--inputs', choice(['[[1]]', '[[0.5]]', '[[1],[0.4]]', '[[0]]', '[[1e3]]', '[[1,0.5]]'], ['[[1],[2],[3]]', '[]'])),
        flag('--order', choice(['1', '2'], ['0', '3', 'x'])),
        flag('--points', mostly(fc.oneof({ weight: 4, arbitrary: logInt(3, 201) }, { weight: 1, arbitrary: logInt(3, 1e6) }).map(String), fc.constantFrom('0', '2', 'x'))),
        flag('--range', mostly(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('1', '3', '4', '6', '20') }, { weight: 1, arbitrary: positiveMagnitude }), fc.constantFrom('0', '-1', 'x'))),
        flag('--nets', fieldNets),
        flag('--seed', seed),
        flag('--svg', outFile(fx, 'svg')),
      ],
    ),

  'osterwalder-schrader': (fx) => {
    const list = (valid: readonly string[], invalid: readonly string[]): fc.Arbitrary<string> => choice(valid, invalid);
    return fc
      .tuple(
        fc.oneof(
          { weight: 1, arbitrary: fc.tuple(flag('--kernel', choice(['exp', 'rbf'], ['gauss', '', 'x'])), fc.option(flag('--scale', mostly(positiveMagnitude, badNumber)), { nil: undefined })).map(([k, s]) => [...k, ...(s ?? [])]) },
          {
            weight: 2,
            arbitrary: options(
              [flag('--activation', fc.oneof({ weight: 2, arbitrary: fc.constantFrom('gauss-net', 'cos-net') }, { weight: 2, arbitrary: activation }))],
              [
                flag('--width', mostly(fc.oneof({ weight: 6, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e9) }).map(String), fc.constantFrom('0', 'x'))),
                flag('--cb', variance),
                flag('--cw', variance),
                flag('--cw-out', variance),
                flag('--cb-out', variance),
                flag('--nets', fieldNets),
                flag('--seed', seed),
              ],
              false,
            ),
          },
        ),
        options(
          [json],
          [
            flag('--times', list(['0.1:4:40', '0.25:2:8', '1:2:3', '0.5:1:2', '1e-8:1e8:100', '0.1:100:1000'], ['4:0.1:40', '0:1:5', '-1:1:5', '1:2', 'x', '1:2:1', '1:2:100000000'])),
            flag('--origin', mostly(signedMagnitude, badNumber)),
            flag('--separations', list(['0,1,2,4,8', '0,1', '0,0.5,1e3', '0,1e300'], ['1,2', '', 'x', '0,-1'])),
            flag('--shifts', list(['0.5,1.3', '0', '1e300', '-2'], ['', 'x'])),
            flag('--alpha', list(['0.001', '0.05', '1e-300'], ['0', '1', 'x'])),
            flag('--power', list(['0.9', '0.5', '0.999'], ['0', '1', 'x'])),
            flag('--deviation', list(['0.05', '0.5', '1e-6', '10'], ['0', '-1', 'x'])),
          ],
        ),
      )
      .map(([a, b]) => [...a, ...b]);
  },

  'rg-flow': () =>
    options(
      [json],
      [
        flag('--activation', fc.oneof({ weight: 2, arbitrary: fc.constantFrom('gauss-net', 'cos-net', 'erf', 'relu', 'tanh') }, { weight: 2, arbitrary: activation })),
        flag('--width', mostly(fc.oneof({ weight: 6, arbitrary: logInt(1, 256) }, { weight: 1, arbitrary: logInt(1, 1e9) }).map(String), fc.constantFrom('0', 'x'))),
        flag('--cb', variance),
        flag('--cw', variance),
        flag('--cw-out', variance),
        flag('--cb-out', variance),
        flag('--inputs', choice(['-0.6,-0.2,0.2,0.6', '0.5', '0,1', '-1e3,1e3', '1e-300,2e-300', '-3,-2,-1,0,1,2'], ['', 'x', '1,2,3,4,5,6,7', '[[1]]'])),
        flag('--cutoffs', choice(['0.25,0.5,1,2,4', '0.5,0.75,1', '1e-8,1,1e8', '1,2,3,4,5,6,7,8,9,10'], ['1,2', '2,1,3', '0,1,2', 'x', ''])),
        flag('--nodes', mostly(logInt(8, 2000).map(String), fc.constantFrom('0', '1', '7', '2001', '1e7', 'x'))),
        flag('--tolerance', choice(['1e-8', '1e-3', '1e-15', '0.5'], ['0', '-1', 'x', '2'])),
        bare('--no-kappa'),
        bare('--no-trees'),
        flag('--nets', fieldNets),
        flag('--seed', seed),
      ],
    ),
};
