/**
 * Collects what a simulation measures: per-turn latency breakdowns (HDR), outcome and event counters,
 * provider usage per model and step (for tokens-per-minute against limits), sampled in-flight figures
 * and time series. Warm-up is excluded from everything but the time series.
 */
import { addCharge } from '../core/cost/types.js';
import { CohortTally } from '../core/metrics/cohort.js';
import { ConversationCostTally } from '../core/metrics/conversation-cost.js';
import { LATENCY_METRICS, type LatencyMetric } from '../core/metrics/report.js';
import { FastHistogram } from '../core/metrics/fast-histogram.js';
import type { Histogram } from '../core/metrics/histogram.js';
import type { TurnOutcome } from '../core/pipeline/turn.js';
import type { ProviderOutcome, ProviderRequest } from '../core/provider-model.js';
import type { ClassCost, Pricing } from '../core/pricing.js';
import { hadStage } from '../core/metrics/stages.js';
import { WindowCounts } from '../core/metrics/window-counts.js';
import { EndTimes, IntHistogram, StepValues } from './counts.js';
import { ModelMap } from '../core/model-map.js';

export interface StepUsage {
  requests: number[];
  inputTokens: number[];
  outputTokens: number[];
}

export class Recorder {
  private readonly latencyUs = Object.fromEntries(LATENCY_METRICS.map((m) => [m, new FastHistogram()])) as Record<LatencyMetric, FastHistogram>;
  readonly turns = { arrived: 0, completed: 0, cacheHits: 0, rejected: 0, deadLettered: 0, failed: 0, byReason: {} as Record<string, number> };
  readonly events = { providerCalls: 0, attempts: 0, retries: 0, fallbacks: 0, providerFailures: {} as Record<string, number>, breakerRejections: 0, limiterWaits: {} as Record<string, number> };
  /** Sampled every `sampleMs` inside the window. */
  readonly inFlightCalls = new IntHistogram();
  readonly busySlots = new IntHistogram();
  readonly slotDemand = new IntHistogram();
  readonly queueDepth = new IntHistogram();
  readonly activeSessions = new IntHistogram();
  /** Provider 429s in the window by `model:limit` (e.g. `sonnet:otpm`), so the report can name a limit the provider enforced. */
  readonly rateLimitedBy: Record<string, number> = {};
  /** Per model, per step: provider-admitted requests and ITPM-counted input and output tokens (for the charts; the window's figures come from `window`). */
  readonly usageByStep = new ModelMap<StepUsage>();
  readonly series = { inFlightCalls: [] as number[], busySlots: [] as number[], queueDepth: [] as number[], activeSessions: [] as number[], turnsCompleted: [] as number[], costNanos: [] as number[] };
  /** Turn latency (µs) of completed turns, per step (for p95 over time). */
  readonly stepLatency = new StepValues();
  /** Cost (nano-dollars) of the window's calls, and per session for sessions started in the window. */
  costNanos = 0;
  /** Usage and cost per model of turns that arrived in the window. */
  readonly byModel = new ModelMap<{ requests: number; inputTokens: number; outputTokens: number; cacheWrite5mTokens: number; cacheWrite1hTokens: number; cacheReadTokens: number; costNanos: number }>();
  /** The same calls' cost by token class, call by call at the rates they were billed at. */
  readonly costByClass = new ModelMap<ClassCost>();
  /** Response-cache lookups of turns that arrived in the window (hits are `turns.cacheHits`). */
  cacheLookups = 0;
  /** Throughput and limit use over exactly the window, whatever the chart step. */
  readonly window: WindowCounts;
  private readonly sessionCostUs = new FastHistogram();
  /** What the window's conversations cost: completed ones by planned length, cut-short ones apart. */
  readonly conversationCost = new ConversationCostTally();
  sessionsStarted = 0;
  /** Sessions that started in the window and all their turns (exactly comparable with a live replay). */
  readonly cohort = new CohortTally();
  /** Sessions of the window that ended: every turn answered, or cut short at the first that was not. */
  sessionsCompleted = 0;
  /** Σ turn sojourn (ms) of turns that arrived in the window — W for Little's law. */
  sojournMs = 0;
  /** Σ over samples of turns in the system — L for Little's law (independent of the sojourn sum). */
  private turnsInSystemSum = 0;
  private samples = 0;
  private readonly callEnds = new EndTimes();
  turnsInSystem = 0;

