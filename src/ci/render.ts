/**
 * `ci check` for people: the answer first (PASS, or FAIL naming each regression with its figures), then
 * one compact table — figure, baseline, current, change, limit, verdict — and what was compared. Drawn
 * from the CheckDocument, so the text and `--json` cannot disagree. Locale-fixed (en-US).
 *
 * Money keeps three significant figures below $1 ($0.0231, not 2.3¢ as the report tables write it): a
 * gate is about a few per cent, which a cent rounded to a tenth would hide.
 */
import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import { formatDuration } from '../scenario/units.js';
import type { CheckDocument, FigureCheckJson, RunRef } from './check-document.js';
import type { FigureUnit } from './gate.js';

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A figure in its unit: `5.17 turns/s`, `$0.0232`, `$1,761.96`, `6.74s`, `0.84 %`; `none` when missing. */
export function formatValue(unit: FigureUnit, v: number | null): string {
  if (v === null) return 'none';
  switch (unit) {
    case 'per-s':
      return `${v >= 1000 ? whole.format(v) : +v.toPrecision(3)} turns/s`;
    case 'usd':
      return v === 0 ? '$0' : v >= 1 ? `$${money.format(v)}` : `$${v.toPrecision(3)}`;
    case 'ms':
      return formatDuration(v >= 10 ? Math.round(v) : v);
    case 'ratio':
      return `${(v * 100).toFixed(2)} %`;
  }
}

/** A signed percentage: `+13.4 %`, `-0.52 %`, `0 %` (exactly no change). */
const signedPercent = (x: number, unit = '%') => (x === 0 ? `0 ${unit}` : `${x > 0 ? '+' : '-'}${Math.abs(x) >= 1 ? Math.abs(x).toFixed(1) : Math.abs(x).toPrecision(2)} ${unit}`);

export function formatChange(f: Pick<FigureCheckJson, 'change' | 'changeKind' | 'baseline' | 'current'>): string {
  if (f.change === null) return f.baseline === 0 && f.current !== null ? 'from 0' : '–';
  return f.changeKind === 'points' ? signedPercent(f.change * 100, 'pp') : signedPercent(f.change * 100);
}

/** The limit as the change it allows the wrong way: `+5 %` for a rise, `-5 %` for a drop, `+0.5 pp`; `off`. */
export function formatLimit(f: Pick<FigureCheckJson, 'limit' | 'changeKind' | 'worseWhen'>): string {
  if (f.limit === null) return 'off';
  const sign = f.worseWhen === 'higher' ? '+' : '-';
  return `${sign}${+(f.limit * 100).toFixed(4)} ${f.changeKind === 'points' ? 'pp' : '%'}`;
}

const VERDICT_TEXT: Record<FigureCheckJson['verdict'], string> = { pass: 'ok', improved: 'improved', regression: 'REGRESSION', off: 'off', unmeasured: 'no baseline figure' };

/** `cost per conversation $0.0231 → $0.0262 (+13.4 %, limit +5 %)`, or `→ none (no turn was answered)`. */
export function regressionText(f: FigureCheckJson): string {
  const move = `${f.label} ${formatValue(f.unit, f.baseline)} → ${formatValue(f.unit, f.current)}`;
  if (f.current === null) return `${move} (${f.reason?.replace(/^the current run has no [^:]+: /, '') ?? 'not measured'})`;
  return `${move} (${formatChange(f)}, limit ${formatLimit(f)})`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The answer line: PASS with what was checked, or FAIL with every regression. */
export function answerOf(figures: readonly FigureCheckJson[]): { pass: boolean; answer: string } {
  const by = (v: FigureCheckJson['verdict']) => figures.filter((f) => f.verdict === v);
  const regressions = by('regression');
  if (regressions.length > 0) return { pass: false, answer: `FAIL: ${plural(regressions.length, 'regression')}: ${regressions.map(regressionText).join('; ')}` };
  const checked = figures.length - by('off').length - by('unmeasured').length;
  const extras = [
    by('improved').length > 0 ? `${by('improved').length} improved` : '',
    by('off').length > 0 ? `${by('off').length} off` : '',
    by('unmeasured').length > 0 ? `${plural(by('unmeasured').length, 'figure')} not in the baseline` : '',
  ].filter(Boolean);
  return { pass: true, answer: `PASS: no regression beyond the limits (${plural(checked, 'figure')} checked${extras.length > 0 ? `; ${extras.join(', ')}` : ''})` };
}

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
  middle: '   ',
};

const paint = (color: boolean, code: [number, number]) => (s: string) => (color ? `\x1b[${code[0]}m${s}\x1b[${code[1]}m` : s);

function table(figures: readonly FigureCheckJson[], color: boolean): string {
  const red = paint(color, [31, 39]);
  const green = paint(color, [32, 39]);
  const dim = paint(color, [2, 22]);
  const t = new Table({
    head: ['FIGURE', 'baseline', 'current', 'change', 'limit', 'verdict'].map((h, i) => (i === 0 ? paint(color, [1, 22])(h) : dim(h))),
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: ['left', 'right', 'right', 'right', 'right', 'left'],
  });
  for (const f of figures) {
    const verdict = VERDICT_TEXT[f.verdict];
    t.push([`  ${f.label}`, formatValue(f.unit, f.baseline), formatValue(f.unit, f.current), formatChange(f), formatLimit(f), f.verdict === 'regression' ? red(verdict) : f.verdict === 'improved' ? green(verdict) : f.verdict === 'pass' ? verdict : dim(verdict)]);
  }
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** `simulation · support-agent · seed 42 · 10m (5m warm-up)`, and the time scale of a load test. */
export const runText = (r: RunRef): string =>
  `${r.kind === 'simulation' ? 'simulation' : 'load test'} · ${r.scenario} · seed ${r.seed} · ${formatDuration(r.durationMs)} (${formatDuration(r.warmupMs)} warm-up)${r.timeScale !== undefined ? ` · ${r.timeScale}× time scale` : ''}`;

/** The whole check as text for a terminal (ANSI colours only when `color`). */
export function renderCheck(doc: CheckDocument, opts: { color: boolean } = { color: false }): string {
  const bold = paint(opts.color, [1, 22]);
  const lines = [bold(opts.color ? doc.answer.replace(/^(PASS|FAIL)/, (m) => (m === 'PASS' ? `\x1b[32m${m}\x1b[39m` : `\x1b[31m${m}\x1b[39m`)) : doc.answer)];
  if (doc.figures.length > 0) lines.push('', table(doc.figures, opts.color));
  lines.push('');
  if (doc.baseline) lines.push(`  baseline  ${doc.baseline.source}: ${runText(doc.baseline)}`);
  lines.push(`  current   ${doc.current.source}: ${runText(doc.current)}`);
  for (const n of doc.notes) lines.push(`  note: ${n}`);
  return lines.map((l) => (stripVTControlCharacters(l).trim() === '' ? '' : l)).join('\n');
}
