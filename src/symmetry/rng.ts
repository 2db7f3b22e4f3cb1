/**
 * Seeded random numbers for the symmetry checks, on the Monte Carlo module's counter-based generator
 * (Philox4x32-10 + xoshiro128**, src/rng): `new Rng(seed, stream)` is stream `stream` of `seed`, the same
 * numbers wherever it runs. Networks use streams 0, 1, 2, … (one per network); group elements, fixed
 * hyper-parameters (T-layer weights) and translation vectors use streams from `STREAM_*` far above them.
 */
import { NetStream } from '../rng/index.ts';
import { NnftInputError } from '../errors.ts';

export const STREAM_GROUP = 2 ** 40;
export const STREAM_FIXED = 2 ** 41;

export class Rng {
  private readonly s: NetStream;

  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new NnftInputError('seed', `expected a non-negative integer, got ${String(seed)}`);
    this.s = new NetStream(seed).reset(stream);
  }

  /** restart at position 0 of stream `stream` (same seed) */
  reset(stream: number): this {
    this.s.reset(stream);
    return this;
  }

  /** uniform on [0, 1) */
  uniform(): number {
    return this.s.uniform();
  }

  /** standard normal */
  normal(): number {
    return this.s.normal();
  }

  /** fill out[off .. off+len) with N(0, scale²) normals (same numbers as repeated normal() calls) */
  fillNormal(out: Float64Array, off = 0, len = out.length - off, scale = 1): Float64Array {
    this.s.fillNormal(out, off, len, scale);
    return out;
  }

  /** Gamma(shape, 1) (the shared generator's Marsaglia–Tsang) */
  gamma(shape: number): number {
    return this.s.gamma(shape);
  }
}
