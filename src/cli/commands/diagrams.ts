import type { Command } from 'commander';
import * as D from '../../../diagrams/index.ts';
import { NnftInputError, NnftResourceError } from '../../errors.ts';
import { parseInteger } from '../options.ts';
import { requireWritableFile, writeFileAtomic } from '../output.ts';

interface DiagramsOptions {
  points: string;
  couplings: string;
  order: string;
  json?: boolean;
  latex?: boolean;
  svg?: string;
  space?: string;
  connected?: boolean;
  vector?: boolean;
}

/** "4,6", "g4,g6", "lambda,kappa" → degrees. */
export function parseCouplings(s: string): number[] {
  const names: Record<string, number> = { lambda: 4, λ: 4, kappa: 6, κ: 6, g: 3, alpha: 5, α: 5 };
  const parts = String(s)
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (parts.length === 0) throw new NnftInputError('--couplings', 'empty list', 'e.g. --couplings 4,6 (λ f⁴ + κ f⁶)');
  return parts.map((t) => {
    const key = t.toLowerCase();
    if (key in names) return names[key]!;
    const m = /^g?(-?\d+)$/.exec(key);
    if (!m) throw new NnftInputError('--couplings', `'${t}' is neither a degree nor a coupling name`, 'use degrees such as 3,4,5,6 or names g4, lambda, kappa');
    return Number(m[1]);
  });
}

