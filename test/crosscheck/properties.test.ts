/**
 * Property-based cross-checks: random architectures, recursion (recursions/ solveRecursions) against
 * sampled networks (src/montecarlo sampleEnsemble), every entry of every layer.
 *
 * Cases (fast-check, seeded): activation from the registry (relu, leaky_relu(0.1), tanh, erf, sin, linear,
 * gelu, silu, sigmoid, softplus), depth 1–4, widths 32–256 drawn independently per layer (so r = n_ℓ/n_{ℓ−1}
 * ≠ 1 is exercised), C_b and C_W at, near (±5 %) or away (×0.6…1.4) from criticality where it is known
 * (relu, leaky_relu, tanh, erf, sin, linear: C_b = 0 and C_W = 2, 2/(1+a²), 1, π/4, 1, 1), otherwise
 * C_b ∈ [0, 0.5], C_W ∈ [1, 2.5]; 1–3 random inputs of dimension 1–3.
 *
 * Criterion for every entry: |MC − prediction| ≤ 4·stderr + allowance, where the prediction is
 *   K:       K + K¹/n_{ℓ−1}           (the MC measures E[zz] = K + K¹/n + O(1/n²)),
 *   Θ:       Θ + Θ¹/n_{ℓ−1},
 *   V4, K¹, Θ¹, A, B, D, F (normalised by n_{ℓ−1}, docs/conventions.md): the recursion value,
 * and the allowance is the explicit O(1/n²) budget (O(1/n) relative to an O(1/n) quantity):
 *   allowance = C2 · S_Q · η_ℓ,   η_ℓ = Σ_{ℓ'<ℓ} 1/n_ℓ'  (the "effective depth" ℓ/n of PDLT, for unequal widths),
 * with S_Q the natural scale of the quantity at that layer: max|entry| for V4, A, B, D, F;
 * S_K1 = max(max|K¹|, max_a V_(aa)(aa)/K_aa); S_Θ1 = max(max|Θ¹|, max_a V_(aa)(aa)Θ_aa/K_aa²); for K and Θ the
 * allowance is C2·S_K1·η_ℓ/n_{ℓ−1} (resp. S_Θ1), i.e. O(1/n²) in absolute terms.
 * Why C2 = 8: for ReLU at criticality the exact result E[z⁴]/E[z²]² = 3Π(1+5/n_ℓ') gives the next-order
 * relative correction of V4 as 25Σ_{i<j}1/(n_i n_j)/(5Σ1/n_i) ≤ (5/2)η, i.e. C2 = 2.5. A calibration grid
 * (10 activations × C_W ∈ {0.7, 1, 1.3}×critical × C_b ∈ {0, 0.3}, widths 32 and 128, depth 4, 40 000 nets)
 * needed at most 5.7 (gelu, C_W = 1.05, C_b = 0, layer 4, width 32; the residual falls as 1/n² when the width
 * grows: 0.147 → 0.032 → 0.0045 relative at n = 64, 256, 1024), so 8 leaves a margin of 1.4.
 * Layer 1 is exactly Gaussian: K, Θ must match to 1e-9 relative and every finite-width quantity must be 0.
 *
 * Default run: 3 fixed anchor + 16 random preactivation cases (K, V4, K¹; fast sampler) and 2 anchor + 6 random
 * NTK cases (K, V4, K¹, Θ, Θ¹, A, B, D, F; full-weight sampler, widths 32–96, depth 2–3), under a minute on one core. NNFT_LONG=1: 80 + 20 cases, 4× the networks.
 * NNFT_PROP_SEED changes the fast-check seed. A failing case prints its seed and the two `nnft` commands that
 * reproduce it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { solveRecursions, type LayerResult } from '../../recursions/index.ts';
import { sampleEnsemble, type McLayerResult } from '../../src/montecarlo/index.ts';
import type { SampledQuantity } from '../../src/quantities.ts';

const LONG = process.env.NNFT_LONG === '1';
const SEED = Number(process.env.NNFT_PROP_SEED ?? 20261123);
/** The O(1/n²) allowance constant (see the header for its derivation and calibration). */
export const C2 = 8;
const N_PRE = LONG ? 80 : 16;
const N_NTK = LONG ? 20 : 6;
const NET_SCALE = LONG ? 4 : 1;

/** Known critical points (C_b = 0): χ_⊥ = C_W⟨σ'²⟩ = 1 at K* = 0, or the scale-invariant C_W = 2/(1+a²). */
const CRITICAL: Record<string, number | undefined> = {
  relu: 2,
  'leaky_relu(0.1)': 2 / 1.01,
  tanh: 1,
  erf: Math.PI / 4,
  sin: 1,
  linear: 1,
};
const ACTIVATIONS = ['relu', 'leaky_relu(0.1)', 'tanh', 'erf', 'sin', 'linear', 'gelu', 'silu', 'sigmoid', 'softplus'];

