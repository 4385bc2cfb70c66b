/**
 * Figures both halves derive the same way from what they measured, so a simulated and a measured
 * report are comparable field by field: limit use per minute, cost by model and token class, SLO
 * checks, conversations per day and the one-line answer.
 */
import type { Scenario } from '../../scenario/schema.js';
import type { Pricing } from '../pricing.js';
import type { Usage } from '../types.js';
import type { LimitUse, ModelCost, Report, SloCheck } from './report.js';

const KINDS = ['rpm', 'itpm', 'otpm'] as const;
type Kind = (typeof KINDS)[number];

export interface StepUsage {
  requests: number[];
  inputTokens: number[];
  outputTokens: number[];
}

/**
 * Served throughput in the window [warmup, duration): turns answered by their end time, provider calls
 * and tokens by their start time, per second. (Counting the window's arrivals instead would report
 * the offered load, which an overloaded system does not serve.)
 */
export function servedThroughput(s: Scenario, turnsCompletedByStep: readonly number[], usageByStep: ReadonlyMap<string, StepUsage>): Report['throughput'] {
  const stepMs = s.report.step;
  const first = Math.floor(s.warmup / stepMs);
  const last = Math.ceil(s.duration / stepMs);
  const windowS = ((last - first) * stepMs) / 1000;
  const sum = (a: readonly number[] | undefined) => {
    let n = 0;
    for (let i = first; i < last; i++) n += a?.[i] ?? 0;
    return n;
  };
  let calls = 0;
  let input = 0;
  let output = 0;
  for (const u of usageByStep.values()) {
    calls += sum(u.requests);
    input += sum(u.inputTokens);
    output += sum(u.outputTokens);
  }
  return windowS > 0
    ? { turnsPerS: sum(turnsCompletedByStep) / windowS, callsPerS: calls / windowS, inputTokensPerS: input / windowS, outputTokensPerS: output / windowS }
    : { turnsPerS: 0, callsPerS: 0, inputTokensPerS: 0, outputTokensPerS: 0 };
}

/** Sessions per day implied by the arrival plan: base rate × ∫ multiplier over 24 h. */
export function conversationsPerDay(plan: { baseRatePerS: number; multiplierAt(t: number): number }): number {
  let integral = 0;
  for (let t = 0; t < 86_400_000; t += 60_000) integral += plan.multiplierAt(t + 30_000) * 60;
  return plan.baseRatePerS * integral;
}

/**
 * Peak and mean per-minute use of each limit in the window, and the limit that binds (or comes closest).
 *
 * A limit binds when it held calls back — our limiter made calls wait on it (`limiterWaits`, by
 * `model:limit`) or the provider answered 429 on it (`rateLimited`, same keys) — or when its peak
 * reached the admitted rate. Held-back calls count on their own: a limiter that reserves far more
 * output than calls use (a large `maxTokens`) holds calls back while the measured peak stays low.
 * A limit that held nothing back is still named as the closest when its peak reaches 80 % of the
 * admitted rate. Binding limits win over merely close ones; among them, the one that held back the
 * most calls, then the highest peak.
 */
export function limitUse(
  s: Scenario,
  usageByStep: ReadonlyMap<string, StepUsage>,
  limiterWaits: Readonly<Record<string, number>>,
  rateLimited: Readonly<Record<string, number>> = {},
): Report['limits'] {
  const stepMs = s.report.step;
  const perMinute = 60_000 / stepMs;
  const first = Math.floor(s.warmup / stepMs);
  const last = Math.ceil(s.duration / stepMs);
  const byModel: Report['limits']['byModel'] = {};
  let binding: Report['limits']['binding'] = null;
  for (const [name, m] of Object.entries(s.models)) {
    const u = usageByStep.get(name);
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
      const heldBack = limiterWaits[`${name}:${kind}`] ?? 0;
      const refused = rateLimited[`${name}:${kind}`] ?? 0;
      const binds = heldBack > 0 || refused > 0 || use.peakUtilisation >= s.limiter.margin * 0.98;
      if (!binds && use.peakUtilisation < 0.8 * s.limiter.margin) continue;
      const candidate = { model: name, limit: kind, peakUtilisation: use.peakUtilisation, atMs: peakAt, binds, heldBack, rateLimited: refused };
      if (!binding || ranksAbove(candidate, binding)) binding = candidate;
    }
    byModel[name] = out;
  }
  return { byModel, binding };
}

/** Whether candidate `a` ranks above `b` for the binding limit: binding first, then calls held back, then peak use. */
function ranksAbove(a: NonNullable<Report['limits']['binding']>, b: NonNullable<Report['limits']['binding']>): boolean {
  if (a.binds !== b.binds) return a.binds;
  const held = a.heldBack + a.rateLimited - (b.heldBack + b.rateLimited);
  return held !== 0 ? held > 0 : a.peakUtilisation > b.peakUtilisation;
}

/** Cost per model from usage totals (exact total from per-call nano-dollars; class split from the rate card). */
export function modelCosts(totals: Iterable<[string, Usage & { requests: number; costNanos: number }]>, pricing: Pricing): Record<string, ModelCost> {
  const out: Record<string, ModelCost> = {};
  for (const [name, t] of totals) {
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

export function sloChecks(s: Scenario, report: Pick<Report, 'latency' | 'turns' | 'cost'>): SloCheck[] {
  const slo = s.slo;
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
