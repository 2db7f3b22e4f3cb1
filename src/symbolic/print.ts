/**
 * Printers: a SymPy-like text form (`GaussExpec(Derivative(sig(z[a1]), z[a1])*sig(z[a2]))*K[b1, a1]`, the
 * format of Misof's symbolic IBP output)
 * and LaTeX. Both print the terms in the order given (canonical after `collect`), so a canonical
 * expression prints identically on every run.
 */
import type { Expression, GaussExpec, RandomFactor, Tensor, Term } from './expr.ts';
import { PARAM_NAMES } from './expr.ts';
import { tensorLatex } from './tensors.ts';

// ------------------------------------------------------------------ text

function sigText(f: RandomFactor): string {
  if (f.kind === 'z') return `z[${f.idx}]`;
  const base = `sig(z[${f.idx}])`;
  if (f.order === 0) return base;
  if (f.order === 1) return `Derivative(${base}, z[${f.idx}])`;
  return `Derivative(${base}, (z[${f.idx}], ${f.order}))`;
}

function expectText(g: GaussExpec): string {
  const body = g.factors.length ? g.factors.map(sigText).join('*') : '1';
  if (!g.derivs.length) return `GaussExpec(${body})`;
  return `GaussExpec(Derivative(${body}, ${g.derivs.map((d) => `z[${d}]`).join(', ')}))`;
}

function tensorText(T: Tensor): string {
  if (T.name === 'delta') return `KroneckerDelta(${T.idx.join(', ')})`;
  return `${T.name}[${T.idx.join(', ')}]`;
}

function paramText(t: Term): string[] {
  const out: string[] = [];
  for (const k of PARAM_NAMES) {
    const p = t.params[k];
    if (!p) continue;
    out.push(p === 1 ? k : `${k}**${p}`);
  }
  return out;
}

/** One term without its sign: `3*C_W**2*GaussExpec(…)*V[…]/4`. */
function termBody(t: Term): string {
  const n = t.coef.num < 0n ? -t.coef.num : t.coef.num;
  const parts = [...paramText(t), ...t.expects.map(expectText), ...t.tensors.map(tensorText), ...t.random.map(sigText)];
  let s = parts.join('*');
  if (n !== 1n || !s) s = s ? `${n}*${s}` : `${n}`;
  if (t.coef.den !== 1n) s += `/${t.coef.den}`;
  return s;
}

export function toText(e: Expression): string {
  if (!e.terms.length) return '0';
  return e.terms
    .map((t, i) => {
      const neg = t.coef.num < 0n;
      const body = termBody(t);
      if (i === 0) return neg ? `-${body}` : body;
      return neg ? ` - ${body}` : ` + ${body}`;
    })
    .join('');
}

// ------------------------------------------------------------------ LaTeX

function idxTex(i: string): string {
  const m = /^([a-z])(\d+)$/.exec(i);
  const greek: Record<string, string> = { a: '\\alpha', b: '\\beta', d: '\\delta', g: '\\gamma' };
  if (m && greek[m[1]!]) return `${greek[m[1]!]}_{${m[2]}}`;
  return i.replace(/_/g, '\\_');
}

function sigTex(f: RandomFactor): string {
  if (f.kind === 'z') return `z_{${idxTex(f.idx)}}`;
  const primes = f.order === 0 ? '' : f.order <= 3 ? "'".repeat(f.order) : `^{(${f.order})}`;
  return `\\sigma${primes}_{${idxTex(f.idx)}}`;
}

function expectTex(g: GaussExpec): string {
  const body = g.factors.length ? g.factors.map(sigTex).join(' ') : '1';
  const d = g.derivs.map((x) => `\\partial_{${idxTex(x)}}`).join(' ');
  return d ? `\\left\\langle ${d} \\left(${body}\\right) \\right\\rangle` : `\\left\\langle ${body} \\right\\rangle`;
}

function tensorTex(T: Tensor): string {
  const ix = T.idx.map(idxTex);
  const { symbol, pairedSlots } = tensorLatex(T.name);
  if (T.name === 'Kinv') return `K^{${ix.join('')}}`;
  if (pairedSlots) return `${symbol}_{(${ix[0]}${ix[1]})(${ix[2]}${ix[3]})}`;
  return `${symbol}_{${ix.join('')}}`;
}

const PARAM_TEX: Record<string, string> = { C_W: 'C_W', C_b: 'C_b', r: 'r', lambda_W: '\\lambda_W', lambda_b: '\\lambda_b', m: 'm' };

function termTex(t: Term): string {
  const n = t.coef.num < 0n ? -t.coef.num : t.coef.num;
  const parts: string[] = [];
  if (t.coef.den !== 1n) parts.push(`\\frac{${n}}{${t.coef.den}}`);
  else if (n !== 1n) parts.push(`${n}`);
  for (const k of PARAM_NAMES) {
    const p = t.params[k];
    if (p) parts.push(p === 1 ? PARAM_TEX[k]! : `${PARAM_TEX[k]}^{${p}}`);
  }
  parts.push(...t.expects.map(expectTex), ...t.tensors.map(tensorTex), ...t.random.map(sigTex));
  return parts.length ? parts.join(' ') : '1';
}

export function toLatex(e: Expression): string {
  if (!e.terms.length) return '0';
  return e.terms
    .map((t, i) => {
      const neg = t.coef.num < 0n;
      const body = termTex(t);
      if (i === 0) return neg ? `-${body}` : body;
      return neg ? ` - ${body}` : ` + ${body}`;
    })
    .join('');
}
