/**
 * nnft public API (DESIGN §6). Each function returns plain data that serialises to the CLI's JSON.
 * Modules add their exports here as they land.
 */
export { NnftInputError } from './errors.ts';
export type { ArchitectureSpec, NormalizedSpec, ActivationSpec } from './spec.ts';
export { normalizeSpec } from './spec.ts';
