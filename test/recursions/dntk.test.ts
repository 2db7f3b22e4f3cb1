/**
 * The dNTK–preactivation statistics P, Q and the ddNTK means R, S, T, U (docs/dntk.md): derived by the engine from
 * their defining expectations (recursions/quantities/p.ts … u.ts), checked here against
 *  1. the single-input recursions of docs/dntk.md written out below with a trapezoid rule on the real line
 *     (⟨f′⟩ = ⟨f z⟩/K by Stein's lemma; σ″, σ‴ from the activation registry) — no engine, no src/gaussian;
 *  2. hand-written IBP forms in the text format (parsed, canonicalised, compared term by term);
 *  3. slot symmetries, restriction of the inputs, duplicate inputs with a singular K;
 *  4. ReLU at criticality (C_b = 0, C_W = 2, λ_b = 0): P = 0 and Q = λ_W²K²(ℓ−1)ℓ(ℓ+1)/12 for one input (derived in
 *     docs/dntk.md), to 1e-12; R, S, T, U refused (they diverge).
 * Sampled networks: test/recursions/dntk-montecarlo.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { getActivation } from '../../src/activations/index.ts';
import { NnftInputError } from '../../src/errors.ts';
import { symmetryOf, type QuantityName } from '../../src/quantities.ts';
import { canonicalSignature } from '../../src/symbolic/canonical.ts';
import { deriveRecursion, parseExpression, simplify } from '../../src/symbolic/index.ts';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';
import { gaussian1d } from '../oracle/gaussian1d.ts';

const DNTK: readonly QuantityName[] = ['P', 'Q', 'R', 'S', 'T', 'U'];
const flat = (t: unknown): number[] => (t as number[]).flat(3) as number[];

/** The single-input recursions of docs/dntk.md (every slot on one input, r = 1). */
function singleInputOracle(act: string, x: number[], L: number, cb: number, cw: number, lb: number, lw: number) {
  const a = getActivation(act);
  const [s0, s1, s2, s3] = [0, 1, 2, 3].map((k) => a.derivative(k)) as [(z: number) => number, (z: number) => number, (z: number) => number, (z: number) => number];
  const xx = x.reduce((t, v) => t + v * v, 0) / x.length;
  let K = cb + cw * xx;
  let Th = lb + lw * xx;
  let B = 0, F = 0, P = 0, Q = 0, R = 0, S = 0, T = 0, U = 0;
  const out = [{ P, Q, R, S, T, U }];
  for (let l = 1; l < L; l++) {
    const E = gaussian1d(K);
    const d1 = (f: (z: number) => number): number => E((z) => f(z) * z) / K; // ⟨f′⟩ by Stein
    const p2 = E((z) => s1(z) ** 2);
    const a1 = d1((z) => s1(z) * s0(z)); // ⟨(σ′σ)′⟩
    const a2 = d1((z) => s2(z) * s1(z)); // ⟨(σ″σ′)′⟩
    const g21 = E((z) => s2(z) * s1(z) ** 2 * s0(z)); // ⟨σ″σ′²σ⟩
    const nP = cw * cw * Th * Th * g21 + cw * cw * p2 * (E((z) => s2(z) * s0(z)) * B + a1 * P);
    const nQ = lw * cw * (Th * E((z) => s1(z) ** 2 * s0(z) ** 2) + F * a1 * a1) + cw * cw * (Th * Th * g21 + Th * F * a2 * a1 + p2 * a1 * Q);
    const nR =
      lw * cw * (Th * Th * g21 + p2 * (E((z) => s2(z) * s0(z)) * B + a1 * P)) +
      cw * cw * (Th ** 3 * E((z) => s3(z) * s1(z) ** 3) + Th * p2 * (E((z) => s3(z) * s1(z)) * B + a2 * P) + p2 * p2 * R);
    const q22 = E((z) => s2(z) ** 2 * s1(z) ** 2);
    const nS = lw * cw * (Th * Th * E((z) => s1(z) ** 4) + p2 * p2 * B) + cw * cw * (Th ** 3 * q22 + Th * E((z) => s2(z) ** 2) * p2 * B + p2 * p2 * S);
    const nT =
      lw * lw * (Th * E((z) => s1(z) ** 2 * s0(z) ** 2) + F * a1 * a1) +
      lw * cw * 2 * (Th * Th * g21 + Th * F * a1 * a2 + p2 * Q * a1) +
      cw * cw * (Th ** 3 * q22 + Th * Th * F * a2 * a2 + 2 * Th * p2 * Q * a2 + p2 * p2 * T);
    const nU = cw * cw * (Th ** 3 * q22 + p2 * p2 * U);
    const nB = cw * cw * E((z) => s1(z) ** 4) * Th * Th + (cw * p2) ** 2 * B;
    const nF = cw * cw * E((z) => s0(z) ** 2 * s1(z) ** 2) * Th + cw * cw * a1 * a1 * F;
    const nK = cb + cw * E((z) => s0(z) ** 2);
    const nTh = lb + lw * E((z) => s0(z) ** 2) + cw * p2 * Th;
    [K, Th, B, F, P, Q, R, S, T, U] = [nK, nTh, nB, nF, nP, nQ, nR, nS, nT, nU];
    out.push({ P, Q, R, S, T, U });
  }
  return out;
}

