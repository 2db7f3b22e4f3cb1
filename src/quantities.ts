/**
 * The registry of per-layer quantities: every name, alias, tensor rank, slot symmetry, Monte Carlo estimator
 * and recursion of the toolkit is read from here, and `parseQuantities` is the one parser of quantity lists
 * (CLI flags, library specs). Conventions (normalisation, slot order): docs/conventions.md; equations and
 * sources: docs/equations.md.
 *
 * Adding a quantity: write recursions/quantities/<name>.ts (its defining expectation, built with the
 * expression builders, and its source) and add one entry below. What its recursion reads from the layer
 * below is derived from that expression (`readsOf`).
 */
import { NnftInputError } from './errors.ts';
import type { QuantityRecursion } from './recursion-contract.ts';
import { kernel } from '../recursions/quantities/k.ts';
import { theta } from '../recursions/quantities/theta.ts';
import { fourPointVertex } from '../recursions/quantities/v4.ts';
import { kernelCorrection } from '../recursions/quantities/k1.ts';
import { ntkMeanCorrection } from '../recursions/quantities/theta1.ts';
import { ntkVarianceA } from '../recursions/quantities/a.ts';
import { ntkVarianceB } from '../recursions/quantities/b.ts';
import { ntkPreactivationD } from '../recursions/quantities/d.ts';
import { ntkPreactivationF } from '../recursions/quantities/f.ts';
import { parallelSusceptibility, perpendicularSusceptibility } from '../recursions/quantities/chi.ts';
import { dntkPreactivationP } from '../recursions/quantities/p.ts';
import { dntkPreactivationQ } from '../recursions/quantities/q.ts';
import { ddntkMeanR } from '../recursions/quantities/r.ts';
import { ddntkMeanS } from '../recursions/quantities/s.ts';
import { ddntkMeanT } from '../recursions/quantities/t.ts';
import { ddntkMeanU } from '../recursions/quantities/u.ts';

/** Slot permutations p with T[idx] = T[p.map(s => idx[s])]. */
export type SlotPermutations = readonly (readonly number[])[];

export interface QuantitySpec {
  /** What it is, for help texts. */
  readonly title: string;
  /** Other accepted spellings (names are case-sensitive). */
  readonly aliases: readonly string[];
  /** The tensor's symbol in derived expressions (text printer and `nnft derive --ibp` input). */
  readonly symbol: string;
  /** The symbol in LaTeX; `pairedSlots` prints the index pairs as V_{(α1α2)(α3α4)}. */
  readonly latex: string;
  readonly pairedSlots?: boolean;
  /** Number of input-index slots (the JSON nesting depth). */
  readonly rank: number;
  /** Generators of the slot permutations the tensor is invariant under (closed into a group by `symmetryOf`). */
  readonly symmetryGenerators: SlotPermutations;
  /**
   * An O(1/n) quantity: reported without its 1/n_{ℓ−1} factor, exactly zero at layer 1 (which is Gaussian), and
   * read as zero by a recursion when the layer below does not carry it.
   */
  readonly finiteWidth: boolean;
  /**
   * Monte Carlo estimator (src/montecarlo/estimators.ts): which per-network statistics it reads —
   * 'preactivation' (z only; the fast conditional-Gaussian sampler suffices) or 'ntk' (the empirical NTK, weight
   * matrices needed), 'dntk' (the exact dNTK and ddNTKs of each network, src/montecarlo/dntk-statistics.ts) — and
   * which infinite-width tensor it subtracts; null: not estimated by sampling.
   */
  readonly montecarlo: { readonly statistics: 'preactivation' | 'ntk' | 'dntk'; readonly subtracts?: 'K' | 'Theta' } | null;
  /** The layer-to-layer recursion (recursions/quantities/<name>.ts). */
  readonly recursion: QuantityRecursion;
}

const SYMMETRIC_PAIR = [[1, 0]] as const;
/** V_(ab)(cd) = V_(ba)(cd) = V_(ab)(dc) = V_(cd)(ab). */
const PAIR_OF_PAIRS = [[1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1]] as const;

