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
import { LimiterLine, MemoryLimiter } from '../core/limiter/index.js';
import { buildDeps, cacheConfig, limiterConfig, queueConfig, slotCapacity } from '../core/pipeline/build.js';
import type { PipelineDeps } from '../core/pipeline/deps.js';
import type { CachedAnswer } from '../core/pipeline/effects.js';
import type { VirtualEnv } from '../core/pipeline/env.js';
import { turnPipeline, type TurnInput, type TurnOutcome } from '../core/pipeline/turn.js';
import { VirtualProcess } from '../core/pipeline/virtual-interpreter.js';
import { Pricing } from '../core/pricing.js';
import { ProviderModel } from '../core/provider-model.js';
import { MemoryTaskQueue } from '../core/queue/index.js';
import { VirtualScheduler, type Resumable } from '../core/scheduler.js';
import { WorkerPool, type SlotWaiter } from '../core/workers.js';
import type { Scenario } from '../scenario/schema.js';
import { Workload } from '../workload/stream.js';
import type { Session, Turn } from '../workload/types.js';
import { OfferedLoad } from './offered-load.js';
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
  /** What the window's users asked of the worker slots, for workers needed when they were too few. */
  offered: OfferedLoad;
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
  const recorder = new Recorder(scenario.warmup, scenario.duration, scenario.report.step, new Pricing(scenario), scenario.workers.mode === 'perSession');
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
    limiter: new LimiterLine(new MemoryLimiter(limiterConfig(scenario)), sched),
    counters: new MemoryCostCounters(),
    provider,
  };
  const deps = buildDeps(scenario, { seed, now: () => sched.now(), stores: env });
  const workload = new Workload(scenario, seed);
  const offered = new OfferedLoad(scenario.warmup, scenario.duration);
  const system = scenario.conversation.tokens.systemPrompt;
  const policy = scenario.conversation.context;

  const ctx: PlayContext = { scheduler: sched, env, deps, recorder, offered, perSession: scenario.workers.mode === 'perSession', system, policy, warmupMs: scenario.warmup, endMs: scenario.duration, activeSessions: 0 };
  // Arrivals are pulled one at a time: the next one is read when the previous one starts.
  const arrivals = workload.sessions({ untilMs: scenario.duration });
  const arrival: Resumable = {
    resume(value) {
      new SessionPlay(ctx, value as Session).start();
      const r = arrivals.next();
      if (!r.done) sched.resumeAt(r.value.startAtMs, arrival, r.value);
    },
  };
  const first = arrivals.next();
  if (!first.done) sched.resumeAt(first.value.startAtMs, arrival, first.value);

  // Sampling runs until the window ends; the drain afterwards only completes what arrived.
  const sample = () => {
    const now = sched.now();
    recorder.sample(now, pool.inUse, pool.queued, ctx.activeSessions);
    if (now + sampleMs < scenario.duration) sched.at(now + sampleMs, sample);
  };
  sched.at(0, sample);

  const t0 = performance.now();
  const slice = Math.max(scenario.duration / 100, 1000);
  // Slices only pace the progress bar: `runDue`, not `run(t)`, which would leave the clock at the slice's
  // end, and the run's length (drain included) and its series up to a slice — 14.4 minutes of a 24 h
  // run — past the last event.
  for (let t = slice; sched.pending > 0; t += slice) {
    sched.runDue(t);
    opts.onProgress?.(Math.min(1, t / scenario.duration));
  }
  return { scenario, seed, recorder, workload, pool, cache: env.cache, counters: env.counters, providerModel: model, offered, simulatedMs: sched.now(), wallMs: performance.now() - t0, events: sched.executed };
}

/** What every session of a run shares. */
interface PlayContext {
  scheduler: VirtualScheduler;
  env: VirtualEnv;
  deps: PipelineDeps;
  recorder: Recorder;
  offered: OfferedLoad;
  perSession: boolean;
  system: number;
  policy: Scenario['conversation']['context'];
  warmupMs: number;
  endMs: number;
  activeSessions: number;
}

/**
 * One session, played turn by turn: each turn through the pipeline, then the think time, until the
 * last turn or the first unanswered one (the user gives up). A class the scheduler resumes with
 * `resumeAt` after a think time, rather than closures per session: nothing is allocated per think
 * time, and it keeps the simulator's hot loop free of per-session functions.
 */
