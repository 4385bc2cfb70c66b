/**
 * The regression gate on real simulated reports: each figure moved on its own just beyond, exactly at
 * and within its limit; `off`; improvements; figures a run does not have; and the determinism the gate
 * rests on — the same scenario and seed simulated twice change no figure at all.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/metrics/report.js';
import { compareFigures, FIGURE_IDS, type FigureCheck, type FigureId } from '../../../src/ci/gate.js';
import { DEFAULT_LIMITS, parseThresholds, type Thresholds } from '../../../src/ci/thresholds.js';
import { simulateScenario, supportReport } from './fixture.js';

const DEFAULTS: Thresholds = parseThresholds(DEFAULT_LIMITS);
const only = (checks: FigureCheck[], id: FigureId) => checks.find((c) => c.figure === id)!;
const others = (checks: FigureCheck[], id: FigureId) => checks.filter((c) => c.figure !== id);

/** Sets the error rate to `failed` of 1,000 arrived turns, keeping the report's other counts consistent. */
function errorRateOf(r: Report, failed: number): void {
  r.turns = { ...r.turns, arrived: 1000, completed: 1000 - failed - r.turns.cacheHits, rejected: 0, deadLettered: 0, failed };
}

/** Each gate: the figure it reads, how to move it by a factor, and its default limit. */
const GATES: [FigureId, (r: Report, factor: number) => void, number][] = [
  ['throughput', (r, f) => (r.throughput.turnsPerS *= f), -0.05],
  ['costPerConversation', (r, f) => (r.cost.perConversationUsd.mean *= f), 0.05],
  ['costPerDay', (r, f) => (r.cost.perDayUsd *= f), 0.05],
  ['turnLatencyP95', (r, f) => (r.latency.turn.p95 *= f), 0.1],
];

describe('each gate', () => {
  it.each(GATES)('%s: a move the wrong way beyond the limit is a regression; at the limit, within it or the right way it is not', async (id, move, limit) => {
    const base = await supportReport();
    const verdict = async (factor: number) => {
      const cur = await supportReport();
      move(cur, factor);
      const checks = compareFigures(base, cur, DEFAULTS);
      // The other figures did not move: the gate reads this figure and no other.
      for (const c of others(checks, id)) expect(c.verdict, c.figure).toBe('pass');
      return only(checks, id);
    };
    const beyond = await verdict(1 + limit * 1.2);
    expect(beyond.verdict).toBe('regression');
    expect(beyond.change).toBeCloseTo(limit * 1.2, 9);
    expect(beyond.limit).toBe(Math.abs(limit));
    expect((await verdict(1 + limit)).verdict).toBe('pass'); // exactly the limit passes ("beyond" is strict)
    expect((await verdict(1 + limit / 2)).verdict).toBe('pass');
    expect((await verdict(1 - limit * 4)).verdict).toBe('improved');
  });

  it('error rate: a rise in percentage points beyond the limit is a regression, whatever the relative rise', async () => {
    const base = await supportReport();
    errorRateOf(base, 10); // 1.0 %
    const at = async (failed: number) => {
      const cur = await supportReport();
      errorRateOf(cur, failed);
      return only(compareFigures(base, cur, DEFAULTS), 'errorRate');
    };
    expect(await at(16)).toMatchObject({ verdict: 'regression', changeKind: 'points', baseline: 0.01, current: 0.016 }); // +0.6 pp
    expect((await at(16)).change).toBeCloseTo(0.006, 12);
    expect((await at(15)).verdict).toBe('pass'); // +0.5 pp: the limit
    expect((await at(12)).verdict).toBe('pass');
    expect((await at(2)).verdict).toBe('improved');
  });

  it('limits are the ones given: a tighter one fails what the default passes', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    cur.latency.turn.p95 *= 1.03;
    expect(only(compareFigures(base, cur, DEFAULTS), 'turnLatencyP95').verdict).toBe('pass');
    expect(only(compareFigures(base, cur, { ...DEFAULTS, latencyIncrease: 0.02 }), 'turnLatencyP95').verdict).toBe('regression');
  });
});

