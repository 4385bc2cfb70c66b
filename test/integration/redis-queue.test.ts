/** RedisTaskQueue against a real Redis (127.0.0.1:6379): the shared conformance suite, then what only a shared store can show. */
import { describe, expect, it } from 'vitest';
import { redisPair, testPrefix } from '../helpers/redis.js';
import { RedisTaskQueue } from '../../src/runtime/stores/redis-queue.js';
import { baseQueueConfig, queueConformance, realClock } from '../conformance/queue.case.js';
import type { Job } from '../conformance/queue.case.js';

const { redis, other } = redisPair(); // `other`: a second "instance" on the same Redis
const prefix = testPrefix;
/** Deletes exactly this queue's keys (never FLUSH: the Redis is shared with other tests). */
const drop = async (q: RedisTaskQueue<unknown>) => void (await redis.del(...q.keys()));

// Pages of 2 pending entries per reclaim script, so that every reclaim case crosses page boundaries.
queueConformance('redis', (config) => {
  const store = new RedisTaskQueue<Job>(redis, { prefix: prefix(), config, reclaimBatch: 2 });
  return { store, clock: realClock, cleanup: () => drop(store) };
});

describe('RedisTaskQueue across instances', () => {
  it('a task pushed on one instance is claimed, crashed on, reclaimed and acked on others', async () => {
    const p = prefix();
    const a = new RedisTaskQueue<Job>(redis, { prefix: p, config: baseQueueConfig });
    const b = new RedisTaskQueue<Job>(other, { prefix: p, config: baseQueueConfig });
    try {
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        const r = await (n % 2 ? a : b).push(n % 3 ? 'standard' : 'interactive', { n }, Date.now());
        if (r.accepted) ids.push(r.id);
      }
      expect(ids.length).toBe(20);
      // Worker A (on instance a) claims 12 and dies without acking; worker B (instance b) takes the rest.
      const crashed = [];
      for (let i = 0; i < 12; i++) crashed.push((await a.claim('A', Date.now()))!);
      const done = new Set<string>();
      for (let t = await b.claim('B', Date.now()); t; t = await b.claim('B', Date.now())) {
        await b.ack('B', t.id);
        done.add(t.id);
      }
      expect(done.size).toBe(8);
      await new Promise((r) => setTimeout(r, 60));
      const taken = await b.reclaim('B', 50, Date.now());
      expect(taken.map((t) => t.id).sort()).toEqual(crashed.map((t) => t.id).sort());
      for (const t of taken) {
        expect(done.has(t.id)).toBe(false);
        await b.ack('B', t.id);
        done.add(t.id);
      }
      expect([...done].sort()).toEqual([...ids].sort()); // nothing lost
      await new Promise((r) => setTimeout(r, 20));
      expect(await a.reclaim('C', 0, Date.now())).toEqual([]); // nothing left to run twice
      expect(await a.stats()).toEqual({ pushed: 20, rejected: 0, claimed: 20, deadLettered: 0 });
      expect(await redis.xlen(a.keys()[1]!)).toBe(0); // acked entries are deleted, not only acknowledged
    } finally {
      await drop(a);
    }
  });

  it('reclaims a dead consumer\'s task even when the caller\'s own idle tasks fill a reclaim batch', async () => {
    const p = prefix();
    const b = new RedisTaskQueue<Job>(redis, { prefix: p, config: baseQueueConfig, reclaimBatch: 2 });
    const a = new RedisTaskQueue<Job>(other, { prefix: p, config: baseQueueConfig, reclaimBatch: 2 });
    try {
      for (let n = 0; n < 3; n++) await b.push('standard', { n }, Date.now());
      await b.claim('B', Date.now()); // B's own two long-running tasks come first in the pending list
      await b.claim('B', Date.now());
      const lost = (await a.claim('A', Date.now()))!; // A claims the third and dies
      await new Promise((r) => setTimeout(r, 30));
      // The first page of idle pending tasks (batch 2) held only B's own: A's task was never reached.
      expect((await b.reclaim('B', 20, Date.now())).map((t) => t.id)).toEqual([lost.id]);
    } finally {
      await drop(b);
    }
  });

  it('reclaims a backlog larger than a page (2,500 tasks, pages of 1,000) in one call', async () => {
    const p = prefix();
    const config = { ...baseQueueConfig, depth: 5_000 };
    const a = new RedisTaskQueue<Job>(other, { prefix: p, config });
    const b = new RedisTaskQueue<Job>(redis, { prefix: p, config });
    try {
      const now = Date.now();
      await Promise.all(Array.from({ length: 2_500 }, (_, n) => a.push('batch', { n }, now)));
      for (let i = 0; i < 2_500; i += 250) await Promise.all(Array.from({ length: 250 }, () => a.claim('A', now)));
      await new Promise((r) => setTimeout(r, 30));
      const taken = await b.reclaim('B', 20, Date.now());
      expect(taken.length).toBe(2_500);
      expect(new Set(taken.map((t) => t.id)).size).toBe(2_500);
      expect(await b.reclaim('C', 0, Date.now(), 1)).toHaveLength(1); // B's now; a limit of 1 takes one
    } finally {
      await drop(a);
    }
  }, 20_000);

  it('enforces one depth bound for all instances under concurrent pushes', async () => {
    const p = prefix();
    const config = { ...baseQueueConfig, depth: 25 };
    const a = new RedisTaskQueue<Job>(redis, { prefix: p, config });
    const b = new RedisTaskQueue<Job>(other, { prefix: p, config });
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, n) => (n % 2 ? a : b).push('batch', { n }, Date.now())));
      expect(results.filter((r) => r.accepted).length).toBe(25);
      expect(await b.depth()).toMatchObject({ total: 25 });
      expect(await a.stats()).toMatchObject({ pushed: 25, rejected: 35 });
    } finally {
      await drop(a);
    }
  });

  it('gives the weighted claim sequence of the memory queue, shared by instances', async () => {
    const { MemoryTaskQueue } = await import('../../src/core/queue/memory-queue.js');
    const config = { ...baseQueueConfig, discipline: 'weighted' as const };
    const p = prefix();
    const a = new RedisTaskQueue<Job>(redis, { prefix: p, config });
    const b = new RedisTaskQueue<Job>(other, { prefix: p, config });
    const m = new MemoryTaskQueue<Job>(config);
    try {
      const classes = ['interactive', 'standard', 'batch'];
      for (let n = 0; n < 30; n++) {
        await a.push(classes[n % 3]!, { n }, 0);
        m.push(classes[n % 3]!, { n }, 0);
      }
      const got: number[] = [];
      const want: number[] = [];
      for (let i = 0; i < 30; i++) {
        got.push((await (i % 2 ? a : b).claim('w', 0))!.payload.n); // alternate instances: state is in Redis
        want.push(m.claim('w', 0)!.payload.n);
      }
      expect(got).toEqual(want);
    } finally {
      await drop(a);
    }
  });
});
