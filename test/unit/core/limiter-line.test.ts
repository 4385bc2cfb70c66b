/**
 * The limiter's waiting line (core/limiter/line.ts): first come, first served; each waiter admitted
 * exactly when the buckets hold its cost; tokens given back by `settle` serve the line at once; a cost
 * that can never fit is refused; an asynchronous limiter (Redis-like) works the same.
 */
import { describe, expect, it } from 'vitest';
import { LimiterLine, MemoryLimiter, type LineAnswer, type LineWaiter } from '../../../src/core/limiter/index.js';
import type { Limiter } from '../../../src/core/limiter/types.js';
import { VirtualScheduler } from '../../../src/core/scheduler.js';
import type { LimitCost } from '../../../src/core/types.js';

const cost = (outputTokens: number, requests = 1): LimitCost => ({ requests, inputTokens: 0, outputTokens });

/** A waiter that records when it was admitted (virtual ms) and what it was told. */
function recorder(sched: VirtualScheduler) {
  const log: { id: number; atMs: number; answer: LineAnswer }[] = [];
  const waiter = (id: number): LineWaiter => ({
    admitted: (answer) => log.push({ id, atMs: sched.now(), answer }),
    failed: (err) => {
      throw err;
    },
  });
  return { log, waiter };
}

/** A line over a memory limiter with `limits` for model `m` (margin 1), on a fresh virtual clock, with a recorder. */
function memoryLine(limits: { rpm?: number; otpm?: number }) {
  const sched = new VirtualScheduler();
  const line = new LimiterLine(new MemoryLimiter({ models: { m: limits }, margin: 1 }), sched);
  return { sched, line, ...recorder(sched) };
}

/** Goes now when it can, else joins: what the pipeline does with `enter` and the `limit` effect. */
function ask(line: LimiterLine, sched: VirtualScheduler, w: LineWaiter, c: LimitCost): void {
  const now = line.enter('m', c, sched.now());
  if (now instanceof Promise) throw new Error('memory limiter answered with a promise');
  if (now === undefined) line.join('m', c, w, sched.now());
  else w.admitted(now);
}

