/**
 * The Gaussian expectations of a layer over three and four distinct inputs, computed before the evaluators run.
 *
 * The O(1/n) tensors of m inputs need, at every layer, ⟨σ_aσ_bσ_cσ_d⟩ for every 4-subset of inputs (V4), and for
 * the NTK tensors (A, B, D, F) up to eight such integrands per subset (⟨σσσσ⟩, ⟨σσσ′σ′⟩, …, ⟨σ′σ′σ′σ′⟩): O(m⁴)
 * three- and four-dimensional integrals, which dominate the solve. Here
 *  1. each evaluator of the layer is run once against a recording context (its expectations return 0 and are
 *     noted; the generated code does not branch on their values), which lists every expectation the layer needs;
 *  2. those over three or four distinct inputs are grouped by their subset of inputs, each subset a task whose
 *     integrands are computed in one pass over its quadrature nodes (LayerExpectationStore.batch,
 *     src/gaussian/lattice.ts), on the worker threads of ./parallel.ts or in this thread;
 *  3. the values go into the layer's memo, from which the evaluators then run as usual (an expectation that a
 *     task could not deliver — refused, or left by a failed worker — is computed there again and reports its
 *     error with the layer and quantity).
 * Tasks and their integrands are listed in a fixed order and each is computed by the same code whichever thread
 * takes it, so the numbers do not depend on the number of workers.
 */
import type { Activation } from '../src/activations/types.ts';
import { expectationKey, type LayerExpectationStore } from '../src/gaussian/index.ts';
import { smoothGroupExpectation } from '../src/gaussian/groups.ts';
import type { DerivFactor } from '../src/gaussian/types.ts';
import type { LayerEvaluator, RecursionContext } from '../src/recursion-contract.ts';

/** The integrands of one subset of inputs: patterns[p][i] = the derivative orders of σ at inputs[i]. */
export interface ExpectationTask {
  inputs: number[];
  patterns: number[][][];
  /** memo keys (expectationKey of the sorted factor list), one per pattern */
  keys: string[];
  /** rough relative cost (for progress and scheduling): 4-input tasks weigh more than 3-input ones */
  weight: number;
}

/** Distinct inputs of a sorted factor list. */
function distinctInputs(list: readonly DerivFactor[]): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) if (i === 0 || list[i]!.input !== list[i - 1]!.input) n++;
  return n;
}

/**
 * The expectations over ≥ 3 distinct inputs that the evaluators will ask for and the memo does not hold yet,
 * grouped by subset (see the module comment). Evaluators that throw here are left to throw again in the real run.
 */
export function collectTasks(evaluators: readonly LayerEvaluator[], ctx: RecursionContext, store: LayerExpectationStore, act: Activation): ExpectationTask[] {
  // a task needs three distinct inputs: with fewer there is nothing to collect (skips a recording pass per layer)
  if (ctx.m < 3) return [];
  const wanted = new Map<string, DerivFactor[]>();
  const record = (factors: readonly DerivFactor[]): number => {
    if (factors.length < 3) return 0;
    let sorted = true;
    for (let i = 1; i < factors.length && sorted; i++) {
      const a = factors[i - 1]!;
      const b = factors[i]!;
      if (a.input > b.input || (a.input === b.input && a.order > b.order)) sorted = false;
    }
    const list = sorted ? factors : [...factors].sort((x, y) => x.input - y.input || x.order - y.order);
    if (distinctInputs(list) < 3) return 0;
    const key = expectationKey(list);
    if (!wanted.has(key) && !store.has(key)) wanted.set(key, list.map((f) => ({ input: f.input, order: f.order })));
    return 0;
  };
  const recording: RecursionContext = {
    ...ctx,
    expect: record,
    // piecewise-linear σ: grouped expectations are closed forms of pairs (src/gaussian/pair.ts), nothing to prefetch
    expectGroups: act.kind === 'smooth' ? (groups) => smoothGroupExpectation(record, groups) : () => 0,
  };
  for (const ev of evaluators) {
    try {
      ev(recording);
    } catch {
      // the real run reports it
    }
  }
  // group by subset, in a fixed order
  const bySubset = new Map<string, ExpectationTask>();
  for (const key of [...wanted.keys()].sort()) {
    const list = wanted.get(key)!;
    const inputs: number[] = [];
    const orders: number[][] = [];
    for (const f of list) {
      if (inputs[inputs.length - 1] !== f.input) {
        inputs.push(f.input);
        orders.push([]);
      }
      orders[orders.length - 1]!.push(f.order);
    }
    const code = inputs.join(',');
    let t = bySubset.get(code);
    if (!t) bySubset.set(code, (t = { inputs, patterns: [], keys: [], weight: inputs.length >= 4 ? 8 : 1 }));
    t.patterns.push(orders);
    t.keys.push(key);
  }
  return [...bySubset.values()];
}

/**
 * Compute tasks in this thread and put their finite values into the memo; tick(weight) after each chunk of tasks.
 * A chunk goes to the store at once (store.batchMany: subsets that share a quadrature rule in one pass); when it
 * throws, its tasks are computed one by one, and those that throw again are left to the evaluators.
 */
export function runTasksHere(tasks: readonly ExpectationTask[], store: LayerExpectationStore, tick?: (weight: number) => void): void {
  for (let c = 0; c < tasks.length; c += TASK_CHUNK) {
    const chunk = tasks.slice(c, c + TASK_CHUNK);
    const values = computeTasks(chunk, store);
    let weight = 0;
    chunk.forEach((t, i) => {
      const v = values[i];
      if (v) for (let p = 0; p < v.length; p++) if (Number.isFinite(v[p]!)) store.store(t.keys[p]!, v[p]!);
      weight += t.weight;
    });
    tick?.(weight);
  }
}

/** Tasks per store.batchMany call (a progress tick after each). */
export const TASK_CHUNK = 256;

/** Values of tasks by store.batchMany, task by task where that throws (undefined: the task throws). */
export function computeTasks(tasks: readonly { inputs: number[]; patterns: number[][][] }[], store: LayerExpectationStore): (Float64Array | undefined)[] {
  try {
    return store.batchMany(tasks);
  } catch {
    return tasks.map((t) => {
      try {
        return store.batch(t.inputs, t.patterns);
      } catch {
        // computed (and reported) again by the evaluator that needs it
        return undefined;
      }
    });
  }
}
