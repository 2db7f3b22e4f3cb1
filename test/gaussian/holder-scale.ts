/**
 * The scale the tolerances of the three- and four-input rules are relative to, bounded from above by Hölder's
 * inequality: ⟨|Π_i g_i(z_i)|⟩ ≤ Π_i ⟨|g_i(z_i)|^k⟩^{1/k} (k inputs, g_i = Π σ^(k) at input i, z_i ~ N(0, K_ii)), the
 * 1-D moments by a fine trapezoid rule (a scale, needed to ~1%).
 */
import type { Activation } from '../../src/activations/types.ts';

export function holderScale(act: Activation, variances: readonly number[], orders: readonly (readonly number[])[]): number {
  const k = orders.length;
  let s = 1;
  orders.forEach((ks, i) => {
    const sd = Math.sqrt(variances[i]!);
    let m = 0;
    for (let u = -12; u <= 12; u += 1 / 64) {
      const z = sd * u;
      const g = ks.reduce((p, o) => p * (o === 0 ? act.f(z) : act.derivative(o)(z)), 1);
      m += (Math.abs(g) ** k * Math.exp((-u * u) / 2)) / 64 / Math.sqrt(2 * Math.PI);
    }
    s *= m ** (1 / k);
  });
  return s;
}
