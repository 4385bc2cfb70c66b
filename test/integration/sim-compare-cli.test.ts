/**
 * `headroom sim compare` as a user runs it — the built CLI (bin/headroom.js → dist) on the bundled
 * scenarios, shortened with --duration: the answer first, one table, every variant on one seed, exit 0
 * for any comparison and 2 for bad input, and the same JSON from the same command twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, flat, runBin, timeless } from '../helpers/bin.js';
import { CompareSchema, type CompareDocument } from '../../src/sim/compare-schema.js';

const SUPPORT = 'scenarios/support-agent.yaml';
const RESEARCH = 'scenarios/research-agent.yaml';
const SHORT = ['--duration', '15m'];
const WHAT_IF = [SUPPORT, ...SHORT, '--variant', 'haiku: router.default=haiku', '--variant', '4x: users.dailyActive=20000'];
const dir = mkdtempSync(join(tmpdir(), 'headroom-compare-'));

beforeAll(() => assertBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sim compare answers', () => {
  it('what-ifs on the support agent: the cheapest meeting its SLOs first, then one table; exit 0 though a variant fails', async () => {
    const r = await runBin(['sim', 'compare', ...WHAT_IF]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const text = flat(r.stdout);
    expect(text).toMatch(/^haiku is the cheapest per conversation among the variants meeting their SLOs: \$0\.00\d+, −8\d% vs the baseline support-agent \(\$0\.02\d\); \$\d+\/day \(−8\d%\), \d workers? needed \(3 for the baseline\)\./);
    expect(text).toContain('4x (turn latency p95, error rate) fails its SLOs.');
    expect(text).toContain('Same seed (42) for all 3 variants: the differences come from the changes, not from sampling noise.');
    expect(r.stdout).toMatch(/^COMPARE +support-agent \(base\) +haiku +4x$/m);
    for (const row of ['workers needed', 'binding limit', 'turns/s', 'turn p50', 'turn p95', 'turn p99', 'TTFT p95', 'error rate', '429s', 'cache hit rate', 'cost/conversation', 'cost/day', 'cost/month', 'SLOs'])
      expect(r.stdout).toMatch(new RegExp(`^  ${row.replace('/', '\\/')} `, 'm'));
    expect(r.stdout).toMatch(/^ {2}error rate +0\.0% +0\.0% ±0 pp +[\d.]+% \+[\d.]+ pp$/m);
    expect(r.stdout).toMatch(/^ {2}SLOs +✓ all 2 +✓ all 2 +✗ 2 of 2$/m);
    expect(r.stdout).toContain('  haiku: scenarios/support-agent.yaml with router.default=haiku');
    for (const l of r.stdout.split('\n')) expect(l.length, l).toBeLessThanOrEqual(100);
  }, 30_000);

  it('two FILEs: labelled by scenario name, both run on the baseline’s seed (or --seed)', async () => {
    const [own, flag] = await Promise.all([runBin(['sim', 'compare', SUPPORT, RESEARCH, '--duration', '20m', '--json']), runBin(['sim', 'compare', SUPPORT, RESEARCH, '--duration', '20m', '--seed', '7', '--json'])]);
    expect(own.code).toBe(0);
    const a = JSON.parse(own.stdout) as CompareDocument;
    expect(a.variants.map((v) => v.label)).toEqual(['support-agent', 'research-agent']);
    expect(a).toMatchObject({ seed: 42, seedFrom: 'baseline', baseline: 'support-agent' });
    expect(a.variants.map((v) => v.report.scenario.seed)).toEqual([42, 42]); // research-agent's own seed is 7
    const b = JSON.parse(flag.stdout) as CompareDocument;
    expect(b).toMatchObject({ seed: 7, seedFrom: 'flag' });
    expect(b.variants.map((v) => v.report.scenario.seed)).toEqual([7, 7]);
  }, 40_000);
});

describe('sim compare --json / --out', () => {
  it('writes a versioned comparison: each variant’s source, figures, deltas and full report; the same twice', async () => {
    const out = join(dir, 'compare.json');
    const [a, b] = await Promise.all([runBin(['sim', 'compare', ...WHAT_IF, '--json', '--out', out]), runBin(['sim', 'compare', ...WHAT_IF, '--json'])]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    const d = JSON.parse(a.stdout) as CompareDocument;
    const parsed = CompareSchema.safeParse(d);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))).toBe(true);
    expect(d).toMatchObject({ schemaVersion: 1, kind: 'compare', seed: 42, seedFrom: 'baseline', baseline: 'support-agent', cheapest: 'haiku' });
    expect(d.variants.map((v) => [v.label, v.source])).toEqual([
      ['support-agent', { file: SUPPORT, common: ['duration=15m'], overrides: [], variant: null }],
      ['haiku', { file: SUPPORT, common: ['duration=15m'], overrides: ['router.default=haiku'], variant: 'haiku: router.default=haiku' }],
      ['4x', { file: SUPPORT, common: ['duration=15m'], overrides: ['users.dailyActive=20000'], variant: '4x: users.dailyActive=20000' }],
    ]);
    const [base, haiku, four] = d.variants;
    expect(base!.deltas).toBeNull();
    expect(haiku!.deltas!.costPerConversationUsd.relative).toBeCloseTo(haiku!.figures.costPerConversationUsd / base!.figures.costPerConversationUsd - 1, 12);
    expect(haiku!.deltas!.costPerConversationUsd.relative!).toBeLessThan(-0.5);
    expect(four!.deltas!.errorRate.absolute).toBeCloseTo(four!.figures.errorRate - base!.figures.errorRate, 12);
    expect(four!.slo).toEqual({ pass: false, checks: 2, failed: ['turn latency p95', 'error rate'] });
    expect(four!.report).toMatchObject({ schemaVersion: 3, kind: 'simulation', scenario: { seed: 42 } });
    expect(four!.report.population.targetConcurrency).toBe(600); // the variant's override reached its report
    expect(timeless(b.stdout)).toEqual(timeless(a.stdout));
    expect(timeless(readFileSync(out, 'utf8'))).toEqual(timeless(a.stdout));
  }, 40_000);
});

// Concurrent: each is a process start and a parse, nothing simulated.
describe.concurrent('sim compare refuses bad input with exit 2, before simulating', () => {
  it.each([
    ['one variant', [SUPPORT], 'HEADROOM_ERR_BAD_ARGUMENT: sim compare needs at least 2 variants, found 1'],
    ['a --variant without overrides', [SUPPORT, '--variant', 'x:'], 'HEADROOM_ERR_BAD_ARGUMENT: --variant "x:": no key=value override'],
    ['a bad override, located as --set locates it', [SUPPORT, '--variant', 'none: workers.count=0'], '--variant "none: workers.count=0": scenarios/support-agent.yaml: 1 problem in the scenario\n--set workers.count=0: workers.count: expected at least 1, found 0'],
    ['two variants with one name', [SUPPORT, '--variant', 'a: cache=false', '--variant', 'a: workers.count=4'], 'two variants are labelled "a"'],
    ['a FILE given twice', [SUPPORT, SUPPORT], `${SUPPORT} is given twice`],
    ['a bad common --set', [SUPPORT, RESEARCH, '--set', 'users.dailyActive=lots'], '2 variants cannot be simulated'],
    ['a missing FILE', [SUPPORT, join(dir, 'nope.yaml')], 'HEADROOM_ERR_FILE_NOT_FOUND'],
  ])('%s', async (_what, args, message) => {
    const r = await runBin(['sim', 'compare', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('internal error');
  }, 20_000);
});
