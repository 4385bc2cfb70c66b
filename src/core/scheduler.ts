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
  fn: (() => void) | null;
  target: Resumable | null;
  value: unknown;
  /** A `resumeAt` event: nobody holds it as a handle, so it is reused once run. */
  pooled: boolean;
}

/** Tie-breaks at one instant: priority first, then the order of scheduling (`pri·2³⁶ + seq` is exact up to 2¹⁷ priorities and 2³⁶ events). */
const PRI_SCALE = 2 ** 36;

/**
 * A discrete-event clock in the manner of SimPy's core: a binary heap keyed (time, priority, sequence).
 * `seq` is a per-instance counter, never a static one, so ties break identically on every run.
 * Cancelled events stay in the heap with nothing to run and are skipped when popped (O(1) cancel).
 *
 * Performance: the keys live in two typed arrays beside the heap of events (time; priority and
 * sequence as one number), so sifting compares numbers in contiguous memory and touches no event.
 */
export class VirtualScheduler implements Scheduler {
  private heap: Event[] = [];
  private keyAt = new Float64Array(1024);
  private keyTie = new Float64Array(1024);
  /** Run `resumeAt` events, ready for reuse (a simulated day schedules millions; reuse spares the GC). */
  private spare: Event[] = [];
  private seq = 0;
  /** Declared with a number, not bare: see BucketSet in limiter/memory-limiter.ts (a bare field boxes every double stored into it). */
  private t = 0;
  /** Events executed so far (for events/s figures). */
  executed = 0;
  /** Events scheduled and neither run nor cancelled. */
  private live = 0;

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  at(atMs: number, fn: () => void, priority = 1): Event {
    const e: Event = { fn, target: null, value: undefined, pooled: false };
    this.push(e, atMs < this.t ? this.t : atMs, priority * PRI_SCALE + this.seq++);
    return e;
  }

  /**
   * Like `at`, but calls `target.resume(value)`. Performance: the simulator resumes a pipeline process
   * at nearly every event; passing the process and its value spares a closure per event. Ties break
   * exactly as with `at` (one sequence number per scheduled event, whichever the kind). Returns no
   * handle: such an event cannot be cancelled, and its object is reused once it has run.
   */
  resumeAt(atMs: number, target: Resumable, value: unknown, priority = 1): void {
    let e = this.spare.pop();
    if (e === undefined) e = { fn: null, target, value, pooled: true };
    else {
      e.target = target;
      e.value = value;
    }
    this.push(e, atMs < this.t ? this.t : atMs, priority * PRI_SCALE + this.seq++);
  }

  cancel(handle: unknown): void {
    const e = handle as Event;
    if (e.fn !== null || e.target !== null) this.live--; // not run nor cancelled yet
    e.fn = null;
    e.target = null;
    e.value = undefined;
  }

  /**
   * Events still to run. Cancelled ones do not count: a run that loops while events are pending ended
   * only at the last cancelled queue-deadline timer, up to a whole queue timeout after its last event.
   */
  get pending(): number {
    return this.live;
  }

  /** Time of the next event, or Infinity. */
  peek(): number {
    return this.heap.length > 0 ? this.keyAt[0]! : Infinity;
  }

  /** Executes the next event; false when none is left. Cancelled events are dropped on the way, and do not move the clock. */
  step(): boolean {
    for (;;) {
      if (this.heap.length === 0) return false;
      const at = this.keyAt[0]!;
      const e = this.pop();
      const { fn, target } = e;
      if (target !== null) {
        this.t = at;
        this.live--;
        const value = e.value;
        e.target = null; // a later cancel(handle) of a run event is a no-op; drop references for the GC
        e.value = undefined;
        if (e.pooled) this.spare.push(e);
        this.executed++;
        target.resume(value);
        return true;
      }
      if (fn !== null) {
        this.t = at;
        this.live--;
        e.fn = null;
        this.executed++;
        fn();
        return true;
      }
    }
  }

  /** Runs events until the clock would pass `untilMs` (then sets the clock to it) or none are left. */
  run(untilMs = Infinity): void {
    this.runDue(untilMs);
    if (untilMs !== Infinity && untilMs > this.t) this.t = untilMs;
  }

  /**
   * Runs the events due by `untilMs`, leaving the clock at the last one run: a caller that only paces
   * itself by `untilMs` (the simulator's progress slices) does not stretch the run to its pace.
   */
  runDue(untilMs: number): void {
    while (this.heap.length > 0 && this.keyAt[0]! <= untilMs) this.step();
  }

  private push(e: Event, at: number, tie: number): void {
    this.live++;
    const h = this.heap;
    let i = h.length;
    h.push(e);
    if (i >= this.keyAt.length) this.grow();
    const ka = this.keyAt;
    const kt = this.keyTie;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = ka[p]!;
      if (at > pa || (at === pa && tie > kt[p]!)) break;
      h[i] = h[p]!;
      ka[i] = pa;
      kt[i] = kt[p]!;
      i = p;
    }
    h[i] = e;
    ka[i] = at;
    kt[i] = tie;
  }

  /** Removes and returns the earliest event; the heap must not be empty. */
  private pop(): Event {
    const h = this.heap;
    const ka = this.keyAt;
    const kt = this.keyTie;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return top;
    const at = ka[n]!;
    const tie = kt[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (ka[r]! < ka[c]! || (ka[r] === ka[c] && kt[r]! < kt[c]!))) c = r;
      const ca = ka[c]!;
      if (ca > at || (ca === at && kt[c]! > tie)) break;
      h[i] = h[c]!;
      ka[i] = ca;
      kt[i] = kt[c]!;
      i = c;
    }
    h[i] = last;
    ka[i] = at;
    kt[i] = tie;
    return top;
  }

  private grow(): void {
    const a = new Float64Array(this.keyAt.length * 2);
    const b = new Float64Array(this.keyTie.length * 2);
    a.set(this.keyAt);
    b.set(this.keyTie);
    this.keyAt = a;
    this.keyTie = b;
  }
}
