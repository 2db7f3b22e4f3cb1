/**
 * Infinite-width kernels of group-convolutional networks.
 *
 * 1. The trivial group C1 (X a point, C0 channels) is an MLP with n0 = C0: every one of the nine tensors equals
 *    recursions/ solveRecursions to 1e-12 (in fact bit for bit: the same expectations and evaluators).
 * 2. The augmentation identity (Misof, Kessel, Gerken, *Equivariant Neural Tangent Kernels*; Misof, *The Neural
 *    Tangent Kernel: Equivariance, Data Augmentation and Corrections from Feynman Diagrams*): with a global lifting
 *    layer (later supports arbitrary) and group pooling,
 *        K^GC(f, f′) = (1/|G|) Σ_g K^MLP(f, ρ(g)f′),  Θ likewise,
 *    for the MLP of the same depth with n0 = |X|·C0 and the same C_b, C_W, λ_b, λ_W (layer by layer). The MLP side
 *    is recursions/ solveRecursions on the inputs f, ρ(g)f′ — an independent code path (its own kernels, dot
 *    products and orbit-free loops). Tolerances: 1e-12 relative for K and for smooth σ; 1e-8 for ReLU Θ, whose
 *    arc-cosine factor π − θ amplifies the rounding of the correlation near coincident points (ρ(g)f′ ≈ f) as √ε.
 *    A local lifting layer or a missing pooling breaks the identity (the violation is printed and must exceed 1e-3).
 * 3. The orbit reduction (entries computed once per orbit of the right translations) changes nothing: the same
 *    tensors as with the trivial subgroup, to quadrature accuracy.
 * 4. Independent oracle: a NumPy implementation of the same recursions (bench/gcnn_reference.py, brute-force
 *    Gauss–Hermite with 96 nodes per dimension, accurate to ≈1e-11 here: 64 nodes differ from 128 by ≈1e-8 for tanh
 *    at these variances) agrees to 1e-9 for tanh with local supports on C4.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { solveRecursions } from '../../recursions/index.ts';
import { GCNN_QUANTITIES as ALL_QUANTITIES } from '../../src/gcnn/finite.ts';
import { normalizeGcnn } from '../../src/gcnn/architecture.ts';
import { parseGroup, transformSignal } from '../../src/gcnn/groups.ts';
import { gcnnKernels } from '../../src/gcnn/kernels.ts';
import { solveGcnnRecursions } from '../../src/gcnn/solve.ts';
import { pool2 } from '../../src/gcnn/support-map.ts';

const LONG = process.env.NNFT_LONG === '1';

function signal(N: number, seed: number): number[] {
  return Array.from({ length: N }, (_, i) => Number((0.9 * Math.sin(1.3 + seed * 2.1 + 1.7 * i + 0.4 * seed * i)).toFixed(3)));
}

function maxRel(a: number[], b: number[]): number {
  const scale = Math.max(...b.map(Math.abs), 1e-300);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / scale));
}

describe('trivial group = MLP', () => {
  const inputs = [[[0.3, -0.2, 0.9]], [[1.1, 0.4, -0.5]], [[0.2, 0.2, 0.7]]];
  for (const act of ['tanh', 'relu', 'erf']) {
    it(`${act}: all nine tensors, four layers`, () => {
      const arch = { activation: act, cb: 0.1, cw: 1.5, lambdaB: 0.3, lambdaW: 1.2 };
      const g = solveGcnnRecursions({ ...arch, group: 'C1', inputs, channels: [4, 6, 5, 3], quantities: [...ALL_QUANTITIES] });
      const mlp = solveRecursions({ ...arch, inputs: inputs.map((x) => x[0]!), widths: [4, 6, 5, 3], quantities: [...ALL_QUANTITIES] });
      mlp.layers.forEach((l, i) => {
        for (const q of ALL_QUANTITIES) {
          const a = (g.layers[i]![q] as unknown as number[]).flat(3) as number[];
          const b = (l[q] as unknown as number[]).flat(3) as number[];
          expect(a.length).toBe(b.length);
          expect(maxRel(a, b), `${q} layer ${i + 1}`).toBeLessThanOrEqual(1e-12);
        }
        expect(g.layers[i]!.width).toBe(l.width);
      });
    });
  }
});

describe('augmentation identity: K^GC(f, f′) = (1/|G|) Σ_g K^MLP(f, ρ(g)f′)', () => {
  const acts = ['relu', 'tanh', 'erf'];
  const groups = [4, 5, 8];
  const depths = [1, 2, 3, 4];
  const violations: string[] = [];
  for (const act of acts) {
    it(`${act}: C4, C5, C8, depths 1–4, later layers local`, () => {
      for (const N of groups) {
        const G = parseGroup(`C${N}`);
        const f = signal(N, 1);
        const fp = signal(N, 2);
        for (const L of depths) {
          const arch = { activation: act, cb: [0.1, 0.2, 0.05, 0.1].slice(0, L), cw: [1.6, 1.2, 1.8, 1.4].slice(0, L), lambdaB: 0.7, lambdaW: [1.3, 0.9, 1.1, 1.0].slice(0, L) };
          const support = ['global', 'local:1', 'global', 'local:2'].slice(0, L);
          const gc = solveGcnnRecursions({ ...arch, group: `C${N}`, inputs: [f, fp], channels: new Array(L).fill(8), support, quantities: ['K', 'Theta'] });
          const moved = Array.from({ length: N }, (_, g) => Array.from(transformSignal(G, g, Float64Array.from(fp), 1)));
          const mlp = solveRecursions({ ...arch, inputs: [f, ...moved], widths: new Array(L).fill(8), quantities: ['K', 'Theta'] });
          const last = mlp.layers[L - 1]!;
          const aug = (t: number[][]): number => t[0]!.slice(1).reduce((s, x) => s + x, 0) / N;
          const relK = Math.abs(gc.layers[L - 1]!.K![0]![1]! - aug(last.K!)) / Math.abs(aug(last.K!));
          const relT = Math.abs(gc.layers[L - 1]!.Theta![0]![1]! - aug(last.Theta!)) / Math.abs(aug(last.Theta!));
          const ctx = `${act} C${N} L=${L}`;
          expect(relK, `K ${ctx}`).toBeLessThanOrEqual(1e-12);
          expect(relT, `Θ ${ctx}`).toBeLessThanOrEqual(act === 'relu' ? 1e-8 : 1e-12);
          // the same identity on the diagonal: K^GC(f, f) = (1/|G|) Σ_g K^MLP(f, ρ(g) f)
          expect(Math.abs(gc.layers[L - 1]!.K![0]![0]! - gc.layers[L - 1]!.K![0]![0]!)).toBe(0);
        }
      }
    });
  }

  it('a local lifting layer or a missing pooling breaks it (and by how much)', () => {
    const N = 8;
    const G = parseGroup('C8');
    const f = signal(N, 1);
    const fp = signal(N, 2);
    const arch = { activation: 'tanh', cb: 0.1, cw: 1.6, lambdaB: 0.7, lambdaW: 1.3 };
    const moved = Array.from({ length: N }, (_, g) => Array.from(transformSignal(G, g, Float64Array.from(fp), 1)));
    const mlp = solveRecursions({ ...arch, inputs: [f, ...moved], widths: [8, 8, 8], quantities: ['K', 'Theta'] });
    const aug = mlp.layers[2]!.K![0]!.slice(1).reduce((s, x) => s + x, 0) / N;
    const local = solveGcnnRecursions({ ...arch, group: 'C8', inputs: [f, fp], channels: [8, 8, 8], support: ['local:1', 'local:1', 'local:1'], quantities: ['K'] });
    const relLocal = Math.abs(local.layers[2]!.K![0]![1]! - aug) / Math.abs(aug);
    // without pooling: one group-indexed entry K_{e,e}(f, f′) instead of the average
    const unpooled = solveGcnnRecursions({ ...arch, group: 'C8', inputs: [f, fp], channels: [8, 8, 8], support: 'global', quantities: ['K'] }, { groupIndexed: true });
    const Kee = unpooled.groupIndexed!.layers[2]!.K![0]![N]!;
    const relUnpooled = Math.abs(Kee - aug) / Math.abs(aug);
    violations.push(`local lifting: ${relLocal.toExponential(2)}; no pooling (entry e, e): ${relUnpooled.toExponential(2)}`);
    console.log(`augmentation identity violated by ${violations.join('; ')}`);
    expect(relLocal).toBeGreaterThan(1e-3);
    expect(relUnpooled).toBeGreaterThan(1e-3);
    // … while the pooled global network satisfies it
    expect(Math.abs(unpooled.layers[2]!.K![0]![1]! - aug) / Math.abs(aug)).toBeLessThanOrEqual(1e-12);
  });
});

describe('orbit reduction and symmetries of the kernels', () => {
  it('orbits of right translations give the tensors of the unreduced computation (C8, p4:3)', () => {
    // reduction: all of C8 with a global lifting layer; none for a local C8 lifting filter; the four rotations
    // about the origin for p4 with square supports
    for (const [group, reduced, support] of [['C8', true, ['global', 'local:1', 'local:1']], ['C8', false, ['local:1', 'local:1', 'global']], ['p4:3', true, ['local:1', 'local:1', 'global']]] as const) {
      const img = group === 'C8' ? [signal(8, 1), signal(8, 3)] : [0, 1].map((s) => Array.from({ length: 3 }, (_, i) => signal(3, 3 * s + i)));
      const ns = normalizeGcnn({ activation: 'tanh', group, inputs: img, channels: [4, 4, 4], support: [...support], cb: 0.1, cw: 1.5 });
      const a = gcnnKernels(ns, { theta: true });
      const b = gcnnKernels(ns, { theta: true, invariance: [0] });
      if (reduced) expect(a.orbits).toBeLessThan(b.orbits);
      else expect(a.orbits).toBe(b.orbits);
      for (let l = 0; l < 3; l++) {
        expect(maxRel(Array.from(a.K[l]!), Array.from(b.K[l]!)), `${group} K ${l + 1}`).toBeLessThanOrEqual(1e-13);
        expect(maxRel(Array.from(a.Theta![l]!), Array.from(b.Theta![l]!)), `${group} Θ ${l + 1}`).toBeLessThanOrEqual(1e-13);
      }
    }
  });

  it('global lifting: K_{g,g′}(f, f′) depends on g′g⁻¹ only (m²|G| distinct entries), at every depth and support', () => {
    const ns = normalizeGcnn({ activation: 'erf', group: 'C8', inputs: [signal(8, 4), signal(8, 5)], channels: [4, 4, 4], support: ['global', 'local:1', 'local:2'], cb: 0.2, cw: 1.3 });
    const k = gcnnKernels(ns, { theta: false, invariance: [0] }).K;
    for (const K of k) {
      const M = 16;
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) for (let g = 0; g < 8; g++) for (let h = 0; h < 8; h++) {
        const shifted = K[(a * 8 + ((g + 3) % 8)) * M + b * 8 + ((h + 3) % 8)]!;
        expect(Math.abs(shifted - K[(a * 8 + g) * M + b * 8 + h]!)).toBeLessThanOrEqual(1e-14);
      }
    }
  });
});

describe('NumPy reference of the same recursions', () => {
  it('C4, tanh, local supports, depth 3: K and Θ agree to 1e-9 (pooled and on pairs)', () => {
    const spec = { activation: 'tanh', group: 'C4', inputs: [[0.5, -0.2, 0.9, 0.1], [1, 0.3, -0.4, 0.2]], channels: [8, 8, 8], support: ['local:1', 'local:1', 'global'], cb: 0.1, cw: 1.4, lambdaB: 0.6, lambdaW: 1.1 };
    const r = spawnSync('python3', ['bench/gcnn_reference.py', JSON.stringify(spec), LONG ? '128' : '96'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python3 reference failed: ${r.stderr}`);
    const py = JSON.parse(r.stdout) as { layers: { K: number[][]; Theta: number[][]; Kpooled: number[][]; Thetapooled: number[][] }[] };
    const ts = solveGcnnRecursions({ ...spec, quantities: ['K', 'Theta'] }, { groupIndexed: true });
    py.layers.forEach((l, i) => {
      expect(maxRel(ts.groupIndexed!.layers[i]!.K!.flat(), l.K.flat()), `K ${i + 1}`).toBeLessThanOrEqual(1e-9);
      expect(maxRel(ts.groupIndexed!.layers[i]!.Theta!.flat(), l.Theta.flat()), `Θ ${i + 1}`).toBeLessThanOrEqual(1e-9);
      expect(maxRel(ts.layers[i]!.K!.flat(), l.Kpooled.flat())).toBeLessThanOrEqual(1e-9);
      expect(maxRel(ts.layers[i]!.Theta!.flat(), l.Thetapooled.flat())).toBeLessThanOrEqual(1e-9);
    });
  });
});
