/**
 * What a load test measures, in the simulator's vocabulary (core/metrics/report.ts) so the two can be
 * compared field by field. Client-side latencies are measured in real ms and stored in scenario ms
 * (× time scale) next to the real figures; the runtime's own breakdown (queue, limiter, provider,
 * tool, retry) comes back in each response, already in scenario ms.
 *
 * The target's latency runs from the actual send, when the request went on the wire over a connected
 * socket; what the load generator itself added before it (its lag behind the intended send time, and
 * within that the wait for one of its connections) is kept apart, in real ms, as a property of the
 * generator and not of the target, and so is the setup of the connections it opened (target-pool.ts).
 */
import { LATENCY_METRICS, type LatencyMetric } from '../core/metrics/report.js';
import { decodeHistogram, encodeHistogram, mergeInto, newHistogram, recordMs, type Histogram } from '../core/metrics/histogram.js';
import type { Cohort } from '../core/metrics/report.js';
import { addCharge } from '../core/cost/types.js';
import { CohortTally } from '../core/metrics/cohort.js';
import { ConversationCostTally, type ConversationCostJSON } from '../core/metrics/conversation-cost.js';
import type { Usage } from '../core/types.js';
import type { ClassCost, Pricing } from '../core/pricing.js';
import { hadStage } from '../core/metrics/stages.js';
import { WindowCounts, type WindowCountsJSON } from '../core/metrics/window-counts.js';

/** Exact mean / p99 / max of sampled small integers. */
export class IntSamples {
  private counts: number[] = [];
  n = 0;
  private sum = 0;
  max = 0;

  /** The samples of a series (holes skipped). */
  static of(values: readonly (number | undefined)[]): IntSamples {
    const s = new IntSamples();
    for (const v of values) if (v !== undefined) s.record(v);
    return s;
  }

  record(v: number): void {
    this.counts[v] = (this.counts[v] ?? 0) + 1;
    this.n++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.n);
    let acc = 0;
    for (let i = 0; i <= this.max; i++) {
      acc += this.counts[i] ?? 0;
      if (acc >= rank) return i;
    }
    return this.max;
  }
}

export interface TurnResult {
  sessionId: number;
  turn: number;
  /** Scenario ms from the start of the run. */
  intendedAtMs: number;
  /**
   * When the request went on the wire (it had a connected socket: any connection setup is over): the
   * target's latency runs from here.
   */
  sentAtMs: number;
  /** Real ms the turn waited for one of the generator's connections before that (part of its lag behind `intendedAtMs`). */
  connectionWaitMs?: number;
  endedAtMs: number;
  /** HTTP status, or 0 when no answer came (timeout, connection). */
  httpStatus: number;
  status: 'ok' | 'cache-hit' | 'rejected' | 'dead-letter' | 'failed';
  reason?: string;
  errorClass?: string;
  /** The provider calls the runtime billed for this turn. */
  charges: { model: string; usage: Usage; costNanos: number }[];
  costNanos: number;
  timings?: { queueWaitMs: number; limiterWaitMs: number; providerMs: number; toolMs: number; retryWaitMs: number; ttftMs?: number; tookSlot?: boolean };
  ttftMs?: number;
  attempts?: number;
  retries?: number;
  fallbacks?: number;
  /** The runtime's failed provider attempts by kind, limiter waits by `model:limit` and breaker rejections. */
  failures?: Partial<Record<string, number>>;
  limiterWaitsBy?: Partial<Record<string, number>>;
  breakerRejections?: number;
}

type ModelUsage = Usage & { requests: number; costNanos: number };

function addCounts(into: Record<string, number>, from: Partial<Record<string, number>> | undefined): void {
  if (from) for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + (v ?? 0);
}

