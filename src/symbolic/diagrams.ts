/**
 * Diagrams of derived recursions: every term of the grouped IBP form as a small graph, and an SVG
 * drawer. Vertices: the layer-ℓ Gaussian expectations (one per GaussExpec, the "vertices" of the diagrams of Guillen, Misof, Gerken
 * diagrams), the external inputs α of layer ℓ+1, and one blob per 4-index tensor (V, A, B, D, F).
 * Edges: a σ(z_α) leg from an expectation to its external input; a 2-index propagator (K¹, Θ, Θ¹) between
 * the vertices its two indices attach to; a leg from each 4-index blob to the vertex each slot attaches
 * to. A summed index attaches to the expectation whose derivative carries it; an external index to its input.
 */
import { MultiUndirectedGraph } from 'graphology';
import type { Expression, GaussExpec, Term } from './expr.ts';
import { PARAM_NAMES } from './expr.ts';
import { deriveRecursion } from './derive.ts';
import { toText } from './print.ts';

export interface TermGraphNode {
  id: string;
  kind: 'expectation' | 'external' | 'tensor';
  label: string;
}
export interface TermGraphEdge {
  source: string;
  target: string;
  kind: 'leg' | 'propagator';
  label: string;
}
export interface TermDiagram {
  /** The recursion part (for Θ¹: the five diagrams of Guillen, Misof, Gerken: Theta1, K1, V, D, F). */
  part: string;
  /** Coefficient and parameters, e.g. "1/8 λ_W r". */
  prefactor: string;
  /** The term in the text format of print.ts. */
  text: string;
  graph: MultiUndirectedGraph;
  nodes: TermGraphNode[];
  edges: TermGraphEdge[];
}

const PRIME = ['', "'", "''", "'''"];
function sigLabel(order: number, idx: string): string {
  return `σ${order < 4 ? PRIME[order] : `(${order})`}${idx.replace(/^a/, '')}`;
}

function expectLabel(g: GaussExpec): string {
  const body = g.factors.map((f) => (f.kind === 'sig' ? sigLabel(f.order, f.idx) : `z${f.idx}`)).join(' ');
  return g.derivs.length ? `⟨∂${g.derivs.length > 1 ? superscript(g.derivs.length) : ''}(${body})⟩` : `⟨${body}⟩`;
}

function superscript(n: number): string {
  return String(n)
    .split('')
    .map((c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(c)])
    .join('');
}

const PARAM_TXT: Record<string, string> = { C_W: 'C_W', C_b: 'C_b', r: 'r', lambda_W: 'λ_W', lambda_b: 'λ_b', m: 'm' };

function prefactorOf(t: Term): string {
  const c = t.coef.den === 1n ? `${t.coef.num}` : `${t.coef.num}/${t.coef.den}`;
  const ps = PARAM_NAMES.filter((k) => t.params[k]).map((k) => (t.params[k] === 1 ? PARAM_TXT[k] : `${PARAM_TXT[k]}${superscript(t.params[k]!)}`));
  return [c === '1' && ps.length ? '' : c === '-1' && ps.length ? '−' : c, ...ps].filter(Boolean).join(' ');
}

/** The graph of one term (grouped form). */
export function termGraph(t: Term, externals: readonly string[]): { graph: MultiUndirectedGraph; nodes: TermGraphNode[]; edges: TermGraphEdge[] } {
  const graph = new MultiUndirectedGraph({ allowSelfLoops: true });
  const nodes: TermGraphNode[] = [];
  const edges: TermGraphEdge[] = [];
  const addNode = (n: TermGraphNode) => {
    nodes.push(n);
    graph.addNode(n.id, { kind: n.kind, label: n.label });
  };
  const addEdge = (e: TermGraphEdge) => {
    edges.push(e);
    graph.addEdge(e.source, e.target, { kind: e.kind, label: e.label });
  };
  const used = externals.filter((a) => t.tensors.some((T) => T.idx.includes(a)) || t.expects.some((g) => g.factors.some((f) => f.idx === a)));
  for (const a of used) addNode({ id: a, kind: 'external', label: a.replace(/^a/, 'α') });
  const attach = new Map<string, string>();
  for (const a of used) attach.set(a, a);
  t.expects.forEach((g, i) => {
    const id = `E${i + 1}`;
    addNode({ id, kind: 'expectation', label: expectLabel(g) });
    for (const d of g.derivs) if (!attach.has(d)) attach.set(d, id);
    for (const f of g.factors) addEdge({ source: id, target: f.idx, kind: 'leg', label: f.kind === 'sig' ? sigLabel(f.order, '') : 'z' });
  });
  t.tensors.forEach((T, i) => {
    const ends = T.idx.map((x) => attach.get(x) ?? x);
    if (T.idx.length === 2) addEdge({ source: ends[0]!, target: ends[1]!, kind: 'propagator', label: T.name });
    else {
      const id = `T${i + 1}`;
      addNode({ id, kind: 'tensor', label: T.name });
      for (const e of ends) addEdge({ source: id, target: e, kind: 'propagator', label: T.name });
    }
  });
  return { graph, nodes, edges };
}