export interface Case {
  activation: string;
  regime: 'critical' | 'near' | 'away' | 'generic';
  cb: number;
  cw: number;
  widths: number[];
  inputs: number[][];
  lambdaB: number;
  lambdaW: number;
  seed: number;
  nets: number;
  quantities: SampledQuantity[];
}

const round = (x: number, d: number): number => Number(x.toFixed(d));

function caseArb(kind: 'pre' | 'ntk'): fc.Arbitrary<Case> {
  const depth = kind === 'pre' ? fc.integer({ min: 1, max: 4 }) : fc.integer({ min: 2, max: 3 });
  const wmax = kind === 'pre' ? 256 : 96;
  return fc
    .record({
      activation: fc.constantFrom(...ACTIVATIONS),
      regime: fc.constantFrom('critical', 'near', 'away') as fc.Arbitrary<'critical' | 'near' | 'away'>,
      // uniform draws on a grid (fc.double would favour the edges 0, ±1)
      u: fc.integer({ min: -1000, max: 1000 }).map((k) => k / 1000),
      v: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000),
      depth,
      widthsRaw: fc.array(fc.integer({ min: 32, max: wmax }), { minLength: 4, maxLength: 4 }),
      m: fc.integer({ min: 1, max: kind === 'pre' ? 3 : 2 }),
      n0: fc.integer({ min: 1, max: 3 }),
      raw: fc.array(fc.integer({ min: -1500, max: 1500 }).map((k) => k / 1000), { minLength: 9, maxLength: 9 }),
      lambdaB: fc.constantFrom(0, 0.5, 1),
      lambdaW: fc.constantFrom(0.5, 1, 2),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map(({ activation, regime, u, v, depth, widthsRaw, m, n0, raw, lambdaB, lambdaW, seed }) => {
      const crit = CRITICAL[activation];
      let cb: number;
      let cw: number;
      let reg: Case['regime'] = regime;
      if (crit === undefined) {
        reg = 'generic';
        cb = 0.5 * v;
        cw = 1 + 1.5 * (u + 1) / 2;
      } else if (regime === 'critical') {
        cb = 0;
        cw = crit;
      } else if (regime === 'near') {
        cb = 0.05 * v;
        cw = crit * (1 + 0.05 * u);
      } else {
        cb = 0.5 * v;
        cw = crit * (1 + 0.4 * u);
      }
      const inputs: number[][] = [];
      for (let a = 0; a < m; a++) {
        const x = raw.slice(a * 3, a * 3 + n0).map((t) => round(t, 3));
        if (Math.hypot(...x) < 0.2) x[0] = x[0]! < 0 ? -0.7 : 0.7; // keep every input away from the origin
        inputs.push(x);
      }
      const widths = widthsRaw.slice(0, depth);
      // Networks: fixed work per case (fast path ∝ nets·Σn·m; full weights ∝ nets·Σn²).
      const work = kind === 'pre' ? widths.reduce((s, n) => s + n, 0) * m : widths.reduce((s, n) => s + n * n, 0) / 40;
      const base = kind === 'pre' ? 2.4e7 : 5e5;
      const nets = NET_SCALE * Math.max(kind === 'pre' ? 6000 : 1000, Math.min(kind === 'pre' ? 60000 : 6000, Math.round(base / work / 100) * 100));
      const quantities: SampledQuantity[] = kind === 'pre' ? ['K', 'V4', 'K1'] : ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'];
      return { activation, regime: reg, cb: round(cb, 4), cw: round(cw, 4), widths, inputs, lambdaB, lambdaW, seed, nets, quantities };
    });
}

/** The exact commands that reproduce a case. */
export function reproduce(c: Case): string {
  const arch =
    `--activation '${c.activation}' --cb ${c.cb} --cw ${c.cw} --widths ${c.widths.join(',')} ` +
    `--inputs '${JSON.stringify(c.inputs)}' --lambda-b ${c.lambdaB} --lambda-w ${c.lambdaW}`;
  const rq = c.quantities.includes('Theta') ? 'K,Theta,V4,K1,Theta1,A,B,D,F' : 'K,Theta,V4,K1';
  return [
    `  node bin/nnft.js recursions ${arch} --quantities ${rq} --json`,
    `  node bin/nnft.js mc ${arch} --nets ${c.nets} --seed ${c.seed} --quantities ${c.quantities.join(',')} --json`,
  ].join('\n');
}

const flat = (x: unknown): number[] => (Array.isArray(x) ? (x as unknown[]).flat(3) : []) as number[];
const maxAbs = (xs: number[]): number => xs.reduce((s, v) => Math.max(s, Math.abs(v)), 0);

export interface Violation {
  layer: number;
  q: string;
  index: number;
  predicted: number;
  mc: number;
  stderr: number;
  tol: number;
}

/** Compare one layer; returns the entries outside 4·stderr + allowance. */
export function compareLayer(th: LayerResult, mc: McLayerResult, prevWidths: number[], quantities: readonly SampledQuantity[]): Violation[] {
  const out: Violation[] = [];
  const layer = th.layer;
  const m = (th.K as number[][]).length;
  const nPrev = prevWidths[prevWidths.length - 1]!;
  const eta = prevWidths.reduce((s, n) => s + 1 / n, 0); // Σ_{ℓ'<ℓ} 1/n_ℓ' (0 at layer 1)
  const K = th.K as number[][];
  const V = th.V4 as number[][][][] | undefined;
  const Th = th.Theta as number[][] | undefined;
  let sK1 = maxAbs(flat(th.K1));
  let sT1 = maxAbs(flat(th.Theta1));
  if (V) {
    for (let a = 0; a < m; a++) {
      sK1 = Math.max(sK1, Math.abs(V[a]![a]![a]![a]! / K[a]![a]!));
      if (Th) sT1 = Math.max(sT1, Math.abs((V[a]![a]![a]![a]! * Th[a]![a]!) / (K[a]![a]! * K[a]![a]!)));
    }
  }
  for (const q of quantities) {
    const est = mc[q];
    if (!est) throw new Error(`MC result lacks ${q} at layer ${layer}`);
    const mean = flat(est.mean);
    const se = flat(est.stderr);
    let pred: number[];
    let allow: number;
    if (layer === 1) {
      // exactly Gaussian: K, Θ exact; all finite-width quantities vanish
      pred = q === 'K' || q === 'Theta' ? flat(th[q]) : mean.map(() => 0);
      allow = 1e-9 * Math.max(1, maxAbs(pred));
    } else if (q === 'K') {
      pred = flat(th.K).map((k, i) => k + flat(th.K1)[i]! / nPrev);
      allow = (C2 * sK1 * eta) / nPrev;
    } else if (q === 'Theta') {
      pred = flat(th.Theta).map((t, i) => t + flat(th.Theta1)[i]! / nPrev);
      allow = (C2 * sT1 * eta) / nPrev;
    } else {
      pred = flat(th[q]);
      const S = q === 'K1' ? sK1 : q === 'Theta1' ? sT1 : maxAbs(pred);
      allow = C2 * S * eta;
    }
    pred.forEach((p, i) => {
      const tol = 4 * se[i]! + allow;
      if (!(Math.abs(mean[i]! - p) <= tol)) out.push({ layer, q, index: i, predicted: p, mc: mean[i]!, stderr: se[i]!, tol });
    });
  }
  return out;
}

export async function runCase(c: Case): Promise<{ violations: Violation[]; worst: { q: string; layer: number; sigma: number; rel: number } }> {
  const spec = { activation: c.activation, inputs: c.inputs, widths: c.widths, cb: c.cb, cw: c.cw, lambdaB: c.lambdaB, lambdaW: c.lambdaW };
  const rq = c.quantities.includes('Theta') ? (['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const) : (['K', 'Theta', 'V4', 'K1'] as const);
  const th = solveRecursions({ ...spec, quantities: [...rq] });
  const mc = await sampleEnsemble({ ...spec, nets: c.nets, seed: c.seed, quantities: c.quantities });
  const violations: Violation[] = [];
  let worst = { q: '', layer: 0, sigma: 0, rel: 0 };
  for (let l = 0; l < c.widths.length; l++) {
    const v = compareLayer(th.layers[l]!, mc.layers[l]!, c.widths.slice(0, l), c.quantities);
    violations.push(...v);
    if (l > 0) {
      for (const q of c.quantities) {
        const p = flat(th.layers[l]![q]!);
        const mean = flat(mc.layers[l]![q]!.mean);
        const se = flat(mc.layers[l]![q]!.stderr);
        p.forEach((t, i) => {
          const s = se[i]! > 0 ? Math.abs(mean[i]! - t) / se[i]! : 0;
          if (s > worst.sigma) worst = { q, layer: l + 1, sigma: s, rel: Math.abs(mean[i]! - t) / Math.max(maxAbs(p), 1e-300) };
        });
      }
    }
  }
  return { violations, worst };
}

function describeCase(c: Case): string {
  return `${c.activation} (${c.regime}) C_b=${c.cb} C_W=${c.cw} widths=${c.widths.join(',')} m=${c.inputs.length} n0=${c.inputs[0]!.length} nets=${c.nets} seed=${c.seed}`;
}

function failureMessage(c: Case, v: Violation[]): string {
  const lines = v
    .slice(0, 10)
    .map((x) => `  layer ${x.layer} ${x.q}[${x.index}]: prediction ${x.predicted.toPrecision(6)}, MC ${x.mc.toPrecision(6)} ± ${x.stderr.toPrecision(3)}, |Δ| ${Math.abs(x.mc - x.predicted).toPrecision(3)} > tol ${x.tol.toPrecision(3)}`);
  return [
    `cross-check failed for ${describeCase(c)} (fast-check seed ${SEED}; ${v.length} entries outside 4σ + ${C2}·S·η):`,
    ...lines,
    'reproduce with:',
    reproduce(c),
  ].join('\n');
}

/**
 * Fixed anchor cases run before the random ones, so that every run exercises the layer-to-layer terms
 * (depth ≥ 3, several inputs, unequal widths) of the piecewise-linear and the smooth code paths.
 */
/** runCase, but an exception (e.g. a solver that rejects the case) also names the seed and the commands. */
async function runOrExplain(c: Case): ReturnType<typeof runCase> {
  try {
    return await runCase(c);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${describeCase(c)} threw (fast-check seed ${SEED}): ${err.message}\nreproduce with:\n${reproduce(c)}`;
    throw err;
  }
}

const PRE_Q: SampledQuantity[] = ['K', 'V4', 'K1'];
const NTK_Q: SampledQuantity[] = ['K', 'V4', 'K1', 'Theta', 'Theta1', 'A', 'B', 'D', 'F'];
const ANCHORS: Case[] = [
  { activation: 'relu', regime: 'critical', cb: 0, cw: 2, widths: [64, 48, 96, 64], inputs: [[1, 0.5], [-0.3, 0.9]], lambdaB: 1, lambdaW: 1, seed: 1, nets: 40000 * NET_SCALE, quantities: PRE_Q },
  { activation: 'leaky_relu(0.1)', regime: 'away', cb: 0.2, cw: 1.6, widths: [40, 120, 80], inputs: [[1, 0.5], [-0.3, 0.9], [0.4, 0.4]], lambdaB: 1, lambdaW: 1, seed: 2, nets: 40000 * NET_SCALE, quantities: PRE_Q },
  { activation: 'tanh', regime: 'critical', cb: 0, cw: 1, widths: [128, 64, 96, 128], inputs: [[1, 0.5], [0.2, -0.9]], lambdaB: 1, lambdaW: 1, seed: 3, nets: 40000 * NET_SCALE, quantities: PRE_Q },
  { activation: 'relu', regime: 'critical', cb: 0, cw: 2, widths: [48, 64, 48], inputs: [[1, 0.5], [0.2, -0.9]], lambdaB: 1, lambdaW: 1, seed: 4, nets: 3000 * NET_SCALE, quantities: NTK_Q },
  { activation: 'tanh', regime: 'away', cb: 0.1, cw: 1.2, widths: [48, 64, 48], inputs: [[1, 0.5], [0.2, -0.9]], lambdaB: 1, lambdaW: 1, seed: 5, nets: 3000 * NET_SCALE, quantities: NTK_Q },
];
const PRE = [...ANCHORS.filter((c) => c.quantities === PRE_Q), ...fc.sample(caseArb('pre'), { seed: SEED, numRuns: N_PRE })];
const NTK = [...ANCHORS.filter((c) => c.quantities === NTK_Q), ...fc.sample(caseArb('ntk'), { seed: SEED + 1, numRuns: N_NTK })];

describe(`recursion vs Monte Carlo on random architectures (fast-check seed ${SEED})`, () => {
  PRE.forEach((c, k) => {
    it(`K, V4, K¹ #${k}: ${describeCase(c)}`, { timeout: LONG ? 600_000 : 120_000 }, async () => {
      const { violations } = await runOrExplain(c);
      expect(violations.length, failureMessage(c, violations)).toBe(0);
    });
  });
  NTK.forEach((c, k) => {
    it(`K, V4, K¹, Θ, Θ¹, A, B, D, F #${k}: ${describeCase(c)}`, { timeout: LONG ? 1_200_000 : 180_000 }, async () => {
      const { violations } = await runOrExplain(c);
      expect(violations.length, failureMessage(c, violations)).toBe(0);
    });
  });
});