/** Measurements as JSON, for merging across load-generator processes. */
export interface MeasurementsJSON {
  latency: Record<LatencyMetric, string>;
  fromIntended: string;
  realTurn: string;
  connectionWait: string;
  connectionSetup: string;
  sessionCost: string;
  conversationCost: ConversationCostJSON;
  turns: Measurements['turns'];
  errors: Record<string, number>;
  providerFailures: Record<string, number>;
  limiterWaits: Record<string, number>;
  byModel: [string, ModelUsage][];
  costByClass: [string, ClassCost][];
  window: WindowCountsJSON;
  counters: { costNanos: number; attempts: number; retries: number; fallbacks: number; breakerRejections: number; cacheLookups: number; sends: number; responses: number; lateSends: number; lateForConnection: number; maxLagMs: number; sessionsStarted: number; sessionsCompleted: number; sojournMs: number; cutOffAtDrain: number; sessionsCutOffAtDrain: number };
  inFlightAt: number[];
  activeAt: number[];
  cohort: Cohort;
}

export class Measurements {
  /** Scenario-time latency histograms (same names as the simulator's). */
  readonly latency = Object.fromEntries(LATENCY_METRICS.map((m) => [m, newHistogram()])) as Record<LatencyMetric, Histogram>;
  /**
   * Latency from the intended send time, scenario ms: the target's latency plus the generator's own lag
   * (what a user would have waited had the generator's delays been theirs). Not the target's figure.
   */
  readonly fromIntended = newHistogram();
  /** The target's turn latency in real ms (what the machine running the test saw). */
  readonly realTurn = newHistogram();
  /**
   * Real ms sends waited for one of the generator's connections, over the sends that waited at all
   * (warm-up and drain included, as the late sends): the generator's own delay, in no latency figure.
   */
  readonly connectionWait = newHistogram();
  /**
   * Real ms each connection the generator opened took to set up (DNS, TCP connect, TLS handshake), before
   * the request that needed it went on the wire: in no latency figure (k6's http_req_connecting).
   */
  readonly connectionSetup = newHistogram();
  /** The window's turns by outcome; `cutOffAtDrain`: still in flight when the drain bound was hit. */
  readonly turns = { arrived: 0, completed: 0, cacheHits: 0, rejected: 0, deadLettered: 0, failed: 0, cutOffAtDrain: 0, byReason: {} as Record<string, number> };
  readonly errors: Record<string, number> = {};
  /** What the runtime met on the window's turns (the simulator's `events`): failed attempts by kind, limiter waits by `model:limit`. */
  readonly providerFailures: Record<string, number> = {};
  readonly limiterWaits: Record<string, number> = {};
  breakerRejections = 0;
  /**
   * The window's first turns: those the runtime looks up in its response cache when it has one (as the
   * simulator counts lookups; per-session workers refuse a turn before its lookup).
   */
  cacheLookups = 0;
  readonly byModel = new Map<string, Usage & { requests: number; costNanos: number }>();
  /** The same calls' cost by token class, call by call at the rates they were billed at. */
  readonly costByClass = new Map<string, ClassCost>();
  costNanos = 0;
  attempts = 0;
  retries = 0;
  fallbacks = 0;
  /** Turn requests sent, warm-up and drain included (the base of the late-send share). */
  sends = 0;
  /** Sends that got an HTTP response, any status (none: nothing answered at the target). */
  responses = 0;
  /** Sends that left later than intended by more than the lag threshold, whatever held them. */
  lateSends = 0;
  /** Of those, sends held mostly (at least half their lag) by the wait for a connection. */
  lateForConnection = 0;
  maxLagMs = 0;
  /**
   * Sends still in flight when the drain bound was hit, whenever they were sent (the window's are also
   * in `turns.cutOffAtDrain`): sends = answered + failed without an answer + these.
   */
  cutOffAtDrain = 0;
  /** Conversations still running then (a turn in flight, or thinking): their later turns were never sent. */
  sessionsCutOffAtDrain = 0;
  sessionsStarted = 0;
  /** Sessions of the window that ended: every turn answered, or cut short at the first that was not. */
  sessionsCompleted = 0;
  /** Cost (micro-dollars) of each completed session (HDR, for percentiles). */
  readonly sessionCost = newHistogram();
  /** What the window's conversations cost, as the simulator tallies it: completed ones by planned length, cut-short ones apart. */
  readonly conversationCost = new ConversationCostTally();
  /**
   * Sampled every scenario second of the window (index: seconds since warm-up ended): turns awaiting an
   * answer and sessions in progress. Kept by instant, not as a distribution, so that the agents of a
   * distributed run add up instant by instant: pooling their samples gave the mean of one agent's
   * share (half the in-flight turns with two agents).
   */
  readonly inFlightAt: number[] = [];
  readonly activeAt: number[] = [];
  /** Turns answered and provider usage over exactly the window (served throughput, limit use). */
  readonly window: WindowCounts;
  /** Sessions that started in the window and all their turns (exactly comparable with the simulator). */
  readonly cohort = new CohortTally();
  /** Scenario ms of the window's turns summed (W of Little's law). */
  sojournMs = 0;

