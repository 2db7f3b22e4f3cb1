#!/usr/bin/env node
/**
 * Builds the `nnft` command from its TypeScript sources: esbuild bundles src/cli/main.ts and every project
 * module it reaches into one ES module, dist/nnft.js (npm packages stay external and load from
 * node_modules). Node then parses one file instead of compiling ~100 TypeScript files through tsx at every
 * start: `nnft recursions` on two inputs starts in ~0.1 s instead of ~0.4 s (bench/recursions.bench.ts).
 *
 * Runs on `npm install` / `npm ci` (the prepare script) and `npm run build`; bin/nnft.js rebuilds when a
 * source file is newer than the bundle. dist/manifest.json lists the source files of the build and when it
 * started, for that check.
 *
 * Worker threads: a module that starts a worker from `new URL('./file.mjs', import.meta.url)` gets that file
 * bundled too, as dist/worker-<its path>.mjs, and the URL rewritten to it (a bundle's import.meta.url is the
 * bundle's, not the source file's). Other files referenced that way are pointed at their source location.
 *
 * Usage: node bin/build-cli.js [--quiet]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
export const BUNDLE = join(DIST, 'nnft.js');
export const MANIFEST = join(DIST, 'manifest.json');
/** Tables computed by the fresh bundle (src/cli/precomputed.ts), read by it at run time. */
export const PRECOMPUTED = join(DIST, 'precomputed.json');
const ENTRY = join(ROOT, 'src', 'cli', 'main.ts');

/** `new URL('./x', import.meta.url)` with a relative string literal. */
const ASSET_URL = /new\s+URL\(\s*(['"])(\.{1,2}\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
const MODULE_EXT = /\.(m?js|ts|mts)$/;

function workerName(abs) {
  return `worker-${relative(ROOT, abs).replace(/\.(m?js|ts|mts)$/, '').replace(/[^A-Za-z0-9]+/g, '-')}.mjs`;
}

/** esbuild plugin: rewrite asset URLs of project modules, collecting the modules to bundle as worker entries. */
function assetUrls(workers) {
  return {
    name: 'nnft-asset-urls',
    setup(build) {
      build.onLoad({ filter: /\.(m?js|ts|mts)$/ }, (args) => {
        if (args.path.includes(`${'/'}node_modules${'/'}`) || !args.path.startsWith(ROOT)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const contents = source.replace(ASSET_URL, (_all, quote, rel) => {
          const target = resolve(dirname(args.path), rel);
          if (MODULE_EXT.test(target)) {
            workers.add(target);
            return `new URL(${quote}./${workerName(target)}${quote}, import.meta.url)`;
          }
          return `new URL(${quote}${relative(DIST, target)}${quote}, import.meta.url)`;
        });
        return { contents, loader: args.path.endsWith('.ts') || args.path.endsWith('.mts') ? 'ts' : 'js' };
      });
    },
  };
}

/**
 * The bundle's computePrecomputed() (src/cli/precomputed.ts: quadrature calibrations and compiled recursion
 * bodies that every first solve would otherwise recompute), run in a child process on the fresh bundle, so the
 * tables are the output of exactly the code they are shipped with. { table } or { why } when there is none.
 */
function precompute() {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)});\n` +
    "if (typeof m.computePrecomputed === 'function') process.stdout.write(JSON.stringify(await m.computePrecomputed()));";
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) return { why: `computing them failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-1)[0]}` };
  if (r.stdout === '') return { why: 'the entry exports no computePrecomputed' };
  return { table: r.stdout };
}

function atomicWrite(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Build dist/nnft.js (and worker bundles) and dist/manifest.json. Outputs are written to temporary files and
 * renamed, so concurrent builds and running commands never see half a file. Returns { seconds, inputs }.
 */
export async function buildCli({ quiet = false } = {}) {
  const t0 = Date.now();
  const { build } = await import('esbuild');
  const inputs = new Set();
  const outputs = [];
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    absWorkingDir: ROOT,
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    sourcemap: 'linked',
    sourcesContent: false,
  };
  const workers = new Set();
  const done = new Set();
  const queue = [{ entry: ENTRY, out: BUNDLE }];
  while (queue.length) {
    const { entry, out } = queue.shift();
    const found = new Set();
    // the command is split (its dynamic imports become chunks beside it: dist/chunk-<hash>.js, so that the URLs of
    // worker bundles, relative to import.meta.url, hold in every chunk); a worker is one file
    const where = out === BUNDLE
      ? { entryPoints: { nnft: entry }, outdir: DIST, splitting: true, chunkNames: 'chunk-[hash]' }
      : { entryPoints: [entry], outfile: out };
    const r = await build({ ...common, ...where, plugins: [assetUrls(found)] });
    for (const f of Object.keys(r.metafile.inputs)) inputs.add(f);
    for (const o of r.outputFiles) outputs.push(o);
    for (const w of found) {
      workers.add(w);
      if (!done.has(w)) {
        done.add(w);
        queue.push({ entry: w, out: join(DIST, workerName(w)) });
      }
    }
  }
  // the tables of the old build must not outlive its bundle
  rmSync(PRECOMPUTED, { force: true });
  for (const o of outputs) atomicWrite(o.path, o.contents);
  // chunks of earlier builds that this one does not use
  const written = new Set(outputs.map((o) => o.path));
  for (const f of readdirSync(DIST)) {
    if (/^chunk-[A-Za-z0-9]+\.js(\.map)?$/.test(f) && !written.has(join(DIST, f))) rmSync(join(DIST, f), { force: true });
  }
  const precomputed = precompute();
  if (precomputed.table !== undefined) atomicWrite(PRECOMPUTED, precomputed.table);
  else if (!quiet) process.stderr.write(`nnft: no precomputed tables (${precomputed.why}); the command computes them at each run\n`);
  const manifest = { builtAt: t0, entry: relative(ROOT, ENTRY), workers: [...workers].map((w) => relative(ROOT, w)), inputs: [...inputs].sort() };
  atomicWrite(MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
  const seconds = (Date.now() - t0) / 1000;
  if (!quiet) process.stderr.write(`nnft: built ${relative(ROOT, BUNDLE)} from ${inputs.size} source files in ${seconds.toFixed(2)} s\n`);
  return { seconds, inputs: manifest.inputs };
}

/** Remove the build (tests of the stale/missing paths use a copy of the tree instead). */
export function cleanCli() {
  rmSync(DIST, { recursive: true, force: true });
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  try {
    await buildCli({ quiet: process.argv.includes('--quiet') });
  } catch (e) {
    const errors = e && Array.isArray(e.errors) ? e.errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`).join('\n') : String(e && e.message ? e.message : e);
    process.stderr.write(`nnft build failed:\n${errors}\n`);
    process.exit(1);
  }
}
