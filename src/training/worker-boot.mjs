// Worker-thread bootstrap of the training ensemble: register tsx (TypeScript sources, no build step), then
// run the worker (Node 20 does not apply `execArgv: ['--import', 'tsx']` to worker entry points).
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
