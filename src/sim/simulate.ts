/**
 * A simulation run: the workload's sessions arrive on virtual time and play their turns through the
 * shared pipeline (core/pipeline) with the provider model in place of HTTP. Arrivals are pulled
 * lazily from the workload stream (one pending arrival event at a time), so memory is bounded by what
 * is in flight, not by the day's sessions.
 *
 * After the last arrival the run drains: every turn that arrived ends (completed, cache hit, rejected,
 * dead-lettered or failed) before the report is built — none vanish (tested by conservation).
 */
import { MemoryResponseCache } from '../core/cache/index.js';
import { Conversation } from '../core/context.js';
import { MemoryCostCounters } from '../core/cost/index.js';
import { MemoryLimiter } from '../core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig, slotCapacity } from '../core/pipeline/build.js';
import type { CachedAnswer } from '../core/pipeline/effects.js';
import type { VirtualEnv } from '../core/pipeline/env.js';
import { turnPipeline, type TurnOutcome } from '../core/pipeline/turn.js';
import { runVirtual } from '../core/pipeline/virtual-interpreter.js';
import { ProviderModel } from '../core/provider-model.js';
import { MemoryTaskQueue } from '../core/queue/index.js';
import { VirtualScheduler } from '../core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../core/workers.js';
import type { Scenario } from '../scenario/schema.js';
import { Workload } from '../workload/stream.js';
import type { Session } from '../workload/types.js';
import { Recorder } from './recorder.js';

export interface SimOptions {
  seed?: number;
  /** How often in-flight figures are sampled (virtual ms). */
  sampleMs?: number;
  /** Called now and then with the share of the run done (for a progress bar). */
  onProgress?: (done: number) => void;
}

export interface SimResult {
  scenario: Scenario;
  seed: number;
  recorder: Recorder;
  workload: Workload;
  pool: WorkerPool;
  cache: MemoryResponseCache<CachedAnswer>;
  counters: MemoryCostCounters;
  providerModel: ProviderModel;
  simulatedMs: number;
  wallMs: number;
  events: number;
}

const NO_CACHE = { ttlMs: 1, maxEntries: 1, maxBytes: 1 };

export function simulate(scenario: Scenario, opts: SimOptions = {}): SimResult {
  const seed = opts.seed ?? scenario.seed;
  const sampleMs = opts.sampleMs ?? 1000;
  const sched = new VirtualScheduler();
  const qc = queueConfig(scenario);
  const recorder = new Recorder(scenario.warmup, scenario.duration, scenario.report.step);
  const model = new ProviderModel(scenario, seed);
  const provider = {
    decide(req: Parameters<ProviderModel['decide']>[0], nowMs: number) {
      const o = model.decide(req, nowMs);
      recorder.providerCall(req, o, nowMs);
      return o;
    },
  };
  const pool = new WorkerPool(slotCapacity(scenario), new MemoryTaskQueue<SlotWaiter>(qc), qc);
  const env: VirtualEnv & { cache: MemoryResponseCache<CachedAnswer>; counters: MemoryCostCounters } = {
    scheduler: sched,
    pool,
    cache: new MemoryResponseCache<CachedAnswer>(cacheConfig(scenario) ?? NO_CACHE),
    limiter: new MemoryLimiter(limiterConfig(scenario)),
    counters: new MemoryCostCounters(),
    provider,
  };
  const deps = buildDeps(scenario, { seed, now: () => sched.now() });
  const workload = new Workload(scenario, seed);
  const system = scenario.conversation.tokens.systemPrompt;
  const policy = scenario.conversation.context;
  let activeSessions = 0;

  const startSession = (s: Session) => {
    activeSessions++;
    const sessionKey = `s${s.id}`;
    const conv = new Conversation(sessionKey, system, policy);
    let holdingSlot = false;
    let costNanos = 0;
    let i = 0;
    const playTurn = () => {
      const turn = s.turns[i]!;
      recorder.turnStarted();
      runVirtual(env, turnPipeline(deps, { sessionKey, priority: s.priority, turn, lastTurn: i === s.turns.length - 1, conversation: conv, holdingSlot }), onTurnEnd);
    };
    const onTurnEnd = (o: TurnOutcome) => {
      recorder.turnEnded(o);
      holdingSlot = o.holdingSlot;
      for (const c of o.charges) costNanos += c.costNanos;
      const answered = o.status === 'ok' || o.status === 'cache-hit';
      const turn = s.turns[i]!;
      // A user whose turn failed gives up: the conversation ends there.
      if (answered && ++i < s.turns.length) sched.at(sched.now() + turn.thinkTimeAfterMs, playTurn);
      else {
        activeSessions--;
        recorder.sessionEnded(s.startAtMs, costNanos);
      }
    };
    if (s.startAtMs >= scenario.warmup && s.startAtMs < scenario.duration) recorder.sessionsStarted++;
    playTurn();
  };

  const arrivals = workload.sessions({ untilMs: scenario.duration });
  const nextArrival = () => {
    const r = arrivals.next();
    if (r.done) return;
    const s = r.value;
    sched.at(s.startAtMs, () => {
      startSession(s);
      nextArrival();
    });
  };
  nextArrival();

  // Sampling runs until the window ends; the drain afterwards only completes what arrived.
  const sample = () => {
    const now = sched.now();
    recorder.sample(now, pool.inUse, pool.queued, activeSessions);
    if (now + sampleMs < scenario.duration) sched.at(now + sampleMs, sample);
  };
  sched.at(0, sample);

  const t0 = performance.now();
  const slice = Math.max(scenario.duration / 100, 1000);
  for (let t = slice; sched.pending > 0; t += slice) {
    sched.run(t);
    opts.onProgress?.(Math.min(1, t / scenario.duration));
  }
  return { scenario, seed, recorder, workload, pool, cache: env.cache, counters: env.counters, providerModel: model, simulatedMs: sched.now(), wallMs: performance.now() - t0, events: sched.executed };
}
