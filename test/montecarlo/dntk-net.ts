/**
 * A small explicit MLP for the dNTK tests: every parameter in one flat vector (per layer W⁽ˡ⁾ row-major, then b⁽ˡ⁾),
 * a plain forward pass, and the MlpState of src/montecarlo/dntk-statistics.ts built from it. Finite differences act
 * on the flat vector, so they are independent of the layer formulas under test.
 */
import { getActivation } from '../../src/activations/index.ts';
import { activationTables, backprop, type Direction, type MlpState, type OutputPoint } from '../../src/montecarlo/dntk-statistics.ts';

export interface TestNet {
  widths: number[]; // n0..nL
  m: number;
  x: Float64Array; // n0 × m, j·m + α
  activation: string;
  lambdaB: number[]; // index l = 1..L
  lambdaW: number[];
  /** offsets of W⁽ˡ⁾ and b⁽ˡ⁾ in the flat parameter vector */
  offW: number[];
  offB: number[];
  size: number;
}

export function makeNet(widths: number[], inputs: number[][], activation: string, lambdaB: number, lambdaW: number): TestNet {
  const m = inputs.length;
  const n0 = widths[0]!;
  const x = new Float64Array(n0 * m);
  inputs.forEach((v, a) => v.forEach((t, j) => (x[j * m + a] = t)));
  const offW: number[] = [0];
  const offB: number[] = [0];
  let size = 0;
  for (let l = 1; l < widths.length; l++) {
    offW.push(size);
    size += widths[l]! * widths[l - 1]!;
    offB.push(size);
    size += widths[l]!;
  }
  const L = widths.length - 1;
  return { widths, m, x, activation, lambdaB: [0, ...new Array(L).fill(lambdaB)], lambdaW: [0, ...new Array(L).fill(lambdaW)], offW, offB, size };
}

/** Gaussian parameters: W⁽ˡ⁾ ~ N(0, C_W/n_{l−1}), b ~ N(0, C_b), from a seeded generator. */
export function sampleParams(net: TestNet, cb: number, cw: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const th = new Float64Array(net.size);
  for (let l = 1; l < net.widths.length; l++) {
    const nPrev = net.widths[l - 1]!;
    for (let q = 0; q < net.widths[l]! * nPrev; q++) th[net.offW[l]! + q] = normal() * Math.sqrt(cw / nPrev);
    for (let q = 0; q < net.widths[l]!; q++) th[net.offB[l]! + q] = normal() * Math.sqrt(cb);
  }
  return th;
}

/** Forward pass: z[l] (n_l × m) for l = 1..L. */
export function forward(net: TestNet, th: Float64Array): Float64Array[] {
  const act = getActivation(net.activation);
  const { widths, m } = net;
  const z: Float64Array[] = [new Float64Array(0)];
  let a = net.x;
  for (let l = 1; l < widths.length; l++) {
    const n = widths[l]!;
    const nPrev = widths[l - 1]!;
    const out = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let al = 0; al < m; al++) {
        let acc = th[net.offB[l]! + i]!;
        for (let j = 0; j < nPrev; j++) acc += th[net.offW[l]! + i * nPrev + j]! * a[j * m + al]!;
        out[i * m + al] = acc;
      }
    }
    z.push(out);
    a = out.map(act.f);
  }
  return z;
}

export function stateOf(net: TestNet, th: Float64Array): MlpState {
  const z = forward(net, th);
  const L = net.widths.length - 1;
  const t = activationTables(getActivation(net.activation), z, L);
  const a = [net.x, ...t.a.slice(1)];
  const W: Float64Array[] = [new Float64Array(0)];
  for (let l = 1; l <= L; l++) W.push(th.slice(net.offW[l]!, net.offW[l]! + net.widths[l]! * net.widths[l - 1]!));
  return { m: net.m, widths: net.widths, a, z, d1: t.d1, d2: t.d2, d3: t.d3, W, lambdaB: net.lambdaB, lambdaW: net.lambdaW };
}

/** ∇_θ z_p as a flat vector (from back-propagation). */
export function gradientVector(net: TestNet, s: MlpState, p: OutputPoint): Float64Array {
  const { g } = backprop(s, [p]);
  const out = new Float64Array(net.size);
  const { widths, m } = net;
  for (let l = 1; l < widths.length; l++) {
    const nPrev = widths[l - 1]!;
    const gl = g[0]![l]!;
    for (let i = 0; i < widths[l]!; i++) {
      for (let j = 0; j < nPrev; j++) out[net.offW[l]! + i * nPrev + j] = gl[i]! * s.a[l - 1]![j * m + p.alpha]!;
      out[net.offB[l]! + i] = gl[i]!;
    }
  }
  return out;
}

/** Λ as a flat vector. */
export function lambdaVector(net: TestNet): Float64Array {
  const out = new Float64Array(net.size);
  for (let l = 1; l < net.widths.length; l++) {
    const nPrev = net.widths[l - 1]!;
    out.fill(net.lambdaW[l]! / nPrev, net.offW[l]!, net.offW[l]! + net.widths[l]! * nPrev);
    out.fill(net.lambdaB[l]!, net.offB[l]!, net.offB[l]! + net.widths[l]!);
  }
  return out;
}

/** A Direction (rank-one blocks) as a flat vector. */
export function directionVector(net: TestNet, v: Direction): Float64Array {
  const out = new Float64Array(net.size);
  for (let l = 1; l < net.widths.length; l++) {
    const nPrev = net.widths[l - 1]!;
    for (let i = 0; i < net.widths[l]!; i++) {
      for (let j = 0; j < nPrev; j++) out[net.offW[l]! + i * nPrev + j] = v.u[l]![i]! * v.w[l]![j]!;
      out[net.offB[l]! + i] = v.cb[l]! * v.u[l]![i]!;
    }
  }
  return out;
}

/** f′(0) by Richardson-extrapolated central differences: error O(h⁶). */
export function derivative(f: (h: number) => number, h: number): number {
  const D = (t: number): number => (f(t) - f(-t)) / (2 * t);
  const d1 = D(h), d2 = D(h / 2), d4 = D(h / 4);
  const r1 = (4 * d2 - d1) / 3, r2 = (4 * d4 - d2) / 3;
  return (16 * r2 - r1) / 15;
}
