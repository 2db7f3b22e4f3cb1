/**
 * `nnft derive` (JSON, LaTeX, SVG, bad input) and the term diagrams of derived recursions.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagramsSvg, recursionDiagrams, deriveRecursion } from '../../src/symbolic/index.ts';

const root = join(__dirname, '..', '..');
function nnft(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'nnft.js'), ...args], { encoding: 'utf8', cwd: root });
}

describe('nnft derive', () => {
  it('--json prints {"name","terms","text","latex"} equal to deriveRecursion', () => {
    const r = nnft('derive', 'K1', '--json');
    expect(r.status).toBe(0);
    const o = JSON.parse(r.stdout);
    const d = deriveRecursion('K1');
    expect(o.name).toBe('K1');
    expect(o.terms).toBe(9);
    expect(o.text).toBe(d.text);
    expect(o.latex).toBe(d.latex);
    expect(o.grouped.terms).toBe(2);
    expect(o.parts.map((p: { label: string }) => p.label)).toEqual(['K1', 'V']);
  });

  it('text (default), --grouped and --latex; identical on two runs', () => {
    const a = nnft('derive', 'V4');
    const b = nnft('derive', 'V4');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain('GaussExpec(Derivative(sig(z[a1]), z[a1])*Derivative(sig(z[a2]), z[a2]))');
    const g = nnft('derive', 'V4', '--grouped');
    expect(g.stdout.split('\n')[0]).toBe(deriveRecursion('V4').groupedText);
    expect(g.stdout).toContain('GaussExpec(Derivative(sig(z[a1])*sig(z[a2]), z[d1], z[d2]))');
    const l = nnft('derive', 'Theta1', '--latex');
    expect(l.stdout).toContain('\\Theta^{\\{1\\}}_{\\alpha_{1}\\alpha_{2}}');
  });

  it('--svg writes the diagrams', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnft-derive-'));
    const file = join(dir, 'theta1.svg');
    const r = nnft('derive', 'Theta1', '--svg', file);
    expect(r.status).toBe(0);
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toBe(diagramsSvg('Theta1'));
  });

  it('an unknown name exits 2 with a clear message', () => {
    const r = nnft('derive', 'Theta2');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown quantity 'Theta2'");
    expect(r.stderr).toContain('V4, K1, Theta1');
  });
});

describe('term diagrams', () => {
  it('Θ¹: the five GMG diagrams (parts Theta1, K1, V, D, F), Ω split into its λ_W and C_W Θ pieces', () => {
    const ds = recursionDiagrams('Theta1');
    expect(ds.length).toBe(7);
    expect([...new Set(ds.map((d) => d.part))]).toEqual(['Theta1', 'K1', 'V', 'D', 'F']);
    for (const d of ds) {
      // one layer-ℓ expectation vertex, two external inputs, legs σ(z_α1), σ(z_α2)
      expect(d.nodes.filter((n) => n.kind === 'expectation').length).toBe(1);
      expect(d.nodes.filter((n) => n.kind === 'external').map((n) => n.id)).toEqual(['a1', 'a2']);
      expect(d.edges.filter((e) => e.kind === 'leg').length).toBe(2);
      expect(d.graph.order).toBe(d.nodes.length);
      expect(d.graph.size).toBe(d.edges.length);
    }
    const v = ds.find((d) => d.part === 'V' && d.prefactor.includes('λ_W'))!;
    // V: a 4-index blob with all four legs on the expectation (∂⁴ of the σ product)
    expect(v.nodes.find((n) => n.kind === 'tensor')!.label).toBe('V');
    expect(v.edges.filter((e) => e.label === 'V' && e.target === 'E1').length).toBe(4);
    const k1 = ds.find((d) => d.part === 'K1' && d.prefactor.includes('λ_W'))!;
    expect(k1.edges.filter((e) => e.label === 'K1')).toEqual([{ source: 'E1', target: 'E1', kind: 'propagator', label: 'K1' }]);
  });

  it('V4 χ-term: two expectation vertices joined by V', () => {
    const chi = recursionDiagrams('V4').filter((d) => d.part === 'chi');
    expect(chi.length).toBe(1);
    expect(chi[0]!.nodes.filter((n) => n.kind === 'expectation').length).toBe(2);
    const vEdges = chi[0]!.edges.filter((e) => e.label === 'V');
    expect(vEdges.map((e) => e.target).sort()).toEqual(['E1', 'E1', 'E2', 'E2']);
  });

  it('SVG is deterministic', () => {
    expect(diagramsSvg('A')).toBe(diagramsSvg('A'));
  });
});
