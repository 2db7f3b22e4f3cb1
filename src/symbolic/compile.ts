/**
 * Compiler: a normal-form expression → generated JavaScript (new Function) implementing LayerEvaluator
 * (src/recursion-contract.ts). The generated function
 *  - loops over every assignment of the external indices over the m inputs, computing only the
 *    assignments that are smallest (row-major) in their orbit under the output tensor's symmetry group and
 *    copying the rest;
 *  - evaluates each term as coefficient × parameters × tensor entries × expectations. In the 'grouped'
 *    IBP form (docs/equations.md: ⟨∂δ1∂δ2 S_ab⟩ V_δ1δ2δ3δ4 …) a summed δ carried by a derivative runs only over the
 *    distinct inputs of that expectation's σ product (only δ's the integrand depends on contribute; when
 *    α's coincide each distinct index counts once), and the derivatives at one input act on that input's
 *    whole product through ctx.expectGroups — well defined for ReLU where single product-rule terms
 *    (δ² at one point) are not. Other summed indices loop over all m inputs;
 *  - fetches each distinct Gaussian expectation once per layer through a lazily filled table per
 *    expectation shape (ctx.expect / ctx.expectGroups, themselves memoised, are called once per entry).
 * Finite-width input tensors missing from ctx.prev (layer 1: V4, K1, … vanish) count as zero; K and Θ
 * must be present when used.
 */
import type { LayerEvaluator, RecursionContext } from '../recursion-contract.ts';
import { NnftInputError } from '../errors.ts';
import { QUANTITIES } from '../quantities.ts';
import { rToNumber } from './rational.ts';
import type { Expression, GaussExpec, TensorName } from './expr.ts';
import { validateExpression } from './expr.ts';
import { dummiesOf } from './canonical.ts';
import { tensorQuantity, validateTensors } from './tensors.ts';

/** The ctx.prev field a tensor symbol reads, and whether it counts as zero when absent (finite-width quantities). */
function prevTensor(name: string): { field: string; zeroIfMissing: boolean } {
  const q = tensorQuantity(name);
  if (q === undefined) throw new NnftInputError('expression', `tensor ${name} is not a layer quantity`);
  return { field: q, zeroIfMissing: QUANTITIES[q].finiteWidth };
}

const PARAM_CTX: Record<string, string> = { C_W: 'ctx.cw', C_b: 'ctx.cb', r: 'ctx.r', lambda_W: 'ctx.lambdaW', lambda_b: 'ctx.lambdaB', m: 'ctx.m' };

export interface CompileOptions {
  /**
   * Slot permutations p of the external indices under which the result is invariant
   * (out[idx] = out[p.map(s => idx[s])]); used to compute each distinct entry once. Default: none.
   */
  symmetry?: readonly (readonly number[])[];
}

export interface CompiledEvaluator {
  evaluate: LayerEvaluator;
  /** The generated JavaScript body (deterministic for a canonical expression). */
  source: string;
  /** Distinct expectation shapes the evaluator uses. */
  expectationShapes: string[];
}

function flatIndex(vars: readonly string[]): string {
  if (vars.length === 0) return '0';
  let s = vars[0]!;
  for (let i = 1; i < vars.length; i++) s = `(${s})*m+${vars[i]}`;
  return s;
}

interface Shape {
  id: number;
  key: string;
  orders: { order: number; arg: number }[];
  nargs: number;
  nderivs: number;
}

function shapeOf(g: GaussExpec): { key: string; args: string[]; orders: { order: number; arg: number }[]; derivs: readonly string[] } {
  const args: string[] = [];
  const orders = g.factors.map((f) => {
    if (f.kind !== 'sig') throw new NnftInputError('expression', 'a bare z is left inside GaussExpec', 'simplify (integrate by parts) before compiling');
    let a = args.indexOf(f.idx);
    if (a < 0) {
      args.push(f.idx);
      a = args.length - 1;
    }
    return { order: f.order, arg: a };
  });
  const key = orders.map((o) => `${o.order}@${o.arg}`).join('|') + (g.derivs.length ? `|d${g.derivs.length}` : '');
  return { key, args, orders, derivs: g.derivs };
}

/**
 * Runtime function placed in every generated evaluator with derivative expectations:
 * ⟨∂_{ys} Π σ^(orders[i])(z_{xs[i]})⟩ as ctx.expectGroups groups (the derivatives at one input act on the
 * product of that input's factors); 0 when some ∂ is taken at an input the product does not depend on.
 */
