/**
 * Shared plotting utility: a small API over vega-lite, compiled to a vega spec and rendered headless to SVG
 * with vega's View.toSVG() (no canvas needed for SVG). Used by the examples and the CLI.
 *
 *   const svg = await lineErrorPlot({
 *     title: 'V4/(nK²) against depth',
 *     x: { label: 'layer ℓ' }, y: { label: 'V⁽ℓ⁾ / (n K²)', log: true },
 *     series: [
 *       { name: 'Monte Carlo', kind: 'points', points: [{ x: 1, y: 0.1, err: 0.01 }, …] },
 *       { name: 'recursion 5(ℓ−1)/n', kind: 'line', points: [...] },
 *       { name: 'μ ± σ', kind: 'band', points: [{ x, y, err }] },   // shaded y ± err
 *     ],
 *   });
 *   await writePlot('out/plot.svg', spec);   // renders and writes atomically
 *
 * Series kinds: 'points' (markers with ±err error bars), 'line' (a theory line; `dash: true` for dashed),
 * 'band' (a shaded area from y − err to y + err, with its centre line). Every series appears in one legend,
 * drawn as it is plotted: a solid or dashed stroke for lines, a filled circle for points, a shaded square for
 * bands. Axes whose values are all integers (or marked `integer: true`) get integer ticks; linear axes are
 * padded so that end points and their error bars are drawn whole.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NnftInputError } from '../errors.ts';

export interface PlotPoint {
  x: number;
  y: number;
  /** symmetric error (one standard error, or whatever the caption says); drawn as a bar or a band */
  err?: number;
}

export interface PlotSeries {
  name: string;
  points: PlotPoint[];
  kind: 'points' | 'line' | 'band';
  /** dashed line (kind 'line' only) */
  dash?: boolean;
  /** CSS colour; default from the category palette in series order */
  color?: string;
}

export interface PlotAxis {
  label: string;
  log?: boolean;
  /** explicit [min, max] domain */
  domain?: [number, number];
  /** integer ticks only (e.g. a layer index ℓ); detected automatically when every value is an integer */
  integer?: boolean;
}

export interface LinePlotSpec {
  title: string;
  subtitle?: string;
  x: PlotAxis;
  y: PlotAxis;
  series: PlotSeries[];
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

interface Row {
  series: string;
  x: number;
  y: number;
  lo: number;
  hi: number;
}

function validate(spec: LinePlotSpec): void {
  if (!spec || typeof spec !== 'object') throw new NnftInputError('plot spec', 'expected an object');
  if (!spec.x?.label || !spec.y?.label) throw new NnftInputError('plot spec', 'both axes need a label', 'give x.label and y.label (the physics names)');
  if (!Array.isArray(spec.series) || spec.series.length === 0) throw new NnftInputError('plot spec series', 'need at least one series');
  const names = new Set<string>();
  for (const s of spec.series) {
    if (!s.name) throw new NnftInputError('plot series', 'every series needs a name (it goes in the legend)');
    if (names.has(s.name)) throw new NnftInputError('plot series', `duplicate series name '${s.name}'`);
    names.add(s.name);
    if (!['points', 'line', 'band'].includes(s.kind)) throw new NnftInputError(`plot series '${s.name}'`, `unknown kind '${s.kind}'`, "use 'points', 'line' or 'band'");
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || (p.err !== undefined && !(Number.isFinite(p.err) && p.err >= 0))) {
        throw new NnftInputError(`plot series '${s.name}'`, `non-finite point ${JSON.stringify(p)}`);
      }
    }
  }
}

/** A vega expression choosing per legend entry (datum.value = the series name): `pick(series index)`. */
function perEntry(series: readonly PlotSeries[], pick: (s: PlotSeries, i: number) => string): { signal: string } {
  let expr = pick(series[series.length - 1] as PlotSeries, series.length - 1);
  for (let i = series.length - 2; i >= 0; i--) {
    const s = series[i] as PlotSeries;
    expr = `datum.value === ${JSON.stringify(s.name)} ? ${pick(s, i)} : (${expr})`;
  }
  return { signal: expr };
}

