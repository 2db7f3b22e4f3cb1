/**
 * A small exact symbolic differentiator for expressions in one variable z, and a compiler from
 * expression trees to straight-line JavaScript with common-subexpression elimination.
 *
 * Parsing is src/activations/parse.ts (mathjs syntax, without mathjs's 1 s import); differentiation uses our own rules so that every function we accept has
 * an exact derivative — in particular erf (d/dz erf u = 2/√π e^{−u²} u'), which mathjs cannot
 * differentiate and nerdamer mangles. tanh is differentiated as 1 − tanh², so derivatives of tanh-based
 * activations stay in tanh (overflow-free for any real z).
 */
import { parseAst, ParseError, type Ast } from './parse.ts';
import { NnftInputError } from '../errors.ts';
import { erf } from './erf.ts';

export type Expr =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'var' }
  | { readonly t: 'add'; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'mul'; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'div'; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'pow'; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'neg'; readonly a: Expr }
  | { readonly t: 'fn'; readonly name: FnName; readonly a: Expr };

const FNS = ['exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'erf', 'atan', 'asinh', 'log1p'] as const;
export type FnName = (typeof FNS)[number];

// ---- smart constructors (light simplification) ----
export const num = (v: number): Expr => ({ t: 'num', v });
export const Z: Expr = { t: 'var' };
const isNum = (e: Expr, v?: number): boolean => e.t === 'num' && (v === undefined || e.v === v);

export function add(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (a.t === 'num' && b.t === 'num') return num(a.v + b.v);
  if (b.t === 'neg') return sub(a, b.a);
  return { t: 'add', a, b };
}
export function sub(a: Expr, b: Expr): Expr {
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  if (a.t === 'num' && b.t === 'num') return num(a.v - b.v);
  return { t: 'add', a, b: neg(b) };
}
export function neg(a: Expr): Expr {
  if (a.t === 'num') return num(-a.v);
  if (a.t === 'neg') return a.a;
  if (a.t === 'mul' && a.a.t === 'num') return mul(num(-a.a.v), a.b);
  return { t: 'neg', a };
}
export function mul(a: Expr, b: Expr): Expr {
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (a.t === 'num' && b.t === 'num') return num(a.v * b.v);
  if (b.t === 'num') return mul(b, a);
  if (a.t === 'num' && b.t === 'mul' && b.a.t === 'num') return mul(num(a.v * b.a.v), b.b);
  if (a.t === 'num' && b.t === 'neg') return mul(num(-a.v), b.a);
  if (a.t === 'neg') return neg(mul(a.a, b));
  if (b.t === 'neg') return neg(mul(a, b.a));
  if (a.t !== 'num' && b.t === 'mul' && b.a.t === 'num') return mul(b.a, mul(a, b.b));
  if (a.t === 'mul' && a.a.t === 'num') return mul(a.a, mul(a.b, b));
  return { t: 'mul', a, b };
}
export function div(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return num(0);
  if (isNum(b, 1)) return a;
  if (a.t === 'num' && b.t === 'num') return num(a.v / b.v);
  if (b.t === 'num') return mul(num(1 / b.v), a);
  return { t: 'div', a, b };
}
export function pow(a: Expr, b: Expr): Expr {
  if (isNum(b, 0)) return num(1);
  if (isNum(b, 1)) return a;
  if (a.t === 'num' && b.t === 'num') return num(Math.pow(a.v, b.v));
  return { t: 'pow', a, b };
}
export const fn = (name: FnName, a: Expr): Expr => {
  if (a.t === 'num') {
    const v = evalFn(name, a.v);
    if (Number.isFinite(v) && Number.isInteger(v)) return num(v);
  }
  return { t: 'fn', name, a };
};

function evalFn(name: FnName, x: number): number {
  switch (name) {
    case 'exp': return Math.exp(x);
    case 'log': return Math.log(x);
    case 'log1p': return Math.log1p(x);
    case 'sqrt': return Math.sqrt(x);
    case 'sin': return Math.sin(x);
    case 'cos': return Math.cos(x);
    case 'tan': return Math.tan(x);
    case 'tanh': return Math.tanh(x);
    case 'sinh': return Math.sinh(x);
    case 'cosh': return Math.cosh(x);
    case 'erf': return erf(x);
    case 'atan': return Math.atan(x);
    case 'asinh': return Math.asinh(x);
  }
}

// ---- parsing ----
export function parseExpression(src: string, argument = 'activation'): Expr {
  let node: Ast;
  try {
    node = parseAst(src);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    throw new NnftInputError(argument, `cannot parse expression '${src}': ${e.message}`, "write an expression in z such as 'z/(1+exp(-z))'");
  }
  return fromAst(node, src, argument);
}

function fromAst(n: Ast, src: string, argument: string): Expr {
  const bad = (what: string): never => {
    throw new NnftInputError(argument, `unsupported ${what} in expression '${src}'`, `use z, numbers, pi, e, + - * / ^ and ${FNS.join(', ')}`);
  };
  switch (n.k) {
    case 'paren':
      return fromAst(n.a, src, argument);
    case 'num':
      if (!Number.isFinite(n.v)) bad(`constant ${n.text}`);
      return num(n.v);
    case 'sym':
      if (n.name === 'z') return Z;
      if (n.name === 'pi') return num(Math.PI);
      if (n.name === 'e') return num(Math.E);
      throw new NnftInputError(argument, `unknown activation or symbol '${n.name}' in '${src}'`, `use a registry name or an expression in the variable z`);
    case 'neg':
      return neg(fromAst(n.a, src, argument));
    case 'op': {
      const a = fromAst(n.a, src, argument);
      const b = fromAst(n.b, src, argument);
      switch (n.op) {
        case '+': return add(a, b);
        case '-': return sub(a, b);
        case '*': return mul(a, b);
        case '/': return div(a, b);
        case '^': return pow(a, b);
      }
      return bad(`operator '${n.op}'`);
    }
    case 'call': {
      const name = n.name;
      const args = n.args.map((a) => fromAst(a, src, argument));
      if (args.length !== 1) bad(`function call ${name} with ${args.length} arguments`);
      if (name === 'ln') return fn('log', args[0]!);
      if (name === 'sigmoid') return div(num(1), add(num(1), fn('exp', neg(args[0]!))));
      if ((FNS as readonly string[]).includes(name)) return fn(name as FnName, args[0]!);
      return bad(`function '${name}'`);
    }
  }
}

// ---- differentiation ----
export function derivative(e: Expr): Expr {
  switch (e.t) {
    case 'num': return num(0);
    case 'var': return num(1);
    case 'add': return add(derivative(e.a), derivative(e.b));
    case 'neg': return neg(derivative(e.a));
    case 'mul': return add(mul(derivative(e.a), e.b), mul(e.a, derivative(e.b)));
    case 'div': {
      // a/b = a·b^(−1): powers of b then grow linearly with the order (the quotient rule squares b
      // at every step and overflows b^(2^k) at high order)
      const da = derivative(e.a);
      const db = derivative(e.b);
      return sub(div(da, e.b), mul(mul(e.a, db), pow(e.b, num(-2))));
    }
    case 'pow': {
      const da = derivative(e.a);
      if (e.b.t === 'num') return mul(mul(num(e.b.v), pow(e.a, num(e.b.v - 1))), da);
      const db = derivative(e.b);
      // (a^b)' = a^b (b' log a + b a'/a)
      return mul(e, add(mul(db, fn('log', e.a)), div(mul(e.b, da), e.a)));
    }
    case 'fn': {
      const u = e.a;
      const du = derivative(u);
      let outer: Expr;
      switch (e.name) {
        case 'exp': outer = e; break;
        case 'log': outer = div(num(1), u); break;
        case 'log1p': outer = div(num(1), add(num(1), u)); break;
        case 'sqrt': outer = div(num(0.5), e); break;
        case 'sin': outer = fn('cos', u); break;
        case 'cos': outer = neg(fn('sin', u)); break;
        case 'tan': outer = add(num(1), pow(e, num(2))); break;
        case 'tanh': outer = sub(num(1), pow(e, num(2))); break;
        case 'sinh': outer = fn('cosh', u); break;
        case 'cosh': outer = fn('sinh', u); break;
        case 'erf': outer = mul(num(2 / Math.sqrt(Math.PI)), fn('exp', neg(pow(u, num(2))))); break;
        case 'atan': outer = div(num(1), add(num(1), pow(u, num(2)))); break;
        case 'asinh': outer = div(num(1), fn('sqrt', add(num(1), pow(u, num(2))))); break;
      }
      return mul(outer, du);
    }
  }
}

// ---- printing and compilation ----
function numStr(v: number): string {
  if (Object.is(v, -0)) return '0';
  const s = String(v);
  return v < 0 ? `(${s})` : s;
}

/** Plain-text form (mathjs syntax). */
export function toText(e: Expr): string {
  switch (e.t) {
    case 'num': return numStr(e.v);
    case 'var': return 'z';
    case 'add': return `(${toText(e.a)} + ${toText(e.b)})`;
    case 'neg': return `(-${toText(e.a)})`;
    case 'mul': return `${toText(e.a)} * ${toText(e.b)}`;
    case 'div': return `(${toText(e.a)}) / (${toText(e.b)})`;
    case 'pow': return `(${toText(e.a)})^${toText(e.b)}`;
    case 'fn': return `${e.name}(${toText(e.a)})`;
  }
}

/** Straight-line code for several roots sharing one set of temporaries (hash-consed CSE). */
function straightLine(roots: readonly Expr[]): { lines: string[]; results: string[] } {
  // Hash-consing: a node's key is its operator and its children's variable names, so equal subtrees
  // (however they were built) share one temporary.
  const memo = new Map<Expr, string>();
  const varOf = new Map<string, string>();
  const lines: string[] = [];
  let counter = 0;
  const emit = (x: Expr): string => {
    const m = memo.get(x);
    if (m !== undefined) return m;
    let code: string;
    switch (x.t) {
      case 'num': return numStr(x.v);
      case 'var': return 'z';
      case 'add': code = `${emit(x.a)} + ${emit(x.b)}`; break;
      case 'neg': code = `-${emit(x.a)}`; break;
      case 'mul': code = `${emit(x.a)} * ${emit(x.b)}`; break;
      case 'div': code = `${emit(x.a)} / ${emit(x.b)}`; break;
      case 'pow': {
        const a = emit(x.a);
        if (x.b.t === 'num' && x.b.v === 2) code = `${a} * ${a}`;
        else if (x.b.t === 'num' && x.b.v === 3) code = `${a} * ${a} * ${a}`;
        else if (x.b.t === 'num' && x.b.v === -1) code = `1 / ${a}`;
        else if (x.b.t === 'num' && x.b.v === -2) code = `1 / (${a} * ${a})`;
        else code = `Math.pow(${a}, ${emit(x.b)})`;
        break;
      }
      case 'fn': {
        const a = emit(x.a);
        code = x.name === 'erf' ? `erf(${a})` : `Math.${x.name}(${a})`;
        break;
      }
    }
    let v = varOf.get(code);
    if (v === undefined) {
      v = `t${counter++}`;
      lines.push(`const ${v} = ${code};`);
      varOf.set(code, v);
    }
    memo.set(x, v);
    return v;
  };
  const results = roots.map(emit);
  return { lines, results };
}

/**
 * Compile to a JS function z ↦ value: straight-line code, one `const` per distinct subexpression.
 */
export function compile(e: Expr): (z: number) => number {
  const { lines, results } = straightLine([e]);
  const body = `${lines.join('\n')}\nreturn ${results[0]};`;
  const factory = new Function('erf', `return function sigma(z) {\n${body}\n};`) as (erf: (x: number) => number) => (z: number) => number;
  return factory(erf);
}

/** Tabulates several functions of z at many points: out[k][p] = f_k(zs[p]) for p < zs.length. */
export type JetTabulator = (zs: Float64Array, out: Float64Array[]) => void;

/**
 * Compile the roots f_0..f_K (σ, σ', …, σ^(K)) into ONE loop over the points that evaluates their shared
 * subexpressions once per point (for tanh: one Math.tanh, the derivatives are polynomials in it). `first`,
 * when given, replaces root 0 (activations with a numerically safer hand-written σ, e.g. softplus).
 */
export function compileJet(roots: readonly Expr[], first?: (z: number) => number): JetTabulator {
  const { lines, results } = straightLine(first ? roots.slice(1) : roots);
  const outs = roots.map((_, k) => `const o${k} = out[${k}];`).join(' ');
  const stores = first
    ? [`o0[p] = first(z);`, ...results.map((r, k) => `o${k + 1}[p] = ${r};`)]
    : results.map((r, k) => `o${k}[p] = ${r};`);
  const body = `${outs}\nconst n = zs.length;\nfor (let p = 0; p < n; p++) {\nconst z = zs[p];\n${lines.join('\n')}\n${stores.join('\n')}\n}`;
  const factory = new Function('erf', 'first', `return function sigmaJet(zs, out) {\n${body}\n};`) as (
    erf: (x: number) => number,
    first: ((z: number) => number) | undefined,
  ) => JetTabulator;
  return factory(erf, first);
}

