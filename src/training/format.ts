/** Readable tables of training results (the CLI's default output; --json prints the data itself). */
import type { TrainEnsembleResult } from './ensemble.ts';
import type { PredictionResult } from './theory.ts';

export function fmt(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? x.toPrecision(6) : x.toExponential(4);
}

export function table(head: string[], rows: string[][]): string[] {
  const w = head.map((c, j) => Math.max(c.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]): string => r.map((s, j) => (s ?? '').padStart(w[j]!)).join('  ');
  return [line(head), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)];
}

const KERNEL_SYMBOL: Record<string, string> = { ntk: 'Θ', nngp: 'K', 'last-layer': 'Θ_readout' };

/** One row per (time, test input): μ per output and σ = √Σ_aa. */
export function formatPrediction(res: PredictionResult): string {
  const label = res.dynamics === 'gradient-flow' ? 't' : 'steps';
  const list = res.times ?? res.steps ?? [];
  const D = res.meta.outputs;
  const c = res.meta.conditioning;
  const lines = [
    `infinite-width ${res.meta.kernel} dynamics (${res.dynamics}, η = ${res.meta.lr}${res.meta.diagReg ? `, ridge ${res.meta.diagReg}` : ''}): ` +
      `${res.meta.trainPoints} training, ${res.meta.testPoints} test inputs; eigenvalues of the training-set kernel ${KERNEL_SYMBOL[res.meta.kernel]}(X,X)${res.meta.diagReg ? ' + εI' : ''} in [${fmt(c.lambdaMin)}, ${fmt(c.lambdaMax)}], ` +
      `condition number ${typeof c.conditionNumber === 'number' ? fmt(c.conditionNumber) : '∞'}`,
  ];
  const head = [label, 'test', ...Array.from({ length: D }, (_, i) => (D === 1 ? 'mean' : `mean[${i}]`)), 'std', 'rounding'];
  const rows: string[][] = [];
  list.forEach((t, k) => {
    res.mean[k]!.forEach((mu, a) => {
      rows.push([a === 0 ? String(t) : '', String(a), ...mu.map(fmt), fmt(Math.sqrt(Math.max(0, res.covariance[k]![a]![a]!))), a === 0 ? fmt(c.roundingError[k]!) : '']);
    });
  });
  for (const n of res.meta.notes) lines.push(`note: ${n}`);
  return lines.concat(table(head, rows)).join('\n');
}

/** One row per (steps, test input): trained mean ± stderr and variance ± stderr next to the theory. */
export function formatEnsemble(res: TrainEnsembleResult): string {
  const m = res.meta;
  const lines = [
    `${m.nets} networks trained (${m.kernel === 'ntk' ? 'all layers' : 'last layer'}, η = ${m.lr}, seed ${m.seed}${m.pairs !== undefined ? `, ${m.pairs} antithetic pairs` : ''}), ` +
      `${m.seconds.toFixed(1)} s on ${m.workers} worker${m.workers > 1 ? 's' : ''} (${fmt(m.netStepsPerSecond)} network·steps/s)`,
  ];
  const th = res.infiniteWidth;
  const D = res.mean.mean[0]?.[0]?.length ?? 1;
  const head = ['steps', 'test'];
  for (let i = 0; i < D; i++) head.push(D === 1 ? 'mean ± se' : `mean[${i}] ± se`, ...(th ? [D === 1 ? '∞-width' : `∞-width[${i}]`] : []));
  head.push('var ± se', ...(th ? ['∞-width var'] : []));
  const rows: string[][] = [];
  res.steps.forEach((s, k) => {
    res.mean.mean[k]!.forEach((mu, a) => {
      const r = [a === 0 ? String(s) : '', String(a)];
      mu.forEach((v, i) => {
        r.push(`${fmt(v)} ± ${fmt(res.mean.stderr[k]![a]![i]!)}`);
        if (th) r.push(fmt(th.mean[k]![a]![i]!));
      });
      r.push(`${fmt(res.covariance.mean[k]![a]![a]!)} ± ${fmt(res.covariance.stderr[k]![a]![a]!)}`);
      if (th) r.push(fmt(th.covariance[k]![a]![a]!));
      rows.push(r);
    });
  });
  const loss = res.steps.map((s, k) => `${s}: ${fmt(res.trainLoss.mean[k]!)} ± ${fmt(res.trainLoss.stderr[k]!)}`).join(', ');
  lines.push(`training loss ½Σ‖f − y‖²: ${loss}`);
  const ntk = res.ntk;
  if (ntk) {
    // vᵀE[Θ̂]v/λ − 1 along the frozen kernel's extreme eigenvectors: the O(1/n) shift at initialisation and the drift
    for (const [name, pr] of [['smallest', ntk.min], ['largest', ntk.max]] as const) {
      if (!pr) continue;
      const drift = res.steps.map((s, k) => `${s}: ${fmt(pr.drift.mean[k]!)} ± ${fmt(pr.drift.stderr[k]!)}`).join(', ');
      lines.push(`empirical NTK along the ${name} eigenvalue ${fmt(pr.eigenvalue)} of the frozen kernel: shift at initialisation ` +
        `${fmt(pr.initialShift.mean)} ± ${fmt(pr.initialShift.stderr)}; drift vᵀE[Θ̂_s − Θ̂₀]v/λ after ${drift}`);
    }
  }
  for (const n of m.notes) lines.push(`note: ${n}`);
  return lines.concat(table(head, rows)).join('\n');
}
