/**
 * Worker-thread entry points. Each engine that runs on worker threads has a `worker-boot.mjs` next to it that
 * registers tsx (so the worker loads the TypeScript sources) and imports its `worker.ts`. The calling module
 * builds the bootstrap's URL from its own import.meta.url, which the CLI bundle rewrites to the bundled worker.
 */
import { createRequire } from 'node:module';

/** `bootUrl` when tsx can be resolved (the bootstrap needs it), otherwise null: the engine then runs in this thread. */
export function tsxWorkerEntry(bootUrl: URL): URL | null {
  try {
    createRequire(import.meta.url).resolve('tsx');
    return bootUrl;
  } catch {
    return null;
  }
}
