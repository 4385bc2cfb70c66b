/**
 * What a report shows, independent of how it is drawn: the answer, then sections (a title, one
 * table, a few notes) and a footer. The terminal (terminal.ts) and Markdown (markdown.ts) renderers
 * draw the same model, so the two can never show different figures or drift in wording.
 *
 * Cells carry a `tone` instead of colours: a renderer decides what "bad" looks like (red in a
 * terminal, bold in Markdown, nothing in plain text).
 */
import { MONTH_DAYS } from '../core/metrics/derive.js';
import { LIMIT_LABEL, type LatencyMetric, type LimitUse, type Report, type SloCheck } from '../core/metrics/report.js';
import { duration, int, num, pct, span, tokens as tok, usd } from './format.js';

export type Tone = 'good' | 'bad' | 'warn' | 'strong' | 'dim';
export type Cell = string | { text: string; tone: Tone };
export type Align = 'left' | 'right';

export interface SectionTable {
  /** Column headers; the first names the label column (the terminal shows the section title there). */
  head: string[];
  align: Align[];
  rows: Cell[][];
}

export interface Section {
  title: string;
  table?: SectionTable;
  /** Lines under the table; each a list of fragments joined by ' · '. */
  notes: Cell[][];
}

export interface ReportView {
  answer: string;
  /** One line saying what was run. */
  context: string;
  sections: Section[];
  footer: string;
}

export const cellText = (c: Cell): string => (typeof c === 'string' ? c : c.text);
const tone = (text: string, t: Tone): Cell => ({ text, tone: t });
const right = (n: number): Align[] => ['left', ...Array<Align>(n).fill('right')];

const LATENCY_ROWS: [LatencyMetric, string][] = [
  ['turn', 'turn'],
  ['ttft', 'TTFT'],
  ['queueWait', 'queue wait'],
  ['limiterWait', 'limiter wait'],
  ['provider', 'provider'],
  ['tool', 'tool'],
  ['retryWait', 'retry wait'],
];

function latency(r: Report): Section {
  const rows = LATENCY_ROWS.map(([m, label]): Cell[] => {
    const s = r.latency[m];
    // A stage nothing waited in reads better as a dash than as four zeros.
    if (s.max === 0) return [label, int(s.count), ...Array<Cell>(4).fill(tone('–', 'dim'))];
    return [label, int(s.count), duration(s.p50), duration(s.p95), duration(s.p99), duration(s.max)];
  });
  return {
    title: 'Latency',
    table: { head: ['per turn', 'turns', 'p50', 'p95', 'p99', 'max'], align: right(5), rows },
    notes: [
      ['turn and TTFT: every answered turn; other rows: the turns that had the stage (a cache hit takes no slot, makes no call)'],
      ["TTFT: turn arrival to the first token of the turn's first LLM call — what a streaming UI can show first"],
    ],
  };
}

/**
 * Load tests: what the load generator itself added before its sends — lag behind the intended send time,
 * and the wait for one of its connections — and the setup of the connections it opened, which the
 * target's latency above leaves out.
 */
function generator(r: Report): Section | undefined {
  const g = r.run.generator;
  if (!g) return undefined;
  const w = g.connectionWait;
  const c = g.connectionSetup;
  const times = (x: typeof w): Cell[] => (x.count === 0 ? Array<Cell>(3).fill(tone('–', 'dim')) : [duration(x.mean), duration(x.p99), duration(x.max)]);
  const late = g.sends === 0 ? 0 : g.lateSends / g.sends;
  return {
    title: 'Load generator',
    table: {
      head: ['real time', 'count', 'mean', 'p99', 'max'],
      align: right(4),
      rows: [
        ['connection wait', w.count > 0 ? tone(int(w.count), 'warn') : '0', ...times(w)],
        ['connection setup', int(c.count), ...times(c)],
      ],
    },
    notes: [
      [
        `${int(g.sends)} sends over ${int(g.connections)} connection${g.connections === 1 ? '' : 's'} (--connections)`,
        g.lateSends > 0 ? tone(`${int(g.lateSends)} (${pct(late)}) left over ${duration(g.lagThresholdMs)} late`, 'bad') : `none left over ${duration(g.lagThresholdMs)} late`,
        `max lag ${duration(g.maxLagMs)}`,
        ...(g.lateForConnection > 0 ? [tone(`${int(g.lateForConnection)} late for want of a connection`, 'bad')] : []),
      ],
      ["connection wait: sends that waited for one of the generator's own connections; connection setup: connections it opened (DNS, TCP, TLS); neither is in the target's latency above"],
      ...(r.run.agents ? [agents(r.run.agents)] : []),
    ],
  };
}

