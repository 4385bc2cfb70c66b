/**
 * One conformance suite for every `TaskQueue` (memory and Redis): the semantics documented in
 * src/core/queue/types.ts. Deadlines use the caller's `nowMs` in both implementations, so those
 * cases pass explicit times and never sleep; only reclaim (Redis measures idle time itself) uses
 * the harness clock, which is virtual for memory and real for Redis.
 */
import { describe, expect, it } from 'vitest';
import type { QueueConfig, TaskQueue } from '../../src/core/queue/types.js';

export interface TestClock {
  now(): number;
  /** Memory: advances the virtual clock. Redis: really sleeps (≤ 100 ms per call in these cases). */
  sleep(ms: number): Promise<void>;
}

/** The memory factories' clock: `sleep` advances virtual time instantly, so those runs never wait. */
export function virtualClock(startAtMs = 1_000_000): TestClock {
  let t = startAtMs;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

/** Real time for the Redis factories, whose idle times and TTLs run on Redis' clock. */
export const realClock: TestClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

export interface QueueHarness {
  store: TaskQueue<Job>;
  clock: TestClock;
  cleanup(): Promise<void> | void;
}

export type QueueFactory = (config: QueueConfig) => Promise<QueueHarness> | QueueHarness;

export interface Job {
  n: number;
  text?: string;
}

const classes = {
  interactive: { priority: 0, weight: 3, deadlineMs: 1_000 },
  standard: { priority: 1, weight: 1 },
  batch: { priority: 2, weight: 1, deadlineMs: 60_000 },
};
export const baseQueueConfig: QueueConfig = { depth: 100, timeoutMs: 10_000, discipline: 'strict', classes };

/** Registers the suite under `queue conformance: <name>`. */
export function queueConformance(name: string, factory: QueueFactory): void {
  const withQueue = async (config: Partial<QueueConfig>, fn: (h: QueueHarness) => Promise<void>) => {
    const h = await factory({ ...baseQueueConfig, ...config });
    try {
      await fn(h);
    } finally {
      await h.cleanup();
    }
  };
  const claimAll = async (q: TaskQueue<Job>, consumer: string, now: number) => {
    const out: string[] = [];
    for (let t = await q.claim(consumer, now); t; t = await q.claim(consumer, now)) out.push(`${t.cls}:${t.payload.n}`);
    return out;
  };

  describe(`queue conformance: ${name}`, () => {
    it('returns tasks FIFO within a class, with payload, class, id and times', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 5; n++) expect(await q.push('standard', { n, text: `job ${n}` }, t0 + n)).toMatchObject({ accepted: true });
        const first = await q.claim('w1', t0 + 10);
        expect(first).toMatchObject({ cls: 'standard', payload: { n: 0, text: 'job 0' }, enqueuedAtMs: t0, deadlineAtMs: t0 + 10_000 });
        expect(typeof first!.id).toBe('string');
        expect(await claimAll(q, 'w1', t0 + 10)).toEqual(['standard:1', 'standard:2', 'standard:3', 'standard:4']);
      }));

    it('keeps a caller-supplied id and uses the class deadline', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        expect(await q.push('interactive', { n: 1 }, t0, 'req-42')).toEqual({ accepted: true, id: 'req-42' });
        expect(await q.claim('w1', t0)).toMatchObject({ id: 'req-42', deadlineAtMs: t0 + 1_000 });
      }));

    it('serves strict priority: lower priority value first, whatever the push order', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        await q.push('batch', { n: 1 }, t0);
        await q.push('standard', { n: 2 }, t0);
        await q.push('interactive', { n: 3 }, t0);
        await q.push('standard', { n: 4 }, t0);
        expect(await claimAll(q, 'w1', t0)).toEqual(['interactive:3', 'standard:2', 'standard:4', 'batch:1']);
      }));

    it('splits weighted claims by weight (3:1:1 within ±1 per class over 250 claims)', () =>
      withQueue({ discipline: 'weighted', depth: 1000 }, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 200; n++) for (const cls of ['interactive', 'standard', 'batch']) await q.push(cls, { n }, t0);
        const got: Record<string, number> = { interactive: 0, standard: 0, batch: 0 };
        for (let i = 0; i < 250; i++) got[(await q.claim('w1', t0))!.cls]!++;
        // Smooth WRR is exact over whole rounds of Σweights = 5 claims: 150 / 50 / 50.
        expect(Math.abs(got.interactive! - 150)).toBeLessThanOrEqual(1);
        expect(Math.abs(got.standard! - 50)).toBeLessThanOrEqual(1);
        expect(Math.abs(got.batch! - 50)).toBeLessThanOrEqual(1);
        // Once interactive runs dry, the others share what is left 1:1 and nothing is skipped.
        const rest = await claimAll(q, 'w1', t0);
        expect(rest.length).toBe(600 - 250);
      }));

    it('interleaves weighted claims smoothly (no long runs of one class)', () =>
      withQueue({ discipline: 'weighted' }, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 10; n++) for (const cls of ['interactive', 'standard']) await q.push(cls, { n }, t0);
        const order = [];
        for (let i = 0; i < 8; i++) order.push((await q.claim('w1', t0))!.cls[0]);
        expect(order.join('')).toBe('iisiiisi'); // weights 3:1; ties go to the higher-priority class
      }));

    it('rejects with `full` once waiting tasks reach depth; pending tasks do not count', () =>
      withQueue({ depth: 3 }, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 3; n++) expect((await q.push('standard', { n }, t0)).accepted).toBe(true);
        expect(await q.push('interactive', { n: 3 }, t0)).toEqual({ accepted: false, reason: 'full', depth: 3 });
        await q.claim('w1', t0);
        expect((await q.push('interactive', { n: 4 }, t0)).accepted).toBe(true);
        expect(await q.stats()).toEqual({ pushed: 4, rejected: 1, claimed: 1, deadLettered: 0 });
      }));

    it('rejects everything at depth 0', () =>
      withQueue({ depth: 0 }, async ({ store: q, clock }) => {
        expect(await q.push('standard', { n: 1 }, clock.now())).toEqual({ accepted: false, reason: 'full', depth: 0 });
      }));

    it('rejects an unknown class with `unknown-class`', () =>
      withQueue({}, async ({ store: q, clock }) => {
        await q.push('standard', { n: 1 }, clock.now());
        expect(await q.push('vip', { n: 2 }, clock.now())).toEqual({ accepted: false, reason: 'unknown-class', depth: 1 });
        expect((await q.stats()).rejected).toBe(1);
        expect((await q.depth()).total).toBe(1);
      }));

    it('dead-letters expired tasks with the reason and never returns them', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        await q.push('interactive', { n: 1 }, t0); // deadline t0 + 1000 (class)
        await q.push('interactive', { n: 2 }, t0 + 500);
        await q.push('standard', { n: 3 }, t0); // deadline t0 + 10000 (queue timeout)
        expect((await q.claim('w1', t0 + 1_001))!.payload.n).toBe(2);
        expect(await q.claim('w1', t0 + 10_001)).toBeUndefined();
        const dead = await q.drainDeadLetters();
        expect(dead.map((d) => [d.task.payload.n, d.task.cls, d.reason, d.atMs, d.task.deadlineAtMs])).toEqual([
          [1, 'interactive', 'deadline', t0 + 1_001, t0 + 1_000],
          [3, 'standard', 'deadline', t0 + 10_001, t0 + 10_000],
        ]);
        expect(await q.drainDeadLetters()).toEqual([]);
        expect(await q.stats()).toMatchObject({ pushed: 3, claimed: 1, deadLettered: 2 });
        expect((await q.depth()).total).toBe(0);
      }));

    it('expire dead-letters a waiting task at once, exactly once, and it stops counting in depth', () =>
      withQueue({ depth: 2 }, async ({ store: q, clock }) => {
        const t0 = clock.now();
        await q.push('interactive', { n: 1 }, t0, 'a');
        await q.push('interactive', { n: 2 }, t0, 'b');
        expect(await q.push('interactive', { n: 3 }, t0)).toMatchObject({ accepted: false, reason: 'full' });
        expect(await q.expire('a', t0 + 1_000)).toBe(true);
        expect(await q.expire('a', t0 + 1_000)).toBe(false); // already dead-lettered
        expect(await q.depth()).toEqual({ total: 1, byClass: { interactive: 1, standard: 0, batch: 0 } });
        expect((await q.push('standard', { n: 4 }, t0 + 1_000)).accepted).toBe(true); // room again
        const dead = await q.drainDeadLetters();
        expect(dead.map((d) => [d.task.id, d.task.payload.n, d.task.cls, d.reason, d.atMs, d.task.deadlineAtMs])).toEqual([['a', 1, 'interactive', 'deadline', t0 + 1_000, t0 + 1_000]]);
        // The claim that finds b past its deadline dead-letters it; a is not met again.
        expect((await q.claim('w1', t0 + 1_001))?.payload.n).toBe(4);
        expect((await q.drainDeadLetters()).map((d) => d.task.id)).toEqual(['b']);
        expect(await q.stats()).toEqual({ pushed: 3, rejected: 1, claimed: 1, deadLettered: 2 });
        expect((await q.depth()).total).toBe(0);
      }));

    it('expire of a task out of FIFO order leaves the others in order', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 4; n++) await q.push('standard', { n }, t0 + n, `s${n}`);
        expect(await q.expire('s2', t0 + 10)).toBe(true);
        expect(await q.expire('s1', t0 + 10)).toBe(true);
        expect((await q.depth()).byClass.standard).toBe(2);
        expect(await claimAll(q, 'w1', t0 + 10)).toEqual(['standard:0', 'standard:3']);
        expect((await q.drainDeadLetters()).map((d) => d.task.id)).toEqual(['s2', 's1']);
      }));

    it('expire ignores claimed, acked and unknown tasks', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        await q.push('standard', { n: 1 }, t0, 'c1');
        await q.push('standard', { n: 2 }, t0, 'c2');
        await q.claim('w1', t0);
        expect(await q.expire('c1', t0 + 10_000)).toBe(false); // pending with w1: its worker runs it
        await q.claim('w1', t0);
        await q.ack('w1', 'c2');
        expect(await q.expire('c2', t0 + 10_000)).toBe(false);
        expect(await q.expire('nope', t0)).toBe(false);
        expect(await q.drainDeadLetters()).toEqual([]);
        expect((await q.stats()).deadLettered).toBe(0);
        expect((await q.reclaim('w2', 0, clock.now() + 1)).map((t) => t.id)).toEqual(['c1']); // still pending, not lost
      }));

    it('still serves a task claimed exactly at its deadline', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        await q.push('interactive', { n: 1 }, t0);
        expect((await q.claim('w1', t0 + 1_000))?.payload.n).toBe(1);
      }));

    it('observes depth by class: waiting only, not pending', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        expect(await q.depth()).toEqual({ total: 0, byClass: { interactive: 0, standard: 0, batch: 0 } });
        await q.push('standard', { n: 1 }, t0);
        await q.push('standard', { n: 2 }, t0);
        await q.push('batch', { n: 3 }, t0);
        expect(await q.depth()).toEqual({ total: 3, byClass: { interactive: 0, standard: 2, batch: 1 } });
        const t = await q.claim('w1', t0);
        expect(await q.depth()).toEqual({ total: 2, byClass: { interactive: 0, standard: 1, batch: 1 } });
        await q.ack('w1', t!.id);
        await q.ack('w1', 'no-such-id'); // ignored
        expect((await q.depth()).total).toBe(2);
      }));

    it('ack of a waiting (unclaimed) task does nothing', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const r = await q.push('standard', { n: 1 }, clock.now(), 'x1');
        await q.ack('w1', r.accepted ? r.id : '');
        expect((await q.claim('w1', clock.now()))?.id).toBe('x1');
      }));

    it('reclaims a crashed consumer’s tasks after minIdle: nothing lost, nothing duplicated after ack', () =>
      withQueue({}, async ({ store: q, clock }) => {
        for (let n = 0; n < 4; n++) await q.push('standard', { n }, clock.now());
        const a1 = await q.claim('A', clock.now());
        const a2 = await q.claim('A', clock.now());
        const a3 = await q.claim('A', clock.now());
        await q.ack('A', a1!.id); // A finishes one task, then "crashes" holding a2 and a3
        expect(await q.reclaim('B', 60, clock.now())).toEqual([]); // not idle long enough yet
        await clock.sleep(80);
        expect(await q.reclaim('A', 60, clock.now())).toEqual([]); // own tasks are not "reclaimed"
        const taken = await q.reclaim('B', 60, clock.now());
        expect(taken.map((t) => t.payload.n).sort()).toEqual([1, 2]);
        expect(taken.find((t) => t.id === a2!.id)).toEqual(a2);
        expect(await q.reclaim('C', 60, clock.now())).toEqual([]); // B's claim reset the idle time
        for (const t of taken) await q.ack('B', t.id);
        await clock.sleep(80);
        expect(await q.reclaim('C', 0, clock.now())).toEqual([]); // acked: gone for good
        expect((await q.claim('B', clock.now()))!.payload.n).toBe(3); // the untouched task is still waiting
        expect(a3!.payload.n).toBe(2);
      }));

    it('reclaims a dead consumer’s whole backlog in one call, past the caller’s own tasks and every class', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 12; n++) await q.push('standard', { n }, t0);
        for (let n = 12; n < 15; n++) await q.push('batch', { n }, t0);
        // Pending, in order: A A A B B A A A A A A A (standard), then A A A (batch). B's own two sit
        // among A's, so a reader of the pending list page by page meets them before most of A's.
        const dead: string[] = [];
        for (let i = 0; i < 3; i++) dead.push((await q.claim('A', t0))!.id);
        await q.claim('B', t0);
        await q.claim('B', t0);
        for (let t = await q.claim('A', t0); t; t = await q.claim('A', t0)) dead.push(t.id);
        expect(dead).toHaveLength(13);
        await clock.sleep(80);
        const taken = await q.reclaim('B', 60, clock.now());
        expect(taken.map((t) => t.id).sort()).toEqual([...dead].sort());
        expect(taken.filter((t) => t.cls === 'standard').map((t) => t.payload.n)).toEqual([0, 1, 2, 5, 6, 7, 8, 9, 10, 11]); // push order
        // All of A's moved to B at once: C finds only B's own two, idle too, which B's reclaim left alone.
        expect((await q.reclaim('C', 60, clock.now())).map((t) => t.payload.n)).toEqual([3, 4]);
      }));

    it('reclaims at most `limit` tasks per call, oldest first; the next call takes the rest', () =>
      withQueue({}, async ({ store: q, clock }) => {
        const t0 = clock.now();
        for (let n = 0; n < 7; n++) await q.push('standard', { n }, t0);
        for (let i = 0; i < 7; i++) await q.claim('A', t0);
        await clock.sleep(80);
        const first = await q.reclaim('B', 60, clock.now(), 3);
        expect(first.map((t) => t.payload.n)).toEqual([0, 1, 2]);
        const rest = await q.reclaim('B', 60, clock.now(), 3);
        expect(rest.map((t) => t.payload.n)).toEqual([3, 4, 5]); // B's own (just reclaimed) are not taken again
        expect((await q.reclaim('C', 60, clock.now())).map((t) => t.payload.n)).toEqual([6]);
        expect(await q.reclaim('D', 60, clock.now())).toEqual([]);
      }));

    it('does not reclaim a task its live consumer touches, however long it runs', () =>
      withQueue({}, async ({ store: q, clock }) => {
        await q.push('standard', { n: 1 }, clock.now());
        const long = (await q.claim('A', clock.now()))!;
        for (let i = 0; i < 3; i++) {
          await clock.sleep(40);
          expect(await q.touch('A', long.id, clock.now())).toBe(true);
        }
        // 120 ms since the claim, 0 since the touch: not idle for 60.
        expect(await q.reclaim('B', 60, clock.now())).toEqual([]);
        expect(await q.touch('B', long.id, clock.now())).toBe(false); // not B's
        await clock.sleep(80); // A stops touching (it crashed)
        expect((await q.reclaim('B', 60, clock.now())).map((t) => t.id)).toEqual([long.id]);
        expect(await q.touch('A', long.id, clock.now())).toBe(false); // taken over: A cannot take it back
        await q.ack('B', long.id);
        expect(await q.touch('B', long.id, clock.now())).toBe(false); // done
        expect(await q.touch('A', 'no-such-task', clock.now())).toBe(false);
      }));
  });
}
