/**
 * Pure token-bucket arithmetic shared by the memory limiter and (mirrored in Lua) the Redis limiter.
 *
 * Exactness: levels are kept in units of 1/60,000 token. A bucket of integer capacity C tokens then holds
 * C × 60,000 units and refills exactly C units per ms, so with integer ms timestamps and integer costs every
 * quantity is an integer below 2^53 and all arithmetic is exact in doubles (and in Lua 5.1 numbers). That is
 * what lets `retryAfterMs` be exact rather than "about right": at now + retryAfterMs the bucket holds the
 * cost, one ms earlier it does not. Fractional timestamps are floored to whole ms, which keeps the promise
 * for callers on a continuous virtual clock (floor(t + k) = floor(t) + k for integer k).
 */
import type { Binding, LimiterConfig, ModelLimits } from './types.js';
import { BINDINGS } from './types.js';

/** Bucket units per token: one minute in ms, so a capacity of C tokens refills C units per ms. */
export const UNITS_PER_TOKEN = 60_000;

/** One limited bucket kind of a model, precomputed from the configuration. */
export interface BucketSpec {
  kind: Binding;
  /** floor(margin × limit), in tokens; ≥ 1. */
  capacity: number;
}

/** A model's limited buckets in BINDINGS order (empty for an unlimited model). */
export interface ModelSpec {
  model: string;
  buckets: readonly BucketSpec[];
}

/**
 * floor(margin × limit), tolerant of binary rounding: 0.29 × 100 is 28.999999999999996 in doubles. The
 * product's relative error is below 2.3e-16, so a factor 1 + 1e-15 lifts such values back over the integer
 * they were meant to be without ever adding a whole token to a real capacity (limits far below 1e15).
 */
export function bucketCapacity(limit: number, margin: number): number {
  return Math.floor(margin * limit * (1 + 1e-15));
}

/**
 * Validates the configuration and precomputes each model's buckets. Throws a plain Error: a bad limiter
 * configuration is a programming or scenario-validation bug, not a runtime condition.
 */
export function compileConfig(config: LimiterConfig): Map<string, ModelSpec> {
  const { margin } = config;
  if (!(Number.isFinite(margin) && margin > 0)) throw new Error(`limiter: margin must be a positive number, got ${margin}`);
  const specs = new Map<string, ModelSpec>();
  for (const [model, limits] of Object.entries(config.models)) {
    const buckets: BucketSpec[] = [];
    for (const kind of BINDINGS) {
      const limit = (limits as ModelLimits)[kind];
      if (limit === undefined) continue;
      if (!(Number.isFinite(limit) && limit > 0)) throw new Error(`limiter: ${model}.${kind} must be a positive number, got ${limit}`);
      const capacity = bucketCapacity(limit, margin);
      if (capacity < 1) {
        throw new Error(`limiter: ${model}.${kind} = ${limit} × margin ${margin} leaves a bucket of less than one token; raise the limit or the margin`);
      }
      buckets.push({ kind, capacity });
    }
    specs.set(model, { model, buckets });
  }
  return specs;
}

/** Floors a caller's timestamp to the whole ms the buckets run on. */
export function toTick(nowMs: number): number {
  return Math.floor(nowMs);
}

/**
 * Level of a bucket `elapsedMs` after it held `levelUnits`: continuous refill at `ratePerMs` units (= the
 * capacity in tokens), never above `fullUnits`. A zero or negative elapsed time (an out-of-order caller)
 * refills nothing. Unlimited buckets are represented as rate 0, level = full = Infinity, which passes every
 * check without a branch.
 */
export function refilled(levelUnits: number, elapsedMs: number, ratePerMs: number, fullUnits: number): number {
  if (elapsedMs <= 0) return levelUnits;
  const level = levelUnits + elapsedMs * ratePerMs;
  return level < fullUnits ? level : fullUnits;
}

/**
 * Whole ms until a bucket refilling `capacity` units per ms gains `needUnits` (> 0): the smallest integer k
 * with k × capacity ≥ needUnits. The float quotient is correctly rounded, so ceil() can be off by one only
 * when the quotient lands within an ulp of an integer (operands near 2^52); the exact integer checks fix it.
 */
export function waitMs(needUnits: number, capacity: number): number {
  let k = Math.ceil(needUnits / capacity);
  if ((k - 1) * capacity >= needUnits) k -= 1;
  else if (k * capacity < needUnits) k += 1;
  return k;
}

/** ms until a bucket at `levelUnits` is full again (for key expiry: a missing bucket reads as full). */
export function msUntilFull(levelUnits: number, capacity: number): number {
  const missing = capacity * UNITS_PER_TOKEN - levelUnits;
  return missing <= 0 ? 0 : waitMs(missing, capacity);
}

/** The cost a request puts on one bucket kind, in tokens. */
export function costOf(kind: Binding, cost: { requests: number; inputTokens: number; outputTokens: number }): number {
  return kind === 'rpm' ? cost.requests : kind === 'itpm' ? cost.inputTokens : cost.outputTokens;
}

/** Costs must be non-negative finite numbers: a negative one would credit the bucket, NaN would never compare. */
export function assertCost(c0: number, c1: number, c2: number): void {
  if (!(c0 >= 0 && c1 >= 0 && c2 >= 0 && c0 < Infinity && c1 < Infinity && c2 < Infinity)) {
    throw new Error(`limiter: costs must be non-negative finite numbers, got requests=${c0} inputTokens=${c1} outputTokens=${c2}`);
  }
}