  constructor(
    readonly timeScale: number,
    readonly warmupMs: number,
    readonly endMs: number,
    readonly stepMs: number,
    private readonly pricing: Pricing,
    /** Per-session workers: a conversation takes its slot before its first turn's cache lookup. */
    private readonly slotPerSession = false,
  ) {
    this.window = new WindowCounts(warmupMs, endMs);
  }

  /**
   * A turn request left `lagMs` (real) after its intended time, `connectionWaitMs` of which it waited for a
   * connection; `late` when over the lag threshold.
   */
  sent(lagMs: number, late: boolean, connectionWaitMs = 0): void {
    this.sends++;
    if (late) this.lateSends++;
    if (late && connectionWaitMs * 2 >= lagMs) this.lateForConnection++;
    if (lagMs > this.maxLagMs) this.maxLagMs = lagMs;
    if (connectionWaitMs > 0) recordMs(this.connectionWait, connectionWaitMs);
  }

  /** A connection to the target was set up in `setupMs` (real). */
  connected(setupMs: number): void {
    recordMs(this.connectionSetup, setupMs);
  }

  /**
   * Share of the sends that left late. Both counts cover every send: late sends in warm-up or the drain
   * over the window's turns alone overstated it (63 of 1,216 sends read as 10 %, not 5.2 %).
   */
  get lateShare(): number {
    return this.sends === 0 ? 0 : this.lateSends / this.sends;
  }

  /** The sample of window second `i`. */
  sample(i: number, inFlightTurns: number, activeSessions: number): void {
    this.inFlightAt[i] = inFlightTurns;
    this.activeAt[i] = activeSessions;
  }

  get inFlightTurns(): IntSamples {
    return IntSamples.of(this.inFlightAt);
  }

  get activeSessions(): IntSamples {
    return IntSamples.of(this.activeAt);
  }

  inWindow(t: number): boolean {
    return t >= this.warmupMs && t < this.endMs;
  }

