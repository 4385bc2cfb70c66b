/**
 * `ci check` on two reports: which pairs it compares (same scenario, seed, duration, warm-up, time scale;
 * a simulation against a load test on cost only; no incomplete load test), what --update-baseline and
 * --allow-different-scenario change, and the answer line's wording.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { HeadroomError } from '../../../src/errors.js';
import { runCheck, type CheckInput } from '../../../src/ci/check.js';
import { CheckDocumentSchema } from '../../../src/ci/check-document.js';
import { answerOf, formatChange, formatLimit, formatValue } from '../../../src/ci/render.js';
import { DEFAULT_LIMITS, parseThresholds } from '../../../src/ci/thresholds.js';
import { supportReport } from './fixture.js';

const DEFAULTS = parseThresholds(DEFAULT_LIMITS);
const COST_ONLY = { ...DEFAULTS, throughputDrop: 'off', latencyIncrease: 'off', errorRateIncrease: 'off' } as const;

const input = (baseline: Report | undefined, current: Report, extra: Partial<CheckInput> = {}): CheckInput => ({
  baseline: baseline ? { report: baseline, source: 'ci/baseline.json' } : undefined,
  current: { report: current, source: 'current.json' },
  thresholds: DEFAULTS,
  allowDifferentScenario: false,
  updateBaseline: false,
  simulated: false,
  ...extra,
});

function refusal(i: CheckInput): HeadroomError {
  try {
    runCheck(i);
  } catch (e) {
    if (e instanceof HeadroomError) return e;
    throw e;
  }
  throw new Error('expected runCheck to refuse');
}

/** A load test's report of the same run (the same shape; only what tells them apart changed). */
async function loadtestReport(timeScale?: number): Promise<Report> {
  const r = await supportReport();
  r.kind = 'loadtest';
  if (timeScale !== undefined) r.run.timeScale = timeScale;
  return r;
}

describe('runs that are not of the same thing', () => {
  it.each<[string, (r: Report) => void, string, string]>([
    ['another scenario', (r) => (r.scenario.name = 'research-agent'), 'scenario support-agent vs research-agent', ''],
    ['another seed', (r) => (r.scenario.seed = 7), 'seed 42 vs 7', '--seed 42'],
    ['another duration', (r) => (r.scenario.durationMs = 3_600_000), 'duration 10m vs 1h', '--duration 10m'],
    ['another warm-up', (r) => (r.scenario.warmupMs = 60_000), 'warm-up 5m vs 1m', '--set warmup=5m'],
  ])('%s: refused, exit 2, with what differs and how to match it', async (_what, change, difference, flag) => {
    const base = await supportReport();
    const cur = await supportReport();
    change(cur);
    const e = refusal(input(base, cur, { simulated: true }));
    expect(e.code).toBe('HEADROOM_ERR_NOT_COMPARABLE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`ci/baseline.json and current.json are not runs of the same thing (${difference}), so their figures differ for that reason and not by a regression`);
    if (flag) expect(e.hint).toContain(`replay the baseline's run with ${flag};`);
    else expect(e.hint).not.toContain('replay');
    expect(e.hint).toContain('--update-baseline');
    expect(e.hint).toContain('--allow-different-scenario');
  });

  it('two load tests at different time scales are refused; one that does not record it is compared with a note', async () => {
    expect(refusal(input(await loadtestReport(20), await loadtestReport(60))).message).toContain('time scale 20× vs 60×');
    const doc = runCheck(input(await loadtestReport(20), await loadtestReport()));
    expect(doc.pass).toBe(true);
    expect(doc.notes).toEqual(["current.json does not record the load test's time scale (an older report): make sure both ran at the same --time-scale"]);
  });

  it('--allow-different-scenario compares them anyway, and says so', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    cur.scenario.seed = 7;
    const doc = runCheck(input(base, cur, { allowDifferentScenario: true }));
    expect(doc.figures).toHaveLength(5);
    expect(doc.notes[0]).toContain('the runs differ (seed 42 vs 7) and --allow-different-scenario was given');
  });

  it('--update-baseline skips the comparison and replaces the baseline', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    cur.scenario.seed = 7;
    const doc = runCheck(input(base, cur, { updateBaseline: true }));
    expect(doc).toMatchObject({ pass: true, baselineUpdated: true, figures: [], answer: 'BASELINE UPDATED: nothing compared: the runs differ (seed 42 vs 7)' });
  });
});

