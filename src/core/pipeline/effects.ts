/**
 * The effects the pipeline yields: what takes time. One generator serves two interpreters, the
 * simulator's (synchronous, virtual time) and the runtime's (async, wall clock, HTTP provider).
 *
 * - `sleep`, `call`, `slot` and `limit` may wait: the interpreter resumes the pipeline when they are done.
 * - Shared-state stores (response cache, limiter, cost counters; PipelineStores in deps.ts) are called
 *   directly. A memory store answers at once; a Redis store answers with a Promise, which the pipeline
 *   hands to its interpreter as an `await` effect (the virtual interpreter refuses one: the simulator
 *   runs on memory stores).
 *
 * Why stores are calls and not effects: a simulated day runs about six store operations per LLM call,
 * and a yield costs a generator resume per delegating frame plus an effect object; answering them
 * inline made a pipeline pass about 10 % faster (bench/core.ts) with the same decisions.
 * Pure decisions (routing, breaker, retry, pricing, context) are plain calls too.
 */
import type { LineAnswer } from '../limiter/line.js';
import type { ProviderRequest, ProviderResult } from '../provider-model.js';
import type { LimitCost } from '../types.js';
import type { SlotResult } from '../workers.js';

/** What the response cache stores for a turn. */
export interface CachedAnswer {
  model: string;
  outputTokens: number;
  /** The answer itself, when a real provider gave one (the runtime's pass-through returns it on a hit). */
  text?: string;
}

export type Effect =
  | { t: 'sleep'; ms: number }
  | { t: 'slot'; cls: string }
  /** Wait in the limiter's line for `model` (LimiterLine.join) until the buckets hold `cost`. */
  | { t: 'limit'; model: string; cost: LimitCost }
  | { t: 'call'; req: ProviderRequest }
  /** A store answered asynchronously; `what` names the operation for errors (e.g. "limiter.acquire"). */
  | { t: 'await'; promise: Promise<unknown>; what: string };

/** The value each effect resumes the generator with. */
export interface EffectResults {
  sleep: void;
  slot: SlotResult;
  limit: LineAnswer;
  call: ProviderResult;
  await: unknown;
}

export type Pipeline<R> = Generator<Effect, R, unknown>;
