/**
 * The quick-start job (`npm start` = `nnft start`): the toolkit's point in one command — theory meets simulation.
 *
 *  1. ReLU at criticality (C_b = 0, C_W = 2), one input: V⁽ℓ⁾/(nK²) against depth, the recursion's 5(ℓ−1)/n
 *     against sampled networks at two widths (short version of examples/relu-criticality.ts; src/showcase).
 *  2. Finite-width NTK statistics Θ¹, A, B, D, F of the same network family against sampled networks
 *     (short version of examples/ntk-finite-width.ts; src/showcase).
 * Prints the tables on stdout (progress on stderr) and writes the plots and JSON to out/start/. About 15 s.
 */
import { join } from 'node:path';
import * as relu from '../showcase/relu-criticality.ts';
import * as ntk from '../showcase/ntk-finite-width.ts';

export interface StartOptions {
  outDir?: string;
  /** scale the number of sampled networks (default 1) */
  netsScale?: number;
}

export async function runStart(opts: StartOptions = {}): Promise<void> {
  const t0 = performance.now();
  const outDir = opts.outDir ?? join('out', 'start');
  const scale = opts.netsScale ?? 1;
  const log = (m: string): void => {
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}\n`);
  };
  log('nnft quick start: recursion (infinite width + 1/n corrections) against sampled networks');

  // 1. ReLU criticality
  const rc = await relu.reluCriticality({ depth: 6, widths: [32, 128], nets: Math.round(20000 * scale), awayDepth: 10, seed: 1, log });
  const p1 = await relu.writeReluCriticality(rc, outDir, 'relu-criticality');
  const lines: string[] = [];
  lines.push('');
  lines.push('1. ReLU at criticality (C_b = 0, C_W = 2), one input x = (1, 0.5): the four-point function');
  lines.push('   V⁽ℓ⁾/(n K²) — recursion 5(ℓ−1)/n (order 1/n), exact finite-width Π(1+5/n) − 1, Monte Carlo ± 1 stderr');
  lines.push('   n     ℓ   recursion     exact   Monte Carlo            MC−rec in σ   MC−exact in σ');
  for (const c of rc.critical) {
    for (const r of c.rows) {
      if (r.layer === 1) continue;
      const z = (t: number): string => (r.stderr > 0 ? ((r.mc - t) / r.stderr).toFixed(1) : '—').padStart(6);
      lines.push(`   ${String(c.width).padEnd(5)} ${String(r.layer).padStart(2)}  ${r.recursion.toFixed(4).padStart(9)}  ${(r.exact ?? NaN).toFixed(4).padStart(8)}   ${r.mc.toFixed(4)} ± ${r.stderr.toFixed(4)}      ${z(r.recursion)}         ${z(r.exact ?? NaN)}`);
    }
  }
  lines.push('   → the 1/n recursion is exact at ℓ = 2 and accurate while ℓ/n is small; deeper, the sampled networks follow');
  lines.push('     the exact finite-width curve (order ℓ²/n² beyond the recursion). Away from C_W = 2 the four-point');
  lines.push(`     function decays or explodes with depth (panel b of ${p1.svg}).`);
  process.stdout.write(lines.join('\n') + '\n');

  // 2. NTK finite-width statistics
  const nr = await ntk.ntkFiniteWidth({ depth: 4, widths: [64], nets: Math.round(2000 * scale), activations: ['relu', 'tanh'], seed: 1, log });
  const p2 = await ntk.writeNtkFiniteWidth(nr, outDir, 'ntk-finite-width');
  process.stdout.write(
    [
      '',
      '2. Finite-width NTK: mean correction Θ¹, NTK variance A, B, NTK–preactivation correlations D, F',
      '   (normalised without the 1/n: docs/conventions.md), at criticality, one input, width 64 — recursion vs Monte Carlo',
      ntk.ntkTable(nr).replace(/^/gm, '   '),
      '   → ReLU at criticality has Θ¹ = 0 exactly; A, B, D, F grow linearly in depth, and the sampled values agree',
      '     within their errors plus the O(ℓ/n) relative next-order correction.',
      '',
      `Plots: ${p1.svg}, ${p2.svg} (JSON beside them). Full versions: node bin/run-ts.js examples/relu-criticality.ts,`,
      '       examples/ntk-finite-width.ts; more in examples/README.md.',
      '',
    ].join('\n'),
  );
  log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
