/**
 * Running of the EFT couplings with the input-space cutoff (Halverson, Maiti, Stoner, "Neural Networks and Quantum Field
 * Theory", the Wilsonian analysis; Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories": "estimate λ
 * from 4-pt function experiments"; docs/field-theory.md).
 *
 * The action S = S_GP + ∫_{|y|≤Λ} dy [λ f(y)⁴ + κ f(y)⁶] is fitted to a network's connected correlators with the vertex
 * integrals restricted to the domain [−Λ, Λ] (one-dimensional inputs; Gauss–Legendre nodes). At first order
 * (diagrams/feynman.ts coefficients: −24 for the g4 four-point vertex, −720 for the g6 six-point vertex, +576 for each of
 * the 10 labelled g4² trees of the connected six-point function):
 *
 *   G_c⁽⁴⁾(x1..x4) = −24 λ ∫dy Π_{k≤4} K(x_k, y)                      ⇒ λ(x1..x4; Λ) = −G_c⁽⁴⁾ / (24 I₄(Λ)),
 *   G_c⁽⁶⁾(x1..x6) = −720 κ ∫dy Π_{k≤6} K(x_k, y) + 576 λ² Σ_{10 splits} ∫∫dy dw K³ K(y, w) K³
 *                                                                   ⇒ κ(x1..x6; Λ) = [576 λ² T(Λ) − G_c⁽⁶⁾] / (720 I₆(Λ)),
 *
 * averaged over the input tuples ("λ is a rank-4 tensor, we average over all its elements", Maiti's slides); K is the
 * exact two-point function (for one hidden layer G⁽²⁾ = K at every width). The tree subtraction matters because λ² and
 * κ are of the same order 1/N². For i.i.d. neurons G_c⁽⁴⁾ = κ₄(h)/N and G_c⁽⁶⁾ = κ₆(h)/N² (duality.ts), so λ ∝ 1/N and
 * κ ∝ 1/N²: κ is 1/N-suppressed relative to λ.
 *
 * The running is the log–log slope d log|λ|/d log Λ, fitted by least squares over the cutoffs: its regression error says
 * how far the flow is from a power law over that range; with sampled correlators the statistical error of the slope is
 * the grouped-jackknife one (the whole pipeline re-run on each leave-one-group-out replicate).
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { requireTime } from '../resources.ts';
import { feynmanDiagrams } from '../../diagrams/feynman.ts';
import { hasSelfLoop, type Diagram } from '../../diagrams/diagram.ts';
import { gaussLegendre } from '../../diagrams/evaluate.ts';
import { linearFit } from '../criticality/exponents.ts';
import { nonDecreasingTuples, outputCumulants } from './duality.ts';
import { conditionalGaussianCumulants, jackknifeError } from './sample-cumulants.ts';
import { networkKernel } from './os-network.ts';
import { sampleConditionalCovariances, shallowNet, type ShallowNetSpec } from './shallow-net.ts';

export interface RgFlowSpec {
  network: Omit<ShallowNetSpec, 'inputs'>;
  /** the one-dimensional input points x_α where the correlators are measured */
  inputs: number[];
  /** the cutoffs Λ (the vertex integrals run over [−Λ, Λ]), increasing, at least 3 */
  cutoffs: number[];
  /** Gauss–Legendre nodes of the vertex integrals to start from (default 64; doubled until converged) */
  nodes?: number;
  /** relative tolerance of λ and κ against the node count (default 1e-8) */
  tolerance?: number;
  /** also estimate κ from the six-point function (default true) */
  kappa?: boolean;
  /** subtract the λ² trees from G_c⁽⁶⁾ before estimating κ (default true) */
  treeSubtraction?: boolean;
  /** sampled networks (conditionally Gaussian estimator of the correlators); omit for the exact correlators (duality) */
  nets?: number;
  seed?: number;
}

export interface CouplingAtCutoff {
  cutoff: number;
  value: number;
  /** jackknife standard error (sampled) or 0 (exact correlators) */
  stderr: number;
  /** spread of the per-tuple estimates around the mean (how far one local coupling describes all tuples) */
  spread: number;
}

