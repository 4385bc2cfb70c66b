/**
 * Redis limiter against the real Redis on 127.0.0.1:6379: the shared conformance cases, key layout and
 * expiry, the store-down policies (a client pointed at a closed port, and a server that never answers), and
 * eight concurrent clients hammering one bucket, and eight booking places in line on one bucket. Every
 * limiter gets its own random key prefix and its keys
 * are deleted afterwards; nothing here flushes the database.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimiterConfig } from '../../src/core/limiter/index.js';
import { ErrorCode, HeadroomError } from '../../src/errors.js';
import { RedisLimiter } from '../../src/runtime/stores/redis-limiter.js';
import { limiterConformance } from '../conformance/limiter.case.js';
import { deadRedis, deleteKeys as deleteKeysMatching, scanKeys, withSilentRedis } from '../helpers/redis.js';

const one = { requests: 1, inputTokens: 0, outputTokens: 0 };
let redis: Redis;

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
});
afterAll(async () => {
  await redis.quit();
});

/** Deletes the keys of one limiter prefix. */
const deleteKeys = (prefix: string) => deleteKeysMatching(redis, `{hr:${prefix}:*`);

function limiterWithPrefix(config: LimiterConfig, client: Redis = redis) {
  const prefix = `test-${randomUUID()}`;
  return { prefix, limiter: new RedisLimiter(client, config, { prefix, onStoreDown: 'closed' }) };
}

limiterConformance('redis', async (config) => {
  const { prefix, limiter } = limiterWithPrefix(config);
  return { limiter, now: () => limiter.clockMs(), cleanup: () => deleteKeys(prefix) };
});

describe('redis limiter: keys', () => {
  it('keeps the buckets of one (model, tenant) in one hash under its hash tag, expiring once all would be full', async () => {
    const { prefix, limiter } = limiterWithPrefix({ models: { 'm:x': { rpm: 60, otpm: 6000 } }, margin: 1 });
    try {
      expect((await limiter.acquire('m:x', { requests: 1, inputTokens: 0, outputTokens: 600 }, 0, 't{1}')).granted).toBe(true);
      const key = `{hr:${prefix}:m%3Ax:t%7B1%7D}:buckets`;
      expect(await redis.keys(`{hr:${prefix}:*`)).toEqual([key]);
      const fields = await redis.hgetall(key);
      expect(Object.keys(fields).sort()).toEqual(['otpm', 'rpm', 't']);
      expect(Number(fields.rpm)).toBeGreaterThanOrEqual(59 * 60_000); // levels are in units of 1/60,000 token
      expect(Number(fields.rpm)).toBeLessThan(59.1 * 60_000);
      // otpm, the slower of the two, refills 600 tokens in 6,000 ms; expiry adds 1 s of slack.
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(6500);
      expect(ttl).toBeLessThanOrEqual(7000);
    } finally {
      await deleteKeys(prefix);
    }
  });

  it('keeps large token levels exact to the unit (Redis < 7 would round Lua numbers to 14 digits)', async () => {
    const capacity = 12_345_678_901; // × 60,000 units = 7.4e14: 15 digits once refill makes them non-round
    const { prefix, limiter } = limiterWithPrefix({ models: { big: { itpm: capacity } }, margin: 1 });
    try {
      const cost = { requests: 1, inputTokens: 1_000_000_000, outputTokens: 0 }; // refill cannot top it up in ms
      expect((await limiter.acquire('big', cost, 0)).granted).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
      expect((await limiter.acquire('big', cost, 0)).granted).toBe(true);
      const stored = (await redis.hget(`{hr:${prefix}:big:}:buckets`, 'itpm'))!;
      expect(stored).toMatch(/^\d{15}$/);
      // full − 2 costs + refill, and the refill must be a whole number of ms × capacity units.
      const refill = BigInt(stored) - (BigInt(capacity) * 60_000n - 2n * 1_000_000_000n * 60_000n);
      expect(refill > 0n).toBe(true);
      expect(refill % BigInt(capacity)).toBe(0n);
    } finally {
      await deleteKeys(prefix);
    }
  });
});

describe('redis limiter: compressed time', () => {
  it('runs its buckets on Redis TIME × timeScale, matching a runtime that compresses scenario time', async () => {
    const prefix = `test-${randomUUID()}`;
    const limiter = new RedisLimiter(redis, { models: { m: { rpm: 6 } }, margin: 1 }, { prefix, onStoreDown: 'closed', timeScale: 100 });
    try {
      for (let i = 0; i < 6; i++) expect((await limiter.acquire('m', one, 0)).granted).toBe(true);
      const d = await limiter.acquire('m', one, 0);
      if (d.granted) throw new Error('expected a denial');
      // One request per 10,000 scenario ms = 100 real ms; the drain took a few real ms (× 100 scenario ms).
      expect(d.retryAfterMs).toBeGreaterThan(5000);
      expect(d.retryAfterMs).toBeLessThanOrEqual(10_000);
      await new Promise((r) => setTimeout(r, d.retryAfterMs / 100 + 2));
      expect(await limiter.acquire('m', one, 0)).toEqual({ granted: true });
    } finally {
      await deleteKeys(prefix);
    }
  });
});

