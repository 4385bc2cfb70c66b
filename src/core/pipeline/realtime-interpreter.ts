/**
 * The runtime's interpreter: runs the same pipeline generator with real waiting — sleeps on the
 * injected (wall-clock) Scheduler, a provider reached over HTTP, and the answers of stores that
 * reply asynchronously (Redis: the `await` effect). One `await` per effect is fine at live request
 * rates. A store that fails rejects its promise, which ends the run with that error.
 */
import type { Effect, Pipeline } from './effects.js';
import type { RealtimeEnv } from './env.js';
import { CallCutShort, Interrupt, NOT_SENT, type Stop } from './interrupt.js';
import type { LineAnswer } from '../limiter/line.js';
import type { LimitCost } from '../types.js';
import type { SlotResult } from '../workers.js';

function sleep(env: RealtimeEnv, ms: number): Promise<void> {
  return new Promise((resolve) => env.scheduler.at(env.scheduler.now() + ms, resolve));
}

function slot(env: RealtimeEnv, cls: string): SlotResult | Promise<SlotResult> {
  const s = env.scheduler;
  let timer: unknown;
  let resolve!: (r: SlotResult) => void;
  const waiter = {
    settled: false,
    settle(r: SlotResult) {
      if (timer !== undefined) s.cancel(timer);
      resolve(r);
    },
  };
  const r = env.pool.request(cls, waiter, s.now());
  if (!('queued' in r)) return r;
  return new Promise<SlotResult>((res) => {
    resolve = res;
    timer = s.at(r.deadlineAtMs, () => env.pool.expire(r.id, s.now()));
  });
}

function limit(env: RealtimeEnv, model: string, cost: LimitCost): Promise<LineAnswer> {
  return new Promise((admitted, failed) => env.limiter.join(model, cost, { admitted, failed }, env.scheduler.now()));
}

/** Effects that act — take a worker slot, limiter budget, or call the provider — rather than wait or bookkeep. */
const acts = (e: Effect) => e.t === 'slot' || e.t === 'limit' || e.t === 'call';

/**
 * Runs `gen` to its result. An effect that fails (a store that rejects: Redis down) ends the run with
 * its error; a worker slot this run was granted goes back to the pool first (the pipeline releases its
 * slot only on its way out, which a failed run never reaches). A slot a per-session conversation held
 * before this turn stays with it, as its record says.
 *
 * `stop` stops the run once its signal is aborted (the runtime's session lock was lost: another instance
 * may be running a turn of the session): the next effect that acts is not performed, and an Interrupt is
 * thrown into the pipeline in its place (interrupt.ts), so that it can settle what it holds — the limiter
 * reservation of a call admitted and then not sent. A provider call in flight is handed the signal and
 * cut short by it: the Interrupt comes at that call, with the usage the provider had reported. The turn
 * pipeline then ends as a turn failed for `stop.reason`; an Interrupt that comes out of a pipeline ends
 * the run with the signal's reason. Waits and store bookkeeping still run, so a provider call already
 * answered is accounted for.
 */
export async function runRealtime<R>(env: RealtimeEnv, gen: Pipeline<R>, stop?: Stop): Promise<R> {
  let value: unknown;
  let interrupt: Interrupt | undefined;
  let granted = false;
  try {
    for (;;) {
      // A store that throws at once (rather than rejecting) throws here, as does an interrupt the pipeline lets out.
      const step = interrupt === undefined ? gen.next(value) : gen.throw(interrupt);
      interrupt = undefined;
      if (step.done) return step.value;
      const e = step.value;
      if (stop?.signal.aborted && acts(e)) {
        interrupt = new Interrupt(stop.reason, stop.signal.reason, e.t === 'call' ? NOT_SENT : undefined);
        continue;
      }
      try {
        value = await perform(env, e, stop?.signal);
      } catch (err) {
        // A call the signal cut short: the pipeline settles it on what the provider had reported.
        if (e.t !== 'call' || !stop?.signal.aborted) throw err;
        interrupt = new Interrupt(stop.reason, stop.signal.reason, { sent: true, usage: err instanceof CallCutShort ? err.usage : undefined });
        continue;
      }
      if (e.t === 'slot' && (value as SlotResult).ok) granted = true;
    }
  } catch (error) {
    if (granted) env.pool.release(env.scheduler.now());
    throw error instanceof Interrupt ? error.cause : error;
  }
}

/** Waits for one effect and answers what the pipeline resumes with. */
function perform(env: RealtimeEnv, e: Effect, signal: AbortSignal | undefined): Promise<unknown> | unknown {
  switch (e.t) {
    case 'sleep':
      return sleep(env, e.ms);
    case 'call':
      return signal ? env.provider.call(e.req, { signal }) : env.provider.call(e.req);
    case 'slot':
      return slot(env, e.cls);
    case 'limit':
      return limit(env, e.model, e.cost);
    case 'await':
      return e.promise;
  }
}
