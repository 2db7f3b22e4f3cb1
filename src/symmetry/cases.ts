/**
 * The symmetry cases of Maiti, Stoner, Halverson, Symmetry-via-Duality, as functions and CLI presets (`checkSymmetry({ case, … })`,
 * `nnft symmetry --case <name>`). Each builds an ensemble (networks.ts), a set of group elements or
 * translations, and runs the paired comparison (engine.ts). Symmetric cases must come out "invariant",
 * the broken controls "broken".
 *
 * | case               | ensemble                                           | transformation                     |
 * |--------------------|----------------------------------------------------|------------------------------------|
 * | so-output          | Gaussian last layer (§2, eq. 8)                    | Haar SO(D) on outputs              |
 * | so-output-quartic  | last layer from eq. 16 (correlated, λ > 0)         | Haar SO(D) on outputs              |
 * | so-input           | isotropic Gaussian first layer (eq. 9)             | Haar SO(d) on inputs, re-measured  |
 * | su-output          | complex Gaussian last layer (App. A.2)             | Haar SU(D), realified 2D×2D        |
 * | sp-output          | quaternionic Gaussian last layer (App. A.5)        | Haar Sp(D), realified 4D×4D        |
 * | translation        | T-layer, bias U(S¹) (§2, App. A.4)                 | x ↦ x + c, c ~ N(0, 1)^d           |
 * | broken-mean        | mean μ_W on the first k output rows (eq. 14)       | Haar SO(D) (broken); SO(D−k) on the |
 * |                    |                                                    | last D−k rows (sub-verdict: invariant) |
 * | broken-input       | anisotropic first layer W_jk ~ N(0, C_W s_k²/d)     | Haar SO(d) on inputs               |
 * | broken-translation | T-layer with bias N(0, 0.1²) mod 1                  | x ↦ x + c                          |
 * | ntk-so-output      | Gaussian layers; mean empirical NTK (§3, eq. 17)   | Θ ↦ R Θ Rᵀ, Haar SO(D)             |
 * | ntk-so-input       | Gaussian layers; mean empirical NTK                | Θ(Rx, Rx′), Haar SO(d)             |
 * | su-input           | complex first layer, Re W, Im W ~ N(0, C_W/2d)     | Haar SU(d) on complex inputs       |
 * |                    | (App. A.3)                                         | (realified 2d×2d), re-measured     |
 * | broken-su-input    | complex first layer, Re W and Im W with unequal    | Haar SU(d) on complex inputs       |
 * |                    | variances (s = 1.5, 0.5): not phase invariant      |                                    |
 */
import { getActivation } from '../activations/index.ts';
import { NnftInputError } from '../errors.ts';
import { gaussExpect } from '../gaussian/index.ts';
import { rejectUnknownKeys, specKeys } from '../spec.ts';
import { embedSO, expSO, haarSO, randomElement, randomTranslation, type GroupElement } from './groups.ts';
import { matvec } from './linalg.ts';
import { makeSampler, type FirstLayerSpec, type LastLayerSpec } from './networks.ts';
import { Rng, STREAM_GROUP } from './rng.ts';
import { DEFAULT_DEVIATION, DEFAULT_POWER, runPaired, type EngineResult, type MeasureResult, type Order, type Transform, type Verdict } from './engine.ts';

export const CASE_NAMES = [
  'so-output',
  'so-output-quartic',
  'so-input',
  'su-output',
  'sp-output',
  'translation',
  'broken-mean',
  'ntk-so-output',
  'ntk-so-input',
  'broken-input',
  'broken-translation',
  'su-input',
  'broken-su-input',
] as const;
export type CaseName = (typeof CASE_NAMES)[number];

/**
 * which verdict each case is expected to give at its default size and stated deviation (the tests and
 * `npm start` use it)
 */
export const EXPECTED: Record<CaseName, 'invariant' | 'broken'> = {
  'so-output': 'invariant',
  'so-output-quartic': 'invariant',
  'so-input': 'invariant',
  'su-output': 'invariant',
  'sp-output': 'invariant',
  translation: 'invariant',
  'broken-mean': 'broken',
  'ntk-so-output': 'invariant',
  'ntk-so-input': 'invariant',
  'broken-input': 'broken',
  'broken-translation': 'broken',
  'su-input': 'invariant',
  'broken-su-input': 'broken',
};

