/**
 * The load generator's `--connections`: at most `size` turn requests on the wire at once, the others
 * waiting their turn in arrival order. The replay takes a slot before it hands a request to its undici
 * pool (which has as many connections, one request each), so the pool has a connection for every request
 * it is handed (at most a tick late, while the one just released is handed back) and the wait for a
 * connection is measured here, where it is known, instead of hiding inside the pool and in the target's
 * latency: a turn that waited 700 ms for the generator's only connection read as 700 ms
 * more of the target's latency (k6 reports the same wait apart as `http_req_blocked`).
 *
 * Not clock-aware: the caller times the wait (the replay's own clock, in its own unit).
 */
export class ConnectionSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Takes a free slot now (true), or none is free (false). */
  take(): boolean {
    if (this.free === 0) return false;
    this.free--;
    return true;
  }

  /**
   * Waits in line for a slot (after `take` found none): resolves with true once it is the caller's, or false
   * when `signal` is aborted first; then no slot was taken and none must be released.
   */
  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.take()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = () => {
        const i = this.waiting.indexOf(granted);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      };
      this.waiting.push(granted);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /** Gives a slot back: to the longest waiter, if any (the slot passes on without ever being free). */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }
}
