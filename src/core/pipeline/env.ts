/** What an interpreter runs the pipeline's effects with: the clock, the worker pool and the provider. */
import type { ProviderOutcome, ProviderRequest, ProviderResult } from '../provider-model.js';
import type { Scheduler, VirtualScheduler } from '../scheduler.js';
import type { WorkerPool } from '../workers.js';
import type { PipelineStores } from './deps.js';

/**
 * Common to both. An env also carries the stores (PipelineStores) so that callers build one object
 * and hand it to `buildDeps` as its `stores`: the pipeline calls the stores, the interpreter waits.
 */
interface CommonEnv extends PipelineStores {
  scheduler: Scheduler;
  pool: WorkerPool;
}

/** The simulator's: memory stores (answers are synchronous) and the provider model. */
export interface VirtualEnv extends CommonEnv {
  scheduler: VirtualScheduler;
  provider: { decide(req: ProviderRequest, nowMs: number): ProviderOutcome };
}

/** Optional callbacks and controls of one provider call. */
export interface CallHooks {
  /** The answer's first token arrived (a streaming client's TTFT). */
  onFirstToken?(): void;
  /**
   * Cuts the call short once aborted (the turn's session lock was lost): the provider stops the request
   * and rejects with CallCutShort (interrupt.ts), carrying the usage it had been told of by then.
   */
  signal?: AbortSignal;
}

/** The runtime's: stores may be Redis (async), the provider is HTTP. */
export interface RealtimeEnv extends CommonEnv {
  provider: { call(req: ProviderRequest, hooks?: CallHooks): Promise<ProviderResult> };
}
