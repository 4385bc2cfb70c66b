/**
 * In-process `TaskQueue`: synchronous, allocation-light, deterministic. The simulator runs every
 * queued request through it, so push, claim and expire are amortised O(1) plus O(classes) to pick a
 * class (classes are a handful; a heap would cost more than the scan).
 */
import type { DeadLetter, OrderedClass, PushResult, QueueConfig, QueueDepth, QueueStats, Task, TaskQueue } from './types.js';
import { queueClassOrder, RECLAIM_LIMIT } from './types.js';

/**
 * FIFO ring buffer with power-of-two capacity (index by mask, no modulo). It grows by doubling and
 * never shrinks: a queue that once held 10k tasks keeps the slots, which is what a steady load wants.
 */
class Ring<T> {
  private buf: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  size = 0;

  push(x: T): void {
    if (this.size === this.buf.length) this.grow();
    this.buf[(this.head + this.size) & (this.buf.length - 1)] = x;
    this.size++;
  }

  /** Caller checks `size > 0` first. */
  peek(): T {
    return this.buf[this.head] as T;
  }

  /** The first element from the head that satisfies `f`, or undefined (O(size)). */
  find(f: (x: T) => boolean): T | undefined {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.size; i++) {
      const x = this.buf[(this.head + i) & mask] as T;
      if (f(x)) return x;
    }
    return undefined;
  }

  /** Caller checks `size > 0` first. */
  shift(): T {
    const x = this.buf[this.head] as T;
    this.buf[this.head] = undefined; // let the task be collected once it is acked
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.size--;
    return x;
  }

  private grow(): void {
    const old = this.buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.buf = next;
    this.head = 0;
  }
}

interface ClassState<T> extends OrderedClass {
  /**
   * The class's tasks in FIFO order. Deadlines run FIFO within a class, so `expire` nearly always
   * takes a head (O(classes), no index by id to keep on every push and claim: a Map of waiting ids made
   * push + claim 4× slower, bench/core.ts). A task expired from the middle (out of order: a real-time
   * timer fired late) is found by a scan and stays in the ring as a tombstone until it reaches the head.
   * Invariant: the head is always a waiting task (or the ring is empty), so `claim` never meets a tombstone.
   */
  ring: Ring<Task<T>>;
  /** Waiting tasks of this class (the ring's size less its tombstones). */
  waiting: number;
  /** Smooth weighted round robin credit. */
  current: number;
}

interface Pending<T> {
  task: Task<T>;
  consumer: string;
  claimedAtMs: number;
}

/**
 * Memory implementation of `TaskQueue` (see its TSDoc for the shared semantics). Answers
 * synchronously. Generated ids are `"1"`, `"2"`, … per instance (never a static counter, so two
 * queues in one process behave the same as in two).
 *
 * @example
 * const q = new MemoryTaskQueue<Job>({ depth: 1000, timeoutMs: 30_000, discipline: 'strict', classes });
 * q.push('standard', job, now);
 * const task = q.claim('w1', now);
 */
export class MemoryTaskQueue<T> implements TaskQueue<T> {
  private readonly ordered: ClassState<T>[];
  private readonly byName = new Map<string, ClassState<T>>();
  private readonly pending = new Map<string, Pending<T>>();
  /** Tasks expired while not at the head of their ring (see ClassState.ring); nearly always empty. */
  private readonly tombstones = new Set<Task<T>>();
  private deadLetters: DeadLetter<T>[] = [];
  private readonly maxDepth: number;
  private readonly weighted: boolean;
  private waiting = 0;
  private seq = 0;
  private readonly counts: QueueStats = { pushed: 0, rejected: 0, claimed: 0, deadLettered: 0 };

  constructor(config: QueueConfig) {
    this.ordered = queueClassOrder(config).map((c) => ({ ...c, ring: new Ring<Task<T>>(), waiting: 0, current: 0 }));
    for (const c of this.ordered) this.byName.set(c.name, c);
    this.maxDepth = config.depth;
    this.weighted = config.discipline === 'weighted';
  }

