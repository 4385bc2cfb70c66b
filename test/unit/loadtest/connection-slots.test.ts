/** The load generator's connection slots: at most `size` taken, waiters served in arrival order, an aborted wait takes nothing. */
import { describe, expect, it } from 'vitest';
import { ConnectionSlots } from '../../../src/loadtest/connection-slots.js';

describe('ConnectionSlots', () => {
  it('hands a released slot to the longest waiter, never more than `size` at once', async () => {
    const slots = new ConnectionSlots(1);
    expect(slots.take()).toBe(true);
    expect(slots.take()).toBe(false);
    const order: number[] = [];
    const never = new AbortController().signal;
    const waits = [1, 2].map((i) => slots.wait(never).then((ok) => ok && order.push(i)));
    expect(slots.queued).toBe(2);
    slots.release();
    await waits[0];
    expect(order).toEqual([1]);
    expect(slots.take()).toBe(false); // the slot passed on, it was never free
    slots.release();
    await waits[1];
    slots.release();
    expect(order).toEqual([1, 2]);
    expect(slots.take()).toBe(true);
  });

  it('a wait stopped by its signal leaves the line and takes no slot', async () => {
    const slots = new ConnectionSlots(1);
    slots.take();
    const stop = new AbortController();
    const waiting = slots.wait(stop.signal);
    stop.abort();
    expect(await waiting).toBe(false);
    expect(slots.queued).toBe(0);
    slots.release();
    expect(slots.take()).toBe(true);
  });
});
