/**
 * Turns a simulation's measurements into the shared Report (core/metrics/report.ts): the answer first
 * ("you need N workers; the binding limit is …; $X/day"), then the figures.
 */
import { encodeHistogram, summarise } from '../core/metrics/histogram.js';
import { LATENCY_METRICS, REPORT_SCHEMA_VERSION, type LimitUse, type ModelCost, type Report, type SloCheck } from '../core/metrics/report.js';
import type { Pricing } from '../core/pricing.js';

import { formatDuration } from '../scenario/units.js';
import type { SimResult } from './simulate.js';

const KINDS = ['rpm', 'itpm', 'otpm'] as const;
type Kind = (typeof KINDS)[number];

/** Sessions per day implied by the arrival plan: base rate × ∫ multiplier over 24 h. */
function conversationsPerDay(r: SimResult): number {
  const p = r.workload.plan;
  let integral = 0;
  for (let t = 0; t < 86_400_000; t += 60_000) integral += p.multiplierAt(t + 30_000) * 60;
  return p.baseRatePerS * integral;
}

function limitUse(r: SimResult): Report['limits'] {
  const s = r.scenario;
  const stepMs = s.report.step;
  const perMinute = 60_000 / stepMs;
  const first = Math.floor(s.warmup / stepMs);
  const last = Math.ceil(s.duration / stepMs);
  const byModel: Report['limits']['byModel'] = {};
  let binding: Report['limits']['binding'] = null;
  for (const [name, m] of Object.entries(s.models)) {
    const u = r.recorder.usageByStep.get(name);
    const out: Partial<Record<Kind, LimitUse>> = {};
    for (const kind of KINDS) {
      const limit = m.limits[kind];
      if (limit === undefined) continue;
      const arr = kind === 'rpm' ? u?.requests : kind === 'itpm' ? u?.inputTokens : u?.outputTokens;
      let peak = 0;
      let peakAt = 0;
      let sum = 0;
      for (let i = first; i < last; i++) {
        const v = (arr?.[i] ?? 0) * perMinute;
        sum += v;
        if (v > peak) {
          peak = v;
          peakAt = i * stepMs;
        }
      }
      const use: LimitUse = { limit, admitted: limit * s.limiter.margin, peakPerMinute: peak, peakAtMs: peakAt, peakUtilisation: peak / limit, meanPerMinute: last > first ? sum / (last - first) : 0 };
      out[kind] = use;
      const waits = r.recorder.events.limiterWaits[`${name}:${kind}`] ?? 0;
      const binds = waits > 0 || use.peakUtilisation >= s.limiter.margin * 0.98;
      if (use.peakUtilisation >= 0.8 * s.limiter.margin && (!binding || use.peakUtilisation > binding.peakUtilisation || (binds && !binding.binds)))
        binding = { model: name, limit: kind, peakUtilisation: use.peakUtilisation, atMs: peakAt, binds };
    }
    byModel[name] = out;
  }
  return { byModel, binding };
}

function costs(r: SimResult, pricing: Pricing): Report['cost']['byModel'] {
  const out: Record<string, ModelCost> = {};
  // The window's turns only (the cost counters also hold warm-up and drain).
  for (const [name, t] of r.recorder.byModel) {
    const card = pricing.card(name);
    const usd = (tokens: number, picoPerToken: number) => (tokens * picoPerToken) / 1e12;
    out[name] = {
      requests: t.requests,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      cacheWrite5mTokens: t.cacheWrite5mTokens,
      cacheWrite1hTokens: t.cacheWrite1hTokens,
      cacheReadTokens: t.cacheReadTokens,
      usd: t.costNanos / 1e9,
      byClass: {
        input: usd(t.inputTokens, card.input),
        output: usd(t.outputTokens, card.output),
        cacheWrite5m: usd(t.cacheWrite5mTokens, card.cacheWrite5m),
        cacheWrite1h: usd(t.cacheWrite1hTokens, card.cacheWrite1h),
        cacheRead: usd(t.cacheReadTokens, card.cacheRead),
      },
      priceSource: card.source,
    };
  }
  return out;
}