/** The registry, in the order quantities are computed and reported. */
export const QUANTITIES = {
  K: {
    title: 'infinite-width kernel K⁽ℓ⁾ (m×m)',
    aliases: [],
    symbol: 'K',
    latex: 'K',
    rank: 2,
    symmetryGenerators: SYMMETRIC_PAIR,
    finiteWidth: false,
    montecarlo: { statistics: 'preactivation' },
    recursion: kernel,
  },
  Theta: {
    title: 'infinite-width NTK Θ⁽ℓ⁾ (m×m)',
    aliases: ['Θ'],
    symbol: 'Theta',
    latex: '\\Theta',
    rank: 2,
    symmetryGenerators: SYMMETRIC_PAIR,
    finiteWidth: false,
    montecarlo: { statistics: 'ntk' },
    recursion: theta,
  },
  V4: {
    title: 'four-point vertex V_(α1α2)(α3α4) (m⁴)',
    aliases: ['V'],
    symbol: 'V',
    latex: 'V',
    pairedSlots: true,
    rank: 4,
    symmetryGenerators: PAIR_OF_PAIRS,
    finiteWidth: true,
    montecarlo: { statistics: 'preactivation' },
    recursion: fourPointVertex,
  },
  K1: {
    title: '1/n correction to the two-point function (m×m)',
    aliases: ['K¹'],
    symbol: 'K1',
    latex: 'K^{\\{1\\}}',
    rank: 2,
    symmetryGenerators: SYMMETRIC_PAIR,
    finiteWidth: true,
    montecarlo: { statistics: 'preactivation', subtracts: 'K' },
    recursion: kernelCorrection,
  },
  Theta1: {
    title: '1/n correction to the mean NTK (m×m)',
    aliases: ['Θ1', 'Θ¹'],
    symbol: 'Theta1',
    latex: '\\Theta^{\\{1\\}}',
    rank: 2,
    symmetryGenerators: SYMMETRIC_PAIR,
    finiteWidth: true,
    montecarlo: { statistics: 'ntk', subtracts: 'Theta' },
    recursion: ntkMeanCorrection,
  },
  A: {
    title: 'NTK variance A_(α1α2)(α3α4) (m⁴)',
    aliases: [],
    symbol: 'A',
    latex: 'A',
    pairedSlots: true,
    rank: 4,
    symmetryGenerators: PAIR_OF_PAIRS,
    finiteWidth: true,
    montecarlo: { statistics: 'ntk' },
    recursion: ntkVarianceA,
  },
  B: {
    title: 'NTK variance B_α1α3α2α4 (m⁴)',
    aliases: [],
    symbol: 'B',
    latex: 'B',
    rank: 4,
    // swap of the two Θ̂'s; joint (i, α) swaps
    symmetryGenerators: [[2, 3, 0, 1], [1, 0, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'ntk' },
    recursion: ntkVarianceB,
  },
  D: {
    title: 'NTK–preactivation cross-correlation D (NTK slots α1α2, z slots α3α4) (m⁴)',
    aliases: [],
    symbol: 'D',
    latex: 'D',
    rank: 4,
    symmetryGenerators: [[1, 0, 2, 3], [0, 1, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'ntk' },
    recursion: ntkPreactivationD,
  },
  F: {
    title: 'NTK–preactivation cross-correlation F (NTK slots α1α3, z slots α2α4) (m⁴)',
    aliases: [],
    symbol: 'F',
    latex: 'F',
    rank: 4,
    symmetryGenerators: [[2, 3, 0, 1]],
    finiteWidth: true,
    montecarlo: { statistics: 'ntk' },
    recursion: ntkPreactivationF,
  },
  // ---- susceptibilities of the kernel map, evaluated on each layer's own kernel (docs/criticality.md)
  chi_par: {
    title: 'parallel susceptibility χ_∥ = (C_W/K)⟨zσσ′⟩ at each input (m)',
    aliases: ['χ∥', 'chi_parallel'],
    symbol: 'chi_par',
    latex: '\\chi_{\\parallel}',
    rank: 1,
    symmetryGenerators: [],
    finiteWidth: false,
    montecarlo: null,
    recursion: parallelSusceptibility,
  },
  chi_perp: {
    title: 'perpendicular susceptibility χ_⊥ = C_W⟨σ′σ′⟩ at each input (m)',
    aliases: ['χ⊥', 'chi_perpendicular'],
    symbol: 'chi_perp',
    latex: '\\chi_{\\perp}',
    rank: 1,
    symmetryGenerators: [],
    finiteWidth: false,
    montecarlo: null,
    recursion: perpendicularSusceptibility,
  },
  P: {
    title: 'dNTK–preactivation cross-correlation P (δ_{i0i3}δ_{i1i2} channel of E[dΘ̂_{i0i1i2} z_{i3}]) (m⁴)',
    aliases: [],
    symbol: 'P',
    latex: 'P',
    rank: 4,
    // dΘ̂ is symmetric in its two first-derivative slots
    symmetryGenerators: [[0, 2, 1, 3]],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: dntkPreactivationP,
  },
  Q: {
    title: 'dNTK–preactivation cross-correlation Q (δ_{i0i1}δ_{i2i3} channel of E[dΘ̂_{i0i1i2} z_{i3}]) (m⁴)',
    aliases: [],
    symbol: 'Q',
    latex: 'Q',
    rank: 4,
    symmetryGenerators: [],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: dntkPreactivationQ,
  },
  R: {
    title: 'mean of the first ddNTK, R (δ_{i0i1}δ_{i2i3} channel of E[ddIΘ̂_{i0i1i2i3}]) (m⁴)',
    aliases: [],
    symbol: 'R',
    latex: 'R',
    rank: 4,
    // ddIΘ̂ is symmetric in its three first-derivative slots
    symmetryGenerators: [[0, 1, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: ddntkMeanR,
  },
  S: {
    title: 'mean of the second ddNTK, S (δ_{i1i2}δ_{i3i4} channel of E[ddIIΘ̂_{i1i2i3i4}]) (m⁴)',
    aliases: [],
    symbol: 'S',
    latex: 'S',
    rank: 4,
    // ddIIΘ̂_{1234} = ddIIΘ̂_{2143}
    symmetryGenerators: [[1, 0, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: ddntkMeanS,
  },
  T: {
    title: 'mean of the second ddNTK, T (δ_{i1i3}δ_{i2i4} channel of E[ddIIΘ̂_{i1i2i3i4}]) (m⁴)',
    aliases: [],
    symbol: 'T',
    latex: 'T',
    rank: 4,
    symmetryGenerators: [[1, 0, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: ddntkMeanT,
  },
  U: {
    title: 'mean of the second ddNTK, U (δ_{i1i4}δ_{i2i3} channel of E[ddIIΘ̂_{i1i2i3i4}]) (m⁴)',
    aliases: [],
    symbol: 'U',
    latex: 'U',
    rank: 4,
    symmetryGenerators: [[1, 0, 3, 2]],
    finiteWidth: true,
    montecarlo: { statistics: 'dntk' },
    recursion: ddntkMeanU,
  },
} as const satisfies Record<string, QuantitySpec>;

/**
 * Names that stand for several quantities in a list: `--quantities chi` asks for both susceptibilities.
 */
export const QUANTITY_GROUPS: Readonly<Record<string, readonly QuantityName[]>> = {
  chi: ['chi_par', 'chi_perp'],
  'χ': ['chi_par', 'chi_perp'],
};

export type QuantityName = keyof typeof QUANTITIES;
/** The quantities the Monte Carlo sampler estimates. */
export type SampledQuantity = { [Q in QuantityName]: (typeof QUANTITIES)[Q]['montecarlo'] extends null ? never : Q }[QuantityName];
/** The tensor rank of a quantity, as a type. */
export type RankOf<Q extends QuantityName> = (typeof QUANTITIES)[Q]['rank'];
/** A rank-R tensor as nested arrays (JSON layout). */
export type NestedTensor<R extends number> = R extends 1 ? number[] : R extends 2 ? number[][] : R extends 3 ? number[][][] : number[][][][];

/** Every quantity, in the order they are computed and reported. */
export const QUANTITY_NAMES = Object.keys(QUANTITIES) as QuantityName[];

/** The sets computed when none is given. */
export const DEFAULT_QUANTITIES: { readonly recursions: readonly QuantityName[]; readonly montecarlo: readonly SampledQuantity[] } = {
  recursions: ['K', 'Theta', 'V4', 'K1'],
  montecarlo: ['K', 'V4'],
};

export function quantity(q: QuantityName): QuantitySpec {
  return QUANTITIES[q];
}

export function isSampled(q: QuantityName): q is SampledQuantity {
  return QUANTITIES[q].montecarlo !== null;
}

const BY_SPELLING = new Map<string, QuantityName>();
for (const q of QUANTITY_NAMES) {
  BY_SPELLING.set(q, q);
  for (const a of QUANTITIES[q].aliases) BY_SPELLING.set(a, q);
}

/** The quantity a name or alias stands for ('K¹' → 'K1', 'Θ' → 'Theta', 'V' → 'V4'), or undefined. */
export function resolveQuantity(spelling: string): QuantityName | undefined {
  return BY_SPELLING.get(spelling.trim());
}

export type QuantityPurpose = 'recursions' | 'montecarlo';

function choices(purpose: QuantityPurpose): string {
  const names = QUANTITY_NAMES.filter((q) => purpose === 'recursions' || isSampled(q)).join(',');
  return purpose === 'recursions' ? `${names} (chi = chi_par,chi_perp)` : names;
}

/**
 * The one parser of quantity lists: a comma-separated string or an array of names/aliases → distinct
 * registry names in the order given; undefined → the default set. For 'montecarlo', quantities without a
 * sampling estimator are refused. Throws NnftInputError naming `argument`.
 */
export function parseQuantities(list: string | readonly string[] | undefined, purpose: 'montecarlo', argument?: string): SampledQuantity[];
export function parseQuantities(list: string | readonly string[] | undefined, purpose?: QuantityPurpose, argument?: string): QuantityName[];
export function parseQuantities(list: string | readonly string[] | undefined, purpose: QuantityPurpose = 'recursions', argument = 'quantities'): QuantityName[] {
  if (list === undefined) return [...DEFAULT_QUANTITIES[purpose]];
  const items = typeof list === 'string' ? list.split(',').map((s) => s.trim()).filter((s) => s !== '') : list;
  if (!Array.isArray(items) || items.length === 0) {
    throw new NnftInputError(argument, 'expected a non-empty list', `choose from ${choices(purpose)}`);
  }
  const out: QuantityName[] = [];
  for (const raw of items as readonly unknown[]) {
    const group = QUANTITY_GROUPS[String(raw).trim()];
    if (group !== undefined) {
      if (purpose === 'montecarlo') {
        throw new NnftInputError(argument, `${String(raw).trim()} has no Monte Carlo estimator`, `choose from ${choices(purpose)}, or compute ${String(raw).trim()} with the recursions`);
      }
      for (const q of group) if (!out.includes(q)) out.push(q);
      continue;
    }
    const name = resolveQuantity(String(raw));
    if (name === undefined) throw new NnftInputError(argument, `unknown quantity '${String(raw)}'`, `choose from ${choices(purpose)}`);
    if (purpose === 'montecarlo' && !isSampled(name)) {
      throw new NnftInputError(argument, `${name} has no Monte Carlo estimator`, `choose from ${choices(purpose)}, or compute ${name} with the recursions`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** One quantity name (or alias) → its registry name; NnftInputError naming `argument` otherwise. */
export function parseQuantity(name: unknown, argument = 'quantity'): QuantityName {
  const q = typeof name === 'string' ? resolveQuantity(name) : undefined;
  if (q === undefined) throw new NnftInputError(argument, `unknown quantity '${String(name)}'`, `use one of ${QUANTITY_NAMES.join(', ')}`);
  return q;
}

// ------------------------------------------------------------------ symmetries and symbols

/** The group generated by `gens` on n slots, sorted (the identity first). */
export function closeGroup(gens: SlotPermutations, n: number): number[][] {
  const id = Array.from({ length: n }, (_, i) => i);
  const seen = new Map<string, number[]>([[id.join(), id]]);
  const queue = [id];
  for (let p = queue.pop(); p !== undefined; p = queue.pop()) {
    const cur = p;
    for (const g of gens) {
      const q = g.map((s) => cur[s] ?? s);
      const k = q.join();
      if (!seen.has(k)) {
        seen.set(k, q);
        queue.push(q);
      }
    }
  }
  return [...seen.values()].sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

const SYMMETRY = new Map<QuantityName, number[][]>(QUANTITY_NAMES.map((q) => [q, closeGroup(QUANTITIES[q].symmetryGenerators, QUANTITIES[q].rank)]));

/** All slot permutations the quantity's tensor is invariant under (the identity included). */
export function symmetryOf(q: QuantityName): SlotPermutations {
  return SYMMETRY.get(q) ?? [];
}

const BY_SYMBOL = new Map<string, QuantityName>(QUANTITY_NAMES.map((q) => [QUANTITIES[q].symbol, q]));

/** The quantity whose tensor symbol (in derived expressions) is `symbol`, or undefined. */
export function quantityOfSymbol(symbol: string): QuantityName | undefined {
  return BY_SYMBOL.get(symbol);
}

// ------------------------------------------------------------------ what each recursion reads

const READS = new Map<QuantityName, QuantityName[]>();

/**
 * The layer-ℓ quantities the recursion of q reads (besides K, which every layer has), derived from the tensors
 * in its defining expectation.
 */
export function readsOf(q: QuantityName): readonly QuantityName[] {
  let r = READS.get(q);
  if (r) return r;
  const found = new Set<QuantityName>();
  for (const p of QUANTITIES[q].recursion.parts()) {
    for (const t of p.original.terms) {
      for (const T of t.tensors) {
        const used = quantityOfSymbol(T.name);
        if (used !== undefined && used !== 'K') found.add(used);
      }
    }
  }
  r = QUANTITY_NAMES.filter((x) => found.has(x));
  READS.set(q, r);
  return r;
}

/** The requested quantities plus everything their recursions need (K always), in registry order. */
export function withDependencies(requested: readonly QuantityName[]): Set<QuantityName> {
  const need = new Set<QuantityName>(['K']);
  const visit = (q: QuantityName): void => {
    if (need.has(q) && q !== 'K') return;
    need.add(q);
    readsOf(q).forEach(visit);
  };
  requested.forEach(visit);
  return need;
}
