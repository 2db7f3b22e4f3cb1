/**
 * The tensors an expression may contain: the registered quantities' symbols (src/quantities.ts: K, Theta, V,
 * K1, Theta1, A, B, D, F, …) and the structural K⁻¹ ('Kinv') and Kronecker δ ('delta'). Their ranks, slot
 * symmetries and LaTeX symbols are read from the registry here, so the expression builders (expr.ts) need not
 * import it; every expression is checked against this vocabulary when the engine receives it.
 */
import { NnftInputError } from '../errors.ts';
import { QUANTITIES, QUANTITY_NAMES, closeGroup, quantityOfSymbol, symmetryOf, type QuantityName, type SlotPermutations } from '../quantities.ts';
import type { Expression } from './expr.ts';

interface TensorInfo {
  rank: number;
  symmetry: SlotPermutations;
  latex: string;
  pairedSlots: boolean;
  /** The quantity whose layer-ℓ tensor this symbol stands for (undefined for K⁻¹ and δ). */
  quantity?: QuantityName;
}

const SYMMETRIC = closeGroup([[1, 0]], 2);
const VOCABULARY = new Map<string, TensorInfo>();
for (const q of QUANTITY_NAMES) {
  const spec = QUANTITIES[q];
  VOCABULARY.set(spec.symbol, { rank: spec.rank, symmetry: symmetryOf(q), latex: spec.latex, pairedSlots: 'pairedSlots' in spec && spec.pairedSlots === true, quantity: q });
}
VOCABULARY.set('Kinv', { rank: 2, symmetry: SYMMETRIC, latex: 'K', pairedSlots: false });
VOCABULARY.set('delta', { rank: 2, symmetry: SYMMETRIC, latex: '\\delta', pairedSlots: false });

/** Every tensor symbol an expression may use. */
export function tensorSymbols(): string[] {
  return [...VOCABULARY.keys()];
}

export function isTensorSymbol(name: string): boolean {
  return VOCABULARY.has(name);
}

function info(name: string): TensorInfo {
  const t = VOCABULARY.get(name);
  if (!t) throw new NnftInputError('tensor', `unknown tensor '${name}'`, `use one of ${tensorSymbols().join(', ')}`);
  return t;
}

export function tensorRank(name: string): number {
  return info(name).rank;
}

/** Slot permutations p with T[idx] = T[p.map(s => idx[s])] (the identity included). */
export function tensorSymmetry(name: string): SlotPermutations {
  return info(name).symmetry;
}

export function tensorLatex(name: string): { symbol: string; pairedSlots: boolean } {
  const t = info(name);
  return { symbol: t.latex, pairedSlots: t.pairedSlots };
}

/** The quantity a tensor symbol stands for (undefined for K⁻¹ and δ). */
export function tensorQuantity(name: string): QuantityName | undefined {
  return info(name).quantity ?? quantityOfSymbol(name);
}

/** Throws NnftInputError unless every tensor of every term is known and has its rank. */
export function validateTensors(e: Expression): void {
  e.terms.forEach((t, k) => {
    for (const T of t.tensors) {
      const known = VOCABULARY.get(T.name);
      if (!known) throw new NnftInputError(`term ${k + 1}`, `unknown tensor '${T.name}'`, `use one of ${tensorSymbols().join(', ')}`);
      if (T.idx.length !== known.rank) throw new NnftInputError(`term ${k + 1}`, `tensor ${T.name} has ${known.rank} index slots, got ${T.idx.length}`);
    }
  });
}
