/**
 * The data of EFT Feynman diagrams (diagrams/feynman.ts enumerates them, diagrams/printers.ts writes them):
 * the request, one labelled class with its exact coefficient, groups by topology, and small queries on a
 * class (its propagators, self-loops, relabelled externals).
 */
import type { Rational } from '../src/rational.ts';

export interface FeynmanSpec {
  /** number of labelled external points x1..xn */
  points: number;
  /** vertex degrees present in the action, each in 3..MAX_DEGREE; coupling of degree k is named g{k} (λ = g4, κ = g6) */
  couplings: number[];
  /** highest total order in the couplings (number of vertices); orders 0..order are returned */
  order: number;
}

/** One labelled class (external labels fixed) with its exact coefficient. */
export interface Diagram {
  /** total order N = number of vertices */
  order: number;
  /** internal vertex degrees, canonical order (ascending) */
  vertexDegrees: readonly number[];
  /** coupling powers, e.g. { g4: 2, g6: 1 } */
  powers: Record<string, number>;
  /** "g4^2*g6", or "1" at order 0 */
  monomial: string;
  /** exact coefficient of the monomial, sign and 1/N! included */
  coefficient: Rational;
  /** W: number of Wick contractions (labelled vertices) realising one labelled matrix of the class */
  weight: bigint;
  /** automorphisms of the class: internal-vertex permutations fixing the externals and the graph */
  automorphisms: number;
  /** all points and vertices in one component */
  connected: boolean;
  /** canonical description with external labels forgotten (the by-topology key) */
  topology: string;
  /** number of external points */
  points: number;
  /** symmetric multiplicity matrix over nodes x1..xp, then vertices (row-major, (p+N)²) */
  adjacency: Int32Array;
  /** canonical code (upper triangle of the adjacency) — a unique key of the labelled class */
  key: string;
}

export interface TopologyGroup {
  topology: string;
  order: number;
  monomial: string;
  powers: Record<string, number>;
  connected: boolean;
  /** number of labelled classes in the group */
  classes: number;
  /** sum of the labelled classes' coefficients */
  coefficient: Rational;
}

export interface FeynmanResult {
  spec: FeynmanSpec;
  diagrams: Diagram[];
}

/** Name of the coupling of degree k. */
export function couplingName(k: number): string {
  return `g${k}`;
}

/** "g4^2*g6" from degrees [4,4,6]; "1" for none. */
/** Propagators as [a, b, multiplicity] with a ≤ b (node indices), in reading order. */
export function propagators(d: Diagram): Array<[number, number, number]> {
  const T = d.points + d.order;
  const out: Array<[number, number, number]> = [];
  for (let a = 0; a < T; a++) {
    for (let b = a; b < T; b++) {
      const x = d.adjacency[a * T + b]!;
      if (x > 0) out.push([a, b, x]);
    }
  }
  return out;
}

/** Does the diagram contain a self-loop K(y,y)? */
export function hasSelfLoop(d: Diagram): boolean {
  const T = d.points + d.order;
  for (let v = d.points; v < T; v++) if (d.adjacency[v * T + v]! > 0) return true;
  return false;
}

/**
 * Relabel external points: point a becomes point perm[a] (a permutation of 0..p−1). Returns the
 * diagram's key in the relabelled labelling (used by tests of permutation invariance).
 */
export function relabelExternals(d: Diagram, perm: readonly number[]): Int32Array {
  const p = d.points;
  const T = p + d.order;
  const out = new Int32Array(T * T);
  const map = (a: number): number => (a < p ? perm[a]! : a);
  for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) out[map(a) * T + map(b)] = d.adjacency[a * T + b]!;
  return out;
}
