/**
 * The compiled CLI: bin/nnft.js runs the bundle dist/nnft.js, never a stale one. In a scratch tree (copies
 * of bin/nnft.js and bin/build-cli.js, a one-line src/cli/main.ts, node_modules linked) it
 *  - runs an up-to-date bundle silently,
 *  - rebuilds when a source file is newer than the bundle or the bundle is missing (one line on stderr),
 *  - runs the TypeScript sources through tsx when the build cannot be written (one line on stderr).
 * And the real bundle: built from this tree's sources (test/global-setup.ts) with the Monte Carlo worker
 * bundled beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runNnft } from './nnft-process.ts';

let tree: string;
function run(): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(tree, 'bin', 'nnft.js'), 'x'], { cwd: tree, encoding: 'utf8' });
}
const mainSource = (word: string): string => `export async function main(argv: string[]): Promise<void> {\n  process.stdout.write('${word} ' + argv.slice(2).join(' ') + '\\n');\n}\n`;

beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), 'nnft-build-'));
  mkdirSync(join(tree, 'bin'));
  mkdirSync(join(tree, 'src', 'cli'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'nnft.js'), join(tree, 'bin', 'nnft.js'));
  copyFileSync(join(ROOT, 'bin', 'build-cli.js'), join(tree, 'bin', 'build-cli.js'));
  writeFileSync(join(tree, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  writeFileSync(join(tree, 'src', 'cli', 'main.ts'), mainSource('first'));
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

describe('bin/nnft.js and the bundle', () => {
  it('builds a missing bundle, then runs it silently', () => {
    const a = run();
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe('first x\n');
    expect(a.stderr).toMatch(/^nnft: rebuilt dist\/nnft\.js \(no build yet\) in [\d.]+ s\n$/);
    const manifest = JSON.parse(readFileSync(join(tree, 'dist', 'manifest.json'), 'utf8'));
    expect(manifest.inputs).toEqual(['src/cli/main.ts']);
    const b = run();
    expect(b.stderr).toBe('');
    expect(b.stdout).toBe('first x\n');
  });

  it('rebuilds when a source is newer than the bundle', () => {
    writeFileSync(join(tree, 'src', 'cli', 'main.ts'), mainSource('second'));
    const future = new Date(Date.now() + 5000);
    utimesSync(join(tree, 'src', 'cli', 'main.ts'), future, future);
    const r = run();
    expect(r.stdout).toBe('second x\n');
    expect(r.stderr).toMatch(/rebuilt dist\/nnft\.js \(src\/cli\/main\.ts changed\)/);
  });

  it('runs the TypeScript sources, saying so, when the bundle cannot be built', () => {
    rmSync(join(tree, 'dist'), { recursive: true, force: true });
    writeFileSync(join(tree, 'dist'), 'not a directory');
    writeFileSync(join(tree, 'src', 'cli', 'main.ts'), mainSource('third'));
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('third x\n');
    expect(r.stderr).toMatch(/^nnft: running from the TypeScript sources, slower to start \(the build failed: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    rmSync(join(tree, 'dist'));
  });
});

describe('the project bundle', () => {
  it('lists its sources, which exist and are not newer than the build', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'dist', 'manifest.json'), 'utf8')) as { builtAt: number; inputs: string[]; workers: string[] };
    expect(manifest.inputs).toContain('src/cli/main.ts');
    expect(manifest.inputs).toContain('recursions/index.ts');
    for (const f of manifest.inputs) expect(statSync(join(ROOT, f)).mtimeMs, f).toBeLessThan(manifest.builtAt);
    expect(manifest.workers).toContain('src/montecarlo/worker-boot.mjs');
    expect(existsSync(join(ROOT, 'dist', 'worker-src-montecarlo-worker-boot.mjs'))).toBe(true);
  });

  it('Monte Carlo worker threads start from the bundle and give the single-thread result', async () => {
    const args = ['mc', '--activation', 'relu', '--widths', '8,8', '--nets', '4096', '--seed', '5', '--quantities', 'K,V4', '--json'];
    const one = await runNnft([...args, '--workers', '1']);
    const two = await runNnft([...args, '--workers', '2']);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).not.toMatch(/error|nnft mc:|rebuilt|TypeScript sources/);
    const a = JSON.parse(one.stdout) as { layers: unknown };
    const b = JSON.parse(two.stdout) as { layers: unknown; meta: { workers: number } };
    expect(b.meta.workers).toBe(2);
    expect(b.layers).toEqual(a.layers);
  });
});
