/**
 * The errors of src/gaussian when an expectation cannot be delivered to its tolerance: what (the expectation and
 * the activation), why (divergence, overflow, a non-finite σ, unresolvable features) and the fix. The recursion
 * solver adds the layer and the quantity. Overflow of a finite but unrepresentable expectation is an
 * {@link NnftOverflowError}: the solver reports the layers before it (truncated result) instead of failing.
 */
import { NnftNumericalError, type NumericalLocation } from '../errors.ts';
import type { Activation } from '../activations/types.ts';
import type { CalibrationFailure } from './types.ts';
import { activationFeatures } from './features.ts';

/** A Gaussian expectation (or a recursion quantity) whose value exceeds the double range. */
export class NnftOverflowError extends NnftNumericalError {
  constructor(what: string, reason: string, fix: string, location: NumericalLocation = {}) {
    super(what, reason, fix, location);
    this.name = 'NnftOverflowError';
  }
}

const PRIMES = ['', '′', '″', '‴'];

/** ⟨σ(z0)² σ′(z1)⟩-style description of a product of σ^(k) at inputs. */
export function describeProduct(inputs: readonly number[], orders: readonly (readonly number[])[]): string {
  const parts: string[] = [];
  inputs.forEach((a, i) => {
    const counts = new Map<number, number>();
    for (const k of orders[i] ?? []) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const [k, n] of [...counts.entries()].sort((x, y) => x[0] - y[0])) {
      const sym = k < PRIMES.length ? `σ${PRIMES[k]}` : `σ^(${k})`;
      parts.push(`${sym}(z${a})${n > 1 ? (n === 2 ? '²' : n === 3 ? '³' : n === 4 ? '⁴' : `^${n}`) : ''}`);
    }
  });
  return `⟨${parts.join(' ')}⟩`;
}

export function what(act: Activation, desc: string): string {
  return `the Gaussian expectation ${desc} of the activation ${act.name}`;
}

const FIX_SCALE = 'use a smaller kernel scale (smaller --cw or --cb, or rescaled --inputs) or fewer layers';

function fmt(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/**
 * The error for a calibration failure. K is the largest variance of the coordinates involved, power the largest
 * number of factors at one coordinate, gamma the activation's quadratic growth rate (log|σ| ≈ γ z²).
 */
export function failureError(act: Activation, desc: string, f: CalibrationFailure, K: number, power: number, gamma: number): NnftNumericalError {
  const w = what(act, desc);
  const tame = activationFeatures(act).growth.tame;
  switch (f.kind) {
    case 'nonfinite': {
      const d = f.order === 0 ? 'σ' : `σ${f.order < PRIMES.length ? PRIMES[f.order] : `^(${f.order})`}`;
      if (!tame && (f.value === Infinity || f.value === -Infinity)) {
        return new NnftOverflowError(
          w,
          `${d}(z) overflows double precision (${f.value}) at z = ${fmt(f.z)}, where the Gaussian of variance K = ${fmt(K)} has non-negligible weight (the expectation is too large to represent, or diverges)`,
          FIX_SCALE,
        );
      }
      return new NnftNumericalError(
        w,
        `${d}(z) = ${f.value} at z = ${fmt(f.z)}, where the Gaussian of variance K = ${fmt(K)} has non-negligible weight`,
        'write the activation so that it and its derivatives are finite on the whole real line (e.g. the registry silu instead of z/(1+exp(-z)), softplus instead of log(z))',
      );
    }
    case 'growth': {
      const P = Math.max(power, f.power);
      if (gamma > 0 && 2 * P * gamma * K >= 1) {
        return new NnftNumericalError(
          w,
          `the integral diverges: |σ(z)|^${P} grows like e^{${fmt(P * gamma)} z²}, at least as fast as the Gaussian weight e^{−z²/(2K)} decays at K = ${fmt(K)} (it converges only for K < ${fmt(1 / (2 * P * gamma))})`,
          FIX_SCALE,
        );
      }
      if (gamma > 0 && 2 * P * gamma * K >= 0.5) {
        return new NnftNumericalError(
          w,
          `K = ${fmt(K)} is too close to the divergence of the integral at K = ${fmt(1 / (2 * P * gamma))} (|σ(z)|^${P} grows like e^{${fmt(P * gamma)} z²}): the integrand decays too slowly to integrate in double precision`,
          FIX_SCALE,
        );
      }
      return new NnftOverflowError(
        w,
        f.overflow
          ? `|σ(z)|^${P} times the Gaussian weight overflows double precision at K = ${fmt(K)} (the expectation is too large to represent)`
          : `the integrand's mass lies beyond ${40} standard deviations at K = ${fmt(K)}: σ grows too fast for this kernel scale (the expectation is too large to represent)`,
        FIX_SCALE,
      );
    }
    case 'resolution':
      return new NnftNumericalError(
        w,
        `σ's features cannot be resolved under a Gaussian of variance K = ${fmt(K)} (σ is not of polynomial growth, so the graded rule for large K does not apply)`,
        FIX_SCALE,
      );
  }
}

/** The error for a graded evaluation whose error estimate stays above the tolerance after refinement. */
export function accuracyError(act: Activation, desc: string, err: number, mass: number, tol: number, K: number): NnftNumericalError {
  return new NnftNumericalError(
    what(act, desc),
    `the quadrature error estimate ${fmt(err / (mass || 1))} (relative) stays above the tolerance ${fmt(tol)} after refinement at K = ${fmt(K)}`,
    FIX_SCALE,
  );
}

/** The error for a non-finite value of an expectation whose integrand values were all finite. */
export function overflowError(act: Activation, desc: string, value: number, K: number): NnftOverflowError {
  return new NnftOverflowError(what(act, desc), `its value overflows double precision (${value}) at K = ${fmt(K)}`, FIX_SCALE);
}
