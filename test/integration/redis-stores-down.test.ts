/**
 * The response cache, task queue and cost counters when Redis is down or stops answering: a clear
 * HEADROOM_ERR_REDIS_UNAVAILABLE naming the store and operation (the runtime answers it 503
 * store_unavailable), within the call timeout — not ioredis' own error (a 500) or a wait forever. The
 * limiter's own policies are tested in redis-limiter.test.ts and limiter-store-down.test.ts.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { RedisResponseCache } from '../../src/runtime/stores/redis-cache.js';
import { RedisCostCounters } from '../../src/runtime/stores/redis-cost-counters.js';
import { RedisTaskQueue } from '../../src/runtime/stores/redis-queue.js';
import { isScriptBug } from '../../src/runtime/stores/store-calls.js';
import { baseQueueConfig } from '../conformance/queue.case.js';
import { deadRedis, withSilentRedis } from '../helpers/redis.js';

const usage = { inputTokens: 10, outputTokens: 5, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
const cacheConfig = { ttlMs: 60_000, maxEntries: 10, maxBytes: 1_000_000 };

/** Every store operation that reaches Redis, on a client. */
function operations(client: Redis, timeoutMs?: number): [string, () => Promise<unknown>][] {
  const t = timeoutMs === undefined ? {} : { timeoutMs };
  const cache = new RedisResponseCache<string>(client, { prefix: 'down', config: cacheConfig, ...t });
  const counters = new RedisCostCounters(client, { prefix: 'down', ...t });
  const queue = new RedisTaskQueue<string>(client, { prefix: 'down', config: baseQueueConfig, ...t });
  return [
    ['response cache get', () => cache.get('k', 0)],
    ['response cache set', () => cache.set('k', 'v', 10, 0)],
    ['cost counters add', () => counters.add('m', usage, 100)],
    ['cost counters totals', () => counters.totals()],
    ['task queue push', () => queue.push('standard', 'x', 0)],
    ['task queue claim', () => queue.claim('c', 0)],
  ];
}

describe('redis stores: Redis unavailable', () => {
  it('a closed port: every operation fails fast with HEADROOM_ERR_REDIS_UNAVAILABLE naming the store', async () => {
    const client = deadRedis();
    try {
      for (const [what, op] of operations(client)) {
        const started = performance.now();
        const err = await op().then(() => undefined, (e: unknown) => e);
        expect(err, what).toMatchObject({ code: ErrorCode.redisUnavailable, message: expect.stringContaining(`${what.split(' ').slice(0, -1).join(' ')} (Redis) unavailable`) });
        expect(performance.now() - started, what).toBeLessThan(500);
      }
    } finally {
      client.disconnect();
    }
  });

  it('a server that accepts connections and never answers: every operation fails within its timeout', async () => {
    await withSilentRedis(async (client) => {
      for (const [what, op] of operations(client, 200)) {
        const started = performance.now();
        await expect(op(), what).rejects.toMatchObject({ code: ErrorCode.redisUnavailable, message: expect.stringMatching(/within 200 ms/) });
        expect(performance.now() - started, what).toBeLessThan(1000);
      }
    });
  });

  it("tells Redis' own conditions from our scripts' bugs, though Redis 7 suffixes both with the script location", () => {
    // As a Redis 7 server words them (seen on a maxmemory-full server and on a replica after failover).
    expect(isScriptBug(new Error("OOM command not allowed when used memory > 'maxmemory'. script: 1f2e, on @user_script:46."))).toBe(false);
    expect(isScriptBug(new Error("READONLY You can't write against a read only replica. script: 1f2e, on @user_script:46."))).toBe(false);
    expect(isScriptBug(new Error('ERR user_script:12: attempt to compare nil with number script: 1f2e, on @user_script:12.'))).toBe(true);
    expect(isScriptBug(new Error('Connection is closed.'))).toBe(false);
  });
});
