/**
 * Output of `nnft recursions` and `nnft mc`: NumPy files read back by numpy (shape, dtype, C order, values equal to
 * the JSON), meta.json, layer selection, streamed JSON equal to JSON.stringify, the checks of output options before
 * any computation (exit code 2 naming the option), the JSON size refusal, and the progress bar's conditions.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { npyHeader } from '../../src/output/npy.ts';
import { TextSink, writeJsonValue } from '../../src/output/json.ts';
import { lazyProgress } from '../../src/cli/progress.ts';
import { parseOutputOptions } from '../../src/output/options.ts';
import { NnftInputError } from '../../src/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'bin', 'nnft.js');
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'nnft-output-'));
writeFileSync(join(dir, 'a-file'), 'not a directory');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function nnft(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [bin, ...args], { maxBuffer: 1 << 28 });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

/** Load .npy files with numpy and compare them with JSON arrays: [{file, json}] → per file shape, dtype, C order, equality. */
function numpyCheck(items: { file: string; json: unknown }[]): { version: number[]; shape: number[]; dtype: string; c: boolean; fortran: boolean; equal: boolean }[] {
  const script = `
import json, sys, numpy as np
items = json.load(sys.stdin)
out = []
for it in items:
    with open(it["file"], "rb") as f:
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    a = np.load(it["file"])
    b = np.array(it["json"], dtype=np.float64)
    out.append({"version": list(version), "shape": list(a.shape), "dtype": str(a.dtype), "c": bool(a.flags["C_CONTIGUOUS"]),
                "fortran": bool(fortran), "equal": bool(a.shape == b.shape and np.array_equal(a, b))})
json.dump(out, sys.stdout)
`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(items), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const INPUTS = '[[1,0.5,-0.3],[0.2,-0.9,0.4],[1.5,0.1,0.7]]';
const ARCH = ['--activation', 'tanh', '--cb', '0.1', '--cw', '1.5', '--widths', '16,16,16', '--inputs', INPUTS];

describe('NumPy output', () => {
  it('the header is NumPy format 1.0, padded to 64 bytes, ending in a newline', () => {
    const h = npyHeader([3, 4]);
    expect(h.length % 64).toBe(0);
    expect(Array.from(h.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(h[8]! + 256 * h[9]!).toBe(h.length - 10);
    const text = Buffer.from(h.subarray(10)).toString('latin1');
    expect(text.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }")).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(Buffer.from(npyHeader([5]).subarray(10)).toString('latin1')).toContain("'shape': (5,)");
  });

  it('nnft recursions K,Theta (kernel engine): every layer as .npy equals the JSON, with meta.json and inputs.npy', async () => {
    const out = join(dir, 'kt');
    const r = await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--format', 'npy', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    const json = JSON.parse((await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--json'])).stdout);
    const items = json.layers.flatMap((l: Record<string, unknown>) => ['K', 'Theta'].map((q) => ({ file: join(out, `${q}_${l.layer}.npy`), json: l[q] })));
    for (const c of numpyCheck(items)) {
      expect(c).toMatchObject({ version: [1, 0], shape: [3, 3], dtype: 'float64', c: true, fortran: false, equal: true });
    }
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.command).toBe('recursions');
    expect(meta.layers).toEqual([1, 2, 3]);
    expect(meta.spec.quantities).toEqual(['K', 'Theta']);
    expect(meta.files.map((f: { file: string }) => f.file).sort()).toEqual(['K_1.npy', 'K_2.npy', 'K_3.npy', 'Theta_1.npy', 'Theta_2.npy', 'Theta_3.npy']);
    expect(meta.inputs).toMatchObject({ count: 3, dimension: 3, file: 'inputs.npy' });
    expect(typeof meta.nnftVersion).toBe('string');
    expect(meta.timings.totalSeconds).toBeGreaterThan(0);
    expect(numpyCheck([{ file: join(out, 'inputs.npy'), json: JSON.parse(INPUTS) }])[0]).toMatchObject({ shape: [3, 3], equal: true });
  });

  it('rank-4 quantities (recursion solver) keep the JSON index order; --layers selects files', async () => {
    const out = join(dir, 'v4');
    const r = await nnft(['recursions', ...ARCH, '--quantities', 'K,V4', '--format', 'npy', '--out', out, '--layers', '1,3']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['K_1.npy', 'K_3.npy', 'V4_1.npy', 'V4_3.npy', 'inputs.npy', 'meta.json']);
    const json = JSON.parse((await nnft(['recursions', ...ARCH, '--quantities', 'K,V4', '--json', '--layers', '3'])).stdout);
    expect(json.layers.map((l: { layer: number }) => l.layer)).toEqual([3]);
    const [k, v] = numpyCheck([
      { file: join(out, 'K_3.npy'), json: json.layers[0].K },
      { file: join(out, 'V4_3.npy'), json: json.layers[0].V4 },
    ]);
    expect(k).toMatchObject({ shape: [3, 3], equal: true });
    expect(v).toMatchObject({ shape: [3, 3, 3, 3], dtype: 'float64', c: true, fortran: false, equal: true });
  });

  it('--layers last and --out FILE for JSON; the table shows the selected layers', async () => {
    const file = join(dir, 'last.json');
    expect((await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--layers', 'last', '--out', file])).code).toBe(0);
    const table = readFileSync(file, 'utf8').trim().split('\n');
    expect(table.slice(2).every((l) => l.trim().startsWith('3 '))).toBe(true);
    expect(table).toHaveLength(2 + 3);
    const jfile = join(dir, 'last2.json');
    expect((await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--layers', 'last', '--json', '--out', jfile, '--quiet'])).code).toBe(0);
    expect(JSON.parse(readFileSync(jfile, 'utf8')).layers.map((l: { layer: number }) => l.layer)).toEqual([3]);
  });

  it('an overflowing layer ends a recursion solve: the layers before it are written, with the reason, and exit 2', async () => {
    // ReLU at C_W = 1e30 grows K by 5e29 per layer: V4 (two kernels) leaves the double range at layer 6
    const args = ['recursions', '--activation', 'relu', '--cb', '0', '--cw', '1e30', '--widths', new Array(20).fill(8).join(','), '--inputs', '[[1,0.5],[0.2,-0.9]]', '--quantities', 'K,V4'];
    const out = join(dir, 'truncated');
    const r = await nnft([...args, '--format', 'npy', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stopped at layer 6 \(V4\).*layers 1–5 are reported/);
    expect(readdirSync(out).filter((f) => f.startsWith('V4_')).sort()).toEqual(['V4_1.npy', 'V4_2.npy', 'V4_3.npy', 'V4_4.npy', 'V4_5.npy']);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.method.truncated).toMatchObject({ layer: 6, quantity: 'V4' });
    const j = await nnft([...args, '--json']);
    expect(j.code).toBe(2);
    const json = JSON.parse(j.stdout);
    expect(json.layers.map((l: { layer: number }) => l.layer)).toEqual([1, 2, 3, 4, 5]);
    expect(json.truncated).toMatchObject({ layer: 6, quantity: 'V4' });
    expect(JSON.stringify(json.layers)).not.toMatch(/null|Infinity|NaN/);
  });

  it('nnft mc --format npy: <Quantity>_<layer>.mean.npy and .stderr.npy equal the JSON of the same run', async () => {
    const out = join(dir, 'mc');
    const mcArgs = ['mc', '--activation', 'relu', '--cb', '0', '--cw', '2', '--widths', '8,8', '--inputs', '[[1,0],[0.3,0.8]]', '--nets', '400', '--seed', '3', '--quantities', 'K,V4'];
    const r = await nnft([...mcArgs, '--format', 'npy', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse((await nnft([...mcArgs, '--json'])).stdout);
    const items = json.layers.flatMap((l: Record<string, { mean: unknown; stderr: unknown }>) =>
      ['K', 'V4'].flatMap((q) => (['mean', 'stderr'] as const).map((s) => ({ file: join(out, `${q}_${l.layer}.${s}.npy`), json: l[q]![s] }))));
    const checks = numpyCheck(items);
    expect(checks).toHaveLength(8);
    for (const c of checks) expect(c).toMatchObject({ dtype: 'float64', c: true, equal: true });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.command).toBe('mc');
    expect(meta.sampling.nets).toBe(400);
    expect(meta.files.filter((f: { statistic: string }) => f.statistic === 'stderr')).toHaveLength(4);
  });
});

describe('output options are checked before computing (exit code 2, naming the option)', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['npy without --out', { format: 'npy' }, /--out.*required/],
    ['--quiet without an output', { quiet: true }, /--quiet.*discard/],
    ['unknown format', { format: 'csv' }, /--format/],
    ['--json against --format npy', { json: true, format: 'npy', out: 'x' }, /--json/],
    ['layer out of range', { layers: '0' }, /--layers.*0/],
    ['layer beyond the depth', { layers: '1,9' }, /--layers.*9/],
    ['layer not a number', { layers: 'first' }, /--layers/],
    ['--out in a missing directory', { out: '/nonexistent-dir/x/result.json' }, /--out/],
    ['--out for npy below a regular file', { format: 'npy', out: join(dir, 'a-file', 'x') }, /--out.*is a file, so/],
    ['--out for npy that is a regular file', { format: 'npy', out: join(dir, 'a-file') }, /--out.*is a file, not a directory/],
  ];
  for (const [name, raw, msg] of cases) {
    it(name, () => {
      expect(() => parseOutputOptions(raw, 3)).toThrow(NnftInputError);
      expect(() => parseOutputOptions(raw, 3)).toThrow(msg);
    });
  }

  it('valid choices: defaults, last, lists, a new npy directory (created only when the files are written)', () => {
    expect(parseOutputOptions({}, 4)).toEqual({ format: 'table', out: undefined, layers: [1, 2, 3, 4], quiet: false });
    expect(parseOutputOptions({ json: true, layers: 'last' }, 4).layers).toEqual([4]);
    expect(parseOutputOptions({ layers: '3, 1,3' }, 4).layers).toEqual([1, 3]);
    const d = join(dir, 'made-by-check');
    expect(parseOutputOptions({ format: 'npy', out: d }, 2).out).toBe(d);
    expect(existsSync(d)).toBe(false);
    expect(parseOutputOptions({ format: 'npy', out: join(d, 'deeper') }, 2).out).toBe(join(d, 'deeper'));
    expect(parseOutputOptions({ quiet: true }, 2, { option: '--state', path: join(dir, 's.json') }).quiet).toBe(true);
  });

  it('the command exits with code 2 and the message on stderr', async () => {
    const r = await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--layers', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid --layers/);
    expect(r.stdout).toBe('');
  });

  it('--out for npy that is an existing file; mc --state in a missing directory', async () => {
    const f = join(dir, 'plain-file');
    writeFileSync(f, 'x');
    const r = await nnft(['recursions', ...ARCH, '--format', 'npy', '--out', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out.*not a directory/);
    const s = await nnft(['mc', '--activation', 'relu', '--widths', '8,8', '--nets', '10', '--state', '/nonexistent-dir/s.json']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--state/);
  });

  it('a JSON result over ~200 MB is refused before computing, pointing to --format npy', async () => {
    const inputs = join(dir, 'x3500.json');
    writeFileSync(inputs, JSON.stringify(Array.from({ length: 3500 }, (_, i) => [Math.sin(i), Math.cos(i)])));
    const t0 = performance.now();
    const r = await nnft(['recursions', '--activation', 'tanh', '--widths', '8,8,8', '--inputs', inputs, '--quantities', 'K,Theta', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refused.*JSON.*--format npy/);
    // nothing was computed: the tanh engine would take far longer than starting the command
    expect(performance.now() - t0).toBeLessThan(30_000);
    const mc = await nnft(['mc', '--activation', 'relu', '--widths', '8,8', '--inputs', inputs, '--nets', '10', '--quantities', 'K', '--json']);
    expect(mc.code).toBe(2);
    expect(mc.stderr).toMatch(/refused.*--format npy/);
  });

  it('nnft merge explains a result file given instead of a state', async () => {
    const res = join(dir, 'result.json');
    expect((await nnft(['mc', '--activation', 'relu', '--widths', '8,8', '--nets', '40', '--json', '--out', res])).code).toBe(0);
    const r = await nnft(['merge', res]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result, not a shard state.*--state/);
  });
});

describe('streamed JSON and the progress bar', () => {
  it('writeJsonValue writes exactly JSON.stringify', async () => {
    const value = { layers: [{ layer: 1, width: 4, K: [[1, 0.5], [0.5, 2e-17]], skip: undefined, V4: [[[[1, -0]]]] }], meta: { notes: ['a"b'], n: null, ok: true } };
    const file = join(dir, 'stream.json');
    const sink = TextSink.file(file);
    await writeJsonValue(sink, value);
    // written under a temporary name until end(): an interrupted run leaves nothing under the final name
    expect(existsSync(file)).toBe(false);
    await sink.end();
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(value));
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // with a count of numbers (small: one JSON.stringify call) the text is the same
    const file2 = join(dir, 'stream2.json');
    const sink2 = TextSink.file(file2);
    await writeJsonValue(sink2, value, 6);
    await sink2.end();
    expect(readFileSync(file2, 'utf8')).toBe(JSON.stringify(value));
  });

  function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; text: string; columns: number } {
    const s = new Writable({
      write(chunk, _enc, cb) {
        s.text += String(chunk);
        cb();
      },
    }) as Writable & { isTTY: boolean; text: string; columns: number; cursorTo?: unknown; clearLine?: unknown };
    s.text = '';
    s.isTTY = isTTY;
    s.columns = 120;
    s.cursorTo = (_x: number, _y: number, cb?: () => void) => { cb?.(); return true; };
    s.clearLine = (_d: number, cb?: () => void) => { cb?.(); return true; };
    return s;
  }

  it('appears only on a terminal, only after the delay, never when disabled', async () => {
    let now = 0;
    const tty = fakeStream(true);
    const p = await lazyProgress({ format: 'x [{bar}] {value}/{total} layer {layer}', stream: tty, now: () => now });
    p.update(10, 100, { layer: 2 });
    expect(tty.text).toBe('');
    now = 2500;
    p.update(20, 100, { layer: 2 });
    p.stop();
    expect(tty.text).toContain('20/100');
    expect(tty.text).toContain('layer 2');
    for (const [isTTY, enabled] of [[false, true], [true, false]] as const) {
      now = 0;
      const s = fakeStream(isTTY);
      const q = await lazyProgress({ format: 'x {value}', stream: s, enabled, now: () => now });
      now = 5000;
      q.update(5, 100);
      q.stop();
      expect(s.text).toBe('');
    }
  });

  it('nothing on stderr when it is not a terminal', async () => {
    const r = await nnft(['recursions', ...ARCH, '--quantities', 'K,Theta', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(existsSync(join(dir, 'nothing'))).toBe(false);
  });
});
