/**
 * Overflow in the recursion solver: the layer-1 check (a kernel that is not finite, or so large that layer 2
 * overflows, is an input error naming --inputs or --cw) and the truncation marker of a solve that stops at an
 * overflowing layer — its growth per layer and, when the kernel grows geometrically, the exploding phase (C_W above
 * criticality: 2 for ReLU, 2/(1 + a²) for leaky ReLU; PDLT ch. 5).
 */
import { NnftInputError } from '../src/errors.ts';
import type { getActivation } from '../src/activations/index.ts';
import type { normalizeSpec } from '../src/spec.ts';
import type { LayerTensors } from '../src/recursion-contract.ts';
import type { QuantityName } from '../src/quantities.ts';

/**
 * Where and why a solve stopped early: layer `layer`'s `quantity` is not finite (it overflows the double range, e.g.
 * in the exploding phase C_W above criticality) or its Gaussian expectation overflows. The layers before it are
 * complete and finite.
 */
export interface Truncation {
  layer: number;
  quantity: QuantityName;
  reason: string;
  fix: string;
}

export function isFiniteTensor(t: Float64Array): boolean {
  for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i])) return false;
  return true;
}

function maxAbs(t: Float64Array | undefined): number {
  let m = 0;
  if (t) for (let i = 0; i < t.length; i++) m = Math.max(m, Math.abs(t[i]!));
  return m;
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

/** ReLU-type criticality C_W = 2/(a₋² + a₊²) for piecewise-linear σ with slopes a₋, a₊. */
function criticalCw(act: ReturnType<typeof getActivation>): number | undefined {
  if (act.kind !== 'piecewise-linear' || !act.pl) return undefined;
  const { slopeNeg: a, slopePos: b } = act.pl;
  return 2 / (a * a + b * b);
}

/**
 * Why layer `layer`'s quantity q is not finite: its growth per layer over the finite layers and, when the kernel
 * grows geometrically, the exploding phase (C_W above criticality).
 */
export function truncation(
  q: QuantityName, layer: number, history: LayerTensors[], ns: ReturnType<typeof normalizeSpec>, act: ReturnType<typeof getActivation>, cause?: string,
): Truncation {
  const last = history[history.length - 1]!;
  const prev = history[history.length - 2];
  const growth = (x: QuantityName): number => {
    const a = maxAbs(last[x]);
    const b = maxAbs(prev?.[x]);
    return b > 0 ? a / b : NaN;
  };
  const parts: string[] = [];
  parts.push(cause ?? `${q} at layer ${layer} overflows the double range`);
  const gq = growth(q);
  if (Number.isFinite(gq) && gq > 1 && q !== 'K') parts.push(`${q} grew by ×${fmtNum(gq)} from layer ${layer - 2} to ${layer - 1}`);
  const gK = growth('K');
  const cw = ns.cw[Math.min(layer - 1, ns.cw.length - 1)]!;
  const crit = criticalCw(act);
  let fix = 'use rescaled inputs (--inputs), a smaller C_W (--cw), or fewer layers';
  if (Number.isFinite(gK) && gK > 1.0001 && history.length >= 2) {
    parts.push(
      `the kernel K grows by ×${fmtNum(gK)} per layer (K⁽${layer - 1}⁾ = ${fmtNum(maxAbs(last.K))}): the network is in the exploding phase, ` +
        `C_W = ${fmtNum(cw)} is above criticality${crit !== undefined ? ` (C_W = ${fmtNum(crit)} for ${act.name})` : ''}`,
    );
    fix = `use C_W at or below criticality${crit !== undefined ? ` (--cw ${fmtNum(crit)} for ${act.name})` : ''}, or fewer layers`;
  } else if (layer === 2 && Math.max(maxAbs(history[0]!.K), maxAbs(history[0]!.Theta)) > 1e100) {
    parts.push(`the layer-1 kernel is too large (K⁽¹⁾ = ${fmtNum(maxAbs(history[0]!.K))}, Θ⁽¹⁾ = ${fmtNum(maxAbs(history[0]!.Theta))})`);
    fix = 'rescale the inputs (--inputs) or reduce C_W, C_b (--cw, --cb)';
  }
  return { layer, quantity: q, reason: parts.join('; '), fix };
}

/** K⁽²⁾ ~ C_W⁽²⁾ K⁽¹⁾ must stay below this; the O(1/n) tensors of layer 2 contain its square. */
const LAYER1_LIMIT_QUARTIC = 1e150;
const LAYER1_LIMIT = 1e300;

/**
 * Refuse inputs whose layer-1 kernel K⁽¹⁾ = C_b + (C_W/n0) x·x (or NTK Θ⁽¹⁾) is not finite, or so large that the
 * quantities of layer 2 overflow: K⁽²⁾ scales like C_W⁽²⁾ K⁽¹⁾ (ReLU) and the O(1/n) tensors like its square.
 */
export function checkLayer1(ns: ReturnType<typeof normalizeSpec>, dot: Float64Array, K: Float64Array, Theta: Float64Array | undefined, need: Set<QuantityName>): void {
  const quartic = [...need].some((q) => q !== 'K' && q !== 'Theta');
  const limit = quartic ? LAYER1_LIMIT_QUARTIC : LAYER1_LIMIT;
  const cw2 = ns.L >= 2 ? ns.cw[1]! : 1;
  const scale = Math.max(maxAbs(K), maxAbs(Theta));
  if (scale * Math.max(1, cw2) <= limit) return;
  const x2 = maxAbs(dot) / ns.n0;
  const cw = Math.max(ns.cw[0]!, cw2, ns.lambdaW[0]!);
  const value = (v: number): string => (Number.isFinite(v) ? fmtNum(v) : 'Infinity (overflow)');
  const why =
    `the layer-1 kernel K⁽¹⁾ = C_b + (C_W/n0) x·x reaches ${value(maxAbs(K))}` +
    (Theta ? ` (NTK Θ⁽¹⁾: ${value(maxAbs(Theta))})` : '') +
    (ns.L >= 2 ? ` and layer 2 multiplies it by C_W = ${fmtNum(cw2)}` : '') +
    `: ${quartic ? 'the O(1/n) tensors of layer 2 (products of two kernels)' : 'the kernels of layer 2'} would overflow the double range`;
  const fix = `keep C_W·K⁽¹⁾ below ${fmtNum(limit)}`;
  // layer 1 alone is in range and layer 2's C_W pushes it over
  if (Number.isFinite(scale) && scale <= limit) {
    throw new NnftInputError('cw (--cw)', `${why} (C_W of layer 2 = ${fmtNum(cw2)})`, `use a smaller C_W for layer 2: ${fix}`);
  }
  // K⁽¹⁾ = C_b + C_W x·x/n0 or Θ⁽¹⁾ = λ_b + λ_W x·x/n0, whichever is larger; within it the larger term is the cause
  const ntk = Theta !== undefined && !(maxAbs(K) >= maxAbs(Theta));
  const bias = ntk ? ns.lambdaB[0]! : ns.cb[0]!;
  const coefficient = ntk ? ns.lambdaW[0]! : ns.cw[0]!;
  if (bias >= coefficient * x2) {
    throw new NnftInputError(ntk ? 'lambdaB (--lambda-b)' : 'cb (--cb)', `${why}; the layer-1 ${ntk ? 'bias factor λ_b' : 'bias variance C_b'} = ${fmtNum(bias)} alone is that large`, `use a smaller ${ntk ? 'λ_b' : 'C_b'}: ${fix}`);
  }
  if (!(x2 <= coefficient) || !Number.isFinite(x2)) {
    throw new NnftInputError('inputs (--inputs)', `${why}; the squared input norms |x|²/n0 reach ${value(x2)}`, `rescale the inputs (e.g. to unit norm): ${fix}`);
  }
  if (ntk) throw new NnftInputError('lambdaW (--lambda-w)', why, `use a smaller λ_W: ${fix}`);
  throw new NnftInputError(cw === ns.lambdaW[0] && cw > Math.max(ns.cw[0]!, cw2) ? 'lambdaW (--lambda-w)' : 'cw (--cw)', why, `use a smaller C_W (C_W = 2 is critical for ReLU, ≈ 1 for tanh): ${fix}`);
}
