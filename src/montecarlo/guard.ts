/**
 * Guards of the Monte Carlo estimates: every reported number is finite and carries a meaningful standard
 * error, or the run stops with NnftNumericalError / NnftInputError (exit 2) naming the layer, the input, the
 * quantity and the likely cause.
 *
 *  - `requireEnoughNetworks`: the grouped jackknife (accum.ts) needs at least MIN_JACKKNIFE_GROUPS non-empty
 *    groups (its standard error then has ≥ 9 degrees of freedom, so the error bar itself is known to ≈ 25%:
 *    relative standard deviation 1/√(2·9)), i.e. at least that many networks; the direct estimators of V4
 *    (several inputs), A, B, D, F average over pairs of distinct neurons i ≠ j and need width ≥ 2 where they
 *    are measured.
 *  - `checkNetworkStatistics`: called per network as its statistics are accumulated; the first non-finite
 *    statistic stops the run with the layer, the input(s) and a diagnosis (σ undefined or overflowing at some
 *    real z, or an overflowing kernel: inputs or C_W too large).
 *  - `checkEstimates`: after the jackknife, no reported value or standard error may be NaN or ±Infinity, and a
 *    standard error may be exactly 0 only when the quantity did not vary at all (every leave-one-group-out
 *    replicate equals the full-sample value: a deterministic quantity such as K⁽¹⁾ at fixed inputs). Zero spread
 *    of replicates that differ from the full-sample value means the estimator is degenerate at this sample size.
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import type { GroupState } from './accum.ts';
import type { StatisticsOffsets, Plan } from './plan.ts';
import type { SampledQuantity } from '../quantities.ts';

/** Fewest non-empty jackknife groups (and so networks) for which a standard error is reported. */
export const MIN_JACKKNIFE_GROUPS = 10;

/** Quantities whose direct estimators average over pairs of distinct neurons i ≠ j. */
const PAIR_QUANTITIES: readonly SampledQuantity[] = ['V4', 'A', 'B', 'D', 'F'];

/**
 * Refuse (NnftInputError, before sampling) a run whose estimators cannot deliver a standard error:
 * fewer than MIN_JACKKNIFE_GROUPS non-empty jackknife groups, or direct pair estimators at width 1.
 */
export function requireEnoughNetworks(
  plan: Pick<Plan, 'estimator' | 'widths' | 'm' | 'L'> & { dntk?: Plan['dntk'] },
  layout: { nets: number; groups: number; blockSize: number; nBlocks: number },
  quantities: readonly SampledQuantity[],
): void {
  const nonEmpty = Math.min(layout.groups, layout.nBlocks);
  if (nonEmpty < MIN_JACKKNIFE_GROUPS) {
    const need = MIN_JACKKNIFE_GROUPS * layout.blockSize;
    const why =
      layout.groups < MIN_JACKKNIFE_GROUPS
        ? `${layout.groups} jackknife groups`
        : `${layout.nets} network${layout.nets === 1 ? '' : 's'} fill only ${nonEmpty} of the ${layout.groups} jackknife groups`;
    throw new NnftInputError(
      layout.groups < MIN_JACKKNIFE_GROUPS ? 'groups' : 'nets',
      `${why}: a standard error needs at least ${MIN_JACKKNIFE_GROUPS} non-empty groups`,
      layout.groups < MIN_JACKKNIFE_GROUPS ? `use at least ${MIN_JACKKNIFE_GROUPS} groups` : `sample at least ${need} networks (e.g. --nets 10000)`,
    );
  }
  if (plan.dntk) {
    const l = plan.widths.findIndex((n, k) => k > 0 && n < 2);
    if (l >= 0) {
      throw new NnftInputError(
        'widths',
        `the dNTK statistics (${plan.dntk.blocks.join(', ')}) average over pairs of distinct neurons i ≠ i′ of each layer, but layer ${l + 1} has width ${plan.widths[l]}`,
        'use width ≥ 2 at every layer from the second on',
      );
    }
  }
  if (plan.estimator === 'direct') {
    for (const q of quantities) {
      if (!PAIR_QUANTITIES.includes(q)) continue;
      if (q === 'V4' && plan.m === 1) continue; // the symmetrised i = j form exists for one input
      const l = plan.widths.findIndex((n) => n < 2);
      if (l >= 0) {
        throw new NnftInputError(
          'widths',
          `the direct estimator of ${q} averages over pairs of distinct neurons i ≠ j, but layer ${l + 1} has width ${plan.widths[l]}`,
          `use width ≥ 2 at every layer${plan.estimator === 'direct' ? ', or the conditional estimators (Gaussian weights)' : ''}`,
        );
      }
    }
  }
}

