/**
 * `npm run bench`: runs every bench/*.bench.ts in turn (each prints its own table, with the reference
 * implementation it is compared against timed in the same run). `npm run bench -- diagrams` runs those
 * whose file name contains "diagrams".
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter))).sort();
for (const f of files) {
  console.log(`\n=== bench/${f} ===`);
  const mod = await import(pathToFileURL(join(here, f)).href);
  if (typeof mod.main === 'function') await mod.main();
}
