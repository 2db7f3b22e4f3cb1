/**
 * Student's t tail and quantiles (src/symmetry/student.ts) against scipy.stats.t (sf, isf; values printed by
 * scipy 1.x, an independent implementation through the Cephes incomplete beta function), over the degrees of
 * freedom the symmetry tests use (1 … 10⁷) and the Bonferroni levels down to 10⁻¹⁰⁰.
 */
import { describe, expect, it } from 'vitest';
import { lnGamma, studentUpperQuantile, studentUpperTail } from '../../src/symmetry/student.ts';

/** [ν, p, t⁻¹_ν(1 − p)] from scipy.stats.t.isf(p, ν) */
const QUANTILES: [number, number, number][] = [
  [1, 0.1, 3.0776835371752536], [1, 1e-3, 318.30883898555044], [1, 1e-8, 31830988.61837906], [1, 1e-15, 318309886183790.7], [1, 1e-100, 3.183098861837907e99],
  [3, 0.1, 1.6377443536962089], [3, 1e-3, 10.214531852407385], [3, 1e-8, 479.5250695797382], [3, 1e-15, 103311.08359284987], [3, 1e-100, 2.225769823822442e33],
  [10, 0.1, 1.3721836411103359], [10, 1e-3, 4.143700494046589], [10, 1e-8, 15.895687652513546], [10, 1e-15, 81.04089088003934], [10, 1e-100, 25645257189.48198],
  [100, 0.1, 1.290074761346516], [100, 1e-3, 3.173739493738783], [100, 1e-8, 6.101573472029795], [100, 1e-15, 9.40459275466728], [100, 1e-100, 96.31474307783093],
  [1e4, 0.1, 1.2816362297304775], [1e4, 1e-3, 3.091047516030612], [1e4, 1e-8, 5.6165634289168676], [1e4, 1e-15, 7.954081681012809], [1e4, 1e-100, 21.516974193914983],
  [1e7, 0.1, 1.281551650203083], [1e7, 1e-3, 3.090233121180912], [1e7, 1e-8, 5.612005803165477], [1e7, 1e-15, 7.94135804523866], [1e7, 1e-100, 21.27369478284828],
];

describe('Student t against scipy.stats.t', () => {
  it.each(QUANTILES)('ν = %d, p = %d: quantile to 1e-9 relative', (nu, p, t) => {
    expect(Math.abs(studentUpperQuantile(p, nu) / t - 1)).toBeLessThan(1e-9);
    // and back: the tail at the quantile is p
    expect(Math.abs(studentUpperTail(t, nu) / p - 1)).toBeLessThan(1e-8);
  });

  it('tails: far out, negative t, and many degrees of freedom (scipy.stats.t.sf)', () => {
    expect(Math.abs(studentUpperTail(50, 5) / 3.0238788133006125e-8 - 1)).toBeLessThan(1e-10);
    expect(Math.abs(studentUpperTail(1e10, 3) / 1.1026577908435839e-30 - 1)).toBeLessThan(1e-10);
    expect(Math.abs(studentUpperTail(-2, 7) / 0.957190335718512 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(studentUpperTail(6, 1000) / 1.3776845866887376e-9 - 1)).toBeLessThan(1e-9);
    expect(studentUpperTail(Infinity, 4)).toBe(0);
    expect(studentUpperQuantile(0.5, 9)).toBe(0);
  });

  it('ln Γ: integers and half-integers (Γ(n) = (n − 1)!, Γ(½) = √π)', () => {
    expect(Math.abs(lnGamma(10) - Math.log(362880))).toBeLessThan(1e-13);
    expect(Math.abs(lnGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
    expect(Math.abs(lnGamma(100.5) / 361.4355404677776 - 1)).toBeLessThan(1e-13); // math.lgamma(100.5)
  });
});
