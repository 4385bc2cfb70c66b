/**
 * The pipeline's limits against the provider's rules (../shared/reference/anthropic-api.md):
 * - ITPM counts uncached input + cache writes, not cache reads: the limiter reserves that, so a long
 *   conversation whose prompt is mostly cached is neither refused nor held back for its cached part;
 * - a provider that answers 429 did no work: its prompt cache is not written by the refused request;
 * - a call that timed out was worked on: its tokens stay counted in our limiter, as in the provider's;
 * - a prompt longer than the context window is refused before any limiter or provider work;
 * - a model skipped because its breaker is open uses no attempt, and a retry that meets only open
 *   breakers is no retry.
 */
import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../../../src/core/cache/index.js';
import { Conversation, segment } from '../../../src/core/context.js';
import { MemoryCostCounters } from '../../../src/core/cost/index.js';
import { LimiterLine, MemoryLimiter } from '../../../src/core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig } from '../../../src/core/pipeline/build.js';
import type { CachedAnswer } from '../../../src/core/pipeline/effects.js';
import { turnPipeline, type TurnOutcome } from '../../../src/core/pipeline/turn.js';
import { runVirtual } from '../../../src/core/pipeline/virtual-interpreter.js';
import { ProviderModel, type ProviderOutcome, type ProviderRequest } from '../../../src/core/provider-model.js';
import { MemoryTaskQueue } from '../../../src/core/queue/index.js';
import { VirtualScheduler } from '../../../src/core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../../../src/core/workers.js';
import { parseScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';

function scenario(yaml: string): Scenario {
  const p = parseScenario(yaml, 'pipeline-limits.yaml');
  expect(p.problems).toEqual([]);
  return p.scenario!;
}

type Provider = { decide(r: ProviderRequest, nowMs: number): ProviderOutcome };

function harness(s: Scenario, provider?: (pm: ProviderModel) => Provider) {
  const sched = new VirtualScheduler();
  const pm = new ProviderModel(s, s.seed);
  const qc = queueConfig(s);
  const limiter = new MemoryLimiter(limiterConfig(s));
  const env = {
    scheduler: sched,
    pool: new WorkerPool(100, new MemoryTaskQueue<SlotWaiter>(qc), qc),
    cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(s) ?? { ttlMs: 1, maxEntries: 1, maxBytes: 1 }),
    limiter: new LimiterLine(limiter, sched),
    counters: new MemoryCostCounters(),
    provider: provider ? provider(pm) : pm,
  };
  return { sched, pm, limiter, env, deps: buildDeps(s, { now: () => sched.now(), stores: env }) };
}

/** Plays single-call turns of one conversation, `gapMs` apart. */
function play(h: ReturnType<typeof harness>, s: Scenario, systemTokens: number, turns: { userTokens: number; outputTokens: number }[], gapMs = 10_000): TurnOutcome[] {
  const conversation = new Conversation('s1', systemTokens, s.conversation.context);
  const out: TurnOutcome[] = [];
  const turn = (t: number) => {
    const spec = turns[t - 1]!;
    const plan = { index: t, userTokens: spec.userTokens, promptKey: `p${t}`, calls: [{ index: 1, outputTokens: spec.outputTokens, toolLatencyAfterMs: 0, toolResultTokens: 0 }] };
    runVirtual(h.env, turnPipeline(h.deps, { sessionKey: 's1', priority: 'standard', turn: plan, lastTurn: t === turns.length, conversation, holdingSlot: false }), (o) => {
      out.push(o);
      if (t < turns.length) h.sched.at(h.sched.now() + gapMs, () => turn(t + 1));
    });
  };
  turn(1);
  h.sched.run();
  return out;
}

