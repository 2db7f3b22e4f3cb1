/**
 * Tensor Gauss–Hermite quadrature of products Π_a g_a(z_a) over N(0, C), nested in pivoted-Cholesky
 * coordinates z = L u (u ~ N(0, I_r), r = rank): coordinate i (in pivot order) depends on u_0..u_{min(i, r−1)},
 * so g_i is evaluated once per prefix (n^{i+1} times), not once per full tensor node.
 */
import { gaussHermite } from './hermite.ts';

export function productExpectation(gs: ((z: number) => number)[], L: number[][], rank: number, n: number): number {
  const k = gs.length;
  if (rank === 0) {
    let v = 1;
    for (const g of gs) v *= g(0);
    return v;
  }
  const { nodes, weights } = gaussHermite(n);
  // coordinates finishing at depth d
  const finish: number[][] = Array.from({ length: rank }, () => []);
  for (let i = 0; i < k; i++) finish[Math.min(i, rank - 1)]!.push(i);
  const partial: Float64Array[] = Array.from({ length: rank + 1 }, () => new Float64Array(k));
  const rec = (d: number): number => {
    const prev = partial[d]!;
    const cur = partial[d + 1]!;
    const fin = finish[d]!;
    let sum = 0;
    for (let q = 0; q < n; q++) {
      const u = nodes[q]!;
      for (let i = d; i < k; i++) cur[i] = prev[i]! + L[i]![d]! * u;
      let p = weights[q]!;
      for (let t = 0; t < fin.length; t++) {
        const i = fin[t]!;
        p *= gs[i]!(cur[i]!);
      }
      if (p === 0) continue;
      sum += d === rank - 1 ? p : p * rec(d + 1);
    }
    return sum;
  };
  return rec(0);
}
