/**
 * Scratch storage for quadrature tables: Float64Array views carved out of a few large chunks.
 *
 * Why: a layer of the recursion solver needs a few dozen short tables (nodes, σ^(k) at the nodes); allocating
 * each as its own Float64Array (an off-heap ArrayBuffer in V8) cost more than filling it. An arena hands out
 * subarray views instead, and `reset()` recycles the chunks for the next layer. Views are NOT zeroed: the
 * caller writes every element. A view must not be used after the arena that produced it is reset.
 */
export class Float64Arena {
  /**
   * Highest σ-derivative order requested so far by the layers that share this arena: their σ^(k) tables are
   * tabulated up to it in one pass (it only affects speed, never values).
   */
  orderHint = 2;
  private readonly chunks: Float64Array[] = [];
  private chunk = -1;
  private used = 0;
  /** Chunks start at `firstChunk` doubles and double in size (a one-off expectation allocates little). */
  constructor(private readonly firstChunk = 1 << 12) {}

  alloc(n: number): Float64Array {
    let cur = this.chunks[this.chunk];
    if (!cur || this.used + n > cur.length) {
      // next recycled chunk that fits, else a new one
      let next = this.chunk + 1;
      while (next < this.chunks.length && this.chunks[next]!.length < n) next++;
      if (next >= this.chunks.length) {
        const last = this.chunks[this.chunks.length - 1];
        const size = last ? Math.min(2 * last.length, 1 << 20) : this.firstChunk;
        this.chunks.push(new Float64Array(Math.max(size, n)));
        next = this.chunks.length - 1;
      }
      this.chunk = next;
      this.used = 0;
      cur = this.chunks[next]!;
    }
    const view = cur.subarray(this.used, this.used + n);
    this.used += n;
    return view;
  }

  /** Recycle all chunks (every view handed out so far becomes invalid). */
  reset(): void {
    this.chunk = -1;
    this.used = 0;
  }
}
