/**
 * What every Redis store does with a call: bound it in time, so a connection that stops answering cannot
 * hang a request, and turn a failure into a HeadroomError that says which store and operation: Redis
 * unavailable (HEADROOM_ERR_REDIS_UNAVAILABLE, a 503 `store_unavailable` at the runtime's edge) or, for an
 * error inside one of our Lua scripts, an internal error. Only the limiter had this; the cache, queue
 * and cost counters let ioredis' own errors through (a 500) and waited forever on a silent server.
 */
import { ErrorCode, HeadroomError } from '../../errors.js';

/**
 * Errors Redis raises for its own condition, not our script's: out of memory, a read-only replica (a
 * stale connection after a failover), no master, busy with a script, loading, cluster down. Redis 7
 * suffixes these with the script location too, so they must be told apart from script bugs by code.
 */
const STORE_CONDITION = /^(OOM|READONLY|MASTERDOWN|BUSY|LOADING|NOREPLICAS|CLUSTERDOWN|TRYAGAIN)\b/;

/** Lua runtime errors (Redis 7 suffixes them with the script location) mean our script is wrong, not that Redis is down. */
export function isScriptBug(err: unknown): boolean {
  return err instanceof Error && /user_script:\d+/.test(err.message) && !STORE_CONDITION.test(err.message);
}

/** Bounds and names the calls of one store. */
export class StoreCalls {
  private readonly timeouts: CallTimeouts | undefined;

  /** `store`: how errors name it ("response cache"); `timeoutMs` 0 leaves calls unbounded; `hint`: what to do when Redis is down. */
  constructor(
    private readonly store: string,
    timeoutMs = 1000,
    private readonly hint = 'check that Redis is reachable from this instance',
  ) {
    this.timeouts = timeoutMs > 0 ? new CallTimeouts(timeoutMs) : undefined;
  }

  async call<T>(op: string, p: Promise<T>): Promise<T> {
    try {
      return await (this.timeouts ? this.timeouts.bound(p) : p);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (isScriptBug(err)) throw new HeadroomError(ErrorCode.internal, `${this.store} script failed during ${op}: ${why}`, { cause: err });
      throw new HeadroomError(ErrorCode.redisUnavailable, `${this.store} (Redis) unavailable during ${op}: ${why}`, { hint: this.hint, cause: err });
    }
  }
}

interface Pending {
  deadlineAt: number;
  reject: (err: Error) => void;
  done: boolean;
}

/**
 * One fixed timeout for many calls without a timer per call: a setTimeout/clearTimeout pair per call cost
 * about a third of the limiter's throughput (bench/limiter.ts). All calls share the timeout, so deadlines
 * expire in call order: a FIFO queue and one interval, running only while calls are pending, find every
 * overdue call. A late call's own answer is ignored once it was rejected.
 */
export class CallTimeouts {
  private queue: Pending[] = [];
  private head = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly timeoutMs: number) {}

  bound<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadlineAt: performance.now() + this.timeoutMs, reject, done: false };
      this.queue.push(entry);
      // unref: a pending Redis call keeps the process alive by its socket; this timer must not on its own.
      this.timer ??= setInterval(() => this.sweep(), Math.max(5, this.timeoutMs / 4)).unref();
      p.then(
        (v) => ((entry.done = true), resolve(v)),
        (e: unknown) => ((entry.done = true), reject(e)),
      );
    });
  }

  private sweep(): void {
    const now = performance.now();
    while (this.head < this.queue.length) {
      const e = this.queue[this.head]!;
      if (!e.done) {
        if (e.deadlineAt > now) break;
        e.done = true;
        e.reject(new Error(`no answer from Redis within ${this.timeoutMs} ms`));
      }
      this.head++;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      clearInterval(this.timer);
      this.timer = undefined;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head); // compact now and then, not per sweep
      this.head = 0;
    }
  }
}

