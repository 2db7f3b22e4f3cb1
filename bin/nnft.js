#!/usr/bin/env node
// The `nnft` command. Sources are TypeScript; tsx compiles them on the fly (cached), so a checkout
// works right after `npm install` with no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
