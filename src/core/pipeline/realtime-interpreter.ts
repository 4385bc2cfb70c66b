/**
 * The runtime's interpreter: runs the same pipeline generator with real waiting — sleeps on the
 * injected (wall-clock) Scheduler, a provider reached over HTTP, and the answers of stores that
 * reply asynchronously (Redis: the `await` effect). One `await` per effect is fine at live request
 * rates. A store that fails rejects its promise, which ends the run with that error.
 */
import type { Pipeline } from './effects.js';
import type { RealtimeEnv } from './env.js';
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

export async function runRealtime<R>(env: RealtimeEnv, gen: Pipeline<R>): Promise<R> {
  let value: unknown;
  for (;;) {
    const step = gen.next(value);
    if (step.done) return step.value;
    const e = step.value;
    switch (e.t) {
      case 'sleep':
        value = await sleep(env, e.ms);
        break;
      case 'call':
        value = await env.provider.call(e.req);
        break;
      case 'slot':
        value = await slot(env, e.cls);
        break;
      case 'limit':
        value = await limit(env, e.model, e.cost);
        break;
      case 'await':
        value = await e.promise;
        break;
    }
  }
}
