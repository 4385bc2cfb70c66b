/**
 * Renders a Report for a terminal, k6-summary style: the answer first, then one compact table per
 * section (cli-table3 with no borders), notes under each, and a one-line footer about the run. Every
 * line fits in `WIDTH` columns. Colour is plain ANSI and only when asked for (a TTY): bold for the
 * answer and titles, red for what failed, green for what passed, yellow for a limit close to binding.
 *
 * @example
 *   process.stdout.write(renderReport(buildReport(simulate(scenario), pricing), { color: process.stdout.isTTY }));
 */
import { stripVTControlCharacters } from 'node:util';
import Table from 'cli-table3';
import type { Report } from '../core/metrics/report.js';
import { sentences, wrap } from './format.js';
import { cellText, reportView, type Cell, type Section, type Tone } from './sections.js';

export const WIDTH = 100;

const INDENT = '  ';
/** The label column is cut to this many characters, so long model names cannot push a table past WIDTH. */
const MAX_LABEL = 28;

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
};
/** Column gaps, widest first: a table that does not fit in WIDTH is redrawn tighter. */
const GAPS = ['   ', '  ', ' '];

const SGR: Record<Tone, [number, number]> = { good: [32, 39], bad: [31, 39], warn: [33, 39], strong: [1, 22], dim: [2, 22] };

type Paint = (text: string, tone: Tone | undefined) => string;
const paint = (color: boolean): Paint => (text, tone) => (color && tone && text ? `\x1b[${SGR[tone][0]}m${text}\x1b[${SGR[tone][1]}m` : text);
const cell = (p: Paint, c: Cell): string => (typeof c === 'string' ? c : p(c.text, c.tone));
/** Labels end in what tells rows apart ("sonnet input TPM", "sonnet output TPM"), so a long one loses its middle, not its end. */
const LABEL_TAIL = 11;
const clip = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1 - LABEL_TAIL)}…${s.slice(-LABEL_TAIL)}` : s);

const visible = (s: string) => stripVTControlCharacters(s).length;

function table(s: Section, p: Paint): string[] {
  const t = s.table;
  if (!t) return [p(s.title.toUpperCase(), 'strong')];
  // Labels (left-aligned cells: the first column, and the second label column of side-by-side tables)
  // are indented under the title.
  const rows = t.rows.map((row) => row.map((c, i) => (t.align[i] === 'left' && cellText(c) !== '' ? INDENT + cell(p, typeof c === 'string' ? clip(c) : c) : cell(p, c))));
  let lines: string[] = [];
  for (const middle of GAPS) {
    const out = new Table({
      head: [p(s.title.toUpperCase(), 'strong'), ...t.head.slice(1).map((h) => p(h, 'dim'))],
      chars: { ...NO_BORDERS, middle },
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      colAligns: t.align,
    });
    out.push(...rows);
    lines = out.toString().split('\n').map((l) => l.trimEnd());
    if (lines.every((l) => visible(l) <= WIDTH)) break;
  }
  return lines;
}

/**
 * Lays out a note's fragments joined by ' · ', breaking between fragments (a fragment longer than a
 * line is word-wrapped), so a coloured fragment is never split by a line break.
 */
function note(fragments: Cell[], p: Paint): string[] {
  const lines: string[] = [];
  let cur = '';
  let curWidth = 0;
  for (const f of fragments) {
    const text = cellText(f);
    if (curWidth > 0 && INDENT.length + curWidth + 3 + text.length <= WIDTH) {
      cur += ` · ${cell(p, f)}`;
      curWidth += 3 + text.length;
      continue;
    }
    if (curWidth > 0) lines.push(INDENT + cur);
    if (INDENT.length + text.length <= WIDTH) [cur, curWidth] = [cell(p, f), text.length];
    else {
      const parts = wrap(text, WIDTH - INDENT.length);
      lines.push(...parts.slice(0, -1).map((l) => INDENT + p(l, typeof f === 'string' ? undefined : f.tone)));
      const last = parts.at(-1) ?? '';
      [cur, curWidth] = [p(last, typeof f === 'string' ? undefined : f.tone), last.length];
    }
  }
  if (curWidth > 0) lines.push(INDENT + cur);
  return lines;
}

function section(s: Section, p: Paint): string[] {
  return [...table(s, p), ...s.notes.flatMap((n) => note(n, p))];
}

/** One section (a title, a table, notes) as terminal lines, for views other than a report's (`sim plan`, `sim compare`). */
export function renderSection(s: Section, opts: { color: boolean }): string[] {
  return section(s, paint(opts.color)).map((l) => l.trimEnd());
}

/** An answer as terminal lines: a sentence per line, wrapped at WIDTH, in bold on a terminal. */
export function renderAnswer(answer: string, opts: { color: boolean }): string[] {
  const p = paint(opts.color);
  return sentences(answer).flatMap((s) => wrap(s, WIDTH).map((l) => p(l, 'strong')));
}

/** A line of context (what was run) as terminal lines: wrapped at WIDTH, dim on a terminal. */
export function renderContext(text: string, opts: { color: boolean }): string[] {
  const p = paint(opts.color);
  return wrap(text, WIDTH).map((l) => p(l, 'dim'));
}

/** The report as text for a terminal, `WIDTH` columns at most, ANSI colours only when `color`. */
export function renderReport(r: Report, opts: { color: boolean } = { color: false }): string {
  const p = paint(opts.color);
  const v = reportView(r);
  const lines: string[] = [];
  for (const s of sentences(v.answer)) lines.push(...wrap(s, WIDTH).map((l) => p(l, 'strong')));
  lines.push(...wrap(v.context, WIDTH).map((l) => p(l, 'dim')));
  for (const s of v.sections) lines.push('', ...section(s, p));
  lines.push('', ...wrap(v.footer, WIDTH).map((l) => p(l, 'dim')));
  return lines.map((l) => l.trimEnd()).join('\n');
}