/** Distributed load tests: the agents, and those that died mid-run (their share of the sessions missing). */
function agents(a: NonNullable<Report['run']['agents']>): Cell[] {
  const lost = a.lost.map((l) => tone(`agent ${l.agent} lost${l.pid !== undefined ? ` (pid ${l.pid} on ${l.host ?? '?'})` : ''} after ${int(l.sends)} sends: its sessions are missing`, 'bad'));
  return [`${int(a.count)} agents, ${int(a.reported)} reported`, ...lost];
}

/** Queue wait and losses per queue class, when more than one class had turns (pooled figures hide priorities). */
function queueByClass(r: Report): Section | undefined {
  const classes = Object.entries(r.capacity.queueByClass ?? {});
  if (classes.length < 2) return undefined;
  const lost = (n: number, of: number): Cell => (n === 0 ? '0' : tone(`${int(n)} (${pct(n / of)})`, 'bad'));
  const rows = classes.map(([cls, c]): Cell[] => {
    const w = c.queueWait;
    const waits = w.count === 0 ? Array<Cell>(3).fill(tone('–', 'dim')) : [duration(w.p50), duration(w.p95), duration(w.max)];
    return [cls, int(c.turns), int(c.answered), lost(c.rejected, c.turns), lost(c.deadLettered, c.turns), ...waits];
  });
  return {
    title: 'Queue by class',
    table: { head: ['class', 'turns', 'answered', 'queue full', 'deadline', 'wait p50', 'wait p95', 'wait max'], align: right(7), rows },
    notes: [[`queue wait of the answered turns that asked for a slot; classes in priority order (${r.scenario.workers.mode === 'perSession' ? 'per session: a conversation waits once' : 'pooled'})`]],
  };
}

const BASIS_NOTE: Record<Report['capacity']['workersNeededBasis'], string> = {
  sampled: '',
  offeredLoad: ' (from the offered load: the configured workers were saturated)',
  limiterWait: ' (from the offered load without limiter wait: slots filled with calls waiting for a provider limit)',
  providerLimit: ' (to carry what the binding provider limit admits: it caps throughput, no worker count serves everyone)',
};

function capacity(r: Report): Section {
  const c = r.capacity;
  const w = r.scenario.workers;
  const row = (label: string, d: Report['capacity']['inFlightCalls']): Cell[] => [label, num(d.mean), int(d.p99), int(d.max)];
  const short = w.count < c.workersNeeded;
  const t = r.throughput;
  return {
    title: 'Capacity',
    table: {
      head: ['', 'mean', 'p99', 'max'],
      align: right(3),
      rows: [row('in-flight calls', c.inFlightCalls), row('busy slots', c.busySlots), row('slot demand', c.slotDemand), row('queue depth', c.queueDepth)],
    },
    notes: [
      [`${int(c.slots)} slots = ${int(w.count)} workers × ${int(w.concurrency)} (${w.mode === 'perSession' ? 'a slot per conversation' : 'pooled, a slot per turn'})`, `utilisation ${pct(c.utilisation)}`],
      [
        tone(`workers needed ${int(c.workersNeeded)}${BASIS_NOTE[c.workersNeededBasis]}`, 'strong'),
        `recommended ${int(c.workersRecommended)} (${num(c.headroom)}× headroom)`,
        short ? tone(`configured ${int(w.count)}: too few`, 'bad') : `configured ${int(w.count)}`,
      ],
      [`throughput ${num(t.turnsPerS)} turns/s`, `${num(t.callsPerS)} calls/s`, `${int(t.inputTokensPerS)} input tok/s`, `${int(t.outputTokensPerS)} output tok/s`],
    ],
  };
}


