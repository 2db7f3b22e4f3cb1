/**
 * The import graph of the package (src/, recursions/, diagrams/): no cycle (type-only imports count: they
 * are dependencies of the design even when erased; dynamic imports with a literal specifier count too), no
 * dynamic import of a project module outside the command layer src/cli/ (the CLI loads only the module of the
 * command it runs, for start-up time; anywhere else a deferred import hides a dependency), none with a computed
 * specifier (an edge that neither the type checker nor this test can follow), and no import of examples/, test/
 * or bench/. Dynamic imports of npm packages (vega, cli-progress, TensorFlow.js backends) are fine.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCOPE = ['src', 'recursions', 'diagrams'];

interface ModuleImports {
  file: string;
  /** project files this module depends on (static, type-only and literal dynamic imports) */
  edges: string[];
  /** dynamic import() of a project module, or with a computed specifier */
  dynamic: string[];
  /** imports of files outside the package (examples/, test/, bench/) */
  outside: string[];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function scan(file: string): ModuleImports {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const rel = relative(ROOT, file);
  const out: ModuleImports = { file: rel, edges: [], dynamic: [], outside: [] };
  const target = (spec: string): string | null => (spec.startsWith('.') ? relative(ROOT, resolve(dirname(file), spec)) : null);
  const addStatic = (spec: string): void => {
    const t = target(spec);
    if (t === null) return;
    if (SCOPE.some((d) => t.startsWith(`${d}/`))) out.edges.push(t);
    else out.outside.push(t);
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      addStatic(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      addStatic(node.argument.literal.text); // typeof import('…'): a type-level dependency
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      let arg = node.arguments[0];
      while (arg && (ts.isAsExpression(arg) || ts.isParenthesizedExpression(arg))) arg = arg.expression; // import('pkg' as string)
      if (arg && ts.isStringLiteralLike(arg)) {
        const t = target(arg.text);
        if (t !== null) {
          out.dynamic.push(t);
          addStatic(arg.text);
        }
      } else out.dynamic.push(`<computed specifier at line ${src.getLineAndCharacterOfPosition(node.getStart()).line + 1}>`);
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

describe('import graph of src/, recursions/, diagrams/', () => {
  const modules = SCOPE.flatMap((d) => tsFiles(join(ROOT, d))).map(scan);
  const graph = new Map(modules.map((m) => [m.file, m.edges]));

  it('scans the package (sanity: the registry and the solver are there, with their edges)', () => {
    expect(graph.get('src/quantities.ts')).toContain('recursions/quantities/v4.ts');
    expect(graph.get('recursions/index.ts')).toContain('src/quantities.ts');
    expect(modules.length).toBeGreaterThan(80);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no dynamic import of a project module outside src/cli/, and none with a computed specifier', () => {
    const found = modules
      .map((m) => ({ file: m.file, dynamic: m.file.startsWith('src/cli/') ? m.dynamic.filter((d) => d.startsWith('<computed')) : m.dynamic }))
      .filter((m) => m.dynamic.length > 0)
      .map((m) => `${m.file}: ${m.dynamic.join(', ')}`);
    expect(found).toEqual([]);
    // the command layer's deferred imports are edges of the graph, so the cycle check above follows them
    const main = modules.find((m) => m.file === 'src/cli/main.ts')!;
    expect(main.dynamic).toContain('src/cli/commands/recursions.ts');
    expect(main.edges).toContain('src/cli/commands/recursions.ts');
  });

  it('imports nothing from examples/, test/ or bench/', () => {
    expect(modules.filter((m) => m.outside.length > 0).map((m) => `${m.file}: ${m.outside.join(', ')}`)).toEqual([]);
  });

  it('the cycle detector finds a cycle and a self-import', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['a']]]))).toEqual([['a']]);
  });
});