function sloChecks(r: SimResult, report: Omit<Report, 'slo' | 'answer'>): SloCheck[] {
  const slo = r.scenario.slo;
  const checks: SloCheck[] = [];
  const lat = report.latency;
  const add = (name: string, target: number | undefined, actual: number, unit: SloCheck['unit']) => {
    if (target !== undefined) checks.push({ name, target, actual, unit, pass: actual <= target });
  };
  add('turn latency p50', slo.turnLatencyP50, lat.turn.p50, 'ms');
  add('turn latency p95', slo.turnLatencyP95, lat.turn.p95, 'ms');
  add('turn latency p99', slo.turnLatencyP99, lat.turn.p99, 'ms');
  add('TTFT p95', slo.ttftP95, lat.ttft.p95, 'ms');
  add('queue wait p95', slo.queueWaitP95, lat.queueWait.p95, 'ms');
  const t = report.turns;
  add('error rate', slo.maxErrorRate, t.arrived === 0 ? 0 : (t.rejected + t.deadLettered + t.failed) / t.arrived, 'ratio');
  add('cost per day', slo.maxCostPerDay, report.cost.perDayUsd, 'usd');
  add('cost per conversation', slo.maxCostPerConversation, report.cost.perConversationUsd.mean, 'usd');
  return checks;
}