  constructor(
    readonly warmupMs: number,
    readonly endMs: number,
    readonly stepMs: number,
    private readonly pricing: Pricing,
    /** Per-session workers: a conversation takes its slot before its first turn's cache lookup. */
    private readonly slotPerSession = false,
  ) {
    this.window = new WindowCounts(warmupMs, endMs);
  }

  /** Latency breakdown of the window's answered turns (HDR, µs). */
  get latency(): Record<LatencyMetric, Histogram> {
    return Object.fromEntries(LATENCY_METRICS.map((m) => [m, this.latencyUs[m].histogram()])) as Record<LatencyMetric, Histogram>;
  }

  /** Cost per session (micro-dollars) of the window's completed sessions (HDR, for percentiles; the mean is `conversationCost`'s). */
  get sessionCost(): Histogram {
    return this.sessionCostUs.histogram();
  }

  private step(t: number): number {
    return Math.floor(t / this.stepMs);
  }

  turnStarted(): void {
    this.turnsInSystem++;
  }

  /** A turn ended; `cacheLookedUp` says whether it asked the response cache. */
  /** The window's turns per queue class (the session's priority; a ModelMap: runs of turns of one class hit its memo). */
  readonly byClass = new ModelMap<ClassTally>();

  turnEnded(o: TurnOutcome, cacheLookedUp: boolean, cls: string): void {
    this.turnsInSystem--;
    const step = this.step(o.endedAtMs);
    // Index loops over charges: the list is the shared frozen empty or a fresh array (core/lists.ts), and
    // TurboFan does not inline a for-of over both; the iterator builtin cost ~1,000 instructions per call.
    const charges = o.charges;
    for (let i = 0; i < charges.length; i++) this.series.costNanos[step] = (this.series.costNanos[step] ?? 0) + charges[i]!.costNanos;
    if (o.status === 'ok' || o.status === 'cache-hit') {
      this.series.turnsCompleted[step] = (this.series.turnsCompleted[step] ?? 0) + 1;
      this.stepLatency.record(step, Math.round((o.endedAtMs - o.startedAtMs) * 1000));
      this.window.answered(o.endedAtMs);
    }
    if (o.startedAtMs < this.warmupMs || o.startedAtMs >= this.endMs) return;
    const t = this.turns;
    t.arrived++;
    if (cacheLookedUp) this.cacheLookups++;
    this.sojournMs += o.endedAtMs - o.startedAtMs;
    switch (o.status) {
      case 'ok':
        t.completed++;
        break;
      case 'cache-hit':
        t.cacheHits++;
        break;
      case 'rejected':
        t.rejected++;
        break;
      case 'dead-letter':
        t.deadLettered++;
        break;
      case 'failed':
        t.failed++;
        break;
    }
    if (o.reason) t.byReason[o.reason] = (t.byReason[o.reason] ?? 0) + 1;
    let c = this.byClass.get(cls);
    if (c === undefined) this.byClass.set(cls, (c = new ClassTally()));
    c.turns++;
    if (o.status === 'rejected') c.rejected++;
    else if (o.status === 'dead-letter') c.deadLettered++;
    else if (o.status === 'ok' || o.status === 'cache-hit') {
      c.answered++;
      if (hadStage('queueWait', o, this.slotPerSession)) c.queueWait.recordMs(o.queueWaitMs);
    }
    const e = this.events;
    e.attempts += o.attempts;
    e.retries += o.retries;
    e.fallbacks += o.fallbacks;
    e.breakerRejections += o.breakerRejections;
    for (const k in o.failures) e.providerFailures[k] = (e.providerFailures[k] ?? 0) + o.failures[k]!;
    for (const k in o.limiterWaitsBy) e.limiterWaits[k] = (e.limiterWaits[k] ?? 0) + o.limiterWaitsBy[k]!;
    // Answered calls of the window's turns: the same turns as attempts and failures, so answered =
    // attempts − failed attempts (calls by start time would mix in warm-up turns' calls and drop drain ones).
    e.providerCalls += charges.length;
    for (let i = 0; i < charges.length; i++) {
      const c = charges[i]!;
      this.costNanos += c.costNanos;
      addCharge(this.byModel, c.model, c.usage, c.costNanos);
      this.pricing.addByClass(this.costByClass, c.model, c.usage);
    }

    if (o.status === 'ok' || o.status === 'cache-hit') {
      // Each stage over the turns that had it (core/metrics/stages.ts).
      const l = this.latencyUs;
      const sps = this.slotPerSession;
      l.turn.recordMs(o.endedAtMs - o.startedAtMs);
      if (hadStage('queueWait', o, sps)) l.queueWait.recordMs(o.queueWaitMs);
      if (hadStage('limiterWait', o, sps)) l.limiterWait.recordMs(o.limiterWaitMs);
      if (hadStage('provider', o, sps)) l.provider.recordMs(o.providerMs);
      if (hadStage('tool', o, sps)) l.tool.recordMs(o.toolMs);
      if (hadStage('retryWait', o, sps)) l.retryWait.recordMs(o.retryWaitMs);
      if (o.ttftMs !== undefined) l.ttft.recordMs(o.ttftMs);
    }
  }

