/**
 * The empirical NTK of a sampled network and the per-network NTK statistics written into the statistics vector
 * (plan.ts StatisticsOffsets): Θ̂⁽ˡ⁾ propagated through the weights (thetaProduct), the conditional moments
 * given layer ℓ−1 (conditionalNtk), and the direct neuron and neuron-pair averages of z and Θ̂ (directStats).
 * The estimators that combine them are in estimators.ts.
 */
import { gemmABt } from './kernels.ts';
import type { Plan } from './plan.ts';
import type { Buffers } from './buffers.ts';

/**
 * Θ̂⁽ˡ⁾_ab = δ H_ab + W T_ab Wᵀ for all pairs (a ≤ b computed, b > a by transposition), with
 * T_ab = diag(σ'_a) Θ̂⁽ˡ⁻¹⁾_ab diag(σ'_b). Indices k with σ'_{k;a} = 0 (half of them for ReLU) are dropped
 * first: X = W[:, S_a] T[S_a, S_b] (n × |S_b|), Θ̂ = X W[:, S_b]ᵀ, both as row·row dot products (gemmABt).
 */
export function thetaProduct(p: Plan, B: Buffers, l: number, n: number, nPrev: number, T: Float64Array, diagT: boolean): void {
  const m = p.m;
  const W = B.W[l]!;
  const th = B.theta[l]!;
  const H = B.H;
  const nn = n * n;
  const dsp = B.ds[l - 1]!;
  const { X, Wa, Wb, Tc, idxA, idxB } = B;
  const active = (a: number, idx: Int32Array): number => {
    let c = 0;
    for (let k = 0; k < nPrev; k++) if (dsp[k * m + a]! !== 0) idx[c++] = k;
    return c;
  };
  const gather = (idx: Int32Array, cnt: number, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      const r = i * nPrev;
      const o = i * cnt;
      for (let k = 0; k < cnt; k++) out[o + k] = W[r + idx[k]!]!;
    }
  };
  for (let a = 0; a < m; a++) {
    const na = active(a, idxA);
    gather(idxA, na, Wa);
    for (let c = a; c < m; c++) {
      const pair = a * m + c;
      const oo = pair * nn;
      let nc = na;
      let Wc = Wa;
      if (c !== a) {
        nc = active(c, idxB);
        gather(idxB, nc, Wb);
        Wc = Wb;
      }
      const ic = c === a ? idxA : idxB;
      if (diagT) {
        // X[i][k'] = W[i][ic[k']] · t_ac[ic[k']]  (T diagonal: S_a ∩ S_c contributes; others are zero)
        const to = pair * nPrev;
        for (let i = 0; i < n; i++) {
          const r = i * nPrev;
          const o = i * nc;
          for (let k = 0; k < nc; k++) X[o + k] = W[r + ic[k]!]! * T[to + ic[k]!]!;
        }
      } else {
        // Tc[k'][j'] = T_ac[ia[j']][ic[k']] = T_ca[ic[k']][ia[j']]  → X = Wa · Tcᵀ
        const to = (c * m + a) * nPrev * nPrev;
        for (let k = 0; k < nc; k++) {
          const r = to + ic[k]! * nPrev;
          const o = k * na;
          for (let j = 0; j < na; j++) Tc[o + j] = T[r + idxA[j]!]!;
        }
        gemmABt(Wa, Tc, X, n, nc, na, nc, 0, false);
      }
      gemmABt(X, Wc, th, n, n, nc, n, oo, a === c);
      if (a === c) for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) th[oo + j * n + i] = th[oo + i * n + j]!;
      for (let i = 0; i < n; i++) th[oo + i * n + i]! += H[pair]!;
      if (a !== c) {
        const ot = (c * m + a) * nn;
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) th[ot + j * n + i] = th[oo + i * n + j]!;
      }
    }
  }
}

