/**
 * One conformance suite for every `ResponseCache` (memory and Redis): the semantics documented in
 * src/core/cache/types.ts. TTL cases go through the harness clock — virtual for memory, real short
 * sleeps for Redis (whose `PX` expires keys on its own clock) — with TTLs of 50–100 ms and margins
 * of ≥ 20 ms either side so a busy machine does not flip a result.
 */
import { describe, expect, it } from 'vitest';
import type { CacheConfig, ResponseCache } from '../../src/core/cache/types.js';
import type { TestClock } from './queue.case.js';

export interface CacheHarness {
  store: ResponseCache<Answer>;
  clock: TestClock;
  cleanup(): Promise<void> | void;
}

export type CacheFactory = (config: CacheConfig) => Promise<CacheHarness> | CacheHarness;

export interface Answer {
  text: string;
  outputTokens: number;
}

const base: CacheConfig = { ttlMs: 60_000, maxEntries: 100, maxBytes: 1_000_000 };
const answer = (text: string): Answer => ({ text, outputTokens: text.length });

/** Registers the suite under `cache conformance: <name>`. */
export function cacheConformance(name: string, factory: CacheFactory): void {
  const withCache = async (config: Partial<CacheConfig>, fn: (h: CacheHarness) => Promise<void>) => {
    const h = await factory({ ...base, ...config });
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  };
  const present = async (c: ResponseCache<Answer>, now: number, keys: string[]) => {
    const out: string[] = [];
    for (const k of keys) if ((await c.get(k, now)) !== undefined) out.push(k);
    return out;
  };

  describe(`cache conformance: ${name}`, () => {
    it('misses, then hits what was set, and counts both', () =>
      withCache({}, async ({ store: c, clock }) => {
        expect(await c.get('k1', clock.now())).toBeUndefined();
        await c.set('k1', answer('hello'), 5, clock.now());
        expect(await c.get('k1', clock.now())).toEqual(answer('hello'));
        expect(await c.get('k1', clock.now())).toEqual(answer('hello'));
        expect(await c.stats()).toEqual({ hits: 2, misses: 1, expired: 0, evictions: 0, entries: 1, bytes: 5 });
      }));

    it('expires after the TTL: a miss counted as expiry, the entry removed', () =>
      withCache({ ttlMs: 50 }, async ({ store: c, clock }) => {
        await c.set('k1', answer('a'), 10, clock.now());
        await clock.sleep(80);
        expect(await c.get('k1', clock.now())).toBeUndefined();
        expect(await c.stats()).toEqual({ hits: 0, misses: 1, expired: 1, evictions: 0, entries: 0, bytes: 0 });
        expect(await c.get('k1', clock.now())).toBeUndefined(); // gone: a plain miss now
        expect(await c.stats()).toMatchObject({ misses: 2, expired: 1 });
      }));

    it('a hit refreshes recency but not the TTL', () =>
      withCache({ ttlMs: 100 }, async ({ store: c, clock }) => {
        await c.set('k1', answer('a'), 1, clock.now());
        await clock.sleep(30);
        expect(await c.get('k1', clock.now())).toBeDefined();
        await clock.sleep(100); // 130 ms after the set, 100 after the hit
        expect(await c.get('k1', clock.now())).toBeUndefined();
        expect((await c.stats()).expired).toBe(1);
      }));

    it('a set replaces the value, its size and its TTL', () =>
      withCache({ ttlMs: 100 }, async ({ store: c, clock }) => {
        await c.set('k1', answer('old'), 10, clock.now());
        await clock.sleep(70);
        await c.set('k1', answer('new'), 30, clock.now());
        expect(await c.stats()).toMatchObject({ entries: 1, bytes: 30 });
        await clock.sleep(60); // 130 ms after the first set, 60 after the second
        expect(await c.get('k1', clock.now())).toEqual(answer('new'));
      }));

    it('evicts the least recently used entry beyond maxEntries', () =>
      withCache({ maxEntries: 3 }, async ({ store: c, clock }) => {
        for (const k of ['a', 'b', 'c']) await c.set(k, answer(k), 1, clock.now());
        await c.get('a', clock.now()); // a is now more recent than b
        await c.set('d', answer('d'), 1, clock.now());
        expect(await c.stats()).toMatchObject({ evictions: 1, entries: 3, bytes: 3 });
        expect(await present(c, clock.now(), ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
      }));

    it('evicts least recently used entries until within maxBytes', () =>
      withCache({ maxBytes: 100 }, async ({ store: c, clock }) => {
        for (const k of ['a', 'b', 'c']) await c.set(k, answer(k), 40, clock.now()); // a goes at c
        expect(await c.stats()).toMatchObject({ evictions: 1, entries: 2, bytes: 80 });
        await c.get('b', clock.now()); // c is now the least recent
        await c.set('d', answer('d'), 50, clock.now());
        expect(await c.stats()).toMatchObject({ evictions: 2, entries: 2, bytes: 90 });
        expect(await present(c, clock.now(), ['a', 'b', 'c', 'd'])).toEqual(['b', 'd']);
      }));

    it('does not store a value larger than maxBytes, and drops the stale value of its key', () =>
      withCache({ maxBytes: 100 }, async ({ store: c, clock }) => {
        await c.set('a', answer('a'), 10, clock.now());
        await c.set('b', answer('b'), 10, clock.now());
        await c.set('big', answer('big'), 101, clock.now());
        await c.set('a', answer('a2'), 500, clock.now());
        expect(await c.stats()).toMatchObject({ evictions: 0, entries: 1, bytes: 10 });
        expect(await present(c, clock.now(), ['a', 'b', 'big'])).toEqual(['b']);
      }));

    it('evicts an entry that expired unread like any other least recent entry', () =>
      withCache({ ttlMs: 50, maxEntries: 1 }, async ({ store: c, clock }) => {
        await c.set('a', answer('a'), 1, clock.now());
        await clock.sleep(80);
        await c.set('b', answer('b'), 1, clock.now());
        expect(await c.stats()).toEqual({ hits: 0, misses: 0, expired: 0, evictions: 1, entries: 1, bytes: 1 });
      }));

    it('rejects a size that is not an integer ≥ 0', () =>
      withCache({}, async ({ store: c, clock }) => {
        await expect(async () => c.set('a', answer('a'), 1.5, clock.now())).rejects.toThrow(RangeError);
        await expect(async () => c.set('a', answer('a'), -1, clock.now())).rejects.toThrow(RangeError);
        expect((await c.stats()).entries).toBe(0);
      }));
  });
}
