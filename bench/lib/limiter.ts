/**
 * Limiter measurements, shared by bench/limiter.ts and bench/core.ts.
 *
 * - memory: `MemoryLimiter.acquire` on a virtual clock advancing 1 ms per 64 calls. `shared`: one
 *   model's shared buckets, limits far above what the loop consumes, so every call is granted (the
 *   simulator's hot path); `tenants`: 100 named tenants (a second Map lookup); `denied`: a 600 RPM
 *   limit, so nearly every call is denied (a decision object per denial).
 * - redis: `RedisLimiter.acquire` from one process, `inFlight` calls in flight on one auto-pipelining
 *   connection, limits high enough that all are granted.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryLimiter } from '../../src/core/limiter/index.js';
import type { LimiterConfig } from '../../src/core/limiter/index.js';
import type { LimitCost } from '../../src/core/types.js';
import { RedisLimiter } from '../../src/runtime/stores/redis-limiter.js';
import { bestRate } from './measure.js';

// Limits far above what the loop can consume, so the timed paths are the ones named.
const ROOMY: LimiterConfig = { models: { m: { rpm: 1e8, itpm: 1e10, otpm: 1e9 } }, margin: 0.9 };
const COST: LimitCost = { requests: 1, inputTokens: 1200, outputTokens: 400 };
const TENANTS = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);

export type MemoryCase = 'shared' | 'tenants' | 'denied';

/** Best acquisitions/s of `rounds` rounds of `roundMs` (after a warm-up round). */
export function memoryAcquireRate(kind: MemoryCase, opts: { rounds: number; roundMs: number }): number {
  const shared = new MemoryLimiter(ROOMY);
  const tight = new MemoryLimiter({ models: { m: { rpm: 600 } }, margin: 1 }); // 10 grants/s
  // Each batch starts at virtual ms `start`; the clock then advances 1 ms per 64 calls (1,024 when denied).
  const batches: Record<MemoryCase, (start: number, n: number) => number> = {
    shared: (start, n) => {
      let granted = 0;
      for (let i = 0; i < n; i++) if (shared.acquire('m', COST, start + (i >>> 6)).granted) granted++;
      return granted;
    },
    tenants: (start, n) => {
      let granted = 0;
      for (let i = 0; i < n; i++) if (shared.acquire('m', COST, start + (i >>> 6), TENANTS[i % 100]).granted) granted++;
      return granted;
    },
    denied: (start, n) => {
      let granted = 0;
      for (let i = 0; i < n; i++) if (tight.acquire('m', COST, start + (i >>> 10)).granted) granted++;
      return granted;
    },
  };
  return bestRate(batches[kind], { ...opts, batch: 1 << 18 });
}

export interface RedisRate {
  opsPerS: number;
  /** Acquisitions denied: should be 0 (the limits are meant to be out of reach). */
  denied: number;
}

/** Acquisitions/s through the Redis limiter from this process, for `seconds`, `inFlight` at a time. */
export async function redisAcquireRate(url: string, inFlight: number, seconds: number): Promise<RedisRate> {
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const prefix = `bench-${randomUUID()}`;
  const limiter = new RedisLimiter(redis, ROOMY, { prefix, onStoreDown: 'closed' });
  try {
    // Warm-up: loads the script (EVALSHA falls back to EVAL once) and opens the connection.
    await Promise.all(Array.from({ length: inFlight }, () => limiter.acquire('m', COST, 0)));
    let ops = 0;
    let denied = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          if (!(await limiter.acquire('m', COST, 0)).granted) denied++;
          ops++;
        }
      }),
    );
    return { opsPerS: ops / ((performance.now() - t0) / 1000), denied };
  } finally {
    const keys = await redis.keys(`{hr:${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}
