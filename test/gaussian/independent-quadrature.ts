/**
 * An independent reference for Gaussian expectations, written for the tests and sharing no code with src/gaussian:
 * adaptive Gauss–Legendre (16 points, nodes by Newton's method here) with bisection until a panel agrees with its
 * two halves, integrating directly in z with the density of N(0, K) (1-D) or of z_b given z_a (2-D). Breakpoints at
 * z = 0, ±2^j (the activation's features) and at the Gaussian's centre ± multiples of its standard deviation.
 */

const N = 16;
const { X, W } = (() => {
  const X = new Float64Array(N);
  const W = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (N + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= N; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (N * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-17) break;
    }
    X[i] = x;
    W[i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { X, W };
})();

function gl(f: (x: number) => number, a: number, b: number): { v: number; m: number } {
  const c = 0.5 * (a + b);
  const h = 0.5 * (b - a);
  let v = 0;
  let m = 0;
  for (let i = 0; i < N; i++) {
    const y = f(c + h * X[i]!);
    v += W[i]! * y;
    m += W[i]! * Math.abs(y);
  }
  return { v: v * h, m: m * h };
}

/** ∫ f over the breakpoint panels, each bisected until it agrees with its halves to rel·scale. */
export function adaptive(f: (x: number) => number, breaks: number[], rel = 1e-14): number {
  const bs = [...new Set(breaks.filter(Number.isFinite))].sort((x, y) => x - y);
  const first = bs.slice(0, -1).map((a, i) => gl(f, a, bs[i + 1]!));
  const scale = first.reduce((s, p) => s + p.m, 0) || 1e-300;
  const rec = (a: number, b: number, whole: number, depth: number): number => {
    const m = 0.5 * (a + b);
    const l = gl(f, a, m).v;
    const r = gl(f, m, b).v;
    if (Math.abs(l + r - whole) <= rel * scale || depth > 60) return l + r;
    return rec(a, m, l, depth + 1) + rec(m, b, r, depth + 1);
  };
  let sum = 0;
  for (let i = 0; i + 1 < bs.length; i++) sum += rec(bs[i]!, bs[i + 1]!, first[i]!.v, 0);
  return sum;
}

const INV_SQRT_2PI = 0.3989422804014327;

/** Breakpoints for ∫ g(z) N(z; mu, v) dz: features at 0, ±2^j, and mu ± t√v. */
function breaksFor(mu: number, v: number): number[] {
  const sd = Math.sqrt(v);
  const lo = mu - 40 * sd;
  const hi = mu + 40 * sd;
  const out = [lo, hi, mu];
  for (const t of [1, 3, 6, 10, 16, 24]) out.push(mu - t * sd, mu + t * sd);
  // σ's features lie within |z| ≲ 20; beyond, the Gaussian's own breakpoints suffice
  for (const z of [0, 0.5, 2, 8, 32]) out.push(z, -z);
  return out.filter((x) => x >= lo && x <= hi);
}

/** E[g(z)], z ~ N(mu, v). */
export function expect1(g: (z: number) => number, v: number, mu = 0, rel = 1e-14): number {
  const c = INV_SQRT_2PI / Math.sqrt(v);
  return adaptive((z) => g(z) * c * Math.exp((-0.5 * (z - mu) * (z - mu)) / v), breaksFor(mu, v), rel);
}

/** E[ga(za) gb(zb)] over N(0, [[Kaa, Kab], [Kab, Kbb]]) (Kaa > 0, conditional variance of zb > 0). */
export function expect2(ga: (z: number) => number, gb: (z: number) => number, Kaa: number, Kab: number, Kbb: number, rel = 1e-11): number {
  const slope = Kab / Kaa;
  const v = Kbb - Kab * slope;
  return expect1((za) => {
    const a = ga(za);
    return a === 0 ? 0 : a * expect1(gb, v, slope * za, rel * 0.1);
  }, Kaa, 0, rel);
}
