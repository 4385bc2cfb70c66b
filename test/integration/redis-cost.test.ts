/** RedisCostCounters against a real Redis (127.0.0.1:6379): the shared conformance suite, then sharing across instances. */
import { describe, expect, it } from 'vitest';
import { redisPair, testPrefix } from '../helpers/redis.js';
import { MemoryCostCounters } from '../../src/core/cost/memory-cost-counters.js';
import { RedisCostCounters } from '../../src/runtime/stores/redis-cost-counters.js';
import { costConformance } from '../conformance/cost.case.js';

const { redis, other } = redisPair(); // `other`: a second "instance" on the same Redis
const prefix = testPrefix;
/** Deletes exactly these counters' keys (never FLUSH: the Redis is shared with other tests). */
const drop = async (c: RedisCostCounters) => void (await redis.del(...(await c.keys())));

costConformance('redis', () => {
  const store = new RedisCostCounters(redis, { prefix: prefix() });
  return { store, cleanup: () => drop(store) };
});

describe('RedisCostCounters across instances', () => {
  it('two instances adding concurrently agree with one memory counter to the nano-dollar', async () => {
    const p = prefix();
    const a = new RedisCostCounters(redis, { prefix: p });
    const b = new RedisCostCounters(other, { prefix: p });
    const m = new MemoryCostCounters();
    try {
      const adds: Promise<void>[] = [];
      for (let i = 0; i < 400; i++) {
        const usage = { inputTokens: 1000 + i, outputTokens: 3 * i, cacheWrite5mTokens: 0, cacheWrite1hTokens: i % 5, cacheReadTokens: 7 * i };
        const model = ['opus', 'sonnet', 'haiku'][i % 3]!;
        const cost = 3_000_000 + 15 * usage.outputTokens * 1_000;
        m.add(model, usage, cost);
        adds.push((i % 2 ? a : b).add(model, usage, cost));
      }
      await Promise.all(adds);
      expect(await b.totals()).toEqual(m.totals());
      expect(Object.keys((await a.totals()).byModel)).toEqual(['haiku', 'opus', 'sonnet']); // sorted
    } finally {
      await drop(a);
    }
  });
});