/** `nnft diagrams`: EFT Feynman diagrams of G⁽ⁿ⁾ with exact coefficients (Maiti, Non-Perturbative Non-Lagrangian Neural Network Field Theories). */
export function register(program: Command): void {
  program
    .command('diagrams')
    .description('Feynman diagrams of the n-point function in the EFT S = S_GP + ∫dy Σ_k g_k f(y)^k, to a given order: labelled classes with exact coefficients, topologies, expressions, SVG')
    .requiredOption('--points <n>', 'number of labelled external points x1..xn')
    .option('--couplings <list>', 'vertex degrees in the action, e.g. 4,6 for λ f⁴ + κ f⁶ (names g4,g6 / lambda,kappa also accepted)', '4')
    .option('--order <N>', 'highest total order in the couplings (orders 0..N are listed)', '1')
    .option('--json', 'print {"diagrams":[…],"topologies":[…]} (plus "series" with --space zero)')
    .option('--latex', 'print the expansion in LaTeX')
    .option('--svg <file>', 'also write the diagrams as an SVG picture to <file>')
    .option('--space <space>', "evaluate on a space: 'zero' (K ≡ 1, ∫ ≡ 1) adds the exact series of ⟨x^n⟩")
    .option('--connected', 'only connected diagrams')
    .option('--vector', 'O(D) vector outputs, vertices g_k(f·f)^{k/2}: each class\'s index structure as δ\'s times a polynomial in D; with --space zero the series of ⟨(f·f)^{n/2}⟩')
    .addHelpText(
      'after',
      `
Coefficients include the sign and the 1/N! of expanding e^{−S_int}; g4 = λ, g6 = κ of Maiti, Non-Perturbative Non-Lagrangian Neural Network Field Theories.
Examples:
  $ nnft diagrams --points 4 --couplings 4,6 --order 1
  $ nnft diagrams --points 4 --couplings 4,6 --order 1 --json
  $ nnft diagrams --points 2 --couplings 4,6 --order 2 --space zero --json   # "series": {"1":"1","g4":"-12",…}
  $ nnft diagrams --points 6 --couplings 6 --order 1 --latex --svg g6.svg
  $ nnft diagrams --points 2 --couplings 4 --order 1 --vector --space zero   # <f·f> = D - (4D^2 + 8D)*g4`,
    )
    .action((opts: DiagramsOptions) => {
      quietOnClosedPipe();
      if (opts.svg !== undefined) requireWritableFile('--svg', opts.svg);
      const spec = {
        points: parseInteger('--points', opts.points, { min: 1, example: 'e.g. --points 4' }),
        couplings: parseCouplings(opts.couplings),
        order: parseInteger('--order', opts.order, { min: 0, example: 'e.g. --order 2' }),
      };
      if (opts.space !== undefined && opts.space !== 'zero') {
        throw new NnftInputError('--space', `'${opts.space}' is not available from the command line`, "use --space zero, or the library's evaluateDiagram for point sets and intervals");
      }
      if (opts.svg) requireWritableFile('--svg', opts.svg);
      // the enumeration's size is estimated first and refused over NNFT_MAX_MEMORY / NNFT_MAX_SECONDS
      const result = D.feynmanDiagrams(spec);
      const ds = opts.connected ? result.diagrams.filter((d) => d.connected) : result.diagrams;
      const topologies = D.groupByTopology(ds);
      const series = opts.space === 'zero' && !opts.vector ? D.zeroDimensionalSeries(ds) : null;
      // O(D) vector outputs (diagrams/vector.ts): index structures per class, traced series in D
      const vectorSeries = opts.vector && opts.space === 'zero' ? D.vectorZeroDimensionalSeries(ds) : null;
      const indexOf = (d: (typeof ds)[number]) => D.indexStructure(d).map((t) => ({ pairing: t.pairing.map(([a, b]) => [a + 1, b + 1]), coefficient: D.polyToString(t.coefficient) }));
      if (opts.svg) {
        if (ds.length > MAX_SVG_PANELS) {
          throw new NnftResourceError(`an SVG picture of ${ds.length} diagrams`, `${ds.length} panels`, `${MAX_SVG_PANELS} panels`, 'use --connected, fewer points or a lower order for the picture (--json and the text output list any number)');
        }
        writeFileAtomic('--svg', opts.svg, D.diagramsSVG(ds));
        process.stderr.write(`wrote ${ds.length} diagrams to ${opts.svg}\n`);
      }
      const out = new ChunkedWriter();
      if (opts.json) {
        // streamed: one diagram per line, never one string of the whole output (it can exceed the largest
        // JavaScript string: 493 211 classes of G⁽⁶⁾ at order 4 in g4, g6 are ≈ 680 MB of JSON)
        out.write(`{"spec":${JSON.stringify(result.spec)},"diagrams":[`);
        ds.forEach((d, i) => out.write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(opts.vector ? { ...D.diagramToJSON(d), indices: indexOf(d) } : D.diagramToJSON(d))}`));
        out.write(`\n],"topologies":[`);
        topologies.forEach((t, i) => out.write(`${i === 0 ? '\n' : ',\n'}${JSON.stringify(D.topologyToJSON(t))}`));
        out.write('\n]');
        if (series) out.write(`,"space":"zero","series":${JSON.stringify(D.seriesToJSON(series))}`);
        if (vectorSeries) out.write(`,"space":"zero","vectorSeries":${JSON.stringify(Object.fromEntries([...vectorSeries].map(([k, v]) => [k, D.polyToString(v)])))}`);
        out.write('}\n');
        out.flush();
        return;
      }
      const p = result.spec.points;
      const args = Array.from({ length: p }, (_, a) => `x${a + 1}`);
      if (opts.latex) {
        const lhs = `G^{(${p})}(${args.map((x) => x.replace(/(\d+)/, '_{$1}')).join(',')})`;
        out.write(`${lhs} =\n`);
        ds.forEach((d, i) => {
          const t = D.diagramLatex(d);
          out.write(`${i === 0 || t.startsWith('-') ? `  ${t}` : `  + ${t}`}\n`);
        });
        out.write(`  + \\mathcal{O}(g^{${result.spec.order + 1}})\n`);
        if (series) out.write(`% zero-dimensional: \\langle x^{${p}}\\rangle = ${seriesText(series)}\n`);
        out.flush();
        return;
      }
      const names = result.spec.couplings.map((k) => `g${k}`).join(', ');
      out.write(`G(${p})(${args.join(',')}) to order ${result.spec.order} in ${names}: ${ds.length} labelled classes, ${topologies.length} topologies\n`);
      let lastOrder = -1;
      for (const d of ds) {
        if (d.order !== lastOrder) {
          out.write(`order ${d.order}\n`);
          lastOrder = d.order;
        }
        out.write(`  ${D.diagramExpression(d)}${d.connected ? '' : '   [disconnected]'}\n`);
        if (opts.vector) out.write(`      indices: ${indexOf(d).map((t) => `${t.pairing.map(([a, b]) => `δ(i${a},i${b})`).join('')}·(${t.coefficient})`).join(' + ')}\n`);
      }
      out.write('by topology (external labels forgotten):\n');
      for (const t of topologies) {
        out.write(`  order ${t.order}  ${t.monomial.padEnd(8)} ${t.coefficient.toString().padStart(10)}  ${String(t.classes).padStart(4)} classes  ${t.connected ? 'connected   ' : 'disconnected'}  ${t.topology}\n`);
      }
      if (series) out.write(`zero-dimensional series: <x^${p}> = ${seriesText(series)} + O(g^${result.spec.order + 1})\n`);
      if (vectorSeries) out.write(`zero-dimensional series: <(f·f)^${p / 2}> = ${[...vectorSeries].map(([k, v]) => (k === '1' ? `(${D.polyToString(v)})` : `(${D.polyToString(v)})*${k}`)).join(' + ')} + O(g^${result.spec.order + 1})\n`);
      out.flush();
    });
}

/** Largest SVG picture drawn (panels): beyond it the picture is unreadable and its string needlessly large. */
const MAX_SVG_PANELS = 5000;

/**
 * Writes to stdout in chunks of ≈ 64 KB: stdout is synchronous for files and pipes on Linux, so memory stays
 * bounded by one chunk however long the output is.
 */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.parts.length) process.stdout.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

function seriesText(series: Map<string, { toString(): string; isZero(): boolean }>): string {
  const terms: string[] = [];
  for (const [mono, c] of series) {
    if (c.isZero()) continue;
    const cs = c.toString();
    const t = mono === '1' ? cs : cs === '1' ? mono : cs === '-1' ? `-${mono}` : `${cs}*${mono}`;
    terms.push(terms.length === 0 ? t : t.startsWith('-') ? `- ${t.slice(1)}` : `+ ${t}`);
  }
  return terms.length ? terms.join(' ') : '0';
}

/** `nnft … | head`: stop quietly when the reader closes the pipe instead of crashing on EPIPE. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