function limits(r: Report): Section {
  const b = r.limits.binding;
  const rows: Cell[][] = [];
  const unused: string[] = [];
  const unlimited: string[] = [];
  const bursts: string[] = [];
  for (const [model, uses] of Object.entries(r.limits.byModel)) {
    const entries = (Object.entries(uses) as [keyof typeof LIMIT_LABEL, LimitUse][]).filter(([, u]) => u !== undefined);
    // Checked first: `every` over no limits is true, which read as "no calls" for models that had calls.
    if (entries.length === 0) {
      unlimited.push(model);
      continue;
    }
    if (entries.every(([, u]) => u.peakPerMinute === 0)) {
      unused.push(model);
      continue;
    }
    for (const [kind, u] of entries) {
      const isBinding = b !== null && b.model === model && b.limit === kind;
      const mark = !isBinding ? '' : b.binds ? tone('◀ binding', 'bad') : tone('◀ closest', 'warn');
      rows.push([`${model} ${LIMIT_LABEL[kind]}`, int(u.limit), int(u.admitted), int(u.peakPerMinute), pct(u.peakUtilisation), duration(u.peakAtMs), mark]);
      if (u.peakPerMinute > u.admitted) bursts.push(`${model} ${LIMIT_LABEL[kind]}`);
    }
  }
  const notes: Cell[][] = [];
  if (b === null) notes.push(['no limit held calls back or reached 80% of its admitted rate']);
  else if (b.heldBack + b.rateLimited > 0) notes.push([`${b.model} ${LIMIT_LABEL[b.limit]}: ${int(b.heldBack)} calls held back by our limiter, ${int(b.rateLimited)} answered 429 by the provider`]);
  // A peak above the admitted rate (even above 100 %) is a burst the token bucket allows, not a breach.
  if (bursts.length > 0)
    notes.push([
      `peak: the busiest minute of the window; ${bursts.join(', ')} took more than ${bursts.length === 1 ? 'it admits' : 'they admit'} in one (a full token bucket plus the minute's refill: up to 2× admitted, no 429 here)`,
    ]);
  if (unused.length > 0) notes.push([`no calls in the window: ${unused.join(', ')}`]);
  if (unlimited.length > 0) notes.push([`no provider limits configured: ${unlimited.join(', ')}`]);
  if (rows.length === 0 && unused.length === 0 && unlimited.length === 0) notes.push(['no provider limits configured']);
  return {
    title: 'Limits',
    ...(rows.length > 0 ? { table: { head: ['per minute', 'limit', 'admitted', 'peak', 'peak %', 'peak at', ''], align: [...right(5), 'left'], rows } } : {}),
    notes,
  };
}

