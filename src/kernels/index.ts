/**
 * The kernel engine: the infinite-width kernel K⁽ℓ⁾ and NTK Θ⁽ℓ⁾ of a deep MLP on many inputs (thousands), in the
 * conventions of the recursion solver (PDLT normalisation):
 *
 *   K⁽¹⁾ = C_b + (C_W/n0) x·x,   Θ⁽¹⁾ = λ_b + (λ_W/n0) x·x,
 *   K⁽ℓ⁺¹⁾_ab = C_b + C_W ⟨σ_a σ_b⟩_{K⁽ℓ⁾},   Θ⁽ℓ⁺¹⁾_ab = λ_b + λ_W ⟨σ_a σ_b⟩ + C_W ⟨σ'_a σ'_b⟩ Θ⁽ℓ⁾_ab,
 *
 * with C_b, C_W, λ_b, λ_W per layer. Memory is O(m²) numbers: K and Θ are updated in place layer after layer (each
 * pair needs only K_aa, K_bb, K_ab), and a layer is handed to `onLayer` before it is overwritten. Each pair's
 * expectations come from a closed form (ReLU / leaky ReLU arc-cosine, erf arcsine, linear, sin, exp) or from the
 * Mehler series with per-input Hermite coefficients (any other σ; src/kernels/hermite.ts), both in
 * src/kernels/pairs.ts. Pairs run in blocks of rows on worker threads over shared memory; every pair is computed by
 * the same code whatever the number of threads, so results are bit-identical for any worker count.
 *
 * solveKernels(spec) returns the same JSON shape as solveRecursions(spec) restricted to K and Theta.
 */
import { Worker } from 'node:worker_threads';
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { availableCores, formatBytes, memoryBudget, requireMemory, requireTime } from '../resources.ts';
import { tsxWorkerEntry } from '../worker-entry.ts';
import { normalizeSpec, specKeys, type ArchitectureSpec, type NormalizedSpec } from '../spec.ts';
import { getActivation } from '../activations/index.ts';
import type { Activation } from '../activations/types.ts';
import { expectActivationProduct } from '../gaussian/index.ts';
import { KernelScaleError, layoutOf, MAX_TERMS, parityOf, runExpandTask, RuleCache, type ExpandRequest, type ExpandTask, type HermiteSeries, type Parity } from './hermite.ts';
import { kernelMethod, type KernelMethod } from './method.ts';
import type { WorkerMessage } from './worker.ts';
import {
  closedFormDiagonal, METHOD, pairsInRows, rowBlocks, runBlocks,
  type BlockOutcome, type BlockQueue, type LayerInputs, type LayerMatrices, type LayerParams,
} from './pairs.ts';

export { kernelMethod, type KernelMethod } from './method.ts';
export type { ExpandRequest, ExpandTask } from './hermite.ts';

export type KernelQuantity = 'K' | 'Theta';
export const KERNEL_QUANTITIES: readonly KernelQuantity[] = ['K', 'Theta'];

export interface KernelSpec extends ArchitectureSpec {
  /** 'K' and/or 'Theta' (default both). */
  quantities?: readonly string[];
}

/** The keys KernelSpec adds to ArchitectureSpec (any other key is refused). */
export const KERNEL_SPEC_KEYS = specKeys<Omit<KernelSpec, keyof ArchitectureSpec>>({ quantities: true });

/** One layer handed to onLayer: views of the working matrices, valid only until the callback returns. */
export interface KernelLayer {
  layer: number;
  width: number;
  K?: Float64Array;
  Theta?: Float64Array;
}

export interface KernelProgress {
  layer: number;
  layers: number;
  pairsDone: number;
  pairsTotal: number;
}

export interface KernelOptions {
  /** Worker threads (0: everything in the calling thread). Default: all cores when the run is long enough to pay for them. */
  workers?: number;
  /** Layers (1-based) handed to onLayer / kept by solveKernels; default all. */
  layers?: readonly number[];
  onLayer?: (layer: KernelLayer) => void | Promise<void>;
  onProgress?: (p: KernelProgress) => void;
  /** m × m matrices the caller keeps besides the working ones (for the memory budget). */
  keptMatrices?: number;
}

