/**
 * Scratch arrays of one sampling thread, sized from the plan once and reused for every network: activations,
 * weights, the empirical NTK per layer and the work arrays of the NTK product.
 */
import type { Plan } from './plan.ts';

/** Reusable per-thread buffers. */
export interface Buffers {
  xin: Float64Array;
  z: Float64Array[];
  s: Float64Array[];
  ds: Float64Array[];
  W: Float64Array[];
  b: Float64Array[];
  theta: Float64Array[]; // m² matrices n×n per layer (pair p = a*m + b at offset p*n*n)
  thetaDiag0: Float64Array; // Θ̂⁽¹⁾ = δ·H⁽¹⁾
  T: Float64Array[]; // per layer: m² matrices nPrev×nPrev (or diagonals for layer index 1)
  X: Float64Array;
  Wa: Float64Array;
  Wb: Float64Array;
  Tc: Float64Array;
  idxA: Int32Array;
  idxB: Int32Array;
  G: Float64Array;
  H: Float64Array;
  h: Float64Array;
  chol: Float64Array;
  xi: Float64Array;
  tmp: Float64Array;
  phi: Float64Array;
}

export function makeBuffers(p: Plan): Buffers {
  const { m, L, widths, n0 } = p;
  const nPrev = (l: number): number => (l === 0 ? n0 : widths[l - 1]!);
  const z: Float64Array[] = [];
  const s: Float64Array[] = [];
  const ds: Float64Array[] = [];
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  const theta: Float64Array[] = [];
  const T: Float64Array[] = [];
  let maxX = 1;
  let maxT = 1;
  let maxPrev = 1;
  let maxTmp = 1;
  for (let l = 0; l < L; l++) {
    const n = widths[l]!;
    z.push(new Float64Array(n * m));
    s.push(new Float64Array(n * m));
    ds.push(new Float64Array(n * m));
    const full = !p.conditionalLayer[l] && p.sampleZ[l];
    W.push(new Float64Array(full || (p.ntkStatistics && l > 0 && p.sampleNtk[l]) ? n * nPrev(l) : 0));
    b.push(new Float64Array(n));
    theta.push(new Float64Array(p.sampleNtk[l] && l > 0 ? m * m * n * n : 0));
    T.push(new Float64Array(p.ntkStatistics && l > 0 ? (l === 1 ? m * m * nPrev(l) : m * m * nPrev(l) * nPrev(l)) : 0));
    maxX = Math.max(maxX, n * nPrev(l));
    if (l >= 2) maxT = Math.max(maxT, nPrev(l) * nPrev(l)); // Tc serves the full T products of layers ≥ 3 only
    maxPrev = Math.max(maxPrev, nPrev(l));
    maxTmp = Math.max(maxTmp, n * m, nPrev(l) * m, nPrev(l));
  }
  return {
    xin: new Float64Array(n0 * m),
    z, s, ds, W, b, theta, T,
    thetaDiag0: new Float64Array(m * m),
    X: new Float64Array(p.ntkStatistics ? maxX : 1),
    Wa: new Float64Array(p.ntkStatistics ? maxX : 1),
    Wb: new Float64Array(p.ntkStatistics ? maxX : 1),
    Tc: new Float64Array(p.ntkStatistics ? maxT : 1),
    idxA: new Int32Array(maxPrev),
    idxB: new Int32Array(maxPrev),
    G: new Float64Array(m * m),
    H: new Float64Array(m * m),
    h: new Float64Array(m * m),
    chol: new Float64Array(m * m),
    xi: new Float64Array(Math.max(...widths) * m + 2),
    tmp: new Float64Array(maxTmp),
    phi: new Float64Array(p.npoint ? p.npoint.monomials.length + p.npoint.labels.length : 1),
  };
}
