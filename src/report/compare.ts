/**
 * Renders a comparison (`sim compare`) for a terminal: the answer first, then one table — a row per
 * figure, a column per variant, the baseline first and every other cell with its change against it
 * (relative, or in percentage points for rates), green where it is better and red where it is worse.
 * More variants than fit in WIDTH are drawn as several tables, each with the baseline column.
 */
import { LIMIT_LABEL } from '../core/metrics/report.js';
import { pointsText, relativeText } from '../sim/compare.js';
import type { CompareDocument, CompareVariant, FigureKey } from '../sim/compare-schema.js';
import { duration, int, num, pct, usd } from './format.js';
import type { Cell, Section, Tone } from './sections.js';
import { renderAnswer, renderContext, renderSection } from './terminal.js';

interface Row {
  key: FigureKey;
  label: string;
  format: (v: number) => string;
  /** Which way is better, for the colour of a change. */
  better: 'lower' | 'higher';
  /** Rates change in percentage points, not relative to themselves. */
  points?: true;
}

const ROWS: readonly Row[] = [
  { key: 'workersNeeded', label: 'workers needed', format: int, better: 'lower' },
  { key: 'turnsPerS', label: 'turns/s', format: num, better: 'higher' },
  { key: 'turnLatencyP50Ms', label: 'turn p50', format: duration, better: 'lower' },
  { key: 'turnLatencyP95Ms', label: 'turn p95', format: duration, better: 'lower' },
  { key: 'turnLatencyP99Ms', label: 'turn p99', format: duration, better: 'lower' },
  { key: 'ttftP95Ms', label: 'TTFT p95', format: duration, better: 'lower' },
  { key: 'errorRate', label: 'error rate', format: pct, better: 'lower', points: true },
  { key: 'rateLimited', label: '429s', format: int, better: 'lower' },
  { key: 'cacheHitRate', label: 'cache hit rate', format: pct, better: 'higher', points: true },
  { key: 'costPerConversationUsd', label: 'cost/conversation', format: usd, better: 'lower' },
  { key: 'costPerDayUsd', label: 'cost/day', format: usd, better: 'lower' },
  { key: 'costPerMonthUsd', label: 'cost/month', format: usd, better: 'lower' },
];

/** Variant columns per table besides the baseline's: four cells of ~20 columns and the labels fit WIDTH. */
const PER_TABLE = 3;
const MAX_HEAD = 22;

const clip = (s: string) => (s.length > MAX_HEAD ? `${s.slice(0, MAX_HEAD - 1)}…` : s);

function cell(row: Row, v: CompareVariant): Cell {
  const text = row.format(v.figures[row.key]);
  const d = v.deltas?.[row.key];
  if (!d) return text;
  const change = row.points ? pointsText(d) : relativeText(d);
  const tone: Tone | undefined = d.absolute === 0 || change.startsWith('±') ? undefined : (d.absolute < 0) === (row.better === 'lower') ? 'good' : 'bad';
  return tone ? { text: `${text} ${change}`, tone } : `${text} ${change}`;
}

function binding(v: CompareVariant): Cell {
  const b = v.binding;
  if (!b) return { text: '–', tone: 'dim' };
  const text = `${b.model} ${LIMIT_LABEL[b.limit]}`;
  return b.binds ? { text, tone: 'warn' } : `(${text})`;
}

function slo(v: CompareVariant): Cell {
  if (v.slo.checks === 0) return { text: 'no SLOs', tone: 'dim' };
  return v.slo.pass ? { text: `✓ all ${v.slo.checks}`, tone: 'good' } : { text: `✗ ${v.slo.failed.length} of ${v.slo.checks}`, tone: 'bad' };
}

function table(d: CompareDocument, columns: readonly CompareVariant[], first: boolean): Section {
  const head = ['', ...columns.map((v, i) => clip(i === 0 ? `${v.label} (base)` : v.label))];
  const rows: Cell[][] = [
    ...ROWS.slice(0, 1).map((r) => [r.label, ...columns.map((v) => cell(r, v))]),
    ['binding limit', ...columns.map(binding)],
    ...ROWS.slice(1).map((r) => [r.label, ...columns.map((v) => cell(r, v))]),
    ['SLOs', ...columns.map(slo)],
  ];
  const notes: Cell[][] = [];
  if (first) {
    notes.push([`Δ against the baseline, ${d.baseline}; rates in percentage points (pp); green better, red worse`]);
    notes.push([`seed ${d.seed} for every variant (${d.seedFrom === 'flag' ? '--seed' : "the baseline's; --seed to change"})`]);
    notes.push(...d.variants.map((v): Cell[] => [`${v.label}: ${source(v)}`]));
  }
  return { title: first ? 'compare' : 'compare, continued', table: { head, align: ['left', ...columns.map(() => 'right' as const)], rows }, notes };
}

function source(v: CompareVariant): string {
  return `${v.source.file}${v.source.overrides.length > 0 ? ` with ${v.source.overrides.join('; ')}` : ''}`;
}

/** The comparison as text for a terminal, `WIDTH` columns at most (up to PER_TABLE variants beside the baseline per table). */
export function renderCompare(d: CompareDocument, opts: { color: boolean } = { color: false }): string {
  const [base, ...others] = d.variants;
  const common = base!.source.common;
  const lines = [...renderAnswer(d.answer, opts)];
  if (common.length > 0) lines.push(...renderContext(`every variant: ${common.join('; ')}`, opts));
  for (let i = 0; i < Math.max(1, others.length); i += PER_TABLE) lines.push('', ...renderSection(table(d, [base!, ...others.slice(i, i + PER_TABLE)], i === 0), opts));
  return lines.join('\n');
}
