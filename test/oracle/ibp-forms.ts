/**
 * The IBP forms of docs/equations.md typed in by hand with the expression builders, part by part (the labels
 * of recursions/quantities/*.ts). A test oracle: the engine's derivation of each quantity's original form must
 * equal these term by term (test/symbolic/recursions.test.ts). Σ over a δ carried by a derivative runs over the
 * inputs the integrand depends on, which the grouped normal form expresses directly.
 */
import { E, add, expression, fresh, mul, num, param, sig, sub, tensor, type Expression, type Sum } from '../../src/symbolic/expr.ts';
import type { QuantityName } from '../../src/quantities.ts';

const CW = (): Sum => param('C_W');
const R = (): Sum => param('r');
const S = (a: string, b: string): Sum => mul(sig(a), sig(b));
const P = (a: string, b: string): Sum => mul(sig(a, 1), sig(b, 1));
const Om = (a: string, b: string): Sum => add(mul(param('lambda_W'), S(a, b)), mul(CW(), tensor('Theta', a, b), P(a, b)));
const ds = (k: number): string[] => Array.from({ length: k }, () => fresh());
const A2 = ['a1', 'a2'];
const A4 = ['a1', 'a2', 'a3', 'a4'];

export interface IbpFormPart {
  label: string;
  form: Expression;
}

const at = (ext: string[], parts: [string, Sum][]): IbpFormPart[] => parts.map(([label, s]) => ({ label, form: expression(ext, s) }));

/** The hand-written IBP form of each part of a quantity's recursion (undefined: none typed in). */
export function ibpFormParts(name: QuantityName): IbpFormPart[] | undefined {
  const [a, b, c, d] = A4 as [string, string, string, string];
  switch (name) {
    case 'K':
      return at(A2, [['gauss', add(param('C_b'), mul(CW(), E(S(a, b))))]]);
    case 'Theta':
      return at(A2, [['gauss', add(param('lambda_b'), mul(param('lambda_W'), E(S(a, b))), mul(CW(), tensor('Theta', a, b), E(P(a, b))))]]);
    case 'V4': {
      const x = ds(4);
      return at(A4, [
        ['gauss', mul(CW(), CW(), sub(E(mul(S(a, b), S(c, d))), mul(E(S(a, b)), E(S(c, d)))))],
        ['chi', mul(num(1, 4), CW(), CW(), R(), tensor('V', ...x), E(S(a, b), [x[0]!, x[1]!]), E(S(c, d), [x[2]!, x[3]!]))],
      ]);
    }
    case 'K1': {
      const x = ds(2);
      const y = ds(4);
      return at(A2, [
        ['K1', mul(num(1, 2), CW(), R(), tensor('K1', ...x), E(S(a, b), x))],
        ['V', mul(num(1, 8), CW(), R(), tensor('V', ...y), E(S(a, b), y))],
      ]);
    }
    case 'Theta1': {
      const x = ds(2);
      const y = ds(4);
      const u = ds(2);
      const w = ds(2);
      return at(A2, [
        ['Theta1', mul(CW(), R(), tensor('Theta1', a, b), E(P(a, b)))],
        ['K1', mul(num(1, 2), R(), tensor('K1', ...x), E(Om(a, b), x))],
        ['V', mul(num(1, 8), R(), tensor('V', ...y), E(Om(a, b), y))],
        ['D', mul(num(1, 2), CW(), R(), tensor('D', a, b, u[0]!, u[1]!), E(P(a, b), u))],
        ['F', mul(CW(), R(), tensor('F', a, w[0]!, b, w[1]!), E(P(a, b), w))],
      ]);
    }
    case 'D': {
      const x = ds(4);
      const u = ds(2);
      return at(A4, [
        ['gauss', mul(CW(), sub(E(mul(Om(a, b), S(c, d))), mul(E(Om(a, b)), E(S(c, d)))))],
        ['V', mul(num(1, 4), CW(), R(), tensor('V', ...x), E(Om(a, b), [x[0]!, x[1]!]), E(S(c, d), [x[2]!, x[3]!]))],
        ['D', mul(num(1, 2), CW(), CW(), R(), E(P(a, b)), tensor('D', a, b, u[0]!, u[1]!), E(S(c, d), u))],
      ]);
    }
    case 'F': {
      const x = ds(2);
      return at(A4, [
        ['gauss', mul(CW(), CW(), tensor('Theta', a, c), E(mul(sig(a, 1), sig(b), sig(c, 1), sig(d))))],
        ['F', mul(CW(), CW(), R(), tensor('F', a, x[0]!, c, x[1]!), E(mul(sig(a, 1), sig(b)), [x[0]!]), E(mul(sig(c, 1), sig(d)), [x[1]!]))],
      ]);
    }
    case 'A': {
      const x = ds(4);
      const u = ds(2);
      const w = ds(2);
      return at(A4, [
        ['gauss', sub(E(mul(Om(a, b), Om(c, d))), mul(E(Om(a, b)), E(Om(c, d))))],
        ['V', mul(num(1, 4), R(), tensor('V', ...x), E(Om(a, b), [x[0]!, x[1]!]), E(Om(c, d), [x[2]!, x[3]!]))],
        ['D', mul(num(1, 2), CW(), R(), add(mul(E(Om(a, b), u), tensor('D', c, d, u[0]!, u[1]!), E(P(c, d))), mul(E(Om(c, d), w), tensor('D', a, b, w[0]!, w[1]!), E(P(a, b)))))],
        ['A', mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('A', a, b, c, d))],
      ]);
    }
    case 'B':
      return at(A4, [
        ['gauss', mul(CW(), CW(), tensor('Theta', a, c), tensor('Theta', b, d), E(mul(sig(a, 1), sig(b, 1), sig(c, 1), sig(d, 1))))],
        ['B', mul(CW(), CW(), R(), E(P(a, b)), E(P(c, d)), tensor('B', a, b, c, d))],
      ]);
    default:
      return undefined;
  }
}