/** What was done, for meta.json and benchmarks. */
export interface KernelReport {
  m: number;
  n0: number;
  layers: number;
  quantities: KernelQuantity[];
  activation: string;
  method: string;
  closedForm: boolean;
  /** Truncation tolerance of the Mehler series (relative to each pair's value); 0 for closed forms. */
  pairTolerance: number;
  workers: number;
  seconds: number;
  layerSeconds: number[];
  /** Of which: per-input preparation (Hermite coefficients, diagonal values). */
  prepareSeconds: number;
  /** Pairs that the Mehler series could not deliver to tolerance, computed by 2-D quadrature (src/gaussian). */
  fallbackPairs: number;
  /** Longest Hermite series kept for one input (0 for closed forms). */
  maxSeriesTerms: number;
}

/** Relative truncation tolerance of the Mehler series per pair. */
export const PAIR_TOLERANCE = 5e-14;
/** Target pairs per block (progress granularity and load balance). */
const PAIRS_PER_BLOCK = 1 << 17;

/** Validate a quantity list for the engine (K, Theta; 'Θ' accepted). */
export function parseKernelQuantities(q: readonly string[] | undefined): KernelQuantity[] {
  if (q === undefined) return ['K', 'Theta'];
  if (!Array.isArray(q) || q.length === 0) throw new NnftInputError('quantities', 'expected a non-empty list', 'choose from K,Theta');
  const out: KernelQuantity[] = [];
  for (const raw of q) {
    const s = String(raw).trim();
    const name = s === 'Θ' ? 'Theta' : s;
    if (name !== 'K' && name !== 'Theta') {
      throw new NnftInputError('quantities', `the kernel engine computes K and Theta only, got '${raw}'`, 'use solveRecursions for V4, K1, Theta1, A, B, D, F');
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Validate a layer selection against L layers (1-based, sorted, distinct). */
export function checkLayerSelection(layers: readonly number[] | undefined, L: number, argument = 'layers'): number[] {
  if (layers === undefined) return Array.from({ length: L }, (_, i) => i + 1);
  const out = [...new Set(layers)].sort((a, b) => a - b);
  if (out.length === 0) throw new NnftInputError(argument, 'selects no layer', `give layers in 1..${L}, 'last' or 'all'`);
  for (const l of out) {
    if (!Number.isInteger(l) || l < 1 || l > L) throw new NnftInputError(argument, `layer ${l} is not in 1..${L}`, `give layers in 1..${L}, 'last' or 'all'`);
  }
  return out;
}

/** Bytes of the engine's working set for m inputs in n0 dimensions with `matrices` m × m matrices. */
export function kernelMemoryBytes(m: number, n0: number, matrices: number): number {
  return 8 * m * m * matrices + 8 * m * n0 + 64 * m + 32 * 1024 * 1024;
}

/** Largest m whose working set fits `budget` bytes. */
export function largestFittingInputs(n0: number, matrices: number, budget: number): number {
  let m = Math.floor(Math.sqrt(Math.max(0, budget - 32 * 1024 * 1024) / (8 * matrices)));
  while (m > 0 && kernelMemoryBytes(m, n0, matrices) > budget) m--;
  return m;
}

/** Estimated single-thread seconds per pair and layer (measured on the 2-core development machine, with margin). */
function secondsPerPair(method: KernelMethod, n0: number): number {
  if (method.code === METHOD.HERMITE) return 4e-7;
  return 4e-8 + 1e-9 * n0 / 8;
}

/** Worker entry: a .mjs bootstrap that registers tsx and imports worker.ts (null if tsx cannot be resolved). */
const workerEntry = tsxWorkerEntry(new URL('./worker-boot.mjs', import.meta.url));

/** A pool of kernel workers sharing the matrices. */
class WorkerPool {
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number, mat: LayerMatrices): Promise<WorkerPool> {
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const w = new Worker(workerEntry!);
          workers.push(w);
          await new Promise<void>((resolve, reject) => {
            const onMsg = (msg: { type: string; error?: string }): void => {
              if (msg.type === 'ready') {
                w.off('message', onMsg);
                resolve();
              } else if (msg.type === 'error') reject(new Error(msg.error));
            };
            w.on('message', onMsg);
            w.once('error', reject);
            w.postMessage({ type: 'init', mat });
          });
        }),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new WorkerPool(workers);
  }

  run(params: LayerParams, inp: LayerInputs | null, queue: BlockQueue): Promise<BlockOutcome> {
    return this.ask({ type: 'run', params, inp, queue }, (msg: { type: string; fallback?: number[]; nonFinite?: number; error?: string }): BlockOutcome => {
      if (msg.type === 'done') return { fallback: msg.fallback ?? [], nonFinite: msg.nonFinite ?? -1 };
      throw new Error(msg.error ?? 'kernel worker failed');
    }).then((outs) => {
      const fallback = outs.flatMap((o) => o.fallback).sort((a, b) => a - b);
      const bad = outs.map((o) => o.nonFinite).filter((i) => i >= 0);
      return { fallback, nonFinite: bad.length ? Math.min(...bad) : -1 };
    });
  }

  /** Hermite expansions on the workers (any thread may take any task; each task's result is the same). */
  expand(activation: NormalizedSpec['activation'], req: ExpandRequest): Promise<HermiteSeries[]> {
    const counter = sharedI32(1);
    const out: HermiteSeries[] = new Array(req.tasks.length);
    type Reply = { type: string; results?: (HermiteSeries & { index: number })[]; error?: string; numerical?: { what: string; reason: string; fix: string } };
    return this.ask({ type: 'expand', activation, request: req, counter }, (msg: Reply): void => {
      if (msg.type === 'expanded') {
        for (const r of msg.results!) out[r.index] = r;
      } else if (msg.numerical) throw new NnftNumericalError(msg.numerical.what, msg.numerical.reason, msg.numerical.fix);
      else throw new Error(msg.error ?? 'kernel worker failed');
    }).then(() => out);
  }

  /**
   * Posts `message` to every worker and settles each with `reply(answer)` on its first answer (rejected when reply
   * throws, or on a worker error or exit).
   */
  private ask<M, R>(message: WorkerMessage, reply: (msg: M) => R): Promise<R[]> {
    return Promise.all(
      this.workers.map(
        (w) =>
          new Promise<R>((resolve, reject) => {
            const onMsg = (msg: M): void => {
              w.off('message', onMsg);
              w.off('error', onErr);
              w.off('exit', onExit);
              let value: R;
              try {
                value = reply(msg);
              } catch (e) {
                reject(e);
                return;
              }
              resolve(value);
            };
            const onErr = (e: Error): void => {
              w.off('message', onMsg);
              w.off('exit', onExit);
              reject(e);
            };
            const onExit = (code: number): void => onErr(new Error(`kernel worker exited with code ${code}`));
            w.on('message', onMsg);
            w.once('error', onErr);
            w.once('exit', onExit);
            w.postMessage(message);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const RULES = new Map<string, RuleCache>();

function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(8 * Math.max(1, n)), 0, n);
}
function sharedI32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Math.max(1, n)), 0, n);
}

/** Solver state of one run; see the module comment. */
class KernelRun {
  readonly ns: NormalizedSpec;
  readonly act: Activation;
  readonly method: KernelMethod;
  readonly quantities: KernelQuantity[];
  readonly withTheta: boolean;
  readonly deliver: Set<number>;
  readonly mat: LayerMatrices;
  readonly pairsPerLayer: number;
  readonly report: KernelReport;
  /** Trapezoid rules depend only on the activation and the scale bucket: shared by every run in the process. */
  private get rules(): RuleCache {
    let r = RULES.get(this.act.name);
    if (!r) RULES.set(this.act.name, (r = new RuleCache()));
    return r;
  }
  private parity: { S: Parity; D: Parity } | null = null;

  constructor(spec: KernelSpec, readonly opts: KernelOptions) {
    this.quantities = parseKernelQuantities(spec?.quantities as string[] | undefined);
    this.ns = normalizeSpec(spec, KERNEL_SPEC_KEYS);
    const { m, n0, L } = this.ns;
    this.deliver = new Set(checkLayerSelection(opts.layers, L));
    this.act = getActivation(this.ns.activation);
    this.method = kernelMethod(this.act);
    // Θ's recursion needs K's; K is always computed
    this.withTheta = this.quantities.includes('Theta');
    const matrices = (this.withTheta ? 2 : 1) + (opts.keptMatrices ?? 0);
    const bytes = kernelMemoryBytes(m, n0, matrices);
    const fit = largestFittingInputs(n0, matrices, memoryBudget());
    requireMemory(
      `the kernel engine's ${matrices} matrices of ${m} × ${m} numbers`,
      bytes,
      `at most ${fit} inputs fit in ${formatBytes(memoryBudget())}${opts.keptMatrices ? ' (fewer with more layers kept: write NumPy files with --format npy, or select --layers)' : ''}; or raise NNFT_MAX_MEMORY`,
    );
    this.pairsPerLayer = (m * (m + 1)) / 2;
    const estimate = (this.pairsPerLayer * L * secondsPerPair(this.method, n0)) / Math.max(1, Math.min(availableCores(), opts.workers ?? availableCores()));
    requireTime(`the kernel recursion over ${m} inputs and ${L} layers`, estimate, 'use fewer inputs or layers, or raise NNFT_MAX_SECONDS');
    const inputs = sharedF64(m * n0);
    this.ns.inputs.forEach((x, a) => x.forEach((v, j) => (inputs[a * n0 + j] = v)));
    this.mat = { m, K: sharedF64(m * m), Theta: this.withTheta ? sharedF64(m * m) : null, inputs, n0 };
    this.report = {
      m,
      n0,
      layers: L,
      quantities: this.quantities,
      activation: this.act.name,
      method: this.method.description,
      closedForm: this.method.closedForm,
      pairTolerance: this.method.closedForm ? 0 : PAIR_TOLERANCE,
      workers: 0,
      seconds: 0,
      layerSeconds: [],
      prepareSeconds: 0,
      fallbackPairs: 0,
      maxSeriesTerms: 0,
    };
  }

  /** Default worker count: all cores when the single-thread estimate exceeds ~4 s (a worker costs ~0.3–1 s to start). */
  workerCount(): number {
    if (this.opts.workers !== undefined) {
      if (!Number.isInteger(this.opts.workers) || this.opts.workers < 0) {
        throw new NnftInputError('workers', `expected an integer ≥ 0, got ${String(this.opts.workers)}`);
      }
      return workerEntry ? this.opts.workers : 0;
    }
    const single = this.pairsPerLayer * this.ns.L * secondsPerPair(this.method, this.ns.n0);
    return workerEntry && availableCores() > 1 && single > 4 ? availableCores() : 0;
  }

  params(layer: number): LayerParams {
    const i = layer - 1;
    const ns = this.ns;
    return {
      gram: layer === 1,
      method: this.method.code,
      cb: ns.cb[i]!,
      cw: ns.cw[i]!,
      lambdaB: ns.lambdaB[i]!,
      lambdaW: ns.lambdaW[i]!,
      withTheta: this.withTheta,
      slopeNeg: this.method.slopeNeg,
      slopePos: this.method.slopePos,
      shift: this.method.shift,
      p0S: layoutOf(this.parity?.S ?? -1).p0,
      stepS: layoutOf(this.parity?.S ?? -1).step,
      p0D: layoutOf(this.parity?.D ?? -1).p0,
      stepD: layoutOf(this.parity?.D ?? -1).step,
      tol: PAIR_TOLERANCE,
    };
  }

  /**
   * Per-input data for building `layer` (≥ 2) from the current diagonal, as a plan that yields the Hermite
   * expansions it needs (so that they can run on the worker threads) and returns the data.
   */
  *inputs(layer: number, p: LayerParams): Generator<ExpandRequest, LayerInputs, HermiteSeries[]> {
    const { m, K } = this.mat;
    const kd = sharedF64(m);
    const sd = sharedF64(m);
    const rinv = sharedF64(m);
    const diagS = sharedF64(m);
    const diagP = sharedF64(m);
    for (let a = 0; a < m; a++) {
      const k = K[a * m + a]!;
      kd[a] = k;
      sd[a] = Math.sqrt(k);
      rinv[a] = k > 0 ? 1 / Math.sqrt(k) : 0;
    }
    const inp: LayerInputs = { kd, sd, rinv, diagS, diagP };
    if (this.method.closedForm) {
      const memo = new Map<number, [number, number]>();
      for (let a = 0; a < m; a++) {
        let v = memo.get(kd[a]!);
        if (!v) memo.set(kd[a]!, (v = closedFormDiagonal(p, kd[a]!)));
        diagS[a] = v[0];
        diagP[a] = v[1];
      }
      return inp;
    }
    try {
      yield* this.hermiteInputs(inp, p);
    } catch (e) {
      if (e instanceof KernelScaleError) throw new KernelScaleError(e.scaleWhat, e.scale, { ...e.location, layer, quantity: 'K' });
      if (e instanceof NnftNumericalError) throw new NnftNumericalError(e.what, e.reason, e.fix, { ...e.location, layer, quantity: 'K' });
      throw e;
    }
    return inp;
  }

  /** The activation as given (workers resolve it themselves). */
  get activationSpec(): NormalizedSpec['activation'] {
    return this.ns.activation;
  }

  /** Expansions in the calling thread. */
  expandHere(req: ExpandRequest): HermiteSeries[] {
    const g = this.fn(req.fn);
    return req.tasks.map((t) => runExpandTask(g, req, t));
  }

  /** σ (fn 'f') or σ' ('df') of this run's activation. */
  fn(id: 'f' | 'df'): (z: number) => number {
    return id === 'f' ? this.act.f : this.act.derivative(1);
  }

  private *hermiteInputs(inp: LayerInputs, p: LayerParams): Generator<ExpandRequest, void, HermiteSeries[]> {
    const { m } = this.mat;
    const { kd, diagS, diagP } = inp;
    const g = this.fn('f');
    const withD = this.withTheta;
    this.parity ??= (() => {
      const S = parityOf(g);
      // σ' has the opposite parity (tested too when σ has none)
      return { S, D: S === 1 ? 0 : S === 0 ? 1 : parityOf(this.fn('df')) };
    })();
    // the layouts follow the parities (params were built before they were known on the first Hermite layer)
    Object.assign(p, { p0S: layoutOf(this.parity.S).p0, stepS: layoutOf(this.parity.S).step, p0D: layoutOf(this.parity.D).p0, stepD: layoutOf(this.parity.D).step });
    // inputs with equal K_aa share one series; each class needs its terms up to the largest |ρ| of its inputs
    const classes = new Map<number, number>();
    const cls = new Int32Array(m);
    const classK: number[] = [];
    for (let a = 0; a < m; a++) {
      const k = kd[a]!;
      let c = classes.get(k);
      if (c === undefined) {
        c = classK.length;
        classes.set(k, c);
        classK.push(k);
      }
      cls[a] = c;
    }
    const rhoMax = new Float64Array(classK.length);
    const { K } = this.mat;
    const { rinv } = inp;
    for (let a = 0; a < m; a++) {
      const ra = rinv[a]!;
      const ca = cls[a]!;
      let best = rhoMax[ca]!;
      for (let b = a + 1; b < m; b++) {
        const r = Math.abs(K[a * m + b]!) * ra * rinv[b]!;
        if (r > best) best = r;
        if (r > rhoMax[cls[b]!]!) rhoMax[cls[b]!] = r;
      }
      rhoMax[ca] = best;
    }
    const parity = this.parity;
    const self = this;
    function* expandAll(id: 'f' | 'df', par: Parity, what: string): Generator<ExpandRequest, HermiteSeries[], HermiteSeries[]> {
      const f = self.fn(id);
      const task = (c: number, extendTo: number): ExpandTask => {
        const s = Math.sqrt(classK[c]!);
        const rule = self.rules.rule(id, f, s, par, what, extendTo);
        return { s, h: rule.h, M: rule.M, maxTerms: rule.maxTerms ?? MAX_TERMS, rhoMax: rhoMax[c]!, extendTo };
      };
      const out = yield { fn: id, parity: par, what, tasks: classK.map((_, c) => task(c, 0)) };
      // a series that stopped at the rounding floor while others are longer is continued (to rounding-level
      // coefficients, or to the longest length): its floor would otherwise limit pairs with those longer series
      const longest = out.reduce((x, ser) => Math.max(x, ser.coef.length), 0);
      const redo = out.map((ser, c) => (ser.stop === 'floor' && ser.coef.length < longest ? c : -1)).filter((c) => c >= 0);
      if (redo.length) {
        const more = yield { fn: id, parity: par, what, tasks: redo.map((c) => task(c, longest)) };
        redo.forEach((c, i) => (out[c] = more[i]!));
      }
      return out;
    }
    const seriesS = yield* expandAll('f', parity.S, '⟨σσ⟩');
    const seriesD = withD ? yield* expandAll('df', parity.D, "⟨σ'σ'⟩") : null;
    const series = seriesS.map((S, c) => ({ S, D: seriesD ? seriesD[c]! : null }));
    const pack = (pick: (i: number) => HermiteSeries): { off: Int32Array; len: Int32Array; coef: Float64Array; tail: Float64Array } => {
      let total = 0;
      for (let i = 0; i < series.length; i++) total += pick(i).coef.length;
      const coef = sharedF64(total);
      const tail = sharedF64(total);
      const offC = new Int32Array(series.length);
      let o = 0;
      for (let i = 0; i < series.length; i++) {
        const s = pick(i);
        offC[i] = o;
        coef.set(s.coef, o);
        tail.set(s.tail, o);
        o += s.coef.length;
        this.report.maxSeriesTerms = Math.max(this.report.maxSeriesTerms, s.coef.length);
      }
      const off = sharedI32(m);
      const len = sharedI32(m);
      for (let a = 0; a < m; a++) {
        off[a] = offC[cls[a]!]!;
        len[a] = pick(cls[a]!).coef.length;
      }
      return { off, len, coef, tail };
    };
    const S = pack((i) => series[i]!.S);
    Object.assign(inp, { offS: S.off, lenS: S.len, coefS: S.coef, tailS: S.tail });
    if (withD) {
      const D = pack((i) => series[i]!.D!);
      Object.assign(inp, { offD: D.off, lenD: D.len, coefD: D.coef, tailD: D.tail });
    }
    for (let a = 0; a < m; a++) {
      const c = series[cls[a]!]!;
      diagS[a] = c.S.norm2;
      diagP[a] = c.D ? c.D.norm2 : 0;
    }
  }

  /** Pairs the Mehler series left undone: 2-D quadrature of src/gaussian (accurate to ~1e-14 in 2-D). */
  fallback(pairs: number[], inp: LayerInputs, p: LayerParams, onPair?: (done: number) => void): void {
    const { m, K } = this.mat;
    const Th = this.withTheta ? this.mat.Theta : null;
    const t0 = performance.now();
    for (let i = 0; i < pairs.length; i++) {
      if (i === 3 && pairs.length > 3) {
        // slow path (milliseconds to seconds per pair at large K): refuse up front when it would exceed the budget
        const est = (((performance.now() - t0) / 3) * (pairs.length - 3)) / 1000;
        requireTime(
          `the 2-D quadrature of ${pairs.length} pairs whose Hermite series is too long (K_aa up to ${inp.kd.reduce((x, v) => Math.max(x, v), 0).toPrecision(3)})`,
          est,
          'scale the inputs or C_W down (the series length grows with K_aa), or raise NNFT_MAX_SECONDS',
        );
      }
      const idx = pairs[i]!;
      const a = Math.floor(idx / m);
      const b = idx - a * m;
      const kab = K[idx]!;
      const C = [
        [inp.kd[a]!, kab],
        [kab, inp.kd[b]!],
      ];
      const S = expectActivationProduct(this.act, C, [{ input: 0, order: 0 }, { input: 1, order: 0 }]);
      const kNew = p.cb + p.cw * S;
      K[idx] = kNew;
      K[b * m + a] = kNew;
      if (Th) {
        const P = expectActivationProduct(this.act, C, [{ input: 0, order: 1 }, { input: 1, order: 1 }]);
        const tNew = p.lambdaB + p.lambdaW * S + p.cw * P * Th[idx]!;
        Th[idx] = tNew;
        Th[b * m + a] = tNew;
      }
      onPair?.(i + 1);
    }
    this.report.fallbackPairs += pairs.length;
  }

  checkFinite(layer: number, nonFinite: number, pairs: number[]): void {
    const { m, K } = this.mat;
    const Th = this.mat.Theta;
    let bad = nonFinite;
    for (const idx of pairs) {
      if (!Number.isFinite(K[idx]!) || (Th && !Number.isFinite(Th[idx]!))) bad = bad < 0 ? idx : Math.min(bad, idx);
    }
    if (bad < 0) return;
    const a = Math.floor(bad / m);
    const b = bad - a * m;
    const q = Number.isFinite(K[bad]!) ? 'Theta' : 'K';
    const v = q === 'K' ? K[bad] : Th![bad];
    throw new NnftNumericalError(
      `the ${q === 'K' ? 'kernel K' : 'NTK Θ'}`,
      `entry [${a}][${b}] overflows (${v}) with ${this.act.name}`,
      layer === 1 ? 'use inputs of smaller magnitude or a smaller C_W' : 'use a smaller C_W or C_b, fewer layers, or a bounded activation',
      { layer, quantity: q },
    );
  }

  layerView(layer: number): KernelLayer {
    const out: KernelLayer = { layer, width: this.ns.widths[layer - 1]! };
    if (this.quantities.includes('K')) out.K = this.mat.K;
    if (this.withTheta) out.Theta = this.mat.Theta!;
    return out;
  }

  queue(): BlockQueue {
    const { m } = this.mat;
    return { bounds: rowBlocks(m, Math.ceil(this.pairsPerLayer / PAIRS_PER_BLOCK)), counter: sharedI32(2) };
  }
}

/** Run a plan's expansion requests with `exec` (synchronously). */
function driveSync<T>(gen: Generator<ExpandRequest, T, HermiteSeries[]>, exec: (r: ExpandRequest) => HermiteSeries[]): T {
  let r = gen.next();
  while (!r.done) r = gen.next(exec(r.value));
  return r.value;
}

async function driveAsync<T>(gen: Generator<ExpandRequest, T, HermiteSeries[]>, exec: (r: ExpandRequest) => Promise<HermiteSeries[]>): Promise<T> {
  let r = gen.next();
  while (!r.done) r = gen.next(await exec(r.value));
  return r.value;
}

/** Throttled progress reporting from the calling thread. */
function progressReporter(run: KernelRun, layer: number): (done: number) => void {
  const cb = run.opts.onProgress;
  if (!cb) return () => {};
  const total = run.pairsPerLayer * run.ns.L;
  const base = run.pairsPerLayer * (layer - 1);
  let last = 0;
  return (done) => {
    const now = performance.now();
    if (now - last < 100 && done < run.pairsPerLayer) return;
    last = now;
    cb({ layer, layers: run.ns.L, pairsDone: base + done, pairsTotal: total });
  };
}

/**
 * Run the engine, handing each selected layer to opts.onLayer (views valid during the call). Returns what was done.
 * Uses worker threads when opts.workers > 0 (or by default for long runs); results do not depend on the count.
 */
export async function runKernels(spec: KernelSpec, opts: KernelOptions = {}): Promise<KernelReport> {
  const t0 = performance.now();
  const run = new KernelRun(spec, opts);
  const workers = run.workerCount();
  run.report.workers = workers;
  const pool = workers > 0 ? await WorkerPool.start(workers, run.mat) : null;
  try {
    for (let layer = 1; layer <= run.ns.L; layer++) {
      const tl = performance.now();
      const p = run.params(layer);
      const tp = performance.now();
      const inp = layer === 1 ? null : await driveAsync(run.inputs(layer, p), async (req) => (pool ? pool.expand(run.activationSpec, req) : run.expandHere(req)));
      run.report.prepareSeconds += (performance.now() - tp) / 1000;
      const queue = run.queue();
      const report = progressReporter(run, layer);
      let outcome: BlockOutcome;
      if (pool) {
        const timer = setInterval(() => report(Atomics.load(queue.counter, 1)), 200);
        try {
          outcome = await pool.run(p, inp, queue);
        } finally {
          clearInterval(timer);
        }
      } else {
        outcome = { fallback: [], nonFinite: -1 };
        runBlocks(run.mat, inp, p, queue, outcome, () => report(Atomics.load(queue.counter, 1)));
      }
      const nf = outcome.fallback.length;
      report(run.pairsPerLayer - nf);
      if (inp && nf) run.fallback(outcome.fallback, inp, p, (i) => report(run.pairsPerLayer - nf + i));
      run.checkFinite(layer, outcome.nonFinite, outcome.fallback);
      run.report.layerSeconds.push((performance.now() - tl) / 1000);
      if (run.deliver.has(layer) && opts.onLayer) await opts.onLayer(run.layerView(layer));
    }
  } finally {
    await pool?.close();
  }
  run.report.seconds = (performance.now() - t0) / 1000;
  return run.report;
}

/** The same as runKernels in the calling thread only (no workers), synchronously. */
export function runKernelsSync(spec: KernelSpec, opts: Omit<KernelOptions, 'workers' | 'onLayer'> & { onLayer?: (layer: KernelLayer) => void } = {}): KernelReport {
  const t0 = performance.now();
  const run = new KernelRun(spec, { ...opts, workers: 0 });
  for (let layer = 1; layer <= run.ns.L; layer++) {
    const tl = performance.now();
    const p = run.params(layer);
    const tp = performance.now();
    const inp = layer === 1 ? null : driveSync(run.inputs(layer, p), (req) => run.expandHere(req));
    run.report.prepareSeconds += (performance.now() - tp) / 1000;
    const queue = run.queue();
    const report = progressReporter(run, layer);
    const outcome: BlockOutcome = { fallback: [], nonFinite: -1 };
    runBlocks(run.mat, inp, p, queue, outcome, () => report(Atomics.load(queue.counter, 1)));
    const nf = outcome.fallback.length;
    if (inp && nf) run.fallback(outcome.fallback, inp, p, (i) => report(run.pairsPerLayer - nf + i));
    run.checkFinite(layer, outcome.nonFinite, outcome.fallback);
    run.report.layerSeconds.push((performance.now() - tl) / 1000);
    if (run.deliver.has(layer)) opts.onLayer?.(run.layerView(layer));
  }
  run.report.seconds = (performance.now() - t0) / 1000;
  return run.report;
}

/** One layer of the result: the JSON shape of solveRecursions (nested arrays K[a][b] = K_{α_a α_b}). */
export interface KernelLayerResult {
  layer: number;
  width: number;
  K?: number[][];
  Theta?: number[][];
}

export interface KernelResult {
  layers: KernelLayerResult[];
}

export function nestedMatrix(t: Float64Array, m: number): number[][] {
  const out: number[][] = new Array(m);
  for (let a = 0; a < m; a++) out[a] = Array.from(t.subarray(a * m, (a + 1) * m));
  return out;
}

function keep(layers: KernelLayerResult[], quantities: KernelQuantity[], m: number): (l: KernelLayer) => void {
  return (l) => {
    const row: KernelLayerResult = { layer: l.layer, width: l.width };
    for (const q of quantities) row[q] = nestedMatrix(l[q]!, m);
    layers.push(row);
  };
}

function keptCount(spec: KernelSpec, opts: KernelOptions): number {
  const L = Array.isArray(spec?.widths) ? spec.widths.length : 0;
  const nq = parseKernelQuantities(spec?.quantities as string[] | undefined).length;
  return (opts.layers ? new Set(opts.layers).size : L) * nq;
}

/**
 * K and Θ of every layer (or opts.layers) in the JSON shape of solveRecursions restricted to K and Theta.
 * Asynchronous because it may use worker threads; the numbers do not depend on their count.
 */
export async function solveKernels(spec: KernelSpec, opts: Omit<KernelOptions, 'onLayer'> = {}): Promise<KernelResult> {
  const layers: KernelLayerResult[] = [];
  const m = Array.isArray(spec?.inputs) ? spec.inputs.length : 0;
  await runKernels(spec, { ...opts, keptMatrices: (opts.keptMatrices ?? 0) + keptCount(spec, opts), onLayer: keep(layers, parseKernelQuantities(spec?.quantities as string[] | undefined), m) });
  return { layers };
}

/** solveKernels in the calling thread, synchronously (the same numbers). */
export function solveKernelsSync(spec: KernelSpec, opts: Omit<KernelOptions, 'onLayer' | 'workers'> = {}): KernelResult {
  const layers: KernelLayerResult[] = [];
  const m = Array.isArray(spec?.inputs) ? spec.inputs.length : 0;
  runKernelsSync(spec, { ...opts, keptMatrices: (opts.keptMatrices ?? 0) + keptCount(spec, opts), onLayer: keep(layers, parseKernelQuantities(spec?.quantities as string[] | undefined), m) });
  return { layers };
}
