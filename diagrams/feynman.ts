/**
 * Feynman diagrams of the EFT S = S_GP + ∫dᵈy Σ_k g_k f(y)^k (Maiti, "Non-Perturbative Non-Lagrangian Neural Network Field Theories"; docs/equations.md) for the n-point
 * function G⁽ⁿ⁾(x1..xn), to a given total order in the couplings.
 *
 * Method (as qgraf / feyngen): for each multiset of vertex degrees at order N (Σ_k n_k = N), enumerate
 * the degree-constrained symmetric multiplicity matrices m (externals degree 1, a vertex of coupling g_k
 * degree k, m_vv = self-loops) — never the individual matchings of half-edges — keep the canonical
 * representative of each class under relabelling of internal vertices (canonical.ts), drop graphs with a
 * component free of external points (vacuum bubbles cancel against the normalisation, linked-cluster
 * theorem), and weigh the class by the number of Wick contractions that realise it:
 *
 *   e^{−S_int} ⊃ (−1)^N Π_k g_k^{n_k} / n_k! (∫f^k)^{n_k}      (the 1/N! of the exponential times the
 *                                                            multinomial N!/Π n_k!)
 *   # contractions with labelled vertices giving matrix m:  W(m) = Π_v k_v! / (Π_{a<b} m_ab! Π_v 2^{l_v} l_v!)
 *   # labelled matrices in the class:                        Π_k n_k! / |Aut(m)|
 *   ⇒ coefficient = (−1)^N · W / |Aut|     (times the monomial Π g_k^{n_k})
 *
 * e.g. G⁽⁴⁾, one g4 vertex, all four externals on it: W = 4! = 24, |Aut| = 1 ⇒ −24·g4 (as in Maiti's slides).
 */
import { NnftInputError } from '../src/errors.ts';
import { Rational, factorialBig } from '../src/rational.ts';
import { rejectUnknownKeys, specKeys } from '../src/spec.ts';
import { buildCodeMaps, canonicalAut, degreePreservingPermutations } from './canonical.ts';
import { degreeMultisets, requireDiagramBudget } from './budget.ts';
import { couplingName, type Diagram, type FeynmanResult, type FeynmanSpec, type TopologyGroup } from './diagram.ts';
import { diagramToJSON, topologyToJSON } from './printers.ts';


export const FEYNMAN_SPEC_KEYS = specKeys<FeynmanSpec>({ points: true, couplings: true, order: true });

export const MIN_DEGREE = 3;
export const MAX_DEGREE = 8;
export const MAX_ORDER = 6;
export const MAX_POINTS = 16;

// ——— validation ———

export function validateFeynmanSpec(spec: unknown): FeynmanSpec {
  if (spec === null || typeof spec !== 'object') throw new NnftInputError('spec', 'expected {points, couplings, order}', 'e.g. {points: 4, couplings: [4, 6], order: 1}');
  rejectUnknownKeys('spec', spec, FEYNMAN_SPEC_KEYS);
  const s = spec as Record<string, unknown>;
  const points = s.points;
  if (typeof points !== 'number' || !Number.isInteger(points) || points < 1) {
    throw new NnftInputError('points', `expected an integer ≥ 1, got ${String(points)}`, 'e.g. --points 4');
  }
  if (points > MAX_POINTS) throw new NnftInputError('points', `${points} external points is beyond this enumerator (max ${MAX_POINTS})`);
  const order = s.order;
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0) {
    throw new NnftInputError('order', `expected an integer ≥ 0, got ${String(order)}`, 'e.g. --order 2');
  }
  if (order > MAX_ORDER) throw new NnftInputError('order', `order ${order} is beyond this enumerator (max ${MAX_ORDER})`);
  const cs = s.couplings;
  if (!Array.isArray(cs)) throw new NnftInputError('couplings', 'expected an array of vertex degrees', 'e.g. [4, 6] for λ f⁴ + κ f⁶');
  const seen = new Set<number>();
  for (const k of cs) {
    if (typeof k !== 'number' || !Number.isInteger(k)) throw new NnftInputError('couplings', `degree ${String(k)} is not an integer`, 'pass degrees such as 3,4,5,6');
    if (k < MIN_DEGREE) throw new NnftInputError('couplings', `degree ${k} < ${MIN_DEGREE}: f¹ and f² terms are a source and a mass term, not interactions`, `use degrees ${MIN_DEGREE}..${MAX_DEGREE}`);
    if (k > MAX_DEGREE) throw new NnftInputError('couplings', `degree ${k} > ${MAX_DEGREE} is not supported`, `use degrees ${MIN_DEGREE}..${MAX_DEGREE}`);
    if (seen.has(k)) throw new NnftInputError('couplings', `degree ${k} listed twice`, 'list each coupling once');
    seen.add(k);
  }
  const couplings = [...seen].sort((a, b) => a - b);
  if (points % 2 === 1 && !couplings.some((k) => k % 2 === 1)) {
    throw new NnftInputError('points', `${points} is odd but every coupling has even degree: all odd correlators vanish`, 'use an even number of points, or add an odd coupling (3 or 5)');
  }
  return { points, couplings, order };
}

