import type { Command } from 'commander';
import { NnftInputError } from '../../errors.ts';
import { deriveRecursion, diagramsSvg, parseExpression, simplify, toLatex, toText, type Expression } from '../../symbolic/index.ts';
import { legendEntries, legendLines } from '../notation.ts';
import { requireWritableFile, writeFileAtomic } from '../output.ts';

interface DeriveOptions {
  latex?: boolean;
  json?: boolean;
  grouped?: boolean;
  svg?: string;
  ibp?: string;
  externals?: string;
}

const HELP = `
Derives a layer-to-layer recursion by symbolic Gaussian integration by parts (src/symbolic), starting
from its original form (inverse kernels, Hermite polynomials), and prints it.
Names: V4 (full: Gaussian part + χ-term), K1, Theta1, A, B, D, F (also K, Theta). Indices a1..a4 are the
output slots (V4[a1][a2][a3][a4] = V_(α1α2)(α3α4)); d1.. are summed input indices.

Output:
  (default)   the SymPy-like text form of Misof's NTK slides (The Neural Tangent Kernel: Equivariance, Data
              Augmentation and Corrections from Feynman Diagrams): GaussExpec(Derivative(sig(z[a1]), z[a1])*…)*V[…] + …
  --grouped   derivatives kept on whole products (the form the solver compiles): GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))
  --latex     LaTeX of the chosen form
  --json      {"name","terms","text","latex","legend"} (+ "grouped": {"terms","text","latex"}, "parts": per-part term counts)
A legend of every symbol the printed expression uses follows it ("where …"; LaTeX: % comment lines).
  --svg FILE  one diagram per term of the grouped form (vertices: layer expectations; edges: K¹, Θ, V, … propagators)

Example:
  nnft derive Theta1 --grouped
  nnft derive --ibp 'GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2]) - GaussExpec(sig(z[a1])*sig(z[a2]))*K[b1, b2]'
  nnft derive V4 --json
  nnft derive Theta1 --svg theta1.svg
`;

/** `nnft derive <name>`: the symbolic IBP engine's derivation of one recursion, its text, LaTeX and diagrams. */
export function register(program: Command): void {
  program
    .command('derive')
    .description('derive a 1/n recursion (V4, K1, Theta1, A, B, D, F) by symbolic Gaussian integration by parts')
    .argument('[name]', 'V4 | K1 | Theta1 | A | B | D | F | K | Theta')
    .option('--ibp <expr>', "instead of a name: integrate this expression (text format) by parts, e.g. 'GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2])'")
    .option('--externals <list>', 'with --ibp: the free indices (default: every index not named d1, d2, …)')
    .option('--latex', 'print LaTeX')
    .option('--json', 'print JSON {"name","terms","text","latex"}')
    .option('--grouped', 'print the grouped form ⟨∂δ…(Π σ)⟩ of docs/equations.md instead of the expanded product-rule form')
    .option('--svg <file>', 'write the term diagrams as SVG to FILE')
    .addHelpText('after', HELP)
    .action((name: string | undefined, opts: DeriveOptions) => {
      if (opts.svg !== undefined) requireWritableFile('--svg', opts.svg);
      if (opts.ibp !== undefined) {
        if (name) throw new NnftInputError('<name>', `give either a recursion name or --ibp, not both (got '${name}' and --ibp)`, 'drop one of them');
        if (opts.svg !== undefined) throw new NnftInputError('--svg', 'draws the diagrams of a named recursion, not of --ibp', `nnft derive <V4|K1|Theta1|A|B|D|F> --svg FILE`);
        const ext = opts.externals ? opts.externals.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
        const e = simplify(parseExpression(opts.ibp, ext), opts.grouped ? 'grouped' : 'expanded');
        if (opts.json) process.stdout.write(JSON.stringify({ name: 'ibp', terms: e.terms.length, text: toText(e), latex: toLatex(e), legend: legendJson(e) }) + '\n');
        else printWithLegend(opts.latex ? toLatex(e) : toText(e), e, undefined, opts.latex === true);
        return;
      }
      if (!name) throw new NnftInputError('<name>', 'missing recursion name', 'nnft derive <V4|K1|Theta1|A|B|D|F> (or --ibp EXPR)');
      const d = deriveRecursion(name);
      if (opts.svg !== undefined) {
        writeFileAtomic('--svg', opts.svg, diagramsSvg(name));
        process.stderr.write(`nnft derive: wrote ${d.groupedTerms} diagrams to ${opts.svg}\n`);
      }
      if (opts.json) {
        const out = {
          name: d.name,
          terms: d.terms,
          text: d.text,
          latex: d.latex,
          legend: legendJson(d.expression),
          grouped: { terms: d.groupedTerms, text: d.groupedText, latex: d.groupedLatex, legend: legendJson(d.grouped) },
          parts: d.parts.map((p) => ({ label: p.label, terms: p.terms, groupedTerms: p.groupedTerms, ibp: p.ibp })),
        };
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      if (opts.svg && !opts.latex && !opts.grouped) return;
      const expr = opts.grouped ? d.grouped : d.expression;
      const text = opts.grouped ? (opts.latex ? d.groupedLatex : d.groupedText) : opts.latex ? d.latex : d.text;
      printWithLegend(text, expr, d.name, opts.latex === true);
    });
}

/** The expression on its own first line, then a blank line and the legend of its symbols. */
function printWithLegend(text: string, expr: Expression, name: string | undefined, latex: boolean): void {
  const legend = legendLines(legendEntries(expr, name), latex);
  process.stdout.write(`${text}\n${legend.length ? `\n${legend.join('\n')}\n` : ''}`);
}

function legendJson(expr: Expression): Record<string, string> {
  return Object.fromEntries(legendEntries(expr).map((e) => [e.text, e.meaning]));
}
