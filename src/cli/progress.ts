/**
 * A progress bar on stderr for long runs (cli-progress): it appears only once a run has taken more than `delayMs`
 * (2 s by default), only when the stream is a terminal, and never with --quiet; it never writes to stdout, so
 * `--json` output stays clean. Tokens in `format`: {bar} {percentage} {value} {total} {eta_formatted} and any
 * payload key passed to update().
 */
import type { Writable } from 'node:stream';

export interface ProgressOptions {
  /** cli-progress format string. */
  format: string;
  /** Show nothing when false (e.g. --quiet). Default true. */
  enabled?: boolean;
  /** Default process.stderr; a bar is drawn only when stream.isTTY is true. */
  stream?: Writable & { isTTY?: boolean };
  /** Milliseconds before the bar may appear. Default 2000. */
  delayMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export interface Progress {
  update(done: number, total: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export async function lazyProgress(opts: ProgressOptions): Promise<Progress> {
  const stream = opts.stream ?? process.stderr;
  if (opts.enabled === false || stream.isTTY !== true) return { update() {}, stop() {} };
  const { SingleBar, Presets } = await import('cli-progress');
  const now = opts.now ?? Date.now;
  const t0 = now();
  const delay = opts.delayMs ?? 2000;
  let bar: InstanceType<typeof SingleBar> | null = null;
  return {
    update(done, total, payload = {}) {
      if (!bar && now() - t0 > delay && done < total) {
        bar = new SingleBar(
          { stream: stream as NodeJS.WritableStream, format: opts.format, noTTYOutput: false, etaBuffer: 50, hideCursor: false, clearOnComplete: false },
          Presets.shades_classic,
        );
        bar.start(total, done, payload);
      }
      bar?.update(done, payload);
    },
    stop() {
      bar?.stop();
    },
  };
}
