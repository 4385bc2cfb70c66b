/**
 * Worker slots: `count × concurrency` slots shared by the turns that need one. A turn that finds no
 * free slot waits in the priority queue (core/queue) for its class; a full queue rejects it, and a
 * wait past its class deadline (or the queue timeout) dead-letters it. Both interpreters use this one
 * pool, so admission decisions are the same in the simulator and in the runtime.
 *
 * Waiters are resumed through `grant`/`fail` callbacks: the virtual interpreter schedules the resume
 * at the current virtual time, the real-time interpreter resolves a promise.
 */
import type { QueueConfig, TaskQueue } from './queue/types.js';

export type SlotResult =
  | { ok: true; waitedMs: number }
  | { ok: false; reason: 'queue-full' | 'unknown-class' | 'deadline'; waitedMs: number };

export interface SlotWaiter {
  /** Called once, when the waiter gets a slot or gives up. */
  settle(result: SlotResult): void;
  /** Set by the pool when the waiter has been settled (deadline passed or granted). */
  settled?: boolean;
}

const CONSUMER = 'pool';
/** A slot granted at once (the common case): one shared, frozen answer rather than an object per turn. */
const GRANTED_NOW: SlotResult = Object.freeze({ ok: true, waitedMs: 0 });

export class WorkerPool {
  private busy = 0;
  /** Waiting tasks by queue task id, to resolve deadline timers. */
  private readonly waiting = new Map<string, { waiter: SlotWaiter; enqueuedAtMs: number }>();
  private nextId = 0;
  /** Peak slots in use (for utilisation reports). */
  peakBusy = 0;
  rejected = 0;
  deadLettered = 0;

  constructor(
    readonly capacity: number,
    private readonly queue: TaskQueue<SlotWaiter>,
    private readonly config: QueueConfig,
  ) {}

  get inUse(): number {
    return this.busy;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /**
   * Asks for a slot. Returns the result at once when it is decided now (granted, or rejected), or
   * `{ queued, deadlineAtMs, id }` when the waiter will be settled later; the caller must then call
   * `expire(id, t)` at `deadlineAtMs`.
   */
  request(cls: string, waiter: SlotWaiter, nowMs: number): SlotResult | { queued: true; id: string; deadlineAtMs: number } {
    if (this.busy < this.capacity && this.waiting.size === 0) {
      this.take();
      return GRANTED_NOW;
    }
    const id = `w${this.nextId++}`;
    const r = this.queue.push(cls, waiter, nowMs, id);
    if (r instanceof Promise) throw new Error('WorkerPool needs a synchronous (memory) queue');
    if (!r.accepted) {
      this.rejected++;
      return { ok: false, reason: r.reason === 'full' ? 'queue-full' : 'unknown-class', waitedMs: 0 };
    }
    this.waiting.set(id, { waiter, enqueuedAtMs: nowMs });
    return { queued: true, id, deadlineAtMs: nowMs + (this.config.classes[cls]?.deadlineMs ?? this.config.timeoutMs) };
  }

  /** A slot came free: hand it to the next live waiter, if any. */
  release(nowMs: number): void {
    this.busy--;
    this.dispatch(nowMs);
  }

  /** The deadline of waiter `id` passed: settle it as dead-lettered if it is still waiting. */
  expire(id: string, nowMs: number): void {
    const w = this.waiting.get(id);
    if (!w || w.waiter.settled) return;
    this.waiting.delete(id);
    w.waiter.settled = true;
    this.deadLettered++;
    w.waiter.settle({ ok: false, reason: 'deadline', waitedMs: nowMs - w.enqueuedAtMs });
  }

  private dispatch(nowMs: number): void {
    while (this.busy < this.capacity && this.waiting.size > 0) {
      const task = this.queue.claim(CONSUMER, nowMs);
      if (task instanceof Promise) throw new Error('WorkerPool needs a synchronous (memory) queue');
      if (!task) break;
      this.queue.ack(CONSUMER, task.id);
      const w = this.waiting.get(task.id);
      if (!w || w.waiter.settled) continue; // expired while queued: already settled by its timer
      this.waiting.delete(task.id);
      this.take();
      w.waiter.settled = true;
      w.waiter.settle({ ok: true, waitedMs: nowMs - w.enqueuedAtMs });
    }
    // Expired tasks the queue dead-lettered on the way are already settled by their timers.
    const dead = this.queue.drainDeadLetters();
    if (dead instanceof Promise) throw new Error('WorkerPool needs a synchronous (memory) queue');
    for (const d of dead) this.expire(d.task.id, nowMs);
  }

  private take(): void {
    this.busy++;
    if (this.busy > this.peakBusy) this.peakBusy = this.busy;
  }
}
