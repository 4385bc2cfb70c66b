/**
 * Turns a simulation's measurements into the shared Report (core/metrics/report.ts): the answer first
 * ("you need N workers; the binding limit is …; $X/day"), then the figures.
 */
import { encodeHistogram, summarise } from '../core/metrics/histogram.js';
import { LATENCY_METRICS, REPORT_SCHEMA_VERSION, type Report } from '../core/metrics/report.js';
import type { Pricing } from '../core/pricing.js';
import { conversationsPerDay, limitUse, modelCosts, servedThroughput, sloChecks } from '../core/metrics/derive.js';

import { formatDuration } from '../scenario/units.js';
import { offeredSlotDemand } from './offered-load.js';
import type { SimResult } from './simulate.js';

const usd = (n: number) => (n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(n >= 1 ? 2 : 3)}`);

/** Turns of the window refused a worker slot: the queue was full, or they waited past its deadline. */
function slotRefusals(t: Report['turns']): number {
  return (t.byReason['queue-full'] ?? 0) + (t.byReason['deadline'] ?? 0);
}

const pctText = (x: number) => (x > 0 && x < 0.01 ? '< 1 %' : `${Math.round(x * 100)} %`);

function answer(r: SimResult, rep: Omit<Report, 'answer'>): string {
  const s = r.scenario;
  const c = rep.capacity;
  const lines: string[] = [];
  const per = s.workers.mode === 'perSession' ? 'conversations' : 'turns';
  const workers = `${c.workersNeeded} worker${c.workersNeeded === 1 ? '' : 's'}`;
  const head = `${Math.round(rep.population.targetConcurrency)} concurrent conversations → ${rep.capacity.inFlightCalls.mean.toFixed(1)} LLM calls in flight on average (p99 ${c.inFlightCalls.p99}); `;
  const saturated = c.workersNeededBasis === 'offeredLoad' && c.offeredSlotDemand !== undefined;
  if (saturated) {
    const t = rep.turns;
    const refused = t.arrived === 0 ? 0 : slotRefusals(t) / t.arrived;
    lines.push(
      head +
        `the ${s.workers.count} configured worker${s.workers.count === 1 ? ' is' : 's are'} saturated (${pctText(refused)} of turns refused a slot), so workers needed is estimated from the offered load: ` +
        `${per} would need ${c.offeredSlotDemand!.mean.toFixed(1)} slots on average (p99 ${Math.max(c.offeredSlotDemand!.p99, c.busySlots.p99)}), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${c.workersRecommended} with ${c.headroom}× headroom); rerun with --set workers.count=${c.workersNeeded} to confirm.`,
    );
  } else {
    lines.push(
      head +
        `${per} need ${c.slotDemand.mean.toFixed(1)} slots on average (p99 ${c.slotDemand.p99}), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${c.workersRecommended} with ${c.headroom}× headroom; ${s.workers.count} configured).`,
    );
  }
  const b = rep.limits.binding;
  // Calls held back say why a limit binds even when its measured peak is low (e.g. a limiter reserving a large maxTokens).
  const heldBack = !b
    ? ''
    : [b.heldBack > 0 ? `our limiter held back ${b.heldBack.toLocaleString('en-US')} calls on it` : '', b.rateLimited > 0 ? `the provider answered ${b.rateLimited.toLocaleString('en-US')} 429s on it` : '']
        .filter((x) => x !== '')
        .join(' and ');
  const limitText = !b
    ? 'No provider limit binds'
    : `${b.binds ? 'The binding limit is' : 'Closest to binding:'} ${b.model} ${b.limit.toUpperCase()} at ${Math.round(b.peakUtilisation * 100)} % of the limit (${formatDuration(b.atMs)} in${heldBack ? `; ${heldBack}` : ''})`;
  // A saturated run's cost is what it served: users turned away spend nothing, so it is below the plan's.
  const costScope = saturated ? ' (answered turns only: the turns refused a slot cost nothing here, so serving everyone costs more)' : '';
  lines.push(`${limitText}; p95 turn latency ${formatDuration(rep.latency.turn.p95)}; ${usd(rep.cost.perDayUsd)}/day, ${usd(rep.cost.perConversationUsd.mean)} per conversation${costScope}.`);
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
  // Workers needed is the p99 of the sampled slot demand — unless the workers were saturated (turns were
  // refused a slot). Then the sampled demand is bounded by them: the queue backlog inflates it (about
  // arrival rate × queue timeout) and users who gave up deflate it. It rests instead on the offered load
  // (sim/offered-load.ts), and on the busy slots sampled, which a too-small pool keeps full anyway.
  const offered = offeredSlotDemand(s, r.workload.plan, r.offered, rec.turns.cacheHits);
  const basis = slotRefusals(rec.turns) > 0 && offered !== undefined ? 'offeredLoad' : 'sampled';
  const demandP99 = basis === 'offeredLoad' ? Math.max(offered!.p99, rec.busySlots.percentile(99)) : rec.slotDemand.percentile(99);
  const workersNeeded = Math.max(1, Math.ceil(demandP99 / s.workers.concurrency));
  // The window's turns only (the cost counters also hold warm-up and drain).
  const byModel = modelCosts(r.recorder.byModel, r.recorder.costByClass, pricing);
  const cpd = conversationsPerDay(r.workload.plan);
  const perConv = rec.sessionsCompleted === 0 ? 0 : rec.sessionCost.mean / 1e6;
  const lambda = rec.turns.arrived / windowS;
  const W = rec.turns.arrived === 0 ? 0 : rec.sojournMs / rec.turns.arrived;
  const L = rec.meanTurnsInSystem;
  const stepCount = Math.ceil(r.simulatedMs / s.report.step);
  const seriesArr = (a: number[]) => Array.from({ length: stepCount }, (_, i) => a[i] ?? 0);

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
    throughput: servedThroughput(s, rec.window),
    capacity: {
      slots,
      utilisation: rec.busySlots.mean / slots,
      inFlightCalls: dist(rec.inFlightCalls),
      busySlots: dist(rec.busySlots),
      slotDemand: dist(rec.slotDemand),
      queueDepth: dist(rec.queueDepth),
      ...(offered ? { offeredSlotDemand: offered } : {}),
      workersNeededBasis: basis,
      workersNeeded,
      workersRecommended: Math.ceil(workersNeeded * s.planning.headroom),
      headroom: s.planning.headroom,
    },
    limits: limitUse(s, rec.window, rec.events.limiterWaits, rec.rateLimitedBy),
    events: rec.events,
    // Lookups of the window's turns, like every other count (the cache's own stats span the whole run).
    cache: { hits: rec.turns.cacheHits, misses: rec.cacheLookups - rec.turns.cacheHits, hitRate: rec.cacheLookups === 0 ? 0 : rec.turns.cacheHits / rec.cacheLookups },
    cost: { windowUsd: rec.costNanos / 1e9, byModel, perConversationUsd: { mean: perConv, p95: rec.sessionCost.totalCount ? rec.sessionCost.getValueAtPercentile(95) / 1e6 : 0 }, perDayUsd: perConv * cpd, perMonthUsd: perConv * cpd * 30 },
    cohort: rec.cohort.report(),
    littlesLaw: { L, lambdaPerS: lambda, WMs: W, relativeError: L === 0 ? 0 : Math.abs(L - (lambda * W) / 1000) / L },
    series: {
      stepMs: s.report.step,
      t: Array.from({ length: stepCount }, (_, i) => i * s.report.step),
      inFlightCalls: seriesArr(rec.series.inFlightCalls),
      busySlots: seriesArr(rec.series.busySlots),
      queueDepth: seriesArr(rec.series.queueDepth),
      activeSessions: seriesArr(rec.series.activeSessions),
      turnsCompleted: seriesArr(rec.series.turnsCompleted),
      p95TurnLatencyMs: Array.from({ length: stepCount }, (_, i) => rec.stepLatency.percentile(i, 95) / 1000),
      costUsd: seriesArr(rec.series.costNanos).map((n) => n / 1e9),
      byModel: Object.fromEntries([...rec.usageByStep].map(([m, u]) => [m, { requests: seriesArr(u.requests), inputTokens: seriesArr(u.inputTokens), outputTokens: seriesArr(u.outputTokens) }])),
    },
    histograms: Object.fromEntries(LATENCY_METRICS.map((m) => [m, encodeHistogram(rec.latency[m])])) as Report['histograms'],
  };
  const checks = sloChecks(s, base);
  const withSlo = { ...base, slo: { checks, pass: checks.every((c) => c.pass) } };
  return { ...withSlo, answer: answer(r, withSlo) };
}