  /** The provider model answered a request (admitted ones count against its limits). */
  providerCall(req: ProviderRequest, o: ProviderOutcome, nowMs: number): void {
    this.callEnds.push(nowMs + o.durationMs);
    if (!o.result.ok) {
      if (o.result.limit !== undefined && nowMs >= this.warmupMs && nowMs < this.endMs) {
        const key = `${req.model}:${o.result.limit}`;
        this.rateLimitedBy[key] = (this.rateLimitedBy[key] ?? 0) + 1;
      }
      return;
    }
    const step = this.step(nowMs);
    let u = this.usageByStep.get(req.model);
    if (!u) this.usageByStep.set(req.model, (u = { requests: [], inputTokens: [], outputTokens: [] }));
    const us = o.result.usage;
    u.requests[step] = (u.requests[step] ?? 0) + 1;
    u.inputTokens[step] = (u.inputTokens[step] ?? 0) + us.inputTokens + us.cacheWrite5mTokens + us.cacheWrite1hTokens;
    u.outputTokens[step] = (u.outputTokens[step] ?? 0) + us.outputTokens;
    this.window.call(req.model, nowMs, us.inputTokens + us.cacheWrite5mTokens + us.cacheWrite1hTokens, us.outputTokens);
  }

  /** A periodic look at the system. */
  sample(nowMs: number, busy: number, queued: number, sessions: number): void {
    this.callEnds.popUntil(nowMs);
    const calls = this.callEnds.size;
    const step = this.step(nowMs);
    const s = this.series;
    s.inFlightCalls[step] = Math.max(s.inFlightCalls[step] ?? 0, calls);
    s.busySlots[step] = Math.max(s.busySlots[step] ?? 0, busy);
    s.queueDepth[step] = Math.max(s.queueDepth[step] ?? 0, queued);
    s.activeSessions[step] = Math.max(s.activeSessions[step] ?? 0, sessions);
    if (nowMs < this.warmupMs || nowMs >= this.endMs) return;
    this.inFlightCalls.record(calls);
    this.busySlots.record(busy);
    this.slotDemand.record(busy + queued);
    this.queueDepth.record(queued);
    this.activeSessions.record(sessions);
    this.turnsInSystemSum += this.turnsInSystem;
    this.samples++;
  }

  /** Time-average number of turns in the system over the window (sampled). */
  get meanTurnsInSystem(): number {
    return this.samples === 0 ? 0 : this.turnsInSystemSum / this.samples;
  }

  /**
   * A session that planned `plannedTurns` ended: `completed` when every turn was answered, else cut short
   * at the first that was not (core/metrics/conversation-cost.ts costs the two apart).
   */
  sessionEnded(startedAtMs: number, costNanos: number, plannedTurns: number, completed: boolean): void {
    if (startedAtMs < this.warmupMs || startedAtMs >= this.endMs) return;
    this.sessionsCompleted++;
    this.conversationCost.ended(plannedTurns, costNanos, completed);
    if (!completed) return;
    // A free conversation records 0: it was recorded as 1 µ$, and a free model cost $1.57/day.
    this.sessionCostUs.record(Math.round(costNanos / 1000)); // micro-dollars
  }
}

/** One queue class's turns in the window. */
export class ClassTally {
  turns = 0;
  answered = 0;
  rejected = 0;
  deadLettered = 0;
  readonly queueWait = new FastHistogram();
}