/** What statistic s of the per-network vector is: layer (1-based), its symbol, the quantities it feeds, its inputs. */
export interface StatisticInfo {
  layer: number;
  symbol: string;
  quantities: string;
  inputs: number[];
}

const BLOCKS: { key: keyof StatisticsOffsets; rank: 2 | 4; symbol: string; quantities: string; stage: 'kernel' | 'ntk' }[] = [
  { key: 'condKernel', rank: 2, symbol: 'Ĝ = C_b + (C_W/n)Σ_j σ_jσ_j', quantities: 'K, K1, V4', stage: 'kernel' },
  { key: 'condKernelPairs', rank: 4, symbol: 'Ĝ·Ĝ', quantities: 'V4', stage: 'kernel' },
  { key: 'zz', rank: 2, symbol: '(1/n)Σ_i z_i z_i', quantities: 'K, K1, V4', stage: 'kernel' },
  { key: 'zzPairs', rank: 4, symbol: '((1/n)Σ_i z_i z_i)²', quantities: 'V4', stage: 'kernel' },
  { key: 'zzzz', rank: 4, symbol: '(1/n)Σ_i z_i⁴', quantities: 'V4', stage: 'kernel' },
  { key: 'condNtk', rank: 2, symbol: 'E[Θ̂ | layer below]', quantities: 'Theta, Theta1, A, D', stage: 'ntk' },
  { key: 'condNtkPairs', rank: 4, symbol: 'h·h', quantities: 'A', stage: 'ntk' },
  { key: 'condNtkKernel', rank: 4, symbol: 'h·Ĝ', quantities: 'D', stage: 'ntk' },
  { key: 'condNtkFrobenius', rank: 4, symbol: '⟨T, T⟩_F', quantities: 'B', stage: 'ntk' },
  { key: 'condNtkZZ', rank: 4, symbol: 'σᵀTσ', quantities: 'F', stage: 'ntk' },
  { key: 'ntkDiag', rank: 2, symbol: '(1/n)Σ_i Θ̂_ii', quantities: 'Theta, Theta1, A, D', stage: 'ntk' },
  { key: 'ntkDiagPairs', rank: 4, symbol: 'Θ̂_ii Θ̂_jj', quantities: 'A', stage: 'ntk' },
  { key: 'ntkOffDiagPairs', rank: 4, symbol: 'Θ̂_ij Θ̂_ij', quantities: 'B', stage: 'ntk' },
  { key: 'ntkDiagZZ', rank: 4, symbol: 'Θ̂_ii z_j z_j', quantities: 'D', stage: 'ntk' },
  { key: 'ntkOffDiagZZ', rank: 4, symbol: 'Θ̂_ij z_i z_j', quantities: 'F', stage: 'ntk' },
  { key: 'dntk', rank: 4, symbol: 'dΘ̂ z and the ddNTKs of neuron pairs', quantities: 'P, Q, R, S, T, U', stage: 'ntk' },
];

function unflatten(q: number, m: number, rank: 2 | 4): number[] {
  const out: number[] = [];
  for (let r = 0; r < rank; r++) {
    out.unshift(q % m);
    q = Math.floor(q / m);
  }
  return out;
}

/** Describe statistic index s of plan p. */
export function describeStatistic(p: Plan, s: number): StatisticInfo {
  const m = p.m;
  for (let l = 0; l < p.L; l++) {
    const lay = p.offsets[l]!;
    for (const b of BLOCKS) {
      const o = lay[b.key];
      const size = (b.rank === 2 ? m * m : m ** 4) * (b.key === 'dntk' ? p.dntk?.blocks.length ?? 0 : 1);
      if (o >= 0 && s >= o && s < o + size) return { layer: l + 1, symbol: b.symbol, quantities: b.quantities, inputs: [...new Set(unflatten((s - o) % m ** b.rank, m, b.rank))] };
    }
  }
  if (p.npoint && s >= p.npoint.offset) {
    const mon = p.npoint.monomials[s - p.npoint.offset] ?? [];
    const inputs = [...new Set(mon.map((k) => p.npoint!.labels[2 * k + 1]!))];
    return { layer: p.npoint.layer + 1, symbol: `the product of ${mon.length} preactivations`, quantities: 'the n-point function', inputs };
  }
  return { layer: 0, symbol: `statistic ${s}`, quantities: 'the requested quantities', inputs: [] };
}