export function monomialOf(degrees: readonly number[]): { monomial: string; powers: Record<string, number> } {
  const powers: Record<string, number> = {};
  for (const k of degrees) powers[couplingName(k)] = (powers[couplingName(k)] ?? 0) + 1;
  const names = Object.keys(powers).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const monomial = names.length === 0 ? '1' : names.map((g) => (powers[g] === 1 ? g : `${g}^${powers[g]}`)).join('*');
  return { monomial, powers };
}

// ——— enumeration ———

/**
 * All labelled classes for one vertex-degree multiset (sorted ascending), p externals.
 * Calls `emit` with a fresh copy of the canonical matrix, |Aut| and connectivity.
 */
export function enumerateClasses(
  p: number,
  degrees: readonly number[],
  emit: (m: Int32Array, aut: number, connected: boolean) => void,
): void {
  const N = degrees.length;
  const T = p + N;
  const deg = new Int32Array(T);
  for (let i = 0; i < T; i++) deg[i] = i < p ? 1 : degrees[i - p]!;
  let total = 0;
  for (let i = 0; i < T; i++) total += deg[i]!;
  if (total % 2 === 1) return;
  const rem = Int32Array.from(deg);
  const m = new Int32Array(T * T);
  const maps = buildCodeMaps(p, degreePreservingPermutations(degrees));
  const nbr = new Int32Array(T);
  const extMask = p >= 31 ? -1 : (1 << p) - 1;
  const allMask = T >= 31 ? -1 : (1 << T) - 1;

  const leaf = () => {
    const aut = canonicalAut(m, maps); // cheapest rejection first
    if (aut === 0) return;
    // neighbour bit masks from the upper triangle, then the component of x1
    nbr.fill(0);
    for (let a = 0; a < T; a++) {
      const row = a * T;
      for (let c = a + 1; c < T; c++) {
        if (m[row + c]! > 0) {
          nbr[a]! |= 1 << c;
          nbr[c]! |= 1 << a;
        }
      }
    }
    let r1 = 1;
    for (;;) {
      let next = r1;
      for (let a = 0; a < T; a++) if (r1 & (1 << a)) next |= nbr[a]!;
      if (next === r1) break;
      r1 = next;
    }
    if (r1 !== allMask) {
      // not connected: grow from all externals; a component without one is a vacuum bubble
      let reach = extMask | r1;
      for (;;) {
        let next = reach;
        for (let a = 0; a < T; a++) if (reach & (1 << a)) next |= nbr[a]!;
        if (next === reach) break;
        reach = next;
      }
      if (reach !== allMask) return;
    }
    emit(m.slice(), aut, r1 === allMask);
  };

  // Fill row i from column j (j ≥ i). Entries below the diagonal mirror earlier rows.
  const step = (i: number, j: number): void => {
    if (i === T) {
      leaf();
      return;
    }
    if (rem[i] === 0) {
      step(i + 1, i + 1);
      return;
    }
    if (j === T) return; // degree of i not exhausted
    if (j === i) {
      if (i < p) {
        step(i, i + 1);
        return;
      }
      for (let l = rem[i]! >> 1; l >= 0; l--) {
        m[i * T + i] = l;
        rem[i]! -= 2 * l;
        step(i, i + 1);
        rem[i]! += 2 * l;
      }
      m[i * T + i] = 0;
      return;
    }
    // capacity of columns after j
    let capAfter = 0;
    for (let t = j + 1; t < T; t++) capAfter += rem[t]!;
    const hi = Math.min(rem[i]!, rem[j]!);
    const lo = Math.max(0, rem[i]! - capAfter);
    for (let v = hi; v >= lo; v--) {
      m[i * T + j] = v;
      m[j * T + i] = v;
      rem[i]! -= v;
      rem[j]! -= v;
      step(i, j + 1);
      rem[i]! += v;
      rem[j]! += v;
    }
    m[i * T + j] = 0;
    m[j * T + i] = 0;
  };

  // Externals first (degree 1: each picks one partner), with the cheap half of isomorph rejection:
  // vertices of equal degree not yet touched by an external are interchangeable, so a new external
  // attaches only to the first untouched one of its block (otherwise swapping the two gives a larger
  // code and the matrix is not canonical). The full check at the leaf stays in force.
  const blockStart = new Int32Array(T);
  for (let v = p; v < T; v++) blockStart[v] = v > p && deg[v] === deg[v - 1] ? blockStart[v - 1]! : v;
  const touched = new Int32Array(T);
  const extStep = (i: number): void => {
    if (i === p) {
      step(p, p);
      return;
    }
    if (rem[i] === 0) {
      extStep(i + 1);
      return;
    }
    for (let j = i + 1; j < T; j++) {
      if (rem[j] === 0) continue;
      if (j >= p && touched[j] === 0 && j !== blockStart[j] && touched[j - 1] === 0) continue;
      m[i * T + j] = 1;
      m[j * T + i] = 1;
      rem[i]!--;
      rem[j]!--;
      touched[j]!++;
      extStep(i + 1);
      touched[j]!--;
      rem[i]!++;
      rem[j]!++;
      m[i * T + j] = 0;
      m[j * T + i] = 0;
    }
  };
  extStep(0);
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600];

