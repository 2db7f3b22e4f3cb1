/**
 * A brute-force evaluation of the O(1/n) training dynamics of src/training/finite-width.ts, for tests: the same
 * first-order sources (docs/dntk.md) written in point coordinates and summed over every time index explicitly,
 * with matrix powers (I − ηΘ)^r and the frozen propagator applied step by step — no eigendecomposition, no closed-form
 * time sums. O(s³) in the number of steps: small s only.
 */
import type { OutputLayerTensors } from '../../src/training/finite-width.ts';

export function bruteForceOrderOne(t: OutputLayerTensors, N: number, Y: Float64Array, D: number, eta: number, s: number): { mean0: number[]; parts: Record<string, number[]> } {
  const m = t.m;
  const PM = m * D;
  const NM = N * D;
  const at = (T: Float64Array, a: number, b: number, c: number, d: number): number => T[((a * m + b) * m + c) * m + d]!;
  const eq = (i: number, j: number): number => (i === j ? 1 : 0);
  const P = (x: number): [number, number] => [Math.floor(x / D), x % D];
  // statistics on combined indices (point·D + output)
  const M = (x: number, y: number, z: number, w: number): number => {
    const [p0, i0] = P(x), [p1, i1] = P(y), [p2, i2] = P(z), [p3, i3] = P(w);
    return eq(i0, i3) * eq(i1, i2) * at(t.P, p0, p1, p2, p3) + eq(i0, i1) * eq(i2, i3) * at(t.Q, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.Q, p0, p2, p1, p3);
  };
  const RI = (x: number, y: number, z: number, w: number): number => {
    const [p0, i0] = P(x), [p1, i1] = P(y), [p2, i2] = P(z), [p3, i3] = P(w);
    return eq(i0, i1) * eq(i2, i3) * at(t.R, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.R, p0, p2, p1, p3) + eq(i0, i3) * eq(i1, i2) * at(t.R, p0, p3, p1, p2);
  };
  const RII = (x: number, y: number, z: number, w: number): number => {
    const [p1, i1] = P(x), [p2, i2] = P(y), [p3, i3] = P(z), [p4, i4] = P(w);
    return eq(i1, i2) * eq(i3, i4) * at(t.S, p1, p2, p3, p4) + eq(i1, i3) * eq(i2, i4) * at(t.T, p1, p2, p3, p4) + eq(i1, i4) * eq(i2, i3) * at(t.U, p1, p2, p3, p4);
  };
  const X = (x: number, y: number, z: number, w: number): number => RI(x, y, z, w) + RII(x, y, z, w) + RII(x, z, y, w);
  const Yd = (x: number, y: number, z: number, w: number): number => RI(x, y, z, w) + RI(y, x, z, w) + RII(x, y, z, w) + RII(x, y, w, z);
  const cov = (x: number, y: number, z: number, w: number): number => {
    const [p0, i0] = P(x), [p1, i1] = P(y), [p2, i2] = P(z), [p3, i3] = P(w);
    return eq(i0, i1) * eq(i2, i3) * at(t.A, p0, p1, p2, p3) + eq(i0, i2) * eq(i1, i3) * at(t.B, p0, p2, p1, p3) + eq(i0, i3) * eq(i1, i2) * at(t.B, p0, p3, p1, p2);
  };
  const th = (x: number, y: number): number => eq(P(x)[1], P(y)[1]) * t.Theta[P(x)[0] * m + P(y)[0]]!;
  const th1 = (x: number, y: number): number => eq(P(x)[1], P(y)[1]) * t.Theta1[P(x)[0] * m + P(y)[0]]!;
  const Kc = (x: number, y: number): number => eq(P(x)[1], P(y)[1]) * t.K[P(x)[0] * m + P(y)[0]]!;
  // train indices are the first NM combined indices
  const E3 = (a: number, b: number, c: number): number => -(Kc(a, b) * Y[c]! + Kc(a, c) * Y[b]! + Kc(b, c) * Y[a]! + Y[a]! * Y[b]! * Y[c]!);
  // U^r (NM × NM)
  const Upow: Float64Array[] = [];
  let cur = new Float64Array(NM * NM);
  for (let a = 0; a < NM; a++) cur[a * NM + a] = 1;
  for (let r = 0; r <= s; r++) {
    Upow.push(cur);
    const next = new Float64Array(NM * NM);
    for (let a = 0; a < NM; a++) for (let b = 0; b < NM; b++) {
      let acc = 0;
      for (let c = 0; c < NM; c++) acc += cur[a * NM + c]! * ((c === b ? 1 : 0) - eta * th(c, b));
      next[a * NM + b] = acc;
    }
    cur = next;
  }
  const U = (r: number, a: number, b: number): number => Upow[r]![a * NM + b]!;
  const Ur = (r: number, v: (b: number) => number, a: number): number => {
    let acc = 0;
    for (let b = 0; b < NM; b++) acc += U(r, a, b) * v(b);
    return acc;
  };
  const ymean = (r: number, a: number): number => -Ur(r, (b) => Y[b]!, a); // E[ε⁰(r)]
  // E[ε⁰_a(r1) ε⁰_b(r2) ε⁰_c(r3)] = Σ U U U E3
  const e3 = (r1: number, a: number, r2: number, b: number, r3: number, c: number): number => {
    let acc = 0;
    for (let a2 = 0; a2 < NM; a2++) {
      const ua = U(r1, a, a2);
      if (ua === 0) continue;
      for (let b2 = 0; b2 < NM; b2++) {
        const ub = U(r2, b, b2);
        if (ub === 0) continue;
        for (let c2 = 0; c2 < NM; c2++) acc += ua * ub * U(r3, c, c2) * E3(a2, b2, c2);
      }
    }
    return acc;
  };
  // E[dΘ̂_{xyz} ε⁰_y'(r1) ε⁰_z'(r2)] terms: −M(x,y,z,·)·… handled inline
  const sources: Record<string, (r: number, x: number) => number> = {
    ntkMean: (r, x) => {
      let acc = 0;
      for (let a = 0; a < NM; a++) acc += th1(x, a) * (-ymean(r, a));
      return eta * acc;
    },
    ntkVariance: (r, x) => {
      let acc = 0;
      for (let q = 0; q < r; q++) for (let a = 0; a < NM; a++) for (let b = 0; b < NM; b++) {
        const uab = U(r - 1 - q, a, b);
        if (uab === 0) continue;
        for (let c = 0; c < NM; c++) acc += cov(x, a, b, c) * uab * ymean(q, c);
      }
      return eta * eta * acc;
    },
    dntk: (r, x) => {
      // T1: (η²/2) Σ E[dΘ̂_{xβγ} ε⁰_β(r) ε⁰_γ(r)], E[dΘ̂_{xβγ} ε_β′ ε_γ′] = −M(x,β,γ,β′)y_γ′ − M(x,β,γ,γ′)y_β′
      let t1 = 0;
      for (let b = 0; b < NM; b++) for (let c = 0; c < NM; c++) for (let b2 = 0; b2 < NM; b2++) for (let c2 = 0; c2 < NM; c2++) {
        const w = U(r, b, b2) * U(r, c, c2);
        if (w === 0) continue;
        t1 += w * (-M(x, b, c, b2) * Y[c2]! - M(x, b, c, c2) * Y[b2]!);
      }
      // T3a: η² Σ_{q<r} E[(dΘ̂_{xαj} + dΘ̂_{αxj}) ε⁰_j(q) ε⁰_α(r)]
      let t3 = 0;
      for (let q = 0; q < r; q++) {
        for (let al = 0; al < NM; al++) for (let j = 0; j < NM; j++) for (let a2 = 0; a2 < NM; a2++) for (let j2 = 0; j2 < NM; j2++) {
          const w = U(r, al, a2) * U(q, j, j2);
          if (w === 0) continue;
          t3 += w * (-(M(x, al, j, j2) + M(al, x, j, j2)) * Y[a2]! - (M(x, al, j, a2) + M(al, x, j, a2)) * Y[j2]!);
        }
      }
      return (eta * eta / 2) * t1 + eta * eta * t3;
    },
    ddntk: (r, x) => {
      let t4 = 0;
      let t2 = 0;
      let t3b = 0;
      let t3c = 0;
      for (let j = 0; j < NM; j++) for (let k = 0; k < NM; k++) for (let l = 0; l < NM; l++) {
        t4 += RI(x, j, k, l) * e3(r, j, r, k, r, l);
        for (let q = 0; q < r; q++) {
          t2 += X(x, j, k, l) * e3(r, j, r, k, q, l);
          t3c += Yd(x, j, k, l) * e3(r, j, q, k, q, l);
          for (let p = 0; p < q; p++) t3b += (X(x, j, k, l) + X(j, x, k, l)) * e3(r, j, q, k, p, l);
        }
      }
      return -(eta ** 3 / 6) * t4 - (eta ** 3 / 2) * t2 - eta ** 3 * t3b - (eta ** 3 / 2) * t3c;
    },
  };
  const parts: Record<string, number[]> = {};
  for (const [name, src] of Object.entries(sources)) {
    // E[f¹(s)] = Σ_{r<s} Φ^{s−1−r} S(r), Φ(v)_x = v_x − η Σ_α Θ_{xα} v_α
    let total = new Float64Array(PM);
    for (let r = 0; r < s; r++) {
      let v = new Float64Array(PM);
      for (let x = 0; x < PM; x++) v[x] = src(r, x);
      for (let k = 0; k < s - 1 - r; k++) {
        const w = new Float64Array(PM);
        for (let x = 0; x < PM; x++) {
          let acc = v[x]!;
          for (let a = 0; a < NM; a++) acc -= eta * th(x, a) * v[a]!;
          w[x] = acc;
        }
        v = w;
      }
      total = total.map((z, x) => z + v[x]!);
    }
    parts[name] = [...total];
  }
  // μ⁰(s) = η Θ_{xA} Σ_{r<s} U^r y
  const mean0 = new Array<number>(PM).fill(0);
  for (let r = 0; r < s; r++) for (let x = 0; x < PM; x++) for (let a = 0; a < NM; a++) mean0[x]! += eta * th(x, a) * (-ymean(r, a));
  return { mean0, parts };
}
