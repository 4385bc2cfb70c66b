/** WorkerPool: slots, the queue in front of them, and what a waiter that reached its deadline leaves behind. */
import { describe, expect, it } from 'vitest';
import { MemoryTaskQueue, type QueueConfig } from '../../../src/core/queue/index.js';
import { WorkerPool, type SlotResult, type SlotWaiter } from '../../../src/core/workers.js';

const config: QueueConfig = { depth: 2, timeoutMs: 1_000, discipline: 'strict', classes: { standard: { priority: 0, weight: 1 } } };

function waiter(): SlotWaiter & { results: SlotResult[] } {
  const results: SlotResult[] = [];
  return { results, settle: (r) => void results.push(r) };
}

function setup() {
  const queue = new MemoryTaskQueue<SlotWaiter>(config);
  return { queue, pool: new WorkerPool(1, queue, config) };
}

describe('WorkerPool', () => {
  it('forgets expired waiters: their tasks no longer count toward the queue depth', () => {
    const { queue, pool } = setup();
    const [a, b, c, d, e] = [waiter(), waiter(), waiter(), waiter(), waiter()];
    expect(pool.request('standard', a, 0)).toEqual({ ok: true, waitedMs: 0 });
    const rb = pool.request('standard', b, 0);
    const rc = pool.request('standard', c, 10);
    if (!('queued' in rb) || !('queued' in rc)) throw new Error('B and C should queue');
    pool.expire(rb.id, rb.deadlineAtMs);
    pool.expire(rc.id, rc.deadlineAtMs);
    expect(b.results).toEqual([{ ok: false, reason: 'deadline', waitedMs: 1_000 }]);
    expect(c.results).toEqual([{ ok: false, reason: 'deadline', waitedMs: 1_000 }]);
    expect(pool.queued).toBe(0);
    expect(queue.depth().total).toBe(0); // was 2: the dead tasks stayed until a claim reached them
    // Each expired task is dead-lettered once, by the queue.
    expect(queue.stats()).toMatchObject({ pushed: 2, deadLettered: 2 });
    expect(pool.deadLettered).toBe(2);

    pool.release(2_000);
    expect(pool.request('standard', d, 2_000)).toEqual({ ok: true, waitedMs: 0 });
    // Nothing live waits, so E queues rather than being refused `queue-full`.
    expect(pool.request('standard', e, 2_000)).toMatchObject({ queued: true });
    expect(pool.rejected).toBe(0);
    pool.release(2_500);
    expect(e.results).toEqual([{ ok: true, waitedMs: 500 }]);
    expect(queue.stats()).toMatchObject({ pushed: 3, claimed: 1, deadLettered: 2 });
  });

  it('refuses `queue-full` only when depth live waiters are queued, whatever expired before them', () => {
    const { queue, pool } = setup();
    pool.request('standard', waiter(), 0); // holds the only slot throughout
    const rb = pool.request('standard', waiter(), 0);
    if (!('queued' in rb)) throw new Error('B should queue');
    pool.expire(rb.id, rb.deadlineAtMs);
    const queued = [pool.request('standard', waiter(), 1_000), pool.request('standard', waiter(), 1_000)];
    expect(queued.every((r) => 'queued' in r)).toBe(true);
    expect(pool.request('standard', waiter(), 1_000)).toEqual({ ok: false, reason: 'queue-full', waitedMs: 0 });
    expect(pool.rejected).toBe(1);
    expect(queue.depth().total).toBe(pool.queued);
  });

  it('ignores a deadline timer of a waiter that already got its slot', () => {
    const { queue, pool } = setup();
    const b = waiter();
    pool.request('standard', waiter(), 0);
    const rb = pool.request('standard', b, 0);
    if (!('queued' in rb)) throw new Error('B should queue');
    pool.release(400);
    pool.expire(rb.id, rb.deadlineAtMs); // a timer that was not cancelled in time
    expect(b.results).toEqual([{ ok: true, waitedMs: 400 }]);
    expect(pool.deadLettered).toBe(0);
    expect(queue.stats().deadLettered).toBe(0);
  });

  it('settles a waiter whose timer has not run yet when a claim finds it expired (real time: late timers)', () => {
    const { queue, pool } = setup();
    const [b, c] = [waiter(), waiter()];
    pool.request('standard', waiter(), 0);
    const rb = pool.request('standard', b, 0);
    pool.request('standard', c, 500);
    if (!('queued' in rb)) throw new Error('B should queue');
    pool.release(1_200); // past B's deadline, before its timer ran: the claim dead-letters B and grants C
    expect(b.results).toEqual([{ ok: false, reason: 'deadline', waitedMs: 1_200 }]);
    expect(c.results).toEqual([{ ok: true, waitedMs: 700 }]);
    pool.expire(rb.id, 1_205); // the late timer: nothing left to do
    expect(b.results).toHaveLength(1);
    expect(pool.deadLettered).toBe(1);
    expect(queue.stats().deadLettered).toBe(1);
  });
});
