#!/usr/bin/env node
// The `nnft` command. The sources are TypeScript; it runs their bundle dist/nnft.js (bin/build-cli.js, built
// by `npm install`). When a source file is newer than the bundle, or the bundle is missing, it rebuilds
// first (one line on stderr); when that fails (no esbuild, read-only checkout) it runs the TypeScript
// sources through tsx, which is slower to start, and says so on stderr.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * Why the bundle cannot be used as it is, or null when it is up to date: one stat per source file of the build
 * (~180). Measured on the 2-core machine: ~1.5 ms with plain path strings (3 ms through file URLs) of a ~0.1 s
 * `node -e 0`, so every start keeps the check rather than trusting a stamp that an edit could leave stale.
 */
function staleReason() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(`${root}dist/manifest.json`, 'utf8'));
  } catch {
    return 'no build yet';
  }
  const noEntry = { throwIfNoEntry: false };
  if (statSync(`${root}dist/nnft.js`, noEntry) === undefined) return 'no build yet';
  for (const f of manifest.inputs) {
    const st = statSync(root + f, noEntry);
    if (st === undefined) return `${f} is gone`;
    if (st.mtimeMs >= manifest.builtAt) return `${f} changed`;
  }
  return null;
}

if (process.env.NNFT_DEBUG === '1') process.setSourceMapsEnabled(true);
let main;
const why = staleReason();
if (why !== null) {
  try {
    const { buildCli } = await import('./build-cli.js');
    const { seconds } = await buildCli({ quiet: true });
    process.stderr.write(`nnft: rebuilt dist/nnft.js (${why}) in ${seconds.toFixed(1)} s\n`);
  } catch (e) {
    process.stderr.write(`nnft: running from the TypeScript sources, slower to start (the build failed: ${String(e && e.message ? e.message : e).split('\n')[0]})\n`);
    const { register } = await import('tsx/esm/api');
    register();
    ({ main } = await import('../src/cli/main.ts'));
  }
}
if (main === undefined) ({ main } = await import('../dist/nnft.js'));
await main(process.argv);