/**
 * The legend: each entry drawn like its series — a horizontal stroke (dashed for `dash: true`) for a line, a
 * filled circle for points, a shaded square for a band.
 */
function legendOf(series: readonly PlotSeries[], colors: readonly string[]): Record<string, unknown> {
  const col = (i: number): string => JSON.stringify(colors[i] ?? '#000');
  return {
    orient: 'right',
    labelLimit: 400,
    labelOffset: 8,
    encode: {
      symbols: {
        update: {
          size: perEntry(series, (s) => (s.kind === 'line' ? '220' : s.kind === 'points' ? '60' : '120')),
          shape: perEntry(series, (s) => (s.kind === 'line' ? '"stroke"' : s.kind === 'points' ? '"circle"' : '"square"')),
          strokeDash: perEntry(series, (s) => (s.kind === 'line' && s.dash ? '[6, 4]' : '[]')),
          strokeWidth: perEntry(series, (s) => (s.kind === 'line' ? '2' : '1')),
          stroke: perEntry(series, (_s, i) => col(i)),
          fill: perEntry(series, (s, i) => (s.kind === 'line' ? '"transparent"' : col(i))),
          fillOpacity: perEntry(series, (s) => (s.kind === 'band' ? '0.35' : '1')),
          opacity: { value: 1 },
        },
      },
    },
  };
}

/** The vega-lite spec of a line/error-bar plot (exposed for callers who want to tweak it). */
export function lineErrorVegaLite(spec: LinePlotSpec): Record<string, unknown> {
  validate(spec);
  const names = spec.series.map((s) => s.name);
  const colors = spec.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length] ?? '#000');
  // On a log axis, lower error whiskers (and band edges) that reach ≤ 0 are clipped just above the smallest positive value.
  let floorY = Infinity;
  if (spec.y.log) {
    for (const s of spec.series) for (const p of s.points) if (p.y > 0) floorY = Math.min(floorY, p.y);
    floorY = Number.isFinite(floorY) ? floorY / 10 : 1e-300;
  }
  const rows = (s: PlotSeries): Row[] =>
    s.points
      .filter((p) => !(spec.x.log && p.x <= 0) && !(spec.y.log && p.y <= 0))
      .map((p) => {
        const e = p.err ?? 0;
        const lo = spec.y.log ? Math.max(p.y - e, floorY) : p.y - e;
        return { series: s.name, x: p.x, y: p.y, lo, hi: p.y + e };
      });
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x)).filter((v) => !spec.x.log || v > 0);
  const ys = spec.series.flatMap((s) => s.points.flatMap((p) => [p.y - (p.err ?? 0), p.y + (p.err ?? 0)])).filter((v) => !spec.y.log || v > 0);
  const xScale: Record<string, unknown> = spec.x.log ? { type: 'log', nice: false } : { type: 'linear', zero: false, nice: false };
  // padding (pixels) keeps markers and error bars at the ends of a linear y axis inside the plot
  const yScale: Record<string, unknown> = spec.y.log ? { type: 'log' } : { type: 'linear', zero: false, nice: false, padding: 8 };
  if (spec.x.domain) xScale.domain = spec.x.domain;
  else if (xs.length) {
    // pad the x axis so edge markers are not clipped: ~12% each side on a log axis, 4% of the range on a linear one
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const pad = hi > lo ? 0.04 * (hi - lo) : Math.max(0.5, Math.abs(lo) * 0.1);
    xScale.domain = spec.x.log ? [lo / 1.12, hi * 1.12] : [lo - pad, hi + pad];
  }
  if (spec.y.domain) yScale.domain = spec.y.domain;
  const integerAxis = (axis: PlotAxis, values: number[]): boolean => !axis.log && (axis.integer === true || (values.length > 0 && values.every(Number.isInteger)));
  const xAxis: Record<string, unknown> = { grid: true };
  if (integerAxis(spec.x, xs)) Object.assign(xAxis, { tickMinStep: 1, format: 'd' });
  const yAxis: Record<string, unknown> = { grid: true };
  if (integerAxis(spec.y, spec.series.flatMap((s) => s.points.map((p) => p.y)))) Object.assign(yAxis, { tickMinStep: 1, format: 'd' });
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: names, range: colors }, legend: legendOf(spec.series, colors) };
  const X = { field: 'x', type: 'quantitative', title: spec.x.label, scale: xScale, axis: xAxis };
  const Y = { field: 'y', type: 'quantitative', title: spec.y.label, scale: yScale, axis: yAxis };
  const layers: Record<string, unknown>[] = [];
  // bands first (underneath), then lines, then points with error bars on top
  for (const s of spec.series.filter((t) => t.kind === 'band')) {
    const values = rows(s);
    layers.push({ data: { values }, mark: { type: 'area', opacity: 0.25 }, encoding: { x: X, y: { ...Y, field: 'lo' }, y2: { field: 'hi' }, color } });
    layers.push({ data: { values }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: X, y: Y, color } });
  }
  for (const s of spec.series.filter((t) => t.kind === 'line')) {
    const mark: Record<string, unknown> = { type: 'line', strokeWidth: 2 };
    if (s.dash) mark.strokeDash = [6, 4];
    layers.push({ data: { values: rows(s) }, mark, encoding: { x: X, y: Y, color } });
  }
  for (const s of spec.series.filter((t) => t.kind === 'points')) {
    const values = rows(s);
    if (s.points.some((p) => (p.err ?? 0) > 0)) {
      layers.push({ data: { values }, mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: X, y: { ...Y, field: 'lo' }, y2: { field: 'hi' }, color } });
    }
    layers.push({ data: { values }, mark: { type: 'point', filled: true, size: 50, opacity: 1 }, encoding: { x: X, y: Y, color } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: spec.subtitle ? { text: spec.title, subtitle: spec.subtitle } : spec.title,
    width: spec.width ?? 480,
    height: spec.height ?? 320,
    background: 'white',
    layer: layers,
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', axis: { labelFontSize: 11, titleFontSize: 13 }, legend: { labelFontSize: 11 } },
  };
}

