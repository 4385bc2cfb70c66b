/**
 * Builds the pipeline's components from a scenario, the same way for both halves: the pure decision
 * components (router, breakers, retry, pricing) and the store configurations (limiter, queue, cache)
 * that memory and Redis stores alike take.
 */
import type { Scenario } from '../../scenario/schema.js';
import { BreakerSet, type BreakerListener } from '../breaker/index.js';
import type { CacheConfig } from '../cache/types.js';
import type { LimiterConfig } from '../limiter/types.js';
import { Pricing } from '../pricing.js';
import { PromptCacheEstimate, promptCachingOf } from '../prompt-cache.js';
import type { QueueConfig } from '../queue/types.js';
import { RetryPolicy } from '../retry/index.js';
import { Router } from '../router/index.js';
import { distMean } from '../../scenario/distributions.js';
import type { PipelineDeps, PipelineStores } from './deps.js';

export function limiterConfig(s: Scenario): LimiterConfig {
  return { models: Object.fromEntries(Object.entries(s.models).map(([n, m]) => [n, { ...m.limits }])), margin: s.limiter.margin };
}

export function queueConfig(s: Scenario): QueueConfig {
  const classes = Object.fromEntries(
    Object.entries(s.queue.classes).map(([n, c]) => [n, { priority: c.priority, weight: c.weight, ...(c.deadline !== undefined ? { deadlineMs: c.deadline } : {}) }]),
  );
  return { depth: s.queue.depth, timeoutMs: s.queue.timeout, discipline: s.queue.discipline, classes };
}

export function cacheConfig(s: Scenario): CacheConfig | undefined {
  return s.cache === false ? undefined : { ttlMs: s.cache.ttl, maxEntries: s.cache.maxEntries, maxBytes: s.cache.maxBytes };
}

/** Worker slots: count × concurrency. */
export function slotCapacity(s: Scenario): number {
  return s.workers.count * s.workers.concurrency;
}

/** `stores`: the interpreter's env (which carries them) or the stores themselves. */
export function buildDeps(s: Scenario, opts: { seed?: number; now: () => number; stores: PipelineStores; onBreaker?: BreakerListener }): PipelineDeps {
  const expected = Math.round(distMean(s.conversation.tokens.output));
  return {
    scenario: s,
    seed: opts.seed ?? s.seed,
    now: opts.now,
    stores: { pool: opts.stores.pool, cache: opts.stores.cache, limiter: opts.stores.limiter, counters: opts.stores.counters },
    router: new Router(s.router, Object.keys(s.models)),
    breakers: s.breaker === false ? undefined : new BreakerSet(s.breaker, opts.onBreaker),
    retry: new RetryPolicy(s.retry),
    pricing: new Pricing(s),
    // Only where it matters: a model with prompt caching on and an ITPM limit.
    promptEstimate: new PromptCacheEstimate(
      new Map(Object.entries(s.models).map(([n, m]) => [n, m.limits.itpm === undefined ? undefined : promptCachingOf(m)])),
    ),
    outputEstimate:
      s.limiter.outputEstimate === 'maxTokens' ? (m) => s.models[m]!.maxTokens : (m) => Math.min(s.models[m]!.maxTokens, expected),
    cacheEnabled: s.cache !== false,
    perSession: s.workers.mode === 'perSession',
  };
}
