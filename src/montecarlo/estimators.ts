/**
 * Per-layer estimators as smooth functions of the vector of means (the jackknife differentiates them
 * implicitly). All finite-width quantities are multiplied by n_{ℓ−1} (the PDLT normalisation), n_0 = input dimension.
 *
 * conditional (Rao–Blackwellised; valid for independent zero-mean rows of W⁽ˡ⁾, b⁽ˡ⁾):
 *   Ĝ_ab = C_b + (C_W/n_{ℓ−1}) Σ_j σ_{j;a}σ_{j;b} = E[z_{i;a} z_{i;b} | layer ℓ−1], and for i ≠ j
 *   E[z_{i;a}z_{i;b}z_{j;c}z_{j;d} | ℓ−1] = Ĝ_ab Ĝ_cd, so
 *     K = E[Ĝ],   V_(ab)(cd) = n_{ℓ−1} (E[Ĝ_ab Ĝ_cd] − E[Ĝ_ab] E[Ĝ_cd]),   K1 = n_{ℓ−1}(K − K∞).
 *   With h_ab = E[Θ̂_{ii;ab} | ℓ−1] = λ_b + (λ_W/n_{ℓ−1}) σ_a·σ_b + (C_W/n_{ℓ−1}) tr T_ab, where
 *   T_ab = diag(σ'_a) Θ̂⁽ˡ⁻¹⁾_ab diag(σ'_b):
 *     Θ = E[h],  A_(ab)(cd) = n(E[h_ab h_cd] − E[h_ab]E[h_cd]),  D_abcd = n(E[h_ab Ĝ_cd] − E[h_ab]E[Ĝ_cd]),
 *     B_acbd = n E[Θ̂_{ij;ab}Θ̂_{ij;cd}] = n (C_W/n_{ℓ−1})² E⟨T_ab, T_cd⟩_F,
 *     F_acbd = n E[Θ̂_{ij;ab} z_{i;c} z_{j;d}] = n (C_W/n_{ℓ−1})² E[σ_cᵀ T_ab σ_d]      (i ≠ j, n = n_{ℓ−1}).
 * direct (from the sampled z⁽ˡ⁾ and Θ̂⁽ˡ⁾ of width n_ℓ; pairs of distinct neurons i ≠ j):
 *   S2_ab = (1/n_ℓ)Σ_i z_ia z_ib,  Q_abcd = (1/n_ℓ)Σ_i z_ia z_ib z_ic z_id,
 *   E_{i≠j}[z_ia z_ib z_jc z_jd] = (n_ℓ E[S2_ab S2_cd] − E[Q_abcd])/(n_ℓ − 1),
 *   V_(ab)(cd) = n_{ℓ−1}(E_{i≠j}[…] − E[S2_ab]E[S2_cd]); for n_ℓ = 1 only the symmetrised i = j form exists
 *   and V is reported for m = 1 only (V = n_{ℓ−1}(E[z⁴] − 3E[z²]²)/3).
 *   A, B, D, F likewise from the i ≠ j pair averages of Θ̂_ii Θ̂_jj, Θ̂_ij Θ̂_ij, Θ̂_ii z_j z_j, Θ̂_ij z_i z_j.
 * dNTK statistics (always from the sampled networks, dntk-statistics.ts): P, Q, R, S, T, U = n_{ℓ−1} × the mean over
 *   pairs i ≠ i′ of sampled neurons of dΘ̂_{ii′i′}z_i, dΘ̂_{iii′}z_{i′}, ddIΘ̂_{iii′i′}, ddIIΘ̂_{iii′i′}, ddIIΘ̂_{ii′ii′},
 *   ddIIΘ̂_{ii′i′i} (docs/dntk.md).
 */
import type { Plan } from './plan.ts';
import { QUANTITIES, QUANTITY_NAMES, type SampledQuantity } from '../quantities.ts';

export interface Slice {
  layer: number;
  quantity: SampledQuantity;
  offset: number;
  rank: number;
}

