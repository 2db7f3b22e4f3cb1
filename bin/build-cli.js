#!/usr/bin/env node
/**
 * Builds the `nnft` command from its TypeScript sources: esbuild bundles src/cli/main.ts and every project
 * module it reaches into one CommonJS file, dist/nnft-<hash>.cjs (npm packages stay external and load from
 * node_modules), and writes dist/nnft.js, the ES module that bin/nnft.js imports: it compiles that bundle
 * through node:vm with a V8 code cache, dist/nnft-<hash>.cjs.cache. Node then parses one file instead of
 * compiling ~100 TypeScript files through tsx at every start, and with the cache it neither parses it nor
 * compiles the functions a solve runs.
 *
 * Why CommonJS and a cache: Node 20 has no code cache for ES modules (module.enableCompileCache is Node ≥ 22);
 * vm.Script takes one (cachedData) for a script. Measured with bench/startup.bench.ts (`nnft recursions`, tanh,
 * two inputs, 100 layers, K,Θ,V4,K¹; 2 loaded cores): 524 ms CPU with the cache, 583 ms without it, 595 ms
 * for an ES module bundle split per command (esbuild splitting; the code a solve needs is most of the bundle);
 * importing the bundle alone: 81 ms CPU as one ES module, 31 ms with the cache. The command modules still run
 * their top-level code only when their command runs: esbuild turns the dynamic import() of src/cli/main.ts into
 * lazy initialisers.
 * The cache is made at build time by a short recursion run on the new bundle (the functions it compiled are
 * in the cache; others compile on first use as usual). V8 rejects a cache made by another Node version or
 * with other V8 flags (then the bundle is compiled as without one); it checks a cache against the length of
 * the source, not its content, so the bundle and its cache are named by the bundle's content hash, and
 * dist/nnft.js, replaced last and atomically, names the pair it loads.
 *
 * Runs on `npm install` / `npm ci` (the prepare script) and `npm run build`; bin/nnft.js rebuilds when a
 * source file is newer than the bundle. dist/manifest.json lists the source files of the build and when it
 * started, for that check.
 *
 * Worker threads: a module that starts a worker from `new URL('./file.mjs', import.meta.url)` gets that file
 * bundled too, as dist/worker-<its path>.mjs (an ES module), and the URL rewritten to it (a bundle's
 * import.meta.url is the bundle's, not the source file's). Other files referenced that way are pointed at
 * their source location.
 *
 * Usage: node bin/build-cli.js [--quiet]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
/** The ES module bin/nnft.js imports: it loads the bundle (see above) and re-exports main. */
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

/** Run an ES module script on the fresh bundle in a child process: { status, stdout, why }. */
function onBundle(script) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(BUNDLE).href)});\n${script}`], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { ok: r.status === 0, stdout: r.stdout ?? '', why: (r.stderr || String(r.error ?? '')).trim().split('\n').slice(-1)[0] };
}

/**
 * The bundle's computePrecomputed() (src/cli/precomputed.ts: quadrature calibrations and compiled recursion
 * bodies that every first solve would otherwise recompute), run in a child process on the fresh bundle, so the
 * tables are the output of exactly the code they are shipped with. { table } or { why } when there is none.
 */
function precompute() {
  const r = onBundle("if (typeof m.computePrecomputed === 'function') process.stdout.write(JSON.stringify(await m.computePrecomputed()));");
  if (!r.ok) return { why: `computing them failed: ${r.why}` };
  if (r.stdout === '') return { why: 'the entry exports no computePrecomputed' };
  return { table: r.stdout };
}

/** A short run of the command whose compiled functions go into the code cache (output discarded). */
const CACHE_RUN = ['recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', '64,64,64', '--inputs', '[[1,0.5],[0.2,-0.9]]', '--quantities', 'K,Theta,V4,K1', '--json'];

/** Run CACHE_RUN on the fresh bundle in a child process and write the code cache it leaves; the reason if not. */
function makeCodeCache(cacheFile) {
  const r = onBundle(
    "if (typeof m.main !== 'function' || !m.bundleScript) process.exit(0);\n" +
      `await m.main([process.argv[0], 'nnft', ...${JSON.stringify(CACHE_RUN)}]);\n` +
      `(await import('node:fs')).writeFileSync(${JSON.stringify(cacheFile)}, m.bundleScript.createCachedData());`,
  );
  return r.ok ? undefined : r.why || 'the run failed';
}

/**
 * esbuild options that keep every npm package external except `bundled`: commander, which every command loads,
 * is bundled so that its code is in the code cache too (loaded from node_modules it is 7 files that Node resolves,
 * reads and compiles at every start: ~10 ms, measured by bench/startup.bench.ts).
 */
function bundledPackages(bundled) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const names = [pkg.dependencies, pkg.devDependencies, pkg.optionalDependencies, pkg.peerDependencies].flatMap((d) => Object.keys(d ?? {}));
  const external = names.filter((n) => !bundled.includes(n)).flatMap((n) => [n, `${n}/*`]);
  return { packages: undefined, external };
}

/**
 * The bundle's function wrapper: CommonJS's, plus __nnftImport. A script compiled by vm.Script runs `import()`
 * only through an importModuleDynamically callback, and on Node 20 a function compiled from a code cache made in
 * another process has lost that callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING; the default-loader constant
 * also prints an ExperimentalWarning). So the bundle's dynamic imports of npm packages (cli-progress, vega) call
 * __nnftImport, dist/nnft.js's own import().
 */
