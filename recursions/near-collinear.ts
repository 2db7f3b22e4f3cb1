/**
 * Nearly collinear input pairs with piecewise-linear σ: the contractions with the four-point vertex along the pair's
 * near-null direction, in the pair's adapted basis and double-double arithmetic.
 *
 * In the adapted coordinates of a pair (src/gaussian/pair.ts: u = z_a, w = z_b − β z_a, a the pivot, S = sine of the
 * correlation angle) a contraction Σ_δ T_δ ⟨∂δ… X⟩ is Σ_t T̂_t Ẽ_t over adapted index strings t, with T̂ the tensor's
 * adapted components (each w-slot T_b − β T_a). A few Ẽ grow as S → 0 — ⟨∂_w⁴ σ'σ'⟩ ~ S⁻³; ⟨∂_w⁴ σσ⟩,
 * ⟨∂_u²∂_w² σ'σ'⟩, ⟨∂_u∂_w³ σ'σ'⟩, ⟨∂_w² σ'σ'⟩ ~ S⁻¹ — and multiply components T̂ of w-order q that are O(S^q): finite
 * products, but T̂ is a difference of O(1) entries. From the stored double-precision V it is known only to
 * ~1e-16 |V|, so these products carry ~1e-16 |V| S⁻³ (Θ¹) and ~1e-16 |V| S⁻² (A), and each layer's rounding,
 * amplified, re-enters the next layer as unstructured error in the entries of D and A.
 *
 * Here each pair's K and V are propagated in double-double from the inputs — K' = C_b + C_W⟨σσ⟩,
 * V' = C_W² Cov(σσ, σσ) + (C_W²/4) r Σ V ⟨∂∂(σσ)⟩⟨∂∂(σσ)⟩ (Roberts, Yaida, Hanin, "The Principles of Deep Learning
 * Theory", §4.2–4.3), every expectation the closed form of pair.ts evaluated in double-double — so V̂ keeps
 * ~1e-32 |V| and every product above is exact to double precision for S ≥ RESOLVED_MIN_SIN. The pair's kernel
 * also gives every two-input expectation of the layer its angle (exactKernel): the layer's double K resolves it only
 * down to S ~ 1e-8, the chain down to ~1e-15, so K, Θ, V, B, F stay exact to double precision at any separation.
 * The solver evaluates the recursions with the pair expectations in mode 'resolved' (Θ¹, K¹; any number of inputs:
 * their sums run over the pair only) or 'split' (A, D; two inputs), which leave those components out below SPLIT_SIN, and adds them here
 * (addNearNullTerms): the V-terms of Θ¹ and K¹ (⅛ Σ V ⟨∂⁴ ·⟩), the V-terms of D and A (¼ Σ V ⟨∂∂ ·⟩⟨∂∂ ·⟩), and A's
 * D-term (½ C_W ⟨σ'σ'⟩ D̂^{ww} ⟨∂_w² Ω⟩, with the stored D: its rounding is amplified by S⁻¹ only). Components of
 * growth S⁻¹ that multiply K¹, D or F in Θ¹ stay in the solver's sum (≤ 1e-16/S of those tensors). Accuracy against
 * the 140-digit oracle test/recursions/pl_pair_oracle.py: docs/piecewise-linear.md.
 */
import { add, div, dd, mul, pow, sub, toNumber, type DD } from '../src/gaussian/dd.ts';
import {
  EXACT_COLLINEAR_SIN, RESOLVED_MIN_SIN, SPLIT_SIN, adaptedComponent, adaptedComponentDD, droppedComponent, pairExpectationDD, pairGeometry,
  pairGeometryDD, type PairAtom, type PairGeometry, type PairGeometryDD, type PairMode,
} from '../src/gaussian/pair.ts';
import { productAtoms, toPairAtom, type PlSlopes } from '../src/gaussian/piecewise.ts';
import type { LayerTensors, RecursionContext } from '../src/recursion-contract.ts';

/** The mode of the pair expectations for quantity q on m inputs (undefined: the default 'contraction'). */
export function nearNullMode(q: string, m: number): PairMode | undefined {
  if (q === 'Theta1' || q === 'K1') return 'resolved';
  if (m === 2 && (q === 'A' || q === 'D')) return 'split';
  return undefined;
}

/** A pair's layer: K (aa, ab, bb) and V_(ij)(kl) at ((i·2 + j)·2 + k)·2 + l, local index 0 = a, 1 = b. */
interface PairLayer {
  K: [DD, DD, DD];
  V: DD[];
}

