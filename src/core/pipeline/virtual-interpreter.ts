/**
 * The simulator's interpreter: runs a pipeline generator on virtual time, synchronously. A slot
 * granted at once resumes the generator in a loop; effects that take time (sleep, a queued slot, a
 * place in the limiter's line, a provider call) schedule the resume on the VirtualScheduler and return.
 * The stores are memory ones, which the pipeline calls directly (effects.ts); an `await` effect (a
 * store that answered with a Promise) is a configuration error here. No Promise is created per effect,
 * and a resume is scheduled as (process, value) with `resumeAt`, not as a closure.
 */
import type { Pipeline } from './effects.js';
import type { VirtualEnv } from './env.js';
import type { LineAnswer, LineWaiter } from '../limiter/line.js';
import type { Resumable } from '../scheduler.js';
import type { SlotResult, SlotWaiter } from '../workers.js';

/** Priority of resumptions at the current instant: before timers due at the same time (priority 1). */
const NOW = 0;

/** Generator steps running now. A waiter told from inside one (a settle gave tokens back) must not run there. */
let stepping = 0;

/**
 * Runs one pipeline generator at a time on virtual time. A session that plays its turns one after the
 * other can keep one and `start` each turn on it (the simulator does: one object per session, not per turn).
 */
export class VirtualProcess<R> implements SlotWaiter, LineWaiter, Resumable {
  settled?: boolean = undefined;
  private deadlineTimer: unknown = undefined;
  private gen: Pipeline<R> | undefined = undefined;

  constructor(
    private readonly env: VirtualEnv,
    private readonly done: (result: R) => void,
  ) {}

  /** Starts `gen` now; the previous one, if any, must have finished. */
  start(gen: Pipeline<R>): void {
    this.gen = gen;
    this.settled = undefined;
    this.deadlineTimer = undefined;
    this.resume(undefined);
  }

  /** SlotWaiter: the pool decided; resume at the current instant (never re-entrantly). */
  settle(result: SlotResult): void {
    if (this.deadlineTimer !== undefined) this.env.scheduler.cancel(this.deadlineTimer);
    const s = this.env.scheduler;
    s.resumeAt(s.now(), this, result, NOW);
  }

  /**
   * LineWaiter: the limiter's line admitted this call (or found it can never fit). From the line's own
   * timer it goes on at once; from inside another process's step it is resumed at the current instant.
   */
  admitted(answer: LineAnswer): void {
    if (stepping === 0) return this.resume(answer);
    const s = this.env.scheduler;
    s.resumeAt(s.now(), this, answer, NOW);
  }

  /** LineWaiter: memory limiters do not fail; a throwing one is a bug, surfaced as such. */
  failed(error: unknown): void {
    throw error;
  }

  resume(value: unknown): void {
    stepping++;
    try {
      this.run(value);
    } finally {
      stepping--;
    }
  }

  private run(value: unknown): void {
    const { env } = this;
    const s = env.scheduler;
    const gen = this.gen!;
    for (;;) {
      const step = gen.next(value);
      if (step.done) {
        this.done(step.value);
        return;
      }
      const e = step.value;
      const now = s.now();
      switch (e.t) {
        case 'sleep':
          s.resumeAt(now + e.ms, this, undefined);
          return;
        case 'call': {
          const o = env.provider.decide(e.req, now);
          s.resumeAt(now + o.durationMs, this, o.result);
          return;
        }
        case 'limit':
          env.limiter.join(e.model, e.cost, this, now);
          return;
        case 'slot': {
          this.settled = false;
          const r = env.pool.request(e.cls, this, now);
          if ('queued' in r) {
            this.deadlineTimer = s.at(r.deadlineAtMs, () => env.pool.expire(r.id, s.now()));
            return;
          }
          value = r;
          break;
        }
        case 'await':
          throw new Error(`the virtual interpreter needs synchronous stores; ${e.what} answered with a Promise`);
      }
    }
  }
}

/** Starts `gen` now on virtual time; `done` gets its result when it finishes. */
export function runVirtual<R>(env: VirtualEnv, gen: Pipeline<R>, done: (result: R) => void): void {
  new VirtualProcess(env, done).start(gen);
}
