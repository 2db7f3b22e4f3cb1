/**
 * The SO(D) invariance experiment of App. C of Maiti, Stoner, Halverson, Symmetry-via-Duality, as in its Figure 2.
 *
 * Gauss-net f(x) = W1 σ(W0 x + b0) + b1 with W0 ~ N(0, σ_W²/d), W1 ~ N(0, σ_W²/N), b0, b1 ~ N(0, σ_b²) and
 * σ(z) = exp(z)/√exp(2K(x)), K(x) = σ_b² + σ_W² |x|²/d (so the NNGP kernel is Gaussian in x − x′).
 * For E experiments we estimate G⁽²⁾_{i1i2}(x1, x2) and G⁽⁴⁾_{i1..i4}(x1, …, x4) (full D^n output tensors at
 * fixed inputs), act on them with B group elements R_b = exp(Σ α_i T^i), α_i ~ U(0,1) (eq. 43), and form
 * M_n = |R^{⊗n} G − G|. Averaging as in App. C: M̄_e = mean_b M (elementwise), μ_M = mean over entries of
 * mean_e M̄_e, σ_M = mean over entries of std_e M̄_e. Error bound: δM = √(δG′² + δG²), δG the elementwise
 * standard deviation of G across the E experiments, δG′ from eq. 45 (tensors.ts `eq45Bound`) with the
 * measured δR (mean |off-diagonal of RᵀR|); both averaged over entries (and elements).
 *
 * Sampling is exact and fast (exact in distribution): given the hidden layer, the D outputs at the m inputs are i.i.d.
 * N(0, Ĝ) with Ĝ_αβ = σ_b² + (σ_W²/N) Σ_j σ_j(x_α) σ_j(x_β); we draw them from a pivoted Cholesky factor of Ĝ
 * (Ĝ is singular when N < m). The paper used 4·10⁶ / 10⁶ networks per experiment; the defaults here are
 * far smaller so the example runs in seconds, and the bound scales as 1/√(networks) accordingly.
 */
import { NnftInputError } from '../errors.ts';
import { expSO, haarSO, type GroupElement } from './groups.ts';
import { Rng, STREAM_GROUP } from './rng.ts';
import { eq45Bound, rotateOutputIndices } from './tensors.ts';

export interface AppCOptions {
  D: number;
  width: number;
  /** number of experiments (paper: 10) */
  experiments?: number;
  /** networks per experiment (paper: 4·10⁶ for G⁽²⁾, 10⁶ for G⁽⁴⁾) */
  nets?: number;
  /** group elements (paper: 1000) */
  elements?: number;
  /** elements used for the eq. 45 bound (it is an average; default min(elements, 100)) */
  boundElements?: number;
  /** four inputs x1..x4 (each of dimension d); default d = 1: −0.5, −0.2, 0.2, 0.5 */
  inputs?: number[][];
  sigmaW2?: number;
  sigmaB2?: number;
  seed?: number;
  /** 'exp' (the paper's eq. 43, default) or 'haar' */
  method?: 'exp' | 'haar';
  /** also return the estimated correlator tensors */
  tensors?: boolean;
}

export interface AppCMeasure {
  mean: number;
  sigma: number;
  bound: number;
  /** average δG and δG′ (the two parts of the bound) */
  deltaG: number;
  deltaGPrime: number;
}

export interface AppCResult {
  D: number;
  width: number;
  experiments: number;
  nets: number;
  elements: number;
  /** mean δR of the group elements */
  deltaR: number;
  M: { '2': AppCMeasure; '4': AppCMeasure };
  /** with `tensors: true`: G⁽²⁾_{i1i2}(x1,x2) and G⁽⁴⁾_{i1..i4}(x1..x4) averaged over experiments, and their
   *  standard errors (std across experiments / √E); row-major over output indices */
  tensors?: { G2: number[]; G2stderr: number[]; G4: number[]; G4stderr: number[] };
}

