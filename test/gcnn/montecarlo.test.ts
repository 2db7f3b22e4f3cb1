/**
 * Finite-width statistics of C8 networks: recursion (solveGcnnRecursions) against sampled networks
 * (sampleGcnnEnsemble, conditional estimators, grouped jackknife), channels 16 and 64, depth 3, one input signal,
 * pooled and on all (input, g) pairs.
 *
 * Criterion for every entry: |MC − recursion| ≤ 4·stderr + allowance, the allowance being the next order of the
 * 1/n expansion (the recursion is exact to O(1/n) in the PDLT normalisation, the ensemble is not):
 *   V4: n·Cov(Ĝ, Ĝ) = V + O(V·ℓ/n). For the MLP the relative next-order term is known in closed form for ReLU at
 *       criticality, (Π_{ℓ′<ℓ}(1 + 5/n) − 1)/(5(ℓ−1)/n) − 1 = 5(ℓ−2)/(2n) + O(1/n²) (the closed form
 *       E[z⁴]/E[z²]² = 3Π(1 + 5/n)); we allow 2(ℓ−1)·max|V|/n, i.e. 4/n at ℓ = 3 against 2.5/n there.
 *   K¹: n(E[Ĝ] − K∞) = K¹ + O(1/n) (the 1/n² term of the two-point function, times n); we allow (ℓ−1)·max K/n
 *       (the MLP's simulation test allows max K/n at ℓ = 3).
 * Layer 1 is exact (K⁽¹⁾, zeros); layer 2 has K¹ = 0 exactly. 12 000 networks per width.
 * Also: the group-convolutional sampler over the trivial group against src/montecarlo's MLP sampler (a different
 * code path and different seeds), NTK statistics included: |a − b| ≤ 4·√(se_a² + se_b²); worker threads do not
 * change the numbers; and direct estimators of B and F from single drawn networks (exact empirical NTK) against the
 * recursion, which checks which slots of B and F share a filter shift.
 */
import { describe, expect, it } from 'vitest';
import { sampleEnsemble } from '../../src/montecarlo/index.ts';
import { sampleGcnnEnsemble } from '../../src/gcnn/ensemble.ts';
import { solveGcnnRecursions } from '../../src/gcnn/solve.ts';
import { pool4 } from '../../src/gcnn/support-map.ts';
import { normalizeGcnn } from '../../src/gcnn/architecture.ts';
import { drawGcnn } from '../../src/gcnn/network.ts';

const LONG = process.env.NNFT_LONG === '1';
const NETS = LONG ? 100_000 : 12_000;
const f = [0.3, -0.2, 0.9, 0.1, 0.5, -0.7, 0.2, 0.4];

