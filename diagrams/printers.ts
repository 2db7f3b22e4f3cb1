/**
 * Printers of EFT Feynman diagrams: vertex names, the text and LaTeX expressions
 * (`-24*g4*∫dy K(x1,y)K(x2,y)K(x3,y)K(x4,y)`), the plain graph JSON, a graphology multigraph, and the JSON entries
 * of the CLI and the API. The SVG drawer is diagrams/svg.ts.
 */
import { MultiUndirectedGraph } from 'graphology';
import { couplingName, propagators, type Diagram, type TopologyGroup } from './diagram.ts';

export interface DiagramNode {
  id: string;
  kind: 'external' | 'vertex';
  /** 0-based external index (externals) */
  index?: number;
  /** degree (vertices) */
  degree?: number;
  /** coupling name g{k} (vertices) */
  coupling?: string;
}

export interface DiagramEdge {
  source: string;
  target: string;
}

export interface DiagramGraphJSON {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

// ——— names, expressions ———

const VERTEX_NAMES = ['y', 'z', 'w', 'u', 'v', 't'];

/** Name of internal vertex v (0-based): y, z, w, u, v, t, then y7, y8, … */
export function vertexName(v: number): string {
  return v < VERTEX_NAMES.length ? VERTEX_NAMES[v]! : `y${v + 1}`;
}

export function nodeName(d: Diagram, a: number): string {
  return a < d.points ? `x${a + 1}` : vertexName(a - d.points);
}

function prefix(d: Diagram, latex: boolean): string {
  const c = d.coefficient;
  const mono = d.monomial === '1' ? '' : d.monomial;
  if (!latex) {
    const cs = c.toString();
    const head = mono === '' ? (cs === '1' ? '' : `${cs}*`) : cs === '1' ? `${mono}*` : cs === '-1' ? `-${mono}*` : `${cs}*${mono}*`;
    return head;
  }
  const monoTex = Object.entries(d.powers)
    .sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)))
    .map(([g, e]) => `g_{${g.slice(1)}}${e === 1 ? '' : `^{${e}}`}`)
    .join(' ');
  const cs = c.toLatex();
  if (monoTex === '') return cs === '1' ? '' : `${cs}\\,`;
  if (cs === '1') return `${monoTex}\\,`;
  if (cs === '-1') return `-${monoTex}\\,`;
  return `${cs}\\,${monoTex}\\,`;
}

/** Text expression, e.g. `-24*g4*∫dy K(x1,y)K(x2,y)K(x3,y)K(x4,y)`. */
export function diagramExpression(d: Diagram): string {
  const ints = Array.from({ length: d.order }, (_, v) => `∫d${vertexName(v)}`).join('');
  const factors = propagators(d)
    .map(([a, b, x]) => `K(${nodeName(d, a)},${nodeName(d, b)})${x === 1 ? '' : `^${x}`}`)
    .join('');
  return `${prefix(d, false)}${ints}${ints ? ' ' : ''}${factors}`;
}

function texNode(d: Diagram, a: number): string {
  return a < d.points ? `x_{${a + 1}}` : vertexName(a - d.points).replace(/^y(\d+)$/, 'y_{$1}');
}

/** LaTeX expression, e.g. `-24\,g_{4}\int dy\,K(x_{1},y)…`. */
export function diagramLatex(d: Diagram): string {
  const ints = Array.from({ length: d.order }, (_, v) => `\\int d${texNode(d, d.points + v)}\\,`).join('');
  const factors = propagators(d)
    .map(([a, b, x]) => `K(${texNode(d, a)},${texNode(d, b)})${x === 1 ? '' : `^{${x}}`}`)
    .join('');
  return `${prefix(d, true)}${ints}${factors}`;
}

/** Plain graph JSON: nodes x1..xp then vertices; one edge per propagator (self-loops: source = target). */
export function diagramGraphJSON(d: Diagram): DiagramGraphJSON {
  const nodes: DiagramNode[] = [];
  for (let a = 0; a < d.points; a++) nodes.push({ id: `x${a + 1}`, kind: 'external', index: a });
  d.vertexDegrees.forEach((k, v) => nodes.push({ id: vertexName(v), kind: 'vertex', degree: k, coupling: couplingName(k) }));
  const edges: DiagramEdge[] = [];
  for (const [a, b, x] of propagators(d)) for (let r = 0; r < x; r++) edges.push({ source: nodeName(d, a), target: nodeName(d, b) });
  return { nodes, edges };
}

/** The diagram as a graphology multigraph with self-loops (node/edge attributes as in diagramGraphJSON). */
export function diagramToGraph(d: Diagram): MultiUndirectedGraph {
  const g = new MultiUndirectedGraph({ allowSelfLoops: true });
  const j = diagramGraphJSON(d);
  for (const n of j.nodes) {
    const { id, ...attrs } = n;
    g.addNode(id, attrs);
  }
  for (const e of j.edges) g.addEdge(e.source, e.target, { propagator: 'K' });
  return g;
}

/** The JSON entry of the CLI / API: one object per labelled class. */
export function diagramToJSON(d: Diagram) {
  return {
    order: d.order,
    monomial: d.monomial,
    coefficient: d.coefficient.toString(),
    connected: d.connected,
    topology: d.topology,
    expression: diagramExpression(d),
    latex: diagramLatex(d),
    symmetry: { weight: d.weight.toString(), automorphisms: d.automorphisms },
    graph: diagramGraphJSON(d),
  };
}

/** The JSON entry of a topology group. */
export function topologyToJSON(t: TopologyGroup) {
  return { order: t.order, monomial: t.monomial, coefficient: t.coefficient.toString(), connected: t.connected, classes: t.classes, topology: t.topology };
}