describe('redis limiter: store down', () => {
  const config = { models: { m: { rpm: 10 }, free: {}, small: { itpm: 100 } }, margin: 1 };
  const deadClient = deadRedis;

  it("'open' admits and counts; settlements are dropped and counted; levels still throw", async () => {
    const client = deadClient();
    const limiter = new RedisLimiter(client, config, { prefix: 'down', onStoreDown: 'open' });
    expect(await limiter.acquire('m', one, 0)).toEqual({ granted: true });
    expect(await limiter.acquire('m', one, 0)).toEqual({ granted: true });
    expect(limiter.storeDownGrants).toBe(2);
    await limiter.settle('m', one, one, 0);
    expect(limiter.storeDownSettles).toBe(1);
    await expect(limiter.levels('m', 0)).rejects.toMatchObject({ code: ErrorCode.redisUnavailable });
    client.disconnect();
  });

  it("'closed' throws HEADROOM_ERR_REDIS_UNAVAILABLE fast; decisions that need no Redis still answer", async () => {
    const client = deadClient();
    const limiter = new RedisLimiter(client, config, { prefix: 'down', onStoreDown: 'closed' });
    const started = performance.now();
    const err = await Promise.resolve(limiter.acquire('m', one, 0)).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(500);
    expect(err).toBeInstanceOf(HeadroomError);
    expect(err).toMatchObject({ code: ErrorCode.redisUnavailable, message: expect.stringMatching(/unavailable during acquire/) });
    await expect(limiter.settle('m', one, one, 0)).rejects.toMatchObject({ code: ErrorCode.redisUnavailable });
    expect(await limiter.acquire('free', one, 0)).toEqual({ granted: true });
    expect(await limiter.acquire('small', { requests: 1, inputTokens: 101, outputTokens: 0 }, 0)).toMatchObject({ reason: 'exceeds-capacity' });
    expect(limiter.storeDownGrants).toBe(0);
    client.disconnect();
  });

  it('does not hang on a server that accepts connections and never answers', async () => {
    await withSilentRedis(async (client) => {
      const limiter = new RedisLimiter(client, config, { prefix: 'mute', onStoreDown: 'closed', timeoutMs: 200 });
      const started = performance.now();
      await expect(limiter.acquire('m', one, 0)).rejects.toMatchObject({ message: expect.stringMatching(/within 200 ms/) });
      expect(performance.now() - started).toBeLessThan(1000);
      const open = new RedisLimiter(client, config, { prefix: 'mute', onStoreDown: 'open', timeoutMs: 200 });
      expect(await open.acquire('m', one, 0)).toEqual({ granted: true });
    });
  });
});

describe('redis limiter: concurrency', () => {
  it('8 clients hammering one bucket admit no more than capacity + refill over the elapsed Redis time', async () => {
    const prefix = `test-${randomUUID()}`;
    const config = { models: { m: { rpm: 50 } }, margin: 1 }; // capacity 50, refill one request per 1.2 s
    const clients = Array.from({ length: 8 }, () => new Redis({ host: '127.0.0.1', port: 6379 }));
    try {
      const limiters = clients.map((c) => new RedisLimiter(c, config, { prefix, onStoreDown: 'closed' }));
      const startMs = await limiters[0]!.clockMs();
      const deadline = performance.now() + 1500;
      let calls = 0;
      const counts = await Promise.all(
        limiters.map(async (l) => {
          let granted = 0;
          while (performance.now() < deadline) {
            calls++;
            if ((await l.acquire('m', one, 0)).granted) granted++;
          }
          return granted;
        }),
      );
      const elapsedMs = (await limiters[0]!.clockMs()) - startMs;
      const grants = counts.reduce((a, b) => a + b, 0);
      expect(calls).toBeGreaterThan(1000); // the bucket really was contended
      expect(grants).toBeGreaterThanOrEqual(50);
      expect(grants).toBeLessThanOrEqual(50 + (50 * elapsedMs) / 60_000 + 1);
    } finally {
      await deleteKeys(prefix);
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});

describe('redis limiter: places in line across clients', () => {
  it('8 clients reserving on one bucket book distinct places: the last booking is exactly capacity + refill away', async () => {
    const prefix = `test-${randomUUID()}`;
    const config = { models: { m: { rpm: 50 } }, margin: 1 }; // capacity 50, one request refilled per 1,200 ms
    const clients = Array.from({ length: 8 }, () => new Redis({ host: '127.0.0.1', port: 6379 }));
    try {
      const limiters = clients.map((c) => new RedisLimiter(c, config, { prefix, onStoreDown: 'closed' }));
      const startMs = await limiters[0]!.clockMs();
      const perClient = 100;
      const waits = await Promise.all(
        limiters.map(async (l) => {
          const w: number[] = [];
          for (let i = 0; i < perClient; i++) w.push((await l.reserve('m', one, 0)).waitMs);
          return w;
        }),
      );
      // The buckets' hash holds the time of the last booked admission ('t').
      const [key] = await scanKeys(redis, `{hr:${prefix}:*`);
      const lastMs = Number(await redis.hget(key!, 't'));
      const booked = 8 * perClient;
      // 800 places: 50 at once, then one per 1,200 ms refilled, so the last is 750 refills (900 s) after the
      // start: no place given twice (at most one over, as for acquire), none wasted (packed to the ms).
      const refills = ((lastMs - startMs) * 50) / 60_000;
      expect(booked).toBeLessThanOrEqual(50 + refills + 1);
      expect(booked).toBeGreaterThanOrEqual(50 + refills - 1);
      expect(waits.flat().filter((w) => w === 0)).toHaveLength(50);
      expect(Math.max(...waits.flat())).toBeGreaterThan(899_000);
    } finally {
      await deleteKeys(prefix);
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});
