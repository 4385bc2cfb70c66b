/**
 * The provider prompt-cache model's fast paths against oracles: the split of every prompt against the
 * algorithm as first written (a Map, a lookup per prefix), the expiry table against a Map, and the
 * request-key hashes the pipeline builds against hashing the keys.
 */
import { describe, expect, it } from 'vitest';
import { MemoryResponseCache } from '../../../src/core/cache/index.js';
import { Conversation, segment, type Segment } from '../../../src/core/context.js';
import { MemoryCostCounters } from '../../../src/core/cost/index.js';
import { ExpiryTable } from '../../../src/core/expiry-table.js';
import { LimiterLine, MemoryLimiter } from '../../../src/core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig } from '../../../src/core/pipeline/build.js';
import type { CachedAnswer } from '../../../src/core/pipeline/effects.js';
import { turnPipeline } from '../../../src/core/pipeline/turn.js';
import { runVirtual } from '../../../src/core/pipeline/virtual-interpreter.js';
import { DEFAULT_MIN_CACHEABLE_TOKENS, PromptCache, PromptCacheEstimate, promptCachingOf, type PromptCaching } from '../../../src/core/prompt-cache.js';
import { ProviderModel, type ProviderRequest } from '../../../src/core/provider-model.js';
import { MemoryTaskQueue } from '../../../src/core/queue/index.js';
import { VirtualScheduler } from '../../../src/core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../../../src/core/workers.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { Rng, hashString } from '../../../src/scenario/rng.js';

/** The prompt-cache algorithm as first written (forward scan, a lookup per prefix, sweep each minute): the oracle. */
class ReferencePromptCache {
  private readonly entries = new Map<number, number>();
  private sweepAtMs = 0;

  apply(model: string, segments: readonly Segment[], nowMs: number, caching: PromptCaching | undefined) {
    let total = 0;
    for (const s of segments) total += s.tokens;
    if (!caching || total < caching.minTokens) return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const ttl = caching.ttl;
    const ttlMs = ttl === '5m' ? 300_000 : 3_600_000;
    if (nowMs >= this.sweepAtMs) {
      this.sweepAtMs = nowMs + 60_000;
      for (const [k, exp] of this.entries) if (exp <= nowMs) this.entries.delete(k);
    }
    let a = hashString(model);
    let b = 0x9e3779b9;
    let acc = 0;
    let read = 0;
    let readId = -1;
    let id = 0;
    let systemId = -1;
    for (const s of segments) {
      a = Math.imul(a ^ s.hash, 0x01000193) >>> 0;
      b = Math.imul((b ^ (s.hash + s.tokens)) >>> 0, 0x85ebca6b) >>> 0;
      acc += s.tokens;
      id = a * 2097152 + (b >>> 11);
      if (systemId < 0) systemId = id;
      const exp = this.entries.get(id);
      if (exp !== undefined && exp > nowMs) {
        read = acc;
        readId = id;
      }
    }
    if (readId >= 0) this.entries.set(readId, nowMs + ttlMs);
    if (segments[0]!.tokens >= caching.minTokens) this.entries.set(systemId, nowMs + ttlMs);
    this.entries.set(id, nowMs + ttlMs);
    const write = total - read;
    return { inputTokens: 0, cacheReadTokens: read, cacheWrite5mTokens: ttl === '5m' ? write : 0, cacheWrite1hTokens: ttl === '1h' ? write : 0 };
  }
}

describe('PromptCache', () => {
  it('splits every prompt as the forward-scan algorithm did, over many interleaved conversations', () => {
    const rng = new Rng(4, 'prompt-cache');
    const fast = new PromptCache();
    const ref = new ReferencePromptCache();
    const policies = [{ policy: 'full' as const }, { policy: 'window' as const, turns: 3 }];
    const convs = Array.from({ length: 300 }, (_, i) => ({ c: new Conversation(`s${i}`, 800 + 100 * (i % 5), policies[i % 2]!), turn: 0, model: i % 3 === 0 ? 'haiku' : 'sonnet' }));
    let now = 0;
    let reads = 0;
    let systemOnly = 0; // reads of the system prompt alone (a slid window, a new conversation)
    for (let step = 0; step < 20_000; step++) {
      now += rng.int(4000); // conversations come back within and after the 5-minute lifetime
      const x = convs[rng.int(convs.length)]!;
      x.c.beginTurn(++x.turn, 20 + rng.int(400));
      const calls = 1 + rng.int(3);
      for (let k = 1; k <= calls; k++) {
        const segments = x.c.prompt();
        // haiku: a 1-hour lifetime and a minimum above some system prompts (800–1,200) and many whole prompts.
        const caching: PromptCaching | undefined = x.model === 'haiku' ? { ttl: '1h', minTokens: 1100 } : step % 7 === 0 ? undefined : { ttl: '5m', minTokens: DEFAULT_MIN_CACHEABLE_TOKENS };
        const got = fast.apply(x.model, segments, now, caching);
        expect(got).toEqual(ref.apply(x.model, segments, now, caching));
        if (got.cacheReadTokens > 0) reads++;
        if (got.cacheReadTokens > 0 && got.cacheReadTokens < 1600) systemOnly++;
        x.c.recordCall(k, 50 + rng.int(300), k < calls ? rng.int(600) : 0);
      }
      x.c.endTurn();
    }
    expect(reads).toBeGreaterThan(10_000);
    expect(systemOnly).toBeGreaterThan(1000);
  });
});

