/**
 * `nnft train --order 1`: the mean prediction of trained networks to O(1/n), μ⁰ + μ¹/n_{L−1}, next to the frozen-NTK
 * mean μ⁰ (src/training/order-one.ts; the terms and the range of validity: docs/dntk.md). Order 0 is the frozen NTK
 * alone. Refused, with the reason, where the expansion does not exist (piecewise-linear σ) or is not what was asked
 * for (another dynamics kernel, a ridge, a mean-shifted initialisation).
 */
import { NnftInputError, NnftNumericalError } from '../errors.ts';
import { predictOrderOne, type OrderOnePredictionResult } from '../training/order-one.ts';
import type { TrainingArchitecture } from '../training/theory.ts';
import type { Schedule } from '../training/spec.ts';
import { fmt, table } from '../training/format.ts';

export const ORDER_ONE_OPTION = '--order <k>';
export const ORDER_ONE_DESCRIPTION = '0: the frozen-NTK mean; 1: also the O(1/n) mean μ⁰ + μ¹/n (smooth σ, --kernel ntk)';

export const ORDER_ONE_HELP = `
--order 1 (docs/dntk.md): the mean of networks of the given widths trained by the same schedule, to O(1/n),
  μ⁰ + μ¹/n_{L−1} with μ⁰ the frozen-NTK mean and μ¹ from the output layer's Θ¹, A, B (NTK shift and fluctuations),
  P, Q (dNTK) and R, S, T, U (ddNTKs). JSON: "orderOne": {"width", "mean", "frozenMean", "correction", "parts",
  "notes"} (each [time][test][output]; "correction" is μ¹, the coefficient of 1/n_{L−1}); table: columns "O(1/n)"
  and "μ¹/n". Only the mean is corrected. Needs a smooth σ (ReLU and other piecewise-linear σ are refused: the
  ddNTK means diverge and the kinks make the mean move at O(n^−1/2)); cost O((N_train + N_test)⁴) Gaussian
  integrals (13 inputs ≈ 3 min), checked against NNFT_MAX_SECONDS.
  nnft train --activation tanh --cb 0.1 --cw 1.5 --widths 128,128 --train-inputs X.json --train-targets Y.json \\
      --test-inputs T.json --lr 0.1 --steps 10,100 --order 1
`;

/** What --order 1 needs from a `nnft train` invocation (the library's conventions: widths include the output layer). */
export interface OrderOneRequest extends TrainingArchitecture {
  trainInputs: number[][];
  trainTargets: number[][] | number[];
  testInputs: number[][];
  lr: number;
  schedule: Schedule;
  kernel?: string;
  diagReg?: number;
  meanShift?: { mu: number; rows: number };
}

export interface OrderOneReport {
  /** n_{L−1}: the correction is μ¹/n_{L−1} */
  width: number;
  /** μ⁰ + μ¹/n_{L−1}, [time][test][output] */
  mean: number[][][];
  /** μ⁰, the frozen-NTK mean (the same numbers as the order-0 "mean", from the same kernels) */
  frozenMean: number[][][];
  /** μ¹, [time][test][output] */
  correction: number[][][];
  /** μ¹ by origin: Θ¹ (ntkMean), A and B (ntkVariance), P and Q (dntk), R, S, T, U (ddntk) */
  parts: OrderOnePredictionResult['parts'];
  notes: string[];
  seconds: number;
}

/** Parse --order: 0 or 1. */
export function parseOrder(text: unknown): 0 | 1 {
  const s = String(text ?? '0').trim();
  if (s === '0') return 0;
  if (s === '1') return 1;
  throw new NnftInputError('--order', `expected 0 or 1, got '${s}'`, '0 for the frozen NTK, 1 to add the O(1/n) correction of the mean');
}

function largest(x: number[][][]): number {
  let m = 0;
  for (const a of x) for (const b of a) for (const v of b) m = Math.max(m, Math.abs(v));
  return m;
}

