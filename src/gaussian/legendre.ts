/** Gauss–Legendre rules on [0, 1] (Newton on the Legendre recurrence), cached. */
const cache = new Map<number, { x: Float64Array; w: Float64Array }>();

export function gaussLegendre01(n: number): { x: Float64Array; w: Float64Array } {
  const hit = cache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) { p1 = t; p0 = 1; }
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n === 1 ? 1 : (n * (t * p1 - p0)) / (t * t - 1);
    }
    const wi = 2 / ((1 - t * t) * dp * dp);
    // map [-1,1] → [0,1]
    x[i] = (1 - t) / 2;
    x[n - 1 - i] = (1 + t) / 2;
    w[i] = wi / 2;
    w[n - 1 - i] = wi / 2;
  }
  const r = { x, w };
  cache.set(n, r);
  return r;
}