type AtomList = [DD, PairAtom][];
/** A slot of a contraction: an input (0 = a, 1 = b) or an adapted direction. */
type Slot = 0 | 1 | 'u' | 'w';

/** Per-layer hyperparameters (arrays indexed by layer − 1, as in the solver). */
export interface ChainParams {
  pl: PlSlopes;
  cb: readonly number[];
  cw: readonly number[];
  /** r = n_ℓ/n_{ℓ−1} of the step from layer ℓ to ℓ+1 */
  r: (layer: number) => number;
}

const ZERO: DD = [0, 0];
const ONE: DD = [1, 0];
const idx4 = (i: number, j: number, k: number, l: number): number => ((i * 2 + j) * 2 + k) * 2 + l;
const ddsum = (xs: DD[]): DD => xs.reduce(add, ZERO);

/** Expectations of one layer of a pair's chain, in double-double. */
class PairLayerExpectations {
  private readonly memo = new Map<string, DD>();
  private readonly atomsMemo = new Map<string, AtomList>();

  constructor(readonly g: PairGeometryDD, private readonly pl: PlSlopes) {}

  /**
   * Atoms of σ^n (orders all 0) or σ'^n (all 1) at one input with double-double coefficients:
   * σ^n = s₋^n z^n + (s₊^n − s₋^n) z^n θ(z). Coefficients multiplied out in double precision (as for the stored
   * tensors) differ between σ_a² and σ_aσ_b by ~1e-17, an inconsistency that V^{wwww} ~ S⁴ would not survive.
   */
  atoms(orders: readonly number[]): AtomList {
    const key = orders.join(',');
    let a = this.atomsMemo.get(key);
    if (!a) {
      const o = orders[0] ?? 0;
      if (orders.some((x) => x !== o) || o > 1) throw new Error('pair chain: only σ^n or σ\'^n at one input');
      const n = orders.length;
      const k = o === 0 ? n : 0;
      const sn = pow(dd(this.pl.slopeNeg), n);
      const jump = sub(pow(dd(this.pl.slopePos), n), sn);
      a = [];
      if (sn[0] !== 0) a.push([sn, { kind: 0, k }]);
      if (jump[0] !== 0) a.push([jump, { kind: 1, k }]);
      this.atomsMemo.set(key, a);
    }
    return a;
  }

  /** ⟨∂_a^da ∂_b^db [Π σ^(oa)(z_a) Π σ^(ob)(z_b)]⟩ */
  E(oa: readonly number[], ob: readonly number[], da: number, db: number): DD {
    const key = `${oa.join(',')}|${ob.join(',')}|${da}|${db}`;
    let v = this.memo.get(key);
    if (!v) {
      v = pairExpectationDD(this.atoms(oa), this.atoms(ob), da, db, this.g);
      this.memo.set(key, v);
    }
    return v;
  }

  /** Adapted Ẽ(d − q, q) of σ^(o)(z_a) σ^(o)(z_b) (symmetric in a, b, so the pivot order does not matter). */
  adapted(o: number, d: number, q: number): DD {
    const key = `t${o}|${d}|${q}`;
    let v = this.memo.get(key);
    if (!v) {
      v = adaptedComponentDD(this.atoms([o]), this.atoms([o]), d, q, this.g);
      this.memo.set(key, v);
    }
    return v;
  }

  /** Coefficient of input i in slot s (u = the pivot; w-slot: T_other − β T_pivot). */
  coef(s: Slot, i: number): DD {
    if (s === 0 || s === 1) return s === i ? ONE : ZERO;
    const pivot = this.g.swap ? 1 : 0;
    if (s === 'u') return i === pivot ? ONE : ZERO;
    return i === pivot ? [-this.g.beta[0], -this.g.beta[1]] : ONE;
  }

  /** A 4-index tensor (16 double-double entries, local indices) with slots in inputs or adapted directions. */
  component(T: readonly DD[], slots: readonly Slot[]): DD {
    let tot = ZERO;
    for (let t = 0; t < 16; t++) {
      let c = ONE;
      for (let s = 0; s < 4; s++) {
        const x = this.coef(slots[s]!, (t >> (3 - s)) & 1);
        if (x[0] === 0) {
          c = ZERO;
          break;
        }
        c = mul(c, x);
      }
      if (c[0] !== 0) tot = add(tot, mul(c, T[t]!));
    }
    return tot;
  }
}

