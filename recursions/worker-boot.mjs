// Worker-thread bootstrap of the expectation workers (./parallel.ts): register tsx (TypeScript sources, no build
// step), then run the worker.
import { register } from 'tsx/esm/api';
register();
await import('./worker.ts');
