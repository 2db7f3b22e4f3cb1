import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NnftInputError } from '../../src/errors.ts';
import { lineErrorPlot, lineErrorVegaLite, writePlot, type LinePlotSpec } from '../../src/plot/index.ts';

const widths = [10, 20, 50, 100, 200];
const spec: LinePlotSpec = {
  title: 'Four-point vertex against width',
  x: { label: 'width n', log: true },
  y: { label: 'V⁽ℓ⁾ / (n K²)', log: true },
  series: [
    { name: 'Monte Carlo', kind: 'points', points: widths.map((n) => ({ x: n, y: 5 / n, err: 0.4 / n })) },
    { name: 'recursion 5(ℓ−1)/n', kind: 'line', points: widths.map((n) => ({ x: n, y: 5 / n })) },
    { name: 'μ ± σ', kind: 'band', points: widths.map((n) => ({ x: n, y: 3 / n, err: 1 / n })) },
    { name: 'bound', kind: 'line', dash: true, points: widths.map((n) => ({ x: n, y: 8 / n })) },
  ],
};

describe('plot', () => {
  it('renders an SVG with axis titles, legend entries, error bars and a band', async () => {
    const svg = await lineErrorPlot(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width n');
    expect(svg).toContain('V⁽ℓ⁾ / (n K²)');
    for (const s of spec.series) expect(svg).toContain(s.name);
    expect(svg).toContain('Four-point vertex against width');
    // the vega-lite spec has a rule layer (error bars), an area (band) and log scales
    const vl = JSON.stringify(lineErrorVegaLite(spec));
    expect(vl).toContain('"rule"');
    expect(vl).toContain('"area"');
    expect(vl).toContain('"log"');
  });

  it('log axes clip non-positive lower whiskers instead of failing; linear axes work', async () => {
    const svg = await lineErrorPlot({ ...spec, series: [{ name: 'wide', kind: 'points', points: [{ x: 1, y: 1, err: 2 }, { x: 2, y: 0.5, err: 0.1 }] }] });
    expect(svg).not.toContain('NaN');
    const lin = await lineErrorPlot({ title: 't', x: { label: 'ℓ' }, y: { label: 'K⁽ℓ⁾' }, series: [{ name: 'a', kind: 'line', points: [{ x: 1, y: -1 }, { x: 2, y: 3 }] }] });
    expect(lin).toContain('K⁽ℓ⁾');
  });

  it('writePlot writes the file atomically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnft-plot-'));
    try {
      const path = join(dir, 'sub', 'p.svg');
      const svg = await writePlot(path, spec);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(svg);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input → NnftInputError', () => {
    expect(() => lineErrorVegaLite({ ...spec, series: [] })).toThrow(NnftInputError);
    expect(() => lineErrorVegaLite({ ...spec, x: { label: '' } })).toThrow(/label/);
    expect(() => lineErrorVegaLite({ ...spec, series: [{ name: 'a', kind: 'points', points: [{ x: NaN, y: 1 }] }] })).toThrow(NnftInputError);
    expect(() => lineErrorVegaLite({ ...spec, series: [{ name: 'a', kind: 'bars' as 'line', points: [] }] })).toThrow(/kind/);
  });

  it('legend draws lines as strokes (dashed where dashed), points as circles; integer axes get integer ticks; ends are padded', async () => {
    const layers = [1, 2, 3, 4];
    const depthSpec: LinePlotSpec = {
      title: 'depth',
      x: { label: 'layer ℓ' },
      y: { label: 'V' },
      series: [
        { name: 'recursion', kind: 'line', points: layers.map((l) => ({ x: l, y: 0.1 * l })) },
        { name: 'exact', kind: 'line', dash: true, points: layers.map((l) => ({ x: l, y: 0.12 * l })) },
        { name: 'Monte Carlo', kind: 'points', points: layers.map((l) => ({ x: l, y: 0.11 * l, err: 0.05 })) },
      ],
    };
    const svg = await lineErrorPlot(depthSpec);
    const legend = [...svg.matchAll(/role-legend-symbol[^>]*><path ([^>]*)\/>/g)].map((m) => m[1] ?? '');
    expect(legend).toHaveLength(3);
    // a stroke symbol is a straight segment "M-a,0La,0"; the circle is drawn with arcs
    expect(legend[0]).toMatch(/d="M-[\d.]+,0L[\d.]+,0"/);
    expect(legend[0]).toMatch(/stroke-dasharray=""/);
    expect(legend[1]).toMatch(/stroke-dasharray="6,4"/);
    expect(legend[2]).toMatch(/d="M[\d.]+,0A/);
    // x ticks of an integer axis: integers only (no 1.5, 2.5, …)
    const xTicks = [...(svg.match(/role-axis-label[^>]*>(.*?)<\/g>/)?.[1] ?? '').matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(xTicks.length).toBeGreaterThanOrEqual(2);
    for (const t of xTicks) expect(t).toMatch(/^-?\d+$/);
    // padded domain: the first and last layer lie strictly inside it
    const vl = lineErrorVegaLite(depthSpec) as { layer: { encoding: { x: { scale: { domain: [number, number] } } } }[] };
    const [lo, hi] = vl.layer[0]!.encoding.x.scale.domain;
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(4);
    // x offsets (points drawn beside each other) keep integer ticks when the axis says so
    const shifted = lineErrorVegaLite({ ...depthSpec, x: { label: 'layer ℓ', integer: true }, series: [{ name: 'p', kind: 'points', points: [{ x: 1.1, y: 1 }, { x: 2.1, y: 2 }] }] });
    expect(JSON.stringify(shifted)).toContain('"tickMinStep":1');
  });
});
