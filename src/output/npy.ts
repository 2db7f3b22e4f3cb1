/**
 * NumPy .npy files (format version 1.0, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * the magic string \x93NUMPY, version bytes 1 0, a little-endian uint16 header length, an ASCII Python-literal header
 * {'descr': '<f8', 'fortran_order': False, 'shape': (…), } padded with spaces and ended by '\n' so that the data
 * starts at a multiple of 64 bytes, then the float64 values little-endian in C (row-major) order.
 *
 * Each file is written under a temporary name beside it and renamed when complete, so an interrupted run never
 * leaves a truncated .npy under the final name. Arrays are streamed to disk in bounded chunks: a Float64Array is written through views of its own buffer (no
 * second copy on little-endian machines; byte-swapped 1 MB chunks otherwise), nested number arrays row by row.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { endianness } from 'node:os';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE = endianness() === 'LE';
/** Bytes per write call (writes of more than 2 GB at once are not portable). */
const CHUNK_BYTES = 64 * 1024 * 1024;

/** The header (magic, version, length, dict) of a float64 C-order array of the given shape. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`npyHeader: invalid dimension ${d}`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': ${tuple}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const headerLen = total - 10;
  if (headerLen > 0xffff) throw new Error('npyHeader: header too long for format 1.0');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = headerLen & 0xff;
  out[9] = headerLen >> 8;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

/** Bytes of a .npy file of float64 values with this shape. */
export function npyFileBytes(shape: readonly number[]): number {
  return npyHeader(shape).length + 8 * shape.reduce((a, b) => a * b, 1);
}

/** A .npy file being written: header first, then exactly Π shape values through write(). */
export class NpyWriter {
  private fd: number;
  private written = 0;
  private readonly count: number;
  private swap: Float64Array | null = null;
  private readonly tmp: string;

  constructor(readonly path: string, readonly shape: readonly number[]) {
    this.count = shape.reduce((a, b) => a * b, 1);
    const header = npyHeader(shape);
    this.tmp = temporaryPath(path);
    this.fd = openSync(this.tmp, 'w');
    writeAll(this.fd, header);
  }

  /** Append values (C order). */
  write(values: Float64Array): void {
    if (this.written + values.length > this.count) throw new Error(`NpyWriter: more than ${this.count} values for ${this.path}`);
    if (LITTLE) {
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let o = 0; o < bytes.length; o += CHUNK_BYTES) writeAll(this.fd, bytes.subarray(o, Math.min(bytes.length, o + CHUNK_BYTES)));
    } else {
      this.swap ??= new Float64Array(1 << 17);
      const view = new DataView(this.swap.buffer);
      for (let o = 0; o < values.length; o += this.swap.length) {
        const n = Math.min(this.swap.length, values.length - o);
        for (let i = 0; i < n; i++) view.setFloat64(8 * i, values[o + i]!, true);
        writeAll(this.fd, new Uint8Array(this.swap.buffer, 0, 8 * n));
      }
    }
    this.written += values.length;
  }

  /** Append the numbers of a nested array (any depth), in index order. */
  writeNested(nested: unknown): void {
    const buf = new Float64Array(1 << 16);
    let n = 0;
    const flush = (): void => {
      if (n > 0) this.write(buf.subarray(0, n));
      n = 0;
    };
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) {
        for (const x of v) walk(x);
        return;
      }
      if (typeof v !== 'number') throw new Error(`NpyWriter: expected numbers, found ${typeof v}`);
      buf[n++] = v;
      if (n === buf.length) flush();
    };
    walk(nested);
    flush();
  }

  /** Close the file and give it its name; throws (and removes it) if fewer values than the shape holds were written. */
  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    if (this.written !== this.count) {
      rmSync(this.tmp, { force: true });
      throw new Error(`NpyWriter: wrote ${this.written} of ${this.count} values to ${this.path}`);
    }
    renameSync(this.tmp, this.path);
  }

  /** Abandon the file (after an error): the temporary file is removed, nothing appears under the final name. */
  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmp, { force: true });
  }
}

/** A hidden temporary name beside `path` (same directory, so the final rename is atomic). */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let o = 0;
  while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
}

/** Write a whole float64 array (C order) as one .npy file. */
export function writeNpy(path: string, shape: readonly number[], values: Float64Array): void {
  const w = new NpyWriter(path, shape);
  try {
    w.write(values);
  } catch (e) {
    w.abort();
    throw e;
  }
  w.close();
}

/** Write a nested number array (e.g. K[a][b] or V4[a][b][c][d]) as one .npy file of the given shape. */
export function writeNpyNested(path: string, shape: readonly number[], nested: unknown): void {
  const w = new NpyWriter(path, shape);
  try {
    w.writeNested(nested);
  } catch (e) {
    w.abort();
    throw e;
  }
  w.close();
}
