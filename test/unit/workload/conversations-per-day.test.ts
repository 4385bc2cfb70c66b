/**
 * Conversations per day (core/metrics/derive.ts `conversationsPerDay`) — what cost per day is
 * extrapolated with — is the base rate × the integral of the arrival profile over 24 h (the month's
 * figure, over 30 days, is in test/unit/sim/month-spikes.test.ts).
 *
 * It was a midpoint sum over whole minutes: a spike shorter than a minute counted as nothing or as a
 * whole minute, depending on whether it covered a minute's midpoint. det.yaml (18.18 sessions/s) with
 * a ×20 spike for 20 s read 1,570,909 a day from 10:10 and 1,591,636 from 10:20 (19 × 60 s of extra
 * arrivals instead of 19 × 20 s); the day's arrivals number 1,577,818 either way.
 */
import { describe, expect, it } from 'vitest';
import { conversationsPerDay } from '../../../src/core/metrics/derive.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { formatProblem } from '../../../src/scenario/problems.js';
import { arrivalTimes, planArrivals } from '../../../src/workload/arrivals.js';
import { DET_YAML } from '../sim/det-scenario.js';

function plan(overrides: string[]) {
  const r = parseScenario(DET_YAML, 'det.yaml', { overrides });
  if (!r.scenario) throw new Error(r.problems.map(formatProblem).join('\n'));
  return planArrivals(r.scenario);
}

const spikes = (list: string) => [`users.arrival={profile: spikes, spikes: [${list}]}`];

/** Equal to floating-point rounding (relative 1e-12). */
function expectExact(actual: number, expected: number) {
  expect(Math.abs(actual / expected - 1), `${actual} against ${expected}`).toBeLessThan(1e-12);
}

describe('conversations per day', () => {
  const base = 1000 * 0.1 / 5.5; // det.yaml: 100 concurrent, 5.5 s sessions

  it.each(['610s', '620s', '645s'])('counts a 20 s ×20 spike from %s for its 20 s, wherever it falls in its minute', (at) => {
    const p = plan(spikes(`{at: ${at}, for: 20s, multiplier: 20}`));
    expect(p.baseRatePerS).toBeCloseTo(base, 12);
    expectExact(conversationsPerDay(p), base * (86_400 + 19 * 20));
  });

  it('counts a 1 s ×1000 flash crowd, whose arrivals the stream does produce (within 4√μ)', () => {
    const p = plan(spikes('{at: 620s, for: 1s, multiplier: 1000}'));
    expectExact(conversationsPerDay(p), base * (86_400 + 999));
    // The first 640 s (thinning against ×1000 makes a whole day slow to draw): 640 s at the base plus 999 s of extra.
    const expected = base * (640 + 999);
    let n = 0;
    for (const _ of arrivalTimes(p, 1, 640_000)) n++;
    expect(Math.abs(n - expected)).toBeLessThan(4 * Math.sqrt(expected));
  });

  it('takes overlapping spikes at their highest multiplier, as arrivals do, and ignores what lies past 24 h', () => {
    const p = plan(spikes('{at: 100s, for: 30s, multiplier: 4}, {at: 110s, for: 50s, multiplier: 2}, {at: 23.99h, for: 1h, multiplier: 3}'));
    // ×4 over 100–130 s, ×2 over 130–160 s, ×3 over the last 36 s of the day.
    expectExact(conversationsPerDay(p), base * (86_400 + 3 * 30 + 1 * 30 + 2 * 36));
  });

  it('integrates the diurnal cosine exactly: its mean is trough + (1 − trough) / 2', () => {
    const p = plan(['users.arrival={profile: diurnal, peakHour: 14, troughRatio: 0.2, startHour: 5.5}']);
    expectExact(conversationsPerDay(p), base * 86_400 * 0.6);
  });
});
