import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function nnft(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/nnft.js', ...args], { encoding: 'utf8', cwd: join(__dirname, '../..') });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('nnft wick', () => {
  it('wick 6 --json', () => {
    const r = nnft('wick', '6', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.count).toBe(15);
    expect(j.contractions.length).toBe(15);
    expect(j.contractions[0]).toEqual([[0, 1], [2, 3], [4, 5]]);
  });
  it('--count for large n, errors for bad input', () => {
    expect(nnft('wick', '18', '--count').out.trim()).toBe('34459425');
    expect(nnft('wick', '40', '--count').out.trim()).toBe('319830986772877770815625');
    const bad = nnft('wick', 'six');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/not a non-negative integer/);
    expect(nnft('wick', '20').err).toMatch(/--count/);
  });
});

describe('nnft diagrams', () => {
  it('--points 4 --couplings 4,6 --order 1 --json has the issue’s shape', () => {
    const r = nnft('diagrams', '--points', '4', '--couplings', '4,6', '--order', '1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.diagrams.length).toBe(17);
    const c = j.diagrams.find((d: { monomial: string; connected: boolean }) => d.monomial === 'g4' && d.connected);
    expect(c).toMatchObject({ order: 1, monomial: 'g4', coefficient: '-24', connected: true, expression: '-24*g4*∫dy K(x1,y)K(x2,y)K(x3,y)K(x4,y)' });
    expect(typeof c.topology).toBe('string');
    expect(typeof c.latex).toBe('string');
    expect(c.graph.nodes.length).toBe(5);
    expect(c.graph.edges.length).toBe(4);
    expect(j.diagrams.filter((d: { order: number }) => d.order === 0).length).toBe(3);
  });
  it('--space zero adds the exact series', () => {
    const r = nnft('diagrams', '--points', '4', '--couplings', '4,6', '--order', '2', '--space', 'zero', '--json');
    const j = JSON.parse(r.out);
    expect(j.series).toEqual({ '1': '3', g4: '-96', g6: '-900', 'g4^2': '4752', 'g4*g6': '128160', 'g6^2': '984420' });
  });
  it('text, LaTeX and SVG outputs', () => {
    const t = nnft('diagrams', '--points', '2', '--couplings', '4', '--order', '1');
    expect(t.out).toContain('-12*g4*∫dy K(x1,y)K(x2,y)K(y,y)');
    const l = nnft('diagrams', '--points', '2', '--couplings', 'lambda', '--order', '1', '--latex');
    expect(l.out).toContain('-12\\,g_{4}\\,\\int dy\\,K(x_{1},y)K(x_{2},y)K(y,y)');
    const dir = mkdtempSync(join(tmpdir(), 'nnft-svg-'));
    const f = join(dir, 'g4.svg');
    const s = nnft('diagrams', '--points', '4', '--couplings', '4', '--order', '1', '--svg', f);
    expect(s.code).toBe(0);
    const svg = readFileSync(f, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/class="diagram"/g) ?? []).length).toBe(10);
    expect(nnft('diagrams', '--help').out).toMatch(/Examples:/);
  });
  it('bad input gives clear errors and exit code 2', () => {
    for (const [args, msg] of [
      [['--points', '3', '--couplings', '4,6'], /odd/],
      [['--points', '4', '--couplings', '2'], /degree 2 < 3/],
      [['--points', '4', '--order', '-1'], /order/],
      [['--points', '4', '--couplings', 'foo'], /neither a degree/],
      [['--points', '4', '--space', 'moon'], /--space/],
    ] as Array<[string[], RegExp]>) {
      const r = nnft('diagrams', ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    }
  });
});
