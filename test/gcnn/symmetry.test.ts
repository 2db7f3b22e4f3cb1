/**
 * Symmetry verdicts of group-convolutional ensembles with the paired machinery of src/symmetry (Bonferroni
 * z-scores over all entries, held-out confirmation, App. C measures): pooled outputs are invariant and
 * frame-aligned group-indexed outputs are invariant (= equivariance) under every element of C8, for the
 * two-point function and the mean empirical NTK; the zero-padded control breaks both.
 * Every network is exactly equivariant, so the invariant verdicts come with per-network differences at rounding
 * level (measure ≤ 1e-14 of the entries); the broken ones must exceed the Bonferroni threshold and be confirmed.
 */
import { describe, expect, it } from 'vitest';
import { checkGcnnSymmetry } from '../../src/gcnn/symmetry.ts';
import { drawGcnn } from '../../src/gcnn/network.ts';
import { normalizeGcnn } from '../../src/gcnn/architecture.ts';
import { transformSignal } from '../../src/gcnn/groups.ts';

const f = [0.3, -0.2, 0.9, 0.1, 0.5, -0.7, 0.2, 0.4];
/** large values at both ends: zero padding changes what the edge filters see */
const fEdges = [1.5, 0.2, -0.3, 0.1, 0, 0.2, -0.1, -1.5];
const arch = { activation: 'tanh', group: 'C8', inputs: [f], channels: [3, 2], support: ['local:1', 'local:1'], cb: 0.1, cw: 1.5, lambdaB: 0.5, lambdaW: 1 };

describe('GCNN symmetry verdicts (C8, every element)', () => {
  for (const mode of ['invariance', 'equivariance'] as const) {
    it(`${mode}: periodic invariant, zero-padded broken`, () => {
      const ok = checkGcnnSymmetry({ ...arch, mode, nets: 150, seed: 1 });
      expect(ok.verdict).toBe('invariant');
      expect(ok.elements).toBe(7);
      for (const m of Object.values(ok.M)) expect(m.mean).toBeLessThanOrEqual(1e-14);
      const broken = checkGcnnSymmetry({ ...arch, inputs: [fEdges], mode, nets: 150, seed: 1, padding: 'zero' });
      expect(broken.verdict).toBe('broken');
      expect(broken.maxZ).toBeGreaterThan(broken.threshold);
      expect(broken.confirmation.maxZ).toBeGreaterThan(broken.confirmation.threshold);
    });
  }
});

describe('one drawn network', () => {
  it('is equivariant before pooling, and its NTK is the Gram matrix of finite-difference parameter gradients', () => {
    const ns = normalizeGcnn({ ...arch, channels: [3, 3, 2], support: ['local:1', 'global', 'local:1'] });
    const G = ns.group;
    const net = drawGcnn(ns, 3, 11);
    const z = net.forward(f);
    for (let h = 0; h < 8; h++) {
      const zh = net.forward(transformSignal(G, h, Float64Array.from(f), 1));
      for (let i = 0; i < 2; i++) for (let g = 0; g < 8; g++) expect(Math.abs(zh[i * 8 + G.mul(h, g)]! - z[i * 8 + g]!)).toBeLessThanOrEqual(1e-14);
    }
    // Θ̂_{(i,g),(i′,g′)}(f, f′) = Σ_μ λ_μ ∂z_i(f,g)/∂θ_μ ∂z_i′(f′,g′)/∂θ_μ with central differences (step 1e-5:
    // truncation O(h²) ≈ 1e-10 relative, rounding ≈ 1e-16/h ≈ 1e-11)
    const fp = [0.1, 0.4, -0.6, 0.2, 0.3, 0.8, -0.2, 0.5];
    const T = net.ntk(f, fp);
    const D = 16;
    const Tfd = new Float64Array(D * D);
    const h = 1e-5;
    net.parameters.forEach((p) => {
      for (let i = 0; i < p.values.length; i++) {
        const x = p.values[i]!;
        p.values[i] = x + h;
        const zp = net.forward(f).slice();
        const zq = net.forward(fp).slice();
        p.values[i] = x - h;
        const zm = net.forward(f).slice();
        const zn = net.forward(fp).slice();
        p.values[i] = x;
        for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) Tfd[a * D + b] = Tfd[a * D + b]! + p.lambda * ((zp[a]! - zm[a]!) / (2 * h)) * ((zq[b]! - zn[b]!) / (2 * h));
      }
    });
    let scale = 0;
    for (let q = 0; q < D * D; q++) scale = Math.max(scale, Math.abs(T[q]!));
    for (let q = 0; q < D * D; q++) expect(Math.abs(T[q]! - Tfd[q]!), `entry ${q}`).toBeLessThanOrEqual(1e-8 * scale);
  });
});