describe('one input: solver vs the single-input recursions (trapezoid rule)', () => {
  const cases: [string, number, number][] = [
    ['tanh', 0.1, 1.5],
    ['gelu', 0.1, 1.5],
    ['softplus', 0, 1.2],
  ];
  for (const [act, cb, cw] of cases) {
    it(`${act} C_b=${cb} C_W=${cw}, 6 layers: P, Q, R, S, T, U to 1e-9`, () => {
      const x = [0.9, -0.6];
      const res = solveRecursions({ activation: act, inputs: [x], widths: new Array(6).fill(32), cb, cw, lambdaB: 0.5, lambdaW: 1.3, quantities: [...DNTK] });
      const ref = singleInputOracle(act, x, 6, cb, cw, 0.5, 1.3);
      for (const q of DNTK) {
        const key = q as keyof (typeof ref)[number];
        const scale = Math.max(...ref.map((r) => Math.abs(r[key])));
        expect(scale, `${q} is not trivially zero`).toBeGreaterThan(1e-3);
        res.layers.forEach((layer, i) => {
          expect(Math.abs(flat(layer[q])[0]! - ref[i]![key]) / scale, `${q} layer ${i + 1}`).toBeLessThan(1e-9);
        });
      }
    });
  }
});

describe('the derived IBP forms, term by term', () => {
  // The grouped forms of docs/dntk.md, typed in the text format of `nnft derive` (d1, d2 summed input indices).
  const P = [
    'C_W**2*GaussExpec(Derivative(sig(z[a1]), (z[a1], 2))*Derivative(sig(z[a2]), z[a2])*Derivative(sig(z[a3]), z[a3])*sig(z[a4]))*Theta[a1, a2]*Theta[a1, a3]',
    'C_W**2*r*GaussExpec(Derivative(sig(z[a2]), z[a2])*Derivative(sig(z[a3]), z[a3]))*GaussExpec(Derivative(sig(z[a1]), (z[a1], 2))*sig(z[a4]))*B[a1, a1, a2, a3]',
    'C_W**2*r*GaussExpec(Derivative(sig(z[a2]), z[a2])*Derivative(sig(z[a3]), z[a3]))*GaussExpec(Derivative(Derivative(sig(z[a1]), z[a1])*sig(z[a4]), z[d1]))*P[a1, a2, a3, d1]',
  ].join(' + ');
  const U = [
    'C_W**2*GaussExpec(Derivative(sig(z[a1]), (z[a1], 2))*Derivative(sig(z[a2]), (z[a2], 2))*Derivative(sig(z[a3]), z[a3])*Derivative(sig(z[a4]), z[a4]))*Theta[a1, a2]*Theta[a1, a3]*Theta[a2, a4]',
    'C_W**2*r*GaussExpec(Derivative(sig(z[a1]), z[a1])*Derivative(sig(z[a4]), z[a4]))*GaussExpec(Derivative(sig(z[a2]), z[a2])*Derivative(sig(z[a3]), z[a3]))*U[a1, a2, a3, a4]',
  ].join(' + ');
  const Q = [
    'C_W*lambda_W*GaussExpec(Derivative(sig(z[a1]), z[a1])*sig(z[a2])*Derivative(sig(z[a3]), z[a3])*sig(z[a4]))*Theta[a1, a3]',
    'C_W*lambda_W*r*GaussExpec(Derivative(Derivative(sig(z[a1]), z[a1])*sig(z[a2]), z[d1]))*GaussExpec(Derivative(Derivative(sig(z[a3]), z[a3])*sig(z[a4]), z[d2]))*F[a1, d1, a3, d2]',
    'C_W**2*GaussExpec(Derivative(sig(z[a1]), (z[a1], 2))*Derivative(sig(z[a2]), z[a2])*Derivative(sig(z[a3]), z[a3])*sig(z[a4]))*Theta[a1, a2]*Theta[a1, a3]',
    'C_W**2*r*GaussExpec(Derivative(Derivative(sig(z[a1]), (z[a1], 2))*Derivative(sig(z[a2]), z[a2]), z[d1]))*GaussExpec(Derivative(Derivative(sig(z[a3]), z[a3])*sig(z[a4]), z[d2]))*F[a1, d1, a3, d2]*Theta[a1, a2]',
    'C_W**2*r*GaussExpec(Derivative(sig(z[a1]), z[a1])*Derivative(sig(z[a2]), z[a2]))*GaussExpec(Derivative(Derivative(sig(z[a3]), z[a3])*sig(z[a4]), z[d1]))*Q[a1, a2, a3, d1]',
  ].join(' + ');
  for (const [name, text] of [['P', P], ['Q', Q], ['U', U]] as const) {
    it(`${name}: the engine's grouped form equals the typed form of docs/dntk.md`, () => {
      const typed = simplify(parseExpression(text, ['a1', 'a2', 'a3', 'a4']), 'grouped');
      const derived = deriveRecursion(name).grouped;
      expect(canonicalSignature(derived)).toEqual(canonicalSignature(typed));
    });
  }

  it('term counts (expanded / grouped) and printers', () => {
    const counts = Object.fromEntries(DNTK.map((q) => [q, [deriveRecursion(q).terms, deriveRecursion(q).groupedTerms]]));
    expect(counts).toEqual({ P: [4, 3], Q: [12, 5], R: [9, 7], S: [5, 5], T: [29, 13], U: [2, 2] });
    for (const q of DNTK) {
      const d = deriveRecursion(q);
      expect(d.latex).toContain('\\Theta');
      expect(d.source).toMatch(/PDLT/);
      expect(d.groupedText).not.toMatch(/Kinv/); // no inverse kernel survives
    }
  });
});