/** The O(1/n) mean for a `nnft train` request, or undefined for order 0; refusals before anything is computed. */
export function orderOneFor(order: unknown, req: OrderOneRequest): OrderOneReport | undefined {
  if (parseOrder(order) === 0) return undefined;
  const kernel = req.kernel ?? 'ntk';
  if (kernel !== 'ntk') throw new NnftInputError('--order', `the O(1/n) correction is derived for every layer trained (--kernel ntk), not --kernel ${kernel}`, 'drop --kernel or use --order 0');
  if (req.diagReg !== undefined && req.diagReg !== 0) throw new NnftInputError('--order', 'the O(1/n) correction is derived for the unregularised dynamics', 'drop --diag-reg with --order 1');
  if (req.meanShift && req.meanShift.mu !== 0 && req.meanShift.rows > 0) {
    throw new NnftInputError('--order', 'the O(1/n) correction assumes the zero-mean initialisation (its dNTK terms use the sign flip of the output layer)', 'drop --mean-shift with --order 1');
  }
  const schedule = req.schedule.kind === 'flow' ? { kind: 'flow' as const, times: req.schedule.times } : { kind: 'descent' as const, steps: req.schedule.steps };
  const r = predictOrderOne({
    activation: req.activation,
    widths: req.widths,
    cb: req.cb,
    cw: req.cw,
    lambdaB: req.lambdaB,
    lambdaW: req.lambdaW,
    trainInputs: req.trainInputs,
    trainTargets: req.trainTargets,
    testInputs: req.testInputs,
    lr: req.lr,
    schedule,
  });
  for (const [name, arr] of [['μ⁰', r.mean0], ['μ¹', r.correction]] as const) {
    if (!arr.every((a) => a.every((b) => b.every(Number.isFinite)))) {
      throw new NnftNumericalError(`the O(1/n) mean (${name})`, 'a non-finite value', 'use a finite time or step count, or check that Θ(X,X) is well conditioned', { quantity: name });
    }
  }
  const shift = largest(r.correction) / r.width;
  const scale = largest(r.mean0);
  const notes = [
    `O(1/n) mean = μ⁰ + μ¹/n with n = ${r.width} (the last hidden width); the O(1/n²) remainder is not estimated: the expansion needs |μ¹|/n ≪ |μ⁰| (here max |μ¹|/n = ${shift.toPrecision(3)}, max |μ⁰| = ${scale.toPrecision(3)})`,
  ];
  if (scale > 0 && shift > 0.3 * scale) notes.push(`|μ¹|/n is ${(shift / scale).toFixed(2)} of |μ⁰|: at this width the 1/n expansion is not reliable (use wider layers)`);
  return { width: r.width, mean: r.mean, frozenMean: r.mean0, correction: r.correction, parts: r.parts, notes, seconds: r.seconds };
}

/** The result with an "orderOne" field (what --json prints). */
export function withOrderOne<T extends object>(res: T, report: OrderOneReport): T & { orderOne: OrderOneReport } {
  return { ...res, orderOne: report };
}

interface TheoryLike {
  times?: (number | 'inf')[];
  steps?: (number | 'inf')[];
  mean: number[][][];
  covariance: number[][][];
}

interface EnsembleLike {
  steps: number[];
  mean: { mean: number[][][]; stderr: number[][][] };
  meta: { nets: number; lr: number; seed: number; pairs?: number };
}

/**
 * The table of --order 1: per (time, test input) the frozen-NTK mean, the O(1/n) mean and μ¹/n; with trained
 * networks, their mean ± standard error first and its distance to each prediction in standard errors.
 */
export function formatOrderOne(res: TheoryLike | EnsembleLike, report: OrderOneReport): string {
  const trained = 'meta' in res && 'nets' in res.meta ? (res as EnsembleLike) : null;
  const theory = trained ? null : (res as TheoryLike);
  const label = theory?.times ? 't' : 'steps';
  const list: (number | string)[] = trained ? trained.steps : (theory!.times ?? theory!.steps ?? []);
  const D = report.mean[0]?.[0]?.length ?? 1;
  const head = [label, 'test'];
  const sfx = (i: number): string => (D === 1 ? '' : `[${i}]`);
  for (let i = 0; i < D; i++) {
    if (trained) head.push(`trained${sfx(i)} ± se`);
    head.push(`frozen NTK${sfx(i)}`, `O(1/n)${sfx(i)}`, `μ¹/n${sfx(i)}`);
    if (trained) head.push(`(tr − frozen)/se${sfx(i)}`, `(tr − O(1/n))/se${sfx(i)}`);
  }
  if (theory) head.push('std');
  const rows: string[][] = [];
  list.forEach((t, k) => {
    report.mean[k]!.forEach((_, a) => {
      const r = [a === 0 ? String(t) : '', String(a)];
      for (let i = 0; i < D; i++) {
        const mu0 = report.frozenMean[k]![a]![i]!;
        const mu1 = report.mean[k]![a]![i]!;
        if (trained) {
          const v = trained.mean.mean[k]![a]![i]!;
          const se = trained.mean.stderr[k]![a]![i]!;
          r.push(`${fmt(v)} ± ${fmt(se)}`, fmt(mu0), fmt(mu1), fmt(mu1 - mu0), se > 0 ? ((v - mu0) / se).toFixed(1) : '—', se > 0 ? ((v - mu1) / se).toFixed(1) : '—');
        } else r.push(fmt(mu0), fmt(mu1), fmt(mu1 - mu0));
      }
      if (theory) r.push(fmt(Math.sqrt(Math.max(0, theory.covariance[k]![a]![a]!))));
      rows.push(r);
    });
  });
  const lines = [
    trained
      ? `${trained.meta.nets} networks trained (η = ${trained.meta.lr}, seed ${trained.meta.seed}${trained.meta.pairs !== undefined ? `, ${trained.meta.pairs} antithetic pairs` : ''}) against the frozen-NTK and the O(1/n) mean (n = ${report.width}; tensors in ${report.seconds.toFixed(1)} s)`
      : `frozen-NTK and O(1/n) mean (n = ${report.width}; tensors in ${report.seconds.toFixed(1)} s); std: the infinite-width standard deviation`,
  ];
  for (const n of report.notes) lines.push(`note: ${n}`);
  return lines.concat(table(head, rows)).join('\n');
}
