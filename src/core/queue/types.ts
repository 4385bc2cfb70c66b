/**
 * The task queue contract: a bounded priority queue with classes, per-class deadlines and
 * at-least-once delivery. Two implementations keep to it and one conformance suite checks both
 * (test/conformance/queue.case.ts): `MemoryTaskQueue` (synchronous, for the simulator and a single
 * runtime instance) and `RedisTaskQueue` (Redis Streams consumer groups, shared by many instances).
 *
 * Semantics both implementations share, so that the simulator predicts what the runtime does:
 * - **Depth** counts tasks *waiting* (accepted, not yet claimed); claimed-but-unacked tasks are
 *   *pending* and do not count. A push is rejected with `full` when waiting tasks ≥ `depth`.
 * - **Order**: FIFO within a class. `strict` serves the lowest `priority` value first; `weighted`
 *   runs smooth weighted round robin (nginx's algorithm) over the classes that have waiting tasks,
 *   so over n claims class c gets n·weight(c)/Σweights ± 1 while all classes stay busy. Ties break
 *   by class order (`queueClassOrder`), which makes every run deterministic.
 * - **Deadlines**: a task expires when `nowMs > deadlineAtMs` (waiting exactly the deadline is
 *   fine). `claim` dead-letters expired tasks it pops on its way to a live one, so an expired task is
 *   never returned. An expired pop spends its class's round-robin turn (documented skew, identical in
 *   both). Detection by `claim` alone is lazy: a task nobody claims would count in `depth` forever,
 *   so an owner that watches its task's deadline (WorkerPool, with a scheduler timer) calls `expire`
 *   when it passes: the task is dead-lettered at once and stops counting. Either way a task is
 *   dead-lettered at most once, with reason `deadline`. `expire` takes no round-robin turn.
 * - **Delivery**: a claimed task stays pending with its consumer until `ack`; `reclaim` hands tasks
 *   idle ≥ `minIdleMs` with *other* consumers to the caller, so a crashed worker loses nothing. A
 *   task may therefore run twice (at-least-once); `ack` by any consumer completes it. One `reclaim`
 *   takes *every* such task, in push order within a class, up to its `limit` (default
 *   `RECLAIM_LIMIT`): a dead instance's whole backlog comes back in one call, however the
 *   implementation pages through it, and the bound keeps one call from holding the event loop or
 *   handing back an unbounded batch. Past the limit the rest stay pending: the next call takes them.
 */
import type { MaybePromise } from '../types.js';

/** Most tasks one `reclaim` hands over unless the caller says otherwise (see "Delivery" above). */
export const RECLAIM_LIMIT = 10_000;

/** One priority class. Mirrors the scenario's `queue.classes.<name>` with units resolved. */
export interface QueueClassConfig {
  /** Lower values run first under `strict`. */
  priority: number;
  /** Share of claims under `weighted` (> 0). */
  weight: number;
  /** Longest wait before the task is dead-lettered; the queue's `timeoutMs` when absent. */
  deadlineMs?: number;
}

export interface QueueConfig {
  /** Most tasks waiting over all classes; 0 rejects every push. */
  depth: number;
  /** Deadline of classes without their own `deadlineMs`. */
  timeoutMs: number;
  discipline: 'strict' | 'weighted';
  classes: Record<string, QueueClassConfig>;
}

export interface Task<T> {
  /** Caller's id, or one the queue generates (unique within the queue). Ids must be unique among live tasks. */
  id: string;
  cls: string;
  payload: T;
  /** The `nowMs` of the push; a task's queue wait is `claim time − enqueuedAtMs`. */
  enqueuedAtMs: number;
  /** `enqueuedAtMs + (class deadlineMs ?? timeoutMs)`. */
  deadlineAtMs: number;
}

export type PushResult =
  | { accepted: true; id: string }
  /** `depth` is the number of waiting tasks when the push was refused. */
  | { accepted: false; reason: 'full' | 'unknown-class'; depth: number };

export interface DeadLetter<T> {
  task: Task<T>;
  reason: 'deadline';
  /** The `nowMs` of the `claim` that found the task expired or of the `expire` call (the deadline itself is `task.deadlineAtMs`). */
  atMs: number;
}