describe('two inputs: symmetries, restriction, duplicates', () => {
  const x = [[1, 0.5], [0.2, -0.9], [-0.7, 0.3]];
  const spec = { activation: 'gelu', widths: [24, 40, 16, 32], cb: 0.1, cw: 1.4, lambdaB: 0.6, lambdaW: 1.2, quantities: [...DNTK] };
  const three = solveRecursions({ ...spec, inputs: x });
  const two = solveRecursions({ ...spec, inputs: x.slice(0, 2) });

  it('each tensor has the slot symmetries of its registry entry at every layer', () => {
    for (const layer of three.layers) {
      for (const q of DNTK) {
        const t = flat(layer[q]);
        const scale = Math.max(1e-300, ...t.map(Math.abs));
        for (const perm of symmetryOf(q)) {
          for (let e = 0; e < 81; e++) {
            const idx = [Math.floor(e / 27), Math.floor(e / 9) % 3, Math.floor(e / 3) % 3, e % 3];
            const p = perm.map((s) => idx[s]!);
            const f = ((p[0]! * 3 + p[1]!) * 3 + p[2]!) * 3 + p[3]!;
            expect(Math.abs(t[e]! - t[f]!) / scale, `${q} layer ${layer.layer} [${idx}] vs [${p}]`).toBeLessThan(1e-13);
          }
        }
      }
    }
  });

  it('Q has no slot symmetry (a registry claim checked): Q_0123 ≠ Q_0213 for two inputs', () => {
    const q = three.layers[3]!.Q as number[][][][];
    expect(Math.abs(q[0]![0]![1]![0]! - q[0]![1]![0]![0]!)).toBeGreaterThan(1e-3);
  });

  it('entries on the first two inputs do not depend on a third (restriction), to 1e-12', () => {
    for (let l = 0; l < 4; l++) {
      for (const q of DNTK) {
        const a = three.layers[l]![q] as number[][][][];
        const b = flat(two.layers[l]![q]);
        const scale = Math.max(1e-300, ...b.map(Math.abs));
        let e = 0;
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) for (let m = 0; m < 2; m++) {
          expect(Math.abs(a[i]![j]![k]![m]! - b[e++]!) / scale, `${q} layer ${l + 1}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('duplicate inputs (singular K, no de-duplication) give the entries of the distinct inputs, to 1e-10', () => {
    const dup = solveRecursions({ ...spec, inputs: [x[0]!, x[1]!, x[0]!] }, { dedupe: false });
    for (const q of DNTK) {
      const a = dup.layers[3]![q] as number[][][][];
      const b = three.layers[3]![q] as number[][][][];
      const map = [0, 1, 0];
      const scale = Math.max(...flat(b).map(Math.abs));
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) for (let m = 0; m < 3; m++) {
        const want = b[map[i]!]![map[j]!]![map[k]!]![map[m]!]!;
        expect(Math.abs(a[i]![j]![k]![m]! - want) / scale, `${q} [${i}${j}${k}${m}]`).toBeLessThan(1e-10);
      }
    }
  });

  it('layer 1 is linear in its parameters: every dNTK statistic is exactly 0 there', () => {
    for (const q of DNTK) expect(flat(three.layers[0]![q]).every((v) => v === 0), q).toBe(true);
  });
});

describe('ReLU', () => {
  it('at criticality (C_b = 0, C_W = 2, λ_b = 0), one input: P = 0 and Q = λ²K²(ℓ−1)ℓ(ℓ+1)/12 to 1e-12', () => {
    const lam = 1.3;
    const r = solveRecursions({ activation: 'relu', inputs: [[0.8, -0.3, 0.5]], widths: new Array(8).fill(16), cb: 0, cw: 2, lambdaB: 0, lambdaW: lam, quantities: ['K', 'P', 'Q'] });
    const K = flat(r.layers[0]!.K)[0]!;
    for (const layer of r.layers) {
      const l = layer.layer;
      expect(flat(layer.K)[0]).toBeCloseTo(K, 14);
      expect(flat(layer.P)[0]).toBe(0);
      const want = (lam * lam * K * K * (l - 1) * l * (l + 1)) / 12;
      expect(Math.abs(flat(layer.Q)[0]! - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, want));
    }
  });

  it('two inputs: P and Q are finite (δ·θ = δ/2 at a kink); R, S, T, U are refused by the solver and the sampler', async () => {
    const spec = { activation: 'relu', inputs: [[1, 0.5], [0.2, -0.9]], widths: [16, 16, 16], cb: 0.1, cw: 2 };
    const pq = solveRecursions({ ...spec, quantities: ['P', 'Q'] });
    for (const q of ['P', 'Q'] as const) expect(flat(pq.layers[2]![q]).every(Number.isFinite)).toBe(true);
    expect(Math.max(...flat(pq.layers[2]!.P).map(Math.abs))).toBeGreaterThan(0.1);
    for (const q of ['R', 'S', 'T', 'U'] as const) {
      expect(() => solveRecursions({ ...spec, quantities: [q] })).toThrow(NnftInputError);
      expect(() => solveRecursions({ ...spec, quantities: [q] })).toThrow(new RegExp(`${q} does not exist for the piecewise-linear relu`));
      await expect(sampleEnsemble({ ...spec, nets: 64, quantities: [q] })).rejects.toThrow(/do not exist for the piecewise-linear relu/);
    }
  });
});
