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

/** What a wait rejects with when the run's stop signal ends it before it is over (see `cutShort`). */
const CUT = Symbol('wait cut short');

/**
 * `wait`, or a rejection with CUT as soon as `signal` is aborted (at once if it already is): `cancel`
 * then drops what the wait was for, if it can; what the wait brings after it was cut goes to `giveBack`
 * (a slot granted, a place in the limiter's line admitted), since nobody is there to use it.
 */
function cutShort<T>(wait: Promise<T>, signal: AbortSignal | undefined, giveBack: (late: T) => void, cancel?: () => void): Promise<T> {
  if (!signal) return wait;
  return new Promise<T>((resolve, reject) => {
    let cut = false;
    const onAbort = () => {
      cut = true;
      cancel?.();
      reject(CUT);
    };
    wait.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (cut) giveBack(v);
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!cut) reject(err);
      },
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function sleep(env: RealtimeEnv, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const s = env.scheduler;
  let timer: unknown;
  const wait = new Promise<void>((resolve) => (timer = s.at(s.now() + ms, resolve)));
  return cutShort(wait, signal, () => undefined, () => s.cancel(timer));
}

/**
 * A worker slot: at once, or after a wait in the queue. A wait cut short keeps its place, and the slot
 * it is granted later goes straight back (the queue has no withdrawal; the deadline still ends it).
 */
function slot(env: RealtimeEnv, cls: string, signal: AbortSignal | undefined): SlotResult | Promise<SlotResult> {
  const r = queueFor(env, cls);
  if (!(r instanceof Promise)) return r;
  return cutShort(r, signal, (late) => {
    if (late.ok) env.pool.release(env.scheduler.now());
  });
}

function queueFor(env: RealtimeEnv, cls: string): SlotResult | Promise<SlotResult> {
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

/**
 * A place in the limiter's line. A wait cut short keeps its place, and the budget it is admitted with
 * later is given back at once (the line has no withdrawal): the call it was for will not be sent. A
 * give-back the store fails (Redis down) leaves the buckets debited until they refill; nobody is left
 * to tell.
 */
function limit(env: RealtimeEnv, model: string, cost: LimitCost, signal: AbortSignal | undefined): Promise<LineAnswer> {
  const wait = new Promise<LineAnswer>((admitted, failed) => env.limiter.join(model, cost, { admitted, failed }, env.scheduler.now()));
  return cutShort(wait, signal, (late) => {
    if (!late.ok) return;
    const settled = env.limiter.settle(model, cost, NOTHING_SENT, env.scheduler.now());
    if (settled instanceof Promise) settled.catch(() => undefined);
  });
}

/** What a call never sent used of the limits. */
const NOTHING_SENT: LimitCost = Object.freeze({ requests: 0, inputTokens: 0, outputTokens: 0 });

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
 * cut short by it: the Interrupt comes at that call, with the usage the provider had reported. A wait
 * under way — for a worker slot, in the limiter's line, a tool's latency or a retry's backoff — is cut
 * short too, and the Interrupt comes there; what such a wait is granted later goes back at once. The turn
 * pipeline then ends as a turn failed for `stop.reason`; an Interrupt that comes out of a pipeline ends
 * the run with the signal's reason. Store bookkeeping still runs, so a provider call already answered is
 * accounted for.
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
        // A wait the signal cut short (a slot, the limiter's line, a tool or a backoff): nothing to settle.
        if (err === CUT && stop) {
          interrupt = new Interrupt(stop.reason, stop.signal.reason, undefined);
          continue;
        }
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
      return sleep(env, e.ms, signal);
    case 'call':
      return signal ? env.provider.call(e.req, { signal }) : env.provider.call(e.req);
    case 'slot':
      return slot(env, e.cls, signal);
    case 'limit':
      return limit(env, e.model, e.cost, signal);
    case 'await':
      return e.promise;
  }
}