export interface FlowSlope {
  slope: number;
  /** regression standard error of the log–log fit (departure from a power law over the range) */
  fitStderr: number;
  /** statistical (jackknife) error of the slope; 0 for exact correlators */
  statStderr: number;
}

export interface RgFlowResult {
  network: { activation: string; width: number };
  inputs: number[];
  cutoffs: number[];
  lambda: CouplingAtCutoff[];
  lambdaSlope: FlowSlope;
  kappa?: CouplingAtCutoff[];
  kappaSlope?: FlowSlope;
  /** κ/λ at each cutoff */
  kappaOverLambda?: { cutoff: number; value: number; stderr: number }[];
  /** largest relative change of λ (and κ) between the nodes used and ¾ of them */
  quadratureError: number;
  /** Gauss–Legendre nodes used */
  nodes: number;
  source: 'exact (cumulants via duality)' | 'sampled';
  nets?: number;
}

let g4Vertex: Diagram | null = null;
let g6Vertex: Diagram | null = null;
let g4Trees: Diagram[] | null = null;

function diagramsNeeded(): { g4: Diagram; g6: Diagram; trees: Diagram[] } {
  if (!g4Vertex) g4Vertex = feynmanDiagrams({ points: 4, couplings: [4], order: 1 }).diagrams.find((d) => d.order === 1 && d.connected)!;
  if (!g6Vertex) g6Vertex = feynmanDiagrams({ points: 6, couplings: [6], order: 1 }).diagrams.find((d) => d.order === 1 && d.connected)!;
  if (!g4Trees) g4Trees = feynmanDiagrams({ points: 6, couplings: [4], order: 2 }).diagrams.filter((d) => d.order === 2 && d.connected && !hasSelfLoop(d));
  return { g4: g4Vertex, g6: g6Vertex, trees: g4Trees };
}

/** Per-tuple geometric factors at one cutoff: I₄, I₆, and the tree sum Σ coef·J (coefficients included). */
interface Geometry {
  I4: number[];
  I6: number[];
  tree: number[];
}

/** Which externals sit on the first vertex of a two-vertex tree (from its adjacency matrix). */
function treeSplit(d: Diagram): { first: number[]; second: number[]; coefficient: number } {
  const p = d.points;
  const T = p + d.order;
  const first: number[] = [];
  const second: number[] = [];
  for (let a = 0; a < p; a++) {
    if (d.adjacency[a * T + p]! > 0) first.push(a);
    else if (d.adjacency[a * T + p + 1]! > 0) second.push(a);
  }
  return { first, second, coefficient: d.coefficient.toNumber() };
}

/**
 * The vertex integrals on Gauss–Legendre nodes y_s, weights w_s of [−Λ, Λ] (the diagrams' integrals of
 * diagrams/evaluate.ts, written as matrix products for speed):
 *   I_k = Σ_s w_s Π_k K(x_k, y_s),   J(A|B) = Σ_{s,u} (w_s Π_{a∈A} K(x_a, y_s)) K(y_s, y_u) (w_u Π_{b∈B} K(x_b, y_u)).
 */
