/**
 * Which formula the kernel engine uses for ⟨σσ⟩ and ⟨σ'σ'⟩ (src/kernels/pairs.ts): a closed form where one exists
 * for the activation, the Mehler (Hermite) series otherwise.
 */
import type { Activation } from '../activations/types.ts';
import { METHOD, type MethodCode } from './pairs.ts';

export interface KernelMethod {
  code: MethodCode;
  slopeNeg: number;
  slopePos: number;
  shift: number;
  /** A sentence for meta.json and the docs. */
  description: string;
  /** true: a closed form (exact to rounding). */
  closedForm: boolean;
}

const GAUSS = /^gauss(?:\(\s*([^()]*)\s*\))?$/;

export function kernelMethod(act: Activation): KernelMethod {
  const base = { slopeNeg: 0, slopePos: 1, shift: 0, closedForm: true };
  if (act.kind === 'piecewise-linear' && act.pl) {
    const { slopeNeg, slopePos } = act.pl;
    return {
      ...base,
      code: METHOD.PIECEWISE_LINEAR,
      slopeNeg,
      slopePos,
      description: `closed form: arc-cosine kernels of degree 1 and 0 (Cho & Saul) for slopes ${slopeNeg} (z < 0) and ${slopePos} (z > 0)`,
    };
  }
  const expr = act.expression.replace(/\s+/g, '');
  if (act.name === 'erf' || expr === 'erf(z)') {
    return { ...base, code: METHOD.ERF, description: "closed form: Williams' arcsine kernel; ⟨erf'erf'⟩ = (4/π) det(I + 2K)^(−1/2)" };
  }
  if (act.name === 'linear' || expr === 'z') return { ...base, code: METHOD.LINEAR, description: 'closed form: ⟨σσ⟩ = K_ab, ⟨σ\'σ\'⟩ = 1' };
  if (act.name === 'sin' || expr === 'sin(z)') {
    return { ...base, code: METHOD.SIN, description: 'closed form: ⟨sin sin⟩ = e^(−(K_aa+K_bb)/2) sinh K_ab, ⟨cos cos⟩ = e^(−(K_aa+K_bb)/2) cosh K_ab' };
  }
  const g = GAUSS.exec(act.name);
  if (g || expr === 'exp(z)') {
    const shift = g && g[1] !== undefined && g[1] !== '' ? Number(g[1]) : 0;
    if (Number.isFinite(shift)) {
      return { ...base, code: METHOD.EXP, shift, description: `closed form: σ = σ' = e^(z − ${shift}), ⟨σσ⟩ = e^((K_aa+K_bb)/2 + K_ab − ${2 * shift})` };
    }
  }
  return {
    ...base,
    code: METHOD.HERMITE,
    closedForm: false,
    description:
      'Mehler (Hermite) series Σ_k ρ^k ĉ_k(a) ĉ_k(b) with coefficients per distinct K_aa (trapezoid quadrature), truncated per pair by the Parseval tail bound',
  };
}