  record(r: TurnResult): void {
    if (r.httpStatus > 0) this.responses++;
    if (r.status === 'ok' || r.status === 'cache-hit') this.window.answered(r.endedAtMs);
    this.recordUsage(r);
    if (!this.inWindow(r.intendedAtMs)) return;
    const t = this.turns;
    t.arrived++;
    if (r.status === 'ok') t.completed++;
    else if (r.status === 'cache-hit') t.cacheHits++;
    else if (r.status === 'rejected') t.rejected++;
    else if (r.status === 'dead-letter') t.deadLettered++;
    else t.failed++;
    if (r.reason) t.byReason[r.reason] = (t.byReason[r.reason] ?? 0) + 1;
    if (r.errorClass) this.errors[r.errorClass] = (this.errors[r.errorClass] ?? 0) + 1;
    this.attempts += r.attempts ?? 0;
    this.retries += r.retries ?? 0;
    this.fallbacks += r.fallbacks ?? 0;
    this.breakerRejections += r.breakerRejections ?? 0;
    if (r.turn === 1 && !(this.slotPerSession && (r.status === 'rejected' || r.status === 'dead-letter'))) this.cacheLookups++;
    addCounts(this.providerFailures, r.failures);
    addCounts(this.limiterWaits, r.limiterWaitsBy);
    this.costNanos += r.costNanos;
    // At the target, from the send: L (the sampled in-flight turns) counts the same span.
    this.sojournMs += r.endedAtMs - r.sentAtMs;
    if (r.status === 'ok' || r.status === 'cache-hit') {
      recordMs(this.latency.turn, r.endedAtMs - r.sentAtMs);
      recordMs(this.fromIntended, r.endedAtMs - r.intendedAtMs);
      recordMs(this.realTurn, (r.endedAtMs - r.sentAtMs) / this.timeScale);
      const tm = r.timings;
      if (tm) {
        // Each stage over the turns that had it (core/metrics/stages.ts), as the simulator records them.
        const f = { status: r.status, toolMs: tm.toolMs, retries: r.retries ?? 0, retryWaitMs: tm.retryWaitMs, tookSlot: tm.tookSlot };
        const sps = this.slotPerSession;
        if (hadStage('queueWait', f, sps)) recordMs(this.latency.queueWait, tm.queueWaitMs);
        if (hadStage('limiterWait', f, sps)) recordMs(this.latency.limiterWait, tm.limiterWaitMs);
        if (hadStage('provider', f, sps)) recordMs(this.latency.provider, tm.providerMs);
        if (hadStage('tool', f, sps)) recordMs(this.latency.tool, tm.toolMs);
        if (hadStage('retryWait', f, sps)) recordMs(this.latency.retryWait, tm.retryWaitMs);
      }
      const ttft = r.ttftMs ?? tm?.ttftMs;
      if (ttft !== undefined) recordMs(this.latency.ttft, ttft);
    }
    for (const c of r.charges) {
      addCharge(this.byModel, c.model, c.usage, c.costNanos);
      this.pricing.addByClass(this.costByClass, c.model, c.usage);
    }
  }

  /**
   * A turn the drain bound abandoned in flight (`r.endedAtMs`: when). Counted, never dropped: with it the
   * window's outcomes still add up to its arrivals, and its sojourn so far (a lower bound) joins W.
   */
  cutOff(r: TurnResult): void {
    this.cutOffAtDrain++;
    if (!this.inWindow(r.intendedAtMs)) return;
    this.turns.arrived++;
    this.turns.cutOffAtDrain++;
    this.sojournMs += r.endedAtMs - r.sentAtMs;
  }

  /** Provider usage per model in the window, for every turn (limits per minute and served throughput). */
  private recordUsage(r: TurnResult): void {
    for (const c of r.charges) this.window.call(c.model, r.sentAtMs, c.usage.inputTokens + c.usage.cacheWrite5mTokens + c.usage.cacheWrite1hTokens, c.usage.outputTokens);
  }

  /** Everything measured, as JSON another process can merge (histograms as encoded HDR). */
  toJSON(): MeasurementsJSON {
    return {
      latency: Object.fromEntries(LATENCY_METRICS.map((k) => [k, encodeHistogram(this.latency[k])])) as Record<LatencyMetric, string>,
      fromIntended: encodeHistogram(this.fromIntended),
      realTurn: encodeHistogram(this.realTurn),
      connectionWait: encodeHistogram(this.connectionWait),
      connectionSetup: encodeHistogram(this.connectionSetup),
      sessionCost: encodeHistogram(this.sessionCost),
      conversationCost: this.conversationCost.toJSON(),
      turns: this.turns,
      errors: this.errors,
      providerFailures: this.providerFailures,
      limiterWaits: this.limiterWaits,
      byModel: [...this.byModel],
      costByClass: [...this.costByClass],
      window: this.window.toJSON(),
      counters: { costNanos: this.costNanos, attempts: this.attempts, retries: this.retries, fallbacks: this.fallbacks, breakerRejections: this.breakerRejections, cacheLookups: this.cacheLookups, sends: this.sends, responses: this.responses, lateSends: this.lateSends, lateForConnection: this.lateForConnection, maxLagMs: this.maxLagMs, sessionsStarted: this.sessionsStarted, sessionsCompleted: this.sessionsCompleted, sojournMs: this.sojournMs, cutOffAtDrain: this.cutOffAtDrain, sessionsCutOffAtDrain: this.sessionsCutOffAtDrain },
      inFlightAt: Array.from(this.inFlightAt, (v) => v ?? 0),
      activeAt: Array.from(this.activeAt, (v) => v ?? 0),
      cohort: this.cohort.report(),
    };
  }

