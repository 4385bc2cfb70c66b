/**
 * Vocabulary shared by every core component. Leaf module of src/core: imports nothing.
 *
 * Conventions: times are `…AtMs` (ms on the scheduler's clock: virtual in the simulator, wall clock
 * in the runtime), durations `…Ms`; money is integer nano-dollars (`…Nanos`) so sums are exact and
 * the simulator and the runtime agree to the cent regardless of summation order.
 */

/** Memory stores answer synchronously (the simulator needs that); Redis stores asynchronously. */
export type MaybePromise<T> = T | Promise<T>;

/** Token usage of one provider call, as the Anthropic API reports it. */
export interface Usage {
  /** Uncached input tokens (excludes cache reads and writes). */
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 });

/** What a request costs against a model's rate limits (Anthropic semantics: ITPM counts uncached input + cache writes). */
export interface LimitCost {
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** Outcome classes of a provider call, for retry, breaker and router decisions. */
export type FailureKind = '429' | '529' | '500' | '502' | '503' | '504' | 'timeout' | 'connection';

export const NANOS_PER_USD = 1_000_000_000;