describe('off', () => {
  it('disables a gate, whatever the change, and still shows the figures', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    cur.cost.perConversationUsd.mean *= 3;
    cur.cost.perDayUsd *= 3;
    const checks = compareFigures(base, cur, { ...DEFAULTS, costIncrease: 'off' });
    for (const id of ['costPerConversation', 'costPerDay'] as const) {
      expect(only(checks, id)).toMatchObject({ verdict: 'off', limit: null });
      expect(only(checks, id).change).toBeCloseTo(2, 9);
    }
    expect(compareFigures(base, cur, DEFAULTS).filter((c) => c.verdict === 'regression').map((c) => c.figure)).toEqual(['costPerConversation', 'costPerDay']);
  });
});

describe('improvements', () => {
  it('are reported, never a failure, however large', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    errorRateOf(base, 50);
    errorRateOf(cur, 0);
    cur.throughput.turnsPerS *= 3;
    cur.cost.perConversationUsd.mean /= 3;
    cur.cost.perDayUsd /= 3;
    cur.latency.turn.p95 /= 3;
    const checks = compareFigures(base, cur, { throughputDrop: 0, costIncrease: 0, latencyIncrease: 0, errorRateIncrease: 0 });
    expect(checks.map((c) => c.verdict)).toEqual(FIGURE_IDS.map(() => 'improved'));
  });
});

describe('a figure a run does not have', () => {
  it('in the current run where the baseline had it is a regression (p95 of no answered turn reads 0, which must not pass)', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    cur.latency.turn = { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
    expect(only(compareFigures(base, cur, DEFAULTS), 'turnLatencyP95')).toMatchObject({ verdict: 'regression', current: null, change: null, reason: 'the current run has no turn p95: no turn was answered' });
  });

  it('in the baseline is nothing to regress from: unmeasured, not a failure', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    base.population.sessionsCompleted = base.cost.cutShort.conversations; // no conversation served in full: cost not priced
    const c = only(compareFigures(base, cur, DEFAULTS), 'costPerConversation');
    expect(c).toMatchObject({ verdict: 'unmeasured', baseline: null, reason: 'the baseline has no cost per conversation: no conversation was served in full' });
  });

  it('a relative change from 0 has no percentage: a rise from 0 is a regression, a throughput from 0 an improvement', async () => {
    const base = await supportReport();
    const cur = await supportReport();
    base.throughput.turnsPerS = 0;
    base.cost.perDayUsd = 0;
    const checks = compareFigures(base, cur, DEFAULTS);
    expect(only(checks, 'throughput')).toMatchObject({ verdict: 'improved', change: null });
    expect(only(checks, 'costPerDay')).toMatchObject({ verdict: 'regression', change: null });
  });
});

describe('determinism', () => {
  it('the same scenario and seed simulated twice: every figure changes by exactly 0', async () => {
    // Two independent runs (not one report compared with itself).
    const [a, b] = await Promise.all([simulateScenario('support-agent'), simulateScenario('support-agent')]);
    expect(a).not.toBe(b);
    const checks = compareFigures(a, b, DEFAULTS);
    expect(checks.map((c) => c.figure)).toEqual([...FIGURE_IDS]);
    for (const c of checks) {
      expect(c.change, c.figure).toBe(0);
      expect(c.verdict, c.figure).toBe('pass');
    }
    // …which is not a trivial 0: the figures are there, and another seed moves them.
    expect(checks.every((c) => c.baseline !== null)).toBe(true);
    const other = await simulateScenario('support-agent', ['duration=10m', 'seed=43']);
    expect(compareFigures(a, other, DEFAULTS).filter((c) => c.change !== 0).length).toBeGreaterThanOrEqual(3);
  });
});
