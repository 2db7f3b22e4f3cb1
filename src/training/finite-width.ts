/**
 * The mean prediction of networks trained by gradient descent (step η, s steps) or gradient flow (rate η, time t) on
 * L = ½ Σ_train ‖f − y‖², to order 1/n:
 *
 *   E[f(x)] = μ⁰(x) + μ¹(x)/n_{L−1} + O(1/n²),
 *
 * μ⁰ the frozen-NTK prediction and μ¹ assembled from the output layer's finite-width tensors Θ¹ (mean NTK), A, B (NTK
 * fluctuations), P, Q (dNTK–preactivation) and R, S, T, U (ddNTK means), all in the normalisation of docs/conventions.md
 * (docs/dntk.md derives every term). Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory" (PDLT), ch. ∞:
 * the same expansion of the training dynamics; here it is solved at every step s (and s = ∞), for flow as well.
 *
 * The dynamics to first order in the small objects (Θ̂ = Θ + ΔΘ̂ + Θ¹/n with ΔΘ̂ ~ n^{−1/2}; dΘ̂, ddIΘ̂, ddIIΘ̂ ~ 1/n),
 * ε = f(X) − Y, v_p = Λ∇z_p:
 *   f_{s+1} = f_s − ηΘ̂_s ε_s + (η²/2) dΘ̂_s[ε_s, ε_s] − (η³/6) ddIΘ̂[ε_s, ε_s, ε_s],
 *   Θ̂_{s+1} = Θ̂_s − η (dΘ̂_s + dΘ̂_sᵀ)[ε_s] + (η²/2) ∂²Θ̂[ε_s, ε_s],       ∂²Θ̂_{xα}[j,k] = ddI_{xαjk} + ddI_{αxjk} + ddII_{xαjk} + ddII_{xαkj},
 *   dΘ̂_{s+1} = dΘ̂_s − η ∂dΘ̂[ε_s],                                           ∂dΘ̂_{xyz}[w] = ddI_{xyzw} + ddII_{xyzw} + ddII_{xzyw}
 * (flow: df/dt = −ηΘ̂ε, dΘ̂/dt = −η(dΘ̂ + dΘ̂ᵀ)[ε], d dΘ̂/dt = −η∂dΘ̂[ε]). Every O(1/n) term of E[f] is a source linear in one of
 * Θ¹, ΔΘ̂ΔΘ̂, dΘ̂, ddΘ̂ multiplied by residuals of the frozen dynamics ε⁰_s = (I − ηΘ)^s ε_0, propagated by the frozen
 * dynamics; the expectations use E[dΘ̂] = E[dΘ̂ ff] = 0 (odd under the sign flip of the output layer), E[dΘ̂ f] = (P, Q)/n,
 * E[ddΘ̂ εεε] = E[ddΘ̂] E[εεε] and E[ΔΘ̂ ΔΘ̂ f] = 0 at this order. In the eigenbasis of Θ(X,X) every source is a sum of
 * time-ordered products of geometric factors (1 − ηλ)^τ, summed in closed form by src/training/time-kernels.ts.
 */
import { NnftInputError } from '../errors.ts';
import { symmetricEigen } from '../gaussian/linalg.ts';
import { ONE_FACTOR, homogeneousSum, productFactor, simplexIntegral, stepFactor, type Geometric } from './time-kernels.ts';

/** The output layer's tensors on the points train (first nTrain) ∪ test, flat row-major (docs/conventions.md). */
export interface OutputLayerTensors {
  m: number;
  K: Float64Array;
  Theta: Float64Array;
  Theta1: Float64Array;
  A: Float64Array;
  B: Float64Array;
  P: Float64Array;
  Q: Float64Array;
  R: Float64Array;
  S: Float64Array;
  T: Float64Array;
  U: Float64Array;
}

export type Schedule = { kind: 'descent'; steps: readonly number[] } | { kind: 'flow'; times: readonly number[] };