function outcomes(r: Report): Section {
  const t = r.turns;
  const e = r.events;
  const share = (n: number) => (t.arrived === 0 || n === 0 ? '' : pct(n / t.arrived));
  const bad = (n: number, text: string): Cell => (n > 0 ? tone(text, 'bad') : text);
  const left: Cell[][] = [
    ['arrived', int(t.arrived), ''],
    ['completed', int(t.completed), share(t.completed)],
    ['cache hits', int(t.cacheHits), share(t.cacheHits)],
    ['rejected', bad(t.rejected, int(t.rejected)), share(t.rejected)],
    ['dead-lettered', bad(t.deadLettered, int(t.deadLettered)), share(t.deadLettered)],
    ['failed', bad(t.failed, int(t.failed)), share(t.failed)],
    ...sorted(t.byReason).map(([k, n]): Cell[] => [`  ${k}`, int(n), share(n)]),
    // Load tests only: turns the bounded drain abandoned in flight (the simulator drains completely).
    ...(t.cutOffAtDrain !== undefined ? [['cut off at drain', bad(t.cutOffAtDrain, int(t.cutOffAtDrain)), share(t.cutOffAtDrain)] satisfies Cell[]] : []),
  ];
  const failures = Object.values(e.providerFailures).reduce((a, n) => a + n, 0);
  const waits = Object.values(e.limiterWaits).reduce((a, n) => a + n, 0);
  const calls: Cell[][] = [
    ['answered', int(e.providerCalls)],
    ['attempts', int(e.attempts)],
    ['retries', int(e.retries)],
    ['fallbacks', int(e.fallbacks)],
    ['breaker rejections', int(e.breakerRejections)],
    ['failed attempts', int(failures)],
    ...sorted(e.providerFailures).map(([k, n]): Cell[] => [`  ${k}`, int(n)]),
    ['limiter waits', int(waits)],
    ...sorted(e.limiterWaits).map(([k, n]): Cell[] => [`  ${k}`, int(n)]),
  ];
  const rows: Cell[][] = [];
  for (let i = 0; i < Math.max(left.length, calls.length); i++) rows.push([...(left[i] ?? ['', '', '']), ...(calls[i] ?? ['', ''])]);
  return { title: 'Outcomes', table: { head: ['outcome', 'turns', 'share', 'provider calls', 'count'], align: ['left', 'right', 'right', 'left', 'right'], rows }, notes: [] };
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function cost(r: Report): Section {
  const c = r.cost;
  const models = Object.entries(c.byModel);
  const tokens = (m: (typeof models)[number][1]) => [int(m.requests), tok(m.inputTokens), tok(m.outputTokens), tok(m.cacheWrite5mTokens + m.cacheWrite1hTokens), tok(m.cacheReadTokens)];
  const rows: Cell[][] = models.map(([name, m]) => [name, ...tokens(m), usd(m.usd)]);
  if (models.length > 1) {
    const sum = (f: (m: (typeof models)[number][1]) => number) => models.reduce((a, [, m]) => a + f(m), 0);
    rows.push([
      tone('total', 'strong'),
      int(sum((m) => m.requests)),
      tok(sum((m) => m.inputTokens)),
      tok(sum((m) => m.outputTokens)),
      tok(sum((m) => m.cacheWrite5mTokens + m.cacheWrite1hTokens)),
      tok(sum((m) => m.cacheReadTokens)),
      tone(usd(c.windowUsd), 'strong'),
    ]);
  }
  const windowMs = r.scenario.durationMs - r.scenario.warmupMs;
  // The report does not carry the arrival profile; a month that is not MONTH_DAYS × the day has a one-off spike.
  const p = r.population;
  const spiky = Math.abs(p.conversationsPerMonth - MONTH_DAYS * p.conversationsPerDay) > 1e-9 * p.conversationsPerMonth;
  return {
    title: 'Cost',
    ...(rows.length > 0 ? { table: { head: [`model (${span(windowMs)} window)`, 'calls', 'input', 'output', 'cache write', 'cache read', 'USD'], align: right(6), rows } } : {}),
    notes: [
      [
        `per conversation ${usd(c.perConversationUsd.mean)} mean`,
        `${usd(c.perConversationUsd.p95)} p95`,
        // Cut-short conversations are left out of both and priced as if served (core/metrics/conversation-cost.ts).
        ...(c.cutShort.conversations > 0 ? [`${int(c.cutShort.conversations)} cut short (${usd(c.cutShort.usd)}), priced as if served in full`] : []),
      ],
      [
        tone(`per day ${usd(c.perDayUsd)}`, 'strong'),
        // A spike is an event on the scenario's clock, counted once in the month (derive.ts `conversationsPerMonth`).
        `per ${MONTH_DAYS}-day month ${usd(c.perMonthUsd)}${spiky ? ' (spikes once)' : ''}`,
        `at ${int(r.population.conversationsPerDay)} conversations a day${spiky ? ' (the first 24 h)' : ''}`,
      ],
    ],
  };
}

function sloValue(unit: SloCheck['unit'], v: number): string {
  return unit === 'ms' ? duration(v) : unit === 'ratio' ? pct(v) : usd(v);
}

function slos(r: Report): Section {
  const checks = r.slo.checks;
  if (checks.length === 0) return { title: 'SLO checks', notes: [['none in the scenario (add an `slo:` section to gate on latency, errors or cost)']] };
  const rows = checks.map((c): Cell[] => [c.name, `≤ ${sloValue(c.unit, c.target)}`, c.measured ? sloValue(c.unit, c.actual) : 'n/a', c.pass ? tone('✓ pass', 'good') : tone('✗ FAIL', 'bad')]);
  const failed = checks.filter((c) => !c.pass).length;
  return {
    title: 'SLO checks',
    table: { head: ['check', 'target', 'actual', ''], align: [...right(2), 'left'], rows },
    notes: [[failed === 0 ? `all ${checks.length} met` : tone(`${failed} of ${checks.length} failed`, 'bad')]],
  };
}

/** Builds what every renderer shows, in order: the answer, context, sections, footer. */
export function reportView(r: Report): ReportView {
  const s = r.scenario;
  const p = r.population;
  const run = r.run;
  return {
    answer: r.answer,
    context:
      `${s.name} · seed ${s.seed} · ${num(p.targetConcurrency)} concurrent conversations, ${int(p.conversationsPerDay)}/day · ` +
      `${span(s.durationMs - s.warmupMs)} window after ${span(s.warmupMs)} warm-up`,
    sections: [latency(r), generator(r), capacity(r), queueByClass(r), limits(r), outcomes(r), cost(r), slos(r)].filter((x): x is Section => x !== undefined),
    footer:
      `${r.kind === 'simulation' ? 'simulated' : 'ran'} ${span(run.simulatedMs)} (drain included) · ${int(run.events)} events in ${duration(run.wallMs)} ` +
      `(${int(run.eventsPerSecond)}/s) · Little's law error ${pct(r.littlesLaw.relativeError)}`,
  };
}
