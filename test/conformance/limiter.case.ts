/**
 * The limiter conformance suite: every Limiter implementation (memory, Redis) runs these cases, the way
 * hono runs one router case file against all its routers. A harness either controls time (`advance`: the
 * exact-ms promises are checked to the ms) or does not (Redis, whose clock is `TIME`): then the cases use
 * short real waits and assert within a tolerance derived from the elapsed time and the refill rate.
 */
import { describe, expect, it } from 'vitest';
import type { Limiter, LimiterConfig } from '../../src/core/limiter/index.js';
import type { LimitCost } from '../../src/core/types.js';

export interface LimiterHarness {
  limiter: Limiter;
  /** The limiter's clock in ms (virtual, or Redis TIME). */
  now(): Promise<number> | number;
  /** Moves a virtual clock forward; absent when time is real. */
  advance?(ms: number): void;
  cleanup(): Promise<void>;
}
export type MakeLimiter = (config: LimiterConfig) => Promise<LimiterHarness>;

const cost = (requests: number, inputTokens = 0, outputTokens = 0): LimitCost => ({ requests, inputTokens, outputTokens });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function limiterConformance(name: string, makeLimiter: MakeLimiter): void {
  /** Runs `fn` against a fresh limiter and always cleans up (each Redis limiter has its own key prefix). */
  async function using(config: LimiterConfig, fn: (h: LimiterHarness, at: () => Promise<number>) => Promise<void>) {
    const h = await makeLimiter(config);
    try {
      await fn(h, async () => await h.now());
    } finally {
      await h.cleanup();
    }
  }

  describe(`limiter conformance: ${name}`, () => {
    it('grants up to capacity, then denies on the binding bucket', () =>
      using({ models: { m: { rpm: 10 } }, margin: 1 }, async (h, at) => {
        for (let i = 0; i < 10; i++) expect(await h.limiter.acquire('m', cost(1), await at())).toEqual({ granted: true });
        const d = await h.limiter.acquire('m', cost(1), await at());
        expect(d).toMatchObject({ granted: false, binding: 'rpm' });
        // 10 rpm refills one request per 6,000 ms; real time may have refilled a little since the first grant.
        if (!d.granted) expect(d.retryAfterMs).toBeGreaterThan(h.advance ? 5999 : 5000);
        if (!d.granted) expect(d.retryAfterMs).toBeLessThanOrEqual(6000);
      }));

    it('applies the margin to every limit', () =>
      using({ models: { m: { rpm: 100, otpm: 1000 } }, margin: 0.9 }, async (h, at) => {
        let granted = 0;
        while ((await h.limiter.acquire('m', cost(1), await at())).granted) granted++;
        expect(granted).toBe(90);
        const lv = await h.limiter.levels('m', await at());
        expect(lv.rpm?.capacity).toBe(90);
        expect(lv.otpm).toEqual({ level: 900, capacity: 900 });
      }));

    it('retryAfterMs is exact: granted after waiting it out, not before', () =>
      // 60,000 input tokens/min refill 1 token per ms, so a 30-token shortfall is a 30 ms wait.
      using({ models: { m: { itpm: 60_000 } }, margin: 1 }, async (h, at) => {
        const before = await at();
        expect((await h.limiter.acquire('m', cost(1, 60_000), before)).granted).toBe(true);
        const d = await h.limiter.acquire('m', cost(1, 30), await at());
        const after = await at();
        if (d.granted) throw new Error('expected a denial');
        expect(d.binding).toBe('itpm');
        if (h.advance) {
          expect(d.retryAfterMs).toBe(30);
          h.advance(d.retryAfterMs - 1);
          expect((await h.limiter.acquire('m', cost(1, 30), await at())).granted).toBe(false);
          h.advance(1);
          expect(await h.limiter.acquire('m', cost(1, 30), await at())).toEqual({ granted: true });
        } else {
          // Consistent with the rate: the bucket refilled 1 token per ms between the two calls, which both ran
          // within [before, after] on the limiter's clock.
          expect(d.retryAfterMs).toBeLessThanOrEqual(30);
          expect(d.retryAfterMs).toBeGreaterThanOrEqual(30 - (after - before));
          await sleep(d.retryAfterMs + 1);
          expect(await h.limiter.acquire('m', cost(1, 30), await at())).toEqual({ granted: true });
        }
      }));

    it('debits all buckets or none: an OTPM denial leaves RPM and ITPM untouched', () =>
      using({ models: { m: { rpm: 100, itpm: 100_000, otpm: 1000 } }, margin: 1 }, async (h, at) => {
        expect((await h.limiter.acquire('m', cost(1, 100, 900), await at())).granted).toBe(true);
        const before = await h.limiter.levels('m', await at());
        const d = await h.limiter.acquire('m', cost(1, 100, 500), await at());
        expect(d).toMatchObject({ granted: false, binding: 'otpm' });
        const after = await h.limiter.levels('m', await at());
        for (const k of ['rpm', 'itpm', 'otpm'] as const) {
          // Only refill may have happened in between: never a debit (rpm 1, itpm 100 would show).
          expect(after[k]!.level).toBeGreaterThanOrEqual(before[k]!.level);
          if (h.advance) expect(after[k]!.level).toBe(before[k]!.level);
        }
        expect(after.rpm!.level).toBeLessThan(99.5);
        expect(after.itpm!.level).toBeLessThan(99_900 + 80); // refill ~1.7 tokens/ms: < 50 ms passed
      }));

    it('settle with actual > reserved drives the balance negative and delays the next grant by the debt', () =>
      // 6,000 output tokens/min refill 0.1 token per ms.
      using({ models: { m: { otpm: 6000 } }, margin: 1 }, async (h, at) => {
        expect((await h.limiter.acquire('m', cost(1, 0, 1000), await at())).granted).toBe(true);
        await h.limiter.settle('m', cost(1, 0, 1000), cost(1, 0, 6500), await at());
        const level = (await h.limiter.levels('m', await at())).otpm!.level;
        expect(level).toBeGreaterThanOrEqual(-500);
        expect(level).toBeLessThan(-490);
        const d = await h.limiter.acquire('m', cost(1, 0, 100), await at());
        if (d.granted) throw new Error('expected a denial');
        expect(d.binding).toBe('otpm');
        if (h.advance) {
          expect(d.retryAfterMs).toBe(6000); // (100 − (−500)) / 0.1
          h.advance(5999);
          expect((await h.limiter.acquire('m', cost(1, 0, 100), await at())).granted).toBe(false);
          h.advance(1);
          expect((await h.limiter.acquire('m', cost(1, 0, 100), await at())).granted).toBe(true);
        } else {
          expect(d.retryAfterMs).toBeGreaterThan(5900);
          expect(d.retryAfterMs).toBeLessThanOrEqual(6000);
        }
      }));

    it('settle with actual < reserved refunds, never above capacity', () =>
      using({ models: { m: { otpm: 6000 } }, margin: 1 }, async (h, at) => {
        expect((await h.limiter.acquire('m', cost(1, 0, 6000), await at())).granted).toBe(true);
        await h.limiter.settle('m', cost(1, 0, 6000), cost(1, 0, 1000), await at());
        expect((await h.limiter.acquire('m', cost(1, 0, 5000), await at())).granted).toBe(true);
        await h.limiter.settle('m', cost(1, 0, 5000), cost(1, 0, 0), await at());
        await h.limiter.settle('m', cost(1, 0, 5000), cost(1, 0, 0), await at()); // a double refund caps
        expect((await h.limiter.levels('m', await at())).otpm).toEqual({ level: 6000, capacity: 6000 });
      }));

    it('always grants a model without limits, and dimensions without a limit', () =>
      using({ models: { free: {}, reqOnly: { rpm: 1000 } }, margin: 0.9 }, async (h, at) => {
        for (let i = 0; i < 200; i++) expect((await h.limiter.acquire('free', cost(1, 1e9, 1e9), await at())).granted).toBe(true);
        await h.limiter.settle('free', cost(1), cost(5, 1e9, 1e9), await at());
        expect(await h.limiter.levels('free', await at())).toEqual({});
        expect((await h.limiter.acquire('reqOnly', cost(1, 1e12, 1e12), await at())).granted).toBe(true);
        expect(Object.keys(await h.limiter.levels('reqOnly', await at()))).toEqual(['rpm']);
      }));

    it('answers exceeds-capacity for a cost the bucket can never hold', () =>
      using({ models: { m: { rpm: 100, itpm: 1000 } }, margin: 0.9 }, async (h, at) => {
        expect(await h.limiter.acquire('m', cost(1, 901), await at())).toEqual({
          granted: false, retryAfterMs: Infinity, binding: 'itpm', reason: 'exceeds-capacity',
        });
        expect((await h.limiter.levels('m', await at())).rpm!.level).toBe(90); // nothing debited
        expect((await h.limiter.acquire('m', cost(1, 900), await at())).granted).toBe(true);
      }));

    it('reserve goes at once while the buckets hold enough, debiting them like acquire', () =>
      using({ models: { m: { rpm: 3, itpm: 60_000 } }, margin: 1 }, async (h, at) => {
        expect(await h.limiter.reserve('m', cost(1, 1000), await at())).toEqual({ waitMs: 0 });
        const lv = await h.limiter.levels('m', await at());
        expect(lv.rpm!.level).toBeLessThanOrEqual(2.001); // 3 rpm refill 0.00005 requests per ms
        expect(lv.itpm!.level).toBeLessThan(59_000 + 100); // 1 token per ms: < 100 ms passed
      }));

    it('reserve holds places in line: waits grow by one refill each, and the debt holds back acquire too', () =>
      // 60 rpm: capacity 60, one request refilled per 1,000 ms.
      using({ models: { m: { rpm: 60 } }, margin: 1 }, async (h, at) => {
        for (let i = 0; i < 60; i++) expect((await h.limiter.reserve('m', cost(1), await at())).waitMs).toBe(0);
        const waits: number[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await h.limiter.reserve('m', cost(1), await at());
          expect(r.binding).toBe('rpm');
          waits.push(r.waitMs);
        }
        if (h.advance) expect(waits).toEqual([1000, 2000, 3000]);
        else {
          // Real time: each wait is one refill later than the one before, give or take the ms that passed.
          expect(waits[0]).toBeGreaterThan(900);
          expect(waits[0]).toBeLessThanOrEqual(1000);
          expect(Math.abs(waits[1]! - waits[0]! - 1000)).toBeLessThan(100);
          expect(Math.abs(waits[2]! - waits[1]! - 1000)).toBeLessThan(100);
        }
        // A request that would rather be told no waits behind the three places as well: one refill after the last.
        const d = await h.limiter.acquire('m', cost(1), await at());
        if (d.granted) throw new Error('expected a denial behind the reservations');
        if (h.advance) expect(d.retryAfterMs).toBe(4000);
        else expect(Math.abs(d.retryAfterMs - waits[2]! - 1000)).toBeLessThan(100);
      }));

    it('reserve waits exactly what acquire would say, and books the buckets as they will be then', () =>
      // 60,000 input tokens/min refill 1 token per ms.
      using({ models: { m: { itpm: 60_000 } }, margin: 1 }, async (h, at) => {
        expect((await h.limiter.reserve('m', cost(1, 60_000), await at())).waitMs).toBe(0);
        const asked = await h.limiter.acquire('m', cost(1, 30), await at());
        const r = await h.limiter.reserve('m', cost(1, 30), await at());
        expect(r.binding).toBe('itpm');
        if (asked.granted) throw new Error('expected a denial');
        if (!h.advance) {
          expect(r.waitMs).toBeGreaterThan(0);
          expect(r.waitMs).toBeLessThanOrEqual(asked.retryAfterMs);
          return;
        }
        expect(asked.retryAfterMs).toBe(30);
        expect(r.waitMs).toBe(30);
        // Booked: the 30 tokens that refill until then are this request's. One more token is one ms later.
        h.advance(r.waitMs);
        expect((await h.limiter.levels('m', await at())).itpm!.level).toBe(0);
        expect(await h.limiter.acquire('m', cost(1, 1), await at())).toMatchObject({ granted: false, retryAfterMs: 1 });
        h.advance(1);
        expect(await h.limiter.acquire('m', cost(1, 1), await at())).toEqual({ granted: true });
      }));

    it('a request held back only by the line waits for it, and names the bucket with the least headroom', () =>
      // itpm 60,000/min refills 1 token per ms; rpm 6,000 is far from binding.
      using({ models: { m: { rpm: 6000, itpm: 60_000 } }, margin: 1 }, async (h, at) => {
        expect((await h.limiter.reserve('m', cost(1, 60_000), await at())).waitMs).toBe(0);
        const first = await h.limiter.reserve('m', cost(1, 30), await at());
        const behind = await h.limiter.reserve('m', cost(1, 0), await at()); // needs no input tokens, only its turn
        expect(first.binding).toBe('itpm');
        expect(behind.binding).toBe('itpm');
        if (h.advance) expect([first.waitMs, behind.waitMs]).toEqual([30, 30]);
        else expect(behind.waitMs).toBeGreaterThanOrEqual(first.waitMs - 5);
      }));

    it('reserve of a cost the bucket can never hold debits nothing', () =>
      using({ models: { m: { rpm: 100, itpm: 1000 } }, margin: 0.9 }, async (h, at) => {
        expect(await h.limiter.reserve('m', cost(1, 901), await at())).toEqual({ waitMs: Infinity, binding: 'itpm', reason: 'exceeds-capacity' });
        const lv = await h.limiter.levels('m', await at());
        expect(lv.rpm!.level).toBe(90);
        expect(lv.itpm!.level).toBe(900);
      }));

    it('keeps separate buckets per tenant; no tenant and tenant "" share the model buckets', () =>
      using({ models: { m: { rpm: 2 } }, margin: 1 }, async (h, at) => {
        const drain = async (tenant?: string) => {
          let n = 0;
          while ((await h.limiter.acquire('m', cost(1), await at(), tenant)).granted) n++;
          return n;
        };
        expect(await drain('a')).toBe(2);
        expect(await drain('b')).toBe(2);
        expect(await drain('a:b')).toBe(2); // no key confusion between names containing separators
        expect(await drain(undefined)).toBe(2);
        expect(await drain('')).toBe(0);
        expect((await h.limiter.levels('m', await at(), 'c')).rpm).toEqual({ level: 2, capacity: 2 });
      }));

    it('throws on an unknown model', () =>
      using({ models: { m: { rpm: 1 } }, margin: 1 }, async (h, at) => {
        const t = await at();
        await expect(async () => h.limiter.acquire('nope', cost(1), t)).rejects.toThrow(/unknown model "nope"/);
        await expect(async () => h.limiter.reserve('nope', cost(1), t)).rejects.toThrow(/unknown model "nope"/);
        await expect(async () => h.limiter.settle('nope', cost(1), cost(1), t)).rejects.toThrow(/unknown model/);
        await expect(async () => h.limiter.levels('nope', t)).rejects.toThrow(/unknown model/);
      }));

    it('rejects configurations that cannot work', async () => {
      await expect(makeLimiter({ models: {}, margin: 0 })).rejects.toThrow(/margin/);
      await expect(makeLimiter({ models: { m: { rpm: -5 } }, margin: 1 })).rejects.toThrow(/m\.rpm/);
      await expect(makeLimiter({ models: { m: { rpm: 1 } }, margin: 0.9 })).rejects.toThrow(/less than one token/);
    });
  });
}
