import { describe, expect, it } from 'vitest';
import { MemoryTaskQueue, queueClassOrder } from '../../../src/core/queue/index.js';
import type { QueueConfig } from '../../../src/core/queue/index.js';
import { baseQueueConfig, queueConformance, virtualClock } from '../../conformance/queue.case.js';
import type { Job } from '../../conformance/queue.case.js';

queueConformance('memory', (config) => ({ store: new MemoryTaskQueue<Job>(config), clock: virtualClock(), cleanup: () => {} }));

describe('MemoryTaskQueue', () => {
  it('answers synchronously (the simulator cannot await)', () => {
    const q = new MemoryTaskQueue<number>(baseQueueConfig);
    expect(q.push('standard', 1, 0)).toEqual({ accepted: true, id: '1' });
    expect(q.claim('w', 0)).toMatchObject({ payload: 1 });
    expect(q.pendingCount()).toBe(1);
    q.ack('w', '1');
    expect(q.pendingCount()).toBe(0);
  });

  it('keeps FIFO order across ring growth and wrap-around', () => {
    const q = new MemoryTaskQueue<number>({ ...baseQueueConfig, depth: 100_000 });
    let next = 0;
    let expected = 0;
    // Interleave pushes and claims so the head wraps before, during and after each doubling.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 37; i++) q.push('standard', next++, 0);
      for (let i = 0; i < 23; i++) expect(q.claim('w', 0)!.payload).toBe(expected++);
    }
    while (expected < next) expect(q.claim('w', 0)!.payload).toBe(expected++);
    expect(q.claim('w', 0)).toBeUndefined();
    expect(q.depth().total).toBe(0);
  });

  it('is deterministic: the same operations give the same claim sequence', () => {
    const run = () => {
      const q = new MemoryTaskQueue<number>({ ...baseQueueConfig, discipline: 'weighted', depth: 10_000 });
      const out: string[] = [];
      for (let i = 0; i < 3000; i++) {
        q.push(['interactive', 'standard', 'batch'][(i * 7) % 3]!, i, i);
        if (i % 3 === 0) out.push(q.claim('w', i)?.id ?? '-');
      }
      return out.join(',');
    };
    expect(run()).toBe(run());
  });

  it('generates ids per instance, not from a shared counter', () => {
    const a = new MemoryTaskQueue<number>(baseQueueConfig);
    const b = new MemoryTaskQueue<number>(baseQueueConfig);
    a.push('standard', 1, 0);
    expect(b.push('standard', 1, 0)).toEqual({ accepted: true, id: '1' });
  });

  it('orders classes by priority, ties by declaration order, and rejects impossible configs', () => {
    const classes = { b: { priority: 1, weight: 1 }, a: { priority: 0, weight: 1 }, c: { priority: 1, weight: 2, deadlineMs: 5 } };
    expect(queueClassOrder({ ...baseQueueConfig, classes }).map((c) => [c.name, c.deadlineMs])).toEqual([['a', 10_000], ['b', 10_000], ['c', 5]]);
    const bad: Partial<QueueConfig>[] = [{ classes: {} }, { depth: -1 }, { classes: { a: { priority: 0, weight: 0 } } }, { timeoutMs: 0 }];
    for (const b of bad) expect(() => new MemoryTaskQueue({ ...baseQueueConfig, ...b })).toThrow(RangeError);
  });
});
