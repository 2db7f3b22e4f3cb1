/**
 * JSON output without a giant string: results are written piece by piece (one row of numbers at a time) to stdout
 * or a file, with back-pressure, and produce exactly the text JSON.stringify would. Results that would exceed
 * JSON_LIMIT_BYTES are refused before anything is computed, pointing to the NumPy format.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { temporaryPath } from './npy.ts';
import { NnftResourceError } from '../errors.ts';
import { formatBytes } from '../resources.ts';

/** Largest JSON result written (bytes); larger ones are refused in favour of --format npy. */
export const JSON_LIMIT_BYTES = 200e6;
/** Bytes per number in the estimate: 17 significant digits, sign, point, exponent and comma (typical 19–22). */
const BYTES_PER_NUMBER = 21;

/** Below this estimated size a JSON result is written with one JSON.stringify call. */
const SMALL_JSON_BYTES = 16e6;

export function estimateJsonBytes(numbers: number): number {
  return numbers * BYTES_PER_NUMBER;
}

/** Refuse a JSON result of `numbers` numbers above JSON_LIMIT_BYTES (NnftResourceError, exit code 2). */
export function requireJsonSize(what: string, numbers: number, fix = 'write NumPy files instead: --format npy --out DIR (and select layers with --layers last or --layers 1,5,10)'): void {
  const bytes = estimateJsonBytes(numbers);
  if (bytes > JSON_LIMIT_BYTES) throw new NnftResourceError(`${what} as JSON`, `~${formatBytes(bytes)} of text`, `${formatBytes(JSON_LIMIT_BYTES)} (the JSON output limit)`, fix);
}

/**
 * A text destination: stdout (with back-pressure) or a file (synchronous writes to a temporary name beside it,
 * renamed by end(), so an interrupted run leaves no half-written result).
 */
export class TextSink {
  private fd = -1;
  private buffer: string[] = [];
  private size = 0;
  private path: string | null = null;
  private flushed = false;
  private constructor(private readonly stream: NodeJS.WritableStream | null) {}

  static stdout(): TextSink {
    return new TextSink(process.stdout);
  }
  static file(path: string): TextSink {
    const s = new TextSink(null);
    s.path = path;
    s.fd = openSync(temporaryPath(path), 'w');
    return s;
  }

  /** Queue text; flushed in ~1 MB pieces. */
  async write(text: string): Promise<void> {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    this.flushed = true;
    if (this.stream) {
      if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream!.once('drain', () => resolve()));
    } else {
      const bytes = Buffer.from(text, 'utf8');
      let o = 0;
      while (o < bytes.length) o += writeSync(this.fd, bytes, o, bytes.length - o);
    }
  }

  async end(): Promise<void> {
    await this.flush();
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
      renameSync(temporaryPath(this.path!), this.path!);
    }
  }

  /**
   * Drop the text queued so far, to start the result again: true when nothing had reached the destination yet
   * (a file's temporary copy is truncated), false when part of it was already written (then it cannot restart).
   */
  discard(): boolean {
    if (this.flushed && this.stream) return false;
    this.buffer = [];
    this.size = 0;
    if (this.fd >= 0 && this.flushed) {
      closeSync(this.fd);
      this.fd = openSync(temporaryPath(this.path!), 'w');
    }
    this.flushed = false;
    return true;
  }

  /** Abandon a file destination after an error (its temporary file is removed). */
  abort(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    rmSync(temporaryPath(this.path!), { force: true });
  }
}

/** Rows of an m × m row-major matrix as the text of JSON.stringify of its nested form. */
export async function writeJsonMatrix(sink: TextSink, t: Float64Array, m: number): Promise<void> {
  await sink.write('[');
  for (let a = 0; a < m; a++) {
    if (a > 0) await sink.write(',');
    await sink.write(JSON.stringify(Array.from(t.subarray(a * m, (a + 1) * m))));
  }
  await sink.write(']');
}

/**
 * Stream any plain JSON value (objects, arrays, numbers, strings, booleans, null) with the text JSON.stringify
 * gives: object properties that are undefined or functions are skipped, array holes and undefined become null.
 * Arrays of primitives are stringified whole (one row); deeper structures recursively. `numbers`, when known,
 * is the count of numbers in the value: a small value is then written with one JSON.stringify call.
 */
export async function writeJsonValue(sink: TextSink, v: unknown, numbers?: number): Promise<void> {
  // a result known to be small is one JSON.stringify call (piecewise writing costs an await per piece)
  if (numbers !== undefined && estimateJsonBytes(numbers) <= SMALL_JSON_BYTES) {
    await sink.write(JSON.stringify(v) ?? 'null');
    return;
  }
  if (v === null || typeof v !== 'object') {
    await sink.write(JSON.stringify(v) ?? 'null');
    return;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || typeof x !== 'object')) {
      await sink.write(JSON.stringify(v));
      return;
    }
    await sink.write('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) await sink.write(',');
      const x = v[i];
      if (x === undefined || typeof x === 'function') await sink.write('null');
      else await writeJsonValue(sink, x);
    }
    await sink.write(']');
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof (o as { toJSON?: unknown }).toJSON === 'function') {
    await sink.write(JSON.stringify(o));
    return;
  }
  await sink.write('{');
  let first = true;
  for (const key of Object.keys(o)) {
    const x = o[key];
    if (x === undefined || typeof x === 'function') continue;
    await sink.write(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    await writeJsonValue(sink, x);
  }
  await sink.write('}');
}
