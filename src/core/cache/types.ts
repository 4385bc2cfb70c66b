/**
 * The response cache contract: exact-match on a key (see `cacheKey`), a TTL, and LRU bounds on both
 * the entry count and the bytes held. `MemoryResponseCache` (synchronous) and `RedisResponseCache`
 * (shared by instances) keep to it; test/conformance/cache.case.ts checks both.
 *
 * Shared semantics:
 * - An entry lives `ttlMs` from its last `set`; reading it does not extend that (a hit refreshes only
 *   its LRU recency), so a cached answer is never older than the TTL.
 * - A `get` that finds an expired entry removes it and counts both a miss and an expiry. Entries that
 *   expire unread stay counted in `entries`/`bytes` until a read or an eviction removes them (lazy,
 *   like Redis itself); they are the first to be evicted once unread long enough to be least recent.
 * - A `set` evicts least recently used entries until both `maxEntries` and `maxBytes` hold; a value
 *   larger than `maxBytes` on its own is not stored (and replaces nothing but the stale value of its key).
 * - `sizeBytes` is the caller's measure (e.g. UTF-8 length of the response) and must be an integer ≥ 0.
 */
import type { MaybePromise } from '../types.js';

/** Mirrors the scenario's `cache` section with units resolved. */
export interface CacheConfig {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
}

export interface CacheStats {
  hits: number;
  /** Every `get` that returned nothing, expired entries included. */
  misses: number;
  /** Misses that found an expired entry (a subset of `misses`). */
  expired: number;
  /** Entries removed to keep within `maxEntries` / `maxBytes`. */
  evictions: number;
  entries: number;
  bytes: number;
}

/**
 * Exact-match response cache. Memory answers synchronously, Redis with promises.
 *
 * @example
 * const key = cacheKey(model, prompt);
 * const hit = await cache.get(key, now);
 * if (hit === undefined) await cache.set(key, answer, byteLength(answer), now);
 */
export interface ResponseCache<V> {
  /** The value, or undefined on a miss; expired → miss + counted as expiry, entry removed; a hit refreshes LRU recency (not the TTL). */
  get(key: string, nowMs: number): MaybePromise<V | undefined>;
  /** Stores or replaces the value with a fresh TTL, then evicts LRU until within maxEntries and maxBytes. */
  set(key: string, value: V, sizeBytes: number, nowMs: number): MaybePromise<void>;
  stats(): MaybePromise<CacheStats>;
}

/** Throws `RangeError` unless `sizeBytes` is a safe integer ≥ 0 (Redis counts bytes with HINCRBY). */
export function checkSize(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new RangeError(`cache: sizeBytes must be an integer ≥ 0, got ${sizeBytes}`);
}
