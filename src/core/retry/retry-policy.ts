/**
 * Retry with capped exponential backoff and full jitter (AWS Architecture Blog, "Exponential Backoff
 * and Jitter"): the delay before a retry is uniform in [0, min(maxDelay, baseDelay · 2^(attempt−1))).
 * Full jitter spreads the retries of clients that failed together (a 529 burst hits everyone at once),
 * so they do not come back as a synchronised wave.
 *
 * Randomness comes in as a seeded Rng and time as `elapsedMs`, so the simulator and the runtime
 * compute the same delays for the same seed.
 */
import type { Rng } from '../../scenario/rng.js';
import type { Scenario } from '../../scenario/schema.js';
import type { FailureKind } from '../types.js';

/** The scenario's `retry` section. */
export type RetryConfig = Scenario['retry'];

/**
 * Client errors: the request itself is wrong, so sending it again fails again and burns quota.
 * They are not FailureKinds (they say nothing about the provider's health) but a pipeline may still
 * ask, so the policy answers for them explicitly.
 * - 400 invalid request (malformed body, context window exceeded)
 * - 401 authentication (bad API key)
 * - 403 permission (key lacks access to the model)
 * - 404 not found (unknown model or endpoint)
 * - 413 request too large
 */
export const NON_RETRYABLE_KINDS = ['400', '401', '403', '404', '413'] as const;
export type ClientErrorKind = (typeof NON_RETRYABLE_KINDS)[number];

/** Every outcome the policy can be asked about. */
export type ErrorKind = FailureKind | ClientErrorKind;

/**
 * Failures worth retrying, because they are transient and say nothing against the request:
 * - 429 rate limited: capacity frees as the provider's bucket refills (retry-after says when)
 * - 529 overloaded: the provider sheds load for a while; a later attempt usually gets through
 * - 500 / 502 / 503 / 504: transient server or gateway errors
 * - timeout: the answer was slow, not wrong; the next attempt may land on a healthy replica
 * - connection: reset or refused before an answer; nothing was processed, so resending is safe
 * This is also the default of the scenario's `retry.retryOn`.
 */
export const RETRYABLE_KINDS: readonly FailureKind[] = ['429', '529', '500', '502', '503', '504', 'timeout', 'connection'];

/**
 * Decides whether and when to retry a failed provider call.
 *
 * @example
 * const policy = new RetryPolicy(scenario.retry);
 * const delayMs = policy.nextDelayMs(attempt, '529', nowMs - firstSentAtMs, rng, retryAfterMs);
 * if (delayMs === undefined) giveUp(); else yield sleep(delayMs);
 */
export class RetryPolicy {
  private readonly retryOn: ReadonlySet<string>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxElapsedMs: number;

  constructor(config: RetryConfig) {
    // Client errors never retry, whatever the config says: resending a bad request cannot succeed.
    this.retryOn = new Set<string>(config.retryOn.filter((k) => !(NON_RETRYABLE_KINDS as readonly string[]).includes(k)));
    this.maxAttempts = config.maxAttempts;
    this.baseDelayMs = config.baseDelay;
    this.maxDelayMs = config.maxDelay;
    this.maxElapsedMs = config.maxElapsed;
  }

  /** Whether `kind` is in the scenario's `retryOn` (client errors never are). */
  isRetryable(kind: ErrorKind): boolean {
    return this.retryOn.has(kind);
  }

  /** The jitter ceiling for the retry after `attempt`: min(maxDelay, baseDelay · 2^(attempt−1)). */
  capMs(attempt: number): number {
    // 2^(attempt−1) overflows to Infinity only past attempt 1025, and min() absorbs Infinity.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
  }

  /**
   * Delay before attempt `attempt + 1` (`attempt` is 1-based: the one that just failed), or undefined
   * to give up: attempts exhausted (`attempt ≥ maxAttempts`), kind not retryable, or
   * `elapsedMs + delay > maxElapsed`. A server's retry-after (ms) is a floor on the jittered delay,
   * even above maxDelay: retrying sooner than the server asked only earns another 429.
   *
   * Consumes exactly one `rng` draw when the kind is retryable and attempts remain, whatever the
   * retry-after: the draw count must not depend on headers, which differ between sim and live.
   */
  nextDelayMs(attempt: number, kind: ErrorKind, elapsedMs: number, rng: Rng, retryAfterMs?: number): number | undefined {
    if (attempt >= this.maxAttempts || !this.retryOn.has(kind)) return undefined;
    let delayMs = rng.next() * this.capMs(attempt);
    if (retryAfterMs !== undefined && retryAfterMs > delayMs) delayMs = retryAfterMs;
    return elapsedMs + delayMs > this.maxElapsedMs ? undefined : delayMs;
  }
}
