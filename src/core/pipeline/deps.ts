/** What the pipeline needs besides effects: the scenario, the clock, the stores and the pure decision components. */
import type { BreakerSet } from '../breaker/index.js';
import type { ResponseCache } from '../cache/types.js';
import type { CostCounters } from '../cost/types.js';
import type { LimiterLine } from '../limiter/line.js';
import type { Pricing } from '../pricing.js';
import type { PromptCacheEstimate } from '../prompt-cache.js';
import type { RetryPolicy } from '../retry/index.js';
import type { Router } from '../router/index.js';
import type { Scenario } from '../../scenario/schema.js';
import type { Usage } from '../types.js';
import type { WorkerPool } from '../workers.js';
import type { CachedAnswer } from './effects.js';

/**
 * Shared state the pipeline calls directly (effects.ts says why). Memory stores answer at once; Redis
 * stores answer with a Promise, which the pipeline yields as an `await` effect. The pool is the
 * interpreter's (a slot request may wait, so it is the `slot` effect); the pipeline only releases.
 */
export interface PipelineStores {
  pool: WorkerPool;
  cache: ResponseCache<CachedAnswer>;
  /** The limiter behind its waiting line: the pipeline enters and settles; a wait is the `limit` effect. */
  limiter: LimiterLine;
  counters: CostCounters;
}

export interface PipelineDeps {
  scenario: Scenario;
  seed: number;
  now(): number;
  stores: PipelineStores;
  router: Router;
  breakers: BreakerSet | undefined;
  retry: RetryPolicy;
  pricing: Pricing;
  /** What the provider's prompt cache will read of a prompt, so ITPM is reserved for the rest only. */
  promptEstimate: PromptCacheEstimate;
  /** Output tokens to reserve against OTPM before the answer is known. */
  outputEstimate(model: string): number;
  cacheEnabled: boolean;
  /** `scenario.workers.mode === 'perSession'`, compared once (a parsed string compares by its characters). */
  perSession: boolean;
}

export interface Charge {
  model: string;
  usage: Usage;
  costNanos: number;
}

/**
 * Running figures of one turn, filled in by the pipeline as it goes. Created with every field set
 * (one hidden class), mutated in place and returned as the turn's outcome: no spreads on the hot path.
 * The lists and count maps start as shared frozen empties and are replaced as they grow (core/lists.ts).
 */
export interface TurnTally {
  queueWaitMs: number;
  limiterWaitMs: number;
  limiterWaits: number;
  /** Limiter waits by `model:binding` (which bucket held the request back). */
  limiterWaitsBy: Readonly<Partial<Record<string, number>>>;
  providerMs: number;
  retryWaitMs: number;
  toolMs: number;
  attempts: number;
  retries: number;
  fallbacks: number;
  breakerRejections: number;
  failures: Readonly<Partial<Record<string, number>>>;
  /** One explanation per routing decision. */
  routes: readonly string[];
  charges: readonly Charge[];
}

