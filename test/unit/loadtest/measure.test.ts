/**
 * Load-test measurements without a target: what the replay feeds `Measurements` and what comes out,
 * including after a JSON round trip (distributed agents merge through it).
 */
import { describe, expect, it } from 'vitest';
import { Pricing } from '../../../src/core/pricing.js';
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

describe('the response cache in the report', () => {
  it('hit rate is hits over lookups (first turns), as the simulator reports it, not over every turn', () => {
    const m = measurements();
    // The window's turns: two first turns (one answered from the cache) and two later turns, which the runtime never looks up.
    for (const t of [turn(11_000, 1, 'cache-hit'), turn(12_000, 1), turn(13_000, 2), turn(14_000, 3)]) m.record(t);
    const r = buildLoadReport(scenario, 1, { measurements: m, sessions: 2, wallMs: 20_000, realDurationMs: 20_000, scenarioDurationMs: 20_000 }, new Pricing(scenario));
    expect(r.cache).toEqual({ hits: 1, misses: 1, hitRate: 0.5 });
  });
});