/** pivoted Cholesky of a PSD m×m matrix (row-major): L with G ≈ L Lᵀ, zero columns for null directions */
function pivotedCholesky(G: Float64Array, m: number, L: Float64Array): void {
  const A = Float64Array.from(G);
  L.fill(0);
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, A[i * m + i]!);
  const tol = 1e-13 * (scale || 1);
  const done = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    let p = -1, best = tol;
    for (let i = 0; i < m; i++) if (!done[i] && A[i * m + i]! > best) {
      best = A[i * m + i]!;
      p = i;
    }
    if (p < 0) break;
    done[p] = true;
    const piv = Math.sqrt(A[p * m + p]!);
    for (let i = 0; i < m; i++) L[i * m + k] = done[i] && i !== p ? 0 : A[i * m + p]! / piv;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) A[i * m + j]! -= L[i * m + k]! * L[j * m + k]!;
  }
}

export function appCExperiment(opts: AppCOptions): AppCResult {
  const D = opts.D;
  if (!Number.isInteger(D) || D < 2) throw new NnftInputError('D', `need an integer D ≥ 2, got ${D}`);
  const N = opts.width;
  if (!Number.isInteger(N) || N < 1) throw new NnftInputError('width', `need an integer ≥ 1, got ${N}`);
  const E = opts.experiments ?? 10;
  const nets = opts.nets ?? 4000;
  const B = opts.elements ?? 1000;
  const Bb = Math.min(B, opts.boundElements ?? 100);
  if (!Number.isInteger(E) || E < 2) throw new NnftInputError('experiments', `need ≥ 2, got ${E}`);
  if (!Number.isInteger(nets) || nets < 2) throw new NnftInputError('nets', `need ≥ 2, got ${nets}`);
  if (!Number.isInteger(B) || B < 1) throw new NnftInputError('elements', `need ≥ 1, got ${B}`);
  const xs = opts.inputs ?? [[-0.5], [-0.2], [0.2], [0.5]];
  if (xs.length !== 4) throw new NnftInputError('inputs', 'need exactly four inputs x1..x4');
  const d = xs[0]!.length;
  if (!xs.every((x) => x.length === d)) throw new NnftInputError('inputs', 'all inputs need the same dimension');
  const sw2 = opts.sigmaW2 ?? 1;
  const sb2 = opts.sigmaB2 ?? 0.1;
  const seed = opts.seed ?? 1;
  const m = 4;
  const Kx = xs.map((x) => sb2 + (sw2 * x.reduce((s, v) => s + v * v, 0)) / d);

  const size2 = D ** 2, size4 = D ** 4;
  const G2 = Array.from({ length: E }, () => new Float64Array(size2));
  const G4 = Array.from({ length: E }, () => new Float64Array(size4));
  const sig = new Float64Array(N * m);
  const Gh = new Float64Array(m * m);
  const L = new Float64Array(m * m);
  const f = new Float64Array(D * m); // f[i*m + α]
  const xi = new Float64Array(m);
  const rng = new Rng(seed, 0);
  const w = new Float64Array(d);
  const sw = Math.sqrt(sw2 / d), sb = Math.sqrt(sb2);
  for (let e = 0; e < E; e++) {
    const g2 = G2[e]!, g4 = G4[e]!;
    for (let t = 0; t < nets; t++) {
      rng.reset(e * nets + t);
      for (let j = 0; j < N; j++) {
        const b0 = sb * rng.normal();
        for (let k = 0; k < d; k++) w[k] = sw * rng.normal();
        for (let a = 0; a < m; a++) {
          let z = b0;
          for (let k = 0; k < d; k++) z += w[k]! * xs[a]![k]!;
          sig[j * m + a] = Math.exp(z - Kx[a]!);
        }
      }
      for (let a = 0; a < m; a++) for (let b = a; b < m; b++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += sig[j * m + a]! * sig[j * m + b]!;
        Gh[a * m + b] = Gh[b * m + a] = sb2 + (sw2 / N) * s;
      }
      pivotedCholesky(Gh, m, L);
      for (let i = 0; i < D; i++) {
        for (let a = 0; a < m; a++) xi[a] = rng.normal();
        for (let a = 0; a < m; a++) {
          let s = 0;
          for (let k = 0; k < m; k++) s += L[a * m + k]! * xi[k]!;
          f[i * m + a] = s;
        }
      }
      // G2_{i1 i2}(x1, x2), G4_{i1..i4}(x1..x4)
      for (let i1 = 0; i1 < D; i1++) {
        const a1 = f[i1 * m]!;
        for (let i2 = 0; i2 < D; i2++) {
          const a12 = a1 * f[i2 * m + 1]!;
          g2[i1 * D + i2]! += a12;
          for (let i3 = 0; i3 < D; i3++) {
            const a123 = a12 * f[i3 * m + 2]!;
            const base = ((i1 * D + i2) * D + i3) * D;
            for (let i4 = 0; i4 < D; i4++) g4[base + i4]! += a123 * f[i4 * m + 3]!;
          }
        }
      }
    }
    for (let u = 0; u < size2; u++) g2[u]! /= nets;
    for (let u = 0; u < size4; u++) g4[u]! /= nets;
  }

  const grng = new Rng(seed, STREAM_GROUP);
  const elements: GroupElement[] = Array.from({ length: B }, () => ((opts.method ?? 'exp') === 'exp' ? expSO(D, grng) : haarSO(D, grng)));
  const deltaR = elements.reduce((s, g) => s + g.check.deltaR, 0) / B;

  const measure = (Gs: Float64Array[], n: number): AppCMeasure => {
    const size = Gs[0]!.length;
    const Mbar = Gs.map(() => new Float64Array(size));
    for (const g of elements) {
      for (let e = 0; e < E; e++) {
        const Gp = rotateOutputIndices(Gs[e]!, g.real, n);
        const mb = Mbar[e]!;
        for (let u = 0; u < size; u++) mb[u]! += Math.abs(Gp[u]! - Gs[e]![u]!) / B;
      }
    }
    let mean = 0, sigma = 0;
    const Gmean = new Float64Array(size), dG = new Float64Array(size);
    for (let u = 0; u < size; u++) {
      let mu = 0, gm = 0;
      for (let e = 0; e < E; e++) {
        mu += Mbar[e]![u]!;
        gm += Gs[e]![u]!;
      }
      mu /= E;
      gm /= E;
      let v = 0, vg = 0;
      for (let e = 0; e < E; e++) {
        v += (Mbar[e]![u]! - mu) ** 2;
        vg += (Gs[e]![u]! - gm) ** 2;
      }
      mean += mu;
      sigma += Math.sqrt(v / (E - 1));
      Gmean[u] = gm;
      dG[u] = Math.sqrt(vg / (E - 1));
    }
    mean /= size;
    sigma /= size;
    let dGavg = 0;
    for (let u = 0; u < size; u++) dGavg += dG[u]! / size;
    let dGp = 0, bound = 0;
    for (let b = 0; b < Bb; b++) {
      const g = elements[b]!;
      const dGprime = eq45Bound(Gmean, dG, g.real, g.check.deltaR, n);
      for (let u = 0; u < size; u++) {
        dGp += dGprime[u]! / (Bb * size);
        bound += Math.sqrt(dGprime[u]! ** 2 + dG[u]! ** 2) / (Bb * size);
      }
    }
    return { mean, sigma, bound, deltaG: dGavg, deltaGPrime: dGp };
  };

  const result: AppCResult = { D, width: N, experiments: E, nets, elements: B, deltaR, M: { '2': measure(G2, 2), '4': measure(G4, 4) } };
  if (opts.tensors) {
    const avg = (Gs: Float64Array[]): [number[], number[]] => {
      const mu = Array.from(Gs[0]!, (_, u) => Gs.reduce((s, g) => s + g[u]!, 0) / E);
      const se = mu.map((m, u) => Math.sqrt(Gs.reduce((s, g) => s + (g[u]! - m) ** 2, 0) / (E - 1) / E));
      return [mu, se];
    };
    const [g2, s2] = avg(G2), [g4, s4] = avg(G4);
    result.tensors = { G2: g2, G2stderr: s2, G4: g4, G4stderr: s4 };
  }
  return result;
}
