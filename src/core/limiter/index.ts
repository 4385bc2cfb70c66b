/**
 * Rate limiting over token buckets: the contract, the in-memory implementation, and the pure bucket
 * arithmetic that the Redis implementation (src/runtime/stores/redis-limiter.ts) mirrors in Lua.
 */
export type { Binding, BucketLevel, Limiter, LimiterConfig, LimiterDecision, LimiterReservation, ModelLimits } from './types.js';
export { BINDINGS } from './types.js';
export { MemoryLimiter } from './memory-limiter.js';
export { LimiterLine, type LineAnswer, type LineWaiter } from './line.js';
export type { BucketSpec, ModelSpec } from './token-bucket.js';
export { UNITS_PER_TOKEN, assertCost, bucketCapacity, compileConfig, costOf, msUntilFull, refilled, toTick, waitMs } from './token-bucket.js';