/** Why σ (or σ′) is not finite somewhere: undefined (NaN: a domain problem) or infinite (a pole or an overflow). */
export interface ActivationProblem {
  kind: 'domain' | 'infinite';
  z: number;
  text: string;
}

/**
 * Where σ (or σ′) is not finite on the scale of a preactivation of variance `variance`: the first of the points
 * z = ±c·√variance (c = ½, 1, 2, 4, 8, then 0.1, 0.01, 0) and ±1, ±10, ±10⁻³ where it is NaN or ±Infinity,
 * or null. `label` names the function, e.g. 'σ(z) = log(z)'.
 */
export function activationProblem(f: (z: number) => number, variance: number, label = 'σ'): ActivationProblem | null {
  const s = Number.isFinite(variance) && variance > 0 ? Math.sqrt(variance) : 1;
  const zs: number[] = [];
  for (const c of [0.5, 1, 2, 4, 8, 0.1, 0.01]) zs.push(-c * s, c * s);
  zs.push(-1, 1, -10, 10, -1e-3, 1e-3, 0);
  for (const z of zs) {
    const v = f(z);
    if (Number.isNaN(v)) return { kind: 'domain', z, text: `${label} is undefined (NaN) at z = ${fmtZ(z)}, and Gaussian preactivations take every real value` };
    if (!Number.isFinite(v)) {
      const reach = Math.abs(z) <= 2 * s ? 'well within' : 'within';
      return { kind: 'infinite', z, text: `${label} = ${v} at z = ${fmtZ(z)}, ${reach} the range of preactivations of variance ${fmtZ(variance)}` };
    }
  }
  return null;
}

/** 'σ(z) = log(z)' for an expression in z, 'σ = tanh' for a registry name. */
export function activationLabel(activation: string, derivative = false): string {
  const isExpr = /[^A-Za-z0-9_]/.test(activation) || activation === 'z';
  if (derivative) return isExpr ? `σ′ of σ(z) = ${activation}` : `σ′ of ${activation}`;
  return isExpr ? `σ(z) = ${activation}` : `σ = ${activation}`;
}

function fmtZ(z: number): string {
  if (z === 0) return '0';
  const a = Math.abs(z);
  return a >= 1e-3 && a < 1e5 ? String(Number(z.toPrecision(3))) : z.toExponential(2);
}

/** The first non-finite entry of v[0..n) (−1 if none). `x − x === 0` is false exactly for NaN and ±Infinity. */
export function firstNonFinite(v: ArrayLike<number>, n = v.length): number {
  for (let s = 0; s < n; s++) {
    const x = v[s]!;
    if (x - x !== 0) return s;
  }
  return -1;
}

/** Everything the diagnosis of a non-finite statistic needs to know about the run. */
export interface GuardContext {
  plan: Plan;
  activation: string;
  /** inputs x_α (for the message), when fixed */
  inputs?: number[][];
}

/**
 * Throw NnftNumericalError for the first non-finite statistic of network `net` (stats = its per-network vector).
 * The diagnosis: layer 1 depends on the inputs only (overflow of C_b + (C_W/n0) x·x); a deeper layer on σ (and
 * σ′ for the NTK) at the previous layer's preactivations, whose variance this network's Ĝ of that layer gives.
 */