  push(cls: string, payload: T, nowMs: number, id?: string): PushResult {
    const c = this.byName.get(cls);
    if (c === undefined || this.waiting >= this.maxDepth) {
      this.counts.rejected++;
      return { accepted: false, reason: c === undefined ? 'unknown-class' : 'full', depth: this.waiting };
    }
    const taskId = id ?? String(++this.seq);
    const task = { id: taskId, cls, payload, enqueuedAtMs: nowMs, deadlineAtMs: nowMs + c.deadlineMs };
    c.ring.push(task);
    c.waiting++;
    this.waiting++;
    this.counts.pushed++;
    return { accepted: true, id: taskId };
  }

  claim(consumer: string, nowMs: number): Task<T> | undefined {
    for (;;) {
      const c = this.weighted ? this.pickWeighted() : this.pickStrict();
      if (c === undefined) return undefined;
      const task = this.take(c); // the head is waiting (ClassState invariant)
      if (nowMs > task.deadlineAtMs) {
        this.deadLetter(task, nowMs);
        continue;
      }
      this.pending.set(task.id, { task, consumer, claimedAtMs: nowMs });
      this.counts.claimed++;
      return task;
    }
  }

  expire(id: string, nowMs: number): boolean {
    for (const c of this.ordered) {
      if (c.waiting > 0 && c.ring.peek().id === id) {
        this.deadLetter(this.take(c), nowMs);
        return true;
      }
    }
    // Out of FIFO order (rare): find it in its ring and leave a tombstone.
    for (const c of this.ordered) {
      if (c.waiting === 0) continue;
      const task = c.ring.find((t) => t.id === id && !this.tombstones.has(t));
      if (task === undefined) continue;
      this.forget(c);
      this.tombstones.add(task);
      this.deadLetter(task, nowMs);
      return true;
    }
    return false;
  }

  ack(_consumer: string, id: string): void {
    this.pending.delete(id);
  }

  reclaim(consumer: string, minIdleMs: number, nowMs: number, limit = RECLAIM_LIMIT): Task<T>[] {
    const out: Task<T>[] = [];
    // O(pending) at worst, and at most `limit` taken: reclaim runs on a slow timer (seconds), never per request.
    for (const p of this.pending.values()) {
      if (out.length >= limit) break;
      if (p.consumer === consumer || nowMs - p.claimedAtMs < minIdleMs) continue;
      p.consumer = consumer;
      p.claimedAtMs = nowMs;
      out.push(p.task);
    }
    return out;
  }

  touch(consumer: string, id: string, nowMs: number): boolean {
    const p = this.pending.get(id);
    if (p === undefined || p.consumer !== consumer) return false;
    p.claimedAtMs = nowMs;
    return true;
  }

  depth(): QueueDepth {
    const byClass: Record<string, number> = {};
    for (const c of this.ordered) byClass[c.name] = c.waiting;
    return { total: this.waiting, byClass };
  }

  drainDeadLetters(): DeadLetter<T>[] {
    const out = this.deadLetters;
    this.deadLetters = [];
    return out;
  }

  stats(): QueueStats {
    return { ...this.counts };
  }

  /** Tasks claimed and not yet acked (for metrics; not part of the shared contract). */
  pendingCount(): number {
    return this.pending.size;
  }

  /** Removes the head of `c` (a waiting task), then any tombstones that reach the head. */
  private take(c: ClassState<T>): Task<T> {
    const task = c.ring.shift();
    this.forget(c);
    while (this.tombstones.size > 0 && c.ring.size > 0 && this.tombstones.delete(c.ring.peek())) c.ring.shift();
    return task;
  }

  /** A task of `c` stops waiting; the caller removes it from its ring or marks it a tombstone. */
  private forget(c: ClassState<T>): void {
    c.waiting--;
    this.waiting--;
  }

  private deadLetter(task: Task<T>, nowMs: number): void {
    this.deadLetters.push({ task, reason: 'deadline', atMs: nowMs });
    this.counts.deadLettered++;
  }

  private pickStrict(): ClassState<T> | undefined {
    for (const c of this.ordered) if (c.waiting > 0) return c;
    return undefined;
  }

  /** Smooth weighted round robin over non-empty classes; RedisTaskQueue's claim script mirrors it step for step. */
  private pickWeighted(): ClassState<T> | undefined {
    let best: ClassState<T> | undefined;
    let total = 0;
    for (const c of this.ordered) {
      if (c.waiting === 0) continue;
      c.current += c.weight;
      total += c.weight;
      if (best === undefined || c.current > best.current) best = c;
    }
    if (best !== undefined) best.current -= total;
    return best;
  }
}