export interface OrderOneSpec {
  tensors: OutputLayerTensors;
  nTrain: number;
  /** targets, nTrain × D row-major */
  Y: Float64Array;
  D: number;
  /** learning rate η */
  lr: number;
  schedule: Schedule;
}

/** The O(1/n) coefficient split by origin (each [time][point][output]). */
export interface OrderOneParts {
  /** Θ¹: the 1/n shift of the mean NTK */
  ntkMean: number[][][];
  /** A, B: the fluctuations of the initial NTK (the prediction is nonlinear in it) */
  ntkVariance: number[][][];
  /** P, Q: the dNTK (the NTK moves during training, correlated with the initial function) */
  dntk: number[][][];
  /** R, S, T, U: the ddNTKs (the dNTK moves; third-order steps) */
  ddntk: number[][][];
}

export interface OrderOneResult {
  /** the frozen-NTK mean μ⁰, [time][point][output] over all points (train first) */
  mean0: number[][][];
  /** the 1/n_{L−1} coefficient μ¹ (sum of the parts) */
  correction: number[][][];
  parts: OrderOneParts;
}

type Part = keyof OrderOneParts;

/** One source term: mode labels per time level (the residual modes it multiplies), its coefficient per point and combo. */
interface Term {
  part: Part;
  /** number of mode labels in a combo (1, 2 or 3) */
  arity: number;
  /**
   * The gaps of the time-ordered sum, each a list of labels (positions in the combo) whose factors (1 − ηλ) multiply
   * that gap; the last level is the source's own time r.
   */
  gaps: number[][];
  /** labels whose factor multiplies the constant C (the +1 offsets of the discrete levels), with multiplicity */
  constant: number[];
  /** only in gradient descent (the within-step Taylor terms) */
  descentOnly: boolean;
  /** coefficient[x * N^arity + combo] (x over points × outputs: x = p·D + i) */
  coef: Float64Array;
}

