/**
 * The linear maps of a group-convolutional layer on pair-indexed tensors (docs/gcnn.md):
 *
 *  support average (Misof, Kessel, Gerken, *Equivariant Neural Tangent Kernels*, the kernel recursion of the
 *  group-convolutional layer)   (𝒜T)_{αβ} = (1/|S|) Σ_{k ∈ S} T_{αk, βk},     αk = (f_a, g·k) for α = (f_a, g);
 *  on four-index tensors the slots that share a channel index are shifted together,
 *      (𝒜⊗𝒜 U)_{α1α2α3α4} = (1/|S|²) Σ_{k, k' ∈ S} U_{α1k, α2k, α3k', α4k'};
 *  group pooling                 (𝒫T)_{ab} = (1/|G|²) Σ_{g, g'} T_{(a,g),(b,g')}, slot by slot on four indices.
 *
 * A tensor may be given on equivalence classes of pairs (`PairClasses`: exact duplicates, or positive multiples
 * for positively homogeneous σ without biases): entry α… of the full tensor is s_α… × U[cls α]….
 */

/** Classes of pairs: cls[α] the reduced index, scale[α] the factor z_α = scale[α]·z_{rep}. */
export interface PairClasses {
  /** number of pairs (m·|G|) */
  size: number;
  /** number of classes */
  reduced: number;
  cls: Int32Array;
  scale: Float64Array;
  /** a representative pair of each class (scale 1) */
  reps: Int32Array;
}

export function identityClasses(size: number): PairClasses {
  const cls = Int32Array.from({ length: size }, (_, i) => i);
  return { size, reduced: size, cls, scale: new Float64Array(size).fill(1), reps: cls };
}

/** shift[α·s + ki] = pair index of α·S[ki], from the element table sh[g·s + ki] = g·S[ki]. */
export function pairShift(m: number, order: number, sh: Int32Array, s: number): Int32Array {
  const out = new Int32Array(m * order * s);
  for (let a = 0; a < m; a++) for (let g = 0; g < order; g++) for (let k = 0; k < s; k++) out[(a * order + g) * s + k] = a * order + sh[g * s + k]!;
  return out;
}

/** (𝒜U)_{αβ} for every pair of pairs; U given on classes. */
export function supportAverage2(U: Float64Array, c: PairClasses, shift: Int32Array, s: number): Float64Array {
  const M = c.size;
  const r = c.reduced;
  const out = new Float64Array(M * M);
  const { cls, scale } = c;
  for (let a = 0; a < M; a++) {
    for (let b = 0; b < M; b++) {
      let acc = 0;
      for (let k = 0; k < s; k++) {
        const p = shift[a * s + k]!;
        const q = shift[b * s + k]!;
        acc += scale[p]! * scale[q]! * U[cls[p]! * r + cls[q]!]!;
      }
      out[a * M + b] = acc / s;
    }
  }
  return out;
}

/** (𝒜⊗𝒜 U) on slot pairs (0,1) and (2,3); U given on classes (r⁴ entries), result on all pairs (M⁴). */
export function supportAverage4(U: Float64Array, c: PairClasses, shift: Int32Array, s: number): Float64Array {
  const M = c.size;
  const r = c.reduced;
  const { cls, scale } = c;
  const M2 = M * M;
  // first pass: slots (0,1) averaged, slots (2,3) still on classes: tmp[(αβ)][(c3 c4)]
  const r2 = r * r;
  const tmp = new Float64Array(M2 * r2);
  for (let a = 0; a < M; a++) {
    for (let b = 0; b < M; b++) {
      const row = (a * M + b) * r2;
      for (let k = 0; k < s; k++) {
        const p = shift[a * s + k]!;
        const q = shift[b * s + k]!;
        const f = scale[p]! * scale[q]!;
        const src = (cls[p]! * r + cls[q]!) * r2;
        for (let t = 0; t < r2; t++) tmp[row + t] = tmp[row + t]! + f * U[src + t]!;
      }
    }
  }
  const out = new Float64Array(M2 * M2);
  const inv = 1 / (s * s);
  for (let ab = 0; ab < M2; ab++) {
    const src = ab * r2;
    const dst = ab * M2;
    for (let c3 = 0; c3 < M; c3++) {
      for (let c4 = 0; c4 < M; c4++) {
        let acc = 0;
        for (let k = 0; k < s; k++) {
          const p = shift[c3 * s + k]!;
          const q = shift[c4 * s + k]!;
          acc += scale[p]! * scale[q]! * tmp[src + cls[p]! * r + cls[q]!]!;
        }
        out[dst + c3 * M + c4] = acc * inv;
      }
    }
  }
  return out;
}

/** Group pooling of a two-index pair tensor (m·|G|)² → m². */
export function pool2(T: Float64Array, m: number, order: number): Float64Array {
  const M = m * order;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let acc = 0;
      for (let g = 0; g < order; g++) {
        const row = (a * order + g) * M + b * order;
        for (let h = 0; h < order; h++) acc += T[row + h]!;
      }
      out[a * m + b] = acc / (order * order);
    }
  }
  return out;
}

/** Group pooling of a four-index pair tensor, every slot averaged over G: (m·|G|)⁴ → m⁴. */
export function pool4(T: Float64Array, m: number, order: number): Float64Array {
  let cur = T;
  let sizes = [m * order, m * order, m * order, m * order];
  // pool one slot at a time (slot 3, then 2, 1, 0): cost ≈ (m|G|)⁴
  for (let slot = 3; slot >= 0; slot--) {
    const next = sizes.slice();
    next[slot] = m;
    const out = new Float64Array(next.reduce((x, y) => x * y, 1));
    const stride = sizes.slice(slot + 1).reduce((x, y) => x * y, 1);
    const outer = sizes.slice(0, slot).reduce((x, y) => x * y, 1);
    for (let o = 0; o < outer; o++) {
      for (let a = 0; a < m; a++) {
        const dst = (o * m + a) * stride;
        for (let g = 0; g < order; g++) {
          const src = (o * m * order + a * order + g) * stride;
          for (let t = 0; t < stride; t++) out[dst + t] = out[dst + t]! + cur[src + t]!;
        }
        for (let t = 0; t < stride; t++) out[dst + t] = out[dst + t]! / order;
      }
    }
    cur = out;
    sizes = next;
  }
  return cur;
}