export interface SymmetrySpec {
  case: CaseName | string;
  /** dimension the group acts on: D (outputs) for output cases, d (inputs) for input and translation cases */
  dim?: number;
  /** hidden width n */
  width?: number;
  /** number of networks */
  nets?: number;
  seed?: number;
  activation?: string;
  /** correlator orders, and/or 'ntk' (defaults per case) */
  orders?: Order[];
  /** experiments for μ_M ± σ_M (default 5) */
  experiments?: number;
  /** group elements / translations tested (default 3) */
  elements?: number;
  /** family-wise significance of the verdict (default 1e-3) */
  significance?: number;
  /**
   * the stated deviation δ, relative to the typical size of the products that estimate each entry: "invariant"
   * needs the power to see it. Default DEFAULT_DEVIATION; broken-mean: the breaking that eq. 14 predicts.
   */
  deviation?: number;
  /** power 1 − β for the stated deviation (default 0.9) */
  power?: number;
  /** 'haar' (default) or 'exp' (the paper's R = exp(Σ α_i T^i)) for SO elements */
  soMethod?: 'haar' | 'exp';
  /** broken-mean: μ_W (default 1/width) and k (default 1); quartic: λ (default 0.5) */
  muW?: number;
  k?: number;
  lambda?: number;
  onProgress?: (done: number, total: number) => void;
}
export const SYMMETRY_SPEC_KEYS = specKeys<SymmetrySpec>({
  case: true, dim: true, width: true, nets: true, seed: true, activation: true, orders: true, experiments: true,
  elements: true, significance: true, deviation: true, power: true, soMethod: true, muW: true, k: true, lambda: true, onProgress: true,
});

export interface SymmetryResult {
  case: string;
  verdict: Verdict['verdict'];
  /** the power analysis: stated deviation, detectable deviation, networks needed (see engine.ts) */
  powerAnalysis: Verdict['powerAnalysis'];
  /** where the stated deviation comes from */
  deviationSource: string;
  maxZ: number;
  M: Record<string, { mean: number; sigma: number; bound: number }>;
  /** what was tested */
  group: string;
  description: string;
  dim: number;
  width: number;
  nets: number;
  seed: number;
  activation: string;
  significance: number;
  threshold: number;
  tests: number;
  pValue: number;
  where: Verdict['where'];
  /** held-out confirmation of the maximum (the verdict needs both tests to reject) */
  confirmation: Verdict['confirmation'];
  measures: Record<string, MeasureResult>;
  elementError: EngineResult['elementError'];
  /** broken-mean: the verdict for the unbroken subgroup SO(D−k) */
  subgroup?: { group: string; verdict: Verdict['verdict']; powerAnalysis: Verdict['powerAnalysis']; maxZ: number; threshold: number; pValue: number; where: Verdict['where']; confirmation: Verdict['confirmation'] };
  seconds: number;
}

/**
 * Default networks of the correlator cases: with orders 1, 2, 4 the least precise test has a relative standard
 * error ≈ 1.8/√N, so the detectable deviation at α = 10⁻³, power 0.9 is ≈ 0.08 at 20 000 networks; 25 000 resolve
 * the default stated deviation 0.1 with a margin (measured for every case at its default dimension).
 */
const CORRELATOR_NETS = 25000;

/** fixed, seed-independent inputs: m vectors of dimension d */
export function defaultInputs(m: number, d: number): number[][] {
  return Array.from({ length: m }, (_, a) => Array.from({ length: d }, (_, k) => Number((0.9 * Math.sin(1 + 2.1 * a + 0.7 * k + 0.3 * a * k)).toFixed(3))));
}

interface CasePlan {
  group: string;
  description: string;
  dim: number;
  inputDim: number;
  outputDim: number;
  activation: string;
  cb: number;
  first: FirstLayerSpec;
  last: LastLayerSpec;
  orders: Order[];
  nets: number;
  m: number;
  transforms: (rng: Rng) => Transform[];
}

function checkCase(name: unknown): CaseName {
  if (!CASE_NAMES.includes(name as CaseName)) {
    throw new NnftInputError('case', `unknown case '${String(name)}'`, `use one of: ${CASE_NAMES.join(', ')}`);
  }
  return name as CaseName;
}

