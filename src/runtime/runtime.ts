/**
 * The live runtime's components, built from a scenario exactly as the simulator builds its own
 * (core/pipeline/build.ts): same router, breakers, retry policy, pricing, limiter/queue/cache
 * configuration — with a wall-clock scheduler, Redis stores when several instances share state, and a
 * provider reached over HTTP. `buildApp` (app.ts) puts HTTP in front of it.
 */
import type { Redis } from 'ioredis';
import { MemoryResponseCache } from '../core/cache/index.js';
import type { ResponseCache } from '../core/cache/types.js';
import { MemoryCostCounters } from '../core/cost/index.js';
import type { CostCounters } from '../core/cost/types.js';
import { LimiterLine, MemoryLimiter } from '../core/limiter/index.js';
import type { Limiter } from '../core/limiter/types.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig } from '../core/pipeline/build.js';
import type { PipelineDeps } from '../core/pipeline/deps.js';
import type { CachedAnswer } from '../core/pipeline/effects.js';
import type { RealtimeEnv } from '../core/pipeline/env.js';
import { MemoryTaskQueue } from '../core/queue/index.js';
import type { Scheduler } from '../core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../core/workers.js';
import type { Scenario } from '../scenario/schema.js';
import { RuntimeMetrics } from './metrics.js';
import { RealScheduler } from './real-scheduler.js';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from './sessions.js';
import { RedisResponseCache } from './stores/redis-cache.js';
import { RedisCostCounters } from './stores/redis-cost-counters.js';
import { RedisLimiter } from './stores/redis-limiter.js';

/** Text of conversation segments (user messages, answers), by segment key. */
export interface TextStore {
  get(key: string): string | undefined;
  set(key: string, text: string): void;
}

export interface RuntimeOptions {
  scenario: Scenario;
  provider: RealtimeEnv['provider'];
  texts: TextStore;
  /** Shared state across instances (limiter, cache, cost counters, sessions, async tasks). */
  redis?: Redis;
  /** Redis key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Override the scenario's workers per instance and slots per worker. */
  workers?: number;
  concurrency?: number;
  /** Scenario ms per real ms (a compressed replay against a compressed mock provider). */
  timeScale?: number;
  seed?: number;
  processMetrics?: boolean;
}

export interface Runtime {
  scenario: Scenario;
  deps: PipelineDeps;
  env: RealtimeEnv;
  scheduler: Scheduler;
  sessions: SessionStore;
  texts: TextStore;
  metrics: RuntimeMetrics;
  redis: Redis | undefined;
  prefix: string;
  slots: number;
  /** Scenario ms per real ms (1 in production). */
  timeScale: number;
  /** Set when the runtime drains for shutdown: new turns are refused. */
  draining: boolean;
}

export function createRuntime(o: RuntimeOptions): Runtime {
  const s = o.scenario;
  const timeScale = o.timeScale ?? 1;
  const scheduler = new RealScheduler(timeScale, 0);
  const prefix = o.prefix ?? 'hr';
  const slots = (o.workers ?? s.workers.count) * (o.concurrency ?? s.workers.concurrency);
  const qc = queueConfig(s);
  const cc = cacheConfig(s) ?? { ttlMs: 1, maxEntries: 1, maxBytes: 1 };
  let limiter: Limiter;
  let cache: ResponseCache<CachedAnswer>;
  let counters: CostCounters;
  let sessions: SessionStore;
  if (o.redis) {
    limiter = new RedisLimiter(o.redis, limiterConfig(s), { prefix, onStoreDown: s.limiter.onStoreDown, timeScale });
    // Redis expires entries on its own (real-time) clock: a scenario TTL lasts ttl / timeScale real ms.
    cache = new RedisResponseCache<CachedAnswer>(o.redis, { prefix, config: { ...cc, ttlMs: Math.max(1, cc.ttlMs / timeScale) } });
    counters = new RedisCostCounters(o.redis, { prefix });
    sessions = new RedisSessionStore(o.redis, prefix);
  } else {
    limiter = new MemoryLimiter(limiterConfig(s));
    cache = new MemoryResponseCache<CachedAnswer>(cc);
    counters = new MemoryCostCounters();
    sessions = new MemorySessionStore();
  }
  const pool = new WorkerPool(slots, new MemoryTaskQueue<SlotWaiter>(qc), qc);
  const metrics = new RuntimeMetrics({ processMetrics: o.processMetrics ?? false });
  const env: RealtimeEnv = { scheduler, pool, cache, limiter: new LimiterLine(limiter, scheduler), counters, provider: o.provider };
  const deps = buildDeps(s, {
    seed: o.seed ?? s.seed,
    now: () => scheduler.now(),
    stores: env,
    onBreaker: (t) => metrics.breaker.set({ model: t.model }, t.to === 'closed' ? 0 : t.to === 'half-open' ? 1 : 2),
  });
  return { scenario: s, deps, env, scheduler, sessions, texts: o.texts, metrics, redis: o.redis, prefix, slots, timeScale, draining: false };
}