  /** Merges another load-generator process's measurements into these. */
  mergeFrom(o: MeasurementsJSON): void {
    for (const k of LATENCY_METRICS) mergeInto(this.latency[k], decodeHistogram(o.latency[k]));
    mergeInto(this.fromIntended, decodeHistogram(o.fromIntended));
    mergeInto(this.realTurn, decodeHistogram(o.realTurn));
    mergeInto(this.connectionWait, decodeHistogram(o.connectionWait));
    mergeInto(this.connectionSetup, decodeHistogram(o.connectionSetup));
    mergeInto(this.sessionCost, decodeHistogram(o.sessionCost));
    this.conversationCost.mergeFrom(o.conversationCost);
    const t = this.turns;
    t.arrived += o.turns.arrived;
    t.completed += o.turns.completed;
    t.cacheHits += o.turns.cacheHits;
    t.rejected += o.turns.rejected;
    t.deadLettered += o.turns.deadLettered;
    t.failed += o.turns.failed;
    t.cutOffAtDrain += o.turns.cutOffAtDrain;
    for (const [k, v] of Object.entries(o.turns.byReason)) t.byReason[k] = (t.byReason[k] ?? 0) + v;
    for (const [k, v] of Object.entries(o.errors)) this.errors[k] = (this.errors[k] ?? 0) + v;
    addCounts(this.providerFailures, o.providerFailures);
    addCounts(this.limiterWaits, o.limiterWaits);
    for (const [model, u] of o.byModel) {
      const m = this.byModel.get(model);
      if (!m) this.byModel.set(model, { ...u });
      else for (const f of Object.keys(u) as (keyof typeof u)[]) m[f] += u[f];
    }
    for (const [model, c] of o.costByClass) {
      const m = this.costByClass.get(model);
      if (!m) this.costByClass.set(model, { ...c });
      else for (const f of Object.keys(c) as (keyof ClassCost)[]) m[f] += c[f];
    }
    this.window.mergeFrom(o.window);
    const c = o.counters;
    this.costNanos += c.costNanos;
    this.attempts += c.attempts;
    this.retries += c.retries;
    this.fallbacks += c.fallbacks;
    this.breakerRejections += c.breakerRejections;
    this.cacheLookups += c.cacheLookups;
    this.sends += c.sends;
    this.responses += c.responses;
    this.lateSends += c.lateSends;
    this.lateForConnection += c.lateForConnection;
    this.maxLagMs = Math.max(this.maxLagMs, c.maxLagMs);
    this.sessionsStarted += c.sessionsStarted;
    this.sessionsCompleted += c.sessionsCompleted;
    this.sojournMs += c.sojournMs;
    this.cutOffAtDrain += c.cutOffAtDrain;
    this.sessionsCutOffAtDrain += c.sessionsCutOffAtDrain;
    // An agent whose series ends earlier had finished: nothing in flight there.
    o.inFlightAt.forEach((v, i) => (this.inFlightAt[i] = (this.inFlightAt[i] ?? 0) + v));
    o.activeAt.forEach((v, i) => (this.activeAt[i] = (this.activeAt[i] ?? 0) + v));
    this.cohort.mergeFrom(o.cohort);
  }

  /** A session that planned `plannedTurns` ended: `completed` when every turn was answered, else cut short at the first that was not. */
  sessionEnded(startAtMs: number, costNanos: number, plannedTurns: number, completed: boolean): void {
    if (!this.inWindow(startAtMs)) return;
    this.sessionsCompleted++;
    this.conversationCost.ended(plannedTurns, costNanos, completed);
    if (!completed) return;
    // A free conversation records 0 µ$ (1 µ$ gave a free model a daily cost).
    this.sessionCost.recordValue(Math.round(costNanos / 1000));
  }
}
