/**
 * Load-test measurements without a target: what the replay feeds `Measurements` and what comes out,
 * including after a JSON round trip (distributed agents merge through it).
 */
import { describe, expect, it } from 'vitest';
import { Pricing } from '../../../src/core/pricing.js';
import { ReportSchema } from '../../../src/core/metrics/report.js';
import { buildLoadReport } from '../../../src/loadtest/build-report.js';
import { Measurements, type TurnResult } from '../../../src/loadtest/measure.js';
import { parseScenario } from '../../../src/scenario/load.js';

const parsed = parseScenario('users: { dailyActive: 100, concurrencyRatio: 10% }\nmodels:\n  m: { id: claude-sonnet-4-5 }\n', 'm.yaml');
if (!parsed.scenario) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
const scenario = parsed.scenario;
/** Time scale 1, window [10 s, 20 s). */
const measurements = () => new Measurements(1, 10_000, 20_000, 1_000, new Pricing(scenario));
const turn = (intendedAtMs: number, index = 1, status: TurnResult['status'] = 'ok'): TurnResult => ({ sessionId: 1, turn: index, intendedAtMs, sentAtMs: intendedAtMs, endedAtMs: intendedAtMs + 100, httpStatus: 200, status, charges: [], costNanos: 0 });

describe('late sends', () => {
  it('are a share of every send, not of the turns in the window', () => {
    // Four sends, one late; only one of them in the window (the others in warm-up and the drain).
    const m = measurements();
    for (const [at, lag] of [[1_000, 0], [5_000, 0], [12_000, 0], [25_000, 80]] as const) {
      m.sent(lag, lag > 50);
      m.record(turn(at));
    }
    expect(m.turns.arrived).toBe(1);
    expect(m.lateSends).toBe(1);
    expect(m.lateShare).toBe(0.25); // not 1 late / 1 window turn = 100 %
    expect(m.maxLagMs).toBe(80);

    const merged = measurements();
    merged.mergeFrom(m.toJSON());
    merged.mergeFrom(m.toJSON());
    expect(merged.sends).toBe(8);
    expect(merged.lateShare).toBe(0.25);
  });
});

describe('connection setup', () => {
  it('is kept per connection opened and merges across agents into run.generator', () => {
    const m = measurements();
    m.connected(150);
    m.connected(250);
    m.sent(0, false);
    m.record(turn(12_000));
    const merged = measurements();
    merged.mergeFrom(m.toJSON());
    merged.mergeFrom(m.toJSON());
    const g = buildLoadReport(scenario, 1, { measurements: merged, sessions: 2, wallMs: 20_000, realDurationMs: 20_000, scenarioDurationMs: 20_000 }, new Pricing(scenario)).run.generator!;
    expect(g.connectionSetup.count).toBe(4);
    expect(g.connectionSetup.mean).toBeCloseTo(200, -1); // HDR buckets: three significant digits
    expect(g.connectionSetup.max).toBeCloseTo(250, -1);
  });
});

describe('the response cache in the report', () => {
  it('hit rate is hits over lookups (first turns), as the simulator reports it, not over every turn', () => {
    const m = measurements();
    // The window's turns: two first turns (one answered from the cache) and two later turns, which the runtime never looks up.
    for (const t of [turn(11_000, 1, 'cache-hit'), turn(12_000, 1), turn(13_000, 2), turn(14_000, 3)]) m.record(t);
    const r = buildLoadReport(scenario, 1, { measurements: m, sessions: 2, wallMs: 20_000, realDurationMs: 20_000, scenarioDurationMs: 20_000 }, new Pricing(scenario));
    expect(r.cache).toEqual({ hits: 1, misses: 1, hitRate: 0.5 });
  });
});

describe('a window or warm-up shorter than a mean conversation', () => {
  // The default scenario's conversations: 6 turns with 30 s of think time, about 3 min.
  const build = (overrides: string[]) => {
    const p = parseScenario('users: { dailyActive: 100, concurrencyRatio: 10% }\nmodels:\n  m: { id: claude-sonnet-4-5 }\n', 'm.yaml', { overrides });
    if (!p.scenario) throw new Error(p.problems.map((x) => x.message).join('\n'));
    const s = p.scenario;
    const m = new Measurements(1, s.warmup, s.duration, 1_000, new Pricing(s));
    return buildLoadReport(s, 1, { measurements: m, sessions: 0, wallMs: s.duration, realDurationMs: s.duration, scenarioDurationMs: s.duration }, new Pricing(s));
  };

  it('is said first in the answer, as the simulator says it: the figures are no steady state', () => {
    const r = build(['duration=1m', 'warmup=0']);
    expect(r.population.meanSessionMs).toBeGreaterThan(60_000);
    expect(r.answer).toMatch(/^The window \(1m\) is shorter than a mean conversation \([^)]+\): few of its turns end in it and nothing reaches a steady state, so the figures below are not a steady state's; run at least --duration \d+m\. The warm-up \(0ms\) is shorter than a mean conversation \([^)]+\): the window opens before the conversations in flight build up, so its averages read low; set warmup to at least \d+m\. Measured over 1m/);
  });

  it('is not said of a run that covers them', () => {
    expect(build(['duration=40m', 'warmup=5m']).answer).toMatch(/^Measured over 35m/);
  });
});

describe('what makes two load tests comparable', () => {
  // `ci check` refuses to compare runs at different time scales, and an interrupted run: the report must say both.
  const build = (extra: { timeScale?: number; interrupted?: boolean }) =>
    buildLoadReport(scenario, 1, { measurements: measurements(), sessions: 0, wallMs: 1_000, realDurationMs: 1_000, scenarioDurationMs: 20_000, ...extra }, new Pricing(scenario));

  it('the time scale and an interruption are in the report, which still parses strictly', () => {
    const r = build({ timeScale: 20, interrupted: true });
    expect(r.run.timeScale).toBe(20);
    expect(r.run.interrupted).toBe(true);
    expect(ReportSchema.safeParse(JSON.parse(JSON.stringify(r))).success).toBe(true);
  });

  it('a run that was not interrupted has no interrupted key', () => {
    const r = build({ timeScale: 1 });
    expect(r.run.timeScale).toBe(1);
    expect('interrupted' in r.run).toBe(false);
  });
});
