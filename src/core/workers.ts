/**
 * Worker slots: `count × concurrency` slots shared by the turns that need one. A turn that finds no
 * free slot waits in the priority queue (core/queue) for its class; a full queue rejects it, and a
 * wait past its class deadline (or the queue timeout) dead-letters it. Both interpreters use this one
 * pool, so admission decisions are the same in the simulator and in the runtime.
 *
 * Waiters are resumed through `settle`: the virtual interpreter schedules the resume at the current
 * virtual time, the real-time interpreter resolves a promise.
 *
 * The queue is the one record of who waits: the waiter is the task's payload, and a waiter is told
 * `deadline` only from the queue's dead letters. The interpreter's timer (`expire`) asks the queue to
 * dead-letter the task, so an expired waiter stops counting toward the queue's depth at its deadline
 * — a task left in the queue after its waiter gave up would refuse later turns `queue-full`.
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
  /** Waiters in the queue: accepted pushes not yet claimed or dead-lettered. */
  private waiting = 0;
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
    return this.waiting;
  }

  /**
   * Asks for a slot. Returns the result at once when it is decided now (granted, or rejected), or
   * `{ queued, deadlineAtMs, id }` when the waiter will be settled later; the caller must then call
   * `expire(id, t)` at `deadlineAtMs`.
   */
  request(cls: string, waiter: SlotWaiter, nowMs: number): SlotResult | { queued: true; id: string; deadlineAtMs: number } {
    if (this.busy < this.capacity && this.waiting === 0) {
      this.take();
      return GRANTED_NOW;
    }
    const id = `w${this.nextId++}`;
    const r = sync(this.queue.push(cls, waiter, nowMs, id));
    if (!r.accepted) {
      this.rejected++;
      return { ok: false, reason: r.reason === 'full' ? 'queue-full' : 'unknown-class', waitedMs: 0 };
    }
    this.waiting++;
    return { queued: true, id, deadlineAtMs: nowMs + (this.config.classes[cls]?.deadlineMs ?? this.config.timeoutMs) };
  }

  /** A slot came free: hand it to the next live waiter, if any. */
  release(nowMs: number): void {
    this.busy--;
    this.dispatch(nowMs);
  }

  /**
   * The deadline of waiter `id` passed: the queue dead-letters its task, if it still waits, and the
   * waiter is settled `deadline`. A no-op when the waiter got a slot first (its task was claimed).
   */
  expire(id: string, nowMs: number): void {
    sync(this.queue.expire(id, nowMs));
    this.settleDeadLetters();
  }

  private dispatch(nowMs: number): void {
    // Nothing waits (the common case): no claim, so no dead letters to tell (expire tells its own).
    if (this.waiting === 0) return;
    while (this.busy < this.capacity && this.waiting > 0) {
      const task = sync(this.queue.claim(CONSUMER, nowMs));
      if (!task) break;
      sync(this.queue.ack(CONSUMER, task.id));
      this.waiting--;
      this.take();
      settle(task.payload, { ok: true, waitedMs: nowMs - task.enqueuedAtMs });
    }
    // A claim that met tasks past their deadline (a real-time timer not yet run) dead-lettered them.
    this.settleDeadLetters();
  }

  /** Tells the waiters the queue dead-lettered (by `expire` or on a claim's way) that they missed their deadline. */
  private settleDeadLetters(): void {
    for (const d of sync(this.queue.drainDeadLetters())) {
      this.waiting--;
      this.deadLettered++;
      settle(d.task.payload, { ok: false, reason: 'deadline', waitedMs: d.atMs - d.task.enqueuedAtMs });
    }
  }

  private take(): void {
    this.busy++;
    if (this.busy > this.peakBusy) this.peakBusy = this.busy;
  }
}

function settle(waiter: SlotWaiter, result: SlotResult): void {
  waiter.settled = true;
  waiter.settle(result);
}

/** The pool decides synchronously, so that both interpreters see the same order of grants. */
function sync<R>(r: R | Promise<R>): R {
  if (r instanceof Promise) throw new Error('WorkerPool needs a synchronous (memory) queue');
  return r;
}