/** W = Π_v k_v! / (Π_{a<b} m_ab! · Π_v 2^{l_v} l_v!) for a matrix over T = p + N nodes. */
export function matchingWeight(m: Int32Array, p: number, degrees: readonly number[]): bigint {
  const T = p + degrees.length;
  let numF = 1;
  for (const k of degrees) numF *= FACT[k]!;
  if (numF < 2 ** 53) {
    // exact in doubles: every partial product divides numF
    let denF = 1;
    for (let a = 0; a < T; a++) {
      const l = m[a * T + a]!;
      if (l > 0) denF *= 2 ** l * FACT[l]!;
      for (let b = a + 1; b < T; b++) {
        const x = m[a * T + b]!;
        if (x > 1) denF *= FACT[x]!;
      }
    }
    return BigInt(numF / denF);
  }
  let num = 1n;
  for (const k of degrees) num *= factorialBig(k);
  let den = 1n;
  for (let a = 0; a < T; a++) {
    const l = m[a * T + a]!;
    if (l > 0) den *= (1n << BigInt(l)) * factorialBig(l);
    for (let b = a + 1; b < T; b++) {
      const x = m[a * T + b]!;
      if (x > 1) den *= factorialBig(x);
    }
  }
  return num / den;
}

const topologyMemo = new Map<string, string>();

/**
 * Topology key: the class with external labels forgotten (canonical over internal relabellings). Externals
 * are indistinguishable leaves, so it is fixed by the number of free propagators K(x,x), the external legs
 * and self-loops per vertex, and the vertex–vertex multiplicities. Format, e.g. "K(x,x) v1:g4(x2,o1)":
 * v1.. = vertices in canonical order, g4 = coupling, x2 = two external legs, o1 = one self-loop,
 * "v1-v2^3" = three propagators between v1 and v2.
 */
export function topologyOf(m: Int32Array, p: number, degrees: readonly number[]): string {
  const N = degrees.length;
  const T = p + N;
  let freeProps = 0;
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) freeProps += m[a * T + b]!;
  const ext = new Array(N).fill(0);
  const loops = new Array(N).fill(0);
  for (let v = 0; v < N; v++) {
    for (let a = 0; a < p; a++) ext[v] += m[a * T + p + v];
    loops[v] = m[(p + v) * T + p + v];
  }
  // memo on the label-free data (degrees, free propagators, ext/loops per vertex, vertex–vertex block)
  let memoKey = String.fromCharCode(48 + freeProps);
  for (let v = 0; v < N; v++) memoKey += String.fromCharCode(48 + degrees[v]!, 48 + ext[v], 48 + loops[v]);
  for (let v = 0; v < N; v++) for (let w = v + 1; w < N; w++) memoKey += String.fromCharCode(48 + m[(p + v) * T + p + w]!);
  const hit = topologyMemo.get(memoKey);
  if (hit !== undefined) return hit;
  const result = topologyUncached(m, p, degrees, freeProps, ext, loops);
  if (topologyMemo.size > 100_000) topologyMemo.clear();
  topologyMemo.set(memoKey, result);
  return result;
}

