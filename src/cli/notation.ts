/**
 * The legend printed under a derived recursion (`nnft derive`): every symbol the printed expression uses,
 * in the notation of the printer (text or LaTeX), with its meaning in the conventions of Roberts, Yaida,
 * Hanin, *The Principles of Deep Learning Theory* (finite-width tensors of layer ℓ reported without their
 * 1/n_{ℓ−1}). The recursion maps layer ℓ (right-hand side) to layer ℓ+1 (the printed quantity).
 */
import type { Expression } from '../symbolic/index.ts';

export interface LegendEntry {
  text: string;
  latex: string;
  meaning: string;
}

const PARAMS: Record<string, LegendEntry> = {
  r: { text: 'r', latex: 'r', meaning: 'n_ℓ/n_{ℓ−1}, the width of layer ℓ over the width of layer ℓ−1 (the 1/n tensors of layer ℓ+1 carry 1/n_ℓ, those of layer ℓ 1/n_{ℓ−1}); 1 for equal widths' },
  C_W: { text: 'C_W', latex: 'C_W', meaning: 'weight variance of layer ℓ+1: W⁽ℓ⁺¹⁾_ij ~ N(0, C_W/n_ℓ)' },
  C_b: { text: 'C_b', latex: 'C_b', meaning: 'bias variance of layer ℓ+1: b⁽ℓ⁺¹⁾_i ~ N(0, C_b)' },
  lambda_W: { text: 'lambda_W', latex: '\\lambda_W', meaning: 'NTK learning-rate factor of the weights (each weight of layer ℓ+1 enters Θ̂ with λ_W/n_ℓ)' },
  lambda_b: { text: 'lambda_b', latex: '\\lambda_b', meaning: 'NTK learning-rate factor of the biases' },
  m: { text: 'm', latex: 'm', meaning: 'the number of inputs (a trace over an input index)' },
};

const TENSORS: Record<string, LegendEntry> = {
  K: { text: 'K[a, b]', latex: 'K_{\\alpha\\beta}', meaning: 'K⁽ℓ⁾_ab, the infinite-width kernel of layer ℓ' },
  Kinv: { text: 'Kinv[a, b]', latex: 'K^{\\alpha\\beta}', meaning: 'entries of the inverse kernel (K⁽ℓ⁾)⁻¹' },
  V: { text: 'V[a, b, c, d]', latex: 'V_{(\\alpha\\beta)(\\gamma\\delta)}', meaning: 'V⁽ℓ⁾_(ab)(cd), the four-point vertex of layer ℓ: connected E[z z z z] = (1/n_{ℓ−1})(δδ V + two permutations)' },
  K1: { text: 'K1[a, b]', latex: 'K^{\\{1\\}}_{\\alpha\\beta}', meaning: 'K¹⁽ℓ⁾_ab, the 1/n correction of the two-point function: E[z_a z_b] = K + K¹/n_{ℓ−1}' },
  Theta: { text: 'Theta[a, b]', latex: '\\Theta_{\\alpha\\beta}', meaning: 'Θ⁽ℓ⁾_ab, the infinite-width NTK of layer ℓ' },
  Theta1: { text: 'Theta1[a, b]', latex: '\\Theta^{\\{1\\}}_{\\alpha\\beta}', meaning: 'Θ¹⁽ℓ⁾_ab, the 1/n correction of the mean NTK: E[Θ̂] = Θ + Θ¹/n_{ℓ−1}' },
  A: { text: 'A[a, b, c, d]', latex: 'A_{(\\alpha\\beta)(\\gamma\\delta)}', meaning: 'A⁽ℓ⁾, NTK variance: E[ΔΘ̂_{i1i2;ab} ΔΘ̂_{i3i4;cd}] = (1/n_{ℓ−1})(δ_i1i2 δ_i3i4 A_(ab)(cd) + δ_i1i3 δ_i2i4 B_acbd + δ_i1i4 δ_i2i3 B_adbc)' },
  B: { text: 'B[a, b, c, d]', latex: 'B_{\\alpha\\beta\\gamma\\delta}', meaning: 'B⁽ℓ⁾, NTK variance (the other index pairing; see A)' },
  D: { text: 'D[a, b, c, d]', latex: 'D_{\\alpha\\beta\\gamma\\delta}', meaning: 'D⁽ℓ⁾, NTK–preactivation correlation: E[ΔΘ̂_{i1i2;ab} z_{i3;c} z_{i4;d}] = (1/n_{ℓ−1})(δ_i1i2 δ_i3i4 D_abcd + δ_i1i3 δ_i2i4 F_acbd + δ_i1i4 δ_i2i3 F_adbc)' },
  F: { text: 'F[a, b, c, d]', latex: 'F_{\\alpha\\beta\\gamma\\delta}', meaning: 'F⁽ℓ⁾, NTK–preactivation correlation (the other index pairing; see D)' },
  delta: { text: 'KroneckerDelta(a, b)', latex: '\\delta_{\\alpha\\beta}', meaning: 'Kronecker δ of two input indices' },
};

