/**
 * Group elements for the symmetry checks (Maiti, Stoner, Halverson, Symmetry-via-Duality, §2, App. A, App. C), each checked numerically.
 *
 * Every element carries `real`: the real matrix by which it acts on the realified output (or input) vector.
 * - SO(D): D×D real orthogonal, det 1. Two samplers: 'haar' (Householder QR of a Gaussian matrix with the
 *   sign fix Q·diag(sign R_ii), then a column flip if det = −1 — Haar on SO(D)), and 'exp', the paper's
 *   R = exp(Σ_i α_i T^i), α_i ~ U(0,1), with the so(D) basis of App. C (eq. 43–44; `soGenerators`).
 * - SU(D): D×D complex unitary, det 1 (complex QR with the phase fix ⇒ Haar on U(D), then divided by
 *   det^{1/D} ⇒ Haar on SU(D)). `real` is its 2D×2D realification on the interleaved vector
 *   (Re f_1, Im f_1, Re f_2, Im f_2, …): block (i,j) = [[a, −b], [b, a]] for S_ij = a + ib.
 * - Sp(D) (compact symplectic = quaternionic unitary): D×D quaternionic matrix S with S†S = I, sampled Haar
 *   by quaternionic Gram–Schmidt of a quaternionic Gaussian matrix. Representation used: the 4D×4D REAL
 *   matrix of left multiplication f_i ↦ S_ij f_j on H^D ≅ R^{4D}, interleaved (f_1 = q0,q1,q2,q3, f_2 = …);
 *   block (i,j) = L(S_ij) (`qLeftMatrix`). It is orthogonal with det 1 and commutes with right
 *   multiplication by i, j, k (quaternion linearity), which `check` verifies.
 * - translations x ↦ x + c (`TranslationElement`).
 *
 * `check` reports max|RᵀR − I|, the mean |off-diagonal of RᵀR| (the paper's δR of eq. 45), |det − 1|
 * (and the complex/quaternionic conditions); `assertGroupElement` throws when they exceed a tolerance.
 */
import { NnftInputError } from '../errors.ts';
import {
  type CMat,
  type Mat,
  type Quat,
  cdet,
  det,
  expm,
  eye,
  matmul,
  orthogonalityError,
  qconj,
  qLeftMatrix,
  qmul,
  qRightMatrix,
  qrHouseholder,
  unitarityError,
  zeros,
} from './linalg.ts';
import { Rng } from './rng.ts';

export type GroupName = 'SO' | 'SU' | 'Sp';
export const GROUP_NAMES: readonly GroupName[] = ['SO', 'SU', 'Sp'];

export interface ElementCheck {
  /** max |RᵀR − I| of the real representation */
  orthogonality: number;
  /** δR: mean |off-diagonal entry of RᵀR| (App. C, eq. 45) */
  deltaR: number;
  /** |det R − 1| of the real representation (and of the complex matrix for SU) */
  detError: number;
  /** SU: max |U†U − I|; Sp: max |S†S − I| (quaternionic) */
  unitarity?: number;
  /** Sp: max |R J − J R| over right multiplication by i, j, k (quaternion linearity) */
  quaternionLinearity?: number;
}

export interface GroupElement {
  group: GroupName;
  /** D: the dimension of the defining representation (real, complex or quaternionic) */
  dim: number;
  /** the real matrix acting on the realified vector (D, 2D or 4D square) */
  real: Mat;
  complex?: CMat;
  /** Sp: S[i][j] is the quaternion (a, b, c, d) = a + b i + c j + d k */
  quaternion?: Quat[][];
  check: ElementCheck;
}

export interface TranslationElement {
  group: 'T';
  dim: number;
  shift: number[];
}

/** the dimension of the real vector a D-dimensional representation of the group acts on */
export function realDim(group: GroupName, D: number): number {
  return group === 'SO' ? D : group === 'SU' ? 2 * D : 4 * D;
}