function outputRotations(group: 'SO' | 'SU' | 'Sp', D: number, count: number, method: 'haar' | 'exp'): (rng: Rng) => Transform[] {
  return (rng) =>
    Array.from({ length: count }, (_, b) => {
      const g = group === 'SO' ? (method === 'exp' ? expSO(D, rng) : haarSO(D, rng)) : randomElement(group, D, rng);
      return { kind: 'output' as const, label: `${group}(${D}) #${b + 1}`, element: g };
    });
}

function inputRotations(d: number, count: number, method: 'haar' | 'exp'): (rng: Rng) => Transform[] {
  return (rng) =>
    Array.from({ length: count }, (_, b) => {
      const g: GroupElement = method === 'exp' ? expSO(d, rng) : haarSO(d, rng);
      return { kind: 'input' as const, label: `SO(${d}) on inputs #${b + 1}`, element: g, map: (x: number[]) => matvec(g.real, x) };
    });
}

/** Haar SU(d) acting on complex inputs given as interleaved real vectors (Re x_1, Im x_1, …): the realified element. */
function complexInputRotations(d: number, count: number): (rng: Rng) => Transform[] {
  return (rng) =>
    Array.from({ length: count }, (_, b) => {
      const g = randomElement('SU', d, rng);
      return { kind: 'input' as const, label: `SU(${d}) on complex inputs #${b + 1}`, element: g, map: (x: number[]) => matvec(g.real, x) };
    });
}

function translations(d: number, count: number): (rng: Rng) => Transform[] {
  return (rng) =>
    Array.from({ length: count }, (_, b) => {
      const c = randomTranslation(d, rng);
      return { kind: 'input' as const, label: `x ↦ x + c #${b + 1} (c = [${c.shift.map((v) => v.toFixed(3)).join(', ')}])`, element: c, map: (x: number[]) => x.map((v, k) => v + c.shift[k]!) };
    });
}

