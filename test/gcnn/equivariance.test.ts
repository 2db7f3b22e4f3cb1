/**
 * Equivariance of the group-indexed kernels and invariance of the pooled ones, for every element of the group:
 *   K_{g1,g2}(ρ(h)f, ρ(h)f′) = K_{h⁻¹g1, h⁻¹g2}(f, f′),  Θ likewise   (before pooling),
 *   K̄(ρ(h)f, ρ(h′)f′) = K̄(f, f′),  Θ̄ likewise                         (after pooling; h, h′ independent),
 * to 1e-12 relative to the largest entry, on C8 and on p4 acting on 6×6 images (local supports, so nothing is
 * trivially invariant), and the pooled four-point vertex V4 of a C8 network is invariant to 1e-12.
 * The recursions never use the symmetry: each transformed input is solved from scratch. For p4 the first
 * layer's kernel entries of a transformed input are the same numbers permuted, so their expectations come from
 * the shared memo; every layer after that is recomputed (and differs by rounding only).
 * NNFT_LONG=1: p4 at depth 3 with ReLU for every element and with tanh for twelve (minutes).
 */
import { describe, expect, it } from 'vitest';
import { parseGroup, transformSignal } from '../../src/gcnn/groups.ts';
import { solveGcnnRecursions, solveGcnnTensors } from '../../src/gcnn/solve.ts';
import { pool2 } from '../../src/gcnn/support-map.ts';

const LONG = process.env.NNFT_LONG === '1';

function maxDev(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let dev = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    dev = Math.max(dev, Math.abs(a[i]! - b[i]!));
  }
  return scale > 0 ? dev / scale : dev;
}

function checkGroup(group: string, inputs: number[][] | number[][][], arch: Record<string, unknown>, elements: number[] | 'all'): number {
  const G = parseGroup(group);
  const n = G.order;
  const flat = (x: unknown): Float64Array => Float64Array.from((x as number[]).flat(2) as number[]);
  const C0 = 1;
  const base = solveGcnnTensors({ ...(arch as object), group, inputs, quantities: ['K', 'Theta'] } as never);
  const M = base.ns.pairs;
  const m = base.ns.m;
  const L = base.layers.length;
  const hs = elements === 'all' ? Array.from({ length: n }, (_, h) => h) : elements;
  let worst = 0;
  for (const h of hs) {
    const moved = inputs.map((x) => {
      const t = transformSignal(G, h, flat(x), C0);
      return group.startsWith('p4') ? Array.from({ length: G.spaceShape[0]! }, (_, r) => Array.from(t.subarray(r * G.spaceShape[0]!, (r + 1) * G.spaceShape[0]!))) : Array.from(t);
    });
    const res = solveGcnnTensors({ ...(arch as object), group, inputs: moved, quantities: ['K', 'Theta'] } as never);
    const hi = G.inv(h);
    const left = Int32Array.from({ length: n }, (_, g) => G.mul(hi, g));
    for (let l = 0; l < L; l++) {
      for (const q of ['K', 'Theta'] as const) {
        const A = res.layers[l]![q]!;
        const B = base.layers[l]![q]!;
        // expected: entry ((a, g1), (b, g2)) of the moved inputs = entry ((a, h⁻¹g1), (b, h⁻¹g2)) of the originals
        const expected = new Float64Array(M * M);
        for (let a = 0; a < m; a++) for (let g1 = 0; g1 < n; g1++) for (let b = 0; b < m; b++) for (let g2 = 0; g2 < n; g2++) {
          expected[(a * n + g1) * M + b * n + g2] = B[(a * n + left[g1]!) * M + b * n + left[g2]!]!;
        }
        const d1 = maxDev(A, expected);
        const d2 = maxDev(pool2(A, m, n), pool2(B, m, n));
        worst = Math.max(worst, d1, d2);
        expect(d1, `${group} ${q} layer ${l + 1} element ${G.label(h)} (group-indexed)`).toBeLessThanOrEqual(1e-12);
        expect(d2, `${group} ${q} layer ${l + 1} element ${G.label(h)} (pooled)`).toBeLessThanOrEqual(1e-12);
      }
    }
  }
  return worst;
}

const c8 = [
  [0.3, -0.2, 0.9, 0.1, 0.5, -0.7, 0.2, 0.4],
  [1, 0.5, 0, 0, 0.2, 0, 0, -0.5],
];
function image(seed: number): number[][] {
  return Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => Number(Math.sin(0.7 + seed * 1.9 + 1.3 * i + 0.8 * j + 0.37 * i * j * (seed + 1)).toFixed(3))));
}
const p4 = [image(1), image(2)];

