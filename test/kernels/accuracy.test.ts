/**
 * Per-pair accuracy of the kernel engine against an independent oracle (test/kernels/quad_oracle.py: nested
 * quadrature in Python, adaptive outer integral, activations typed there independently), on pairs chosen to stress
 * the methods: unequal diagonals, tiny (1e-8) and large (100) K, correlations within 1e-14 of ±1.
 *
 * A two-layer network isolates one expectation per pair: with inputs x_a = r_a(1, 0), x_b = r_b(cos φ, sin φ),
 * C_W = n0 = 2 and C_b = 0 in layer 1, K⁽¹⁾ = x·x; with C_b = 0, C_W = 1, λ_b = λ_W = 0 in layer 2 and Θ⁽¹⁾ ≡ 1
 * (λ_b = 1, λ_W = 0), K⁽²⁾_ab = ⟨σ_a σ_b⟩ and Θ⁽²⁾_ab = ⟨σ'_a σ'_b⟩ over N(0, K⁽¹⁾).
 * Tolerance: 1e-10 relative, plus 1e-15 of √(⟨σ_a²⟩⟨σ_b²⟩) for the oracle's own absolute rounding (values that
 * vanish by symmetry, e.g. orthogonal inputs with odd σ).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { solveKernelsSync } from '../../src/kernels/index.ts';

const LONG = process.env.NNFT_LONG === '1';
const here = dirname(fileURLToPath(import.meta.url));

/** [r_a, r_b, angle]: K_aa = r_a², K_bb = r_b², ρ = cos(angle). */
const GEOMETRY: [number, number, number][] = [
  [1, 1, 1e-7], // ρ = 1 − 5e-15
  [1, 1, Math.PI - 1e-7], // ρ = −1 + 5e-15
  [2, 0.5, 0.3], // unequal diagonals
  [0.01, 3, 1.2], // K_aa = 1e-4 against K_bb = 9
  [1e-4, 1e-4, 0.8], // tiny K = 1e-8
  [10, 10, 1e-3], // K = 100, ρ = 1 − 5e-7
  [10, 0.3, 2.5], // K = 100 against K = 0.09
  [0.3, 7, 0.02], // very unequal diagonals at ρ = 0.9998
  [1.3, 1.7, Math.PI / 2], // orthogonal
  [1.3, 1.7, 2.9],
];
const LONG_GEOMETRY: [number, number, number][] = [
  [5, 5, 1e-5],
  [5, 5, Math.PI - 1e-5],
  [3, 2, Math.PI - 1e-6],
  [0.05, 0.07, 0.4],
];

function enginePairs(activation: string, geometry: [number, number, number][]) {
  const inputs: number[][] = [];
  for (const [ra, rb, phi] of geometry) inputs.push([ra, 0], [rb * Math.cos(phi), rb * Math.sin(phi)]);
  const res = solveKernelsSync({ activation, inputs, widths: [8, 8], cb: [0, 0], cw: [2, 1], lambdaB: [1, 0], lambdaW: [0, 0] });
  const [l1, l2] = res.layers;
  return geometry.map((_, i) => {
    const a = 2 * i;
    const b = a + 1;
    return {
      kaa: l1!.K![a]![a]!,
      kbb: l1!.K![b]![b]!,
      kab: l1!.K![a]![b]!,
      ss: l2!.K![a]![b]!,
      dd: l2!.Theta![a]![b]!,
      scaleS: Math.sqrt(l2!.K![a]![a]! * l2!.K![b]![b]!),
      scaleD: Math.sqrt(l2!.Theta![a]![a]! * l2!.Theta![b]![b]!),
    };
  });
}

function oracle(activation: string, pairs: [number, number, number][]): [number, number][] {
  const r = spawnSync('python3', [join(here, 'quad_oracle.py')], { input: JSON.stringify({ activation, pairs }), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`quad_oracle.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as [number, number][];
}

const ACTIVATIONS = LONG
  ? ['tanh', 'gelu', 'relu', 'erf', 'softplus', 'sigmoid', 'silu', 'leaky_relu(0.1)', 'sin', 'linear', 'gauss']
  : ['tanh', 'gelu', 'relu'];

describe('kernel engine against independent quadrature, pair by pair', () => {
  for (const act of ACTIVATIONS) {
    it(`${act}: ⟨σσ⟩ and ⟨σ'σ'⟩ within 1e-10 relative`, { timeout: 600_000 }, () => {
      // gauss (σ = e^z) at K = 100 overflows nothing but the oracle's range; keep its pairs moderate
      const geometry = (LONG ? [...GEOMETRY, ...LONG_GEOMETRY] : GEOMETRY).filter(([ra, rb]) => act !== 'gauss' || Math.max(ra, rb) <= 2);
      const got = enginePairs(act, geometry);
      const ref = oracle(act, got.map((p) => [p.kaa, p.kbb, p.kab]));
      got.forEach((p, i) => {
        const [ss, dd] = ref[i]!;
        const where = `${act} K = [[${p.kaa}, ${p.kab}], [${p.kab}, ${p.kbb}]]`;
        expect(Math.abs(p.ss - ss), `⟨σσ⟩ ${where}: engine ${p.ss}, oracle ${ss}`).toBeLessThanOrEqual(1e-10 * Math.abs(ss) + 1e-15 * p.scaleS);
        expect(Math.abs(p.dd - dd), `⟨σ'σ'⟩ ${where}: engine ${p.dd}, oracle ${dd}`).toBeLessThanOrEqual(1e-10 * Math.abs(dd) + 1e-15 * p.scaleD);
      });
    });
  }
});