describe('a simulation against a load test', () => {
  it('is refused while a timing gate is on, naming the flags that turn them off', async () => {
    const e = refusal(input(await supportReport(), await loadtestReport(20)));
    expect(e.code).toBe('HEADROOM_ERR_NOT_COMPARABLE');
    expect(e.message).toBe(
      "ci/baseline.json is a simulation (a prediction) and current.json a load test (a measurement): their throughput, turn p95 and error rate differ by the simulator's model error and the live run's timing, not by a regression",
    );
    expect(e.hint).toContain('gate cost only with --max-throughput-drop off --max-latency-increase off --max-error-rate-increase off');
    // One timing gate left on is enough to refuse.
    expect(refusal(input(await supportReport(), await loadtestReport(20), { thresholds: { ...COST_ONLY, latencyIncrease: 0.1 } })).message).toContain('their turn p95 differ');
  });

  it('is compared on cost alone once the timing gates are off, and a cost regression still fails', async () => {
    const cur = await loadtestReport(20);
    cur.cost.perConversationUsd.mean *= 1.2;
    const doc = runCheck(input(await supportReport(), cur, { thresholds: COST_ONLY }));
    expect(doc.figures.map((f) => [f.figure, f.verdict])).toEqual([
      ['throughput', 'off'],
      ['costPerConversation', 'regression'],
      ['costPerDay', 'pass'],
      ['turnLatencyP95', 'off'],
      ['errorRate', 'off'],
    ]);
    expect(doc.pass).toBe(false);
    expect(doc.notes[0]).toMatch(/^a simulation against a load test: only cost is gated/);
  });
});

describe('an incomplete load test', () => {
  it.each<[string, (r: Report) => void, string]>([
    ['interrupted', (r) => (r.run.interrupted = true), 'it was interrupted (Ctrl-C) before its end'],
    ['with its drain cut off', (r) => (r.run.drain = { timeoutMs: 60_000, cutOffTurns: 3, cutOffSessions: 2 }), 'its drain was cut off (3 turns in flight, 2 conversations unfinished)'],
    ['that lost an agent', (r) => (r.run.agents = { count: 2, reported: 1, lost: [{ agent: 2, sessions: 1, sends: 3, answered: 2 }] }), '1 of its 2 load-test agents died mid-run'],
  ])('%s is refused as the current run, even with --update-baseline', async (_what, change, why) => {
    const cur = await loadtestReport(20);
    change(cur);
    for (const updateBaseline of [false, true]) {
      const e = refusal(input(await loadtestReport(20), cur, { updateBaseline }));
      expect(e.code).toBe('HEADROOM_ERR_REPORT_INVALID');
      expect(e.message).toContain(`current.json: an incomplete load test: ${why}`);
    }
  });

  it('as the baseline is refused, unless --update-baseline replaces it', async () => {
    const base = await loadtestReport(20);
    base.run.interrupted = true;
    expect(refusal(input(base, await loadtestReport(20))).message).toContain('ci/baseline.json: an incomplete load test');
    expect(runCheck(input(base, await loadtestReport(20), { updateBaseline: true })).baselineUpdated).toBe(true);
  });
});

