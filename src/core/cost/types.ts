/**
 * The cost counters contract: running totals of token usage, requests and cost per model, for
 * reports and budgets. `MemoryCostCounters` (synchronous) and `RedisCostCounters` (shared by runtime
 * instances) keep to it; test/conformance/cost.case.ts checks both.
 *
 * Every figure is an integer — tokens, requests and nano-dollars — so totals are exact whatever the
 * order of the adds, and the simulator and the runtime agree to the cent. Exactness holds while a
 * total stays below 2⁵³ (9·10¹⁵ nano-dollars ≈ $9M per model), where JavaScript numbers stop being
 * exact integers; Redis itself would count on to 2⁶³.
 */
import type { MaybePromise, Usage } from '../types.js';

/** Totals of one model. */
export type ModelTotals = Usage & { requests: number; costNanos: number };

export interface CostTotals {
  /** Per model name, for every model that has had at least one `add`. */
  byModel: Record<string, ModelTotals>;
}

/**
 * Running totals of usage and cost by model. Memory answers synchronously, Redis with promises.
 *
 * @example
 * await counters.add('sonnet', usage, costOf(usage));  // one request
 * const { byModel } = await counters.totals();
 */
export interface CostCounters {
  /** Counts one request of `model` with its usage and cost. Throws `RangeError` on a non-integer or negative figure. */
  add(model: string, usage: Usage, costNanos: number): MaybePromise<void>;
  /** A snapshot; mutating it does not change the counters. */
  totals(): MaybePromise<CostTotals>;
}

/** The usage fields in a fixed order (Redis hash fields, validation, summing). */
export const USAGE_FIELDS = ['inputTokens', 'outputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens'] as const satisfies readonly (keyof Usage)[];

const isCount = (v: number) => Number.isSafeInteger(v) && v >= 0;

/** Throws `RangeError` unless every usage figure and the cost are safe integers ≥ 0. */
export function checkAdd(model: string, usage: Usage, costNanos: number): void {
  // Fast path with named fields (the simulator adds once per call); the loop below finds the culprit.
  const u = usage;
  if (isCount(u.inputTokens) && isCount(u.outputTokens) && isCount(u.cacheWrite5mTokens) && isCount(u.cacheWrite1hTokens) && isCount(u.cacheReadTokens) && isCount(costNanos)) return;
  for (const f of USAGE_FIELDS) {
    const v = usage[f];
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`cost: ${model}: ${f} must be an integer ≥ 0, got ${v}`);
  }
  if (!Number.isSafeInteger(costNanos) || costNanos < 0) throw new RangeError(`cost: ${model}: costNanos must be an integer ≥ 0, got ${costNanos}`);
}

/**
 * Adds one billed call to per-model totals (creating the model's entry): the one place usage is summed,
 * for the cost counters, the simulator's recorder, the load tester and the cohort alike.
 */
export function addCharge(totals: { get(model: string): ModelTotals | undefined; set(model: string, t: ModelTotals): unknown }, model: string, usage: Usage, costNanos: number): void {
  let t = totals.get(model);
  if (t === undefined) {
    t = { requests: 0, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, costNanos: 0 };
    totals.set(model, t);
  }
  t.requests++;
  t.inputTokens += usage.inputTokens;
  t.outputTokens += usage.outputTokens;
  t.cacheWrite5mTokens += usage.cacheWrite5mTokens;
  t.cacheWrite1hTokens += usage.cacheWrite1hTokens;
  t.cacheReadTokens += usage.cacheReadTokens;
  t.costNanos += costNanos;
}
