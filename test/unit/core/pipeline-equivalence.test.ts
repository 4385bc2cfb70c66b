/**
 * The one idea, tested: a scripted set of sessions runs through the same pipeline under the virtual
 * interpreter (simulator) and under the real-time interpreter on a compressed wall clock with a fake
 * provider (runtime), and every decision agrees — cache hits, routes, retries, fallbacks, usage, cost.
 */
import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../../../src/core/cache/index.js';
import { Conversation } from '../../../src/core/context.js';
import { MemoryCostCounters } from '../../../src/core/cost/index.js';
import { LimiterLine, MemoryLimiter } from '../../../src/core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig, slotCapacity } from '../../../src/core/pipeline/build.js';
import type { CachedAnswer } from '../../../src/core/pipeline/effects.js';
import { runRealtime } from '../../../src/core/pipeline/realtime-interpreter.js';
import { turnPipeline, type TurnOutcome } from '../../../src/core/pipeline/turn.js';
import { runVirtual } from '../../../src/core/pipeline/virtual-interpreter.js';
import { ProviderModel } from '../../../src/core/provider-model.js';
import { MemoryTaskQueue } from '../../../src/core/queue/index.js';
import { VirtualScheduler, type Scheduler } from '../../../src/core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../../../src/core/workers.js';
import { RealScheduler } from '../../../src/runtime/real-scheduler.js';
import { parseScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import type { Session } from '../../../src/workload/types.js';

const YAML = `
seed: 11
users: { dailyActive: 1000, concurrencyRatio: 1% }
conversation:
  context: { policy: summarise, after: 2, summaryTokens: 300, model: haiku }
models:
  sonnet: { id: claude-sonnet-4-5, latency: { ttft: { dist: lognormal, median: 400ms, p95: 900ms }, outputRate: 200/s }, promptCaching: { ttl: 5m } }
  haiku: { id: claude-haiku-4-5, latency: { ttft: { dist: lognormal, median: 200ms, p95: 500ms }, outputRate: 400/s } }
router:
  default: { sonnet: 0.7, haiku: 0.3 }
  fallback: [haiku, sonnet]
  cooldown: 0s
retry: { maxAttempts: 4, baseDelay: 200ms, maxDelay: 1s }
breaker: false
faults:
  - { model: sonnet, at: 0s, for: 1h, errorRate: 25%, status: 529 }
workers: { count: 50, concurrency: 1 }
`;

/** A fixed script: 24 sessions, 3 turns each, arrivals 4 s apart, openers drawn from 4 FAQ keys. */
function script(): Session[] {
  return Array.from({ length: 24 }, (_, id) => ({
    id,
    startAtMs: id * 4000,
    priority: 'standard',
    turns: [1, 2, 3].map((index) => ({
      index,
      userTokens: 80 + ((id * 7 + index) % 50),
      promptKey: index === 1 ? `faq-${id % 4}` : `s${id}-t${index}`,
      repeated: index === 1,
      calls: [{ index: 1, outputTokens: 120 + ((id * 13 + index) % 90), toolLatencyAfterMs: 0, toolResultTokens: 0 }],
      thinkTimeAfterMs: index === 3 ? 0 : 1500,
    })),
  }));
}

function scenario(): Scenario {
  const r = parseScenario(YAML, 'equivalence.yaml');
  expect(r.problems).toEqual([]);
  return r.scenario!;
}

function stores(s: Scenario, sched: Scheduler, asyncLimiter = false) {
  const limiter = new MemoryLimiter(limiterConfig(s));
  return {
    pool: new WorkerPool(slotCapacity(s), new MemoryTaskQueue<SlotWaiter>(queueConfig(s)), queueConfig(s)),
    cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(s)!),
    limiter: new LimiterLine(asyncLimiter ? answeringLater(limiter) : limiter, sched),
    counters: new MemoryCostCounters(),
  };
}

/** What must agree between the two halves (everything but timing). */
function decisions(o: TurnOutcome) {
  return { status: o.status, reason: o.reason, models: o.charges.map((c) => c.model), usage: o.charges.map((c) => c.usage), costNanos: o.charges.map((c) => c.costNanos), attempts: o.attempts, retries: o.retries, fallbacks: o.fallbacks, failures: o.failures, answerTokens: o.answerTokens };
}

type Record_ = Map<string, ReturnType<typeof decisions>>;

function runSimulated(s: Scenario): Record_ {
  const sched = new VirtualScheduler();
  const env = { scheduler: sched, ...stores(s, sched), provider: new ProviderModel(s, s.seed) };
  const deps = buildDeps(s, { now: () => sched.now(), stores: env });
  const out: Record_ = new Map();
  for (const sess of script()) {
    sched.at(sess.startAtMs, () => {
      const conv = new Conversation(`s${sess.id}`, s.conversation.tokens.systemPrompt, s.conversation.context);
      const run = (i: number) => {
        const turn = sess.turns[i]!;
        runVirtual(env, turnPipeline(deps, { sessionKey: `s${sess.id}`, priority: sess.priority, turn, lastTurn: i === 2, conversation: conv, holdingSlot: false }), (o) => {
          out.set(`s${sess.id}/t${turn.index}`, decisions(o));
          if (i < 2) sched.at(sched.now() + turn.thinkTimeAfterMs, () => run(i + 1));
        });
      };
      run(0);
    });
  }
  sched.run();
  return out;
}

