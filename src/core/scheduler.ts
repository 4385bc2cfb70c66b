/**
 * Time, injected. Core components never read a clock or set a timer: they take `now` as a number or
 * ask a Scheduler. The simulator runs a VirtualScheduler (time jumps from event to event); the runtime
 * a real one (src/runtime/real-scheduler.ts) whose `now()` is the wall clock, optionally compressed.
 */

export interface Scheduler {
  /** Current time in ms. */
  now(): number;
  /** Runs `fn` at time `atMs` (or as soon as possible if that is in the past); returns a handle for cancel. */
  at(atMs: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

/** Something the VirtualScheduler can resume with a value (see `VirtualScheduler.resumeAt`). */
export interface Resumable {
  resume(value: unknown): void;
}

/** One shape for both kinds of event (closure or target + value), so the heap code stays monomorphic. */
interface Event {
  at: number;
  pri: number;
  seq: number;
  fn: (() => void) | null;
  target: Resumable | null;
  value: unknown;
  /** A `resumeAt` event: nobody holds it as a handle, so it is reused once run. */
  pooled: boolean;
}

/**
 * A discrete-event clock in the manner of SimPy's core: a binary heap keyed (time, priority, sequence).
 * `seq` is a per-instance counter, never a static one, so ties break identically on every run.
 * Cancelled events stay in the heap with nothing to run and are skipped when popped (O(1) cancel).
 */
export class VirtualScheduler implements Scheduler {
  private heap: Event[] = [];
  /** Run `resumeAt` events, ready for reuse (a simulated day schedules millions; reuse spares the GC). */
  private spare: Event[] = [];
  private seq = 0;
  /** Declared with a number, not bare: see BucketSet in limiter/memory-limiter.ts (a bare field boxes every double stored into it). */
  private t = 0;
  /** Events executed so far (for events/s figures). */
  executed = 0;

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  at(atMs: number, fn: () => void, priority = 1): Event {
    const e: Event = { at: atMs < this.t ? this.t : atMs, pri: priority, seq: this.seq++, fn, target: null, value: undefined, pooled: false };
    this.push(e);
    return e;
  }

  /**
   * Like `at`, but calls `target.resume(value)`. Performance: the simulator resumes a pipeline process
   * at nearly every event; passing the process and its value spares a closure per event. Ties break
   * exactly as with `at` (one sequence number per scheduled event, whichever the kind). Returns no
   * handle: such an event cannot be cancelled, and its object is reused once it has run.
   */
  resumeAt(atMs: number, target: Resumable, value: unknown, priority = 1): void {
    const at = atMs < this.t ? this.t : atMs;
    const e = this.spare.pop();
    if (e === undefined) {
      this.push({ at, pri: priority, seq: this.seq++, fn: null, target, value, pooled: true });
      return;
    }
    e.at = at;
    e.pri = priority;
    e.seq = this.seq++;
    e.target = target;
    e.value = value;
    this.push(e);
  }

  cancel(handle: unknown): void {
    const e = handle as Event;
    e.fn = null;
    e.target = null;
    e.value = undefined;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next event, or Infinity. */
  peek(): number {
    return this.heap.length > 0 ? this.heap[0]!.at : Infinity;
  }

  /** Executes the next event; false when none is left. */
  step(): boolean {
    const e = this.pop();
    if (!e) return false;
    this.t = e.at;
    const { fn, target } = e;
    if (target !== null) {
      const value = e.value;
      e.target = null; // a later cancel(handle) of a run event is a no-op; drop references for the GC
      e.value = undefined;
      if (e.pooled) this.spare.push(e);
      this.executed++;
      target.resume(value);
    } else if (fn !== null) {
      e.fn = null;
      this.executed++;
      fn();
    }
    return true;
  }

  /** Runs events until the clock would pass `untilMs` (then sets the clock to it) or none are left. */
  run(untilMs = Infinity): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= untilMs) this.step();
    if (untilMs !== Infinity && untilMs > this.t) this.t = untilMs;
  }

  private less(a: Event, b: Event): boolean {
    return a.at < b.at || (a.at === b.at && (a.pri < b.pri || (a.pri === b.pri && a.seq < b.seq)));
  }

  private push(e: Event): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || !last) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
