/**
 * The Osterwalder–Schrader checks (osterwalder-schrader.ts) of a single-hidden-layer network ensemble over a
 * one-dimensional input τ (shallow-net.ts with n₀ = 1): exactly on its two-point function (closed form for the
 * Gauss-net and the cos-net, Gaussian quadrature for registry activations) and its connected four-point function
 * (cumulants via duality, duality.ts), and statistically on sampled networks when `nets` is given.
 */
import { NnftInputError } from '../errors.ts';
import { expectActivationProduct } from '../gaussian/index.ts';
import { outputCumulants } from './duality.ts';
import {
  clusterDecompositionOfKernel,
  clusterDecompositionOfSamples,
  euclideanInvarianceOfKernel,
  euclideanInvarianceOfSamples,
  reflectionPositivityOfKernel,
  reflectionPositivityOfSamples,
  type ClusterDecompositionResult,
  type EuclideanInvarianceResult,
  type Kernel1D,
  type OsStatisticsOptions,
  type ReflectionPositivityResult,
  type SampledEnsemble,
} from './osterwalder-schrader.ts';
import { closedFormKernel, sampleOutputs, shallowNet, type ShallowNetSpec } from './shallow-net.ts';

export interface NetworkOsSpec extends Omit<ShallowNetSpec, 'inputs'>, OsStatisticsOptions {
  /** the positive times τ_1..τ_n of the reflection-positivity grid */
  times: number[];
  /** cluster decomposition: origin τ₀ and separations b (0 first) */
  origin?: number;
  separations?: number[];
  /** Euclidean invariance: translations c (the grid is the times and their reflections) */
  shifts?: number[];
  /** sampled networks (omit for the exact checks only) */
  nets?: number;
  seed?: number;
}

export interface NetworkOsResult {
  network: { activation: string; width: number; cb: number; cw: number; cwOut: number; cbOut: number };
  exact: { reflectionPositivity: ReflectionPositivityResult; clusterDecomposition: ClusterDecompositionResult; euclideanInvariance: EuclideanInvarianceResult };
  sampled?: { nets: number; seed: number; reflectionPositivity: ReflectionPositivityResult; clusterDecomposition: ClusterDecompositionResult; euclideanInvariance: EuclideanInvarianceResult };
}

/** The output's two-point function G(s, t) of a one-input shallow network, exactly. */
export function networkKernel(spec: Omit<ShallowNetSpec, 'inputs'>): Kernel1D {
  const net = shallowNet({ ...spec, inputs: [[0]] });
  const closed = closedFormKernel(net);
  if (closed) return (s, t) => closed([s], [t]);
  const act = net.act!;
  return (s, t) => {
    const K = [[net.cb + net.cw * s * s, net.cb + net.cw * s * t], [net.cb + net.cw * s * t, net.cb + net.cw * t * t]];
    return net.cbOut + net.cwOut * expectActivationProduct(act, K, [{ input: 0, order: 0 }, { input: 1, order: 0 }]);
  };
}

export function networkOsChecks(spec: NetworkOsSpec): NetworkOsResult {
  const base: Omit<ShallowNetSpec, 'inputs'> = { activation: spec.activation, width: spec.width, cb: spec.cb, cw: spec.cw, cwOut: spec.cwOut, cbOut: spec.cbOut };
  const probe = shallowNet({ ...base, inputs: [[0]] });
  const origin = spec.origin ?? 0.5;
  if (!Number.isFinite(origin)) throw new NnftInputError('origin', `expected a finite number, got ${String(origin)}`);
  const separations = spec.separations ?? [0, 1, 2, 4, 8];
  const shifts = spec.shifts ?? [0.5, 1.3];
  const kernel = networkKernel(base);
  const stat: OsStatisticsOptions = { alpha: spec.alpha, power: spec.power, deviation: spec.deviation };
  // exact connected four-point function G_c(τ₀, τ₀, τ₀ + b, τ₀ + b) = κ₄(h)/N by duality
  const fourPoint = (b: number): number => {
    const c = outputCumulants({ ...base, inputs: [[origin], [origin + b]] }, { tuples: [[0, 0, 1, 1]] })[0]!;
    if (c.method === 'sampled') throw new NnftInputError('activation', 'the exact four-point function needs quadrature or a closed form');
    return c.value;
  };
  const exact = {
    reflectionPositivity: reflectionPositivityOfKernel(kernel, spec.times),
    clusterDecomposition: clusterDecompositionOfKernel(kernel, origin, separations, { ...stat, fourPoint }),
    euclideanInvariance: euclideanInvarianceOfKernel(kernel, [...spec.times.map((t) => -t), ...spec.times], shifts),
  };
  const result: NetworkOsResult = { network: { activation: probe.activation, width: probe.width, cb: probe.cb, cw: probe.cw, cwOut: probe.cwOut, cbOut: probe.cbOut }, exact };
  if (spec.nets !== undefined) {
    const nets = spec.nets;
    const seed = spec.seed ?? 1;
    const ensemble: SampledEnsemble = { nets, evaluate: (points) => sampleOutputs(shallowNet({ ...base, inputs: points.map((p) => [p]) }), { nets, seed }) };
    result.sampled = {
      nets,
      seed,
      reflectionPositivity: reflectionPositivityOfSamples(ensemble, spec.times, stat),
      clusterDecomposition: clusterDecompositionOfSamples(ensemble, origin, separations, stat),
      euclideanInvariance: euclideanInvarianceOfSamples(ensemble, [...spec.times.map((t) => -t), ...spec.times].filter((_, i, a) => a.length <= 12 || i % Math.ceil(a.length / 12) === 0), shifts, stat),
    };
  }
  return result;
}