/** The printed quantity's left-hand side, for the legend's first line. */
const LEFT: Record<string, string> = {
  V4: 'V⁽ℓ⁺¹⁾_(a1a2)(a3a4)',
  K1: 'K¹⁽ℓ⁺¹⁾_a1a2',
  Theta1: 'Θ¹⁽ℓ⁺¹⁾_a1a2',
  A: 'A⁽ℓ⁺¹⁾_(a1a2)(a3a4)',
  B: 'B⁽ℓ⁺¹⁾_a1a2a3a4',
  D: 'D⁽ℓ⁺¹⁾_a1a2a3a4',
  F: 'F⁽ℓ⁺¹⁾_a1a2a3a4',
  K: 'K⁽ℓ⁺¹⁾_a1a2',
  Theta: 'Θ⁽ℓ⁺¹⁾_a1a2',
};

/** The symbols `expr` uses, in print order: parameters, expectation notation, tensors, indices. */
export function legendEntries(expr: Expression, name?: string): LegendEntry[] {
  const params = new Set<string>();
  const tensors = new Set<string>();
  let expectation = false;
  let sigma = false;
  let bareZ = false;
  let derivative = false;
  let groupedDerivative = false;
  for (const t of expr.terms) {
    for (const [k, p] of Object.entries(t.params)) if (p) params.add(k);
    for (const T of t.tensors) tensors.add(T.name);
    for (const g of t.expects) {
      expectation = true;
      if (g.derivs.length) groupedDerivative = true;
      for (const f of [...g.factors]) {
        if (f.kind === 'z') bareZ = true;
        else {
          sigma = true;
          if (f.order > 0) derivative = true;
        }
      }
    }
    for (const f of t.random) {
      if (f.kind === 'z') bareZ = true;
      else {
        sigma = true;
        if (f.order > 0) derivative = true;
      }
    }
  }
  const out: LegendEntry[] = [];
  for (const k of ['r', 'C_W', 'C_b', 'lambda_W', 'lambda_b', 'm']) if (params.has(k)) out.push(PARAMS[k]!);
  if (expectation) out.push({ text: 'GaussExpec(f)', latex: '\\langle f \\rangle', meaning: '⟨f⟩, the expectation over the layer-ℓ preactivations z ~ N(0, K⁽ℓ⁾) (one z per input index)' });
  if (sigma) out.push({ text: 'sig(z[a])', latex: '\\sigma_{\\alpha}', meaning: 'σ(z_a), the activation at the layer-ℓ preactivation of input a' });
  if (bareZ) out.push({ text: 'z[a]', latex: 'z_{\\alpha}', meaning: 'the layer-ℓ preactivation of input a' });
  if (derivative) out.push({ text: 'Derivative(sig(z[a]), z[a]), Derivative(sig(z[a]), (z[a], k))', latex: "\\sigma'_{\\alpha}, \\sigma''_{\\alpha}, \\sigma^{(k)}_{\\alpha}", meaning: 'σ′(z_a) and the k-th derivative σ⁽ᵏ⁾(z_a)' });
  if (groupedDerivative) out.push({ text: 'Derivative(f, z[d1], z[d2], …)', latex: '\\partial_{\\delta_1}\\partial_{\\delta_2} f', meaning: '∂²f/∂z_d1∂z_d2 … of the whole product f inside the expectation' });
  for (const k of Object.keys(TENSORS)) if (tensors.has(k)) out.push(TENSORS[k]!);
  const ext = expr.externals;
  if (ext.length) {
    const lhs = name !== undefined ? LEFT[name] : undefined;
    out.push({
      text: ext.join(', '),
      latex: ext.map((i) => i.replace(/^a(\d+)$/, '\\alpha_{$1}').replace(/^b(\d+)$/, '\\beta_{$1}')).join(', '),
      meaning: lhs !== undefined ? `the free input indices: the expression is ${lhs}` : 'the free input indices',
    });
  }
  const dummies = new Set<string>();
  const seen = (i: string): void => {
    if (!ext.includes(i)) dummies.add(i);
  };
  for (const t of expr.terms) {
    for (const T of t.tensors) T.idx.forEach(seen);
    for (const g of t.expects) {
      g.derivs.forEach(seen);
      g.factors.forEach((f) => seen(f.idx));
    }
  }
  if (dummies.size) {
    const list = [...dummies].sort();
    out.push({
      text: list.join(', '),
      latex: list.map((i) => i.replace(/^d(\d+)$/, '\\delta_{$1}')).join(', '),
      meaning: 'summed input indices (each runs over all inputs)',
    });
  }
  return out;
}

/** The legend as lines: `where` and one `  symbol  meaning` line per entry (LaTeX: `%` comment lines). */
export function legendLines(entries: readonly LegendEntry[], latex: boolean): string[] {
  if (!entries.length) return [];
  const sym = entries.map((e) => (latex ? e.latex : e.text));
  const w = Math.min(36, Math.max(...sym.map((s) => s.length)));
  const prefix = latex ? '% ' : '';
  return [`${prefix}where`, ...entries.map((e, i) => `${prefix}  ${sym[i]!.padEnd(w)}  ${e.meaning}`)];
}
