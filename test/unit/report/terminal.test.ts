/**
 * The terminal summary, on real simulated reports (no snapshots: the figures move when the simulator
 * improves, the layout promises do not): the answer first, every section, failures visible, 100
 * columns, and colour only when asked for.
 */
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { duration, usd } from '../../../src/report/format.js';
import { renderReport, WIDTH } from '../../../src/report/terminal.js';
import { realReport } from './fixture.js';

const plain = stripVTControlCharacters;
const clone = (r: Report): Report => structuredClone(r);
const lineWith = (out: string, text: string) => plain(out).split('\n').find((l) => l.includes(text)) ?? '';

/** The support-agent report with its first SLO failed, a binding limit and failed turns. */
async function troubled(): Promise<Report> {
  const r = clone(await realReport('support-agent'));
  const check = r.slo.checks[0]!;
  check.target = check.actual / 2;
  check.pass = false;
  r.slo.pass = false;
  r.limits.binding = { model: 'sonnet', limit: 'otpm', peakUtilisation: 0.9, atMs: 1_320_000, binds: true, heldBack: 0, rateLimited: 0 };
  r.turns.rejected = 40;
  r.turns.byReason = { 'queue-full': 40 };
  r.events.limiterWaits = { 'sonnet:otpm': 1_234 };
  return r;
}

describe('renderReport', () => {
  it('puts the answer first, then the context, then each section in order', async () => {
    const r = await realReport('support-agent');
    const out = renderReport(r, { color: false });
    expect(out.startsWith(r.answer.slice(0, 60))).toBe(true);
    expect(out.replace(/\s+/g, ' ')).toContain(r.answer);
    const titles = ['LATENCY', 'CAPACITY', 'LIMITS', 'OUTCOMES', 'COST', 'SLO CHECKS'];
    const at = titles.map((t) => out.split('\n').findIndex((l) => l.startsWith(t)));
    expect(at.every((i) => i > 0), `titles at lines ${at.join(', ')}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out.split('\n').at(-1)).toMatch(/^simulated .* events in .* Little's law error \d+\.\d%$/);
  });

  it('shows the figures in human units', async () => {
    const r = await realReport('support-agent');
    const out = renderReport(r, { color: false });
    expect(lineWith(out, '  turn ')).toContain(duration(r.latency.turn.p95));
    expect(lineWith(out, '  TTFT ')).toContain(duration(r.latency.ttft.p99));
    expect(lineWith(out, 'per day')).toContain(usd(r.cost.perDayUsd));
    expect(lineWith(out, 'per day')).toContain(usd(r.cost.perMonthUsd));
    expect(lineWith(out, '  per conversation')).toMatch(/\d¢ mean/);
    expect(lineWith(out, 'workers needed')).toContain(`workers needed ${r.capacity.workersNeeded}`);
    expect(lineWith(out, 'utilisation')).toMatch(/utilisation \d+\.\d%/);
    expect(lineWith(out, '  arrived ')).toContain(r.turns.arrived.toLocaleString('en-US'));
    expect(out).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('shows a failed SLO as FAIL (red in colour), and marks the binding limit', async () => {
    const r = await troubled();
    const name = r.slo.checks[0]!.name;
    const out = renderReport(r, { color: false });
    expect(lineWith(out, name)).toMatch(/FAIL/);
    expect(lineWith(out, 'sonnet output TPM')).toMatch(/binding/);
    expect(lineWith(out, 'queue-full')).toContain('40');
    expect(lineWith(out, 'sonnet:otpm')).toContain('1,234');
    const coloured = renderReport(r, { color: true }).split('\n').find((l) => l.includes(name))!;
    expect(coloured).toContain('\x1b[31m✗ FAIL\x1b[39m');
  });

  it('cuts a long model name from the middle of a label, so the limit rows stay apart', async () => {
    const r = clone(await realReport('support-agent'));
    const long = 'model-00-with-a-fairly-long-name-for-a-deployment-of-sonnet';
    r.limits.byModel = { [long]: r.limits.byModel.sonnet! };
    const labels = plain(renderReport(r, { color: false }))
      .split('\n')
      .filter((l) => l.includes('model-00'))
      .map((l) => l.trim().split(/\s{2,}/)[0]);
    // 28 characters: the first 16, an ellipsis, the last 11 (the limit's kind); they were all "model-00-with-a-fairly-long…".
    expect(labels).toEqual(['model-00-with-a-…-sonnet RPM', 'model-00-with-a-…t input TPM', 'model-00-with-a-… output TPM']);
  });

  it.each(['support-agent', 'research-agent'] as const)('fits %s in 100 columns, with and without colour', async (name) => {
    const r = await realReport(name);
    for (const color of [false, true]) {
      const long = plain(renderReport(r, { color })).split('\n').filter((l) => l.length > WIDTH);
      expect(long).toEqual([]);
    }
  });

  it('keeps to the width with long model names and huge numbers', async () => {
    const r = clone(await realReport('research-agent'));
    const long = 'claude-sonnet-4-5-with-an-unreasonably-long-alias';
    r.limits.byModel = { [long]: r.limits.byModel.sonnet! };
    r.cost.byModel = { [long]: { ...r.cost.byModel.sonnet!, requests: 987_654_321, cacheReadTokens: 98_765_432_100, usd: 1_234_567.89 } };
    r.events.limiterWaits = { [`${long}:otpm`]: 12 };
    const lines = renderReport(r, { color: false }).split('\n');
    expect(lines.filter((l) => l.length > WIDTH)).toEqual([]);
    expect(lines.join('\n')).toContain('$1,234,567.89');
  });

  it('writes no ANSI codes without colour, and bold for the answer with it', async () => {
    const r = await realReport('support-agent');
    expect(renderReport(r, { color: false })).not.toContain('\x1b');
    expect(renderReport(r)).not.toContain('\x1b');
    expect(renderReport(r, { color: true }).startsWith('\x1b[1m')).toBe(true);
  });

  it('says so when a scenario has no SLOs and no provider limit is configured', async () => {
    const r = clone(await realReport('support-agent'));
    r.slo = { checks: [], pass: true };
    r.limits = { byModel: {}, binding: null };
    const out = renderReport(r, { color: false });
    expect(lineWith(out, 'no provider limits')).not.toBe('');
    expect(out).toMatch(/SLO CHECKS\n {2}none in the scenario/);
  });
});

describe('notes', () => {
  it('break between fragments, keeping a coloured fragment whole', async () => {
    const r = clone(await realReport('support-agent'));
    r.slo.checks[0]!.pass = false;
    r.scenario.workers.count = 1;
    r.capacity.workersNeeded = 3;
    const idle = r.limits.byModel.haiku!;
    for (let i = 0; i < 30; i++) r.limits.byModel[`spare-model-${i}`] = idle;
    const out = renderReport(r, { color: true });
    expect(out).toContain('\x1b[31mconfigured 1: too few\x1b[39m');
    expect(plain(out)).toMatch(/no calls in the window: haiku, spare-model-0, .*\n {2}spare-model-\d+/);
    expect(plain(out).split('\n').filter((l) => l.length > WIDTH)).toEqual([]);
  });
});
