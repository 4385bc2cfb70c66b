/**
 * The report shape and metric names, defined once and used by the simulator and the load tester alike,
 * so a prediction and a measurement can be diffed field by field (STYLE.md habit 4). The JSON report is
 * versioned: `schema/report.schema.json` describes `REPORT_SCHEMA_VERSION`; bump it on any breaking change.
 */
import type { Summary } from './histogram.js';

export const REPORT_SCHEMA_VERSION = 1;

/** Latency metrics (histograms, ms). */
export const LATENCY_METRICS = ['turn', 'queueWait', 'limiterWait', 'provider', 'tool', 'retryWait', 'ttft'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Turn outcome counters. */
export interface TurnCounts {
  /** Turns that arrived in the measurement window. */
  arrived: number;
  /** Answered by the provider. */
  completed: number;
  cacheHits: number;
  /** Refused at admission (queue full, unknown class). */
  rejected: number;
  /** Waited past their queue deadline. */
  deadLettered: number;
  /** Gave up after retries / fallbacks (429, 529, 5xx, timeout, breaker open…). */
  failed: number;
  /** Why turns did not complete, by reason. */
  byReason: Record<string, number>;
}

export interface EventCounts {
  providerCalls: number;
  attempts: number;
  retries: number;
  fallbacks: number;
  /** Provider answers by failure kind (429, 529, 500, timeout…). */
  providerFailures: Record<string, number>;
  breakerRejections: number;
  /** Requests our own limiter held back, by `model:binding`. */
  limiterWaits: Record<string, number>;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
}

export interface ModelCost extends UsageTotals {
  usd: number;
  /** USD by token class (from the rate card; sums to `usd` up to per-call rounding). */
  byClass: { input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number };
  priceSource: string;
}

export interface LimitUse {
  /** Provider limit per minute. */
  limit: number;
  /** What our limiter admits (limit × margin). */
  admitted: number;
  /** Highest use in any one-minute step of the window, and when (ms from the start). */
  peakPerMinute: number;
  peakAtMs: number;
  /** peakPerMinute / limit. */
  peakUtilisation: number;
  meanPerMinute: number;
}

export interface Distribution {
  mean: number;
  p99: number;
  max: number;
}

export interface SloCheck {
  name: string;
  target: number;
  actual: number;
  unit: 'ms' | 'ratio' | 'usd';
  pass: boolean;
}

export interface Series {
  stepMs: number;
  /** Start of each step, ms from the start of the run. */
  t: number[];
  inFlightCalls: number[];
  busySlots: number[];
  queueDepth: number[];
  activeSessions: number[];
  turnsCompleted: number[];
  p95TurnLatencyMs: number[];
  costUsd: number[];
  byModel: Record<string, { requests: number[]; inputTokens: number[]; outputTokens: number[] }>;
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: 'simulation' | 'loadtest';
  /** The answer first, in one or two sentences. */
  answer: string;
  scenario: { name: string; seed: number; durationMs: number; warmupMs: number; workers: { count: number; concurrency: number; mode: string } };
  run: { simulatedMs: number; wallMs: number; events: number; eventsPerSecond: number };
  population: { targetConcurrency: number; meanSessionMs: number; arrivalRatePerS: number; sessionsStarted: number; sessionsCompleted: number; conversationsPerDay: number; meanActiveSessions: number };
  turns: TurnCounts;
  latency: Record<LatencyMetric, Summary>;
  throughput: { turnsPerS: number; callsPerS: number; inputTokensPerS: number; outputTokensPerS: number };
  capacity: {
    slots: number;
    utilisation: number;
    inFlightCalls: Distribution;
    busySlots: Distribution;
    /** Turns wanting a slot (busy + queued): what the workers must cover. */
    slotDemand: Distribution;
    queueDepth: Distribution;
    workersNeeded: number;
    workersRecommended: number;
    headroom: number;
  };
  limits: {
    byModel: Record<string, Partial<Record<'rpm' | 'itpm' | 'otpm', LimitUse>>>;
    /** The limit closest to (or at) its admitted rate; null if none is above 80 %. */
    binding: { model: string; limit: 'rpm' | 'itpm' | 'otpm'; peakUtilisation: number; atMs: number; binds: boolean } | null;
  };
  events: EventCounts;
  cache: { hits: number; misses: number; hitRate: number };
  cost: {
    /** In the measurement window. */
    windowUsd: number;
    byModel: Record<string, ModelCost>;
    perConversationUsd: { mean: number; p95: number };
    perDayUsd: number;
    perMonthUsd: number;
  };
  slo: { checks: SloCheck[]; pass: boolean };
  littlesLaw: { L: number; lambdaPerS: number; WMs: number; relativeError: number };
  series: Series;
  /** Encoded HDR histograms (µs), for merging. */
  histograms: Record<LatencyMetric, string>;
}
