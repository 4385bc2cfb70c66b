/**
 * The report model behind every renderer (src/report/sections.ts), on real simulated reports changed
 * where a case needs it.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { cellText, reportView, type Section } from '../../../src/report/sections.js';
import { realReport } from './fixture.js';

const limitsNotes = (r: Report): string[] => {
  const s = reportView(r).sections.find((x) => x.title === 'Limits') as Section;
  return s.notes.map((n) => n.map(cellText).join(' · '));
};

describe('the limits section', () => {
  it('says which models have no provider limits configured, not that they had no calls', async () => {
    // Two models with calls in the window and no limits: `every` over their empty lists of limits was
    // true, so the section read "no calls in the window: m, f".
    const r = structuredClone(await realReport('research-agent'));
    expect(r.cost.byModel.sonnet!.requests * r.cost.byModel.haiku!.requests).toBeGreaterThan(0);
    r.limits.byModel.sonnet = {};
    r.limits.byModel.haiku = {};
    const notes = limitsNotes(r);
    expect(notes).toContain('no provider limits configured: sonnet, haiku');
    expect(notes.join('\n')).not.toContain('no calls in the window');
  });

  it('still names a model with limits that saw no call', async () => {
    // The support agent routes everything to sonnet; haiku, limits configured, has no call.
    const r = await realReport('support-agent');
    expect(r.cost.byModel.haiku).toBeUndefined();
    expect(limitsNotes(r)).toContain('no calls in the window: haiku');
  });
});