export function throwNonFinite(ctx: GuardContext, stats: ArrayLike<number>, s: number, net: number): never {
  const p = ctx.plan;
  const info = describeStatistic(p, s);
  const bad = stats[s]!;
  const inputText = info.inputs.length ? ` at input${info.inputs.length > 1 ? 's' : ''} α = ${info.inputs.join(', ')}` : '';
  const where = `network ${net} gives ${Number.isNaN(bad) ? 'NaN' : bad} for ${info.symbol}${inputText}`;
  const location = { layer: info.layer, quantity: info.quantities };
  const what = 'the Monte Carlo estimates';
  if (info.layer <= 1 && !p.tLayer) {
    const norms = info.inputs.map((a) => {
      let xx = 0;
      if (p.inputs) for (let j = 0; j < p.n0; j++) xx += p.inputs[j * p.m + a]! ** 2;
      return xx;
    });
    const big = Math.max(0, ...norms);
    throw new NnftNumericalError(
      what,
      `${where}: the first-layer kernel C_b + (C_W/n0)·x·x overflows the double range (|x|² = ${big.toExponential(2)} at C_W = ${p.cw[0]})`,
      'rescale --inputs (e.g. normalise them to |x|² ≈ n0) or use a smaller --cw',
      { ...location, argument: '--inputs' },
    );
  }
  // variance of the previous layer's preactivations in this network (diagonal of its Ĝ or S2)
  const prev = p.offsets[info.layer - 2];
  let variance = NaN;
  if (prev) {
    const o = prev.condKernel >= 0 ? prev.condKernel : prev.zz;
    for (const a of info.inputs.length ? info.inputs : [0]) {
      const v = o >= 0 ? stats[o + a * p.m + a]! : NaN;
      if (Number.isFinite(v)) variance = Number.isFinite(variance) ? Math.max(variance, v) : v;
    }
  }
  const fProblem = p.gaussNet ? null : activationProblem(p.sigma, variance, activationLabel(ctx.activation));
  const dProblem = p.ntkStatistics && !p.gaussNet && !fProblem ? activationProblem(p.sigmaPrime, variance, activationLabel(ctx.activation, true)) : null;
  const problem = fProblem ?? dProblem;
  if (problem?.kind === 'domain' || (problem && Math.abs(problem.z) < 1)) {
    throw new NnftNumericalError(what, `${where}: ${problem.text}`, `use an activation that is finite on all of ℝ${p.ntkStatistics ? ' with a finite derivative (NTK quantities need σ′)' : ''}`, { ...location, argument: '--activation' });
  }
  if (problem) {
    throw new NnftNumericalError(what, `${where}: ${problem.text} (overflow)`, 'keep the preactivations where σ is finite: use a smaller --cw, --cb or smaller --inputs, or a bounded activation', { ...location, argument: '--cw' });
  }
  throw new NnftNumericalError(
    what,
    `${where}: the sampled kernel overflows the double range${Number.isFinite(variance) ? ` (the preactivations of layer ${info.layer - 1} have variance ${fmtZ(variance)} in this network)` : ''}`,
    'the kernel grows too fast through the layers: use a smaller --cw or --cb, fewer layers, or smaller --inputs',
    { ...location, argument: '--cw' },
  );
}

/** One reported entry, for checkEstimates. */
export interface EstimateEntry {
  quantity: string;
  layer?: number;
  /** index of the entry, e.g. [α1, α2] */
  index: number[];
  value: number;
  stderr: number;
  /** the leave-one-group-out replicates of this entry */
  replicates: number[];
  /** exactly known (reported without sampling error), e.g. K⁽¹⁾ at fixed inputs */
  exact?: boolean;
  /** size of the terms the estimator combines (e.g. n·E[ĜĜ] for V4): differences below 1e-9 of it are rounding */
  scale: number;
}

/**
 * Refuse NaN/Infinity in a reported value or standard error, and a standard error of exactly 0 that comes from
 * a degenerate estimator rather than a quantity that did not vary.
 */
export function checkEstimate(e: EstimateEntry, nets: number): void {
  const idx = e.index.length ? `[${e.index.join('][')}]` : '';
  const loc = { layer: e.layer, quantity: `${e.quantity}${idx}` };
  if (!Number.isFinite(e.value) || !Number.isFinite(e.stderr)) {
    throw new NnftNumericalError(
      'the Monte Carlo estimate',
      `the estimate is ${e.value} ± ${e.stderr} from ${nets} networks (an overflow or a cancellation in the estimator)`,
      'check the inputs and C_W for overflow, or sample more networks',
      loc,
    );
  }
  if (e.stderr === 0 && !e.exact) {
    // all replicates are equal (zero spread); they must also equal the full-sample value up to rounding
    const tol = 1e-9 * Math.max(Math.abs(e.scale), Math.abs(e.value));
    const constant = e.replicates.every((r) => Math.abs(r - e.value) <= tol);
    if (!constant) {
      throw new NnftNumericalError(
        'a standard error',
        `every leave-one-group-out estimate is ${e.replicates[0]} but the full-sample estimate is ${e.value}: the estimator is degenerate at ${nets} networks, so "± 0" would mean nothing`,
        degenerateEstimatorFix(e.value, nets),
        loc,
      );
    }
  }
}

