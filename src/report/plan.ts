/**
 * Renders a plan (`sim plan`) for a terminal: the answer first, then one table of every worker count
 * simulated — latency, errors, utilisation, binding limit, cost, SLO verdict — and notes on how the
 * search went (how many simulations, the seed, the bounds and where they came from, monotonicity).
 * Drawn with the report's own table style (terminal.ts), so the two read alike.
 */
import { LIMIT_LABEL } from '../core/metrics/report.js';
import type { PlanDocument, PlanTrial } from '../sim/plan-schema.js';
import { duration, int, pct, usd } from './format.js';
import { cellText, type Cell, type Section } from './sections.js';
import { renderAnswer, renderContext, renderSection } from './terminal.js';

/** SLO names as the table's narrow verdict column says them. */
const SHORT: Record<string, string> = {
  'turn latency p50': 'turn p50',
  'turn latency p95': 'turn p95',
  'turn latency p99': 'turn p99',
  'queue wait p95': 'queue p95',
  'error rate': 'errors',
  'cost per day': 'cost/day',
  'cost per conversation': 'cost/conv.',
};

const tone = (text: string, t: 'good' | 'bad' | 'warn' | 'strong' | 'dim'): Cell => ({ text, tone: t });

function verdict(t: PlanTrial): Cell {
  if (t.pass) return tone('✓ pass', 'good');
  return tone(`✗ ${t.checks.filter((c) => !c.pass).map((c) => SHORT[c.name] ?? c.name).join(', ')}`, 'bad');
}

function mark(d: PlanDocument, t: PlanTrial): string {
  const r = d.result;
  if (r.status === 'pass' && t.workers === r.workers) return '◀ answer';
  if (r.recommended && r.recommended.workers !== r.workers && t.workers === r.recommended.workers) return `◀ ${d.scenario.headroom}×`;
  return '';
}

function trials(d: PlanDocument): Section {
  const rows = d.trials.map((t): Cell[] => {
    const m = mark(d, t);
    const label = m === '◀ answer' ? tone(`${int(t.workers)}`, 'strong') : int(t.workers);
    const b = t.binding;
    return [
      label,
      int(t.slots),
      duration(t.turnLatencyMs.p50),
      duration(t.turnLatencyMs.p95),
      duration(t.turnLatencyMs.p99),
      t.errorRate > 0 ? tone(pct(t.errorRate), t.errorRate >= 0.01 ? 'bad' : 'warn') : pct(0),
      pct(t.utilisation),
      b && b.binds ? tone(`${b.model} ${LIMIT_LABEL[b.limit]}`, 'warn') : tone('–', 'dim'),
      usd(t.costPerDayUsd),
      m === '' ? verdict(t) : { text: `${cellText(verdict(t))} ${m}`, tone: t.pass ? 'good' : 'bad' },
    ];
  });
  const s = d.search;
  const order = s.order.map(String).join(' → ');
  const notes: Cell[][] = [
    [`${s.simulations} simulation${s.simulations === 1 ? '' : 's'} in ${duration(s.wallMs)} (order ${order})`, `seed ${d.scenario.seed} at every count: the same sessions, only the workers differ`],
    [`searched ${s.minWorkers}–${s.maxWorkers} workers${maxNote(d)}`],
    s.violations.length === 0
      ? ['SLO results monotone in workers over the counts simulated']
      : [tone(`not monotone: ${s.violations.map((v) => `${v.passed} passed, ${v.failed} failed`).join('; ')}`, 'bad')],
  ];
  const at = d.result.workers;
  const chosen = at === null ? undefined : d.trials.find((t) => t.workers === at);
  if (chosen && d.result.status === 'pass' && chosen.workersNeeded !== at)
    notes.push([`sim run's own estimate at ${at} (${chosen.workersNeededBasis === 'sampled' ? 'p99 slot demand' : chosen.workersNeededBasis}): ${chosen.workersNeeded} — the SLOs are what this plan meets`]);
  notes.push([`a count's full report: headroom sim run ${d.scenario.file} --set workers.count=N${d.scenario.overrides.length > 0 ? ' (with the same --set)' : ''}`]);
  return {
    title: 'workers',
    table: { head: ['workers', 'slots', 'turn p50', 'p95', 'p99', 'errors', 'util.', 'binding', 'cost/day', 'SLOs'], align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'right', 'left'], rows },
    notes,
  };
}

function maxNote(d: PlanDocument): string {
  const s = d.search;
  if (s.maxWorkersFrom === 'flag') return ' (--max-workers)';
  if (s.maxWorkersFrom === 'planning.maxWorkers') return ' (at most planning.maxWorkers; --max-workers to change)';
  return `: ${s.maxWorkers} give each of the ${int(s.peakConversations)} conversations in progress at the peak 2 slots, more than can be busy at once (--max-workers to change)`;
}

/** The plan as text for a terminal, `WIDTH` columns at most, ANSI colours only when `color`. */
export function renderPlan(d: PlanDocument, opts: { color: boolean } = { color: false }): string {
  const lines = [...renderAnswer(d.answer, opts)];
  const context = `${d.scenario.name} · seed ${d.scenario.seed} · ${d.scenario.concurrency} slots per worker · planning.headroom ${d.scenario.headroom}×`;
  lines.push(...renderContext(context, opts));
  if (d.result.status !== 'no-slo') lines.push('', ...renderSection(trials(d), opts));
  return lines.join('\n');
}