const WRAPPER = ['(function (exports, require, module, __filename, __dirname, __nnftImport) {', '\n})'];

/** The bundle's `import("package")` calls, rewritten to __nnftImport; a build error for any other import(. */
function routeDynamicImports(code) {
  const out = code.replace(/\bimport\(("[^".\/][^"]*")\)/g, '__nnftImport($1)');
  const left = /^.*\bimport\(.*$/m.exec(out);
  if (left) throw new Error(`the bundle has an import() that it cannot run: ${left[0].trim().slice(0, 200)}`);
  return out;
}

/** The names the bundle exports (src/cli/main.ts's exports), found by running its top level here. */
function exportNames(file) {
  const bundle = { exports: {} };
  const run = new Script(WRAPPER.join(readFileSync(file, 'utf8')), { filename: file }).runInThisContext();
  run(bundle.exports, createRequire(file), bundle, file, dirname(file), (specifier) => import(specifier));
  return Object.keys(bundle.exports).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'bundleScript' && n !== 'default');
}

/** dist/nnft.js: compile the bundle through vm with its code cache (when there is one) and re-export it. */
function entryModule(bundleName, names) {
  return `// Written by bin/build-cli.js: loads ${bundleName} with its V8 code cache (see bin/build-cli.js).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL(${JSON.stringify(`./${bundleName}`)}, import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(\`\${file}.cache\`);
} catch {
  cachedData = undefined; // no cache: the bundle is compiled as usual
}
/** The compiled bundle (the build makes its code cache from it). */
export const bundleScript = new Script(${JSON.stringify(WRAPPER[0])} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAPPER[1])}, { filename: file, cachedData });
const bundle = { exports: {} };
// the bundle's dynamic imports of npm packages come here (see bin/build-cli.js)
bundleScript.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file), (specifier) => import(specifier));
export const { ${names.join(', ')} } = bundle.exports;
`;
}

function atomicWrite(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * Build dist/nnft.js, the bundle it loads with its code cache, the worker bundles, dist/precomputed.json and
 * dist/manifest.json. Outputs are written to temporary files and renamed, so concurrent builds and running
 * commands never see half a file. Returns { seconds, inputs }.
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
  // the command: CommonJS for vm.Script (import.meta.url becomes the bundle file's URL), named by its content hash
  const cjs = {
    ...bundledPackages(['commander']),
    format: 'cjs',
    entryPoints: { nnft: ENTRY },
    outdir: DIST,
    entryNames: 'nnft-[hash]',
    outExtension: { '.js': '.cjs' },
    define: { 'import.meta.url': '__nnftBundleUrl' },
    banner: { js: 'var __nnftBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  };
  const workers = new Set();
  const done = new Set();
  const queue = [{ entry: ENTRY, out: BUNDLE }];
  let bundleName;
  while (queue.length) {
    const { entry, out } = queue.shift();
    const found = new Set();
    const r = await build({ ...common, ...(out === BUNDLE ? cjs : { entryPoints: [entry], outfile: out }), plugins: [assetUrls(found)] });
    for (const f of Object.keys(r.metafile.inputs)) inputs.add(f);
    for (const o of r.outputFiles) {
      if (out === BUNDLE && o.path.endsWith('.cjs')) {
        bundleName = relative(DIST, o.path);
        outputs.push({ path: o.path, contents: routeDynamicImports(o.text) });
      } else outputs.push(o);
    }
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
  const cacheFile = join(DIST, `${bundleName}.cache`);
  rmSync(cacheFile, { force: true });
  atomicWrite(BUNDLE, entryModule(bundleName, exportNames(join(DIST, bundleName))));
  // bundles, caches and chunks of earlier builds (a running command read its bundle and cache when it started)
  for (const f of readdirSync(DIST)) {
    const old = /^nnft-[A-Za-z0-9]+\.cjs(\.map|\.cache)?$/.test(f) && !f.startsWith(bundleName);
    if (old || /^chunk-[A-Za-z0-9]+\.js(\.map)?$/.test(f) || f === 'nnft.js.map') rmSync(join(DIST, f), { force: true });
  }
  const precomputed = precompute();
  if (precomputed.table !== undefined) atomicWrite(PRECOMPUTED, precomputed.table);
  else if (!quiet) process.stderr.write(`nnft: no precomputed tables (${precomputed.why}); the command computes them at each run\n`);
  const noCache = makeCodeCache(cacheFile);
  if (noCache !== undefined && !quiet) process.stderr.write(`nnft: no code cache (${noCache}); the command compiles its bundle at each run\n`);
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
