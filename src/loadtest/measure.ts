/**
 * What a load test measures, in the simulator's vocabulary (core/metrics/report.ts) so the two can be
 * compared field by field. Client-side latencies are measured in real ms and stored in scenario ms
 * (× time scale) next to the real figures; the runtime's own breakdown (queue, limiter, provider,
 * tool, retry) comes back in each response, already in scenario ms.
 */
import { LATENCY_METRICS, type LatencyMetric } from '../core/metrics/report.js';
import { newHistogram, recordMs, type Histogram } from '../core/metrics/histogram.js';
import { CohortTally } from '../core/metrics/cohort.js';
import type { Usage } from '../core/types.js';

/** Exact mean / p99 / max of sampled small integers. */
export class IntSamples {
  private readonly counts: number[] = [];
  n = 0;
  private sum = 0;
  max = 0;

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
  sentAtMs: number;
  endedAtMs: number;
  /** HTTP status, or 0 when no answer came (timeout, connection). */
  httpStatus: number;
  status: 'ok' | 'cache-hit' | 'rejected' | 'dead-letter' | 'failed';
  reason?: string;
  errorClass?: string;
  /** The provider calls the runtime billed for this turn. */
  charges: { model: string; usage: Usage; costNanos: number }[];
  costNanos: number;
  timings?: { queueWaitMs: number; limiterWaitMs: number; providerMs: number; toolMs: number; retryWaitMs: number; ttftMs?: number };
  ttftMs?: number;
  attempts?: number;
  retries?: number;
  fallbacks?: number;
}

export class Measurements {
  /** Scenario-time latency histograms (same names as the simulator's). */
  readonly latency = Object.fromEntries(LATENCY_METRICS.map((m) => [m, newHistogram()])) as Record<LatencyMetric, Histogram>;
  /** Latency from the actual send (not corrected for coordinated omission), scenario ms. */
  readonly uncorrected = newHistogram();
  /** Client-side turn latency in real ms (what the machine running the test saw). */
  readonly realTurn = newHistogram();
  readonly turns = { arrived: 0, completed: 0, cacheHits: 0, rejected: 0, deadLettered: 0, failed: 0, byReason: {} as Record<string, number> };
  readonly errors: Record<string, number> = {};
  readonly byModel = new Map<string, Usage & { requests: number; costNanos: number }>();
  readonly usageByStep = new Map<string, { requests: number[]; inputTokens: number[]; outputTokens: number[] }>();
  costNanos = 0;
  attempts = 0;
  retries = 0;
  fallbacks = 0;
  /** Sends that left later than intended by more than the lag threshold. */
  lateSends = 0;
  maxLagMs = 0;
  sessionsStarted = 0;
  sessionsCompleted = 0;
  readonly sessionCost = newHistogram();
  /** Sampled every second (real): turns awaiting an answer and sessions in progress. */
  readonly inFlightTurns = new IntSamples();
  readonly activeSessions = new IntSamples();
  /** Sessions that started in the window and all their turns (exactly comparable with the simulator). */
  readonly cohort = new CohortTally();
  /** Scenario ms of the window's turns summed (W of Little's law). */
  sojournMs = 0;

  constructor(
    readonly timeScale: number,
    readonly warmupMs: number,
    readonly endMs: number,
    readonly stepMs: number,
  ) {}

  inWindow(t: number): boolean {
    return t >= this.warmupMs && t < this.endMs;
  }

  record(r: TurnResult): void {
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
    this.costNanos += r.costNanos;
    this.sojournMs += r.endedAtMs - r.intendedAtMs;
    if (r.status === 'ok' || r.status === 'cache-hit') {
      recordMs(this.latency.turn, r.endedAtMs - r.intendedAtMs);
      recordMs(this.uncorrected, r.endedAtMs - r.sentAtMs);
      recordMs(this.realTurn, (r.endedAtMs - r.intendedAtMs) / this.timeScale);
      const tm = r.timings;
      if (tm) {
        recordMs(this.latency.queueWait, tm.queueWaitMs);
        recordMs(this.latency.limiterWait, tm.limiterWaitMs);
        recordMs(this.latency.provider, tm.providerMs);
        recordMs(this.latency.tool, tm.toolMs);
        recordMs(this.latency.retryWait, tm.retryWaitMs);
      }
      const ttft = r.ttftMs ?? tm?.ttftMs;
      if (ttft !== undefined) recordMs(this.latency.ttft, ttft);
    }
    for (const c of r.charges) {
      let m = this.byModel.get(c.model);
      if (!m) this.byModel.set(c.model, (m = { requests: 0, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, costNanos: 0 }));
      const u = c.usage;
      m.requests++;
      m.inputTokens += u.inputTokens;
      m.outputTokens += u.outputTokens;
      m.cacheWrite5mTokens += u.cacheWrite5mTokens;
      m.cacheWrite1hTokens += u.cacheWrite1hTokens;
      m.cacheReadTokens += u.cacheReadTokens;
      m.costNanos += c.costNanos;
      const step = Math.floor(r.sentAtMs / this.stepMs);
      let s = this.usageByStep.get(c.model);
      if (!s) this.usageByStep.set(c.model, (s = { requests: [], inputTokens: [], outputTokens: [] }));
      s.requests[step] = (s.requests[step] ?? 0) + 1;
      s.inputTokens[step] = (s.inputTokens[step] ?? 0) + u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens;
      s.outputTokens[step] = (s.outputTokens[step] ?? 0) + u.outputTokens;
    }
  }

  sessionEnded(startAtMs: number, costNanos: number): void {
    if (!this.inWindow(startAtMs)) return;
    this.sessionsCompleted++;
    this.sessionCost.recordValue(Math.max(1, Math.round(costNanos / 1000)));
  }
}
