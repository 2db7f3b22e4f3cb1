/**
 * The solver's evaluators (src/symbolic's compiled IBP forms, direct K and Θ) against two independent oracles:
 *  1. the hand-typed IBP forms of test/oracle/reference.ts, entry by entry, for several inputs;
 *  2. for one input, the single-input recursions of docs/equations.md written here with Hermite weights
 *     (⟨f''⟩ = ⟨f (z² − K)⟩/K², ⟨f⁗⟩ = ⟨f (z⁴ − 6Kz² + 3K²)⟩/K⁴), which need only σ and σ' — no derivative
 *     code, no IBP, no src/gaussian — integrated by a fine trapezoid rule on the real line.
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions, type LayerResult } from '../../recursions/index.ts';

/** The quantities both oracles cover. */
const ALL_QUANTITIES = ['K', 'Theta', 'V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;
import { referenceEvaluators } from '../oracle/reference.ts';
import { getActivation } from '../../src/activations/index.ts';
import { gaussian1d } from '../oracle/gaussian1d.ts';

const flat = (t: unknown): number[] => (t as number[]).flat(3) as number[];

function maxRel(a: LayerResult[], b: LayerResult[], q: keyof LayerResult): number {
  let worst = 0;
  a.forEach((layer, i) => {
    const x = flat(layer[q]);
    const y = flat(b[i]![q]!);
    const scale = Math.max(1e-300, ...y.map(Math.abs));
    x.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - y[k]!) / scale)));
  });
  return worst;
}

