/**
 * Activation registry (names: README; exact symbolic derivatives, distributional ones for piecewise-linear σ). `getActivation(spec)` returns a cached {@link Activation}.
 *
 * Smooth activations carry exact derivatives of any order up to `maxOrder` (= 10): each is obtained by
 * symbolic differentiation (src/activations/symbolic.ts: mathjs parser, our own exact rules, erf included)
 * and compiled to straight-line JS. Piecewise-linear ones (relu, leaky_relu) expose their slopes in `pl`;
 * their derivatives of order ≥ 2 are distributions handled analytically by src/gaussian.
 *
 * Registry choices (documented):
 * - linear: σ(z) = z, treated as smooth.
 * - gelu: exact erf form z·Φ(z) = z(1 + erf(z/√2))/2.
 * - sigmoid, silu: differentiated in their tanh form (1 + tanh(z/2))/2, which is overflow-free.
 * - softplus: log(1 + e^z), evaluated stably as max(z,0) + log1p(e^{−|z|}); its derivatives are those
 *   of the sigmoid.
 * - swish: another name of silu (Ramachandran et al. call σ(z) = z·sigmoid(z) "swish").
 * - expressions in z are checked for singularities on the real line (src/activations/domain.ts): log(z), sqrt(z),
 *   1/z and the like get `singularity`, and Gaussian expectations refuse them.
 * - gauss: the Gauss-net activation (Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories";
 *   Maiti, Stoner, Halverson, "Symmetry-via-Duality", App. C) is σ(x) = exp(W x + b)/√exp(2K(x)) with
 *   K(x) = σ_b² + σ_W² x²/d the variance of the preactivation z = Wx + b, i.e. σ = exp(z − K(x)). The
 *   normalisation depends on the input through K(x), so it is not a pointwise function of z. We register
 *   `gauss(shift)` = exp(z − shift) (default shift = 0, i.e. σ = e^z). For inputs of equal K_αα (e.g.
 *   normalised inputs) shift = K_αα reproduces Gauss-net exactly, with NNGP kernel
 *   ⟨σ_a σ_b⟩ = exp(−(K_aa + K_bb)/2 + K_ab) (Gaussian in the input distance); in general the per-input
 *   factor e^{−K_αα} multiplies σ_α outside the expectation.
 */
import { NnftInputError } from '../errors.ts';
import type { ActivationSpec } from '../spec.ts';
import type { Activation } from './types.ts';
import { compile, compileJet, derivative as dExpr, type JetTabulator, parseExpression, type Expr } from './symbolic.ts';
import { parseAst, printAst, astToTex } from './parse.ts';
import { findSingularity } from './domain.ts';

export type { Activation } from './types.ts';
export { erf, erfc, normCdf, normPdf } from './erf.ts';

export const MAX_SMOOTH_ORDER = 10;

interface SmoothDef {
  kind: 'smooth';
  params?: { name: string; dflt: number }[];
  /** σ for display (mathjs syntax), given the parameter values. */
  expression: (p: number[]) => string;
  /** The form that is differentiated symbolically (mathematically equal to `expression`). */
  symbolic?: (p: number[]) => string;
  /** Numerically stable σ if the symbolic form is not. */
  f?: (p: number[]) => (z: number) => number;
  /** If set, σ^(k) for k ≥ 1 is this expression's (k−1)-th derivative (softplus: the sigmoid). */
  derivativeBase?: string;
  latex?: (p: number[]) => string;
}
interface PlDef {
  kind: 'piecewise-linear';
  params?: { name: string; dflt: number }[];
  slopes: (p: number[]) => { slopeNeg: number; slopePos: number };
  expression: (p: number[]) => string;
  latex: (p: number[]) => string;
}
type Def = SmoothDef | PlDef;