describe('C8 networks: V4 and K¹, recursion against sampled networks', () => {
  const cases: [string, number, number, string[]][] = [
    ['tanh', 0.1, 1.5, ['global', 'local:1', 'local:1']],
    ['relu', 0, 2, ['local:1', 'local:2', 'global']],
  ];
  for (const [act, cb, cw, support] of cases) {
    it(`${act} (C_b = ${cb}, C_W = ${cw}), supports ${support.join(',')}, channels 16 and 64`, async () => {
      for (const n of [16, 64]) {
        const spec = { activation: act, group: 'C8', inputs: [f], channels: [n, n, n], support, cb, cw };
        const th = solveGcnnRecursions({ ...spec, quantities: ['K', 'V4', 'K1'] }, { groupIndexed: true });
        const mc = await sampleGcnnEnsemble({ ...spec, nets: NETS, seed: 100 + n, quantities: ['K', 'V4', 'K1'], groupIndexed: true });
        let worst = 0;
        for (const [which, T, E] of [['pooled', th.layers, mc.layers], ['pairs', th.groupIndexed!.layers, mc.groupIndexed!.layers]] as const) {
          for (let l = 1; l < 3; l++) {
            const ell = l + 1;
            const V = (T[l]!.V4 as number[][][][]).flat(3);
            const K1 = (T[l]!.K1 as number[][]).flat();
            const K = (T[l]!.K as number[][]).flat();
            const vm = (E[l]!.V4!.mean as number[][][][]).flat(3);
            const vs = (E[l]!.V4!.stderr as number[][][][]).flat(3);
            const km = (E[l]!.K1!.mean as number[][]).flat();
            const ks = (E[l]!.K1!.stderr as number[][]).flat();
            const maxV = Math.max(...V.map(Math.abs));
            const maxK = Math.max(...K);
            V.forEach((v, i) => {
              const dev = Math.abs(vm[i]! - v);
              worst = Math.max(worst, dev / (4 * vs[i]! + (2 * (ell - 1) * maxV) / n));
              expect(dev, `V4 ${which} n=${n} layer ${ell} entry ${i}`).toBeLessThanOrEqual(4 * vs[i]! + (2 * (ell - 1) * maxV) / n);
            });
            K1.forEach((k, i) => {
              const dev = Math.abs(km[i]! - k);
              expect(dev, `K1 ${which} n=${n} layer ${ell} entry ${i}`).toBeLessThanOrEqual(4 * ks[i]! + ((ell - 1) * maxK) / n);
            });
            if (ell === 2) for (const k of K1) expect(k).toBe(0);
          }
          // layer 1 exact
          expect((E[0]!.V4!.mean as number[][][][]).flat(3).every((x) => x === 0)).toBe(true);
        }
        // the pooled estimate is the pooling of the pair estimate (both are the same linear function of the sums)
        const pv = Float64Array.from((mc.groupIndexed!.layers[2]!.V4!.mean as number[][][][]).flat(3));
        expect(Math.abs(pool4(pv, 1, 8)[0]! - mc.layers[2]!.V4!.mean[0]![0]![0]![0]!)).toBeLessThanOrEqual(1e-12 * Math.abs(mc.layers[2]!.V4!.mean[0]![0]![0]![0]!));
        console.log(`${act} n=${n}: largest |MC − recursion| / (4 se + allowance) = ${worst.toFixed(2)}; V4 pooled layer 3: recursion ${th.layers[2]!.V4![0]![0]![0]![0]!.toPrecision(5)}, MC ${mc.layers[2]!.V4!.mean[0]![0]![0]![0]!.toPrecision(5)} ± ${mc.layers[2]!.V4!.stderr[0]![0]![0]![0]!.toPrecision(2)}`);
      }
    });
  }
});

describe('trivial group: the group-convolutional sampler is the MLP sampler', () => {
  it('tanh, two inputs, width 8, depth 3: K, V4, Θ, A, B, D, F agree within 4 combined standard errors', async () => {
    const x = [[1, 0.5], [0.2, -0.9]];
    const base = { activation: 'tanh', cb: 0.1, cw: 1.5, lambdaB: 0.5, lambdaW: 1.2 };
    const Q = ['K', 'V4', 'Theta', 'A', 'B', 'D', 'F'] as const;
    const nets = LONG ? 40_000 : 3000;
    const g = await sampleGcnnEnsemble({ ...base, group: 'C1', inputs: x.map((v) => [v]), channels: [8, 8, 8], nets, seed: 5, quantities: [...Q] });
    const m = await sampleEnsemble({ ...base, inputs: x, widths: [8, 8, 8], nets, seed: 7, quantities: [...Q] });
    for (let l = 1; l < 3; l++) {
      for (const q of Q) {
        const a = g.layers[l]![q]! as { mean: unknown; stderr: unknown };
        const b = (m.layers[l] as unknown as Record<string, { mean: unknown; stderr: unknown }>)[q]!;
        const am = (a.mean as number[]).flat(3) as number[];
        const as = (a.stderr as number[]).flat(3) as number[];
        const bm = (b.mean as number[]).flat(3) as number[];
        const bs = (b.stderr as number[]).flat(3) as number[];
        am.forEach((v, i) => expect(Math.abs(v - bm[i]!), `${q} layer ${l + 1} entry ${i}`).toBeLessThanOrEqual(4 * Math.hypot(as[i]!, bs[i]!) + 1e-12));
      }
    }
  });
});

