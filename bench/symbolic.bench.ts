/**
 * Speed of the symbolic engine: (1) deriving V4, K¹, Θ¹, A, B, D, F by symbolic IBP (goal < 1 s in total), beside SymPy doing
 * the same IBP on the same original forms (bench/symbolic_sympy.py; skipped without python3 + sympy; goal
 * ≥ 10× faster); (2) the compiled full V4 evaluator for 8 inputs (tanh): time of the Gaussian integrals it
 * needs vs time of the evaluation itself.
 *
 *   npm run bench -- symbolic            (NNFT_SYMPY_TIMEOUT=seconds caps the SymPy run, default 300)
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearCanonicalMemo, clearDerivationCache, compileRecursion, deriveRecursion, simplify } from '../src/symbolic/index.ts';
import { getActivation } from '../src/activations/index.ts';
import { makeLayerExpectations } from '../recursions/expectation.ts';
import type { DerivGroup, RecursionContext } from '../src/recursion-contract.ts';
import type { DerivFactor } from '../src/gaussian/types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const NAMES = ['V4', 'K1', 'Theta1', 'A', 'B', 'D', 'F'] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeDerivations(): { cold: number; warm: number; ibpOnly: Record<string, number>; ibpTotal: number; terms: Record<string, number> } {
  clearDerivationCache();
  let t0 = performance.now();
  for (const n of NAMES) deriveRecursion(n);
  const cold = performance.now() - t0;
  const warmRuns: number[] = [];
  for (let k = 0; k < 5; k++) {
    clearDerivationCache();
    t0 = performance.now();
    for (const n of NAMES) deriveRecursion(n);
    warmRuns.push(performance.now() - t0);
  }
  // the part SymPy does too: IBP + collection of the IBP parts' original forms (expanded form)
  const ibpOnly: Record<string, number> = {};
  const terms: Record<string, number> = {};
  let ibpTotal = 0;
  for (const n of NAMES) {
    const parts = deriveRecursion(n).parts.filter((p) => p.ibp);
    const runs: number[] = [];
    let count = 0;
    for (let k = 0; k < 5; k++) {
      clearCanonicalMemo(); // time from scratch: no canonical form remembered from an earlier run
      t0 = performance.now();
      count = 0;
      for (const p of parts) count += simplify(p.original, 'expanded').terms.length;
      runs.push(performance.now() - t0);
    }
    ibpOnly[n] = median(runs);
    terms[n] = count;
    ibpTotal += ibpOnly[n];
  }
  return { cold, warm: median(warmRuns), ibpOnly, ibpTotal, terms };
}

interface SympyResult {
  available: boolean;
  reason?: string;
  seconds?: Record<string, number>;
  terms?: Record<string, number>;
  total_seconds?: number;
  timed_out?: string[];
}

function runSympy(): SympyResult {
  const timeout = Number(process.env.NNFT_SYMPY_TIMEOUT ?? 300) * 1000;
  const r = spawnSync('python3', [join(here, 'symbolic_sympy.py'), '--stream'], { encoding: 'utf8', timeout });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') return { available: false, reason: 'python3 not found' };
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim().startsWith('{'));
  const res: SympyResult = { available: true, seconds: {}, terms: {} };
  for (const l of lines) {
    const o = JSON.parse(l);
    if (o.available === false) return o;
    if (o.name) {
      res.seconds![o.name] = o.seconds;
      res.terms![o.name] = o.terms;
    }
  }
  res.timed_out = NAMES.filter((n) => !(n in res.seconds!));
  res.total_seconds = Object.values(res.seconds!).reduce((a, b) => a + b, 0);
  return res;
}

function timeCompiledV4(m: number): { integralsMs: number; evalMs: number; coldMs: number; expectCalls: number; entries: number } {
  // 8 distinct inputs in 3 dimensions → a random PD kernel
  const xs = Array.from({ length: m }, (_, i) => [Math.cos(i), Math.sin(1.3 * i), 0.5 + 0.1 * i]);
  const K = xs.map((x) => xs.map((y) => 0.1 + (x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!) / 3));
  const V = new Float64Array(m ** 4);
  for (let i = 0; i < V.length; i++) V[i] = 0;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) for (let d = 0; d < m; d++) V[((a * m + b) * m + c) * m + d] = K[a]![c]! * K[b]![d]! + K[a]![d]! * K[b]![c]!;
  const act = getActivation('tanh');
  const ev = compileRecursion('V4');
  const base = { m, cb: 0.1, cw: 1.2, lambdaB: 1, lambdaW: 1, r: 1, prev: { K: Float64Array.from(K.flat()), V4: V } };
  // cold: fresh layer expectations (every Gaussian integral computed)
  const ex = makeLayerExpectations(act, K);
  let calls = 0;
  const counted: RecursionContext = {
    ...base,
    expect: (f: readonly DerivFactor[]) => {
      calls++;
      return ex.expect(f);
    },
    expectGroups: (g: readonly DerivGroup[]) => {
      calls++;
      return ex.expectGroups(g);
    },
  };
  let t0 = performance.now();
  const out1 = ev(counted);
  const coldMs = performance.now() - t0;
  // warm: the same layer expectations, already memoised → pure evaluation (+ memo look-ups)
  const warm: RecursionContext = { ...base, expect: ex.expect, expectGroups: ex.expectGroups };
  const runs: number[] = [];
  for (let k = 0; k < 20; k++) {
    t0 = performance.now();
    ev(warm);
    runs.push(performance.now() - t0);
  }
  void out1;
  const evalMs = median(runs);
  return { integralsMs: coldMs - evalMs, evalMs, coldMs, expectCalls: calls, entries: m ** 4 };
}

export async function main(): Promise<void> {
  const d = timeDerivations();
  console.log('Derivation by symbolic IBP (src/symbolic), all of V4, K1, Theta1, A, B, D, F');
  console.log(`  full deriveRecursion (expanded + grouped forms and printers): cold ${d.cold.toFixed(1)} ms, warm median ${d.warm.toFixed(1)} ms  (goal < 1000 ms)`);
  const py = runSympy();
  console.log('\n  IBP + collection of the original forms (what the SymPy script does), per quantity:');
  console.log('  quantity   terms   nnft ms    sympy s   speed-up');
  for (const n of NAMES) {
    const s = py.available ? py.seconds?.[n] : undefined;
    const sp = s === undefined ? (py.available ? 'timeout' : 'n/a') : s.toFixed(2);
    const ratio = s === undefined ? '' : `${((s * 1000) / Math.max(d.ibpOnly[n]!, 1e-3)).toFixed(0)}×`;
    const tcheck = py.terms?.[n] !== undefined && py.terms[n] !== d.terms[n] ? `  (sympy terms ${py.terms[n]}!)` : '';
    console.log(`  ${n.padEnd(9)} ${String(d.terms[n]).padStart(5)} ${d.ibpOnly[n]!.toFixed(2).padStart(9)} ${sp.padStart(10)} ${ratio.padStart(10)}${tcheck}`);
  }
  if (!py.available) console.log(`  SymPy skipped: ${py.reason}`);
  else {
    const done = NAMES.filter((n) => py.seconds?.[n] !== undefined);
    const nnft = done.reduce((a, n) => a + d.ibpOnly[n]!, 0);
    console.log(`  total over ${done.length} quantities: nnft ${nnft.toFixed(1)} ms, sympy ${(py.total_seconds ?? 0).toFixed(1)} s → ${(((py.total_seconds ?? 0) * 1000) / nnft).toFixed(0)}× (goal ≥ 10×)${py.timed_out?.length ? `; SymPy did not finish ${py.timed_out.join(', ')} within NNFT_SYMPY_TIMEOUT` : ''}`);
  }
  const v = timeCompiledV4(8);
  console.log('\nCompiled full V4 recursion (grouped IBP form), tanh, 8 inputs, one layer:');
  console.log(`  ${v.entries} entries; ${v.expectCalls} distinct Gaussian expectations requested`);
  console.log(`  Gaussian integrals: ${v.integralsMs.toFixed(1)} ms   evaluation (expectations memoised): ${v.evalMs.toFixed(2)} ms   (cold total ${v.coldMs.toFixed(1)} ms)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
