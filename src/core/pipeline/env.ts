/** The stateful parts an interpreter gives the pipeline's effects to: stores, worker pool, provider, clock. */
import type { ResponseCache } from '../cache/types.js';
import type { CostCounters } from '../cost/types.js';
import type { Limiter } from '../limiter/types.js';
import type { ProviderOutcome, ProviderRequest, ProviderResult } from '../provider-model.js';
import type { Scheduler, VirtualScheduler } from '../scheduler.js';
import type { WorkerPool } from '../workers.js';
import type { CachedAnswer } from './effects.js';

interface CommonEnv {
  scheduler: Scheduler;
  pool: WorkerPool;
  cache: ResponseCache<CachedAnswer>;
  limiter: Limiter;
  counters: CostCounters;
}

/** The simulator's: memory stores (answers are synchronous) and the provider model. */
export interface VirtualEnv extends CommonEnv {
  scheduler: VirtualScheduler;
  provider: { decide(req: ProviderRequest, nowMs: number): ProviderOutcome };
}

/** Optional callbacks of one provider call (a streaming client's TTFT). */
export interface CallHooks {
  onFirstToken?(): void;
}

/** The runtime's: stores may be Redis (async), the provider is HTTP. */
export interface RealtimeEnv extends CommonEnv {
  provider: { call(req: ProviderRequest, hooks?: CallHooks): Promise<ProviderResult> };
}

export function sync<T>(v: T | Promise<T>, what: string): T {
  if (v instanceof Promise) throw new Error(`the virtual interpreter needs synchronous stores; ${what} answered with a Promise`);
  return v;
}
