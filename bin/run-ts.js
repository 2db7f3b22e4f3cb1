#!/usr/bin/env node
// Run a TypeScript file of this package (examples, benchmarks): node bin/run-ts.js <file.ts> [args...]
// Exit codes as for `nnft`: 2 and one line on stderr for a bad argument (or a result that cannot be
// delivered to its tolerance), 0 after --help, 1 and a short message for an internal error (the stack
// trace only with NNFT_DEBUG=1).
import { register } from 'tsx/esm/api';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

register();
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bin/run-ts.js <file.ts> [args...]\n');
  process.exit(2);
}
if (!existsSync(file)) {
  process.stderr.write(`run-ts: no such file: ${file}\n`);
  process.exit(2);
}
process.argv.splice(1, 1);
const name = path.relative(process.cwd(), path.resolve(file));
const USER_ERRORS = new Set(['NnftInputError', 'NnftNumericalError', 'NnftResourceError']);

function fail(e) {
  if (e && e.name === 'HelpShown') process.exit(0);
  const debug = process.env.NNFT_DEBUG === '1';
  if (debug && e && e.stack) process.stderr.write(`${e.stack}\n`);
  const message = String(e && e.message !== undefined ? e.message : e).split('\n').map((s) => s.trim()).filter(Boolean).join(' — ');
  if (e && USER_ERRORS.has(e.name)) {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${name}: internal error: ${e && e.name ? e.name : 'Error'}: ${message.slice(0, 300)}${debug ? '' : ' (NNFT_DEBUG=1 prints the stack trace)'}\n`);
  process.exit(1);
}
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

try {
  await import(pathToFileURL(path.resolve(file)).href);
} catch (e) {
  fail(e);
}
