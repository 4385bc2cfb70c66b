/**
 * Figures both halves derive the same way from what they measured, so a simulated and a measured
 * report are comparable field by field: limit use per minute, cost by model and token class, SLO
 * checks, conversations per day and the one-line answer.
 */
import type { Scenario } from '../../scenario/schema.js';
import type { ClassCost, Pricing } from '../pricing.js';
import type { Usage } from '../types.js';
import type { ConversationCostSummary } from './conversation-cost.js';
import type { LimitUse, ModelCost, Report, SloCheck } from './report.js';
import { MINUTE_MS, type WindowCounts } from './window-counts.js';

const KINDS = ['rpm', 'itpm', 'otpm'] as const;
type Kind = (typeof KINDS)[number];

export interface StepUsage {
  requests: number[];
  inputTokens: number[];
  outputTokens: number[];
}

/**
 * Served throughput over exactly the window [warmup, duration): turns answered by their end time,
 * provider calls and tokens by their start time, per second. (Counting the window's arrivals instead
 * would report the offered load, which an overloaded system does not serve.) Counted from the window's
 * own tally, never from the chart steps, so `report.step` cannot change it.
 */
export function servedThroughput(s: Scenario, w: Pick<WindowCounts, 'turnsAnswered' | 'byModel'>): Report['throughput'] {
  const windowS = (s.duration - s.warmup) / 1000;
  let calls = 0;
  let input = 0;
  let output = 0;
  for (const u of w.byModel.values()) {
    calls += total(u.requests);
    input += total(u.inputTokens);
    output += total(u.outputTokens);
  }
  return windowS > 0
    ? { turnsPerS: w.turnsAnswered / windowS, callsPerS: calls / windowS, inputTokensPerS: input / windowS, outputTokensPerS: output / windowS }
    : { turnsPerS: 0, callsPerS: 0, inputTokensPerS: 0, outputTokensPerS: 0 };
}

const total = (a: readonly number[] | undefined) => {
  let n = 0;
  for (const v of a ?? []) n += v ?? 0;
  return n;
};

/**
 * Relative deviation from Little's law, |L − λW| / max(L, λW): 0 when both are 0, and 1 — not 0 —
 * when one of them is 0 (a 1 s window sampled L = 0 against λW = 121 and reported 0 % with the
 * denominator L alone). `lambdaPerS` per second, `WMs` in ms.
 */
export function littlesLawError(L: number, lambdaPerS: number, WMs: number): number {
  const lw = (lambdaPerS * WMs) / 1000;
  const scale = Math.max(L, lw);
  return scale === 0 ? 0 : Math.abs(L - lw) / scale;
}

/**
 * Workers to deploy: workers needed × `planning.headroom`, rounded up, kept within `planning.minWorkers`
 * and `planning.maxWorkers` (the bounds the deployment allows, e.g. an autoscaler's). Capped below what
 * is needed, the answer says so (sim/answer.ts).
 */
export function recommendedWorkers(needed: number, p: Scenario['planning']): number {
  return Math.min(p.maxWorkers, Math.max(p.minWorkers, Math.ceil(needed * p.headroom)));
}

type ArrivalRate = { baseRatePerS: number; meanMultiplier(fromMs: number, toMs: number): number };

/**
 * Sessions per day implied by the arrival plan: base rate × ∫ multiplier over the first 24 h of the
 * scenario's clock, taken exactly (a midpoint sum over minutes counted a 20 s spike as nothing or as a
 * whole minute). A spike in those 24 h is in it.
 */
export function conversationsPerDay(plan: ArrivalRate): number {
  return conversationsOver(plan, 1);
}

/**
 * Sessions in a 30-day month: the profile over 30 days from the scenario's start. A diurnal (or flat)
 * profile repeats every day, so this is 30 days of it; a spike is an event on the scenario's clock that
 * the arrival process has once, so it counts once. Per day × 30 counted a spike in the first day every
 * day (det.yaml with a ×2 spike for 2 h: $107,215 a month for $99,242).
 */
export function conversationsPerMonth(plan: ArrivalRate): number {
  return conversationsOver(plan, MONTH_DAYS);
}

export const MONTH_DAYS = 30;

function conversationsOver(plan: ArrivalRate, days: number): number {
  return plan.baseRatePerS * 86_400 * days * plan.meanMultiplier(0, days * 86_400_000);
}

/**
 * The report's cost figures, the same way in both halves. Cost per conversation is what a conversation
 * served in full costs (core/metrics/conversation-cost.ts: the completed ones, weighted to the planned
 * lengths); the cut-short ones are counted and costed apart. Per day and per month price every
 * conversation of the day (the month) so — what serving everyone costs, not what a run that turned users
 * away spent (that is `windowUsd`). `p95Usd`: of the completed conversations' cost.
 */
