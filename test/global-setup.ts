/**
 * Runs once before the test files: builds the bundled `nnft` command (dist/nnft.js) from the current
 * sources, so every test that spawns bin/nnft.js runs this tree's code (bin/nnft.js would otherwise rebuild
 * a stale bundle itself, once per concurrent test process).
 */
// @ts-expect-error bin/build-cli.js is plain JavaScript without type declarations
import { buildCli } from '../bin/build-cli.js';

export default async function setup(): Promise<void> {
  await buildCli({ quiet: true });
}
