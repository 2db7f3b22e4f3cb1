/**
 * Parser for the text format the printers write (a SymPy-like form), so expressions can be
 * given by users (`nnft derive --ibp '…'`) and printed output can be read back:
 *   3*C_W**2*r*GaussExpec(sig(z[a1])*Derivative(sig(z[a2]), (z[a2], 2)))*V[a2, a2, a4, a4]/4
 *   GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))*K1[d1, d2]
 *   GaussExpec(sig(z[a1])*sig(z[a2])*z[b1]*z[b2]) - GaussExpec(sig(z[a1])*sig(z[a2]))*K[b1, b2]
 * Tensors: the registered quantities' symbols (K, Theta, V, K1, Theta1, A, B, D, F, …), Kinv (K⁻¹),
 * KroneckerDelta(i, j); parameters C_W, C_b, r,
 * lambda_W, lambda_b, m. Errors are NnftInputError naming the position.
 */
import { NnftInputError } from '../errors.ts';
import { E, add, expression, mul, neg, num, param, sig, tensor, z, PARAM_NAMES, type Expression, type ParamName, type Sum } from './expr.ts';
import { isTensorSymbol, tensorRank } from './tensors.ts';

type Tok = { t: 'id' | 'num' | 'sym'; v: string; at: number };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j]!)) j++;
      out.push({ t: 'id', v: s.slice(i, j), at: i });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[0-9]/.test(s[j]!)) j++;
      out.push({ t: 'num', v: s.slice(i, j), at: i });
      i = j;
      continue;
    }
    if (s.startsWith('**', i)) {
      out.push({ t: 'sym', v: '**', at: i });
      i += 2;
      continue;
    }
    if ('()[],*/+-'.includes(c)) {
      out.push({ t: 'sym', v: c, at: i });
      i++;
      continue;
    }
    throw new NnftInputError('expression', `unexpected character '${c}' at position ${i}`);
  }
  return out;
}

class Parser {
  private p = 0;
  constructor(private readonly toks: Tok[], private readonly src: string) {}

  private peek(): Tok | undefined {
    return this.toks[this.p];
  }
  private fail(msg: string): never {
    const at = this.peek()?.at ?? this.src.length;
    throw new NnftInputError('expression', `${msg} at position ${at}: …${this.src.slice(at, at + 30)}`);
  }
  private eat(v: string): void {
    const t = this.peek();
    if (!t || t.v !== v) this.fail(`expected '${v}'`);
    this.p++;
  }
  private isSym(v: string): boolean {
    const t = this.peek();
    return !!t && t.t === 'sym' && t.v === v;
  }
  private ident(): string {
    const t = this.peek();
    if (!t || t.t !== 'id') this.fail('expected a name');
    this.p++;
    return t.v;
  }
  private int(): number {
    const t = this.peek();
    if (!t || t.t !== 'num') this.fail('expected an integer');
    this.p++;
    return Number(t.v);
  }

  parseAll(): Sum {
    const s = this.sum();
    if (this.p !== this.toks.length) this.fail('unexpected input');
    return s;
  }

  private sum(): Sum {
    let sign = 1;
    if (this.isSym('-')) {
      this.p++;
      sign = -1;
    } else if (this.isSym('+')) this.p++;
    let acc = this.product();
    if (sign < 0) acc = neg(acc);
    while (this.isSym('+') || this.isSym('-')) {
      const minus = this.peek()!.v === '-';
      this.p++;
      const t = this.product();
      acc = add(acc, minus ? neg(t) : t);
    }
    return acc;
  }

  private product(): Sum {
    let acc = this.factor();
    while (this.isSym('*') || this.isSym('/')) {
      const div = this.peek()!.v === '/';
      this.p++;
      if (div) acc = mul(acc, num(1, this.int()));
      else acc = mul(acc, this.factor());
    }
    return acc;
  }

  private index(): string {
    return this.ident();
  }

  /** z[i] */
  private zIndex(): string {
    const n = this.ident();
    if (n !== 'z') this.fail("expected 'z['");
    this.eat('[');
    const i = this.index();
    this.eat(']');
    return i;
  }