const REGISTRY: Record<string, Def> = {
  relu: {
    kind: 'piecewise-linear',
    slopes: () => ({ slopeNeg: 0, slopePos: 1 }),
    expression: () => 'max(z, 0)',
    latex: () => '\\max(z, 0)',
  },
  leaky_relu: {
    kind: 'piecewise-linear',
    params: [{ name: 'slope', dflt: 0.01 }],
    slopes: ([a]) => ({ slopeNeg: a!, slopePos: 1 }),
    expression: ([a]) => `max(z, ${a} * z)`,
    latex: ([a]) => `\\max(z, ${a}\\,z)`,
  },
  linear: { kind: 'smooth', expression: () => 'z' },
  tanh: { kind: 'smooth', expression: () => 'tanh(z)' },
  erf: { kind: 'smooth', expression: () => 'erf(z)', latex: () => '\\operatorname{erf}(z)' },
  gelu: {
    kind: 'smooth',
    expression: () => 'z * (1 + erf(z / sqrt(2))) / 2',
    latex: () => 'z\\,\\Phi(z) = \\frac{z}{2}\\left(1 + \\operatorname{erf}\\left(\\frac{z}{\\sqrt{2}}\\right)\\right)',
  },
  silu: {
    kind: 'smooth',
    expression: () => 'z / (1 + exp(-z))',
    symbolic: () => 'z * (1 + tanh(z / 2)) / 2',
  },
  sigmoid: {
    kind: 'smooth',
    expression: () => '1 / (1 + exp(-z))',
    symbolic: () => '(1 + tanh(z / 2)) / 2',
  },
  softplus: {
    kind: 'smooth',
    expression: () => 'log(1 + exp(z))',
    f: () => (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
    derivativeBase: '(1 + tanh(z / 2)) / 2',
  },
  sin: { kind: 'smooth', expression: () => 'sin(z)' },
  gauss: {
    kind: 'smooth',
    params: [{ name: 'shift', dflt: 0 }],
    expression: ([s]) => (s === 0 ? 'exp(z)' : `exp(z - ${s})`),
    latex: ([s]) => (s === 0 ? 'e^{z}' : `e^{z - ${s}}`),
  },
};

/** Other names of registry activations (alias → registry name). */
const ALIASES: Record<string, string> = { swish: 'silu' };

/** Registry names (expressions in z are accepted in addition). */
export const activationNames: string[] = Object.keys(REGISTRY);

const cache = new Map<string, Activation>();

function fmtParam(x: number): string {
  return String(x);
}

function resolveParams(name: string, def: Def, given: number[] | Record<string, number> | undefined, argument: string): number[] {
  const specs = def.params ?? [];
  if (given === undefined) return specs.map((p) => p.dflt);
  if (Array.isArray(given)) {
    if (given.length > specs.length) {
      throw new NnftInputError(argument, `${name} takes ${specs.length} parameter(s) (${specs.map((p) => p.name).join(', ') || 'none'}), got ${given.length}`);
    }
    return specs.map((p, i) => {
      const v = given[i] ?? p.dflt;
      if (!Number.isFinite(v)) throw new NnftInputError(argument, `parameter ${p.name} of ${name} must be a finite number, got ${v}`);
      return v;
    });
  }
  for (const k of Object.keys(given)) {
    if (!specs.some((p) => p.name === k)) {
      throw new NnftInputError(argument, `${name} has no parameter '${k}'`, specs.length ? `its parameters: ${specs.map((p) => p.name).join(', ')}` : `${name} takes no parameters`);
    }
  }
  return specs.map((p) => {
    const v = given[p.name] ?? p.dflt;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new NnftInputError(argument, `parameter ${p.name} of ${name} must be a finite number, got ${String(v)}`);
    return v;
  });
}

function canonicalName(name: string, def: Def, params: number[]): string {
  const specs = def.params ?? [];
  if (specs.length === 0 || specs.every((p, i) => p.dflt === params[i])) return name;
  return `${name}(${params.map(fmtParam).join(',')})`;
}

function texOf(expr: string): string {
  try {
    return astToTex(parseAst(expr));
  } catch {
    return expr;
  }
}

function makeSmooth(
  name: string, expression: string, symbolicSrc: string, fOverride: ((z: number) => number) | undefined, derivativeBase: string | undefined, latex: string,
  checkDomain = false,
): Activation {
  const base: Expr = parseExpression(symbolicSrc);
  const singularity = checkDomain ? findSingularity(base) : undefined;
  // chain[k] = σ^(k) as an expression (derivativeBase shifts by one order)
  const chain: Expr[] = [];
  const dBase = derivativeBase !== undefined ? parseExpression(derivativeBase) : undefined;
  const exprOf = (k: number): Expr => {
    if (dBase !== undefined && k >= 1) {
      // σ^(k) = dBase^(k−1); chain holds dBase derivatives at index k
      while (chain.length < k) chain.push(chain.length === 0 ? base : chain.length === 1 ? dBase : dExpr(chain[chain.length - 1]!));
      if (chain.length === k) chain.push(k === 1 ? dBase : dExpr(chain[k - 1]!));
      return chain[k]!;
    }
    while (chain.length <= k) chain.push(chain.length === 0 ? base : dExpr(chain[chain.length - 1]!));
    return chain[k]!;
  };
  const compiled = new Map<number, (z: number) => number>();
  const jets = new Map<number, JetTabulator>();
  const f0 = fOverride ?? compile(base);
  compiled.set(0, f0);
  const act: Activation = {
    name,
    kind: 'smooth',
    f: f0,
    maxOrder: MAX_SMOOTH_ORDER,
    expression,
    latex,
    ...(singularity !== undefined ? { singularity } : {}),
    derivative(k: number) {
      if (!Number.isInteger(k) || k < 0) throw new NnftInputError('derivative order', `expected an integer ≥ 0, got ${k}`);
      if (k > MAX_SMOOTH_ORDER) {
        throw new NnftInputError('derivative order', `${k} exceeds the maximum ${MAX_SMOOTH_ORDER} for activation ${name}`);
      }
      let g = compiled.get(k);
      if (!g) {
        g = compile(exprOf(k));
        compiled.set(k, g);
      }
      return g;
    },
    jet(kmax: number) {
      if (!Number.isInteger(kmax) || kmax < 0 || kmax > MAX_SMOOTH_ORDER) {
        throw new NnftInputError('derivative order', `expected an integer in 0..${MAX_SMOOTH_ORDER}, got ${kmax}`);
      }
      let j = jets.get(kmax);
      if (!j) {
        const roots: Expr[] = [];
        for (let k = 0; k <= kmax; k++) roots.push(exprOf(k));
        j = compileJet(roots, fOverride);
        jets.set(kmax, j);
      }
      return j;
    },
  };
  return act;
}

function makePl(name: string, slopes: { slopeNeg: number; slopePos: number }, expression: string, latex: string): Activation {
  const { slopeNeg: a, slopePos: b } = slopes;
  const f = (z: number) => (z > 0 ? b * z : a * z);
  const avg = (a + b) / 2;
  // σ'(0) = (s₋ + s₊)/2 pointwise: the convention of the recursions too (docs/piecewise-linear.md)
  const d1 = (z: number) => (z > 0 ? b : z < 0 ? a : avg);
  return {
    name,
    kind: 'piecewise-linear',
    f,
    maxOrder: 1,
    pl: { slopeNeg: a, slopePos: b },
    expression,
    latex,
    derivative(k: number) {
      if (!Number.isInteger(k) || k < 0) throw new NnftInputError('derivative order', `expected an integer ≥ 0, got ${k}`);
      if (k === 0) return f;
      if (k === 1) return d1;
      throw new NnftInputError(
        'derivative order',
        `σ^(${k}) of ${name} is a distribution (${b - a}·δ${k > 2 ? `^(${k - 2})` : ''}), not a function`,
        'use expectActivationProduct / makeLayerExpectation from src/gaussian, which reduce δ-terms analytically',
      );
    },
  };
}

const NAME_CALL = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*([^()]*)\)\s*$/;