describe('equivariance before pooling, invariance after pooling', () => {
  it('C8, tanh and relu, local supports, depth 3: every element', () => {
    for (const activation of ['tanh', 'relu']) {
      const w = checkGroup('C8', c8, { activation, channels: [8, 8, 8], support: ['local:1', 'local:1', 'local:2'], cb: 0.1, cw: 1.6, lambdaB: 0.4, lambdaW: 1.1 }, 'all');
      console.log(`C8 ${activation}: largest deviation ${w.toExponential(2)}`);
    }
  });

  it('C8: pooled kernels are invariant under independent transformations of the two inputs', () => {
    const G = parseGroup('C8');
    const arch = { activation: 'erf', channels: [4, 4, 4], support: ['local:2', 'local:1', 'global'], cb: 0.2, cw: 1.3 };
    const base = solveGcnnRecursions({ ...arch, group: 'C8', inputs: c8, quantities: ['K', 'Theta'] });
    for (let h = 0; h < 8; h++) {
      const h2 = (3 * h + 1) % 8;
      const moved = [Array.from(transformSignal(G, h, Float64Array.from(c8[0]!), 1)), Array.from(transformSignal(G, h2, Float64Array.from(c8[1]!), 1))];
      const res = solveGcnnRecursions({ ...arch, group: 'C8', inputs: moved, quantities: ['K', 'Theta'] });
      for (let l = 0; l < 3; l++) {
        expect(maxDev(res.layers[l]!.K!.flat(), base.layers[l]!.K!.flat())).toBeLessThanOrEqual(1e-12);
        expect(maxDev(res.layers[l]!.Theta!.flat(), base.layers[l]!.Theta!.flat())).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it('p4 on 6×6 images, relu, local supports, depth 2: every one of the 144 elements', () => {
    const w = checkGroup('p4:6', p4, { activation: 'relu', channels: [4, 4], support: 'local:1', cb: 0.1, cw: 1.6, lambdaB: 0.4, lambdaW: 1.1 }, 'all');
    console.log(`p4:6 relu depth 2: largest deviation ${w.toExponential(2)}`);
  });

  it(`p4 on 6×6 images, depth 3, relu: ${LONG ? 'every element' : 'a rotation, a translation and a roto-translation'}`, () => {
    const G = parseGroup('p4:6');
    expect(G.label(36)).toBe('r1·t(0,0)');
    const elements = LONG ? 'all' : [36 * 1, 1 * 6 + 2, 36 * 3 + 4 * 6 + 5];
    const w = checkGroup('p4:6', p4, { activation: 'relu', channels: [4, 4, 4], support: ['local:1', 'local:1', 'global'], cb: 0.1, cw: 1.6 }, elements);
    console.log(`p4:6 relu depth 3: largest deviation ${w.toExponential(2)}`);
  });

  if (LONG) {
    it('p4 on 6×6 images, depth 3, tanh: twelve elements', () => {
      const elements = Array.from({ length: 12 }, (_, i) => (37 * i + 5) % 144);
      const w = checkGroup('p4:6', p4, { activation: 'tanh', channels: [4, 4, 4], support: ['local:1', 'local:1', 'global'], cb: 0.1, cw: 1.6 }, elements);
      console.log(`p4:6 tanh depth 3: largest deviation ${w.toExponential(2)}`);
    });
  }
});

describe('finite width', () => {
  it('C8: the pooled V4 and K¹ are invariant to 1e-12 under every element (one input), and acting on one of two inputs', () => {
    const G = parseGroup('C8');
    const arch = { activation: 'tanh', channels: [8, 8, 8], support: ['global', 'local:1', 'local:1'], cb: 0.1, cw: 1.5 };
    const cases: [number[][], number[][]][] = [];
    const one = [c8[0]!];
    const baseOf = new Map<number[][], ReturnType<typeof solveGcnnRecursions>>();
    for (let h = 1; h < 8; h++) cases.push([one, [Array.from(transformSignal(G, h, Float64Array.from(c8[0]!), 1))]]);
    cases.push([c8, [Array.from(transformSignal(G, 3, Float64Array.from(c8[0]!), 1)), c8[1]!]]);
    for (const [inputs, moved] of cases) {
      const h = cases.findIndex((c) => c[1] === moved) + 1;
      const base = (baseOf.get(inputs) ?? baseOf.set(inputs, solveGcnnRecursions({ ...arch, group: 'C8', inputs, quantities: ['V4', 'K1'] })).get(inputs))!;
      const res = solveGcnnRecursions({ ...arch, group: 'C8', inputs: moved, quantities: ['V4', 'K1'] });
      for (let l = 1; l < 3; l++) {
        expect(maxDev(res.layers[l]!.V4!.flat(3), base.layers[l]!.V4!.flat(3)), `V4 layer ${l + 1} case ${h}`).toBeLessThanOrEqual(1e-12);
        expect(maxDev(res.layers[l]!.K1!.flat(), base.layers[l]!.K1!.flat()), `K1 layer ${l + 1} case ${h}`).toBeLessThanOrEqual(1e-12);
      }
    }
  });
});