export function costFigures(
  windowNanos: number,
  byModel: Record<string, ModelCost>,
  c: ConversationCostSummary,
  p95Usd: number,
  conversations: Pick<Report['population'], 'conversationsPerDay' | 'conversationsPerMonth'>,
): Report['cost'] {
  const perConversation = c.perConversationUsd;
  return {
    windowUsd: windowNanos / 1e9,
    byModel,
    perConversationUsd: { mean: perConversation, p95: p95Usd },
    cutShort: c.cutShort,
    perDayUsd: perConversation * conversations.conversationsPerDay,
    perMonthUsd: perConversation * conversations.conversationsPerMonth,
  };
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
  w: Pick<WindowCounts, 'byModel'>,
  limiterWaits: Readonly<Record<string, number>>,
  rateLimited: Readonly<Record<string, number>> = {},
): Report['limits'] {
  // Minutes of the window, counted from its start (window-counts.ts). The mean is over the exact window;
  // the peak over its full minutes (a partial last minute would be a rate from a few seconds), or over
  // the whole window scaled to a minute when it is shorter than one.
  const windowMin = (s.duration - s.warmup) / MINUTE_MS;
  const fullMinutes = Math.floor(windowMin);
  const buckets = fullMinutes > 0 ? fullMinutes : 1;
  const perMinute = fullMinutes > 0 ? 1 : windowMin > 0 ? 1 / windowMin : 0;
  const byModel: Report['limits']['byModel'] = {};
  let binding: Report['limits']['binding'] = null;
  for (const [name, m] of Object.entries(s.models)) {
    const u = w.byModel.get(name);
    const out: Partial<Record<Kind, LimitUse>> = {};
    for (const kind of KINDS) {
      const limit = m.limits[kind];
      if (limit === undefined) continue;
      const arr = kind === 'rpm' ? u?.requests : kind === 'itpm' ? u?.inputTokens : u?.outputTokens;
      let peak = 0;
      let peakAt = 0;
      for (let i = 0; i < buckets; i++) {
        const v = (arr?.[i] ?? 0) * perMinute;
        if (v > peak) {
          peak = v;
          peakAt = s.warmup + i * MINUTE_MS;
        }
      }
      const use: LimitUse = { limit, admitted: limit * s.limiter.margin, peakPerMinute: peak, peakAtMs: peakAt, peakUtilisation: peak / limit, meanPerMinute: windowMin > 0 ? total(arr) / windowMin : 0 };
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

/**
 * Cost per model from usage totals: the exact total from per-call nano-dollars, and its split by token
 * class as `Pricing.addByClass` tallied it call by call (the same rates, long-context ones included),
 * so the classes add up to the total up to per-call rounding.
 */
export function modelCosts(totals: Iterable<[string, Usage & { requests: number; costNanos: number }]>, byClass: { get(model: string): ClassCost | undefined }, pricing: Pricing): Record<string, ModelCost> {
  const out: Record<string, ModelCost> = {};
  for (const [name, t] of totals) {
    const c = byClass.get(name);
    const usd = (nanos: number | undefined) => (nanos ?? 0) / 1e9;
    out[name] = {
      requests: t.requests,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      cacheWrite5mTokens: t.cacheWrite5mTokens,
      cacheWrite1hTokens: t.cacheWrite1hTokens,
      cacheReadTokens: t.cacheReadTokens,
      usd: t.costNanos / 1e9,
      byClass: { input: usd(c?.input), output: usd(c?.output), cacheWrite5m: usd(c?.cacheWrite5m), cacheWrite1h: usd(c?.cacheWrite1h), cacheRead: usd(c?.cacheRead) },
      priceSource: pricing.card(name).source,
    };
  }
  return out;
}

/**
 * Share of the window's turns not answered (refused, dead-lettered or failed), 0 when none arrived: the
 * error rate of the scenario's SLO and of `ci check`, defined once.
 */
export const errorRate = (t: Report['turns']): number => (t.arrived === 0 ? 0 : (t.rejected + t.deadLettered + t.failed) / t.arrived);

/** Whether cost per conversation (and so per day and month) was priced: it is from completed conversations, so with none it reads $0. */
export const costPriced = (r: Pick<Report, 'population' | 'cost'>): boolean => r.population.sessionsCompleted > r.cost.cutShort.conversations;

export function sloChecks(s: Scenario, report: Pick<Report, 'latency' | 'turns' | 'cost' | 'population'>): SloCheck[] {
  const slo = s.slo;
  const checks: SloCheck[] = [];
  const lat = report.latency;
  // A percentile of no values reads 0, which would pass any latency target: a run in which every turn
  // failed met "p95 ≤ 8s". Such a check is not measured, and fails.
  const add = (name: string, target: number | undefined, actual: number, unit: SloCheck['unit'], measured = true) => {
    if (target !== undefined) checks.push({ name, target, actual, unit, measured, pass: measured && actual <= target });
  };
  add('turn latency p50', slo.turnLatencyP50, lat.turn.p50, 'ms', lat.turn.count > 0);
  add('turn latency p95', slo.turnLatencyP95, lat.turn.p95, 'ms', lat.turn.count > 0);
  add('turn latency p99', slo.turnLatencyP99, lat.turn.p99, 'ms', lat.turn.count > 0);
  add('TTFT p95', slo.ttftP95, lat.ttft.p95, 'ms', lat.ttft.count > 0);
  add('queue wait p95', slo.queueWaitP95, lat.queueWait.p95, 'ms', lat.queueWait.count > 0);
  add('error rate', slo.maxErrorRate, errorRate(report.turns), 'ratio');
  // Cost is priced from completed conversations: with none, $0 would pass any budget.
  const costed = costPriced(report);
  add('cost per day', slo.maxCostPerDay, report.cost.perDayUsd, 'usd', costed);
  add('cost per conversation', slo.maxCostPerConversation, report.cost.perConversationUsd.mean, 'usd', costed);
  return checks;
}