/** Layer 1: K = C_b + (C_W/n₀) x·x in double-double from the inputs, V = 0. */
function firstLayer(xa: readonly number[], xb: readonly number[], cb: number, cw: number): PairLayer {
  const dot = (x: readonly number[], y: readonly number[]): DD => x.reduce<DD>((s, v, i) => add(s, mul(dd(v), dd(y[i]!))), ZERO);
  const k = (x: readonly number[], y: readonly number[]): DD => add(dd(cb), div(mul(dd(cw), dot(x, y)), dd(xa.length)));
  return { K: [k(xa, xa), k(xa, xb), k(xb, xb)], V: new Array<DD>(16).fill(ZERO) };
}

const count = (xs: readonly number[], x: number): number => xs.filter((y) => y === x).length;
const zeros = (n: number): number[] => new Array<number>(n).fill(0);
const distinct = (c: number, d: number): number[] => (c === d ? [c] : [0, 1]);

/** Layer ℓ+1 from layer ℓ (null when the pair is collinear to double-double precision: nothing left to resolve). */
function nextLayer(s: PairLayer, pl: PlSlopes, cb: number, cw: number, r: number): PairLayer | null {
  const g = pairGeometryDD(s.K[0], s.K[1], s.K[2], undefined, EXACT_COLLINEAR_SIN);
  if (g.S[0] === 0) return null;
  const X = new PairLayerExpectations(g, pl);
  /** ⟨∂δ… Π σ(z_slot)⟩ for slots and derivative indices over {0, 1} */
  const S = (slots: readonly number[], ds: readonly number[] = []): DD => X.E(zeros(count(slots, 0)), zeros(count(slots, 1)), count(ds, 0), count(ds, 1));
  const cwd = dd(cw);
  const K: [DD, DD, DD] = [add(dd(cb), mul(cwd, S([0, 0]))), add(dd(cb), mul(cwd, S([0, 1]))), add(dd(cb), mul(cwd, S([1, 1])))];
  const V: DD[] = new Array<DD>(16).fill(ZERO);
  const cw2 = mul(cwd, cwd);
  const chi = mul(cw2, dd(r / 4));
  for (let t = 0; t < 16; t++) {
    const [c, d, e, f] = [(t >> 3) & 1, (t >> 2) & 1, (t >> 1) & 1, t & 1];
    let v = mul(cw2, sub(S([c, d, e, f]), mul(S([c, d]), S([e, f]))));
    for (const d1 of distinct(c, d)) {
      for (const d2 of distinct(c, d)) {
        for (const d3 of distinct(e, f)) {
          for (const d4 of distinct(e, f)) {
            const vp = s.V[idx4(d1, d2, d3, d4)]!;
            if (vp[0] !== 0) v = add(v, mul(chi, mul(vp, mul(S([c, d], [d1, d2]), S([e, f], [d3, d4])))));
          }
        }
      }
    }
    V[t] = v;
  }
  return { K, V };
}

/** A two-slot expectation ⟨∂∂ X_xy⟩ as contraction terms: slots, its full value, and the part the solver left out. */
interface SlotTerm {
  slots: [Slot, Slot];
  full: DD;
  left: DD;
}

/**
 * The double-double chains of the input pairs that need one (created on first use, advanced layer by layer) and
 * the near-null terms they supply.
 */
export class NearCollinearPairs {
  private readonly chains = new Map<number, { layer: number; state: PairLayer | null }>();

  constructor(private readonly inputs: readonly (readonly number[])[], private readonly p: ChainParams) {}

  private stateAt(a: number, b: number, layer: number): PairLayer | null {
    const key = a * this.inputs.length + b;
    let ch = this.chains.get(key);
    if (!ch) {
      ch = { layer: 1, state: firstLayer(this.inputs[a]!, this.inputs[b]!, this.p.cb[0]!, this.p.cw[0]!) };
      this.chains.set(key, ch);
    }
    while (ch.layer < layer && ch.state) {
      ch.state = nextLayer(ch.state, this.p.pl, this.p.cb[ch.layer]!, this.p.cw[ch.layer]!, this.p.r(ch.layer));
      ch.layer++;
    }
    return ch.layer === layer ? ch.state : null;
  }

