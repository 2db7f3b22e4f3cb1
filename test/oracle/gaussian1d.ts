/**
 * ⟨f(z)⟩ for z ~ N(0, K), K > 0, by the trapezoid rule in u = z/√K on [−12, 12] with step 1/32: exponentially
 * accurate for analytic f(√K u) e^{−u²/2} (the tails beyond |u| = 12 weigh below e^{−72}). Independent of src/gaussian.
 */
export function gaussian1d(K: number): (f: (z: number) => number) => number {
  const h = 1 / 32;
  const s = Math.sqrt(K);
  const us: number[] = [];
  const ws: number[] = [];
  for (let u = -12; u <= 12 + 1e-12; u += h) {
    us.push(u);
    ws.push((h * Math.exp((-u * u) / 2)) / Math.sqrt(2 * Math.PI));
  }
  return (f) => us.reduce((acc, u, i) => acc + ws[i]! * f(s * u), 0);
}