export function parseGroupName(name: unknown): GroupName {
  const s = String(name).trim();
  const up = s.toUpperCase();
  if (up === 'SO' || up === 'O') return 'SO';
  if (up === 'SU' || up === 'U') return 'SU';
  if (up === 'SP' || up === 'USP') return 'Sp';
  throw new NnftInputError('group', `unknown group '${s}'`, `use one of ${GROUP_NAMES.join(', ')} (translations: translationElement)`);
}

export function checkDim(D: unknown, argument = 'dim'): number {
  if (typeof D !== 'number' || !Number.isInteger(D) || D < 2) {
    throw new NnftInputError(argument, `need an integer dimension D ≥ 2, got ${String(D)}`, 'rotations act on at least two components');
  }
  if (D > 64) throw new NnftInputError(argument, `D = ${D} is larger than this module supports (64)`);
  return D;
}

/**
 * The App. C basis of so(D): one generator per rotation plane (p, q), p < q, with T_pq = −1, T_qp = +1.
 * Planes are ordered reverse-lexicographically, which for D = 3 gives (2,3), (1,3), (1,2): exactly eq. 44.
 * (With α_i i.i.d. U(0,1) the distribution of R does not depend on the ordering.)
 */
export function soGenerators(D: number): Mat[] {
  checkDim(D);
  const planes: [number, number][] = [];
  for (let p = 0; p < D; p++) for (let q = p + 1; q < D; q++) planes.push([p, q]);
  planes.reverse();
  return planes.map(([p, q]) => {
    const t = zeros(D);
    t[p]![q] = -1;
    t[q]![p] = 1;
    return t;
  });
}

function checkReal(r: Mat): ElementCheck {
  const o = orthogonalityError(r);
  return { orthogonality: o.max, deltaR: o.offDiagonalMean, detError: Math.abs(det(r) - 1) };
}

/** Build an SO(D) element from a matrix (checks it). */
export function soElement(r: Mat): GroupElement {
  const D = checkDim(r.length);
  if (!r.every((row) => row.length === D)) throw new NnftInputError('matrix', 'must be square');
  return { group: 'SO', dim: D, real: r, check: checkReal(r) };
}

/** Haar-random SO(D): QR of a Gaussian matrix with the sign fix, then det fixed to +1. */
export function haarSO(D: number, rng: Rng): GroupElement {
  checkDim(D);
  const a = zeros(D).map((row) => row.map(() => rng.normal()));
  const { q, rDiag } = qrHouseholder(a);
  for (let j = 0; j < D; j++) if (rDiag[j]! < 0) for (let i = 0; i < D; i++) q[i]![j] = -q[i]![j]!;
  if (det(q) < 0) for (let i = 0; i < D; i++) q[i]![0] = -q[i]![0]!;
  return soElement(q);
}

/** The paper's scheme (eq. 43): R = exp(Σ_i α_i T^i) with α_i ~ U(0,1) and the App. C generators. */
export function expSO(D: number, rng: Rng, alphas?: number[]): GroupElement {
  const gens = soGenerators(D);
  const a = alphas ?? gens.map(() => rng.uniform());
  if (a.length !== gens.length) throw new NnftInputError('alphas', `need ${gens.length} = D(D−1)/2 coefficients, got ${a.length}`);
  let x = zeros(D);
  gens.forEach((t, i) => {
    x = x.map((row, p) => row.map((v, q) => v + a[i]! * t[p]![q]!));
  });
  return soElement(expm(x));
}

/** realification of a complex D×D matrix on the interleaved vector (Re f_1, Im f_1, …) */
export function realifyComplex(u: CMat): Mat {
  const D = u.re.length;
  const r = zeros(2 * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const a = u.re[i]![j]!, b = u.im[i]![j]!;
      r[2 * i]![2 * j] = a;
      r[2 * i]![2 * j + 1] = -b;
      r[2 * i + 1]![2 * j] = b;
      r[2 * i + 1]![2 * j + 1] = a;
    }
  }
  return r;
}

