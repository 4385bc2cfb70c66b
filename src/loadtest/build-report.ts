/**
 * A load test's measurements as a Report of the same shape as the simulator's (kind `loadtest`), so
 * predicted and measured figures can be compared field by field. Latencies are in scenario time
 * (client-measured real ms × time scale); the real figures are in `measuredReal` of the result.
 */
import { conversationsPerDay, conversationsPerMonth, costFigures, limitUse, littlesLawError, modelCosts, recommendedWorkers, servedThroughput, sloChecks } from '../core/metrics/derive.js';
import { encodeHistogram, percentileOf, summarise } from '../core/metrics/histogram.js';
import { LATENCY_METRICS, REPORT_SCHEMA_VERSION, type Report } from '../core/metrics/report.js';
import type { Pricing } from '../core/pricing.js';
import type { Scenario } from '../scenario/schema.js';
import { formatDuration } from '../scenario/units.js';
import { planArrivals } from '../workload/arrivals.js';
import { steadyStateWarnings } from '../report/steady-state.js';
import { DEFAULT_LAG_THRESHOLD_MS, type ReplayResult } from './replay.js';

export function buildLoadReport(s: Scenario, seed: number, r: ReplayResult, pricing: Pricing): Report {
  const m = r.measurements;
  const plan = planArrivals(s);
  const windowS = (Math.min(s.duration, r.scenarioDurationMs) - s.warmup) / 1000;
  // Rates over the part of the window the run covered (all of it, unless interrupted or cut by --max-sessions).
  const covered = { ...s, duration: Math.max(s.warmup, Math.min(s.duration, r.scenarioDurationMs)) };
  const latency = Object.fromEntries(LATENCY_METRICS.map((k) => [k, summarise(m.latency[k])])) as Report['latency'];
  const byModel = modelCosts(m.byModel, m.costByClass, pricing);
  const cpd = conversationsPerDay(plan);
  const cpm = conversationsPerMonth(plan);
  const calls = Object.values(byModel).reduce((a, x) => a + x.requests, 0);
  const samples = m.inFlightTurns;
  const inflight = { mean: samples.mean, p99: samples.percentile(99), max: samples.max };
  const slots = s.workers.count * s.workers.concurrency;
  const workersNeeded = Math.max(1, Math.ceil(inflight.p99 / s.workers.concurrency));
  const lambda = windowS > 0 ? m.turns.arrived / windowS : 0;
  const W = m.turns.arrived === 0 ? 0 : m.sojournMs / m.turns.arrived;
  const L = inflight.mean;
  const limiterWaits = m.limiterWaits;
  const lookups = s.cache === false ? 0 : m.cacheLookups;
  const generator = {
    connections: r.connections ?? 0,
    sends: m.sends,
    lagThresholdMs: r.lagThresholdMs ?? DEFAULT_LAG_THRESHOLD_MS,
    lateSends: m.lateSends,
    lateForConnection: m.lateForConnection,
    maxLagMs: Math.round(m.maxLagMs * 1000) / 1000,
    connectionWait: summarise(m.connectionWait),
    connectionSetup: summarise(m.connectionSetup),
  };
  const base: Omit<Report, 'slo' | 'answer'> = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'loadtest',
    scenario: { name: s.name, seed, durationMs: s.duration, warmupMs: s.warmup, workers: { ...s.workers } },
    run: {
      simulatedMs: Math.round(r.scenarioDurationMs),
      wallMs: Math.round(r.wallMs),
      events: m.turns.arrived,
      eventsPerSecond: Math.round((m.turns.arrived / Math.max(r.wallMs, 1)) * 1000),
      ...(r.drainTimeoutMs !== undefined ? { drain: { timeoutMs: r.drainTimeoutMs, cutOffTurns: m.cutOffAtDrain, cutOffSessions: m.sessionsCutOffAtDrain } } : {}),
      generator,
      ...(r.agents ? { agents: r.agents } : {}),
      ...(r.timeScale !== undefined ? { timeScale: r.timeScale } : {}),
      ...(r.interrupted ? { interrupted: true as const } : {}),
    },
    population: { targetConcurrency: plan.targetConcurrency, meanSessionMs: plan.meanSessionMs, arrivalRatePerS: plan.baseRatePerS, sessionsStarted: m.sessionsStarted, sessionsCompleted: m.sessionsCompleted, conversationsPerDay: cpd, conversationsPerMonth: cpm, meanActiveSessions: m.activeSessions.mean },
    turns: m.turns,
    latency,
    throughput: servedThroughput(covered, m.window),
    // The client sees turns, not provider calls or slots: in-flight turns stand in for slot demand.
    capacity: { slots, utilisation: slots > 0 ? inflight.mean / slots : 0, inFlightCalls: inflight, busySlots: inflight, slotDemand: inflight, queueDepth: { mean: 0, p99: 0, max: 0 }, workersNeededBasis: 'sampled', workersNeeded, workersRecommended: recommendedWorkers(workersNeeded, s.planning), headroom: s.planning.headroom },
    limits: limitUse(s, m.window, limiterWaits),
    events: { providerCalls: calls, attempts: m.attempts, retries: m.retries, fallbacks: m.fallbacks, providerFailures: m.providerFailures, breakerRejections: m.breakerRejections, limiterWaits },
    cache: { hits: m.turns.cacheHits, misses: lookups - m.turns.cacheHits, hitRate: lookups === 0 ? 0 : m.turns.cacheHits / lookups },
    cost: costFigures(m.costNanos, byModel, m.conversationCost.summary(), percentileOf(m.sessionCost, 95) / 1e6, { conversationsPerDay: cpd, conversationsPerMonth: cpm }),
    cohort: m.cohort.report(),
    littlesLaw: { L, lambdaPerS: lambda, WMs: W, relativeError: littlesLawError(L, lambda, W) },
    series: { stepMs: s.report.step, t: [], inFlightCalls: [], busySlots: [], queueDepth: [], activeSessions: [], turnsCompleted: [], p95TurnLatencyMs: [], costUsd: [], byModel: {} },
    histograms: Object.fromEntries(LATENCY_METRICS.map((k) => [k, encodeHistogram(m.latency[k])])) as Report['histograms'],
  };
  const checks = sloChecks(s, base);
  const withSlo = { ...base, slo: { checks, pass: checks.every((c) => c.pass) } };
  const failed = checks.filter((c) => !c.pass);
  const answer =
    (r.interrupted ? 'Interrupted: ' : '') +
    steadyStateWarnings(covered, plan.meanSessionMs, "not a steady state's").map((w) => `${w} `).join('') +
    `Measured over ${formatDuration(windowS * 1000)} of scenario time (${formatDuration(r.wallMs)} real): ${m.turns.arrived.toLocaleString('en-US')} turns, ` +
    `p95 turn latency ${formatDuration(latency.turn.p95)}, ${Math.round(inflight.mean * 10) / 10} turns in flight on average (p99 ${inflight.p99}), ` +
    `$${(m.costNanos / 1e9).toFixed(2)} in the window. ` +
    (checks.length === 0 ? '' : failed.length === 0 ? 'All SLOs met.' : `SLO failed: ${failed.map((f) => f.name).join(', ')}.`) +
    (m.sessionsCutOffAtDrain > 0
      ? ` Incomplete: the drain was cut off after ${formatDuration(r.drainTimeoutMs ?? 0)} with ${m.cutOffAtDrain.toLocaleString('en-US')} turns in flight (in no figure) and ${m.sessionsCutOffAtDrain.toLocaleString('en-US')} conversations unfinished.`
      : '') +
    lostAgents(r.agents) +
    generatorWarning(generator);
  return { ...withSlo, answer };
}

