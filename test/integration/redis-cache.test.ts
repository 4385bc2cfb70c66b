/** RedisResponseCache against a real Redis (127.0.0.1:6379): the shared conformance suite, then sharing across instances. */
import { describe, expect, it } from 'vitest';
import { deleteKeys, redisPair, scanKeys, testPrefix } from '../helpers/redis.js';
import { cacheKey } from '../../src/core/cache/cache-key.js';
import { RedisResponseCache } from '../../src/runtime/stores/redis-cache.js';
import { cacheConformance } from '../conformance/cache.case.js';
import type { Answer } from '../conformance/cache.case.js';
import { realClock } from '../conformance/queue.case.js';

const { redis, other } = redisPair(); // `other`: a second "instance" on the same Redis
const prefix = testPrefix;

/** Deletes every key of one cache prefix (value keys are per entry). */
const drop = (p: string) => deleteKeys(redis, `{hr:${p}:c}:*`);

cacheConformance('redis', (config) => {
  const p = prefix();
  return { store: new RedisResponseCache<Answer>(redis, { prefix: p, config }), clock: realClock, cleanup: () => drop(p) };
});

describe('RedisResponseCache across instances', () => {
  const config = { ttlMs: 60_000, maxEntries: 50, maxBytes: 10_000 };

  it('a value set by instance B is a hit on instance A, and both see the same stats', async () => {
    const p = prefix();
    const a = new RedisResponseCache<Answer>(redis, { prefix: p, config });
    const b = new RedisResponseCache<Answer>(other, { prefix: p, config });
    try {
      const key = cacheKey('claude-haiku', 'What are your opening hours?');
      expect(await a.get(key, Date.now())).toBeUndefined();
      await b.set(key, { text: 'Nine to five.', outputTokens: 5 }, 13, Date.now());
      expect(await a.get(key, Date.now())).toEqual({ text: 'Nine to five.', outputTokens: 5 });
      expect(await b.stats()).toEqual(await a.stats());
      expect(await a.stats()).toEqual({ hits: 1, misses: 1, expired: 0, evictions: 0, entries: 1, bytes: 13 });
    } finally {
      await drop(p);
    }
  });

  it('keeps the bounds under concurrent sets from two instances', async () => {
    const p = prefix();
    const a = new RedisResponseCache<Answer>(redis, { prefix: p, config });
    const b = new RedisResponseCache<Answer>(other, { prefix: p, config });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).set(`k${i}`, { text: `${i}`, outputTokens: 1 }, 100 + (i % 150), Date.now())));
      const s = await a.stats();
      expect(s.entries).toBeLessThanOrEqual(50);
      expect(s.bytes).toBeLessThanOrEqual(10_000);
      expect(s.entries + s.evictions).toBe(200);
      // The bookkeeping matches what is really stored.
      const keys = await scanKeys(redis, `{hr:${p}:c}:v:*`);
      expect(keys.length).toBe(s.entries);
    } finally {
      await drop(p);
    }
  });
});
