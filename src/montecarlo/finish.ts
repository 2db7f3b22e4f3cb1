/** Finish any state (single run or merged shards) into its result. */
import { finishCorrelators, type CorrelatorResult } from './correlators.ts';
import { finishEnsemble, type McState } from './ensemble.ts';
import type { McResult } from './types.ts';

export async function finishState(state: McState): Promise<McResult | CorrelatorResult> {
  return state.kind === 'correlators' ? finishCorrelators(state) : finishEnsemble(state);
}