describe('solver evaluators vs the hand-typed IBP forms (several inputs)', () => {
  const inputs = [
    [1, 0.5, -0.3],
    [0.2, -0.9, 0.4],
    [-0.7, 0.1, 1.2],
  ];
  const cases: [string, number, number][] = [
    ['tanh', 0.1, 1.2],
    ['gelu', 0.05, 1.7],
    ['erf', 0.2, 0.9],
    ['relu', 0.1, 1.8],
  ];
  for (const [act, cb, cw] of cases) {
    it(`${act}: all nine quantities, 5 layers of mixed widths, to 1e-12`, () => {
      const spec = { activation: act, inputs, widths: [30, 50, 20, 40, 10], cb, cw, lambdaB: 0.3, lambdaW: 1.4, quantities: [...ALL_QUANTITIES] };
      const solver = solveRecursions(spec);
      const oracle = solveRecursions(spec, { evaluators: referenceEvaluators });
      for (const q of ALL_QUANTITIES) expect(maxRel(solver.layers, oracle.layers, q), q).toBeLessThan(1e-12);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Single input, docs/equations.md (r = 1, χ_∥ = (C_W/2)⟨(σ²)''⟩, χ_⊥ = C_W⟨σ'²⟩, Ω = λ_W σ² + C_W Θ σ'²):
//   V' = C_W² Var(σ²) + χ_∥² V;  K1' = χ_∥ K1 + (C_W/8)⟨(σ²)⁗⟩ V;
//   D' = C_W Cov(Ω, σ²) + (C_W/4)⟨(σ²)''⟩⟨Ω''⟩ V + χ_∥χ_⊥ D;  F' = C_W²⟨σ²σ'²⟩Θ + χ_∥² F;
//   B' = C_W²⟨σ'⁴⟩Θ² + χ_⊥² B;  A' = Var(Ω) + ¼⟨Ω''⟩² V + C_W⟨Ω''⟩⟨σ'²⟩ D + χ_⊥² A;
//   Θ1' = χ_⊥ Θ1 + ½⟨Ω''⟩ K1 + ⅛⟨Ω⁗⟩ V + (C_W/2)⟨(σ'²)''⟩ D + C_W⟨(σ'²)''⟩ F.
// ---------------------------------------------------------------------------------------------------------
function singleInputOracle(act: string, x: number[], L: number, cb: number, cw: number, lb: number, lw: number) {
  const a = getActivation(act);
  const s = a.f;
  const ds = a.derivative(1);
  const n0 = x.length;
  const xx = x.reduce((t, v) => t + v * v, 0);
  let K = cb + (cw / n0) * xx;
  let T = lb + (lw / n0) * xx;
  let V = 0, K1 = 0, T1 = 0, A = 0, B = 0, D = 0, F = 0;
  const out = [{ K, T, V, K1, T1, A, B, D, F }];
  for (let l = 1; l < L; l++) {
    const E = gaussian1d(K);
    const d2 = (f: (z: number) => number) => E((z) => f(z) * (z * z - K)) / (K * K);
    const d4 = (f: (z: number) => number) => E((z) => f(z) * (z ** 4 - 6 * K * z * z + 3 * K * K)) / K ** 4;
    const S = (z: number) => s(z) ** 2;
    const P = (z: number) => ds(z) ** 2;
    const Om = (z: number) => lw * S(z) + cw * T * P(z);
    const ES = E(S), EP = E(P), EO = E(Om);
    const chiPar = (cw / 2) * d2(S);
    const chiPerp = cw * EP;
    const O2 = d2(Om), O4 = d4(Om), P2 = d2(P);
    const nV = cw * cw * (E((z) => S(z) ** 2) - ES * ES) + chiPar ** 2 * V;
    const nK1 = chiPar * K1 + (cw / 8) * d4(S) * V;
    const nD = cw * (E((z) => Om(z) * S(z)) - EO * ES) + (cw / 4) * d2(S) * O2 * V + chiPar * chiPerp * D;
    const nF = cw * cw * E((z) => S(z) * P(z)) * T + chiPar ** 2 * F;
    const nB = cw * cw * E((z) => P(z) ** 2) * T * T + chiPerp ** 2 * B;
    const nA = E((z) => Om(z) ** 2) - EO * EO + 0.25 * O2 * O2 * V + cw * O2 * EP * D + chiPerp ** 2 * A;
    const nT1 = chiPerp * T1 + 0.5 * O2 * K1 + 0.125 * O4 * V + (cw / 2) * P2 * D + cw * P2 * F;
    const nK = cb + cw * ES;
    const nT = lb + lw * ES + cw * EP * T;
    [K, T, V, K1, T1, A, B, D, F] = [nK, nT, nV, nK1, nT1, nA, nB, nD, nF];
    out.push({ K, T, V, K1, T1, A, B, D, F });
  }
  return out;
}

describe('one input: solver vs the single-input recursions with Hermite weights', () => {
  const cases: [string, number, number][] = [
    ['tanh', 0, 1],
    ['tanh', 0.1, 1.2],
    ['gelu', 0.1, 1.5],
    ['erf', 0, 1.1],
  ];
  for (const [act, cb, cw] of cases) {
    it(`${act} C_b=${cb} C_W=${cw}, 8 layers: K, Θ, V4, K1, Θ1, A, B, D, F to 1e-9`, () => {
      const x = [0.9, -0.6];
      const res = solveRecursions({ activation: act, inputs: [x], widths: new Array(8).fill(32), cb, cw, lambdaB: 0.5, lambdaW: 1.3, quantities: [...ALL_QUANTITIES] });
      const ref = singleInputOracle(act, x, 8, cb, cw, 0.5, 1.3);
      const key = { K: 'K', Theta: 'T', V4: 'V', K1: 'K1', Theta1: 'T1', A: 'A', B: 'B', D: 'D', F: 'F' } as const;
      for (const q of ALL_QUANTITIES) {
        const scale = Math.max(1e-12, ...ref.map((r) => Math.abs(r[key[q]])));
        res.layers.forEach((layer, i) => {
          const v = flat(layer[q])[0]!;
          expect(Math.abs(v - ref[i]![key[q]]!) / scale, `${q} layer ${i + 1}`).toBeLessThan(1e-9);
        });
      }
    });
  }
});
