import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { criticality, type CriticalityReport, type ExponentReport } from '../../criticality/index.ts';
import { finiteJson, optionNumber } from '../field-options.ts';

const EXAMPLE = `
Criticality (Roberts, Yaida, Hanin, "The Principles of Deep Learning Theory", ch. 5; docs/criticality.md):
a fixed point K* = C_b + C_W⟨σ²⟩_{K*} of the single-input kernel map at which both susceptibilities are 1,
  χ_∥ = (C_W/K)⟨zσσ'⟩_K = 1,   χ_⊥ = C_W⟨σ'σ'⟩_K = 1.
Classes: scale-invariant (ReLU: C_b = 0, C_W = 2, every K a fixed point), K* = 0 (tanh: C_b = 0, C_W = 1,
K⁽ℓ⁾ ≈ 1/(2ℓ)), K* > 0 half-stable (GELU: C_b = 0.17292239, C_W = 1.98305826, K* = (3+√17)/2), or none
(sigmoid, softplus). For each critical point the recursions run --depth layers and the exponents of
K⁽ℓ⁾ − K* ∝ ℓ^(−p_K) and V⁽ℓ⁾/K² ∝ ℓ^(p_V) are fitted on ℓ ∈ [depth/10, depth] (± the regression error; the
drift between the two halves of the window measures the corrections to scaling).

Examples:
  nnft criticality --activation tanh
  nnft criticality --activation gelu --depth 2000 --json
  nnft criticality --activation tanh --cb 0.1 --cw 1.5     (also: the fixed points at these hyperparameters)
`;

function fmt(x: number, digits = 8): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e6 ? x.toPrecision(digits) : x.toExponential(digits - 1);
}

function exponentLines(e: ExponentReport): string[] {
  const out: string[] = [`  depth run: ${e.depth} layers from K⁽¹⁾ = ${fmt(e.K1, 6)}`];
  if (e.kernel) {
    out.push(`  K⁽ℓ⁾ − K* ∝ ℓ^(−p_K):   p_K = ${e.kernel.exponent.toFixed(5)} ± ${e.kernel.stderr.toExponential(1)} (drift ${e.kernel.drift.toExponential(1)}), amplitude ${fmt(e.kernel.amplitude, 5)}; ℓ·(K − K*) = ${fmt(e.last.lTimesDeltaK, 6)} at ℓ = ${e.last.layer}`);
  } else if (e.kernelConstant !== undefined) {
    out.push(`  K⁽ℓ⁾ constant: largest relative change ${e.kernelConstant.toExponential(1)} over the run (p_K = 0)`);
  }
  out.push(`  V⁽ℓ⁾/K² ∝ ℓ^(p_V):       p_V = ${e.vertex.exponent.toFixed(5)} ± ${e.vertex.stderr.toExponential(1)} (drift ${e.vertex.drift.toExponential(1)}), amplitude ${fmt(e.vertex.amplitude, 5)}; (V/K²)/ℓ = ${fmt(e.last.VoverK2PerLayer, 6)} at ℓ = ${e.last.layer}`);
  const drift = Math.max(e.vertex.drift, e.kernel?.drift ?? 0);
  if (drift > 0.05) out.push(`  note: the local exponents still drift by ${drift.toFixed(2)} across the window — this depth is not yet asymptotic (try a larger --depth)`);
  return out;
}