  /**
   * The kernel of inputs (i, j) at `layer` in double-double, in that order, for a pair nearly collinear at that layer
   * (double-precision sine below SPLIT_SIN, or 0) and not exactly collinear; undefined otherwise. K is the layer's
   * flat double kernel over m inputs.
   */
  exactKernel(i: number, j: number, layer: number, K: Float64Array): readonly [DD, DD, DD] | undefined {
    if (i === j) return undefined;
    const m = this.inputs.length;
    const S = pairGeometry(K[i * m + i]!, K[i * m + j]!, K[j * m + j]!).S;
    if (!(S < SPLIT_SIN)) return undefined;
    const [a, b] = i < j ? [i, j] : [j, i];
    const s = this.stateAt(a, b, layer);
    if (!s) return undefined;
    return i < j ? s.K : [s.K[2], s.K[1], s.K[0]];
  }

  /**
   * Adds to t (quantity q of layer + 1, flat over m inputs, evaluated with nearNullMode(q, m) and the pair kernels
   * of exactKernel) the components that mode left out, for every input pair with RESOLVED_MIN_SIN ≤ S < SPLIT_SIN.
   */
  addNearNullTerms(q: string, t: Float64Array, layer: number, ctx: RecursionContext): void {
    const mode = nearNullMode(q, ctx.m);
    if (!mode) return;
    const { m } = ctx;
    const prev = ctx.prev;
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        const Kx = this.exactKernel(a, b, layer, prev.K);
        if (!Kx) continue;
        const swap = pairGeometry(prev.K[a * m + a]!, prev.K[a * m + b]!, prev.K[b * m + b]!).swap;
        const g = pairGeometryDD(Kx[0], Kx[1], Kx[2], swap, EXACT_COLLINEAR_SIN);
        const geom: PairGeometry = { swap, sa: toNumber(g.sa), sb: toNumber(g.sb), C: toNumber(g.C), S: toNumber(g.S), psi: toNumber(g.psi), beta: toNumber(g.beta) };
        if (geom.S < RESOLVED_MIN_SIN || geom.S >= SPLIT_SIN) continue;
        const s = this.stateAt(a, b, layer)!;
        const X = new PairLayerExpectations(g, this.p.pl);
        if (q === 'Theta1' || q === 'K1') {
          const v = this.fourthDerivativeTerm(q, X, s, geom, mode, ctx, prev.Theta?.[a * m + b] ?? 0);
          t[a * m + b] = t[a * m + b]! + v;
          t[b * m + a] = t[b * m + a]! + v;
        } else if (m === 2) {
          this.secondDerivativeTerms(q, t, X, s, geom, mode, ctx, prev);
        }
      }
    }
  }

  /** Θ¹, K¹: r ⅛ Σ_q W_q ⟨∂_u^{4−q} ∂_w^q X⟩ over the left-out components (X = Ω_ab for Θ¹, C_W σσ for K¹). */
  private fourthDerivativeTerm(q: string, X: PairLayerExpectations, s: PairLayer, geom: PairGeometry, mode: PairMode, ctx: RecursionContext, thetaAB: number): number {
    const weights: [number, DD][] = q === 'Theta1' ? [[0, dd(ctx.lambdaW)], [1, dd(ctx.cw * thetaAB)]] : [[0, dd(ctx.cw)]];
    let tot = ZERO;
    for (let k = 0; k <= 4; k++) {
      let e = ZERO;
      for (const [o, w] of weights) if (this.leftOut(X, o, 4, k, geom, mode)) e = add(e, mul(w, X.adapted(o, 4, k)));
      if (e[0] === 0) continue;
      const Wk = ddsum(stringsWithW(4, k).map((sl) => X.component(s.V, sl)));
      tot = add(tot, mul(Wk, e));
    }
    return toNumber(mul(dd(ctx.r / 8), tot));
  }

  private leftOut(X: PairLayerExpectations, o: number, d: number, k: number, geom: PairGeometry, mode: PairMode): boolean {
    // the solver's atoms (src/gaussian/piecewise.ts), so that the growth is the one its mode acted on
    const at = productAtoms(this.p.pl, [o]).map(([c, f]): [number, PairAtom] => [c, toPairAtom(f)]);
    return adaptedComponent(at, at, d, k, geom, false).growth > 0 && droppedComponent(mode, d, geom.S);
  }

  /** D and A on two inputs: their V-terms (and A's D-term) over the left-out ⟨∂_w² σ'σ'⟩. */
  private secondDerivativeTerms(q: string, t: Float64Array, X: PairLayerExpectations, s: PairLayer, geom: PairGeometry, mode: PairMode, ctx: RecursionContext, prev: LayerTensors): void {
    const th = prev.Theta;
    const lw = dd(ctx.lambdaW);
    const terms = (kind: 'S' | 'Om', x: number, y: number): SlotTerm[] => {
      const tw = dd(ctx.cw * (th?.[x * 2 + y] ?? 0));
      const parts: [number, DD][] = kind === 'S' ? [[0, ONE]] : [[0, lw], [1, tw]];
      if (x === y) {
        const ord = (o: number): number[] => [o, o];
        const full = ddsum(parts.map(([o, w]) => mul(w, x === 0 ? X.E(ord(o), [], 2, 0) : X.E([], ord(o), 0, 2))));
        return [{ slots: [x as Slot, x as Slot], full, left: ZERO }];
      }
      const out: SlotTerm[] = [];
      for (const sl of [['u', 'u'], ['u', 'w'], ['w', 'u'], ['w', 'w']] as [Slot, Slot][]) {
        const k = count(sl.map((v) => (v === 'w' ? 1 : 0)), 1);
        let full = ZERO;
        let left = ZERO;
        for (const [o, w] of parts) {
          const v = mul(w, X.adapted(o, 2, k));
          full = add(full, v);
          if (this.leftOut(X, o, 2, k, geom, mode)) left = add(left, v);
        }
        out.push({ slots: sl, full, left });
      }
      return out;
    };
    const r = ctx.r;
    const cw = ctx.cw;
    for (let e = 0; e < 16; e++) {
      const [a, b, c, d] = [(e >> 3) & 1, (e >> 2) & 1, (e >> 1) & 1, e & 1];
      let v = ZERO;
      if (q === 'D') {
        // ¼ C_W r Σ V ⟨∂∂Ω_ab⟩⟨∂∂σ_cσ_d⟩: the left-out part of ⟨∂∂Ω_ab⟩ against the full ⟨∂∂σσ⟩
        for (const x of terms('Om', a, b)) {
          if (x.left[0] === 0) continue;
          for (const y of terms('S', c, d)) v = add(v, mul(X.component(s.V, [...x.slots, ...y.slots]), mul(x.left, y.full)));
        }
        v = mul(dd((cw * r) / 4), v);
      } else {
        // ¼ r Σ V (F_ab F_cd − K_ab K_cd), K = F − left: the products the solver's sum lacks
        const tab = terms('Om', a, b);
        const tcd = terms('Om', c, d);
        for (const x of tab) {
          for (const y of tcd) {
            const kx = sub(x.full, x.left);
            const ky = sub(y.full, y.left);
            const diff = sub(mul(x.full, y.full), mul(kx, ky));
            if (diff[0] !== 0) v = add(v, mul(X.component(s.V, [...x.slots, ...y.slots]), diff));
          }
        }
        v = mul(dd(r / 4), v);
        // ½ C_W r (⟨P_cd⟩ Σ D_cd.. ⟨∂∂Ω_ab⟩ + ⟨P_ab⟩ Σ D_ab.. ⟨∂∂Ω_cd⟩): the left-out parts against the stored D
        const D = prev.D;
        if (D) {
          const Dpair = (x: number, y: number): DD[] => Array.from({ length: 16 }, (_, i) => (((i >> 3) & 1) === 0 && ((i >> 2) & 1) === 0 ? dd(D[(x * 2 + y) * 4 + (i & 3)]!) : ZERO));
          const P = (x: number, y: number): DD => (x === y ? (x === 0 ? X.E([1, 1], [], 0, 0) : X.E([], [1, 1], 0, 0)) : X.E([1], [1], 0, 0));
          const dterm = (xy: [number, number], other: SlotTerm[]): DD => {
            let acc = ZERO;
            for (const z of other) if (z.left[0] !== 0) acc = add(acc, mul(X.component(Dpair(xy[0], xy[1]), [0, 0, ...z.slots]), z.left));
            return acc;
          };
          v = add(v, mul(dd((cw * r) / 2), add(mul(P(c, d), dterm([c, d], tab)), mul(P(a, b), dterm([a, b], tcd)))));
        }
      }
      t[e] = t[e]! + toNumber(v);
    }
  }
}

/** The adapted index strings of length n with k w's. */
function stringsWithW(n: number, k: number): Slot[][] {
  const out: Slot[][] = [];
  for (let t = 0; t < 1 << n; t++) {
    const sl: Slot[] = [];
    for (let s = n - 1; s >= 0; s--) sl.push((t >> s) & 1 ? 'w' : 'u');
    if (count(sl.map((v) => (v === 'w' ? 1 : 0)), 1) === k) out.push(sl);
  }
  return out;
}