const GROUP_EXPECTATION_SOURCE = `
function groupExpect(xs, orders, ys) {
  const inputs = [], ords = [], der = [];
  for (let i = 0; i < xs.length; i++) {
    let g = inputs.indexOf(xs[i]);
    if (g < 0) { inputs.push(xs[i]); ords.push([]); der.push(0); g = inputs.length - 1; }
    ords[g].push(orders[i]);
  }
  for (const y of ys) { const g = inputs.indexOf(y); if (g < 0) return 0; der[g] += 1; }
  return ctx.expectGroups(inputs.map((input, g) => ({ input, orders: ords[g], deriv: der[g] })));
}
function uniq(a) { const o = []; for (const x of a) if (o.indexOf(x) < 0) o.push(x); return o; }
`;

/** Compile a normal-form expression (see ibp.ts) with the given external index order (output slot order). */
export function compileExpression(e: Expression, opts: CompileOptions = {}): CompiledEvaluator {
  validateExpression(e);
  validateTensors(e);
  const ext = new Set(e.externals);
  const k = e.externals.length;
  const loopVars = e.externals.map((_, i) => `i${i}`);
  const varOf = new Map(e.externals.map((x, i) => [x, loopVars[i]]));
  const shapes = new Map<string, Shape>();
  const usedTensors = new Set<TensorName>();
  const termCode: string[] = [];

  e.terms.forEach((t, ti) => {
    if (t.random.length) throw new NnftInputError(`term ${ti + 1}`, 'has random factors outside GaussExpec');
    const dummies = dummiesOf(t, ext);
    const local = new Map(varOf);
    dummies.forEach((d, j) => local.set(d, `s${j}`));
    const v = (i: string) => local.get(i)!;
    const factors: string[] = [];
    const c = rToNumber(t.coef);
    factors.push(String(c));
    for (const [p, pow] of Object.entries(t.params)) {
      const ref = PARAM_CTX[p];
      if (!ref) throw new NnftInputError(`term ${ti + 1}`, `unknown parameter '${p}'`);
      for (let q = 0; q < Math.abs(pow!); q++) factors.push(pow! > 0 ? ref : `(1/${ref})`);
    }
    const guards: string[] = [];
    const tensorRefs: string[] = [];
    for (const T of t.tensors) {
      if (T.name === 'Kinv') {
        throw new NnftInputError(`term ${ti + 1}`, 'an inverse kernel K⁻¹ is left after integration by parts', 'the compiled recursions never use K⁻¹ (docs/equations.md): simplify the expression first');
      }
      if (T.name === 'delta') {
        factors.push(`(${v(T.idx[0]!)}===${v(T.idx[1]!)}?1:0)`);
        continue;
      }
      usedTensors.add(T.name);
      if (prevTensor(T.name).zeroIfMissing) guards.push(`T_${T.name}`);
      factors.push(`T_${T.name}[${flatIndex(T.idx.map(v))}]`);
      tensorRefs.push(`T_${T.name}[${flatIndex(T.idx.map(v))}]`);
    }
    // a summed index that a derivative carries runs over the distinct inputs of that expectation's σ product
    const loopOver = new Map<string, string>();
    for (const g of t.expects) {
      const s = shapeOf(g);
      let sh = shapes.get(s.key);
      if (!sh) {
        sh = { id: shapes.size, key: s.key, orders: s.orders, nargs: s.args.length, nderivs: s.derivs.length };
        shapes.set(s.key, sh);
      }
      factors.push(`e${sh.id}(${[...s.args, ...s.derivs].map(v).join(', ')})`);
      const allExternal = s.args.every((x) => ext.has(x));
      for (const d of s.derivs) if (!ext.has(d) && allExternal && !loopOver.has(d)) loopOver.set(d, `uniq([${s.args.map(v).join(', ')}])`);
    }
    // A term whose tensor factor is exactly 0 contributes 0 and its expectations are not evaluated: at the first
    // layer V, K¹, … vanish identically, and an expectation they multiply may be undefined there term by term
    // (δ(z_a)δ(z_b) for a piecewise-linear σ when K⁽¹⁾ is singular: collinear inputs, C_b = 0).
    const prod = factors.join(' * ');
    const add = t.expects.length && tensorRefs.length ? `if (${tensorRefs.map((r) => `${r} !== 0`).join(' && ')}) acc += ${prod};` : `acc += ${prod};`;
    let code: string;
    if (!dummies.length) code = add;
    else {
      let open = '';
      const lists: string[] = [];
      dummies.forEach((d, j) => {
        const over = loopOver.get(d);
        if (over) {
          let li = lists.indexOf(over);
          if (li < 0) {
            lists.push(over);
            li = lists.length - 1;
          }
          open += `for (const s${j} of L${li}) `;
        } else open += `for (let s${j} = 0; s${j} < m; s${j}++) `;
      });
      code = `{ ${lists.map((l, i) => `const L${i} = ${l}; `).join('')}${open}{ ${add} } }`;
    }
    if (guards.length) code = `if (${[...new Set(guards)].join(' && ')}) ${code}`;
    termCode.push(`      ${code}`);
  });

  const lines: string[] = [];
  lines.push('"use strict";');
  lines.push('const m = ctx.m;');
  for (const T of [...usedTensors].sort()) {
    const { field, zeroIfMissing } = prevTensor(T);
    lines.push(`const T_${T} = ctx.prev.${field};`);
    if (!zeroIfMissing) lines.push(`if (!T_${T}) throw new Error('compiled evaluator needs ctx.prev.${field}');`);
  }
  if ([...shapes.values()].some((sh) => sh.nderivs > 0)) lines.push(GROUP_EXPECTATION_SOURCE);
  for (const sh of [...shapes.values()].sort((a, b) => a.id - b.id)) {
    const xs = Array.from({ length: sh.nargs }, (_, j) => `x${j}`);
    const ys = Array.from({ length: sh.nderivs }, (_, j) => `y${j}`);
    const args = [...xs, ...ys];
    // derivative arguments are stored by their position among the factor inputs (0 if absent): table m^nargs·nargs^nderivs
    const size = `${'m*'.repeat(xs.length)}${sh.nargs ** sh.nderivs}`;
    const value = sh.nderivs
      ? `groupExpect([${sh.orders.map((o) => `x${o.arg}`).join(', ')}], [${sh.orders.map((o) => o.order).join(', ')}], [${ys.join(', ')}])`
      : `ctx.expect([${sh.orders.map((o) => `{input: x${o.arg}, order: ${o.order}}`).join(', ')}])`;
    lines.push(`// shape ${sh.key}`);
    lines.push(`const n${sh.id} = ${size};`);
    lines.push(`const t${sh.id} = n${sh.id} <= 4194304 ? new Float64Array(n${sh.id}).fill(NaN) : null;`);
    lines.push(`const h${sh.id} = t${sh.id} ? null : new Map();`);
    lines.push(`function e${sh.id}(${args.join(', ')}) {`);
    if (sh.nderivs) {
      lines.push('  let c = 0, p;');
      for (const y of ys) {
        lines.push(`  p = ${xs.map((x, j) => `${y} === ${x} ? ${j} : `).join('')}-1; if (p < 0) return 0; c = c * ${sh.nargs} + p;`);
      }
      lines.push(`  const q = (${flatIndex(xs)}) * ${sh.nargs ** sh.nderivs} + c;`);
    } else lines.push(`  const q = ${flatIndex(args)};`);
    lines.push(`  if (t${sh.id}) { let v = t${sh.id}[q]; if (v !== v) { v = ${value}; t${sh.id}[q] = v; } return v; }`);
    lines.push(`  let v = h${sh.id}.get(q); if (v === undefined) { v = ${value}; h${sh.id}.set(q, v); } return v;`);
    lines.push('}');
  }
  lines.push(`const out = new Float64Array(${'m*'.repeat(k)}1);`);
  const sym = (opts.symmetry ?? []).filter((p) => p.some((s, i) => s !== i));
  for (const p of sym) {
    if (p.length !== k || [...p].sort().join() !== Array.from({ length: k }, (_, i) => i).join()) {
      throw new NnftInputError('symmetry', `[${p.join(', ')}] is not a permutation of ${k} slots`);
    }
  }
  let body = '';
  loopVars.forEach((lv) => {
    body += `for (let ${lv} = 0; ${lv} < m; ${lv}++) `;
  });
  const inner: string[] = [];
  inner.push(`    const idx = ${flatIndex(loopVars)};`);
  if (sym.length) {
    inner.push('    let c = idx, u;');
    for (const p of sym) inner.push(`    u = ${flatIndex(p.map((s) => loopVars[s]!))}; if (u < c) c = u;`);
    inner.push('    if (c !== idx) { out[idx] = out[c]; continue; }');
  }
  inner.push('    let acc = 0;');
  inner.push(...termCode);
  inner.push('    out[idx] = acc;');
  if (k === 0) lines.push(`{\n${inner.join('\n').replace('continue;', '')}\n}`);
  else lines.push(`${body}{\n${inner.join('\n')}\n}`);
  lines.push('return out;');
  const source = lines.join('\n');
  return evaluatorFromSource(source, [...shapes.keys()]);
}

/** The evaluator of a generated body (compileExpression's `source` and `expectationShapes`, e.g. precomputed). */
export function evaluatorFromSource(source: string, expectationShapes: string[]): CompiledEvaluator {
  // eslint-disable-next-line no-new-func
  const fn = new Function('ctx', source) as (ctx: RecursionContext) => Float64Array;
  return { evaluate: fn, source, expectationShapes };
}
