#!/usr/bin/env node
// Compares two directories written by test/golden/record-outputs.sh: every JSON file number by number
// (largest absolute and relative difference; wall-clock fields ignored), every other text file for equality.
//   node test/golden/compare-outputs.mjs BEFORE AFTER [--tol 1e-12]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const [before, after] = process.argv.slice(2);
const tolArg = process.argv.indexOf('--tol');
const tol = tolArg > 0 ? Number(process.argv[tolArg + 1]) : 1e-12;
if (!before || !after) {
  console.error('usage: compare-outputs.mjs BEFORE AFTER [--tol 1e-12]');
  process.exit(2);
}
// wall-clock fields, and `nnft derive --json`'s parts[].matchesDesign (removed: it compared the derivation with a
// hand-typed form that now lives in the test oracle, test/oracle/ibp-forms.ts)
const IGNORED = new Set(['seconds', 'netsPerSecond', 'workers', 'matchesDesign']);

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

let maxAbs = 0;
let maxRel = 0;
let where = '';
const problems = [];
function walk(a, b, path, file) {
  if (typeof a === 'number' && typeof b === 'number') {
    const d = Math.abs(a - b);
    const r = d / Math.max(Math.abs(a), Math.abs(b), 1e-300);
    if (d > maxAbs) {
      maxAbs = d;
      where = `${file}:${path}`;
    }
    if (d > 0) maxRel = Math.max(maxRel, r);
    if (d > tol * Math.max(1, Math.abs(a))) problems.push(`${file}:${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) problems.push(`${file}:${path}: length ${a.length} vs ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`, file);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (IGNORED.has(k)) continue;
      if (!(k in a) || !(k in b)) problems.push(`${file}:${path}.${k}: only in ${k in a ? 'before' : 'after'}`);
      else walk(a[k], b[k], `${path}.${k}`, file);
    }
    return;
  }
  if (a !== b) problems.push(`${file}:${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

const fa = files(before).map((p) => relative(before, p)).sort();
const fb = new Set(files(after).map((p) => relative(after, p)));
let compared = 0;
const textDiffers = [];
for (const f of fa) {
  if (!fb.has(f)) {
    problems.push(`${f}: missing after`);
    continue;
  }
  const ta = readFileSync(join(before, f), 'utf8');
  const tb = readFileSync(join(after, f), 'utf8');
  compared++;
  if (f.endsWith('.json')) walk(JSON.parse(ta), JSON.parse(tb), '', f);
  else if (ta !== tb) textDiffers.push(f);
}
console.log(`${compared} files compared; largest |difference| ${maxAbs.toExponential(3)}${where ? ` at ${where}` : ''}; largest relative ${maxRel.toExponential(3)}`);
if (textDiffers.length) console.log(`text files that differ (not numbers): ${textDiffers.join(', ')}`);
if (problems.length) {
  console.log(`${problems.length} differences beyond ${tol} (relative to max(1, |x|)) or in structure/strings:`);
  for (const p of problems.slice(0, 40)) console.log(`  ${p}`);
  process.exit(1);
}
