/**
 * The comparison logic of `sim compare` (sim/compare.ts): deltas (relative, with the zero cases that have
 * no ratio), their text, labels of files whose scenario names collide, and the answer — the cheapest per
 * conversation among the variants that meet their SLOs, against the baseline — on reports of a real
 * simulation whose cost and SLO verdict are set per case.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { renderCompare } from '../../../src/report/compare.js';
import { WIDTH } from '../../../src/report/terminal.js';
import { compareVariants, delta, deltasOf, fileLabels, figuresOf, pointsText, relativeText, type VariantInput } from '../../../src/sim/compare.js';
import { CompareSchema } from '../../../src/sim/compare-schema.js';
import { realReport } from '../report/fixture.js';

describe('delta', () => {
  it.each([
    [100, 80, -20, -0.2],
    [80, 100, 20, 0.25],
    [3, 3, 0, 0],
    [0, 0, 0, 0], // nothing before, nothing after: no change
    [0, 12, 12, null], // from nothing: no ratio, not +∞ %
    [5, 0, -5, -1],
  ])('%d → %d: absolute %d, relative %s', (base, value, absolute, relative) => {
    expect(delta(base, value)).toEqual({ absolute, relative });
  });

  it.each([
    [{ absolute: -0.2, relative: -0.2 }, '−20%'],
    [{ absolute: 0.036, relative: 0.036 }, '+3.6%'],
    [{ absolute: 13.28, relative: 13.28 }, '+1328%'],
    [{ absolute: 1e-9, relative: 1e-6 }, '±0%'], // rounds to nothing: not "+0.0%"
    [{ absolute: 0, relative: 0 }, '±0%'],
    [{ absolute: 12, relative: null }, 'new'],
  ])('relativeText(%o) = %s', (d, text) => {
    expect(relativeText(d)).toBe(text);
  });

  it.each([
    [{ absolute: 0.194, relative: null }, '+19.4 pp'],
    [{ absolute: -0.108, relative: -1 }, '−10.8 pp'],
    [{ absolute: 0.0001, relative: 0.01 }, '±0 pp'],
  ])('pointsText(%o) = %s (rates change in percentage points)', (d, text) => {
    expect(pointsText(d)).toBe(text);
  });
});

describe('fileLabels', () => {
  it('names each file by its scenario, and by its file where names collide', () => {
    expect(fileLabels([{ file: 'a.yaml', name: 'support' }, { file: 'b.yaml', name: 'research' }])).toEqual(['support', 'research']);
    expect(fileLabels([{ file: 'x/a.yaml', name: 'scenario' }, { file: 'x/b.yaml', name: 'scenario' }, { file: 'c.yaml', name: 'other' }])).toEqual(['a.yaml', 'b.yaml', 'other']);
    expect(fileLabels([{ file: 'x/a.yaml', name: 's' }, { file: 'y/a.yaml', name: 's' }])).toEqual(['x/a.yaml', 'y/a.yaml']);
  });
});

describe('compareVariants', async () => {
  const real = await realReport('support-agent');
  const base = real.cost.perConversationUsd.mean;
  /** A copy of the real report with its cost per conversation (and per day) × `costFactor` and its SLOs passing or not. */
  const variant = (label: string, costFactor: number, pass = true): VariantInput => {
    const r = structuredClone(real) as Report;
    r.cost.perConversationUsd.mean *= costFactor;
    r.cost.perDayUsd *= costFactor;
    r.cost.perMonthUsd *= costFactor;
    if (!pass) r.slo = { pass: false, checks: r.slo.checks.map((c, i) => (i === 0 ? { ...c, actual: c.target * 2, pass: false } : c)) };
    return { label, source: { file: 'scenarios/support-agent.yaml', common: [], overrides: label === 'baseline' ? [] : [`x=${label}`], variant: label === 'baseline' ? null : `${label}: x=${label}` }, report: r };
  };

  it('names the cheapest variant meeting its SLOs, and by how much against the baseline', () => {
    const d = compareVariants([variant('baseline', 1), variant('haiku', 0.6), variant('cheaper-but-slow', 0.3, false)], 42, 'baseline');
    expect(d.cheapest).toBe('haiku');
    expect(d.answer).toMatch(/^haiku is the cheapest per conversation among the variants meeting their SLOs: \$[\d.]+, −40% vs the baseline baseline \(\$[\d.]+\); \$[\d,]+\/day \(−40%\), 3 workers needed \(3 for the baseline\)\./);
    expect(d.answer).toContain('cheaper-but-slow (turn latency p95) fails its SLOs.');
    expect(d.answer).toContain('Same seed (42) for all 3 variants: the differences come from the changes, not from sampling noise.');
  });

  it('says when the baseline itself is the cheapest, and names the next', () => {
    const d = compareVariants([variant('baseline', 1), variant('opus', 1.5), variant('sonnet-4x', 1.2)], 42, 'baseline');
    expect(d.cheapest).toBe('baseline');
    expect(d.answer).toMatch(/^The baseline, baseline, is the cheapest per conversation among the variants meeting their SLOs: \$[\d.]+, \$[\d,]+\/day; next sonnet-4x at \$[\d.]+ \(\+20%\)\./);
  });

  it('none meeting its SLOs: says so, and which is cheapest regardless', () => {
    const d = compareVariants([variant('baseline', 1, false), variant('b', 0.5, false)], 7, 'flag');
    expect(d.cheapest).toBeNull();
    expect(d.answer).toMatch(/^No variant meets its SLOs \(baseline: turn latency p95; b: turn latency p95\)\. Cheapest per conversation regardless: b at \$[\d.]+ \(−50% vs the baseline baseline\)\./);
  });

  it('equal costs: the earlier variant wins, the baseline first', () => {
    expect(compareVariants([variant('baseline', 1), variant('same', 1)], 1, 'baseline').cheapest).toBe('baseline');
    expect(compareVariants([variant('baseline', 2), variant('a', 1), variant('b', 1)], 1, 'baseline').cheapest).toBe('a');
  });

  it('costs that read alike at three decimals get the digits that tell them apart', () => {
    // $0.0230 and $0.0227 both read $0.023 at three decimals.
    const d = compareVariants([variant('baseline', 0.023 / base), variant('b', 0.0227 / base)], 1, 'baseline');
    expect(d.answer).toContain('b is the cheapest per conversation among the variants meeting their SLOs: $0.0227, −1.3% vs the baseline baseline ($0.0230)');
    // Below a cent, two significant digits rather than $0.003.
    expect(compareVariants([variant('baseline', 1), variant('haiku', 0.00291 / base)], 1, 'baseline').answer).toContain('haiku is the cheapest per conversation among the variants meeting their SLOs: $0.0029, ');
  });

  it('deltas: none for the baseline, every figure for the others, consistent with the figures', () => {
    const d = compareVariants([variant('baseline', 1), variant('haiku', 0.6)], 42, 'baseline');
    expect(d.variants[0]!.deltas).toBeNull();
    const v = d.variants[1]!;
    expect(Object.keys(v.deltas!).sort()).toEqual(Object.keys(v.figures).sort());
    expect(v.deltas!.costPerConversationUsd.relative).toBeCloseTo(-0.4, 12);
    expect(v.deltas).toEqual(deltasOf(figuresOf(real), v.figures));
    expect(v.deltas!.turnLatencyP95Ms).toEqual({ absolute: 0, relative: 0 });
  });

  it('is a valid comparison document, and renders within the terminal width', () => {
    const d = compareVariants([variant('baseline', 1), variant('a', 0.5), variant('b', 0.7), variant('c', 0.8), variant('d', 0.9, false)], 42, 'baseline');
    const parsed = CompareSchema.safeParse(JSON.parse(JSON.stringify(d)));
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    const text = renderCompare(d);
    for (const l of text.split('\n')) expect(l.length, l).toBeLessThanOrEqual(WIDTH);
    // Five variants: the baseline and three others in the first table, the baseline and the fifth in a second.
    expect(text).toMatch(/^COMPARE +baseline \(base\) +a +b +c$/m);
    expect(text).toMatch(/^COMPARE, CONTINUED +baseline \(base\) +d$/m);
    expect(text).toMatch(/^ {2}cost\/conversation +[\d.]+¢ +[\d.]+¢ −50% /m);
  });

  it('refuses fewer than two variants', () => {
    expect(() => compareVariants([variant('baseline', 1)], 1, 'baseline')).toThrow(RangeError);
  });
});