function topologyUncached(m: Int32Array, p: number, degrees: readonly number[], freeProps: number, ext: number[], loops: number[]): string {
  const N = degrees.length;
  const T = p + N;
  let best: number[] | null = null;
  let bestPerm: number[] = [];
  for (const perm of degreePreservingPermutations(degrees)) {
    const inv = new Array(N);
    for (let i = 0; i < N; i++) inv[perm[i]!] = i;
    const code: number[] = [];
    for (let v = 0; v < N; v++) code.push(ext[inv[v]]!, loops[inv[v]]!);
    for (let v = 0; v < N; v++) for (let w = v + 1; w < N; w++) code.push(m[(p + inv[v]) * T + p + inv[w]]!);
    if (best === null || lexGreater(code, best)) {
      best = code;
      bestPerm = inv;
    }
  }
  const parts: string[] = [];
  if (freeProps > 0) parts.push(freeProps === 1 ? 'K(x,x)' : `K(x,x)^${freeProps}`);
  const inv = bestPerm;
  for (let v = 0; v < N; v++) {
    const attrs: string[] = [];
    if (ext[inv[v]!]! > 0) attrs.push(`x${ext[inv[v]!]}`);
    if (loops[inv[v]!]! > 0) attrs.push(`o${loops[inv[v]!]}`);
    parts.push(`v${v + 1}:g${degrees[inv[v]!]}(${attrs.join(',')})`);
  }
  for (let v = 0; v < N; v++) {
    for (let w = v + 1; w < N; w++) {
      const x = m[(p + inv[v]!) * T + p + inv[w]!]!;
      if (x > 0) parts.push(x === 1 ? `v${v + 1}-v${w + 1}` : `v${v + 1}-v${w + 1}^${x}`);
    }
  }
  return parts.join(' ');
}

function lexGreater(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/**
 * All labelled diagram classes of G⁽ⁿ⁾ to the given order, with exact coefficients. Order-0 (free,
 * Wick) terms are included with order 0 and coefficient 1.
 */
export function feynmanDiagrams(specIn: FeynmanSpec): FeynmanResult {
  const spec = validateFeynmanSpec(specIn);
  requireDiagramBudget(spec.points, spec.couplings, spec.order); // size estimated before enumerating (budget.ts)
  const p = spec.points;
  const diagrams: Diagram[] = [];
  for (let N = 0; N <= spec.order; N++) {
    for (const degrees of degreeMultisets(spec.couplings, N)) {
      const { monomial, powers } = monomialOf(degrees);
      const sign = N % 2 === 0 ? 1 : -1;
      const shared = degrees.slice();
      // bucket by (connected, topology): connected first, topologies in string order, classes within a
      // bucket in enumeration order (deterministic) — cheaper than a comparison sort of all classes
      const buckets = [new Map<string, Diagram[]>(), new Map<string, Diagram[]>()]; // [connected, disconnected]
      enumerateClasses(p, degrees, (m, aut, connected) => {
        const W = matchingWeight(m, p, degrees);
        const topology = topologyOf(m, p, degrees);
        const d: Diagram = new DiagramRecord(
          N,
          shared,
          powers,
          monomial,
          W <= SAFE ? Rational.ofSmall(sign * Number(W), aut) : Rational.of(BigInt(sign) * W, BigInt(aut)),
          W,
          aut,
          connected,
          topology,
          p,
          m,
        );
        const bm = buckets[connected ? 0 : 1]!;
        const b = bm.get(topology);
        if (b) b.push(d);
        else bm.set(topology, [d]);
      });
      for (const bm of buckets) for (const t of [...bm.keys()].sort()) for (const d of bm.get(t)!) diagrams.push(d);
    }
  }
  const result: FeynmanResult = { spec, diagrams };
  // JSON.stringify(result) gives the CLI's shape (plain data that serialises to the JSON of docs/conventions.md)
  Object.defineProperty(result, 'toJSON', {
    enumerable: false,
    value: () => ({ spec, diagrams: diagrams.map(diagramToJSON), topologies: groupByTopology(diagrams).map(topologyToJSON) }),
  });
  return result;
}

/** A labelled class; JSON.stringify gives the CLI entry (diagramToJSON). */
class DiagramRecord implements Diagram {
  constructor(
    public order: number,
    public vertexDegrees: readonly number[],
    public powers: Record<string, number>,
    public monomial: string,
    public coefficient: Rational,
    public weight: bigint,
    public automorphisms: number,
    public connected: boolean,
    public topology: string,
    public points: number,
    public adjacency: Int32Array,
  ) {}
  /** the upper triangle of the canonical adjacency, one char per entry (computed on demand) */
  get key(): string {
    const T = this.points + this.order;
    let s = '';
    for (let a = 0; a < T; a++) for (let b = a; b < T; b++) s += String.fromCharCode(48 + this.adjacency[a * T + b]!);
    return s;
  }
  toJSON() {
    return diagramToJSON(this);
  }
}

/** Sum labelled classes by (order, monomial, topology). */
export function groupByTopology(diagrams: readonly Diagram[]): TopologyGroup[] {
  const map = new Map<string, TopologyGroup>();
  for (const d of diagrams) {
    const key = `${d.order}|${d.monomial}|${d.topology}`;
    const g = map.get(key);
    if (g) {
      g.classes++;
      g.coefficient = g.coefficient.add(d.coefficient);
    } else {
      map.set(key, { topology: d.topology, order: d.order, monomial: d.monomial, powers: d.powers, connected: d.connected, classes: 1, coefficient: d.coefficient });
    }
  }
  return [...map.values()];
}