  private factor(): Sum {
    const t = this.peek();
    if (!t) this.fail('unexpected end');
    if (t.t === 'num') {
      this.p++;
      return num(BigInt(t.v));
    }
    if (this.isSym('(')) {
      this.p++;
      const s = this.sum();
      this.eat(')');
      return s;
    }
    const name = this.ident();
    if (name === 'GaussExpec') {
      this.eat('(');
      const inner = this.integrand();
      this.eat(')');
      return inner;
    }
    if (name === 'KroneckerDelta') {
      this.eat('(');
      const i = this.index();
      this.eat(',');
      const j = this.index();
      this.eat(')');
      return tensor('delta', i, j);
    }
    if (isTensorSymbol(name) && this.isSym('[')) {
      this.eat('[');
      const idx = [this.index()];
      while (this.isSym(',')) {
        this.p++;
        idx.push(this.index());
      }
      this.eat(']');
      const rank = tensorRank(name);
      if (idx.length !== rank) throw new NnftInputError(`tensor ${name}`, `has ${rank} index slots, got ${idx.length}`);
      return tensor(name, ...idx);
    }
    if ((PARAM_NAMES as readonly string[]).includes(name)) {
      let pow = 1;
      if (this.isSym('**')) {
        this.p++;
        pow = this.int();
      }
      return param(name as ParamName, pow);
    }
    if (name === 'sig' || name === 'z' || name === 'Derivative') this.fail(`'${name}' outside GaussExpec(…)`);
    this.fail(`unknown name '${name}'`);
  }

  /** Inside GaussExpec: a product of random factors, or Derivative(product, z[d1], …), or 1. */
  private integrand(): Sum {
    const t = this.peek();
    if (t && t.t === 'id' && t.v === 'Derivative' && !this.isSigDerivative()) {
      this.p++;
      this.eat('(');
      const body = this.randomProduct();
      const ds: string[] = [];
      while (this.isSym(',')) {
        this.p++;
        ds.push(this.zIndex());
      }
      this.eat(')');
      return E(body, ds);
    }
    if (t && t.t === 'num' && t.v === '1') {
      this.p++;
      return num(1);
    }
    return E(this.randomProduct());
  }

  /** Whether the Derivative at the cursor is Derivative(sig(z[i]), z[i] | (z[i], k)) with sig alone as body. */
  private isSigDerivative(): boolean {
    const save = this.p;
    try {
      this.p++;
      this.eat('(');
      if (this.ident() !== 'sig') return false;
      this.eat('(');
      const i = this.zIndex();
      this.eat(')');
      if (!this.isSym(',')) return false;
      this.p++;
      let j: string;
      if (this.isSym('(')) {
        this.p++;
        j = this.zIndex();
        this.eat(',');
        this.int();
        this.eat(')');
      } else j = this.zIndex();
      // σ^(k)(z_i) when differentiated by its own variable and nothing follows; otherwise ∂_j acting on a product
      return j === i && this.isSym(')');
    } catch {
      return false;
    } finally {
      this.p = save;
    }
  }

  private randomProduct(): Sum {
    let acc = this.randomFactor();
    while (this.isSym('*')) {
      this.p++;
      acc = mul(acc, this.randomFactor());
    }
    return acc;
  }

  private randomFactor(): Sum {
    const name = this.ident();
    if (name === 'z') {
      this.eat('[');
      const i = this.index();
      this.eat(']');
      return z(i);
    }
    if (name === 'sig') {
      this.eat('(');
      const i = this.zIndex();
      this.eat(')');
      return sig(i);
    }
    if (name === 'Derivative') {
      this.eat('(');
      if (this.ident() !== 'sig') this.fail("expected 'sig' in Derivative(sig(z[i]), …)");
      this.eat('(');
      const i = this.zIndex();
      this.eat(')');
      this.eat(',');
      let order = 1;
      if (this.isSym('(')) {
        this.p++;
        const j = this.zIndex();
        if (j !== i) this.fail(`derivative variable z[${j}] differs from sig(z[${i}])`);
        this.eat(',');
        order = this.int();
        this.eat(')');
      } else {
        const j = this.zIndex();
        if (j !== i) this.fail(`derivative variable z[${j}] differs from sig(z[${i}])`);
      }
      this.eat(')');
      return sig(i, order);
    }
    this.fail(`expected sig(…), z[…] or Derivative(…) inside GaussExpec, got '${name}'`);
  }
}

/**
 * Parse the text format. External indices: given, or by default every index not of the printed
 * dummy form d1, d2, … (validated: a dummy must occur exactly twice in each term).
 */
export function parseExpression(text: string, externals?: readonly string[]): Expression {
  const sum = new Parser(tokenize(text), text).parseAll();
  let ext = externals;
  if (!ext) {
    const seen: string[] = [];
    for (const t of sum) {
      const visit = (i: string) => {
        if (!/^d\d+$/.test(i) && !seen.includes(i)) seen.push(i);
      };
      for (const T of t.tensors) T.idx.forEach(visit);
      for (const g of t.expects) {
        g.factors.forEach((f) => visit(f.idx));
        g.derivs.forEach(visit);
      }
    }
    ext = seen.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  }
  return expression(ext, sum);
}
