/**
 * Tensor backend selection: TensorFlow.js with @tensorflow/tfjs-node when it is installed (an
 * optional dependency, imported dynamically), else tfjs-backend-wasm, else tfjs-backend-cpu — and the
 * hand-written Float64Array kernels of kernels.ts wherever they are faster for this workload.
 *
 * Decision (measured by `npm run bench -- montecarlo`, section 3, which calls {@link timeBackends}): for the
 * per-network 64×64 products of the empirical NTK the typed-array kernel (gemmABt) beats every TFJS backend
 * that installs here (wasm ≈2×, cpu ≈5× slower, float32 only, with a per-op dispatch/readback cost of the
 * order of the product itself), and the fast path has no matrix products. So the sampler always runs the
 * typed-array kernels, which also keeps every result float64 and bit-reproducible across machines, worker
 * counts and shards. tfjs-node could not be installed or measured here; `timeBackends` reports it when present.
 */
import { gemmABt } from './kernels.ts';

export interface BackendTiming {
  backend: string;
  /** µs per 64×64·(64×64)ᵀ product (batched where the backend batches) */
  microsPerProduct: number;
  gflops: number;
  /** µs for one unbatched product including dispatch and readback (TFJS only) */
  microsSingleOp?: number;
  precision: 'float32' | 'float64';
}

/** The TFJS backends that load here, best first ('tensorflow' = tfjs-node). Never throws. */
export async function availableTfjsBackends(): Promise<{ tf: typeof import('@tensorflow/tfjs-core') | null; backends: string[]; notes: string[] }> {
  const notes: string[] = [];
  let tf: typeof import('@tensorflow/tfjs-core') | null = null;
  const backends: string[] = [];
  try {
    tf = await import('@tensorflow/tfjs-core');
  } catch (e) {
    notes.push(`@tensorflow/tfjs-core not loadable: ${e instanceof Error ? e.message : String(e)}`);
    return { tf, backends, notes };
  }
  try {
    await import('@tensorflow/tfjs-node' as string);
    backends.push('tensorflow');
  } catch {
    notes.push('@tensorflow/tfjs-node: not installed (optional dependency)');
  }
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    backends.push('wasm');
  } catch {
    notes.push('@tensorflow/tfjs-backend-wasm: not loadable');
  }
  try {
    await import('@tensorflow/tfjs-backend-cpu');
    backends.push('cpu');
  } catch {
    notes.push('@tensorflow/tfjs-backend-cpu: not loadable');
  }
  return { tf, backends, notes };
}

/** Time the NTK product on the typed-array kernel and on every TFJS backend that loads. */
export async function timeBackends(n = 64, batch = 32): Promise<{ timings: BackendTiming[]; notes: string[] }> {
  const flops = 2 * n * n * n;
  const timings: BackendTiming[] = [];
  const a64 = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const c64 = new Float64Array(n * n);
  for (let k = 0; k < 50; k++) gemmABt(a64, a64, c64, n, n, n, n, 0, false);
  let t0 = performance.now();
  const reps = 400;
  for (let k = 0; k < reps; k++) gemmABt(a64, a64, c64, n, n, n, n, 0, false);
  let dt = (performance.now() - t0) / reps;
  timings.push({ backend: 'typed-array gemmABt', microsPerProduct: dt * 1000, gflops: flops / dt / 1e6, precision: 'float64' });
  const { tf, backends, notes } = await availableTfjsBackends();
  if (!tf) return { timings, notes };
  for (const be of backends) {
    try {
      if (!(await tf.setBackend(be))) throw new Error('setBackend returned false');
      await tf.ready();
      const x = tf.tensor3d(Float32Array.from({ length: batch * n * n }, (_, i) => Math.sin(i)), [batch, n, n]);
      for (let k = 0; k < 3; k++) {
        const y = tf.matMul(x, x, false, true);
        await y.data();
        y.dispose();
      }
      t0 = performance.now();
      const r2 = 10;
      for (let k = 0; k < r2; k++) {
        const y = tf.matMul(x, x, false, true);
        await y.data();
        y.dispose();
      }
      dt = (performance.now() - t0) / r2 / batch;
      const s = tf.tensor2d(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i)), [n, n]);
      t0 = performance.now();
      for (let k = 0; k < 100; k++) {
        const y = tf.matMul(s, s, false, true);
        y.dataSync();
        y.dispose();
      }
      const single = (performance.now() - t0) / 100;
      timings.push({ backend: `tfjs ${be}`, microsPerProduct: dt * 1000, gflops: flops / dt / 1e6, microsSingleOp: single * 1000, precision: 'float32' });
      x.dispose();
      s.dispose();
    } catch (e) {
      notes.push(`tfjs ${be}: failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return { timings, notes };
}