describe('reproducibility', () => {
  it('the same numbers with one worker thread or two (NTK statistics included)', async () => {
    const spec = { activation: 'tanh', group: 'C4', inputs: [[0.3, -0.2, 0.9, 0.5]], channels: [4, 4, 4], support: 'local:1', cb: 0.1, cw: 1.5, nets: 600, seed: 9, quantities: ['K', 'V4', 'Theta', 'B', 'F'] };
    const one = await sampleGcnnEnsemble({ ...spec, workers: 1 });
    const two = await sampleGcnnEnsemble({ ...spec, workers: 2 });
    expect(two.meta.workers).toBe(2);
    expect(two.layers).toEqual(one.layers);
  });
});

describe('direct estimators from single networks (exact empirical NTK)', () => {
  it('C4, tanh, local supports: group-indexed B and F of layer 2 (exact there) on every entry', () => {
    // B_{acbd} = n₁ E[Θ̂_{ij;ab} Θ̂_{ij;cd}], F_{acbd} = n₁ E[Θ̂_{ij;ab} z_{i;c} z_{j;d}] for output channels i ≠ j,
    // from drawGcnn's exact NTK — independent of the conditional estimators and of the support-map derivation,
    // so it tests which slots share a shift. Layer 2 has no 1/n correction (layer 1 is Gaussian): 4 standard errors.
    const f = [0.3, -0.2, 0.9, 0.5];
    const spec = { activation: 'tanh', group: 'C4', inputs: [f], channels: [8, 2], support: ['local:1', 'local:1'], cb: 0.1, cw: 1.5, lambdaB: 0.5, lambdaW: 1.2 };
    const ns = normalizeGcnn(spec);
    const th = solveGcnnRecursions({ ...spec, quantities: ['B', 'F'] }, { groupIndexed: true }).groupIndexed!.layers[1]!;
    const M = 4;
    const nets = LONG ? 20_000 : 3000;
    const s = { B: new Float64Array(M ** 4), B2: new Float64Array(M ** 4), F: new Float64Array(M ** 4), F2: new Float64Array(M ** 4) };
    for (let t = 0; t < nets; t++) {
      const net = drawGcnn(ns, 77, t);
      const z = net.forward(f);
      const T = net.ntk(f, f); // index (i·4 + g)·8 + i′·4 + g′
      for (let a = 0; a < M; a++) for (let b = 0; b < M; b++) for (let c = 0; c < M; c++) for (let d = 0; d < M; d++) {
        const q = ((a * M + c) * M + b) * M + d;
        const vB = 0.5 * (T[a * 8 + 4 + b]! * T[c * 8 + 4 + d]! + T[(4 + a) * 8 + b]! * T[(4 + c) * 8 + d]!);
        const vF = 0.5 * (T[a * 8 + 4 + b]! * z[c]! * z[4 + d]! + T[(4 + a) * 8 + b]! * z[4 + c]! * z[d]!);
        s.B[q]! += vB;
        s.B2[q]! += vB * vB;
        s.F[q]! += vF;
        s.F2[q]! += vF * vF;
      }
    }
    const n1 = 8;
    for (const [q, S, S2] of [['B', s.B, s.B2], ['F', s.F, s.F2]] as const) {
      const T = (th[q] as number[][][][]).flat(3);
      T.forEach((v, i) => {
        const mean = (n1 * S[i]!) / nets;
        const se = n1 * Math.sqrt(Math.max(0, S2[i]! / nets - (S[i]! / nets) ** 2) / (nets - 1));
        expect(Math.abs(mean - v), `${q} entry ${i}`).toBeLessThanOrEqual(4 * se);
      });
    }
  });
});