export interface QueueDepth {
  /** Waiting tasks over all classes. */
  total: number;
  /** Waiting tasks per configured class (0 for empty classes). */
  byClass: Record<string, number>;
}

export interface QueueStats {
  /** Accepted pushes. */
  pushed: number;
  /** Refused pushes, whatever the reason. */
  rejected: number;
  /** Tasks handed out by `claim` (reclaims are not counted again). */
  claimed: number;
  deadLettered: number;
}

/**
 * A bounded priority task queue with at-least-once delivery. Memory answers synchronously, Redis
 * with promises; callers that serve both `await` the result.
 *
 * @example
 * const r = await q.push('interactive', job, now);
 * const task = await q.claim('worker-1', now);   // undefined when nothing is waiting
 * if (task) { await run(task.payload); await q.ack('worker-1', task.id); }
 */
export interface TaskQueue<T> {
  /** Accepts a task into class `cls` unless the queue is full or the class unknown. */
  push(cls: string, payload: T, nowMs: number, id?: string): MaybePromise<PushResult>;
  /** Next task by discipline (FIFO within a class); expired tasks met on the way are dead-lettered, not returned. The task stays pending for `consumer` until ack. */
  claim(consumer: string, nowMs: number): MaybePromise<Task<T> | undefined>;
  /** Completes a pending task (any consumer may; unknown or waiting ids are ignored). */
  ack(consumer: string, id: string): MaybePromise<void>;
  /**
   * Takes over tasks pending with other consumers for ≥ minIdleMs (a crashed worker's tasks) — nothing accepted
   * is lost: all of them, in push order within a class (across classes, in the implementation's order), up to
   * `limit` (default `RECLAIM_LIMIT`); call again for the rest.
   */
  reclaim(consumer: string, minIdleMs: number, nowMs: number, limit?: number): MaybePromise<Task<T>[]>;
  /**
   * `consumer` is still working on pending task `id`: its idle time starts again, so that a task that
   * runs longer than `minIdleMs` is not reclaimed (and run twice) while its consumer lives. Returns
   * false and does nothing when `id` is not pending with `consumer` (acked, reclaimed by another, unknown).
   */
  touch(consumer: string, id: string, nowMs: number): MaybePromise<boolean>;
  /**
   * The owner of waiting task `id` saw its deadline pass: dead-letter it now (reason `deadline`,
   * `atMs` = `nowMs`), so it no longer counts in `depth`. The owner decides the moment (its timer may
   * fire a little early in real time), so the queue does not compare `nowMs` with the deadline.
   * Returns false and does nothing when `id` is not waiting (claimed, acked, dead-lettered, unknown).
   */
  expire(id: string, nowMs: number): MaybePromise<boolean>;
  /** Waiting (not pending) tasks. */
  depth(): MaybePromise<QueueDepth>;
  /** Returns the dead letters collected since the last drain, oldest first, and forgets them. */
  drainDeadLetters(): MaybePromise<DeadLetter<T>[]>;
  stats(): MaybePromise<QueueStats>;
}

/** A class name with its resolved settings, in service order. */
export interface OrderedClass {
  name: string;
  priority: number;
  weight: number;
  deadlineMs: number;
}

/**
 * The classes in the order both implementations use: by priority, ties by declaration order. Strict
 * service follows it; weighted service breaks ties with it. Throws `RangeError` on a config no
 * scenario could produce (no classes, weight ≤ 0, negative depth), so a bad config fails at build.
 */
export function queueClassOrder(config: QueueConfig): OrderedClass[] {
  const entries = Object.entries(config.classes);
  if (entries.length === 0) throw new RangeError('queue: at least one class is required');
  if (!(config.depth >= 0)) throw new RangeError(`queue: depth must be ≥ 0, got ${config.depth}`);
  if (!(config.timeoutMs > 0)) throw new RangeError(`queue: timeoutMs must be > 0, got ${config.timeoutMs}`);
  const out = entries.map(([name, c]) => {
    if (!(c.weight > 0) || !Number.isFinite(c.weight)) throw new RangeError(`queue: class ${name}: weight must be > 0`);
    return { name, priority: c.priority, weight: c.weight, deadlineMs: c.deadlineMs ?? config.timeoutMs };
  });
  return out.sort((a, b) => a.priority - b.priority); // Array#sort is stable: ties keep declaration order
}