export function ensembleDerived(
  p: Plan,
  quantities: readonly SampledQuantity[],
  kinf: Float64Array[] | null,
  thinf: Float64Array[] | null,
): { f: (mean: Float64Array) => Float64Array; slices: Slice[]; size: number; zeroLayer1: boolean } {
  const m = p.m;
  const m2 = m * m;
  const m4 = m2 * m2;
  const slices: Slice[] = [];
  let size = 0;
  // registry order (src/quantities.ts), whatever the order requested
  const inOrder = [...quantities].sort((x, y) => QUANTITY_NAMES.indexOf(x) - QUANTITY_NAMES.indexOf(y));
  for (let l = 0; l < p.L; l++) {
    for (const q of inOrder) {
      const rank = QUANTITIES[q].rank;
      slices.push({ layer: l, quantity: q, offset: size, rank });
      size += m ** rank;
    }
  }
  // Layer 1 with fixed inputs and conditional estimators is deterministic: report the exact K⁽¹⁾, Θ⁽¹⁾ and
  // exact zeros for the finite-width quantities (rather than sums of identical numbers rounded).
  const zeroLayer1 = p.estimator === 'conditional' && p.tLayer === null;
  const K1exact = new Float64Array(m2);
  const T1exact = new Float64Array(m2);
  if (zeroLayer1) {
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
      let dot = 0;
      for (let j = 0; j < p.n0; j++) dot += p.inputs![j * m + a]! * p.inputs![j * m + b]!;
      K1exact[a * m + b] = p.cb[0]! + (p.cw[0]! / p.n0) * dot;
      T1exact[a * m + b] = p.lambdaB[0]! + (p.lambdaW[0]! / p.n0) * dot;
    }
  }
  const f = (mu: Float64Array): Float64Array => {
    const out = new Float64Array(size);
    for (const sl of slices) {
      const l = sl.layer;
      const lay = p.offsets[l]!;
      const nP = l === 0 ? p.n0 : p.widths[l - 1]!;
      const n = p.widths[l]!;
      const o = sl.offset;
      const cond = p.estimator === 'conditional';
      const Kof = (q: number) => (cond ? mu[lay.condKernel + q]! : mu[lay.zz + q]!);
      const Tof = (q: number) => (cond ? mu[lay.condNtk + q]! : mu[lay.ntkDiag + q]!);
      switch (sl.quantity) {
        case 'K':
          for (let q = 0; q < m2; q++) out[o + q] = Kof(q);
          break;
        case 'K1':
          for (let q = 0; q < m2; q++) out[o + q] = kinf ? nP * (Kof(q) - kinf[l]![q]!) : NaN;
          break;
        case 'Theta':
          for (let q = 0; q < m2; q++) out[o + q] = Tof(q);
          break;
        case 'Theta1':
          for (let q = 0; q < m2; q++) out[o + q] = thinf ? nP * (Tof(q) - thinf[l]![q]!) : NaN;
          break;
        case 'V4':
          for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
            let v: number;
            if (cond) v = mu[lay.condKernelPairs + q * m2 + r]! - mu[lay.condKernel + q]! * mu[lay.condKernel + r]!;
            else if (n > 1) v = (n * mu[lay.zzPairs + q * m2 + r]! - mu[lay.zzzz + q * m2 + r]!) / (n - 1) - mu[lay.zz + q]! * mu[lay.zz + r]!;
            else if (m === 1) v = (mu[lay.zzzz]! - 3 * mu[lay.zz]! * mu[lay.zz]!) / 3;
            else v = NaN;
            out[o + q * m2 + r] = nP * v;
          }
          break;
        case 'A':
          for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
            const v = cond ? mu[lay.condNtkPairs + q * m2 + r]! - mu[lay.condNtk + q]! * mu[lay.condNtk + r]! : n > 1 ? mu[lay.ntkDiagPairs + q * m2 + r]! - mu[lay.ntkDiag + q]! * mu[lay.ntkDiag + r]! : NaN;
            out[o + q * m2 + r] = nP * v;
          }
          break;
        case 'D':
          for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
            const v = cond ? mu[lay.condNtkKernel + q * m2 + r]! - mu[lay.condNtk + q]! * mu[lay.condKernel + r]! : n > 1 ? mu[lay.ntkDiagZZ + q * m2 + r]! - mu[lay.ntkDiag + q]! * mu[lay.zz + r]! : NaN;
            out[o + q * m2 + r] = nP * v;
          }
          break;
        case 'P':
        case 'Q':
        case 'R':
        case 'S':
        case 'T':
        case 'U': {
          // dntk-statistics.ts: plain means over neuron pairs of the exact per-network values, times n_{ℓ−1}
          const src = lay.dntk + p.dntk!.blocks.indexOf(sl.quantity) * m2 * m2;
          for (let q = 0; q < m2 * m2; q++) out[o + q] = nP * mu[src + q]!;
          break;
        }
        case 'B':
        case 'F': {
          // stored index [a][b][c][d] (NTK pair ab, second pair / z slots cd) → reported [a][c][b][d]
          const src = sl.quantity === 'B' ? (cond ? lay.condNtkFrobenius : lay.ntkOffDiagPairs) : cond ? lay.condNtkZZ : lay.ntkOffDiagZZ;
          for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) {
            const v = !cond && n <= 1 ? NaN : mu[src + ((a * m + b) * m + c) * m + d]!;
            out[o + ((a * m + c) * m + b) * m + d] = nP * v;
          }
          break;
        }
      }
      if (l === 0 && zeroLayer1) {
        const exact = sl.quantity === 'K' ? K1exact : sl.quantity === 'Theta' ? T1exact : null;
        for (let q = 0; q < m ** sl.rank; q++) out[o + q] = exact ? exact[q]! : 0;
      }
    }
    return out;
  };
  return { f, slices, size, zeroLayer1 };
}

export function nest2(t: ArrayLike<number>, o: number, m: number): number[][] {
  const out: number[][] = [];
  for (let a = 0; a < m; a++) {
    const row: number[] = [];
    for (let b = 0; b < m; b++) row.push(t[o + a * m + b]!);
    out.push(row);
  }
  return out;
}

export function nest4(t: ArrayLike<number>, o: number, m: number): number[][][][] {
  const out: number[][][][] = [];
  for (let a = 0; a < m; a++) {
    const A: number[][][] = [];
    for (let b = 0; b < m; b++) {
      const Bm: number[][] = [];
      for (let c = 0; c < m; c++) {
        const row: number[] = [];
        for (let d = 0; d < m; d++) row.push(t[o + ((a * m + b) * m + c) * m + d]!);
        Bm.push(row);
      }
      A.push(Bm);
    }
    out.push(A);
  }
  return out;
}
