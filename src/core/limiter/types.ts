/**
 * The rate-limiter contract shared by the in-memory limiter (simulator, single-instance runtime) and the
 * Redis limiter (several runtime instances sharing one provider quota). One conformance suite
 * (test/conformance/limiter.case.ts) runs against both, so they answer the same way by construction.
 *
 * Model: one token bucket per (model, tenant, kind) for the provider's requests/min, input tokens/min and
 * output tokens/min. Each bucket holds `capacity = floor(margin × limit)` and refills continuously at
 * `capacity / 60,000` per ms, the way Anthropic's buckets do (60 RPM behaves like one request a second,
 * not 60 at the top of the minute). A bucket starts full.
 */
import type { LimitCost, MaybePromise } from '../types.js';

/** A model's provider limits per minute. An absent field means that dimension is unlimited. */
export interface ModelLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Input tokens per minute (uncached input + cache writes, as Anthropic counts them). */
  itpm?: number;
  /** Output tokens per minute. */
  otpm?: number;
}

/** Limits per model name, and the share of each limit the limiter is allowed to use. */
export interface LimiterConfig {
  /** Every model the limiter may be asked about; asking about another one is a configuration bug (throws). */
  models: Record<string, ModelLimits>;
  /**
   * Admit up to `margin × limit` (e.g. 0.9 keeps 10 % headroom for clock skew between us and the provider
   * and for other clients of the same organisation). Capacities are floored to whole tokens so that all
   * bucket arithmetic stays in exact integers; a bucket that floors to 0 is rejected at construction.
   */
  margin: number;
}

/** Which bucket decided: requests, input tokens or output tokens per minute. */
export type Binding = 'rpm' | 'itpm' | 'otpm';

/** Bucket kinds in their fixed order; ties between buckets are reported in this order. */
export const BINDINGS: readonly Binding[] = Object.freeze(['rpm', 'itpm', 'otpm']);

/**
 * The answer to `acquire`.
 *
 * - `granted: true` — every bucket held enough and all were debited.
 * - denied with a finite `retryAfterMs` — exact, in whole ms: if nothing else touches these buckets the same
 *   request is granted at `now + retryAfterMs` and would still be denied at `now + retryAfterMs − 1`. It
 *   includes the wait for admissions booked ahead (`reserve`): a request is granted only when none is.
 *   `binding` is the bucket that needs the longest wait (see LimiterReservation when only the line does).
 * - denied with `reason: 'exceeds-capacity'` — the cost is larger than the bucket can ever hold, so waiting
 *   cannot help (`retryAfterMs` is `Infinity`); the caller must shrink the request or fail it.
 */
export type LimiterDecision =
  | { granted: true }
  | { granted: false; retryAfterMs: number; binding: Binding; reason?: undefined }
  | { granted: false; retryAfterMs: typeof Infinity; binding: Binding; reason: 'exceeds-capacity' };

/**
 * The answer to `reserve`: when the request may go, with its place in line held.
 *
 * - `waitMs: 0` — nothing is booked ahead and every bucket held enough: all were debited, go now.
 * - finite `waitMs > 0` — the admission is booked at `now + waitMs`: the earliest time at which, after
 *   every admission booked before it, all buckets hold its cost. The buckets are kept as they will be
 *   then (refilled to that time and debited), so their state may lie ahead of now; the request goes then
 *   without asking again. `waitMs` equals the `retryAfterMs` that `acquire` would answer at that moment,
 *   and later requests, whichever the method, queue behind it: first come, first served, each woken once,
 *   with no thundering herd of waiters retrying at the same instant. `binding` is the bucket that needs
 *   the longest wait, or, when only the line holds the request back, the one with the least headroom.
 * - `waitMs: Infinity` with `reason: 'exceeds-capacity'` — the cost can never fit; nothing was booked.
 *
 * A booked request that gives up before its time keeps its place spent (as a request sent and never
 * answered would): the limiter stays on the safe side of the provider's limit.
 */
export type LimiterReservation =
  | { waitMs: 0; binding?: undefined; reason?: undefined }
  | { waitMs: number; binding: Binding; reason?: undefined }
  | { waitMs: typeof Infinity; binding: Binding; reason: 'exceeds-capacity' };

/** A bucket's state for metrics and reports, in tokens (requests for `rpm`). */
export interface BucketLevel {
  /** Tokens available now; negative after an overrun was settled (the debt delays later requests). */
  level: number;
  /** `floor(margin × limit)`. */
  capacity: number;
}

/**
 * Reserve-then-settle rate limiting over token buckets.
 *
 * Callers reserve an estimate with `acquire` or `reserve` (e.g. input tokens counted from the prompt, output
 * tokens from `max_tokens`) and correct it with `settle` once the provider reports usage. `nowMs` is the caller's clock
 * (virtual in the simulator); it is floored to whole ms. The Redis limiter ignores it and uses Redis `TIME`,
 * the one clock every runtime instance shares. `tenant` absent or `''` means the model's shared buckets;
 * any other tenant gets buckets of its own with the same limits.
 *
 * Memory implementations answer synchronously (the simulator relies on it); Redis ones return promises.
 *
 * @example
 * const d = limiter.acquire('sonnet', { requests: 1, inputTokens: 1200, outputTokens: 1024 }, now);
 * if (d.granted) { … call the provider …; limiter.settle('sonnet', reserved, actual, later); }
 * else if (d.reason === 'exceeds-capacity') fail(); else retryAt(now + d.retryAfterMs);
 */
export interface Limiter {
  /** Checks all buckets of (model, tenant) and debits all or none. Throws on an unknown model. */
  acquire(model: string, cost: LimitCost, nowMs: number, tenant?: string): MaybePromise<LimiterDecision>;
  /**
   * Like `acquire`, but a request that does not fit now takes its place in line: all buckets are debited
   * at once and the answer says how long to wait before going (see LimiterReservation): for a caller
   * that cannot be woken early. The pipeline does not use it: its calls wait in a LimiterLine (line.ts)
   * over `acquire`, which also lets tokens given back by `settle` serve calls already waiting — a
   * booking fixes their start times when they arrive.
   */
  reserve(model: string, cost: LimitCost, nowMs: number, tenant?: string): MaybePromise<LimiterReservation>;
  /** Corrects a granted reservation by (actual − reserved) per bucket; balances may go negative so overruns delay later requests. */
  settle(model: string, reserved: LimitCost, actual: LimitCost, nowMs: number, tenant?: string): MaybePromise<void>;
  /** Current levels (for metrics/reports): per limited bucket {level, capacity}; `{}` for an unlimited model. */
  levels(model: string, nowMs: number, tenant?: string): MaybePromise<Partial<Record<Binding, BucketLevel>>>;
}