type Generator = NonNullable<Report['run']['generator']>;

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** Agents that died mid-run, for the answer: the run lacks their share. */
function lostAgents(a: ReplayResult['agents']): string {
  if (!a || a.lost.length === 0) return '';
  const who = a.lost.map((l) => `load-test agent ${l.agent} of ${a.count} (${l.pid !== undefined ? `pid ${l.pid} on ${l.host ?? '?'}` : 'never heard from'})`).join(', ');
  const did = a.lost.map((l) => `${count(l.sends, 'turn')} sent (${l.answered.toLocaleString('en-US')} answered) in ${count(l.sessions, 'conversation')}`).join('; ');
  const others = a.lost.length < a.count ? ' and the other agents were stopped' : '';
  return ` Incomplete: ${who} died mid-run after ${did}; ${a.lost.length === 1 ? 'its' : 'their'} share of the sessions is missing${others}.`;
}

/**
 * What the load generator itself did to the run, for the answer: sends it let leave late, and turns that
 * waited for one of its connections (the cause named, since it calls for another remedy than lag).
 */
function generatorWarning(g: Generator): string {
  const w = g.connectionWait;
  if (g.lateSends === 0 && w.count === 0) return '';
  const late = g.lateSends > 0 ? ` ${count(g.lateSends, 'send')} of ${g.sends.toLocaleString('en-US')} left more than ${g.lagThresholdMs} ms late (max lag ${Math.round(g.maxLagMs)} ms real).` : '';
  const waited =
    w.count > 0
      ? ` ${count(w.count, 'turn')} waited for one of the load generator's ${count(g.connections, 'connection')} (--connections; mean ${formatDuration(w.mean)}, p99 ${formatDuration(w.p99)} real), which is not in the latency figures.`
      : '';
  return ` Warning:${late}${waited}`;
}