const usd = (n: number) => (n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(n >= 1 ? 2 : 3)}`);

function answer(r: SimResult, rep: Omit<Report, 'answer'>): string {
  const s = r.scenario;
  const c = rep.capacity;
  const lines: string[] = [];
  const per = s.workers.mode === 'perSession' ? 'conversations' : 'turns';
  lines.push(
    `${Math.round(rep.population.targetConcurrency)} concurrent conversations → ${rep.capacity.inFlightCalls.mean.toFixed(1)} LLM calls in flight on average (p99 ${c.inFlightCalls.p99}); ` +
      `${per} need ${c.slotDemand.mean.toFixed(1)} slots on average (p99 ${c.slotDemand.p99}), so with ${s.workers.concurrency} per worker you need ${c.workersNeeded} worker${c.workersNeeded === 1 ? '' : 's'} ` +
      `(${c.workersRecommended} with ${c.headroom}× headroom; ${s.workers.count} configured).`,
  );
  const b = rep.limits.binding;
  const limitText = !b
    ? 'No provider limit binds'
    : `${b.binds ? 'The binding limit is' : 'Closest to binding:'} ${b.model} ${b.limit.toUpperCase()} at ${Math.round(b.peakUtilisation * 100)} % of the limit (${formatDuration(b.atMs)} in)`;
  lines.push(`${limitText}; p95 turn latency ${formatDuration(rep.latency.turn.p95)}; ${usd(rep.cost.perDayUsd)}/day, ${usd(rep.cost.perConversationUsd.mean)} per conversation.`);
  if (rep.slo.checks.length > 0) {
    const failed = rep.slo.checks.filter((x) => !x.pass);
    lines.push(failed.length === 0 ? 'All SLOs met.' : `SLO failed: ${failed.map((f) => f.name).join(', ')}.`);
  }
  return lines.join(' ');
}

export function buildReport(r: SimResult, pricing: Pricing): Report {
  const s = r.scenario;
  const rec = r.recorder;
  const windowS = (s.duration - s.warmup) / 1000;
  const latency = Object.fromEntries(LATENCY_METRICS.map((m) => [m, summarise(rec.latency[m])])) as Report['latency'];
  const slots = s.workers.count * s.workers.concurrency;
  const dist = (h: { mean: number; percentile(p: number): number; max: number }) => ({ mean: h.mean, p99: h.percentile(99), max: h.max });
  const workersNeeded = Math.max(1, Math.ceil(rec.slotDemand.percentile(99) / s.workers.concurrency));
  const byModel = costs(r, pricing);
  const cpd = conversationsPerDay(r);
  const perConv = rec.sessionsCompleted === 0 ? 0 : rec.sessionCost.mean / 1e6;
  const calls = Object.values(byModel).reduce((a, m) => a + m.requests, 0);
  const lambda = rec.turns.arrived / windowS;
  const W = rec.turns.arrived === 0 ? 0 : rec.sojournMs / rec.turns.arrived;
  const L = rec.meanTurnsInSystem;
  const stepCount = Math.ceil(r.simulatedMs / s.report.step);
  const seriesArr = (a: number[]) => Array.from({ length: stepCount }, (_, i) => a[i] ?? 0);
  const input = Object.values(byModel).reduce((a, m) => a + m.inputTokens + m.cacheWrite5mTokens + m.cacheWrite1hTokens + m.cacheReadTokens, 0);
  const output = Object.values(byModel).reduce((a, m) => a + m.outputTokens, 0);

  const base: Omit<Report, 'slo' | 'answer'> = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'simulation',
    scenario: { name: s.name, seed: r.seed, durationMs: s.duration, warmupMs: s.warmup, workers: { ...s.workers } },
    run: { simulatedMs: r.simulatedMs, wallMs: Math.round(r.wallMs), events: r.events, eventsPerSecond: Math.round(r.events / Math.max(r.wallMs, 1e-3) * 1000) },
    population: {
      targetConcurrency: r.workload.plan.targetConcurrency,
      meanSessionMs: r.workload.plan.meanSessionMs,
      arrivalRatePerS: r.workload.plan.baseRatePerS,
      sessionsStarted: rec.sessionsStarted,
      sessionsCompleted: rec.sessionsCompleted,
      conversationsPerDay: cpd,
      meanActiveSessions: rec.activeSessions.mean,
    },
    turns: rec.turns,
    latency,
    throughput: { turnsPerS: (rec.turns.completed + rec.turns.cacheHits) / windowS, callsPerS: calls / windowS, inputTokensPerS: input / windowS, outputTokensPerS: output / windowS },
    capacity: {
      slots,
      utilisation: rec.busySlots.mean / slots,
      inFlightCalls: dist(rec.inFlightCalls),
      busySlots: dist(rec.busySlots),
      slotDemand: dist(rec.slotDemand),
      queueDepth: dist(rec.queueDepth),
      workersNeeded,
      workersRecommended: Math.ceil(workersNeeded * s.planning.headroom),
      headroom: s.planning.headroom,
    },
    limits: limitUse(r),
    events: rec.events,
    cache: { hits: rec.turns.cacheHits, misses: 0, hitRate: 0 },
    cost: { windowUsd: rec.costNanos / 1e9, byModel, perConversationUsd: { mean: perConv, p95: rec.sessionCost.totalCount ? rec.sessionCost.getValueAtPercentile(95) / 1e6 : 0 }, perDayUsd: perConv * cpd, perMonthUsd: perConv * cpd * 30 },
    littlesLaw: { L, lambdaPerS: lambda, WMs: W, relativeError: L === 0 ? 0 : Math.abs(L - (lambda * W) / 1000) / L },
    series: {
      stepMs: s.report.step,
      t: Array.from({ length: stepCount }, (_, i) => i * s.report.step),
      inFlightCalls: seriesArr(rec.series.inFlightCalls),
      busySlots: seriesArr(rec.series.busySlots),
      queueDepth: seriesArr(rec.series.queueDepth),
      activeSessions: seriesArr(rec.series.activeSessions),
      turnsCompleted: seriesArr(rec.series.turnsCompleted),
      p95TurnLatencyMs: Array.from({ length: stepCount }, (_, i) => (rec.stepLatency[i] ? rec.stepLatency[i]!.getValueAtPercentile(95) / 1000 : 0)),
      costUsd: seriesArr(rec.series.costNanos).map((n) => n / 1e9),
      byModel: Object.fromEntries([...rec.usageByStep].map(([m, u]) => [m, { requests: seriesArr(u.requests), inputTokens: seriesArr(u.inputTokens), outputTokens: seriesArr(u.outputTokens) }])),
    },
    histograms: Object.fromEntries(LATENCY_METRICS.map((m) => [m, encodeHistogram(rec.latency[m])])) as Report['histograms'],
  };
  const cacheStats = r.cache.stats();
  base.cache = { hits: cacheStats.hits, misses: cacheStats.misses, hitRate: cacheStats.hits + cacheStats.misses === 0 ? 0 : cacheStats.hits / (cacheStats.hits + cacheStats.misses) };
  const checks = sloChecks(r, base);
  const withSlo = { ...base, slo: { checks, pass: checks.every((c) => c.pass) } };
  return { ...withSlo, answer: answer(r, withSlo) };
}