export function orderOnePrediction(spec: OrderOneSpec): OrderOneResult {
  const { tensors: t, nTrain: N, Y, D, lr: eta, schedule } = spec;
  const m = t.m;
  if (!Number.isInteger(N) || N < 1 || N > m) throw new NnftInputError('nTrain', `expected an integer in [1, ${m}], got ${N}`);
  if (Y.length !== N * D) throw new NnftInputError('Y', `expected ${N}×${D} targets, got ${Y.length} numbers`);
  const idx4 = (a: number, b: number, c: number, d: number): number => ((a * m + b) * m + c) * m + d;
  const at = (T: Float64Array, a: number, b: number, c: number, d: number): number => T[idx4(a, b, c, d)]!;
  const eq = (i: number, j: number): number => (i === j ? 1 : 0);

  // ---------------------------------------------------------------- eigenbasis of Θ(X, X)
  const thAA: number[][] = [];
  for (let a = 0; a < N; a++) thAA.push(Array.from({ length: N }, (_, b) => t.Theta[a * m + b]!));
  const eig = symmetricEigen(thAA);
  const lam = eig.values;
  // V[a][c] = component a of eigenvector c
  const V = (a: number, c: number): number => eig.vectors[a]![c]!;
  if (Math.min(...lam) <= 0) {
    throw new NnftInputError('train inputs', `Θ(X, X) has an eigenvalue ${Math.min(...lam).toPrecision(3)} ≤ 0: the training points do not determine the dynamics`, 'remove duplicate training inputs');
  }
  const u: Geometric[] = lam.map((l) => stepFactor(eta, l));
  const rate = lam.map((l) => eta * l);

  const NM = N * D; // train modes (c, i) → c·D + i
  const PM = m * D; // points × outputs (p, i) → p·D + i
  const yt = new Float64Array(NM); // ỹ
  for (let c = 0; c < N; c++) for (let i = 0; i < D; i++) {
    let s = 0;
    for (let a = 0; a < N; a++) s += V(a, c) * Y[a * D + i]!;
    yt[c * D + i] = s;
  }
  const Kt = new Float64Array(N * N); // K̃ on the train block
  for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
    let s = 0;
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) s += V(a, c) * t.K[a * m + b]! * V(b, d);
    Kt[c * N + d] = s;
  }
  const mode = (q: number): [number, number] => [Math.floor(q / D), q % D];
  /** E[ẽ_q1 ẽ_q2 ẽ_q3] for ε₀ = f(X) − Y, f ~ N(0, K) */
  const E3 = (q1: number, q2: number, q3: number): number => {
    const [c, i] = mode(q1);
    const [d, j] = mode(q2);
    const [e, k] = mode(q3);
    return -(Kt[c * N + d]! * eq(i, j) * yt[q3]! + Kt[c * N + e]! * eq(i, k) * yt[q2]! + Kt[d * N + e]! * eq(j, k) * yt[q1]! + yt[q1]! * yt[q2]! * yt[q3]!);
  };
  // Θ̃(x, (c, i)) = Σ_a Θ_{p a} V_{ac} [i_x = i]
  const thX = new Float64Array(m * N);
  for (let p = 0; p < m; p++) for (let c = 0; c < N; c++) {
    let s = 0;
    for (let a = 0; a < N; a++) s += t.Theta[p * m + a]! * V(a, c);
    thX[p * N + c] = s;
  }

  // ---------------------------------------------------------------- the statistics, with output indices
  type Acc = (p0: number, i0: number, p1: number, i1: number, p2: number, i2: number, p3: number, i3: number) => number;
  const dntkZ: Acc = (p0, i0, p1, i1, p2, i2, p3, i3) =>
    eq(i0, i3) * eq(i1, i2) * at(t.P, p0, p1, p2, p3) + eq(i0, i1) * eq(i2, i3) * at(t.Q, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.Q, p0, p2, p1, p3);
  const ddI: Acc = (p0, i0, p1, i1, p2, i2, p3, i3) =>
    eq(i0, i1) * eq(i2, i3) * at(t.R, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.R, p0, p2, p1, p3) + eq(i0, i3) * eq(i1, i2) * at(t.R, p0, p3, p1, p2);
  const ddII: Acc = (p1, i1, p2, i2, p3, i3, p4, i4) =>
    eq(i1, i2) * eq(i3, i4) * at(t.S, p1, p2, p3, p4) + eq(i1, i3) * eq(i2, i4) * at(t.T, p1, p2, p3, p4) + eq(i1, i4) * eq(i2, i3) * at(t.U, p1, p2, p3, p4);
  /** ∂dΘ̂_{xyz}[w] */
  const dX: Acc = (p0, i0, p1, i1, p2, i2, p3, i3) => ddI(p0, i0, p1, i1, p2, i2, p3, i3) + ddII(p0, i0, p1, i1, p2, i2, p3, i3) + ddII(p0, i0, p2, i2, p1, i1, p3, i3);
  /** ∂²Θ̂_{xα}[j, k] */
  const dY: Acc = (p0, i0, p1, i1, p2, i2, p3, i3) =>
    ddI(p0, i0, p1, i1, p2, i2, p3, i3) + ddI(p1, i1, p0, i0, p2, i2, p3, i3) + ddII(p0, i0, p1, i1, p2, i2, p3, i3) + ddII(p0, i0, p1, i1, p3, i3, p2, i2);
  const cov: Acc = (p0, i0, p1, i1, p2, i2, p3, i3) =>
    eq(i0, i1) * eq(i2, i3) * at(t.A, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.B, p0, p2, p1, p3) + eq(i0, i3) * eq(i1, i2) * at(t.B, p0, p3, p1, p2);

  /**
   * F̃[x][q1][q2][q3] = Σ_{a1a2a3} V_{a1c1}V_{a2c2}V_{a3c3} f(x, (a1,i1), (a2,i2), (a3,i3)), x over points × outputs,
   * q = (c, i) over train modes; `swap`: the first train slot goes before x (f((a1,i1), x, …)).
   */
  const transformed = (f: Acc, swap: boolean): Float64Array => {
    const NM3 = NM * NM * NM;
    let cur = new Float64Array(PM * NM3);
    for (let x = 0; x < PM; x++) {
      const px = Math.floor(x / D), ix = x % D;
      for (let q1 = 0; q1 < NM; q1++) for (let q2 = 0; q2 < NM; q2++) for (let q3 = 0; q3 < NM; q3++) {
        const [a1, i1] = mode(q1);
        const [a2, i2] = mode(q2);
        const [a3, i3] = mode(q3);
        cur[((x * NM + q1) * NM + q2) * NM + q3] = swap ? f(a1, i1, px, ix, a2, i2, a3, i3) : f(px, ix, a1, i1, a2, i2, a3, i3);
      }
    }
    // slot by slot: point index a → eigen index c (same output index)
    for (let slot = 0; slot < 3; slot++) {
      const next = new Float64Array(cur.length);
      const stride = slot === 0 ? NM * NM : slot === 1 ? NM : 1;
      for (let base = 0; base < cur.length; base++) {
        const q = Math.floor(base / stride) % NM;
        const [c, i] = mode(q);
        let s = 0;
        const rest = base - q * stride;
        for (let a = 0; a < N; a++) s += V(a, c) * cur[rest + (a * D + i) * stride]!;
        next[base] = s;
      }
      cur = next;
    }
    return cur;
  };
  const tIdx = (x: number, q1: number, q2: number, q3: number): number => ((x * NM + q1) * NM + q2) * NM + q3;

  const terms: Term[] = [];
  const N2 = N * N;
  const N3 = N2 * N;
  // T5 — Θ¹: S_x(r) = η Σ Θ̃¹(x, q) (1−ηλ_c)^r ỹ_q
  {
    const coef = new Float64Array(PM * N);
    for (let x = 0; x < PM; x++) {
      const px = Math.floor(x / D), ix = x % D;
      for (let c = 0; c < N; c++) {
        let s = 0;
        for (let a = 0; a < N; a++) s += t.Theta1[px * m + a]! * V(a, c);
        coef[x * N + c] = eta * s * yt[c * D + ix]!;
      }
    }
    terms.push({ part: 'ntkMean', arity: 1, gaps: [[0]], constant: [], descentOnly: false, coef });
  }
  // T6 — A, B: S_x(r) = −η² Σ_{q<r} Σ Cov̄(x; q_c, q_c, q_d) u_d^q u_c^{r−1−q} ỹ_{q_d}
  {
    const C = transformed(cov, false);
    const coef = new Float64Array(PM * N2);
    for (let x = 0; x < PM; x++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
      let s = 0;
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) s += C[tIdx(x, c * D + i, c * D + i, d * D + j)]! * yt[d * D + j]!;
      coef[(x * N + c) * N + d] = -eta * eta * s;
    }
    terms.push({ part: 'ntkVariance', arity: 2, gaps: [[1], [0]], constant: [], descentOnly: false, coef });
  }
  // dNTK: M̃(x; q1, q2, q3) = n E[dΘ̃_{x q1 q2} ẽ_q3] and the transposed M̃′(x; …) = n E[dΘ̃_{q1 x q2} ẽ_q3]
  {
    const M = transformed(dntkZ, false);
    const Mt = transformed(dntkZ, true);
    // T1 (descent): S_x(r) = −(η²/2) Σ (u_c u_d)^r [M̃(x;ci,dj,ci) ỹ_dj + M̃(x;ci,dj,dj) ỹ_ci]
    const c1 = new Float64Array(PM * N2);
    // T3a: S_x(r) = −η² Σ_{q<r} u_d^q u_c^r [(M̃ + M̃′)(x;ci,dj,dj) ỹ_ci + (M̃ + M̃′)(x;ci,dj,ci) ỹ_dj]
    const c3a = new Float64Array(PM * N2);
    for (let x = 0; x < PM; x++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) {
      let s1 = 0;
      let s3 = 0;
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) {
        const qc = c * D + i, qd = d * D + j;
        s1 += M[tIdx(x, qc, qd, qc)]! * yt[qd]! + M[tIdx(x, qc, qd, qd)]! * yt[qc]!;
        s3 += (M[tIdx(x, qc, qd, qd)]! + Mt[tIdx(x, qc, qd, qd)]!) * yt[qc]! + (M[tIdx(x, qc, qd, qc)]! + Mt[tIdx(x, qc, qd, qc)]!) * yt[qd]!;
      }
      c1[(x * N + c) * N + d] = -(eta * eta / 2) * s1;
      c3a[(x * N + c) * N + d] = -eta * eta * s3;
    }
    terms.push({ part: 'dntk', arity: 2, gaps: [[0, 1]], constant: [], descentOnly: true, coef: c1 });
    // levels q (u_d), r (u_c): gaps [u_d u_c, u_c], constant u_c
    terms.push({ part: 'dntk', arity: 2, gaps: [[0, 1], [0]], constant: [0], descentOnly: false, coef: c3a });
  }
  // ddNTK terms (arity 3, combo (c, d, e))
  {
    const contract = (F: Float64Array, G: Float64Array | null, scale: number): Float64Array => {
      const coef = new Float64Array(PM * N3);
      for (let x = 0; x < PM; x++) for (let c = 0; c < N; c++) for (let d = 0; d < N; d++) for (let e = 0; e < N; e++) {
        let s = 0;
        for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) for (let k = 0; k < D; k++) {
          const q1 = c * D + i, q2 = d * D + j, q3 = e * D + k;
          const v = F[tIdx(x, q1, q2, q3)]! + (G ? G[tIdx(x, q1, q2, q3)]! : 0);
          if (v !== 0) s += v * E3(q1, q2, q3);
        }
        coef[((x * N + c) * N + d) * N + e] = scale * s;
      }
      return coef;
    };
    const RI = transformed(ddI, false);
    const X = transformed(dX, false);
    const Xt = transformed(dX, true);
    const Yd = transformed(dY, false);
    // T4 (descent): −(η³/6) ddI[ε⁰_r]³ : gap (u_c u_d u_e)
    terms.push({ part: 'ddntk', arity: 3, gaps: [[0, 1, 2]], constant: [], descentOnly: true, coef: contract(RI, null, -(eta ** 3) / 6) });
    // T2 (descent): −(η³/2) Σ_{q<r} ∂dΘ̂(x; c, d | e) u_e^q (u_c u_d)^r : gaps [u_e u_c u_d, u_c u_d], constant u_c u_d
    terms.push({ part: 'ddntk', arity: 3, gaps: [[0, 1, 2], [0, 1]], constant: [0, 1], descentOnly: true, coef: contract(X, null, -(eta ** 3) / 2) });
    // T3b: −η³ Σ_{p<q<r} (∂dΘ̂ + ∂dΘ̂ᵀ)(x; c | d | e) u_e^p u_d^q u_c^r : gaps [u_e u_d u_c, u_d u_c, u_c], constant u_d u_c²
    terms.push({ part: 'ddntk', arity: 3, gaps: [[0, 1, 2], [0, 1], [0]], constant: [1, 0, 0], descentOnly: false, coef: contract(X, Xt, -(eta ** 3)) });
    // T3c (descent): −(η³/2) Σ_{q<r} ∂²Θ̂(x, c; d, e) (u_d u_e)^q u_c^r : gaps [u_d u_e u_c, u_c], constant u_c
    terms.push({ part: 'ddntk', arity: 3, gaps: [[0, 1, 2], [0]], constant: [0], descentOnly: true, coef: contract(Yd, null, -(eta ** 3) / 2) });
  }

  // ---------------------------------------------------------------- time factors and assembly
  const descent = schedule.kind === 'descent';
  const times = descent ? schedule.steps : schedule.times;
  for (const s of times) {
    if (!(s >= 0) || (descent && s !== Infinity && !Number.isInteger(s))) {
      throw new NnftInputError(descent ? 'steps' : 'times', `expected ${descent ? 'integers' : 'numbers'} ≥ 0 (or Infinity), got ${s}`);
    }
  }
  const zeros = (): number[][][] => times.map(() => Array.from({ length: m }, () => new Array<number>(D).fill(0)));
  const parts: OrderOneParts = { ntkMean: zeros(), ntkVariance: zeros(), dntk: zeros(), ddntk: zeros() };
  const mean0 = zeros();

  // time factor of a gap list (labels → modes), plus a final gap, for gradient descent or flow
  const timeFactor = (gapModes: number[][], extra: number | null, s: number): number => {
    const levels = gapModes.length;
    if (descent) {
      const ys: Geometric[] = gapModes.map((g) => productFactor(g.map((c) => u[c]!)));
      if (extra !== null) ys.push(u[extra]!);
      ys.push(ONE_FACTOR);
      const M = s - levels - (extra !== null ? 1 : 0);
      return homogeneousSum(ys, M);
    }
    const bs = gapModes.map((g) => g.reduce((acc, c) => acc + rate[c]!, 0));
    if (extra !== null) bs.push(rate[extra]!);
    bs.push(0);
    return simplexIntegral(bs, s);
  };

  times.forEach((s, ti) => {
    // μ⁰: η Σ Θ̃(x, c) g_s(λ_c) ỹ_c,  g_s = η h_{s−1}(u_c, 1) (descent) or η E(ηλ_c, 0; t) (flow)
    const g = lam.map((_, c) => eta * timeFactor([], c, s));
    for (let p = 0; p < m; p++) for (let i = 0; i < D; i++) {
      let acc = 0;
      for (let c = 0; c < N; c++) acc += thX[p * N + c]! * g[c]! * yt[c * D + i]!;
      mean0[ti]![p]![i] = acc;
    }
    for (const term of terms) {
      if (term.descentOnly && !descent) continue;
      const ar = term.arity;
      const nCombo = N ** ar;
      const out = parts[term.part][ti]!;
      const combo = new Array<number>(ar).fill(0);
      for (let k = 0; k < nCombo; k++) {
        let r = k;
        for (let j = ar - 1; j >= 0; j--) {
          combo[j] = r % N;
          r = Math.floor(r / N);
        }
        const gapModes = term.gaps.map((gl) => gl.map((l) => combo[l]!));
        let C = 1;
        if (descent) for (const l of term.constant) C *= u[combo[l]!]!.y;
        const direct = C * timeFactor(gapModes, null, s);
        // S̃_{c′i}: Σ_a V_{a c′} coef_{(a,i)}(combo); the propagator part −η Σ_{c′} Θ̃(x, c′) S̃_{c′i} × factor(c′)
        const prop = new Float64Array(N);
        for (let cp = 0; cp < N; cp++) prop[cp] = C * eta * timeFactor(gapModes, cp, s);
        for (let p = 0; p < m; p++) {
          for (let i = 0; i < D; i++) {
            const x = p * D + i;
            let v = term.coef[x * nCombo + k]! * direct;
            for (let cp = 0; cp < N; cp++) {
              let st = 0;
              for (let a = 0; a < N; a++) st += V(a, cp) * term.coef[(a * D + i) * nCombo + k]!;
              v -= thX[p * N + cp]! * st * prop[cp]!;
            }
            out[p]![i]! += v;
          }
        }
      }
    }
  });
  const correction = times.map((_, ti) => Array.from({ length: m }, (__, p) => Array.from({ length: D }, (___, i) => parts.ntkMean[ti]![p]![i]! + parts.ntkVariance[ti]![p]![i]! + parts.dntk[ti]![p]![i]! + parts.ddntk[ti]![p]![i]!)));
  return { mean0, correction, parts };
}
