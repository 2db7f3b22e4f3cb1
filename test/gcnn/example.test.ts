/**
 * examples/gcnn-augmentation.ts at reduced size (depth 2, 3 training and 2 test signals): the kernels of the GCNN with a global lifting filter equal
 * the augmented MLP kernel (1e-12 relative), a local lifting filter does not (> 1e-3), the frozen-NTK means of the
 * augmented MLP at t equal the GCNN's at |G|t (1e-10 of the targets' scale: the eigen-decomposition of the augmented Θ(X,X) loses a
 * few digits), and the plot and JSON are written.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frozenNtkMean, gcnnAugmentation, writeGcnnAugmentation } from '../../examples/gcnn-augmentation.ts';

describe('examples/gcnn-augmentation', () => {
  it('kernels and trained means agree; files written', async () => {
    const res = await gcnnAugmentation({ depth: 2, train: 3, test: 2 });
    expect(res.kernels.maxRelativeDeviation).toBeLessThanOrEqual(1e-12);
    expect(res.kernels.localDeviation).toBeGreaterThan(1e-3);
    const scale = Math.max(...res.signals.labels.map(Math.abs));
    expect(res.meanDeviation).toBeLessThanOrEqual(1e-10 * scale);
    // the plain MLP is a different predictor
    const m = res.means[0]!;
    expect(Math.abs(m.plainMlp[40]! - m.augmentedMlp[40]!)).toBeGreaterThan(1e-3);
    const dir = mkdtempSync(join(tmpdir(), 'nnft-gcnn-example-'));
    const { svg, json } = await writeGcnnAugmentation(res, dir);
    expect(existsSync(svg) && existsSync(json)).toBe(true);
  });

  it('frozen-NTK mean: t = 0 gives 0, t → ∞ gives kernel regression, one point in closed form', () => {
    const T = [[2, 0.5], [0.5, 1]];
    const Tx = [[1, 0.3]];
    const Y = [1, -2];
    const [mu] = frozenNtkMean(T, Tx, Y, 0.7, [0, 1e6]);
    expect(mu![0]).toBe(0);
    // Θ(x,X) Θ⁻¹ Y with Θ⁻¹ = [[1, −0.5], [−0.5, 2]]/1.75
    const inv = [(1 * 1 - 0.5 * -2) / 1.75, (-0.5 * 1 + 2 * -2) / 1.75];
    expect(Math.abs(mu![1]! - (1 * inv[0]! + 0.3 * inv[1]!))).toBeLessThanOrEqual(1e-12);
    const [one] = frozenNtkMean([[3]], [[1.5]], [2], 0.5, [2]);
    expect(Math.abs(one![0]! - 1.5 * (1 - Math.exp(-3)) * (2 / 3))).toBeLessThanOrEqual(1e-14);
  });
});