/** Conditional NTK statistics of layer l from layer l−1 (T = 0 at l = 0). */
export function conditionalNtk(p: Plan, B: Buffers, l: number, nPrev: number, prevS: Float64Array, T: Float64Array, diagT: boolean, out: Float64Array): void {
  const m = p.m;
  const m2 = m * m;
  const lay = p.offsets[l]!;
  const h = B.h;
  const H = B.H;
  const G = B.G;
  const cw = p.cw[l]!;
  const k1 = cw / nPrev;
  const k2 = k1 * k1;
  const nn = nPrev * nPrev;
  for (let q = 0; q < m2; q++) {
    let tr = 0;
    if (l > 0) {
      if (diagT) for (let j = 0; j < nPrev; j++) tr += T[q * nPrev + j]!;
      else for (let j = 0; j < nPrev; j++) tr += T[q * nn + j * nPrev + j]!;
    }
    h[q] = H[q]! + k1 * tr;
    out[lay.condNtk + q] = h[q]!;
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
    out[lay.condNtkPairs + q * m2 + r] = h[q]! * h[r]!;
    out[lay.condNtkKernel + q * m2 + r] = h[q]! * G[r]!;
  }
  // Bc[q][r] = k2 ⟨T_q, T_r⟩_F ; Fc[a][b][c][d] = k2 σ_cᵀ T_ab σ_d
  if (l === 0) {
    for (let q = 0; q < m2 * m2; q++) {
      out[lay.condNtkFrobenius + q] = 0;
      out[lay.condNtkZZ + q] = 0;
    }
    return;
  }
  // rows j of T_ab vanish where σ'_{j;a} = 0: skip them (ReLU: three quarters of the Bc work)
  const dsp = B.ds[l - 1]!;
  for (let q = 0; q < m2; q++) {
    const a = (q / m) | 0;
    for (let r = q; r < m2; r++) {
      const c = (r / m) | 0;
      let acc = 0;
      if (diagT) {
        const oq = q * nPrev;
        const or = r * nPrev;
        for (let j = 0; j < nPrev; j++) acc += T[oq + j]! * T[or + j]!;
      } else {
        const oq = q * nn;
        const or = r * nn;
        for (let j = 0; j < nPrev; j++) {
          if (dsp[j * m + a]! === 0 || dsp[j * m + c]! === 0) continue;
          const rq = oq + j * nPrev;
          const rr = or + j * nPrev;
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
          let k = 0;
          for (; k + 3 < nPrev; k += 4) {
            a0 += T[rq + k]! * T[rr + k]!;
            a1 += T[rq + k + 1]! * T[rr + k + 1]!;
            a2 += T[rq + k + 2]! * T[rr + k + 2]!;
            a3 += T[rq + k + 3]! * T[rr + k + 3]!;
          }
          for (; k < nPrev; k++) a0 += T[rq + k]! * T[rr + k]!;
          acc += a0 + a1 + a2 + a3;
        }
      }
      out[lay.condNtkFrobenius + q * m2 + r] = out[lay.condNtkFrobenius + r * m2 + q] = k2 * acc;
    }
  }
  const u = B.tmp; // u = T_q σ_d
  for (let q = 0; q < m2; q++) {
    const a = (q / m) | 0;
    for (let d = 0; d < m; d++) {
      if (diagT) {
        for (let j = 0; j < nPrev; j++) u[j] = T[q * nPrev + j]! * prevS[j * m + d]!;
      } else {
        const oq = q * nn;
        for (let j = 0; j < nPrev; j++) {
          if (dsp[j * m + a]! === 0) {
            u[j] = 0;
            continue;
          }
          const row = oq + j * nPrev;
          let a0 = 0, a1 = 0;
          let k = 0;
          for (; k + 1 < nPrev; k += 2) {
            a0 += T[row + k]! * prevS[k * m + d]!;
            a1 += T[row + k + 1]! * prevS[(k + 1) * m + d]!;
          }
          if (k < nPrev) a0 += T[row + k]! * prevS[k * m + d]!;
          u[j] = a0 + a1;
        }
      }
      for (let c = 0; c < m; c++) {
        let acc = 0;
        for (let j = 0; j < nPrev; j++) acc += prevS[j * m + c]! * u[j]!;
        // q = a*m + b ; Fc index [a][b][c][d]
        out[lay.condNtkZZ + (q * m + c) * m + d] = k2 * acc;
      }
    }
  }
}

/** Direct (sampled z, Θ̂) statistics of layer l: averages over neurons and over pairs of distinct neurons. */
export function directStats(p: Plan, B: Buffers, l: number, n: number, out: Float64Array): void {
  const m = p.m;
  const m2 = m * m;
  const lay = p.offsets[l]!;
  const z = B.z[l]!;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += z[i * m + a]! * z[i * m + b]!;
    out[lay.zz + a * m + b] = acc / n;
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) out[lay.zzPairs + q * m2 + r] = out[lay.zz + q]! * out[lay.zz + r]!;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += z[i * m + a]! * z[i * m + b]! * z[i * m + c]! * z[i * m + d]!;
    out[lay.zzzz + ((a * m + b) * m + c) * m + d] = acc / n;
  }
  if (!p.ntkStatistics) return;
  const th = B.theta[l]!;
  const nn = n * n;
  const diag = (q: number, i: number): number => (l === 0 ? (B.thetaDiag0[q]!) : th[q * nn + i * n + i]!);
  const norm = n > 1 ? 1 / (n * (n - 1)) : 0;
  const dsum = new Float64Array(m2);
  for (let q = 0; q < m2; q++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += diag(q, i);
    dsum[q] = acc;
    out[lay.ntkDiag + q] = acc / n;
  }
  for (let q = 0; q < m2; q++) for (let r = 0; r < m2; r++) {
    let dd = 0;
    for (let i = 0; i < n; i++) dd += diag(q, i) * diag(r, i);
    out[lay.ntkDiagPairs + q * m2 + r] = (dsum[q]! * dsum[r]! - dd) * norm;
    let full = dd;
    if (l > 0) {
      full = 0;
      const oq = q * nn;
      const or = r * nn;
      for (let j = 0; j < nn; j++) full += th[oq + j]! * th[or + j]!;
    }
    out[lay.ntkOffDiagPairs + q * m2 + r] = (full - dd) * norm;
  }
  const u = B.tmp;
  for (let q = 0; q < m2; q++) {
    for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) {
      let dz = 0;
      for (let i = 0; i < n; i++) dz += diag(q, i) * z[i * m + c]! * z[i * m + d]!;
      const szz = out[lay.zz + c * m + d]! * n;
      out[lay.ntkDiagZZ + q * m2 + c * m + d] = (dsum[q]! * szz - dz) * norm;
      let quad = dz;
      if (l > 0) {
        const oq = q * nn;
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += th[oq + i * n + j]! * z[j * m + d]!;
          u[i] = acc;
        }
        quad = 0;
        for (let i = 0; i < n; i++) quad += z[i * m + c]! * u[i]!;
      }
      out[lay.ntkOffDiagZZ + q * m2 + c * m + d] = (quad - dz) * norm;
    }
  }
}
