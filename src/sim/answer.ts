/**
 * The one-paragraph answer a simulation report leads with (DESIGN.md "Outputs people read"): workers
 * needed, the binding limit, latency and cost — and, first, whatever makes those figures misleading.
 */
import { MONTH_DAYS } from '../core/metrics/derive.js';
import { LIMIT_LABEL, type LimitUse, type Report } from '../core/metrics/report.js';
import { formatDuration } from '../scenario/units.js';
import type { SimResult } from './simulate.js';
import { steadyStateWarnings } from '../report/steady-state.js';
import { missedPeak } from './window-peak.js';

/** Money as answers say it: `$1,719`, `$2.50`, `$0.023`. */
export const usd = (n: number): string => (n === 0 ? '$0' : n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(n >= 1 ? 2 : 3)}`);

/** Turns of the window refused a worker slot: the queue was full, or they waited past its deadline. */
export function slotRefusals(t: Report['turns']): number {
  return (t.byReason['queue-full'] ?? 0) + (t.byReason['deadline'] ?? 0);
}

const pctText = (x: number) => (x > 0 && x < 0.01 ? '< 1 %' : `${Math.round(x * 100)} %`);
const count = (n: number) => Math.round(n).toLocaleString('en-US');
/** Three significant figures: an estimate, not a measurement. */
const about = (n: number) => count(Number(n.toPrecision(3)));


/** A provider limit that caps throughput (build-report.ts `limitCap`), and what serving everyone would take. */
export interface LimitCapped {
  model: string;
  limit: keyof typeof LIMIT_LABEL;
  use: LimitUse;
  margin: number;
  /** Turns served in the window / turns its sessions planned. */
  servedShare: number;
  /** Workers the offered load needs once the limit no longer holds calls back. */
  workersForEveryone: number;
}

/**
 * Share of the window's turns not answered (rejected, dead-lettered or failed) from which the answer
 * leads with it: 1 %. Below it the latency and cost figures describe 99 % of the users or more; above
 * it they describe only the users served, and an all-failing run read "you need 1 worker".
 */
const NOT_ANSWERED_SHARE = 0.01;
/** Reasons named, largest first. */
const TOP_REASONS = 3;

/** "24 % of turns were not answered (deadline 24 %)." when that share is notable, else undefined. */
function notAnswered(t: Report['turns']): string | undefined {
  const n = t.rejected + t.deadLettered + t.failed;
  if (t.arrived === 0 || n / t.arrived < NOT_ANSWERED_SHARE) return undefined;
  const reasons = Object.entries(t.byReason)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP_REASONS)
    .map(([k, v]) => `${k} ${pctText(v / t.arrived)}`);
  return `${pctText(n / t.arrived)} of turns were not answered${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}.`;
}

/**
 * "$X/day, $Y per conversation". Cost per conversation is that of a conversation served in full, priced
 * from the completed ones (core/metrics/conversation-cost.ts); from 1 % cut short the answer says how
 * many were, what they cost, and that the figures price them as if served.
 */
function costText(s: SimResult['scenario'], rep: Omit<Report, 'answer'>): string {
  const c = rep.cost;
  const cut = c.cutShort;
  const ended = rep.population.sessionsCompleted;
  if (cut.conversations > 0 && cut.conversations === ended) return 'cost per conversation n/a (no conversation completed)';
  // A spike is an event on the scenario's clock (derive.ts `conversationsPerMonth`): the day it falls in
  // costs more than the others, and the month has it once, so the answer names both.
  const inDay = spikesWithin(s, DAY_MS);
  const inMonth = spikesWithin(s, MONTH_DAYS * DAY_MS);
  const day = `${usd(c.perDayUsd)}/day${inDay === 0 ? '' : inDay === 1 ? ' with the spike' : ` with its ${inDay} spikes`}`;
  const month = inMonth === 0 ? '' : `; ${usd(c.perMonthUsd)} a ${MONTH_DAYS}-day month (${inMonth === 1 ? 'the spike' : 'each spike'} once)`;
  const text = `${day}, ${usd(c.perConversationUsd.mean)} per conversation`;
  if (cut.conversations === 0 || cut.conversations / ended < NOT_ANSWERED_SHARE) return text + month;
  const unpriced = cut.unpriced > 0 ? `; ${count(cut.unpriced)} planned a number of turns no completed conversation had and are left out, so it may read low` : '';
  return (
    `${text} served in full (${pctText(cut.conversations / ended)} of conversations were cut short by a turn not answered, ${usd(cut.usd / cut.conversations)} each: ` +
    `the cost figures price them as if served, from the completed conversations of each length${unpriced})${month}`
  );
}

const DAY_MS = 86_400_000;

/** Spikes of the arrival profile that start within the first `ms` of the scenario's clock. */
function spikesWithin(s: SimResult['scenario'], ms: number): number {
  const a = s.users.arrival;
  return a.profile === 'spikes' ? a.spikes.filter((x) => x.at < ms).length : 0;
}

/** "the N configured workers are saturated (why)": the share of turns refused a slot, else `otherwise`. */
function saturatedWorkers(s: SimResult['scenario'], t: Report['turns'], otherwise: string): string {
  const refused = slotRefusals(t);
  const why = refused > 0 ? `${pctText(refused / t.arrived)} of turns refused a slot` : otherwise;
  return `the ${s.workers.count} configured worker${s.workers.count === 1 ? ' is' : 's are'} saturated (${why})`;
}

/** "N with H× headroom", and which planning bound moved it, if one did. */
function recommended(c: Report['capacity']): string {
  const wanted = Math.ceil(c.workersNeeded * c.headroom);
  const bound = wanted > c.workersRecommended ? `, capped at planning.maxWorkers` : wanted < c.workersRecommended ? `, raised to planning.minWorkers` : '';
  return `${c.workersRecommended} with ${c.headroom}× headroom${bound}`;
}

export function answer(r: SimResult, rep: Omit<Report, 'answer'>, cap?: LimitCapped): string {
  const s = r.scenario;
  const c = rep.capacity;
  const lines: string[] = [];
  // First what makes the figures below misleading.
  lines.push(...steadyStateWarnings(s, rep.population.meanSessionMs, 'not a prediction'));
  const unanswered = notAnswered(rep.turns);
  if (unanswered) lines.push(unanswered);
  const peak = missedPeak(s, r.workload.plan);
  if (peak) lines.push(peak);
  const per = s.workers.mode === 'perSession' ? 'conversations' : 'turns';
  const workers = `${c.workersNeeded} worker${c.workersNeeded === 1 ? '' : 's'}`;
  const head = `${Math.round(rep.population.targetConcurrency)} concurrent conversations → ${rep.capacity.inFlightCalls.mean.toFixed(1)} LLM calls in flight on average (p99 ${c.inFlightCalls.p99}); `;
  const saturated = c.workersNeededBasis === 'offeredLoad' && c.offeredSlotDemand !== undefined;
  if (c.workersNeededBasis === 'providerLimit' && cap && c.offeredSlotDemand) {
    const u = cap.use;
    const o = c.offeredSlotDemand;
    lines.push(
      `The ${cap.model} ${LIMIT_LABEL[cap.limit]} limit caps throughput: it admits ${count(u.admitted)}/min (${count(u.limit)} × ${cap.margin} margin) and ran at that rate; ` +
        `the offered load needs about ${about(u.meanPerMinute / cap.servedShare)}/min (${pctText(cap.servedShare)} served).`,
      'No worker count serves everyone: raise the limit or route traffic elsewhere.',
      `Carrying what the limit admits takes ${o.mean.toFixed(1)} slots on average (p99 ${o.p99}, limiter wait excluded), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${recommended(c)}; ${s.workers.count} configured); serving everyone once the limit allows it would take ${cap.workersForEveryone}.`,
    );
  } else if (c.workersNeededBasis === 'limiterWait' && c.offeredSlotDemand && rep.limits.binding) {
    const o = c.offeredSlotDemand;
    const held = rep.limits.binding;
    lines.push(
      head +
        `${saturatedWorkers(s, rep.turns, 'the queue can only grow')} while the ${held.model} ${LIMIT_LABEL[held.limit]} limit held calls back: ` +
        `turns waited in our limiter holding their slots, and more workers would only wait there longer. ` +
        `Without that wait, ${per} would need ${o.mean.toFixed(1)} slots on average (p99 ${o.p99}), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${recommended(c)}; ${s.workers.count} configured); to serve everyone, raise the limit or smooth the load it could not carry.`,
    );
  } else if (saturated) {
    // Saturated without refusals (build-report.ts): the offered demand alone says the queue only grows.
    const grows = `the offered load needs ${c.offeredSlotDemand!.mean.toFixed(1)} slots on average, at least the ${c.slots} configured: the queue can only grow`;
    lines.push(
      head +
        `${saturatedWorkers(s, rep.turns, grows)}, so workers needed is estimated from the offered load: ` +
        `${per} would need ${c.offeredSlotDemand!.mean.toFixed(1)} slots on average (p99 ${Math.max(c.offeredSlotDemand!.p99, c.busySlots.p99)}), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${recommended(c)})${c.workersNeeded > s.workers.count ? `; rerun with --set workers.count=${c.workersNeeded} to confirm` : ''}.`,
    );
  } else {
    lines.push(
      head +
        `${per} need ${c.slotDemand.mean.toFixed(1)} slots on average (p99 ${c.slotDemand.p99}), so with ${s.workers.concurrency} per worker you need ${workers} ` +
        `(${recommended(c)}; ${s.workers.count} configured).`,
    );
  }
  if (c.workersNeeded > s.planning.maxWorkers)
    lines.push(`Workers needed (${c.workersNeeded}) exceed planning.maxWorkers (${s.planning.maxWorkers}): the deployment's bound cannot carry this load; raise it, add slots per worker, or lower the load.`);
  const b = rep.limits.binding;
  // Calls held back say why a limit binds even when its measured peak is low (e.g. a limiter reserving a large maxTokens).
  const heldBack = !b
    ? ''
    : [b.heldBack > 0 ? `our limiter held back ${b.heldBack.toLocaleString('en-US')} calls on it` : '', b.rateLimited > 0 ? `the provider answered ${b.rateLimited.toLocaleString('en-US')} 429s on it` : '']
        .filter((x) => x !== '')
        .join(' and ');
  const use = b ? rep.limits.byModel[b.model]?.[b.limit] : undefined;
  const limitText = !b
    ? 'No provider limit binds'
    : use && use.peakPerMinute > use.admitted
      ? // A busiest minute above the admitted rate is a burst the token bucket allows, not a breach: "at
        // 157 % of the limit" read as one (test/unit/sim/peak-minute-burst.test.ts).
        `The binding limit is ${b.model} ${b.limit.toUpperCase()}: its busiest minute (${formatDuration(b.atMs)} in) took ${Math.round(b.peakUtilisation * 100)} % of the limit, ` +
        `more than the ${count(use.admitted)}/min our limiter admits — a burst: the token bucket holds a minute of the admitted rate and refills as it drains, ` +
        `so one minute can take up to twice that rate without a 429 here (a provider with shallower buckets may refuse such a burst)${heldBack ? `; ${heldBack}` : ''}`
      : `${b.binds ? 'The binding limit is' : 'Closest to binding:'} ${b.model} ${b.limit.toUpperCase()} at ${Math.round(b.peakUtilisation * 100)} % of the limit (${formatDuration(b.atMs)} in${heldBack ? `; ${heldBack}` : ''})`;
  const p95 = rep.latency.turn.count === 0 ? 'n/a (no turn answered)' : formatDuration(rep.latency.turn.p95);
  lines.push(`${limitText}; p95 turn latency ${p95}; ${costText(s, rep)}.`);
  if (rep.slo.checks.length > 0) {
    const failed = rep.slo.checks.filter((x) => !x.pass);
    lines.push(failed.length === 0 ? 'All SLOs met.' : `SLO failed: ${failed.map((f) => f.name).join(', ')}.`);
  }
  return lines.join(' ');
}
