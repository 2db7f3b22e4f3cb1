/**
 * A small recursive-descent parser for activation expressions in z (numbers, symbols, + − * / ^,
 * unary minus, function calls, implicit multiplication like `2z`), with a canonical printer and a LaTeX
 * printer. Hand-written rather than mathjs.parse because importing mathjs costs ~1 s at start-up
 * (measured: 1.1 s of a 2.0 s `nnft recursions` run), which every CLI call and worker thread paid.
 * Precedence follows mathjs: unary minus binds weaker than ^ (−z^2 = −(z^2)); ^ is right-associative.
 */
export type Ast =
  | { readonly k: 'num'; readonly v: number; readonly text: string }
  | { readonly k: 'sym'; readonly name: string }
  | { readonly k: 'op'; readonly op: '+' | '-' | '*' | '/' | '^'; readonly a: Ast; readonly b: Ast }
  | { readonly k: 'neg'; readonly a: Ast }
  | { readonly k: 'call'; readonly name: string; readonly args: readonly Ast[] }
  | { readonly k: 'paren'; readonly a: Ast };

export class ParseError extends Error {}

type Tok = { t: 'num'; v: number; text: string } | { t: 'id'; v: string } | { t: 'p'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const numMatch = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (numMatch) { out.push({ t: 'num', v: Number(numMatch[0]), text: numMatch[0] }); i += numMatch[0].length; continue; }
    const idMatch = /^[A-Za-z_][A-Za-z_0-9]*/.exec(src.slice(i));
    if (idMatch) { out.push({ t: 'id', v: idMatch[0] }); i += idMatch[0].length; continue; }
    if ('+-*/^(),'.includes(c)) { out.push({ t: 'p', v: c }); i++; continue; }
    throw new ParseError(`unexpected character '${c}' at position ${i + 1}`);
  }
  return out;
}

export function parseAst(src: string): Ast {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isP = (v: string): boolean => { const t = peek(); return t !== undefined && t.t === 'p' && t.v === v; };
  const expectP = (v: string): void => {
    if (!isP(v)) throw new ParseError(`expected '${v}' ${peek() ? `before '${tokText(peek()!)}'` : 'at the end'}`);
    pos++;
  };
  const expr = (): Ast => {
    let a = term();
    while (isP('+') || isP('-')) {
      const op = (toks[pos++] as { v: '+' | '-' }).v;
      a = { k: 'op', op, a, b: term() };
    }
    return a;
  };
  const startsPrimary = (): boolean => { const t = peek(); return t !== undefined && (t.t === 'num' || t.t === 'id' || (t.t === 'p' && t.v === '(')); };
  const term = (): Ast => {
    let a = unary();
    for (;;) {
      if (isP('*') || isP('/')) {
        const op = (toks[pos++] as { v: '*' | '/' }).v;
        a = { k: 'op', op, a, b: unary() };
      } else if (startsPrimary()) {
        a = { k: 'op', op: '*', a, b: power() }; // implicit multiplication: 2z, 2(z+1)
      } else return a;
    }
  };
  const unary = (): Ast => {
    if (isP('-')) { pos++; return { k: 'neg', a: unary() }; }
    if (isP('+')) { pos++; return unary(); }
    return power();
  };
  const power = (): Ast => {
    const a = primary();
    if (isP('^')) { pos++; return { k: 'op', op: '^', a, b: unary() }; }
    return a;
  };
  const primary = (): Ast => {
    const t = peek();
    if (!t) throw new ParseError('unexpected end of expression');
    if (t.t === 'num') { pos++; return { k: 'num', v: t.v, text: t.text }; }
    if (t.t === 'id') {
      pos++;
      if (isP('(')) {
        pos++;
        const args: Ast[] = [];
        if (!isP(')')) {
          args.push(expr());
          while (isP(',')) { pos++; args.push(expr()); }
        }
        expectP(')');
        return { k: 'call', name: t.v, args };
      }
      return { k: 'sym', name: t.v };
    }
    if (t.v === '(') { pos++; const a = expr(); expectP(')'); return { k: 'paren', a }; }
    throw new ParseError(`unexpected '${t.v}'`);
  };
  if (toks.length === 0) throw new ParseError('empty expression');
  const result = expr();
  if (pos < toks.length) throw new ParseError(`unexpected '${tokText(toks[pos]!)}' after a complete expression`);
  return result;
}

function tokText(t: Tok): string { return t.t === 'num' ? t.text : t.v; }

/** Canonical text: the source with whitespace removed and the user's parentheses kept. */
export function printAst(a: Ast): string {
  switch (a.k) {
    case 'num': return a.text;
    case 'sym': return a.name;
    case 'op': return `${printAst(a.a)}${a.op}${printAst(a.b)}`;
    case 'neg': return `-${printAst(a.a)}`;
    case 'call': return `${a.name}(${a.args.map(printAst).join(',')})`;
    case 'paren': return `(${printAst(a.a)})`;
  }
}

const TEX_FN: Record<string, string> = {
  exp: '\\exp', log: '\\log', ln: '\\ln', sin: '\\sin', cos: '\\cos', tan: '\\tan', tanh: '\\tanh', sinh: '\\sinh',
  cosh: '\\cosh', atan: '\\arctan', asinh: '\\operatorname{arsinh}', erf: '\\operatorname{erf}', sigmoid: '\\operatorname{sigmoid}',
  log1p: '\\operatorname{log1p}',
};

const unparen = (a: Ast): Ast => (a.k === 'paren' ? unparen(a.a) : a);

export function astToTex(a: Ast): string {
  switch (a.k) {
    case 'num': return a.text;
    case 'sym': return a.name === 'pi' ? '\\pi' : a.name;
    case 'paren': return `\\left(${astToTex(a.a)}\\right)`;
    case 'neg': return `-${astToTex(a.a)}`;
    case 'call':
      if (a.name === 'sqrt') return `\\sqrt{${a.args.map((x) => astToTex(unparen(x))).join(',')}}`;
      return `${TEX_FN[a.name] ?? `\\operatorname{${a.name}}`}\\left(${a.args.map(astToTex).join(',')}\\right)`;
    case 'op':
      switch (a.op) {
        case '+': return `${astToTex(a.a)}+${astToTex(a.b)}`;
        case '-': return `${astToTex(a.a)}-${astToTex(a.b)}`;
        case '*': return `${astToTex(a.a)}\\cdot ${astToTex(a.b)}`;
        case '/': return `\\frac{${astToTex(unparen(a.a))}}{${astToTex(unparen(a.b))}}`;
        case '^': return `{${astToTex(a.a)}}^{${astToTex(unparen(a.b))}}`;
      }
  }
}
