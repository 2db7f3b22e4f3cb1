/**
 * Domain analysis of an activation expression: is σ (with its derivatives) finite on the whole real line? A
 * Gaussian preactivation takes every real value with positive probability, so an activation that is undefined or
 * singular somewhere on ℝ has no Gaussian expectations (or none of its derivatives do): log(z), sqrt(z), 1/z,
 * z^(-1), z^0.5, tan(z), log(z^2), sin(z)/z are refused before any integral is attempted.
 *
 * Checked, for every sub-expression of σ:
 *  - log(u):          u > 0 everywhere          (log of a value ≤ 0 is NaN/−∞; u touching 0 makes σ' singular)
 *  - log1p(u):        1 + u > 0 everywhere
 *  - sqrt(u):         u > 0 everywhere          (u = 0 makes σ' = u'/(2√u) singular)
 *  - a/b:             b ≠ 0 everywhere          (no sign change, no zero touched)
 *  - a^p:             p an integer ≥ 0: always fine; p a negative integer: a ≠ 0; otherwise a > 0
 *  - tan(u):          cos(u) ≠ 0 everywhere
 * The argument is sampled on z ∈ [−64, 64] (step 1/64) and geometrically out to |z| = 10¹² (ratio 1.02); a sign
 * change between samples, a value of the wrong sign, or a local minimum of |u| that a golden-section search drives
 * below 1e-12 of the local scale counts as a zero. Values that overflow (±∞) count with their sign; NaN samples are
 * left to the sub-expression that produced them.
 */
import type { Expr } from './symbolic.ts';
import { compile, toText } from './symbolic.ts';

let grid: number[] | undefined;
/** The sample points (built on first use: most runs never check a domain, and every process start would pay). */
function samplingGrid(): number[] {
  if (grid === undefined) {
    const g: number[] = [];
    for (let i = -64 * 64; i <= 64 * 64; i++) g.push(i / 64);
    const tail: number[] = [];
    for (let t = 64 * 1.02; t <= 1e12; t *= 1.02) tail.push(t);
    grid = [...tail.map((t) => -t).reverse(), ...g, ...tail];
  }
  return grid;
}

type Condition = 'positive' | 'nonzero';

/** A description of the first singularity of σ on the real line, or undefined when σ is finite everywhere. */
export function findSingularity(e: Expr): string | undefined {
  const checks: { arg: Expr; cond: Condition; what: (u: string) => string }[] = [];
  const walk = (x: Expr): void => {
    switch (x.t) {
      case 'num':
      case 'var':
        return;
      case 'neg':
        walk(x.a);
        return;
      case 'add':
      case 'mul':
        walk(x.a);
        walk(x.b);
        return;
      case 'div':
        walk(x.a);
        walk(x.b);
        checks.push({ arg: x.b, cond: 'nonzero', what: (u) => `division by ${u}` });
        return;
      case 'pow':
        walk(x.a);
        walk(x.b);
        if (x.b.t === 'num') {
          const p = x.b.v;
          if (Number.isInteger(p) && p >= 0) return;
          if (Number.isInteger(p)) checks.push({ arg: x.a, cond: 'nonzero', what: (u) => `${u} raised to the negative power ${p}` });
          else checks.push({ arg: x.a, cond: 'positive', what: (u) => `${u} raised to the non-integer power ${p}` });
        } else {
          checks.push({ arg: x.a, cond: 'positive', what: (u) => `${u} raised to a variable power` });
        }
        return;
      case 'fn':
        walk(x.a);
        if (x.name === 'log') checks.push({ arg: x.a, cond: 'positive', what: (u) => `log(${u})` });
        else if (x.name === 'sqrt') checks.push({ arg: x.a, cond: 'positive', what: (u) => `sqrt(${u})` });
        else if (x.name === 'log1p') checks.push({ arg: { t: 'add', a: { t: 'num', v: 1 }, b: x.a }, cond: 'positive', what: (u) => `log1p(${toText(x.a)}) = log(${u})` });
        else if (x.name === 'tan') checks.push({ arg: { t: 'fn', name: 'cos', a: x.a }, cond: 'nonzero', what: () => `tan(${plain(toText(x.a))}) has poles where its cosine vanishes: it` });
        return;
    }
  };
  walk(e);
  for (const c of checks) {
    const bad = violation(c.arg, c.cond);
    if (bad === undefined) continue;
    const u = plain(toText(c.arg));
    const where = bad.kind === 'zero' ? `vanishes at z ≈ ${fmt(bad.z)}` : `is ${bad.value <= 0 ? (bad.value === 0 ? '0' : 'negative') : bad.value} at z = ${fmt(bad.z)}`;
    const need = c.cond === 'positive' ? `needs ${u} > 0` : `needs ${u} ≠ 0`;
    return `${c.what(u)} ${need} for every real z, but ${u} ${where}`;
  }
  return undefined;
}

