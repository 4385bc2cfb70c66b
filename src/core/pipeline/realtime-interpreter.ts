/**
 * The runtime's interpreter: runs the same pipeline generator with real waiting — sleeps on the
 * injected (wall-clock) Scheduler, stores that may answer asynchronously (Redis), and a provider
 * reached over HTTP. One `await` per effect is fine at live request rates.
 */
import type { Pipeline } from './effects.js';
import type { RealtimeEnv } from './env.js';
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

export async function runRealtime<R>(env: RealtimeEnv, gen: Pipeline<R>): Promise<R> {
  const s = env.scheduler;
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
      case 'release':
        env.pool.release(s.now());
        value = undefined;
        break;
      case 'cacheGet':
        value = await env.cache.get(e.key, s.now());
        break;
      case 'cacheSet':
        value = await env.cache.set(e.key, e.value, e.sizeBytes, s.now());
        break;
      case 'acquire':
        value = await env.limiter.acquire(e.model, e.cost, s.now());
        break;
      case 'settle':
        value = await env.limiter.settle(e.model, e.reserved, e.actual, s.now());
        break;
      case 'account':
        value = await env.counters.add(e.model, e.usage, e.costNanos);
        break;
    }
  }
}
