// Worker-thread bootstrap: register tsx (TypeScript sources, no build step), then run the worker.
// (`execArgv: ['--import', 'tsx']` is not applied to worker entry points on Node 20, so we register here.)
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