/** Resolve an activation spec (registry name, 'name(p1,…)', {name, params}, or an expression in z). Cached. */
export function getActivation(spec: ActivationSpec): Activation {
  const argument = 'activation';
  let name: string;
  let params: number[] | Record<string, number> | undefined;
  if (typeof spec === 'string') {
    const s = spec.trim();
    if (s === '') throw new NnftInputError(argument, 'empty', `use one of ${activationNames.join(', ')} or an expression in z`);
    const m = NAME_CALL.exec(s);
    if (REGISTRY[s] || ALIASES[s]) {
      name = ALIASES[s] ?? s;
    } else if (m && (REGISTRY[m[1]!] || ALIASES[m[1]!]) && !/\bz\b/.test(m[2]!)) {
      name = ALIASES[m[1]!] ?? m[1]!;
      const parts = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((x) => x.trim());
      params = parts.map((x) => {
        const v = Number(x);
        if (x === '' || !Number.isFinite(v)) throw new NnftInputError(argument, `parameter '${x}' of ${name} is not a finite number`);
        return v;
      });
    } else {
      return expressionActivation(s);
    }
  } else if (spec !== null && typeof spec === 'object' && typeof spec.name === 'string') {
    name = spec.name.trim();
    name = ALIASES[name] ?? name;
    params = spec.params;
    if (!REGISTRY[name]) {
      if (params && Object.keys(params).length) throw new NnftInputError(argument, `unknown activation '${name}'`, `registry names: ${activationNames.join(', ')}`);
      return getActivation(name);
    }
  } else {
    throw new NnftInputError(argument, `expected a name, an expression in z, or {name, params}; got ${JSON.stringify(spec)}`);
  }
  const def = REGISTRY[name]!;
  const p = resolveParams(name, def, params, argument);
  const canon = canonicalName(name, def, p);
  const hit = cache.get(canon);
  if (hit) return hit;
  let act: Activation;
  if (def.kind === 'piecewise-linear') {
    act = makePl(canon, def.slopes(p), def.expression(p), def.latex(p));
  } else {
    const expression = def.expression(p);
    act = makeSmooth(canon, expression, def.symbolic ? def.symbolic(p) : expression, def.f?.(p), def.derivativeBase, def.latex ? def.latex(p) : texOf(expression));
  }
  cache.set(canon, act);
  return act;
}

function expressionActivation(src: string): Activation {
  parseExpression(src); // validates (throws NnftInputError naming the problem)
  const canon = printAst(parseAst(src));
  const hit = cache.get(canon);
  if (hit) return hit;
  const act = makeSmooth(canon, canon, canon, undefined, undefined, texOf(canon), true);
  cache.set(canon, act);
  return act;
}