/** The printed form without redundant parentheses: z + (-0.3) → z - 0.3, (z)^2 → z^2, outer parentheses. */
function plain(s: string): string {
  let t = s.replace(/\+ \(-([0-9.e+-]+)\)/g, '- $1').replace(/(?<![A-Za-z0-9_])\(z\)/g, 'z').replace(/\(\(([^()]*)\)\)/g, '($1)');
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1);
  return t;
}
function balanced(s: string): boolean {
  let d = 0;
  for (const ch of s) {
    if (ch === '(') d++;
    else if (ch === ')' && --d < 0) return false;
  }
  return d === 0;
}

function fmt(z: number): string {
  if (z === 0) return '0';
  return Math.abs(z) >= 1e-3 && Math.abs(z) < 1e6 ? String(Number(z.toPrecision(6))) : z.toExponential(3);
}

type Violation = { kind: 'value'; z: number; value: number } | { kind: 'zero'; z: number };

function violation(arg: Expr, cond: Condition): Violation | undefined {
  const u = compile(arg);
  const GRID = samplingGrid();
  const vals = GRID.map(u);
  // the offending sample nearest to z = 0
  let best: Violation | undefined;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (Number.isNaN(v)) continue;
    if ((v === 0 || (cond === 'positive' && v < 0)) && (!best || Math.abs(GRID[i]!) < Math.abs(best.z))) best = { kind: 'value', z: GRID[i]!, value: v };
  }
  if (best) return best;
  // sign changes between samples (a crossing of zero), the one nearest to z = 0
  let cross = -1;
  for (let i = 0; i + 1 < vals.length; i++) {
    const a = vals[i]!;
    const b = vals[i + 1]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    if (((a < 0 && b > 0) || (a > 0 && b < 0)) && (cross < 0 || Math.abs(GRID[i]!) < Math.abs(GRID[cross]!))) cross = i;
  }
  if (cross >= 0) return { kind: 'zero', z: bisectZero(u, GRID[cross]!, GRID[cross + 1]!) };
  // zeros touched without a sign change: local minima of |u| refined by golden-section search
  for (let i = 1; i + 1 < vals.length; i++) {
    const a = Math.abs(vals[i - 1]!);
    const b = Math.abs(vals[i]!);
    const c = Math.abs(vals[i + 1]!);
    if (!(b <= a && b <= c) || !Number.isFinite(b)) continue;
    const scale = Math.max(a, c, 1e-300);
    const { z, v } = goldenMin((x) => Math.abs(u(x)), GRID[i - 1]!, GRID[i + 1]!);
    if (v <= 1e-12 * scale) return { kind: 'zero', z };
  }
  return undefined;
}

function bisectZero(u: (z: number) => number, a0: number, b0: number): number {
  let a = a0;
  let b = b0;
  const sa = Math.sign(u(a));
  for (let i = 0; i < 200 && b - a > 1e-15 * Math.max(1, Math.abs(a)); i++) {
    const m = 0.5 * (a + b);
    if (Math.sign(u(m)) === sa) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}

function goldenMin(f: (z: number) => number, a0: number, b0: number): { z: number; v: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = a0;
  let b = b0;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 120; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return fc < fd ? { z: c, v: fc } : { z: d, v: fd };
}