/** A store behind promises, the way a Redis store answers: exercises the pipeline's `await` effect. */
function answeringLater<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (...args: unknown[]) => Promise.resolve((v as (...a: unknown[]) => unknown).apply(target, args)) : v;
    },
  });
}

async function runLive(s: Scenario, timeScale: number, asyncStores = false): Promise<Record_> {
  const sched: Scheduler = new RealScheduler(timeScale, 0);
  const model = new ProviderModel(s, s.seed);
  // The fake provider: the provider model's answer, delivered after its duration on the (compressed) wall clock.
  const provider = {
    call: (req: Parameters<ProviderModel['decide']>[0]) =>
      new Promise<ReturnType<ProviderModel['decide']>['result']>((resolve) => {
        const o = model.decide(req, sched.now());
        sched.at(sched.now() + o.durationMs, () => resolve(o.result));
      }),
  };
  const st = stores(s, sched, asyncStores);
  if (asyncStores) {
    st.cache = answeringLater(st.cache);
    st.counters = answeringLater(st.counters);
  }
  const env = { scheduler: sched, ...st, provider };
  const deps = buildDeps(s, { now: () => sched.now(), stores: env });
  const out: Record_ = new Map();
  const wait = (atMs: number) => new Promise<void>((r) => sched.at(atMs, r));
  await Promise.all(
    script().map(async (sess) => {
      await wait(sess.startAtMs);
      const conv = new Conversation(`s${sess.id}`, s.conversation.tokens.systemPrompt, s.conversation.context);
      for (let i = 0; i < sess.turns.length; i++) {
        const turn = sess.turns[i]!;
        const o = await runRealtime(env, turnPipeline(deps, { sessionKey: `s${sess.id}`, priority: sess.priority, turn, lastTurn: i === 2, conversation: conv, holdingSlot: false }));
        out.set(`s${sess.id}/t${turn.index}`, decisions(o));
        await wait(sched.now() + turn.thinkTimeAfterMs);
      }
    }),
  );
  return out;
}

describe('pipeline: the simulator and the runtime make the same decisions', () => {
  it('same cache hits, routes, retries, fallbacks, usage and cost for a scripted sequence', async () => {
    const s = scenario();
    const sim = runSimulated(s);
    const live = await runLive(s, 40); // ~100 virtual seconds in ~2.5 real seconds

    expect(sim.size).toBe(24 * 3);
    expect([...live.keys()].sort()).toEqual([...sim.keys()].sort());
    for (const [k, v] of sim) expect(live.get(k), k).toEqual(v);

    // The script really exercises the policies it claims to.
    const all = [...sim.values()];
    expect(all.filter((o) => o.status === 'cache-hit').length).toBeGreaterThan(10);
    expect(all.some((o) => o.fallbacks > 0)).toBe(true);
    expect(all.some((o) => o.retries > 0 || o.attempts > 1)).toBe(true);
    expect(new Set(all.flatMap((o) => o.models))).toEqual(new Set(['sonnet', 'haiku']));
    expect(all.some((o) => o.usage.some((u) => u.cacheReadTokens > 0))).toBe(true);
    expect(all.every((o) => o.status === 'ok' || o.status === 'cache-hit')).toBe(true);
  }, 30_000);

  it('the same when the stores answer with promises, as Redis stores do (the await effect)', async () => {
    const s = scenario();
    const sim = runSimulated(s);
    const live = await runLive(s, 40, true);
    expect([...live.keys()].sort()).toEqual([...sim.keys()].sort());
    for (const [k, v] of sim) expect(live.get(k), k).toEqual(v);
  }, 30_000);

  it('the simulator refuses a store that answers with a promise, naming the operation', () => {
    const s = scenario();
    const sched = new VirtualScheduler();
    const env = { scheduler: sched, ...stores(s, sched, true), provider: new ProviderModel(s, s.seed) };
    const deps = buildDeps(s, { now: () => sched.now(), stores: env });
    const conv = new Conversation('s0', s.conversation.tokens.systemPrompt, s.conversation.context);
    const turn = { ...script()[0]!.turns[1]! }; // turn 2: no response cache, straight to the limiter
    expect(() => runVirtual(env, turnPipeline(deps, { sessionKey: 's0', priority: 'standard', turn, lastTurn: true, conversation: conv, holdingSlot: false }), () => {})).toThrow(
      /virtual interpreter needs synchronous stores; limiter\.acquire answered with a Promise/,
    );
  });
});
