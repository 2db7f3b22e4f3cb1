/**
 * The bundle's V8 code cache (bin/build-cli.js): dist/nnft.js loads dist/nnft-<hash>.cjs with
 * dist/nnft-<hash>.cjs.cache, which V8 accepts; code compiled after loading the cache runs dynamic imports of
 * npm packages (on Node 20 a vm script from another process's cache loses its import() callback); a damaged
 * cache is rejected by V8 and the command runs as without one; earlier builds' bundles and caches are removed. The build is made by test/global-setup.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runNnft } from './nnft-process.ts';

const dist = join(ROOT, 'dist');
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Import an entry module in a fresh process, print whether V8 rejected the cache, then run nnft argv. */
function runEntry(entry: string, argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)});\n` +
    `process.stdout.write('rejected=' + m.bundleScript.cachedDataRejected + '\\n');\n` +
    `await m.main([process.argv[0], 'nnft', ...${JSON.stringify(argv)}]);`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('the bundle and its code cache', () => {
  it('an npm package loaded by a dynamic import (vega, for --svg) runs from the cached bundle, with nothing else on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnft-svg-'));
    scratch.push(dir);
    const svg = join(dir, 'density.svg');
    const r = await runNnft(['edgeworth', '--activation', 'tanh', '--widths', '8,1', '--inputs', '[[1]]', '--svg', svg]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });

  it('dist/nnft.js names one bundle, named by its hash, with a cache that V8 accepts', () => {
    const entry = readFileSync(join(dist, 'nnft.js'), 'utf8');
    const bundles = readdirSync(dist).filter((f) => /^nnft-[A-Za-z0-9]+\.cjs$/.test(f));
    expect(bundles).toHaveLength(1);
    expect(entry).toContain(`./${bundles[0]}`);
    expect(readdirSync(dist)).toContain(`${bundles[0]}.cache`);
    const r = runEntry(join(dist, 'nnft.js'), ['wick', '6', '--count']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('rejected=false\n15\n');
  });

  it('a damaged cache is rejected and the command gives the same result', () => {
    const tree = mkdtempSync(join(tmpdir(), 'nnft-cache-'));
    scratch.push(tree);
    cpSync(dist, join(tree, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const cache = readdirSync(join(tree, 'dist')).find((f) => f.endsWith('.cjs.cache'))!;
    const bytes = readFileSync(join(tree, 'dist', cache));
    for (let i = 0; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0x5a;
    writeFileSync(join(tree, 'dist', cache), bytes);
    const argv = ['recursions', '--activation', 'tanh', '--cb', '0', '--cw', '1', '--widths', '8,8', '--inputs', '[[1,0.5],[0.2,-0.9]]', '--json'];
    const damaged = runEntry(join(tree, 'dist', 'nnft.js'), argv);
    expect(damaged.status, damaged.stderr).toBe(0);
    const good = runEntry(join(dist, 'nnft.js'), argv);
    expect(good.stdout.split('\n')[0]).toBe('rejected=false');
    expect(damaged.stdout.split('\n')[0]).toBe('rejected=true');
    expect(damaged.stdout.split('\n').slice(1)).toEqual(good.stdout.split('\n').slice(1));
    expect(JSON.parse(good.stdout.split('\n')[1]!).layers).toHaveLength(2);
  });
});
