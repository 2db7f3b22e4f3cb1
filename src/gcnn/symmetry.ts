/**
 * Symmetry checks of group-convolutional ensembles with the toolkit's paired verdict machinery
 * (src/symmetry/engine.ts `runPaired`: per-network differences O(transformed) − O(original), Bonferroni
 * z-scores, held-out confirmation, the App. C deviation measures of Maiti, Stoner, Halverson,
 * *Symmetry-via-Duality*):
 *
 *  - 'invariance'  (after pooling): the pooled outputs z̄(ρ(h)f) against z̄(f), for the two-point function
 *                  (the kernel) and the mean empirical NTK;
 *  - 'equivariance' (before pooling): the group-indexed outputs read in the moved frame, z(ρ(h)f)(h·g), against
 *                  z(f)(g) — equivariance says they are equal, so the ensemble of "frame-aligned" outputs is
 *                  invariant; correlators and the mean NTK Θ̂_{(i,hg),(i′,hg′)}(ρ(h)f, ρ(h)f′) are compared;
 *  - the control `padding: 'zero'` (C_N) breaks translation equivariance at the edges and must come out broken.
 * The inputs of the engine carry the element of the frame as a last coordinate (equivariance mode).
 */
import { NnftInputError } from '../errors.ts';
import { runPaired, type EngineResult, type Order, type Transform } from '../symmetry/engine.ts';
import type { Network, SymNetSampler } from '../symmetry/networks.ts';
import { normalizeGcnn, type GcnnSpec, type NormalizedGcnn } from './architecture.ts';
import { transformSignal } from './groups.ts';
import { drawGcnn, poolNtk, poolOutput } from './network.ts';

export interface GcnnSymmetrySpec extends GcnnSpec {
  mode: 'invariance' | 'equivariance';
  nets: number;
  seed?: number;
  /** correlator orders and/or 'ntk' (default [2, 'ntk']) */
  orders?: Order[];
  /** group elements tested: 'all' (default) or a list of element indices */
  elements?: 'all' | number[];
  /** 'zero': the non-equivariant control (C_N) */
  padding?: 'periodic' | 'zero';
  experiments?: number;
  significance?: number;
}

export interface GcnnSymmetryResult extends EngineResult {
  mode: GcnnSymmetrySpec['mode'];
  group: string;
  elements: number;
  padding: 'periodic' | 'zero';
}

function sampler(ns: NormalizedGcnn, mode: GcnnSymmetrySpec['mode'], padding: 'periodic' | 'zero'): SymNetSampler {
  const G = ns.group;
  const n = G.order;
  const nL = ns.channels[ns.L - 1]!;
  const D = G.spaceSize * ns.C0;
  const aligned = mode === 'equivariance';
  const inputDim = aligned ? D + 1 : D;
  const realOutputDim = aligned ? nL * n : nL;
  // the signal and the frame element of an engine input
  const split = (x: ArrayLike<number>): { f: Float64Array; h: number } => {
    const f = Float64Array.from({ length: D }, (_, i) => x[i]!);
    if (!aligned) return { f, h: 0 };
    const h = x[D]!;
    if (!Number.isInteger(h) || h < 0 || h >= n) throw new NnftInputError('frame element', `expected an element index in 0..${n - 1}, got ${h}`);
    return { f, h };
  };
  return {
    spec: {
      inputDim,
      hidden: ns.channels.slice(0, -1),
      outputDim: realOutputDim,
      activation: typeof ns.activation === 'string' ? ns.activation : ns.activation.name,
      cb: ns.cb[0]!,
      cw: ns.cw[0]!,
      lambdaB: ns.lambdaB[0]!,
      lambdaW: ns.lambdaW[0]!,
      first: { kind: 'gaussian' },
      last: { kind: 'gaussian' },
      seed: 0,
    },
    realOutputDim,
    draw(seed: number, index: number): Network {
      const net = drawGcnn(ns, seed, index, { padding });
      const zbuf = new Float64Array(nL * n);
      const tbuf = new Float64Array((nL * n) ** 2);
      return {
        forward(x, out, off = 0) {
          const { f, h } = split(x);
          const z = net.forward(f, zbuf);
          if (!aligned) {
            const p = poolOutput(z, nL, n);
            for (let i = 0; i < nL; i++) out[off + i] = p[i]!;
            return;
          }
          // frame-aligned: entry (i, g) reads z(i, h·g)
          for (let i = 0; i < nL; i++) for (let g = 0; g < n; g++) out[off + i * n + g] = z[i * n + G.mul(h, g)]!;
        },
        ntk(x, xp, out, off = 0) {
          const a = split(x);
          const b = split(xp);
          const T = net.ntk(a.f, b.f, tbuf);
          if (!aligned) {
            const p = poolNtk(T, nL, n);
            for (let q = 0; q < nL * nL; q++) out[off + q] = p[q]!;
            return;
          }
          const Dn = nL * n;
          for (let i = 0; i < nL; i++) for (let g = 0; g < n; g++) for (let i2 = 0; i2 < nL; i2++) for (let g2 = 0; g2 < n; g2++) {
            out[off + (i * n + g) * Dn + i2 * n + g2] = T[(i * n + G.mul(a.h, g)) * Dn + i2 * n + G.mul(b.h, g2)]!;
          }
        },
      };
    },
  };
}

/** Run the paired comparison for the elements of the group; see the module comment. */
export function checkGcnnSymmetry(spec: GcnnSymmetrySpec): GcnnSymmetryResult {
  const ns = normalizeGcnn(spec);
  const G = ns.group;
  const padding = spec.padding ?? 'periodic';
  if (spec.mode !== 'invariance' && spec.mode !== 'equivariance') throw new NnftInputError('mode', `unknown '${String(spec.mode)}'`, "use 'invariance' (pooled outputs) or 'equivariance' (group-indexed outputs)");
  const elements = spec.elements === undefined || spec.elements === 'all' ? Array.from({ length: G.order - 1 }, (_, i) => i + 1) : spec.elements;
  elements.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 0 || h >= G.order) throw new NnftInputError(`elements[${i}]`, `expected an element index in 0..${G.order - 1}, got ${h}`);
  });
  const aligned = spec.mode === 'equivariance';
  const inputs = ns.signals.map((f) => (aligned ? [...f, 0] : Array.from(f)));
  const transforms: Transform[] = elements.map((h) => ({
    kind: 'input',
    label: G.label(h),
    map: (x: number[]) => {
      const D = G.spaceSize * ns.C0;
      const moved = Array.from(transformSignal(G, h, x.slice(0, D), ns.C0));
      return aligned ? [...moved, h] : moved;
    },
  }));
  const res = runPaired({
    sampler: sampler(ns, spec.mode, padding),
    inputs,
    orders: spec.orders ?? [2, 'ntk'],
    transforms,
    nets: spec.nets,
    experiments: spec.experiments,
    seed: spec.seed,
    alpha: spec.significance,
  });
  return { ...res, mode: spec.mode, group: G.name, elements: elements.length, padding };
}