function plan(spec: SymmetrySpec, name: CaseName): CasePlan {
  const count = spec.elements ?? 3;
  if (!Number.isInteger(count) || count < 1) throw new NnftInputError('elements', `need an integer ≥ 1, got ${count}`);
  const method = spec.soMethod ?? 'haar';
  const dimOr = (dflt: number): number => {
    const D = spec.dim ?? dflt;
    if (!Number.isInteger(D) || D < 2) throw new NnftInputError('dim', `need an integer D ≥ 2, got ${String(D)}`, 'rotations act on at least two components');
    if (D > 16) throw new NnftInputError('dim', `D = ${D} is too large for the correlator checks (≤ 16)`);
    return D;
  };
  const base = { cb: 0.1, first: { kind: 'gaussian' } as FirstLayerSpec, last: { kind: 'gaussian' } as LastLayerSpec, orders: [1, 2, 4] as Order[], m: 2, activation: 'tanh' };
  switch (name) {
    case 'so-output': {
      const D = dimOr(3);
      return { ...base, group: `SO(${D}) on outputs`, description: 'Gaussian output layer (eq. 8)', dim: D, inputDim: 2, outputDim: D, nets: CORRELATOR_NETS, transforms: outputRotations('SO', D, count, method) };
    }
    case 'so-output-quartic': {
      const D = dimOr(3);
      const lambda = spec.lambda ?? 0.5;
      return { ...base, group: `SO(${D}) on outputs`, description: `output layer from the correlated quartic density of eq. 16 (λ = ${lambda})`, dim: D, inputDim: 2, outputDim: D, last: { kind: 'quartic', lambda }, nets: CORRELATOR_NETS, transforms: outputRotations('SO', D, count, method) };
    }
    case 'su-output': {
      const D = dimOr(2);
      return { ...base, group: `SU(${D}) on outputs (realified ${2 * D}×${2 * D})`, description: 'complex Gaussian output layer (App. A.2)', dim: D, inputDim: 2, outputDim: D, last: { kind: 'complex' }, nets: CORRELATOR_NETS, transforms: outputRotations('SU', D, count, method) };
    }
    case 'sp-output': {
      const D = dimOr(2);
      return { ...base, group: `Sp(${D}) on outputs (realified ${4 * D}×${4 * D})`, description: 'quaternionic Gaussian output layer (App. A.5)', dim: D, inputDim: 2, outputDim: D, last: { kind: 'quaternionic' }, nets: CORRELATOR_NETS, m: 1, transforms: outputRotations('Sp', D, count, method) };
    }
    case 'broken-mean': {
      const D = dimOr(3);
      const k = spec.k ?? 1;
      if (!Number.isInteger(k) || k < 1 || D - k < 2) throw new NnftInputError('k', `need 1 ≤ k ≤ D − 2 so that SO(D−k) is non-trivial, got k = ${k}, D = ${D}`);
      const n = spec.width ?? 32;
      const mu = spec.muW ?? 1 / n;
      return { ...base, activation: 'relu', group: `SO(${D}) on outputs`, description: `mean μ_W = ${mu} on the first k = ${k} output rows (eq. 14)`, dim: D, inputDim: 2, outputDim: D, last: { kind: 'mean-rows', mu, rows: k }, nets: CORRELATOR_NETS, transforms: outputRotations('SO', D, count, method) };
    }
    case 'so-input': {
      const d = dimOr(3);
      return { ...base, group: `SO(${d}) on inputs`, description: 'isotropic Gaussian first layer (eq. 9); inputs rotated and the networks re-evaluated', dim: d, inputDim: d, outputDim: 2, nets: CORRELATOR_NETS, transforms: inputRotations(d, count, method) };
    }
    case 'broken-input': {
      const d = dimOr(3);
      const scales = Array.from({ length: d }, (_, k) => (k === 0 ? 1.5 : k === 1 ? 0.5 : 1));
      return { ...base, group: `SO(${d}) on inputs`, description: `anisotropic first layer, W_jk ~ N(0, C_W s_k²/d), s = [${scales.join(', ')}]`, dim: d, inputDim: d, outputDim: 2, first: { kind: 'anisotropic', scales }, nets: CORRELATOR_NETS, transforms: inputRotations(d, count, method) };
    }
    case 'translation':
    case 'broken-translation': {
      const d = spec.dim ?? 2;
      if (!Number.isInteger(d) || d < 1) throw new NnftInputError('dim', `need an input dimension ≥ 1, got ${d}`);
      const n = spec.width ?? 32;
      const broken = name === 'broken-translation';
      return {
        ...base,
        group: `translations of R^${d}`,
        description: broken ? 'T-layer with Gaussian bias N(0, 0.1²) mod 1 (broken control)' : 'T-layer ((Wx) mod 1 + b) mod 1 with b ~ U(S¹) (§2, App. A.4)',
        dim: d,
        inputDim: d,
        outputDim: 2,
        first: { kind: 't-layer', width: n, bias: broken ? 'gaussian' : 'uniform', biasSigma: 0.1 },
        nets: CORRELATOR_NETS,
        transforms: translations(d, count),
      };
    }
    case 'su-input':
    case 'broken-su-input': {
      const d = dimOr(2);
      const broken = name === 'broken-su-input';
      return {
        ...base,
        group: `SU(${d}) on complex inputs (realified ${2 * d}×${2 * d})`,
        description: broken ? 'complex first layer with Re W ~ N(0, 1.5²C_W/2d), Im W ~ N(0, 0.5²C_W/2d): not phase invariant (broken control)' : 'complex first layer, Re W, Im W ~ N(0, C_W/2d) (App. A.3); inputs rotated and the networks re-evaluated',
        dim: d,
        inputDim: 2 * d,
        outputDim: 2,
        first: { kind: 'complex', ...(broken ? { componentScales: [1.5, 0.5] as [number, number] } : {}) },
        nets: CORRELATOR_NETS,
        transforms: complexInputRotations(d, count),
      };
    }
    case 'ntk-so-output': {
      const D = dimOr(3);
      return { ...base, orders: ['ntk'], group: `SO(${D}) on outputs (Θ ↦ RΘRᵀ)`, description: 'mean empirical NTK, Gaussian layers (§3, eq. 17)', dim: D, inputDim: 2, outputDim: D, nets: 20000, transforms: outputRotations('SO', D, count, method) };
    }
    case 'ntk-so-input': {
      const d = dimOr(3);
      return { ...base, orders: ['ntk'], group: `SO(${d}) on inputs (Θ(Rx, Rx′))`, description: 'mean empirical NTK, isotropic Gaussian first layer', dim: d, inputDim: d, outputDim: 2, nets: 4000, transforms: inputRotations(d, count, method) };
    }
  }
}