function geometry(kernel: (u: number, v: number) => number, xs: number[], t4: number[][], t6: number[][], cutoff: number, nodes: number): Geometry {
  const { g4, g6, trees } = diagramsNeeded();
  const { x: ys, w } = gaussLegendre(nodes, -cutoff, cutoff);
  const M = ys.length;
  const kx = xs.map((x) => Float64Array.from(ys, (y) => kernel(x, y)));
  const c4 = -g4.coefficient.toNumber() / 24; // = 1: the vertex diagram's own coefficient is −24
  const c6 = -g6.coefficient.toNumber() / 720;
  const vertexIntegral = (t: number[]): number => {
    let s = 0;
    for (let k = 0; k < M; k++) {
      let p = w[k]!;
      for (const a of t) p *= kx[a]![k]!;
      s += p;
    }
    return s;
  };
  const I4 = t4.map((t) => c4 * vertexIntegral(t));
  const I6 = t6.map((t) => c6 * vertexIntegral(t));
  let tree: number[] = [];
  if (t6.length > 0) {
    const Kyy = new Float64Array(M * M);
    for (let a = 0; a < M; a++) for (let b = a; b < M; b++) Kyy[a * M + b] = Kyy[b * M + a] = kernel(ys[a]!, ys[b]!);
    const splits = trees.map(treeSplit);
    const fa = new Float64Array(M), fb = new Float64Array(M);
    tree = t6.map((t) => {
      let total = 0;
      for (const sp of splits) {
        for (let k = 0; k < M; k++) {
          let p = w[k]!, q = w[k]!;
          for (const a of sp.first) p *= kx[t[a]!]![k]!;
          for (const b of sp.second) q *= kx[t[b]!]![k]!;
          fa[k] = p;
          fb[k] = q;
        }
        let j = 0;
        for (let a = 0; a < M; a++) {
          let r = 0;
          const o = a * M;
          for (let b = 0; b < M; b++) r += Kyy[o + b]! * fb[b]!;
          j += fa[a]! * r;
        }
        total += sp.coefficient * j;
      }
      return total;
    });
  }
  return { I4, I6, tree };
}

function estimates(G4: number[], G6: number[] | undefined, geo: Geometry, subtractTrees: boolean): { lambda: number; lambdaSpread: number; kappa?: number; kappaSpread?: number } {
  const lt = G4.map((g, i) => -g / (24 * geo.I4[i]!));
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const spread = (v: number[], mu: number) => (v.length > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mu) ** 2, 0) / (v.length - 1)) : 0);
  const lambda = mean(lt);
  const out: { lambda: number; lambdaSpread: number; kappa?: number; kappaSpread?: number } = { lambda, lambdaSpread: spread(lt, lambda) };
  if (G6) {
    const kt = G6.map((g, i) => ((subtractTrees ? lambda * lambda * geo.tree[i]! : 0) - g) / (720 * geo.I6[i]!));
    out.kappa = mean(kt);
    out.kappaSpread = spread(kt, out.kappa);
  }
  return out;
}

function slopeOf(cutoffs: number[], values: number[], what: string): { slope: number; fitStderr: number } {
  for (const v of values) {
    if (!(Math.abs(v) > 0) || !Number.isFinite(v)) throw new NnftNumericalError(`the running of ${what}`, `${what} = ${v} at some cutoff`, 'choose inputs and cutoffs where the coupling is non-zero');
  }
  const f = linearFit(cutoffs.map(Math.log), values.map((v) => Math.log(Math.abs(v))));
  return { slope: f.slope, fitStderr: f.stderr };
}