export interface GridPlotSpec {
  title: string;
  subtitle?: string;
  /** panels per row (default 2) */
  columns?: number;
  panels: LinePlotSpec[];
}

/** The vega-lite spec of several line/error-bar panels in a grid (each panel with its own scales and legend). */
export function gridVegaLite(spec: GridPlotSpec): Record<string, unknown> {
  if (!spec || !Array.isArray(spec.panels) || spec.panels.length === 0) throw new NnftInputError('grid plot panels', 'need at least one panel');
  const panels = spec.panels.map((p) => {
    const v = lineErrorVegaLite({ width: 340, height: 240, ...p });
    delete v.$schema;
    delete v.config;
    delete v.background;
    return v;
  });
  const first = lineErrorVegaLite(spec.panels[0]!);
  return {
    $schema: first.$schema,
    title: spec.subtitle ? { text: spec.title, subtitle: spec.subtitle } : spec.title,
    background: 'white',
    columns: spec.columns ?? 2,
    concat: panels,
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' }, legend: { color: 'independent' } },
    config: first.config,
  };
}

/** Render a grid of panels to SVG. */
export async function gridPlot(spec: GridPlotSpec): Promise<string> {
  return renderVegaLiteToSvg(gridVegaLite(spec));
}

/** Render a grid of panels and write it as SVG to path. Returns the SVG text. */
export async function writeGridPlot(path: string, spec: GridPlotSpec): Promise<string> {
  const svg = await gridPlot(spec);
  writeFileAtomic(path, svg);
  return svg;
}

/** Compile any vega-lite spec and render it headless to an SVG string. */
export async function renderVegaLiteToSvg(vlSpec: Record<string, unknown>): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const compiled = (vl as any).compile(vlSpec as any).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render a line plot with error bars, theory lines and bands to an SVG string. */
export async function lineErrorPlot(spec: LinePlotSpec): Promise<string> {
  return renderVegaLiteToSvg(lineErrorVegaLite(spec));
}

/** Write text to path atomically (temp file + rename), creating the directory; no partial file on interruption. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Render the plot and write it as SVG to path. Returns the SVG text. */
export async function writePlot(path: string, spec: LinePlotSpec): Promise<string> {
  const svg = await lineErrorPlot(spec);
  writeFileAtomic(path, svg);
  return svg;
}