/** Build an SU(D) element from a complex matrix (checks it). */
export function suElement(u: CMat): GroupElement {
  const D = checkDim(u.re.length);
  const real = realifyComplex(u);
  const c = checkReal(real);
  const [dr, di] = cdet(u);
  c.detError = Math.max(c.detError, Math.hypot(dr - 1, di));
  c.unitarity = unitarityError(u);
  return { group: 'SU', dim: D, real, complex: u, check: c };
}

/** Haar-random SU(D): complex modified Gram–Schmidt (two passes) of a complex Gaussian matrix, det fixed to 1. */
export function haarSU(D: number, rng: Rng): GroupElement {
  checkDim(D);
  // columns v_j ∈ C^D
  const cr = zeros(D).map((row) => row.map(() => rng.normal()));
  const ci = zeros(D).map((row) => row.map(() => rng.normal()));
  for (let j = 0; j < D; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        // proj = <u_k, v_j> = Σ conj(u_ki) v_ji
        let pr = 0, pi = 0;
        for (let i = 0; i < D; i++) {
          pr += cr[i]![k]! * cr[i]![j]! + ci[i]![k]! * ci[i]![j]!;
          pi += cr[i]![k]! * ci[i]![j]! - ci[i]![k]! * cr[i]![j]!;
        }
        for (let i = 0; i < D; i++) {
          cr[i]![j]! -= pr * cr[i]![k]! - pi * ci[i]![k]!;
          ci[i]![j]! -= pr * ci[i]![k]! + pi * cr[i]![k]!;
        }
      }
    }
    let nrm = 0;
    for (let i = 0; i < D; i++) nrm += cr[i]![j]! * cr[i]![j]! + ci[i]![j]! * ci[i]![j]!;
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < D; i++) {
      cr[i]![j]! /= nrm;
      ci[i]![j]! /= nrm;
    }
  }
  // Gram–Schmidt gives R with positive real diagonal ⇒ Q is Haar on U(D). Divide by det^{1/D}.
  const [dr, di] = cdet({ re: cr, im: ci });
  const phi = Math.atan2(di, dr) / D;
  const c = Math.cos(phi), s = -Math.sin(phi);
  const re = cr.map((row, i) => row.map((v, j) => v * c - ci[i]![j]! * s));
  const im = cr.map((row, i) => row.map((v, j) => v * s + ci[i]![j]! * c));
  return suElement({ re, im });
}

/** realification of a quaternionic D×D matrix as left multiplication on interleaved (q0,q1,q2,q3) blocks */
export function realifyQuaternion(s: Quat[][]): Mat {
  const D = s.length;
  const r = zeros(4 * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const l = qLeftMatrix(s[i]![j]!);
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) r[4 * i + a]![4 * j + b] = l[a]![b]!;
    }
  }
  return r;
}

/** Build an Sp(D) element from a quaternionic matrix (checks it). */
export function spElement(s: Quat[][]): GroupElement {
  const D = checkDim(s.length);
  const real = realifyQuaternion(s);
  const c = checkReal(real);
  // S†S = I
  let un = 0;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      let acc: Quat = [0, 0, 0, 0];
      for (let k = 0; k < D; k++) {
        const p = qmul(qconj(s[k]![i]!), s[k]![j]!);
        acc = [acc[0] + p[0], acc[1] + p[1], acc[2] + p[2], acc[3] + p[3]];
      }
      acc[0] -= i === j ? 1 : 0;
      un = Math.max(un, Math.hypot(...acc));
    }
  }
  c.unitarity = un;
  // right multiplication by a unit imaginary quaternion u acts blockwise as diag(Rmat(u)); R must commute with it
  let lin = 0;
  for (const u of [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] as Quat[]) {
    const ru = qRightMatrix(u);
    const J = zeros(4 * D);
    for (let i = 0; i < D; i++) for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) J[4 * i + a]![4 * i + b] = ru[a]![b]!;
    const x = matmul(real, J), y = matmul(J, real);
    for (let i = 0; i < 4 * D; i++) for (let j = 0; j < 4 * D; j++) lin = Math.max(lin, Math.abs(x[i]![j]! - y[i]![j]!));
  }
  c.quaternionLinearity = lin;
  return { group: 'Sp', dim: D, real, quaternion: s, check: c };
}