describe('LimiterLine', () => {
  it('admits in arrival order, each at the first ms its cost fits (rpm 60: one a second after the burst)', () => {
    const { sched, line, log, waiter } = memoryLine({ rpm: 60 });
    for (let i = 0; i < 65; i++) ask(line, sched, waiter(i), cost(0));
    sched.run();
    expect(log.map((e) => e.id)).toEqual([...Array(65).keys()]);
    expect(log.slice(0, 60).every((e) => e.atMs === 0)).toBe(true);
    expect(log.slice(60).map((e) => e.atMs)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(log[64]!.answer).toEqual({ ok: true, waitedMs: 5000, binding: 'rpm' });
    expect(line.waiting('m')).toBe(0);
  });

  it('a newcomer queues behind those waiting even when the bucket could take its smaller cost', () => {
    const { sched, line, log, waiter } = memoryLine({ otpm: 6000 }); // 100 tokens/s
    ask(line, sched, waiter(0), cost(6000)); // empties the bucket
    ask(line, sched, waiter(1), cost(500)); // fits at 5 s
    sched.at(1000, () => ask(line, sched, waiter(2), cost(50))); // would fit at 1 s alone
    sched.run();
    expect(log.map((e) => [e.id, e.atMs])).toEqual([
      [0, 0],
      [1, 5000],
      [2, 5500],
    ]);
  });

  it('tokens given back by settle serve the line at once (200 waiters reserving 4,096 and using 260)', () => {
    // Reserve max_tokens, settle on what the call used 3 s later: the line must run on what is used.
    const sched = new VirtualScheduler();
    const limiter = new MemoryLimiter({ models: { m: { otpm: 90_000 } }, margin: 1 });
    const line = new LimiterLine(limiter, sched);
    const reserved = cost(4096);
    const used = cost(260);
    let last = 0;
    let admitted = 0;
    const waiter = (): LineWaiter => ({
      admitted: (a) => {
        expect(a.ok).toBe(true);
        admitted++;
        last = sched.now();
        sched.at(sched.now() + 3000, () => void line.settle('m', reserved, used, sched.now()));
      },
      failed: (err) => {
        throw err;
      },
    });
    for (let i = 0; i < 200; i++) ask(line, sched, waiter(), reserved);
    sched.run();
    expect(admitted).toBe(200);
    // 21 go at once; then each settle frees 3,836 tokens, almost a whole reservation, 3 s after its start:
    // about one wave of ~21 every 3 s (with refill), so ~30 s — not 486 s as when refunds were not reused.
    expect(last).toBeLessThan(40_000);
    expect(last).toBeGreaterThan(20_000);
    // And never more than the bucket allows: at every admission the bucket was debited by a full reservation.
    expect(limiter.levels('m', sched.now()).otpm!.level).toBeLessThanOrEqual(90_000);
  });

  it('refuses a cost that can never fit, then serves the next waiter', () => {
    const { sched, line, log, waiter } = memoryLine({ otpm: 6000 });
    expect(line.enter('m', cost(7000), 0)).toEqual({ ok: false, reason: 'exceeds-capacity', binding: 'otpm' });
    ask(line, sched, waiter(0), cost(6000));
    ask(line, sched, waiter(1), cost(7000)); // can never fit: refused at once
    ask(line, sched, waiter(2), cost(100));
    sched.run();
    expect(log.map((e) => [e.id, e.atMs, e.answer.ok])).toEqual([
      [0, 0, true],
      [1, 0, false],
      [2, 1000, true],
    ]);
  });

  it('refuses at once a cost that can never fit, even with calls waiting ahead of it', () => {
    const { sched, line, log, waiter } = memoryLine({ otpm: 6000 });
    ask(line, sched, waiter(0), cost(6000));
    ask(line, sched, waiter(1), cost(6000)); // waits 60 s
    ask(line, sched, waiter(2), cost(1_000_000));
    sched.run();
    expect(log.map((e) => [e.id, e.atMs, e.answer.ok])).toEqual([
      [0, 0, true],
      [2, 0, false],
      [1, 60_000, true],
    ]);
    expect(log[1]!.answer).toEqual({ ok: false, reason: 'exceeds-capacity', binding: 'otpm' });
  });

  it('names, for each wait, the bucket that held that call back (not the one that held the line before)', () => {
    const { sched, line, log, waiter } = memoryLine({ rpm: 2, otpm: 6000 });
    ask(line, sched, waiter(0), cost(0));
    ask(line, sched, waiter(1), cost(0));
    ask(line, sched, waiter(2), cost(0)); // rpm: waits 30 s
    sched.run();
    sched.at(200_000, () => {
      ask(line, sched, waiter(3), cost(6000));
      ask(line, sched, waiter(4), cost(6000)); // otpm: waits 60 s
    });
    sched.run();
    expect(log.map((e) => [e.id, e.answer.ok && e.answer.waitedMs, e.answer.ok && e.answer.binding])).toEqual([
      [0, 0, undefined],
      [1, 0, undefined],
      [2, 30_000, 'rpm'],
      [3, 0, undefined],
      [4, 60_000, 'otpm'],
    ]);
  });

  it('names the bucket that refused a call at enter when its later admission needed no refusal at the head', async () => {
    // A Redis-like limiter: `enter` is told no (itpm); by the time the line's own acquire answers, time
    // has passed and it is granted. The wait must still be put down to itpm.
    const sched = new VirtualScheduler();
    let asked = 0;
    const stub = {
      acquire: () => {
        if (asked++ === 0) return Promise.resolve({ granted: false as const, retryAfterMs: 5, binding: 'itpm' as const });
        return new Promise((resolve) => sched.at(5, () => resolve({ granted: true as const })));
      },
    } as unknown as Limiter;
    const line = new LimiterLine(stub, sched);
    expect(await line.enter('m', cost(1), 0)).toBeUndefined();
    const answer = new Promise<LineAnswer>((admitted, failed) => line.join('m', cost(1), { admitted, failed }, sched.now()));
    sched.run();
    expect(await answer).toEqual({ ok: true, waitedMs: 5, binding: 'itpm' });
  });

  it('works over a limiter that answers with promises (as Redis does), in the same order and at the same times', async () => {
    const sched = new VirtualScheduler();
    const mem = new MemoryLimiter({ models: { m: { rpm: 60 } }, margin: 1 });
    const later: Limiter = {
      acquire: (...a) => Promise.resolve(mem.acquire(...a)),
      reserve: (...a) => Promise.resolve(mem.reserve(...a)),
      settle: (...a) => Promise.resolve(mem.settle(...a)),
      levels: (...a) => Promise.resolve(mem.levels(...a)),
    } as Limiter;
    const line = new LimiterLine(later, sched);
    const log: [number, number][] = [];
    const bindings: (string | undefined)[] = [];
    const asks = [...Array(63).keys()].map(async (i) => {
      const now = await line.enter('m', cost(0), sched.now());
      if (now !== undefined) return log.push([i, sched.now()]);
      const a = await new Promise<LineAnswer>((admitted, failed) => line.join('m', cost(0), { admitted, failed }, sched.now()));
      if (a.ok) bindings.push(a.binding);
      log.push([i, sched.now()]);
    });
    // Let the promise callbacks run between virtual events.
    let done = false;
    const all = Promise.all(asks).then(() => (done = true));
    for (let i = 0; !done && i < 10_000; i++) {
      await new Promise((r) => setImmediate(r));
      if (sched.pending > 0) sched.step();
    }
    await all;
    expect(log.length).toBe(63);
    expect(log.filter(([, t]) => t === 0).length).toBe(60);
    expect(log.filter(([, t]) => t > 0).map(([, t]) => t)).toEqual([1000, 2000, 3000]);
    expect(bindings).toEqual(['rpm', 'rpm', 'rpm']);
  });
});
