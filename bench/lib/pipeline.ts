/**
 * One pass of the request pipeline under the simulator's interpreter, used by bench/core.ts: a fresh
 * session's single-call turn — slot → route → limiter reserve → provider call (the provider model:
 * latency draws, prompt caching, its own rate limits) → settle → account → release — and then the
 * virtual clock runs the call's completion. Response cache and breaker off, limits out of reach, so
 * every pass takes the same path. A new Conversation per pass, as a one-turn session has.
 *
 * Two diagnostic variants (the goal is judged on the pass above):
 * - `provider: 'fixed'`: a provider that answers every call the same at once (no latency draws, no
 *   prompt cache, no provider limits): the pipeline's and the stores' own cost;
 * - `stages: 'all'`: response cache (a miss and a store: every pass has its own prompt) and breaker
 *   on as well.
 */
import { MemoryResponseCache } from '../../src/core/cache/index.js';
import { Conversation } from '../../src/core/context.js';
import { MemoryCostCounters } from '../../src/core/cost/index.js';
import { LimiterLine, MemoryLimiter } from '../../src/core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig } from '../../src/core/pipeline/build.js';
import type { CachedAnswer } from '../../src/core/pipeline/effects.js';
import type { VirtualEnv } from '../../src/core/pipeline/env.js';
import { turnPipeline, type TurnOutcome, type TurnPlan } from '../../src/core/pipeline/turn.js';
import { runVirtual } from '../../src/core/pipeline/virtual-interpreter.js';
import { ProviderModel, type ProviderOutcome, type ProviderRequest } from '../../src/core/provider-model.js';
import { MemoryTaskQueue } from '../../src/core/queue/index.js';
import { VirtualScheduler } from '../../src/core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../../src/core/workers.js';
import { parseScenario } from '../../src/scenario/load.js';
import { bestRate } from './measure.js';

const YAML = `
users: { dailyActive: 1000, concurrencyRatio: 1% }
models: { m: { id: claude-sonnet-4-5, limits: { rpm: 1G, itpm: 1G, otpm: 1G } } }
workers: { count: 1000, concurrency: 1000 }
`;
const CORE_ONLY = 'cache: false\nbreaker: false\n';
const TURN: TurnPlan = { index: 1, userTokens: 100, promptKey: 'p', calls: [{ index: 1, outputTokens: 200, toolLatencyAfterMs: 0, toolResultTokens: 0 }] };
const SYSTEM_TOKENS = 1000;
/** Session keys are `s<block>.<suffix>`: a number-to-string once per block of 1,024 passes. */
const KEY_BLOCK_BITS = 10;
const KEY_BLOCK_MASK = (1 << KEY_BLOCK_BITS) - 1;
const KEY_SUFFIXES = Array.from({ length: 1 << KEY_BLOCK_BITS }, (_, i) => String(i));

/** The same answer for every call, at once: 5 s, no prompt caching. */
function fixedAnswer(req: ProviderRequest): ProviderOutcome {
  const usage = { inputTokens: 1100, outputTokens: req.outputTokens, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0 };
  return { durationMs: 5000, result: { ok: true, usage, ttftMs: 500, stopReason: 'end_turn' } };
}

export interface PassOptions {
  rounds: number;
  roundMs: number;
  /** Turns started before the clock runs them to completion (default 1). */
  inFlight?: number;
  /** 'model' (default): the simulator's provider model; 'fixed': `fixedAnswer`. */
  provider?: 'model' | 'fixed';
  /** 'core' (default): cache and breaker off; 'all': on (a cache miss and a store per pass). */
  stages?: 'core' | 'all';
}

/**
 * Best pipeline passes/s of `rounds` rounds of `roundMs` (after a warm-up round). `inFlight` passes
 * are started before the clock runs them to completion: 1 times one pass; more keeps that many turns
 * alive at once (their objects then survive young-generation GCs, as in a busy simulation).
 */
export function pipelinePassRate(opts: PassOptions): number {
  const inFlight = opts.inFlight ?? 1;
  const allStages = opts.stages === 'all';
  const parsed = parseScenario(YAML + (allStages ? '' : CORE_ONLY), 'bench-pipeline.yaml');
  if (!parsed.scenario) throw new Error(`bench scenario: ${JSON.stringify(parsed.problems)}`);
  const s = parsed.scenario;
  const sched = new VirtualScheduler();
  const qc = queueConfig(s);
  const env: VirtualEnv = {
    scheduler: sched,
    pool: new WorkerPool(1e6, new MemoryTaskQueue<SlotWaiter>(qc), qc),
    cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(s) ?? { ttlMs: 1, maxEntries: 1, maxBytes: 1 }),
    limiter: new LimiterLine(new MemoryLimiter(limiterConfig(s)), sched),
    counters: new MemoryCostCounters(),
    provider: opts.provider === 'fixed' ? { decide: fixedAnswer } : new ProviderModel(s, s.seed),
  };
  const deps = buildDeps(s, { now: () => sched.now(), stores: env });
  const policy = s.conversation.context;
  let answered = 0;
  const done = (o: TurnOutcome) => {
    if (o.status === 'ok') answered++;
  };
  let passes = 0;
  let keyBlock = '';
  const rate = bestRate(
    (start, n) => {
      for (let i = start; i < start + n; i++) {
        // A fresh key per pass, built with one concatenation. Not `s${i}`: a number-to-string per pass is
        // the harness's cost, not the pipeline's (a simulated session's key is made once, by the
        // workload); it was about 570 of a pass's 10,800 instructions.
        if ((i & KEY_BLOCK_MASK) === 0 || keyBlock === '') keyBlock = `s${i >>> KEY_BLOCK_BITS}.`;
        const sessionKey = keyBlock + KEY_SUFFIXES[i & KEY_BLOCK_MASK]!;
        const conversation = new Conversation(sessionKey, SYSTEM_TOKENS, policy);
        // With the cache on, each pass has its own prompt (a miss, then a store), as a fresh session's does.
        const turn = allStages ? { ...TURN, promptKey: sessionKey } : TURN;
        runVirtual(env, turnPipeline(deps, { sessionKey, priority: 'standard', turn, lastTurn: true, conversation, holdingSlot: false }), done);
        if ((i + 1) % inFlight === 0) sched.run(); // the provider calls complete; the turns end
      }
      sched.run();
      passes += n;
      return answered;
    },
    { rounds: opts.rounds, roundMs: opts.roundMs, batch: 20_480 },
  );
  if (answered !== passes) throw new Error(`bench: ${passes - answered} of ${passes} pipeline passes did not answer`);
  return rate;
}