/** One diagram per term of the grouped form, labelled by recursion part. */
export function recursionDiagrams(name: string): TermDiagram[] {
  const d = deriveRecursion(name);
  const out: TermDiagram[] = [];
  for (const p of d.parts) {
    for (const t of p.grouped.terms) {
      const { graph, nodes, edges } = termGraph(t, p.grouped.externals);
      const single: Expression = { externals: p.grouped.externals, terms: [t] };
      out.push({ part: p.label, prefactor: prefactorOf(t), text: textOf(single), graph, nodes, edges });
    }
  }
  return out;
}

function textOf(e: Expression): string {
  return toText(e);
}

// ------------------------------------------------------------------ SVG

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const CELL_W = 300;
const CELL_H = 230;

function drawOne(dg: TermDiagram, ox: number, oy: number): string {
  const pos = new Map<string, [number, number]>();
  const byKind = (k: TermGraphNode['kind']) => dg.nodes.filter((n) => n.kind === k);
  const row = (ns: TermGraphNode[], y: number) =>
    ns.forEach((n, i) => {
      pos.set(n.id, [ox + ((i + 1) * CELL_W) / (ns.length + 1), oy + y]);
    });
  row(byKind('tensor'), 55);
  row(byKind('expectation'), 120);
  row(byKind('external'), 190);
  const parts: string[] = [];
  parts.push(`<rect x="${ox + 4}" y="${oy + 4}" width="${CELL_W - 8}" height="${CELL_H - 8}" fill="none" stroke="#ccc"/>`);
  parts.push(`<text x="${ox + 10}" y="${oy + 22}" font-size="12" font-family="sans-serif">${esc(`[${dg.part}] ${dg.prefactor}`)}</text>`);
  const seen = new Map<string, number>();
  for (const e of dg.edges) {
    const [x1, y1] = pos.get(e.source)!;
    const [x2, y2] = pos.get(e.target)!;
    const key = [e.source, e.target].sort().join('|');
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    const color = e.kind === 'leg' ? '#333' : e.label === 'V' ? '#c0392b' : e.label === 'Theta' ? '#2471a3' : '#7d3c98';
    const dash = e.kind === 'leg' ? '' : ' stroke-dasharray="5,3"';
    if (e.source === e.target) {
      const r = 12 + 6 * k;
      parts.push(`<circle cx="${x1}" cy="${y1 - r}" r="${r}" fill="none" stroke="${color}"${dash}/>`);
      parts.push(`<text x="${x1 + r + 2}" y="${y1 - 2 * r}" font-size="10" fill="${color}" font-family="sans-serif">${esc(e.label)}</text>`);
      continue;
    }
    const bend = (k % 2 ? -1 : 1) * Math.ceil(k / 2) * 18;
    const mx = (x1 + x2) / 2 + bend;
    const my = (y1 + y2) / 2;
    parts.push(`<path d="M${x1},${y1} Q${mx},${my} ${x2},${y2}" fill="none" stroke="${color}"${dash}/>`);
    if (e.kind === 'propagator' && !dg.nodes.find((n) => n.id === e.source && n.kind === 'tensor')) {
      parts.push(`<text x="${mx + 3}" y="${my - 3}" font-size="10" fill="${color}" font-family="sans-serif">${esc(e.label)}</text>`);
    }
  }
  for (const n of dg.nodes) {
    const [x, y] = pos.get(n.id)!;
    if (n.kind === 'expectation') {
      parts.push(`<circle cx="${x}" cy="${y}" r="7" fill="#222"/>`);
      parts.push(`<text x="${x + 10}" y="${y + 4}" font-size="11" font-family="sans-serif">${esc(n.label)}</text>`);
    } else if (n.kind === 'tensor') {
      parts.push(`<rect x="${x - 11}" y="${y - 11}" width="22" height="22" fill="#fff" stroke="#c0392b"/>`);
      parts.push(`<text x="${x}" y="${y + 4}" font-size="11" text-anchor="middle" font-family="sans-serif">${esc(n.label)}</text>`);
    } else {
      parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="#fff" stroke="#222"/>`);
      parts.push(`<text x="${x}" y="${y + 18}" font-size="11" text-anchor="middle" font-family="sans-serif">${esc(n.label)}</text>`);
    }
  }
  return parts.join('\n');
}

/** SVG of all diagrams of a derived recursion (deterministic). */
export function diagramsSvg(name: string): string {
  const ds = recursionDiagrams(name);
  const cols = Math.min(4, ds.length);
  const rows = Math.ceil(ds.length / cols);
  const W = cols * CELL_W;
  const H = rows * CELL_H + 30;
  const body = ds.map((d, i) => drawOne(d, (i % cols) * CELL_W, 30 + Math.floor(i / cols) * CELL_H)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-family="sans-serif">${esc(`${name}: ${ds.length} terms (grouped IBP form). ● layer-ℓ expectation, ○ input α, ▢ 4-index tensor; dashed = propagator`)}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