class SessionPlay implements Resumable, TurnInput {
  // TurnInput: the session is its own turn input (updated between turns, when no turn is running).
  readonly sessionKey: string;
  readonly priority: string;
  turn: Turn;
  lastTurn = false;
  readonly conversation: Conversation;
  holdingSlot = false;

  private readonly inCohort: boolean;
  private costNanos = 0;
  private i = 0;
  /** Per session: when this session's slot was granted (undefined until it holds one). */
  private slotSinceMs: number | undefined;
  /** Per session: time the turns spent in our limiter while the session held its slot. */
  private slotLimiterWaitMs = 0;
  /** Runs this session's turns, one after the other. */
  private readonly process: VirtualProcess<TurnOutcome>;

  constructor(
    private readonly ctx: PlayContext,
    private readonly s: Session,
  ) {
    this.sessionKey = `s${s.id}`;
    this.priority = s.priority;
    this.turn = s.turns[0]!;
    this.conversation = new Conversation(this.sessionKey, ctx.system, ctx.policy);
    this.inCohort = s.startAtMs >= ctx.warmupMs && s.startAtMs < ctx.endMs;
    this.process = new VirtualProcess(ctx.env, (o) => this.turnEnded(o));
  }

  start(): void {
    this.ctx.activeSessions++;
    this.ctx.offered.sessionStarted(this.s.startAtMs, this.s.turns.length);
    if (this.inCohort) {
      this.ctx.recorder.sessionsStarted++;
      this.ctx.recorder.cohort.session();
    }
    this.resume();
  }

  /** Plays the next turn (at the start, and when a think time is over). */
  resume(): void {
    const { s, ctx } = this;
    this.turn = s.turns[this.i]!;
    this.lastTurn = this.i === s.turns.length - 1;
    ctx.recorder.turnStarted();
    this.process.start(turnPipeline(ctx.deps, this));
  }

  /**
   * Whether the pipeline asked the response cache (core/pipeline/turn.ts): a conversation's first turn
   * when the cache is on — unless, with per-session slots, the turn was refused its slot first.
   */
  private cacheLookedUp(o: TurnOutcome): boolean {
    if (!this.ctx.deps.cacheEnabled || this.turn.index !== 1) return false;
    return !this.ctx.perSession || (o.status !== 'rejected' && o.status !== 'dead-letter');
  }

  private turnEnded(o: TurnOutcome): void {
    const { s, ctx } = this;
    ctx.recorder.turnEnded(o, this.cacheLookedUp(o), this.priority);
    if (this.inCohort) ctx.recorder.cohort.turn(o.status, o.charges);
    // Slot holds for the offered-load estimate: a refused turn got none; a pooled cache hit needs none.
    const gotSlot = o.status !== 'rejected' && o.status !== 'dead-letter' && (ctx.perSession || o.status !== 'cache-hit');
    if (gotSlot && !this.holdingSlot) {
      if (ctx.perSession) this.slotSinceMs = o.startedAtMs + o.queueWaitMs;
      else ctx.offered.slotHeld(o.startedAtMs + o.queueWaitMs, o.endedAtMs, o.limiterWaitMs);
    }
    if (ctx.perSession && gotSlot) this.slotLimiterWaitMs += o.limiterWaitMs;
    this.holdingSlot = o.holdingSlot;
    const charges = o.charges;
    for (let i = 0; i < charges.length; i++) this.costNanos += charges[i]!.costNanos;
    const answered = o.status === 'ok' || o.status === 'cache-hit';
    const turn = s.turns[this.i]!;
    // A user whose turn failed gives up: the conversation ends there.
    if (answered && ++this.i < s.turns.length) ctx.scheduler.resumeAt(ctx.scheduler.now() + turn.thinkTimeAfterMs, this, undefined);
    else {
      ctx.activeSessions--;
      ctx.recorder.sessionEnded(s.startAtMs, this.costNanos, s.turns.length, answered);
      if (this.slotSinceMs !== undefined) ctx.offered.slotHeld(this.slotSinceMs, ctx.scheduler.now(), this.slotLimiterWaitMs);
    }
  }
}
