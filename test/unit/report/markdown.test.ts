/** The Markdown summary for CI comments: the answer, the same sections as GitHub tables, failures in bold. */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { realReport } from './fixture.js';

describe('renderMarkdown', () => {
  it('leads with the answer and has every section as a well-formed GitHub table', async () => {
    const r = await realReport('research-agent');
    const md = renderMarkdown(r);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### Headroom: research-agent');
    expect(lines.slice(1, 4).join(' ')).toContain('**');
    for (const t of ['Latency', 'Capacity', 'Limits', 'Outcomes', 'Cost', 'SLO checks']) expect(lines).toContain(`#### ${t}`);
    // Every table: a header, a delimiter row, rows, all with the same number of cells.
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    for (let i = 0; i < lines.length; i++) {
      if (!/^\| (:---|---:)/.test(lines[i]!)) continue;
      const n = cells(lines[i - 1]!);
      expect(cells(lines[i]!)).toBe(n);
      for (let j = i + 1; lines[j]?.startsWith('|'); j++) expect(cells(lines[j]!), lines[j]).toBe(n);
    }
    expect(md).not.toContain('\x1b');
    expect(md).not.toMatch(/NaN|undefined/);
  });

  it('puts failed SLOs in bold', async () => {
    const r: Report = structuredClone(await realReport('support-agent'));
    r.slo.checks[0]!.pass = false;
    r.slo.pass = false;
    const md = renderMarkdown(r);
    expect(md.split('\n').find((l) => l.startsWith(`| ${r.slo.checks[0]!.name} |`))).toContain('**✗ FAIL**');
  });
});
