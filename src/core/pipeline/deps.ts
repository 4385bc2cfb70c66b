/** What the pipeline needs besides effects: the scenario, the clock and the pure decision components. */
import type { BreakerSet } from '../breaker/index.js';
import type { Pricing } from '../pricing.js';
import type { RetryPolicy } from '../retry/index.js';
import type { Router } from '../router/index.js';
import type { Scenario } from '../../scenario/schema.js';
import type { Usage } from '../types.js';

export interface PipelineDeps {
  scenario: Scenario;
  seed: number;
  now(): number;
  router: Router;
  breakers: BreakerSet | undefined;
  retry: RetryPolicy;
  pricing: Pricing;
  /** Output tokens to reserve against OTPM before the answer is known. */
  outputEstimate(model: string): number;
  cacheEnabled: boolean;
}

export interface Charge {
  model: string;
  usage: Usage;
  costNanos: number;
}

/**
 * Running figures of one turn, filled in by the pipeline as it goes. Created with every field set
 * (one hidden class), mutated in place and returned as the turn's outcome: no spreads on the hot path.
 */
export interface TurnTally {
  queueWaitMs: number;
  limiterWaitMs: number;
  limiterWaits: number;
  /** Limiter waits by `model:binding` (which bucket held the request back). */
  limiterWaitsBy: Partial<Record<string, number>>;
  providerMs: number;
  retryWaitMs: number;
  toolMs: number;
  attempts: number;
  retries: number;
  fallbacks: number;
  breakerRejections: number;
  failures: Partial<Record<string, number>>;
  routes: string[];
  charges: Charge[];
}

export function newTally(): TurnTally {
  return { queueWaitMs: 0, limiterWaitMs: 0, limiterWaits: 0, limiterWaitsBy: {}, providerMs: 0, retryWaitMs: 0, toolMs: 0, attempts: 0, retries: 0, fallbacks: 0, breakerRejections: 0, failures: {}, routes: [], charges: [] };
}

