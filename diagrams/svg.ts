/**
 * SVG pictures of diagrams. Layout: external points x1..xp evenly on a circle (x1 at the top, clockwise),
 * vertices inside (one at the centre; several on a small inner circle); parallel propagators drawn as
 * symmetric quadratic curves, self-loops as loops pointing away from the centre. Each panel carries the
 * coefficient and monomial.
 */
import { propagators, type Diagram } from './diagram.ts';
import { nodeName } from './printers.ts';

export interface SvgOptions {
  /** panel size in px (square), default 180 */
  size?: number;
  /** panels per row in diagramsSVG, default 4 */
  columns?: number;
  /** caption under each panel (default: coefficient*monomial and "connected"/"disconnected") */
  caption?: (d: Diagram) => string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function f(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

/**
 * Node positions in a panel centred at (cx, cy): externals fixed on the circle; vertices start on a small
 * inner circle and relax towards the weighted mean of their neighbours (a Tutte-style embedding), with a
 * short-range repulsion so that vertices with the same neighbours stay apart.
 */
function layout(d: Diagram, cx: number, cy: number, R: number): Array<[number, number]> {
  const pos: Array<[number, number]> = [];
  const p = d.points;
  for (let a = 0; a < p; a++) {
    const t = -Math.PI / 2 + (2 * Math.PI * a) / p;
    pos.push([cx + R * Math.cos(t), cy + R * Math.sin(t)]);
  }
  const N = d.order;
  const r = N <= 1 ? 0 : R * 0.4;
  for (let v = 0; v < N; v++) {
    const t = Math.PI + (2 * Math.PI * v) / Math.max(N, 1);
    pos.push([cx + r * Math.cos(t), cy + r * Math.sin(t)]);
  }
  if (N === 0) return pos;
  const T = p + N;
  const minDist = R * 0.8;
  for (let it = 0; it < 100; it++) {
    for (let v = p; v < T; v++) {
      let sx = 0;
      let sy = 0;
      let w = 0;
      for (let a = 0; a < T; a++) {
        if (a === v) continue;
        const x = d.adjacency[v * T + a]!;
        if (x === 0) continue;
        sx += x * pos[a]![0]!;
        sy += x * pos[a]![1]!;
        w += x;
      }
      let nx = w > 0 ? 0.5 * pos[v]![0]! + 0.5 * (sx / w) : pos[v]![0]!;
      let ny = w > 0 ? 0.5 * pos[v]![1]! + 0.5 * (sy / w) : pos[v]![1]!;
      for (let u = p; u < T; u++) {
        if (u === v) continue;
        const dx = nx - pos[u]![0]!;
        const dy = ny - pos[u]![1]!;
        const dist = Math.hypot(dx, dy);
        if (dist < minDist) {
          const push = (minDist - dist) * 0.6;
          const ux = dist > 1e-9 ? dx / dist : Math.cos(v);
          const uy = dist > 1e-9 ? dy / dist : Math.sin(v);
          nx += ux * push;
          ny += uy * push;
        }
      }
      // stay inside the circle
      const ox = nx - cx;
      const oy = ny - cy;
      const rr = Math.hypot(ox, oy);
      if (rr > R * 0.75) {
        nx = cx + (ox * R * 0.75) / rr;
        ny = cy + (oy * R * 0.75) / rr;
      }
      pos[v] = [nx, ny];
    }
  }
  return pos;
}

/** Direction (radians) of the widest angular gap between the non-loop edges at node a. */
function freeDirection(d: Diagram, pos: Array<[number, number]>, a: number, cx: number, cy: number): number {
  const T = d.points + d.order;
  const angles: number[] = [];
  for (let b = 0; b < T; b++) {
    if (b === a || d.adjacency[a * T + b] === 0) continue;
    angles.push(Math.atan2(pos[b]![1]! - pos[a]![1]!, pos[b]![0]! - pos[a]![0]!));
  }
  if (angles.length === 0) return Math.atan2(pos[a]![1]! - cy, pos[a]![0]! - cx) || -Math.PI / 2;
  angles.sort((x, y) => x - y);
  let best = 0;
  let dir = 0;
  for (let i = 0; i < angles.length; i++) {
    const lo = angles[i]!;
    const hi = i + 1 < angles.length ? angles[i + 1]! : angles[0]! + 2 * Math.PI;
    if (hi - lo > best) {
      best = hi - lo;
      dir = (lo + hi) / 2;
    }
  }
  return dir;
}

/** The <g> body of one panel at offset (ox, oy). */
function panel(d: Diagram, ox: number, oy: number, size: number, caption: string): string {
  const cx = ox + size / 2;
  const cy = oy + size / 2 - 6;
  const R = size * 0.31;
  const pos = layout(d, cx, cy, R);
  const out: string[] = [];
  out.push(`<g class="diagram">`);
  for (const [a, b, x] of propagators(d)) {
    const [x1, y1] = pos[a]!;
    const [x2, y2] = pos[b]!;
    if (a === b) {
      // self-loops: teardrops pointing away from the centre, spread in angle
      const base = freeDirection(d, pos, a, cx, cy);
      for (let i = 0; i < x; i++) {
        const t = base + (i - (x - 1) / 2) * 0.8;
        const L = size * 0.16;
        const c1x = x1 + L * Math.cos(t - 0.45);
        const c1y = y1 + L * Math.sin(t - 0.45);
        const c2x = x1 + L * Math.cos(t + 0.45);
        const c2y = y1 + L * Math.sin(t + 0.45);
        out.push(`<path d="M${f(x1)},${f(y1)} C${f(c1x)},${f(c1y)} ${f(c2x)},${f(c2y)} ${f(x1)},${f(y1)}" fill="none" stroke="#222" stroke-width="1.5"/>`);
      }
      continue;
    }
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len;
    const ny = dx / len;
    // a straight edge that would pass through another node is bent to one side
    let blocked = false;
    for (let c = 0; c < pos.length && x % 2 === 1; c++) {
      if (c === a || c === b) continue;
      const t = ((pos[c]![0]! - x1) * dx + (pos[c]![1]! - y1) * dy) / (len * len);
      if (t <= 0.02 || t >= 0.98) continue;
      const perp = Math.abs((pos[c]![0]! - x1) * -dy + (pos[c]![1]! - y1) * dx) / len;
      if (perp < 6) blocked = true;
    }
    for (let i = 0; i < x; i++) {
      const off = (i - (x - 1) / 2 + (blocked ? 0.9 : 0)) * Math.min(size * 0.09, len * 0.3);
      if (off === 0) {
        out.push(`<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" stroke="#222" stroke-width="1.5"/>`);
      } else {
        const mx = (x1 + x2) / 2 + nx * off * 2;
        const my = (y1 + y2) / 2 + ny * off * 2;
        out.push(`<path d="M${f(x1)},${f(y1)} Q${f(mx)},${f(my)} ${f(x2)},${f(y2)}" fill="none" stroke="#222" stroke-width="1.5"/>`);
      }
    }
  }
  for (let a = 0; a < pos.length; a++) {
    const [x, y] = pos[a]!;
    const name = nodeName(d, a);
    if (a < d.points) {
      out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="3" fill="#fff" stroke="#222"/>`);
      const lx = cx + (x - cx) * 1.22;
      const ly = cy + (y - cy) * 1.15 + 4;
      out.push(`<text x="${f(lx)}" y="${f(ly)}" font-size="11" text-anchor="middle">${esc(name)}</text>`);
    } else {
      out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="4" fill="#222"><title>${esc(`${name}: g${d.vertexDegrees[a - d.points]} vertex`)}</title></circle>`);
    }
  }
  out.push(`<text x="${f(cx)}" y="${f(oy + size - 3)}" font-size="11" text-anchor="middle">${esc(caption)}</text>`);
  out.push(`</g>`);
  return out.join('\n');
}

function defaultCaption(d: Diagram): string {
  const c = d.coefficient.toString();
  const m = d.monomial === '1' ? '' : d.monomial;
  const head = m === '' ? c : c === '1' ? m : c === '-1' ? `-${m}` : `${c}·${m}`;
  return `${head}${d.connected ? '' : ' (disc.)'}`;
}

/** One diagram as a standalone SVG document. */
export function diagramSVG(d: Diagram, opts: SvgOptions = {}): string {
  const size = opts.size ?? 180;
  const cap = (opts.caption ?? defaultCaption)(d);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif">\n${panel(d, 0, 0, size, cap)}\n</svg>\n`;
}

/** Many diagrams in a grid, one SVG document. */
export function diagramsSVG(ds: readonly Diagram[], opts: SvgOptions = {}): string {
  const size = opts.size ?? 180;
  const cols = Math.max(1, Math.min(opts.columns ?? 4, ds.length || 1));
  const rows = Math.max(1, Math.ceil(ds.length / cols));
  const W = cols * size;
  const H = rows * size;
  const body = ds.map((d, i) => panel(d, (i % cols) * size, Math.floor(i / cols) * size, size, (opts.caption ?? defaultCaption)(d))).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">\n<rect width="${W}" height="${H}" fill="#fff"/>\n${body}\n</svg>\n`;
}
