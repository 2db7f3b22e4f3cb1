import type { Command } from 'commander';

const HELP = `
Derives a layer-to-layer recursion by symbolic Gaussian integration by parts (src/symbolic), starting
from its original form (inverse kernels, Hermite polynomials), and prints it.
Names: V4 (full: Gaussian part + χ-term), K1, Theta1, A, B, D, F (also K, Theta). Indices a1..a4 are the
output slots (V4[a1][a2][a3][a4] = V_(α1α2)(α3α4)); d1.. are summed input indices.

Output:
  (default)   the expanded text form (as in Misof's slides): GaussExpec(Derivative(sig(z[a1]), z[a1])*…)*V[…] + …
  --grouped   the form of docs/equations.md, derivatives kept on whole products: GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))
  --latex     LaTeX of the chosen form
  --json      {"name","terms","text","latex"} (+ "grouped": {"terms","text","latex"}, "parts": per-part term counts)
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
    .action(async (name: string | undefined, opts: { latex?: boolean; json?: boolean; grouped?: boolean; svg?: string; ibp?: string; externals?: string }) => {
      const { deriveRecursion, diagramsSvg, parseExpression, simplify, toText, toLatex } = await import('../../symbolic/index.ts');
      const { NnftInputError } = await import('../../errors.ts');
      if (opts.ibp !== undefined) {
        if (name) throw new NnftInputError('derive', 'give either a recursion name or --ibp, not both');
        const ext = opts.externals ? opts.externals.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
        const e = simplify(parseExpression(opts.ibp, ext), opts.grouped ? 'grouped' : 'expanded');
        if (opts.json) process.stdout.write(JSON.stringify({ name: 'ibp', terms: e.terms.length, text: toText(e), latex: toLatex(e) }) + '\n');
        else process.stdout.write((opts.latex ? toLatex(e) : toText(e)) + '\n');
        return;
      }
      if (!name) throw new NnftInputError('derive', 'missing recursion name', 'nnft derive <V4|K1|Theta1|A|B|D|F> (or --ibp EXPR)');
      const d = deriveRecursion(name);
      if (opts.svg) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(opts.svg, diagramsSvg(name));
        process.stderr.write(`nnft derive: wrote ${d.groupedTerms} diagrams to ${opts.svg}\n`);
      }
      if (opts.json) {
        const out = {
          name: d.name,
          terms: d.terms,
          text: d.text,
          latex: d.latex,
          grouped: { terms: d.groupedTerms, text: d.groupedText, latex: d.groupedLatex },
          parts: d.parts.map((p) => ({ label: p.label, terms: p.terms, groupedTerms: p.groupedTerms, ibp: p.ibp })),
        };
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      if (opts.svg && !opts.latex && !opts.grouped) return;
      const text = opts.grouped ? (opts.latex ? d.groupedLatex : d.groupedText) : opts.latex ? d.latex : d.text;
      process.stdout.write(text + '\n');
    });
}