export function rgFlow(spec: RgFlowSpec): RgFlowResult {
  if (!spec || typeof spec !== 'object') throw new NnftInputError('spec', 'expected {network, inputs, cutoffs, …}');
  const xs = spec.inputs;
  if (!Array.isArray(xs) || xs.length < 1 || xs.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new NnftInputError('inputs', 'expected a non-empty list of finite numbers (one-dimensional inputs)');
  if (xs.length > 6) throw new NnftInputError('inputs', `${xs.length} inputs: at most 6 (the six-point tuples grow as C(m+5, 6))`);
  const cutoffs = spec.cutoffs;
  if (!Array.isArray(cutoffs) || cutoffs.length < 3) throw new NnftInputError('cutoffs', 'need at least 3 cutoffs Λ for a slope');
  for (let i = 0; i < cutoffs.length; i++) {
    const c = cutoffs[i]!;
    if (!(Number.isFinite(c) && c > 0) || (i > 0 && !(c > cutoffs[i - 1]!))) throw new NnftInputError('cutoffs', 'must be positive and strictly increasing');
  }
  const nodes = spec.nodes ?? 64;
  if (!Number.isInteger(nodes) || nodes < 8 || nodes > 2000) throw new NnftInputError('nodes', `need an integer in 8..2000, got ${String(nodes)}`);
  const withKappa = spec.kappa !== false;
  const subtract = spec.treeSubtraction !== false;
  const net = shallowNet({ ...spec.network, inputs: xs.map((x) => [x]) });
  const kernel = networkKernel(spec.network);
  const t4 = nonDecreasingTuples(xs.length, 4);
  const t6 = withKappa ? nonDecreasingTuples(xs.length, 6) : [];
  const tolerance = spec.tolerance ?? 1e-8;
  if (!(tolerance > 0 && tolerance < 1)) throw new NnftInputError('tolerance', `need 0 < tolerance < 1, got ${String(tolerance)}`);
  // Time bound: a pass on n nodes costs, per cutoff, about (n + ¾n)·m + (n² + (¾n)²)/2 kernel evaluations (the last
  // term only with κ: the propagator K(y, y') between vertices) and 10 trees × |t6| × (n² + (¾n)²) multiply-adds;
  // the kernel's cost is measured here (a quadrature for a registry activation, a closed form for gauss-net/cos-net).
  const started = performance.now();
  const probeStart = performance.now();
  const span = cutoffs[cutoffs.length - 1]!;
  for (let i = 0; i < 4; i++) kernel(xs[i % xs.length]!, span * (i / 2 - 1));
  const kernelSeconds = Math.max(2e-8, (performance.now() - probeStart) / 4 / 1000);
  const passSeconds = (n: number): number => {
    const c = Math.max(8, Math.round((3 * n) / 4));
    const evals = (n + c) * xs.length + (t6.length > 0 ? (n * n + c * c) / 2 : 0);
    const arithmetic = 10 * t6.length * (n * n + c * c); // a conservative 2 ns per multiply-add
    return cutoffs.length * (evals * kernelSeconds + arithmetic * 2e-9);
  };
  const passWhat = (n: number): string => `the vertex integrals on ${n} Gauss–Legendre nodes (${cutoffs.length} cutoffs, ${t4.length + t6.length} input tuples)`;
  const passFix = 'use fewer inputs or cutoffs, smaller cutoffs, a larger --tolerance, --no-kappa, or the gauss-net/cos-net (closed-form kernel)';
  requireTime(passWhat(nodes), passSeconds(nodes), passFix); // before the correlators, which cost far less
  if (spec.nets !== undefined) {
    // the conditionally Gaussian cumulants with jackknife replicates: per network and tuple ≈ 200 ns at order 4 and
    // ≈ 500 ns at order 6 (measured 220–430 ns and 960 ns on a shared 2-core machine), far more than the sampling
    // itself at small width
    const sampledSeconds = spec.nets * (t4.length * 200e-9 + t6.length * 500e-9);
    requireTime(`the sampled correlators of ${spec.nets} networks (${t4.length + t6.length} input tuples, jackknife replicates)`, sampledSeconds + passSeconds(nodes), `use fewer networks (--nets ${Math.max(256, Math.floor(spec.nets / Math.ceil(sampledSeconds / 5)))} fits in a few seconds), --no-kappa, or fewer inputs`);
  }
  // the connected correlators: exact by duality, or sampled (conditionally Gaussian estimator, jackknife replicates)
  let G4: number[], G6: number[] | undefined;
  let reps4: number[][] | undefined, reps6: number[][] | undefined;
  if (spec.nets === undefined) {
    const c = outputCumulants(net, { tuples: [...t4, ...t6] });
    if (c.some((x) => x.method === 'sampled')) throw new NnftInputError('inputs', 'the exact correlators need at most 4 distinct inputs per tuple for a registry activation', 'use ≤ 4 inputs, the Gauss-net or the cos-net, or sampled networks (nets)');
    G4 = c.slice(0, t4.length).map((x) => x.value);
    G6 = withKappa ? c.slice(t4.length).map((x) => x.value) : undefined;
  } else {
    const cov = sampleConditionalCovariances(net, { nets: spec.nets, seed: spec.seed ?? 1 });
    const c = conditionalGaussianCumulants(cov, xs.length, [...t4, ...t6], { replicates: true, groups: 32 });
    G4 = c.slice(0, t4.length).map((x) => x.value);
    reps4 = c.slice(0, t4.length).map((x) => x.replicates!);
    if (withKappa) {
      G6 = c.slice(t4.length).map((x) => x.value);
      reps6 = c.slice(t4.length).map((x) => x.replicates!);
    }
  }
  // vertex integrals: nodes doubled until n and ¾n nodes agree to the tolerance on every estimate
  let n = nodes;
  let geos: Geometry[];
  let est: ReturnType<typeof estimates>[];
  let quadratureError: number;
  for (;;) {
    requireTime(passWhat(n), (performance.now() - started) / 1000 + passSeconds(n), passFix);
    geos = cutoffs.map((c) => geometry(kernel, xs, t4, t6, c, n));
    const coarse = Math.max(8, Math.round((3 * n) / 4));
    const estCoarse = cutoffs.map((c) => estimates(G4, G6, geometry(kernel, xs, t4, t6, c, coarse), subtract));
    est = geos.map((g) => estimates(G4, G6, g, subtract));
    quadratureError = 0;
    est.forEach((e, i) => {
      const c = estCoarse[i]!;
      quadratureError = Math.max(quadratureError, Math.abs(e.lambda - c.lambda) / Math.abs(e.lambda));
      if (e.kappa !== undefined) quadratureError = Math.max(quadratureError, Math.abs(e.kappa - c.kappa!) / Math.abs(e.kappa));
    });
    if (quadratureError <= tolerance) break;
    if (2 * n > 2000) {
      throw new NnftNumericalError('the vertex integrals ∫_{−Λ}^{Λ}', `${n} Gauss–Legendre nodes leave a relative difference ${quadratureError.toExponential(2)} > ${tolerance} to ¾ of them`, 'use smaller cutoffs or a larger tolerance', { argument: 'tolerance' });
    }
    n *= 2;
  }
  // jackknife: the pipeline on each replicate
  const G = reps4 ? reps4[0]!.length : 0;
  const repEst = Array.from({ length: G }, (_, r) => geos.map((g) => estimates(reps4!.map((x) => x[r]!), reps6?.map((x) => x[r]!), g, subtract)));
  const lambda = est.map((e, i) => ({ cutoff: cutoffs[i]!, value: e.lambda, stderr: G ? jackknifeError(repEst.map((re) => re[i]!.lambda)) : 0, spread: e.lambdaSpread }));
  const ls = slopeOf(cutoffs, lambda.map((l) => l.value), 'λ');
  const lambdaSlope: FlowSlope = { ...ls, statStderr: G ? jackknifeError(repEst.map((re) => slopeOf(cutoffs, re.map((e) => e.lambda), 'λ').slope)) : 0 };
  const result: RgFlowResult = { network: { activation: net.activation, width: net.width }, inputs: [...xs], cutoffs: [...cutoffs], lambda, lambdaSlope, quadratureError, nodes: n, source: spec.nets === undefined ? 'exact (cumulants via duality)' : 'sampled', ...(spec.nets !== undefined ? { nets: spec.nets } : {}) };
  if (withKappa) {
    result.kappa = est.map((e, i) => ({ cutoff: cutoffs[i]!, value: e.kappa!, stderr: G ? jackknifeError(repEst.map((re) => re[i]!.kappa!)) : 0, spread: e.kappaSpread! }));
    const ks = slopeOf(cutoffs, result.kappa.map((k) => k.value), 'κ');
    result.kappaSlope = { ...ks, statStderr: G ? jackknifeError(repEst.map((re) => slopeOf(cutoffs, re.map((e) => e.kappa!), 'κ').slope)) : 0 };
    result.kappaOverLambda = est.map((e, i) => ({ cutoff: cutoffs[i]!, value: e.kappa! / e.lambda, stderr: G ? jackknifeError(repEst.map((re) => re[i]!.kappa! / re[i]!.lambda)) : 0 }));
  }
  return result;
}