/** Haar-random Sp(D): quaternionic Gram–Schmidt (two passes) of a quaternionic Gaussian matrix. */
export function haarSp(D: number, rng: Rng): GroupElement {
  checkDim(D);
  // H^D is a right H-module for left matrix action: <u, v> = Σ conj(u_i) v_i, projection v − u <u, v>.
  const cols: Quat[][] = Array.from({ length: D }, () => Array.from({ length: D }, () => [rng.normal(), rng.normal(), rng.normal(), rng.normal()] as Quat));
  for (let j = 0; j < D; j++) {
    const v = cols[j]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const u = cols[k]!;
        let ip: Quat = [0, 0, 0, 0];
        for (let i = 0; i < D; i++) {
          const p = qmul(qconj(u[i]!), v[i]!);
          ip = [ip[0] + p[0], ip[1] + p[1], ip[2] + p[2], ip[3] + p[3]];
        }
        for (let i = 0; i < D; i++) {
          const p = qmul(u[i]!, ip);
          v[i] = [v[i]![0]! - p[0], v[i]![1]! - p[1], v[i]![2]! - p[2], v[i]![3]! - p[3]];
        }
      }
    }
    const nrm = Math.sqrt(v.reduce((s, q) => s + q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3], 0));
    for (let i = 0; i < D; i++) v[i] = v[i]!.map((x) => x / nrm) as Quat;
  }
  const s: Quat[][] = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => cols[j]![i]!));
  return spElement(s);
}

export type SOMethod = 'haar' | 'exp';

/** A random element of SO(D) / SU(D) / Sp(D). `method` applies to SO ('exp' = the paper's eq. 43). */
export function randomElement(group: GroupName | string, D: number, rng: Rng, method: SOMethod = 'haar'): GroupElement {
  const g = parseGroupName(group);
  checkDim(D);
  if (g === 'SO') return method === 'exp' ? expSO(D, rng) : haarSO(D, rng);
  if (g === 'SU') return haarSU(D, rng);
  return haarSp(D, rng);
}

/** Embed an SO(D−k) element acting on components k..D−1 (the unbroken subgroup of eq. 14) into SO(D). */
export function embedSO(sub: GroupElement, D: number, offset: number): GroupElement {
  if (sub.group !== 'SO') throw new NnftInputError('subgroup element', 'only SO elements can be embedded');
  if (offset < 0 || offset + sub.dim > D) throw new NnftInputError('offset', `SO(${sub.dim}) at offset ${offset} does not fit in D = ${D}`);
  const r = eye(D);
  for (let i = 0; i < sub.dim; i++) for (let j = 0; j < sub.dim; j++) r[offset + i]![offset + j] = sub.real[i]![j]!;
  return soElement(r);
}

export function translationElement(shift: number[]): TranslationElement {
  if (!Array.isArray(shift) || shift.length < 1 || !shift.every(Number.isFinite)) {
    throw new NnftInputError('shift', 'expected a non-empty array of finite numbers');
  }
  return { group: 'T', dim: shift.length, shift: shift.slice() };
}

export function randomTranslation(d: number, rng: Rng, scale = 1): TranslationElement {
  if (!Number.isInteger(d) || d < 1) throw new NnftInputError('dim', `need an input dimension ≥ 1, got ${d}`);
  return translationElement(Array.from({ length: d }, () => scale * rng.normal()));
}

/** Throw unless the element passes its numerical checks to `tol`. */
export function assertGroupElement(g: GroupElement, tol = 1e-10): void {
  const c = g.check;
  const worst = Math.max(c.orthogonality, c.detError, c.unitarity ?? 0, c.quaternionLinearity ?? 0);
  if (!(worst <= tol)) throw new NnftInputError('group element', `${g.group}(${g.dim}) element fails its checks (worst ${worst.toExponential(2)} > ${tol})`);
}