export function formatCriticality(r: CriticalityReport): string {
  const lines: string[] = [`activation ${r.activation}`];
  if (r.points.length === 0) lines.push(`no critical point: no K* = 0 point with a₂ < 0 and no root of ⟨σσ''⟩_K with C_b ≥ 0 in K ∈ [${fmt(r.scanned.from, 3)}, ${fmt(r.scanned.to, 3)}]`);
  r.points.forEach((p, i) => {
    lines.push(`critical point ${i + 1}: class ${p.class} (approach: ${p.approach})`);
    lines.push(`  C_b = ${fmt(p.cb)}   C_W = ${fmt(p.cw)}   K* = ${p.class === 'scale-invariant' ? 'any' : fmt(p.Kstar)}`);
    lines.push(`  χ_∥ − 1 = ${(p.chiParallel - 1).toExponential(2)}   χ_⊥ − 1 = ${(p.chiPerpendicular - 1).toExponential(2)}   a₂ = ${fmt(p.secondOrder, 6)}`);
    lines.push(`  prediction: ${p.prediction}`);
    const e = r.exponents[i]!;
    if ('skipped' in e) lines.push(`  exponents: ${e.skipped}`);
    else lines.push(...exponentLines(e));
  });
  for (const x of r.rejected) lines.push(`not critical: K* = ${fmt(x.Kstar, 6)}, C_b = ${fmt(x.cb, 6)}, C_W = ${fmt(x.cw, 6)} — ${x.reason}`);
  if (r.fixedPoints) {
    lines.push(`fixed points of K ↦ ${r.fixedPoints.cb} + ${r.fixedPoints.cw}⟨σ²⟩_K:`);
    if (r.fixedPoints.points.length === 0) lines.push('  none in the scanned range');
    for (const f of r.fixedPoints.points) lines.push(`  K* = ${fmt(f.Kstar)}   χ_∥ = ${fmt(f.chiParallel, 6)}   χ_⊥ = ${fmt(f.chiPerpendicular, 6)}   ${f.stability}`);
  }
  return lines.join('\n');
}

/** `nnft criticality`: critical hyperparameters, universality class and exponents (src/criticality). */
export function register(program: Command): void {
  program
    .command('criticality')
    .description('critical initialisation (C_b, C_W) with χ_∥ = χ_⊥ = 1, the universality class and the critical exponents in depth (docs/criticality.md)')
    .option('--activation <name>', "activation: registry name (tanh, relu, gelu, …), 'leaky_relu(0.1)', or an expression in z")
    .option('--depth <L>', 'layers of the exponent run (0: no run)', '1000')
    .option('--k1 <K>', 'K⁽¹⁾ of the exponent run (default per class)')
    .option('--cb <Cb>', 'also list the fixed points of the kernel map at this C_b (with --cw)')
    .option('--cw <Cw>', 'also list the fixed points of the kernel map at this C_W (with --cb)')
    .option('--json', 'print JSON')
    .addHelpText('after', EXAMPLE)
    .action((opts: Record<string, string | boolean | undefined>) => {
      if (typeof opts.activation !== 'string' || opts.activation.trim() === '') throw new NnftInputError('--activation', 'missing', 'pass e.g. --activation tanh');
      const depth = optionNumber('--depth', opts.depth, { integer: true, min: 0, max: 100000 })!;
      if (depth !== 0 && depth < 30) throw new NnftInputError('--depth', `need 0 (no run) or at least 30 layers, got ${depth}`, 'the fit window is [depth/10, depth]');
      const K1 = optionNumber('--k1', opts.k1, { above: 0 });
      const cb = optionNumber('--cb', opts.cb, { min: 0 });
      const cw = optionNumber('--cw', opts.cw, { above: 0 });
      if ((cb === undefined) !== (cw === undefined)) throw new NnftInputError(cb === undefined ? '--cb' : '--cw', 'give --cb and --cw together');
      const report = criticality({ activation: opts.activation, depth, K1, at: cb !== undefined && cw !== undefined ? { cb, cw } : undefined });
      if (opts.json) {
        // the per-layer run is for plots (examples/criticality.ts); the JSON keeps the fits
        const slim = { ...report, exponents: report.exponents.map((e) => ('skipped' in e ? e : { ...e, layers: undefined })) };
        process.stdout.write(finiteJson(slim) + '\n');
        return;
      }
      process.stdout.write(formatCriticality(report) + '\n');
    });
}