/** Run one symmetry case (`checkSymmetry(spec)`); returns plain JSON-serialisable data. */
export function checkSymmetry(spec: SymmetrySpec): SymmetryResult {
  const t0 = Date.now();
  if (!spec || typeof spec !== 'object') throw new NnftInputError('spec', 'expected an object with a case name');
  rejectUnknownKeys('spec', spec, SYMMETRY_SPEC_KEYS);
  const name = checkCase(spec.case);
  const p = plan(spec, name);
  const width = spec.width ?? 32;
  if (!Number.isInteger(width) || width < 1) throw new NnftInputError('width', `need an integer ≥ 1, got ${String(width)}`);
  const nets = spec.nets ?? p.nets;
  const seed = spec.seed ?? 1;
  const activation = spec.activation ?? p.activation;
  const sampler = makeSampler({
    inputDim: p.inputDim,
    hidden: [width],
    outputDim: p.outputDim,
    activation,
    cb: p.cb,
    cw: activation === 'relu' ? 2 : 1,
    first: p.first,
    last: p.last,
    seed,
  });
  const inputs = defaultInputs(p.m, p.inputDim);
  const groupRng = new Rng(seed, STREAM_GROUP);
  const transforms = p.transforms(groupRng);
  const orders = spec.orders ?? p.orders;
  let deviation = spec.deviation;
  let deviationSource = 'stated (--deviation)';
  if (deviation === undefined) {
    deviation = DEFAULT_DEVIATION;
    deviationSource = `default (${DEFAULT_DEVIATION} of each entry's typical product size)`;
    if (name === 'broken-mean' && p.last.kind === 'mean-rows' && p.last.mu !== 0) {
      const predicted = meanShiftDeviation({ inputs, cb: p.cb, cw: activation === 'relu' ? 2 : 1, width, mu: p.last.mu, rows: p.last.rows, D: p.dim, activation, orders, transforms });
      if (predicted > 0) {
        deviation = predicted;
        deviationSource = 'the breaking that the mean shift predicts (eq. 14) in the tested entries and elements';
      }
    }
  }
  const common = { sampler, inputs, orders, nets, experiments: spec.experiments ?? 5, seed, alpha: spec.significance ?? 1e-3, deviation, power: spec.power ?? DEFAULT_POWER, onProgress: spec.onProgress };
  const r = runPaired({ ...common, transforms, repeats: name === 'broken-mean' ? 2 : 1 });
  let subgroup: SymmetryResult['subgroup'];
  if (name === 'broken-mean') {
    const D = p.dim;
    const k = spec.k ?? 1;
    const subRng = new Rng(seed, STREAM_GROUP + 1);
    const subT: Transform[] = Array.from({ length: spec.elements ?? 3 }, (_, b) => ({
      kind: 'output' as const,
      label: `SO(${D - k}) on rows ${k + 1}..${D} #${b + 1}`,
      element: embedSO(haarSO(D - k, subRng), D, k),
    }));
    const rs = runPaired({ ...common, transforms: subT });
    subgroup = { group: `SO(${D - k}) on output rows ${k + 1}..${D}`, verdict: rs.verdict, powerAnalysis: rs.powerAnalysis, maxZ: rs.maxZ, threshold: rs.threshold, pValue: rs.pValue, where: rs.where, confirmation: rs.confirmation };
  }
  const M: SymmetryResult['M'] = {};
  for (const [k, v] of Object.entries(r.M)) M[k] = { mean: v.mean, sigma: v.sigma, bound: v.bound };
  return {
    case: name,
    verdict: r.verdict,
    powerAnalysis: r.powerAnalysis,
    deviationSource,
    maxZ: r.maxZ,
    M,
    group: p.group,
    description: p.description,
    dim: p.dim,
    width,
    nets,
    seed,
    activation,
    significance: r.significance,
    threshold: r.threshold,
    tests: r.tests,
    pValue: r.pValue,
    where: r.where,
    confirmation: r.confirmation,
    measures: r.M,
    elementError: r.elementError,
    ...(subgroup ? { subgroup } : {}),
    seconds: (Date.now() - t0) / 1000,
  };
}