/**
 * The fix for a degenerate jackknife: values near the bottom of the double range (inputs ~1e-111 give K ~ 1e-222)
 * lose their spread to underflow whatever the sample size, so rescaling is the fix there; else more networks,
 * ten times as many as now.
 */
function degenerateEstimatorFix(value: number, nets: number): string {
  if (value !== 0 && Math.abs(value) < 1e-150) {
    return `the estimates (${value.toExponential(2)}) are so small that their spread underflows the double range at any number of networks: rescale --inputs (e.g. to unit norm) or use C_b > 0 (--cb)`;
  }
  return `sample more networks (at least ${MIN_JACKKNIFE_GROUPS} jackknife groups of several networks each, e.g. --nets ${Math.max(1000, 10 * nets)})`;
}

/** Refuse to finish a state with fewer than MIN_JACKKNIFE_GROUPS non-empty groups (e.g. one small shard). */
export function requireFinishable(g: GroupState): void {
  const nonEmpty = g.counts.filter((c) => c > 0).length;
  if (nonEmpty < MIN_JACKKNIFE_GROUPS) {
    const n = g.counts.reduce((a, b) => a + b, 0);
    throw new NnftInputError('nets', `${n} network${n === 1 ? '' : 's'} fill ${nonEmpty} jackknife group${nonEmpty === 1 ? '' : 's'}: a standard error needs at least ${MIN_JACKKNIFE_GROUPS}`, 'sample more networks, or merge more shards');
  }
}


/**
 * The power p of a singularity |σ(z)| ~ |z|^{−p} at z = 0 (0 when σ stays bounded there), from |σ| at
 * z = ±10⁻⁶ and ±10⁻⁹. ⟨|σ|^k⟩ over a Gaussian is finite only for k·p < 1.
 */
export function singularityPower(f: (z: number) => number): number {
  let p = 0;
  for (const sign of [1, -1]) {
    const a = Math.abs(f(sign * 1e-6));
    const b = Math.abs(f(sign * 1e-9));
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue; // NaN/∞ sides are diagnosed when sampled
    if (b > a && b > 1) p = Math.max(p, Math.log(b / a) / Math.log(1e3));
  }
  return p;
}

/**
 * Refuse (before sampling) an activation whose moments behind the requested standard errors diverge at z = 0
 * (as for 1/z). A quantity built from k powers of σ (K: Ĝ ∝ σ², k = 2; V4 and the n-point functions: k = 4 and
 * k = n) has a standard error only if ⟨|σ|^{2k}⟩ is finite, i.e. 2k·p < 1; likewise σ′ for the NTK quantities
 * (Θ: k = 2; A, B, D, F: k = 4).
 */
export function requireFiniteMoments(p: Pick<Plan, 'sigma' | 'sigmaPrime' | 'gaussNet'>, activation: string, powerOfSigma: number, powerOfDerivative: number): void {
  if (p.gaussNet) return;
  const check = (g: (z: number) => number, label: string, symbol: string, k: number, what: string) => {
    if (k <= 0) return;
    const power = singularityPower(g);
    if (2 * k * power >= 1 - 1e-3) {
      throw new NnftNumericalError(
        'the Monte Carlo estimates',
        `${label} grows like |z|^−${power.toPrecision(2)} near z = 0, so ⟨|${symbol}|^${2 * k}⟩ diverges: ${what} has no finite variance and no standard error can be stated`,
        symbol === 'σ' ? 'use an activation that is bounded near z = 0' : 'use an activation with a bounded derivative near z = 0, or drop the NTK quantities',
        { argument: '--activation' },
      );
    }
  };
  check(p.sigma, activationLabel(activation), 'σ', powerOfSigma, powerOfSigma >= 4 ? 'the estimate' : 'the sampled kernel');
  check(p.sigmaPrime, activationLabel(activation, true), 'σ′', powerOfDerivative, 'the sampled NTK');
}

/** Powers of σ and σ′ (see requireFiniteMoments) behind per-layer quantities. */
export function momentPowers(quantities: readonly SampledQuantity[]): [number, number] {
  const has = (...q: SampledQuantity[]) => q.some((x) => quantities.includes(x));
  const sigma = has('V4', 'A', 'D') ? 4 : 2; // D = Cov(h, Ĝ), A = Var(h): h contains λ_W σσ
  const deriv = has('A', 'B', 'D', 'F', 'P', 'Q', 'R', 'S', 'T', 'U') ? 4 : has('Theta', 'Theta1') ? 2 : 0;
  return [sigma, deriv];
}
