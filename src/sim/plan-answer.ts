/**
 * The answer a plan leads with (DESIGN.md "Outputs people read"), in the words of `sim run`'s: the
 * fewest workers that meet every SLO and the figures that show it, what fails one count below, the
 * count to deploy with planning.headroom, and the cost there — or, when no count passes, which SLO
 * still fails at the largest and why more workers would or would not help.
 */
import { LIMIT_LABEL, type Report, type SloCheck } from '../core/metrics/report.js';
import { duration, pct } from '../report/format.js';
import type { Scenario } from '../scenario/schema.js';
import { usd } from './answer.js';
import type { PlanDocument } from './plan-schema.js';

const workersText = (n: number) => `${n} worker${n === 1 ? '' : 's'}`;

/** An SLO figure in its unit, as answers write it: `6.76s`, `0.2%`, `$0.023`. */
export function sloValue(unit: SloCheck['unit'], v: number): string {
  return unit === 'ms' ? duration(v) : unit === 'ratio' ? pct(v) : usd(v);
}

/** `turn latency p95 6.76s ≤ 8s`, `error rate 12.0% > 1.0%`, `turn latency p95 n/a (no answered turn)`. */
export function checkText(c: SloCheck): string {
  if (!c.measured) return `${c.name} n/a (nothing measured)`;
  return `${c.name} ${sloValue(c.unit, c.actual)} ${c.pass ? '≤' : '>'} ${sloValue(c.unit, c.target)}`;
}

const failedChecks = (r: Report) => r.slo.checks.filter((c) => !c.pass).map(checkText).join(', ');

const BASIS: Record<Report['capacity']['workersNeededBasis'], string> = {
  sampled: 'the p99 slot demand',
  offeredLoad: 'the offered load: the workers were saturated',
  limiterWait: 'the offered load without limiter wait',
  providerLimit: 'what the binding provider limit admits',
};

type Doc = Omit<PlanDocument, 'answer'>;

export function planAnswer(s: Scenario, d: Doc, reports: ReadonlyMap<number, Report>): string {
  const r = d.result;
  const lines: string[] = [];
  if (r.status === 'no-slo') {
    const at = d.search.order.at(-1)!;
    const rep = reports.get(at)!;
    lines.push(
      `${s.name} has no SLOs, so there is no target to search for: its report estimates ${workersText(r.workers!)} from ${BASIS[rep.capacity.workersNeededBasis]} at ${workersText(at)} ` +
        `(${r.recommended!.workers} with ${s.planning.headroom}× headroom).`,
      `At ${workersText(at)}: ${usd(rep.cost.perDayUsd)}/day, ${usd(rep.cost.perConversationUsd.mean)} per conversation.`,
      'Add an `slo:` section (e.g. --set slo.turnLatencyP95=8s) to find the fewest workers that meet a target.',
    );
    return lines.join(' ');
  }
  if (r.status === 'pass') {
    const n = r.workers!;
    const rep = reports.get(n)!;
    const below =
      r.largestFailing !== null
        ? `; ${r.largestFailing} fail${r.largestFailing === 1 ? 's' : ''} (${failedChecks(reports.get(r.largestFailing)!)})`
        : n === 1
          ? ''
          : `, the fewest searched (${d.search.minWorkers === s.planning.minWorkers ? 'planning.minWorkers' : '--min-workers'} ${d.search.minWorkers})`;
    lines.push(`${workersText(n)} meet${n === 1 ? 's' : ''} every SLO (${rep.slo.checks.map(checkText).join(', ')})${below}.`);
    const rec = r.recommended!;
    if (rec.workers !== n) {
      const verified = rec.pass === true ? ' (simulated: meets every SLO)' : rec.pass === false ? ' (simulated: fails an SLO!)' : rec.workers > d.search.maxWorkers ? ` (not simulated: above ${d.search.maxWorkers}, the most searched)` : '';
      const bound = rec.workers < Math.ceil(n * s.planning.headroom) ? ', capped at planning.maxWorkers' : rec.workers > Math.ceil(n * s.planning.headroom) ? ', raised to planning.minWorkers' : '';
      lines.push(`With planning.headroom ${s.planning.headroom}× plan for ${rec.workers}${bound}${verified}.`);
    }
    lines.push(`At ${workersText(n)}: ${usd(rep.cost.perDayUsd)}/day, ${usd(rep.cost.perConversationUsd.mean)} per conversation.`);
  } else {
    const largest = Math.max(...d.search.order);
    const rep = reports.get(largest)!;
    lines.push(`No worker count from ${d.search.minWorkers} to ${d.search.maxWorkers} meets every SLO: at ${workersText(largest)}, ${failedChecks(rep)}.`);
    lines.push(diagnosisText(d, rep, largest));
  }
  if (d.search.violations.length > 0) {
    const v = d.search.violations.map((x) => `${x.passed} passed but ${x.failed} failed`).join('; ');
    lines.push(`SLO results were not monotone in workers (${v}): the answer is taken above every failing count simulated; check the table.`);
  }
  if (d.search.exhausted) lines.push(`The search stopped at its budget of ${d.search.simulations} simulations before narrowing down: ${r.workers !== null ? `${r.workers} is an upper bound.` : 'no count passed so far.'}`);
  return lines.join(' ');
}

/** Why the largest count still fails, and what would help (PlanSchema `result.diagnosis`). */
function diagnosisText(d: Doc, rep: Report, largest: number): string {
  const b = rep.limits.binding;
  const limit = b ? `the ${b.model} ${LIMIT_LABEL[b.limit]} limit` : 'a provider limit';
  const held = b ? [b.heldBack > 0 ? `our limiter held back ${b.heldBack.toLocaleString('en-US')} calls` : '', b.rateLimited > 0 ? `the provider answered ${b.rateLimited.toLocaleString('en-US')} 429s` : ''].filter(Boolean).join(' and ') : '';
  // diagnose() says stillQueued from a queue wait p95 above 0: below it, a few turns may have waited.
  const idle = rep.latency.queueWait.max === 0 ? `No turn waited for a worker at ${largest}` : `At ${largest} workers 95 % of turns waited no time for a worker`;
  switch (d.result.diagnosis) {
    case 'providerLimit':
      return `${capital(limit)} caps throughput there (${held}): no worker count serves everyone — raise the limit, route traffic elsewhere or smooth the load.`;
    case 'limitBinds':
      return `${idle}, but ${limit} binds (${held}): more workers cannot help — raise the limit or smooth the load.`;
    case 'notWorkers':
      return `${idle}, so more workers cannot help: what fails comes from the provider's latency, faults or prices, or the targets themselves.`;
    default: {
      const bound = d.search.maxWorkersFrom === 'flag' ? 'raise --max-workers' : d.search.maxWorkersFrom === 'planning.maxWorkers' ? 'planning.maxWorkers bounds the search: raise it or give --max-workers' : 'give --max-workers to search further';
      return `Turns still waited for a worker at ${largest} (queue wait p95 ${duration(rep.latency.queueWait.p95)}): ${bound}.`;
    }
  }
}

const capital = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