/**
 * The relative deviation that the mean shift of eq. 14 (μ on the first k output rows of a one-hidden-layer
 * network of width n) produces in the tested entries: with z ~ N(0, K⁽¹⁾), K⁽¹⁾_αβ = C_b + C_W x_α·x_β/d,
 *   G⁽¹⁾_i(α) = [i < k] μ n ⟨σ_α⟩,
 *   G⁽²⁾_ij(α, β) = δ_ij (C_b + C_W ⟨σ_ασ_β⟩) + [i, j < k] μ² (n ⟨σ_ασ_β⟩ + n(n − 1) ⟨σ_α⟩⟨σ_β⟩),
 * and for each tested element R the deviation R^{⊗n}G − G, divided by the entry's typical product size
 * (orders 1, 2: √((E[O²] + E[O′²])/2), the fourth moments by Wick's theorem). Returns the largest over entries,
 * elements and the orders 1, 2 that are tested (0 when neither is).
 */
export function meanShiftDeviation(o: { inputs: number[][]; cb: number; cw: number; width: number; mu: number; rows: number; D: number; activation: string; orders: Order[]; transforms: Transform[] }): number {
  const { inputs, cb, cw, width: n, mu, rows: k, D } = o;
  const test1 = o.orders.includes(1);
  const test2 = o.orders.includes(2);
  if (!test1 && !test2) return 0;
  const m = inputs.length;
  const d = inputs[0]!.length;
  const K1 = (a: number, b: number) => cb + (cw * inputs[a]!.reduce((s, v, j) => s + v * inputs[b]![j]!, 0)) / d;
  // σ at input α: the activation, or the Gauss-net's exp(z − K_αα)
  const act = o.activation === 'gauss-net' ? null : getActivation(o.activation);
  const sigma = (a: number) => (act ? act.f : (z: number) => Math.exp(z - K1(a, a)));
  const Es = inputs.map((_, a) => gaussExpect((z) => sigma(a)(z[0]!), [[K1(a, a)]]).value);
  const Ess = inputs.map((_, a) => inputs.map((__, b) => gaussExpect((z) => sigma(a)(z[0]!) * sigma(b)(z[1]!), [[K1(a, a), K1(a, b)], [K1(b, a), K1(b, b)]]).value));
  const g1 = (i: number, a: number) => (i < k ? mu * n * Es[a]! : 0);
  const g2 = (i: number, j: number, a: number, b: number) => (i === j ? cb + cw * Ess[a]![b]! : 0) + (i < k && j < k ? mu * mu * (n * Ess[a]![b]! + n * (n - 1) * Es[a]! * Es[b]!) : 0);
  let worst = 0;
  for (const tr of o.transforms) {
    if (tr.kind !== 'output') continue;
    const R = tr.element.real;
    const rg1 = (i: number, a: number) => R[i]!.reduce((s, r, j) => s + r * g1(j, a), 0);
    const rg2 = (i: number, j: number, a: number, b: number) => {
      let s = 0;
      for (let p = 0; p < D; p++) for (let q = 0; q < D; q++) s += R[i]![p]! * R[j]![q]! * g2(p, q, a, b);
      return s;
    };
    for (let a = 0; a < m; a++) {
      for (let i = 0; i < D; i++) {
        if (test1) {
          const size = Math.sqrt((g2(i, i, a, a) + rg2(i, i, a, a)) / 2);
          if (size > 0) worst = Math.max(worst, Math.abs(rg1(i, a) - g1(i, a)) / size);
        }
        if (!test2) continue;
        for (let b = 0; b < m; b++) {
          for (let j = 0; j < D; j++) {
            const wick = (G: (i: number, j: number, a: number, b: number) => number) => G(i, i, a, a) * G(j, j, b, b) + 2 * G(i, j, a, b) ** 2;
            const size = Math.sqrt((wick(g2) + wick(rg2)) / 2);
            if (size > 0) worst = Math.max(worst, Math.abs(rg2(i, j, a, b) - g2(i, j, a, b)) / size);
          }
        }
      }
    }
  }
  return worst;
}