describe('pipeline limits', () => {
  it('reserves ITPM for uncached input and cache writes only: a mostly cached long prompt is admitted', () => {
    // ITPM 20k × 0.9 = 18,000 admitted; turn 2's prompt is 18,200 tokens of which 15,000 are cached.
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
models:
  sonnet: { id: claude-sonnet-4-5, limits: { itpm: 20k }, promptCaching: { ttl: 5m } }
`);
    const h = harness(s);
    const outs = play(h, s, 12_000, [
      { userTokens: 3000, outputTokens: 200 },
      { userTokens: 3000, outputTokens: 200 },
      { userTokens: 3000, outputTokens: 200 },
    ]);
    expect(outs.map((o) => [o.status, o.reason])).toEqual([
      ['ok', undefined],
      ['ok', undefined],
      ['ok', undefined],
    ]);
    const u2 = outs[1]!.charges[0]!.usage;
    expect(u2.cacheReadTokens).toBe(15_000);
    expect(u2.cacheWrite5mTokens).toBe(3_200);
    // 3,200 tokens counted at t ≈ 10 s: nothing held turn 2 back (15,000 + 3,200 would have waited).
    expect(outs[1]!.limiterWaitMs).toBe(0);
  });

  it('a request the provider refuses with 429 does not write its prompt cache', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
models:
  sonnet: { id: claude-sonnet-4-5, limits: { rpm: 2 }, promptCaching: { ttl: 5m } }
`);
    const pm = new ProviderModel(s, 1);
    const req = (k: string, a: number): ProviderRequest => ({ model: 'sonnet', requestKey: `${k}/a${a}`, segments: [segment('system', 2000), segment(k, 500)], outputTokens: 100, maxTokens: 1024, timeoutMs: 600_000 });
    expect(pm.decide(req('s1', 1), 0).result.ok).toBe(true);
    expect(pm.decide(req('s1b', 1), 0).result.ok).toBe(true);
    expect(pm.decide(req('s2', 1), 1000).result).toMatchObject({ ok: false, kind: '429' });
    const retry = pm.decide(req('s2', 2), 61_000).result;
    // The retry reads the shared system prompt and writes its own 500: the refused request wrote nothing.
    expect(retry).toMatchObject({ ok: true, usage: { cacheReadTokens: 2000, cacheWrite5mTokens: 500 } });
  });

  it('after a timeout our limiter keeps the input tokens counted, as the provider does', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
limiter: { margin: 100% }
retry: { maxAttempts: 1 }
models:
  sonnet: { id: claude-sonnet-4-5, timeout: 1s, latency: { ttft: 5s, outputRate: 100/s }, limits: { itpm: 100k, otpm: 100k }, promptCaching: false }
`);
    const h = harness(s);
    const [o] = play(h, s, 20_000, [{ userTokens: 1000, outputTokens: 100 }]);
    expect([o!.status, o!.reason]).toEqual(['failed', 'timeout']);
    const now = h.sched.now();
    expect(h.limiter.levels('sonnet', now).itpm).toEqual(h.pm.limitLevels('sonnet', now).itpm);
    expect(h.limiter.levels('sonnet', now).itpm!.level).toBeLessThan(100_000);
  });

  it('a model skipped because its breaker is open uses no attempt', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
models:
  sonnet: { id: claude-sonnet-4-5 }
  haiku: { id: claude-haiku-4-5 }
router: { default: sonnet, fallback: [haiku], cooldown: 0s }
retry: { maxAttempts: 2, baseDelay: 100ms }
breaker: { minRequests: 1, failureRate: 60%, cooldown: 1h }
`);
    const sent: string[] = [];
    // sonnet is down; haiku answers turn 1 and fails turn 2's first try with a transient 529.
    const h = harness(s, (pm) => ({
      decide(r, now) {
        sent.push(r.requestKey);
        const t2 = sent.filter((k) => k.startsWith('s1/t2')).length;
        if (r.model === 'sonnet' || (r.requestKey.startsWith('s1/t2') && t2 === 1)) return { result: { ok: false, kind: '529', status: 529 }, durationMs: 100 };
        return pm.decide(r, now);
      },
    }));
    const outs = play(h, s, 100, [
      { userTokens: 10, outputTokens: 10 },
      { userTokens: 10, outputTokens: 10 },
    ]);
    // Turn 2: sonnet's breaker is open (skipped, no attempt), haiku's first attempt fails (1 of its 2:
    // under 60 %, its breaker stays closed); the retry routes to sonnet again, skips it, and haiku answers.
    expect(outs[1]).toMatchObject({ status: 'ok', breakerRejections: 2, attempts: 2, retries: 1 });
    expect(sent.filter((k) => k.startsWith('s1/t2'))).toEqual(['s1/t2/c1/a1', 's1/t2/c1/a2']);
  });

  it('a prompt longer than the model\'s context window is refused before the limiter and the provider, and costs nothing', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
models:
  sonnet: { id: claude-sonnet-4-5, contextWindow: 2k, limits: { itpm: 100k } }
`);
    const sent: string[] = [];
    const h = harness(s, (pm) => ({
      decide(r, now) {
        sent.push(r.requestKey);
        return pm.decide(r, now);
      },
    }));
    // System 1,000 + user 600 = 1,600 (fits); turn 2 adds the answer (100) and 600 more: 2,300 > 2,000.
    const outs = play(h, s, 1000, [
      { userTokens: 600, outputTokens: 100 },
      { userTokens: 600, outputTokens: 100 },
    ]);
    expect(outs[0]).toMatchObject({ status: 'ok', attempts: 1 });
    expect(outs[1]).toMatchObject({ status: 'failed', reason: 'context-window', attempts: 0, retries: 0, charges: [] });
    expect(sent).toEqual(['s1/t1/c1/a1']);
    // Nothing was reserved for the refused call: the bucket holds all but turn 1's 1,600 (refilling since).
    expect(h.limiter.levels('sonnet', h.sched.now()).itpm!.level).toBeGreaterThan(100_000 * 0.9 - 1600);
  });

  it('a failure the retry policy gives up on still cools its model down: the next turn routes to the fallback', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
breaker: false
models:
  sonnet: { id: claude-sonnet-4-5 }
  haiku: { id: claude-haiku-4-5 }
router: { default: sonnet, fallback: [haiku], cooldown: 30s }
retry: { maxAttempts: 1 }
`);
    // sonnet answers 529 (overloaded) to everything.
    const h = harness(s, (pm) => ({ decide: (r, now) => (r.model === 'sonnet' ? { result: { ok: false, kind: '529', status: 529 }, durationMs: 100 } : pm.decide(r, now)) }));
    const outs = play(h, s, 100, [
      { userTokens: 10, outputTokens: 10 },
      { userTokens: 10, outputTokens: 10 },
    ]);
    // Turn 1: one attempt allowed, so no fallback; turn 2, 10 s later, is inside sonnet's 30 s cooldown.
    expect(outs[0]).toMatchObject({ status: 'failed', reason: '529', attempts: 1, fallbacks: 0 });
    expect(outs[1]).toMatchObject({ status: 'ok', attempts: 1 });
    expect(outs[1]!.charges.map((c) => c.model)).toEqual(['haiku']);
  });

  it('a retry whose model is breaker-open by then is not counted: retries are requests repeated', () => {
    const s = scenario(`
users: { dailyActive: 10, concurrencyRatio: 10% }
cache: false
models:
  sonnet: { id: claude-sonnet-4-5 }
retry: { maxAttempts: 3, baseDelay: 100ms }
breaker: { minRequests: 1, failureRate: 50%, cooldown: 1h }
`);
    const h = harness(s, () => ({ decide: () => ({ result: { ok: false, kind: '529', status: 529 }, durationMs: 100 }) }));
    const [o] = play(h, s, 100, [{ userTokens: 10, outputTokens: 10 }]);
    // The first request fails and opens the breaker; after the backoff the breaker refuses the model.
    expect(o).toMatchObject({ status: 'failed', reason: 'breaker-open', attempts: 1, retries: 0, breakerRejections: 1 });
    expect(o!.retryWaitMs).toBeGreaterThan(0);
  });
});
