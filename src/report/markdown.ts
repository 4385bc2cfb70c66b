/**
 * Renders a Report as GitHub-flavoured Markdown (for CI comments and job summaries): the answer in
 * bold, then the same sections as the terminal summary (sections.ts) as GitHub tables, and the run
 * footer in italics. Failures are bold, since Markdown has no colour.
 */
import type { Report } from '../core/metrics/report.js';
import { sentences } from './format.js';
import { cellText, reportView, type Cell, type Section } from './sections.js';

/** Escapes what would break a table cell or start emphasis. */
const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`])/g, '\\$1');

function md(c: Cell): string {
  const text = esc(cellText(c).trim());
  if (typeof c === 'string' || text === '') return text;
  return c.tone === 'bad' || c.tone === 'strong' ? `**${text}**` : text;
}

function table(s: Section): string[] {
  const t = s.table;
  if (!t) return [];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(t.head.map((h) => esc(h))),
    line(t.align.map((a) => (a === 'right' ? '---:' : ':---'))),
    // Sub-rows (a reason under "failed") keep their nesting as a leading arrow; Markdown trims spaces.
    ...t.rows.map((row) => line(row.map((c) => (cellText(c).startsWith('  ') ? `↳ ${md(c)}` : md(c))))),
  ];
}

/** The report as Markdown: a `###` heading, the answer, one `####` section per table. */
export function renderMarkdown(r: Report): string {
  const v = reportView(r);
  const out: string[] = [`### Headroom: ${esc(r.scenario.name)}`, '', ...sentences(v.answer).map((s) => `**${esc(s)}**  `), '', `<sub>${esc(v.context)}</sub>`];
  for (const s of v.sections) {
    out.push('', `#### ${s.title}`, '', ...table(s));
    if (s.notes.length > 0) out.push('', ...s.notes.map((n) => `${n.map(md).join(' · ')}  `));
  }
  out.push('', `<sub>${esc(v.footer)}</sub>`, '');
  return out.join('\n');
}