describe('the result', () => {
  it('of an unchanged run passes, with every figure, and validates against its schema', async () => {
    const doc = runCheck(input(await supportReport(), await supportReport()));
    expect(doc.answer).toBe('PASS: no regression beyond the limits (5 figures checked)');
    expect(doc).toMatchObject({ pass: true, regressions: 0, baselineUpdated: false, notes: [] });
    expect(CheckDocumentSchema.safeParse(JSON.parse(JSON.stringify(doc))).success).toBe(true);
  });

  it("notes the scenario's SLOs the current run fails, without failing on them", async () => {
    const cur = await supportReport();
    cur.slo.checks[0]!.pass = false;
    cur.slo.pass = false;
    const doc = runCheck(input(await supportReport(), cur));
    expect(doc.pass).toBe(true);
    expect(doc.notes).toEqual([`the current run fails the scenario's SLO on ${cur.slo.checks[0]!.name} (\`sim run\` and \`loadtest\` exit 99 on that; ci check gates the change against the baseline)`]);
  });

  it('without a baseline (with --update-baseline) says it created one', async () => {
    const doc = runCheck(input(undefined, await supportReport(), { updateBaseline: true }));
    expect(doc).toMatchObject({ answer: 'BASELINE CREATED: there was no baseline to compare with', baseline: null, figures: [], baselineUpdated: true, pass: true });
    expect(CheckDocumentSchema.safeParse(doc).success).toBe(true);
  });

  it('with --update-baseline still shows the comparison, and its verdict', async () => {
    const cur = await supportReport();
    cur.latency.turn.p95 *= 2;
    const doc = runCheck(input(await supportReport(), cur, { updateBaseline: true }));
    expect(doc.pass).toBe(false);
    expect(doc.regressions).toBe(1);
    expect(doc.baselineUpdated).toBe(true);
  });
});

describe('the answer line', () => {
  const fig = (over: Partial<Parameters<typeof answerOf>[0][number]>) => ({
    figure: 'costPerConversation' as const,
    label: 'cost per conversation',
    unit: 'usd' as const,
    worseWhen: 'higher' as const,
    changeKind: 'relative' as const,
    baseline: 0.0231,
    current: 0.0231,
    change: 0,
    limit: 0.05,
    verdict: 'pass' as const,
    ...over,
  });

  it('FAIL names each regression: figure, baseline → current, change and limit', () => {
    const { pass, answer } = answerOf([
      fig({ current: 0.0262, change: 0.0262 / 0.0231 - 1, verdict: 'regression' }),
      fig({ figure: 'turnLatencyP95', label: 'turn p95', unit: 'ms', baseline: 6100, current: 7900, change: 7900 / 6100 - 1, limit: 0.1, verdict: 'regression' }),
      fig({ figure: 'throughput', label: 'throughput', unit: 'per-s', worseWhen: 'lower', baseline: 5.17, current: 5.2, change: 0.0058, verdict: 'improved' }),
    ]);
    expect(pass).toBe(false);
    expect(answer).toBe('FAIL: 2 regressions: cost per conversation $0.0231 → $0.0262 (+13.4 %, limit +5 %); turn p95 6.1s → 7.9s (+29.5 %, limit +10 %)');
  });

  it('PASS counts what was checked, improved and off', () => {
    expect(answerOf([fig({}), fig({ verdict: 'improved' }), fig({ verdict: 'off', limit: null })]).answer).toBe('PASS: no regression beyond the limits (2 figures checked; 1 improved, 1 off)');
  });

  it('formats each unit, a drop limit, points and no change', () => {
    expect(formatValue('per-s', 5.1666)).toBe('5.17 turns/s');
    expect(formatValue('usd', 1761.955)).toBe('$1,761.96');
    expect(formatValue('ratio', 0.0123)).toBe('1.23 %');
    expect(formatValue('ms', null)).toBe('none');
    expect(formatLimit({ limit: 0.05, changeKind: 'relative', worseWhen: 'lower' })).toBe('-5 %');
    expect(formatLimit({ limit: 0.005, changeKind: 'points', worseWhen: 'higher' })).toBe('+0.5 pp');
    expect(formatChange({ change: 0.023, changeKind: 'points', baseline: 0, current: 0.023 })).toBe('+2.3 pp');
    expect(formatChange({ change: 0, changeKind: 'relative', baseline: 1, current: 1 })).toBe('0 %');
    expect(formatChange({ change: -0.0019, changeKind: 'relative', baseline: 1, current: 1 })).toBe('-0.19 %');
  });
});