describe('ExpiryTable', () => {
  it('answers liveness as a Map of expiries does, through take-overs and rebuilds', () => {
    const rng = new Rng(5, 'expiry-table');
    const table = new ExpiryTable();
    const ref = new Map<number, number>();
    const keys = Array.from({ length: 30_000 }, () => rng.nextUint32() * 2097152 + (rng.nextUint32() >>> 11));
    let now = 0;
    for (let i = 0; i < 300_000; i++) {
      now += rng.int(3);
      const key = keys[rng.int(rng.next() < 0.5 ? 500 : keys.length)]!; // a hot set and a long tail
      const exp = ref.get(key);
      expect(table.isLive(key, now)).toBe(exp !== undefined && exp > now);
      if (rng.next() < 0.5) {
        const at = now + 1 + rng.int(20_000);
        table.set(key, at, now);
        ref.set(key, at);
      }
    }
    expect(table.size).toBeLessThan(ref.size); // lapsed entries were reclaimed
  });
});

describe('request-key hashes built by the pipeline', () => {
  it('agree with the request keys, through summaries, retries and fallbacks', () => {
    const parsed = parseScenario(
      `seed: 3
users: { dailyActive: 100, concurrencyRatio: 1% }
conversation: { context: { policy: summarise, after: 2, summaryTokens: 300, model: haiku } }
models:
  sonnet: { id: claude-sonnet-4-5 }
  haiku: { id: claude-haiku-4-5 }
router: { default: sonnet, fallback: [haiku], cooldown: 0s }
retry: { maxAttempts: 4, baseDelay: 100ms }
breaker: false
faults: [{ at: 0s, for: 1h, errorRate: 40%, status: 529 }]
`,
      'hashes.yaml',
    );
    expect(parsed.problems).toEqual([]);
    const s = parsed.scenario!;
    const sched = new VirtualScheduler();
    const model = new ProviderModel(s, s.seed);
    const keys: string[] = [];
    const provider = {
      decide(req: ProviderRequest, nowMs: number) {
        keys.push(req.requestKey);
        expect(req.requestKeyHash).toBe(hashString(req.requestKey));
        return model.decide(req, nowMs);
      },
    };
    const qc = queueConfig(s);
    const env = { scheduler: sched, pool: new WorkerPool(100, new MemoryTaskQueue<SlotWaiter>(qc), qc), cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(s)!), limiter: new LimiterLine(new MemoryLimiter(limiterConfig(s)), sched), counters: new MemoryCostCounters(), provider };
    const deps = buildDeps(s, { now: () => sched.now(), stores: env });
    for (let id = 0; id < 20; id++) {
      const conversation = new Conversation(`s${id}`, 1500, s.conversation.context);
      const play = (t: number) => {
        const turn = { index: t, userTokens: 50, promptKey: `s${id}-t${t}`, calls: [1, 2].map((index) => ({ index, outputTokens: 80, toolLatencyAfterMs: index === 1 ? 100 : 0, toolResultTokens: index === 1 ? 200 : 0 })) };
        runVirtual(env, turnPipeline(deps, { sessionKey: `s${id}`, priority: 'standard', turn, lastTurn: t === 4, conversation, holdingSlot: false }), (o) => {
          if (t < 4 && o.status === 'ok') play(t + 1);
        });
      };
      play(1);
      sched.run();
    }
    expect(keys.some((k) => k.includes('/summary/'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/a2'))).toBe(true); // retried or fell back
  });
});

describe('PromptCacheEstimate (the pipeline\'s view, for ITPM)', () => {
  it('counts what the provider\'s prompt cache counts, call by call, for conversations under every context policy', () => {
    const policies = [
      { policy: 'full' as const },
      { policy: 'window' as const, turns: 2 },
      { policy: 'summarise' as const, after: 3, summaryTokens: 500, model: 'm' },
    ];
    for (const [policy, minTokens] of policies.flatMap((p) => [1024, 1700].map((min) => [p, min] as const))) {
      const caching: PromptCaching = { ttl: '5m', minTokens };
      const provider = new PromptCache();
      const estimate = new PromptCacheEstimate(new Map([['m', caching]]));
      const rng = new Rng(11, 'estimate', policy.policy);
      let t = 0;
      let checked = 0;
      // Three conversations interleaved, sharing the system prompt; gaps now and then past the 5 m TTL.
      const convs = [0, 1, 2].map((k) => new Conversation(`s${k}`, 1500, policy as never));
      for (let turn = 1; turn <= 8; turn++) {
        for (const conv of convs) {
          const due = conv.summaryDue();
          if (due) conv.applySummary(due.outputTokens);
          conv.beginTurn(turn, 100 + rng.int(400));
          for (let call = 1; call <= 2; call++) {
            t += rng.next() < 0.1 ? 400_000 : 1000 + rng.int(20_000);
            const segs = conv.prompt();
            const total = segs.reduce((a, x) => a + x.tokens, 0);
            const u = provider.apply('m', segs, t, caching);
            expect(estimate.itpmTokens('m', segs, total, t), `${policy.policy} min ${minTokens} turn ${turn} call ${call}`).toBe(u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens);
            checked++;
            conv.recordCall(call, 200, call === 1 ? 300 : 0);
          }
          conv.endTurn();
        }
      }
      expect(checked).toBe(48);
    }
  });
});

describe('minimum cacheable prompt, per model', () => {
  const s = (() => {
    const p = parseScenario(
      `
users: { dailyActive: 10, concurrencyRatio: 10% }
models:
  haiku: { id: claude-haiku-4-5, promptCaching: { ttl: 5m } }
  sonnet: { id: claude-sonnet-4-5, promptCaching: { ttl: 5m } }
  tuned: { id: claude-haiku-4-5, promptCaching: { ttl: 1h, minTokens: 2000 } }
  custom: { id: my-model, price: { input: $1/Mtok, output: $2/Mtok }, promptCaching: { ttl: 5m } }
  off: { id: claude-haiku-4-5 }
`,
      'min-cacheable.yaml',
    );
    expect(p.problems).toEqual([]);
    return p.scenario!;
  })();

  it('comes from the scenario, else from the catalog entry of the model id, else 1,024', () => {
    expect(promptCachingOf(s.models.haiku!)).toEqual({ ttl: '5m', minTokens: 4096 });
    expect(promptCachingOf(s.models.sonnet!)).toEqual({ ttl: '5m', minTokens: 1024 });
    expect(promptCachingOf(s.models.tuned!)).toEqual({ ttl: '1h', minTokens: 2000 });
    expect(promptCachingOf(s.models.custom!)).toEqual({ ttl: '5m', minTokens: DEFAULT_MIN_CACHEABLE_TOKENS });
    expect(promptCachingOf(s.models.off!)).toBeUndefined();
  });

  it('bills a prompt under the model\'s minimum as plain input: Haiku 4.5 (4,096) does not cache what Sonnet 4.5 (1,024) does', () => {
    const pm = new ProviderModel(s, 1);
    // A conversation whose prompt grows from 2,100 to 2,950 tokens, one call every 10 s.
    const prompts = [[2000, 100], [2000, 100, 50, 300], [2000, 100, 50, 300, 200, 100]];
    const usages = (model: string) =>
      prompts.map((sizes, i) => {
        const segments = sizes.map((t, k) => segment(`${model}-seg${k}`, t));
        const req: ProviderRequest = { model, requestKey: `${model}/c${i}`, segments, outputTokens: 10, maxTokens: 100, timeoutMs: 600_000 };
        const r = pm.decide(req, i * 10_000).result;
        if (!r.ok) throw new Error(`unexpected ${r.kind}`);
        return [r.usage.inputTokens, r.usage.cacheWrite5mTokens, r.usage.cacheReadTokens];
      });
    expect(usages('haiku')).toEqual([[2100, 0, 0], [2450, 0, 0], [2750, 0, 0]]);
    expect(usages('sonnet')).toEqual([[0, 2100, 0], [0, 350, 2100], [0, 300, 2450]]);
  });
});
