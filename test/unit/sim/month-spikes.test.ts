/**
 * The 30-day month projection with a traffic spike. A spike (`users.arrival: {profile: spikes}`) is an
 * event at `at` on the scenario's clock — the arrival process has it once, however long the run — not a
 * daily one, as a diurnal profile's peak is. The month was per day × 30, so a spike in the first day
 * counted thirty times: det.yaml with a ×2 spike for 2 h read $107,215 a month where the spike once
 * gives $99,242 (30 days at the base rate and 2 h of extra arrivals). The month now takes the profile
 * over 30 days from the scenario's start, and the report says the spike is counted once.
 */
import { describe, expect, it } from 'vitest';
import { reportView } from '../../../src/report/sections.js';
import { runDet } from './det-scenario.js';

const base = (1000 * 0.1) / 5.5; // det.yaml: 100 concurrent conversations of 5.5 s
const DAY_S = 86_400;

function expectExact(actual: number, expected: number) {
  expect(Math.abs(actual / expected - 1), `${actual} against ${expected}`).toBeLessThan(1e-12);
}

describe('the month projection with a spike', () => {
  it('counts a spike once, not once a day', () => {
    const r = runDet(['duration=15m', 'users.arrival={profile: spikes, spikes: [{at: 10m, for: 2h, multiplier: 2}]}']);
    // The day of the scenario holds the spike: 24 h at the base rate + 2 h of extra.
    expectExact(r.population.conversationsPerDay, base * (DAY_S + 7_200));
    expectExact(r.population.conversationsPerMonth, base * (30 * DAY_S + 7_200));
    expectExact(r.cost.perMonthUsd, 0.0021 * base * (30 * DAY_S + 7_200)); // $99,242 (was $107,215)
    expectExact(r.cost.perDayUsd, 0.0021 * base * (DAY_S + 7_200));
    expect(r.answer).toContain('$3,574/day with the spike, $0.002 per conversation; $99,242 a 30-day month (the spike once).');
    const notes = JSON.stringify(reportView(r).sections.find((x) => x.title === 'Cost')?.notes);
    expect(notes).toContain('per 30-day month $99,242.18 (spikes once)');
  });

  it('counts a spike past the first day in the month, not in the day', () => {
    const r = runDet(['duration=15m', 'users.arrival={profile: spikes, spikes: [{at: 30h, for: 1h, multiplier: 4}]}']);
    expectExact(r.population.conversationsPerDay, base * DAY_S);
    expectExact(r.population.conversationsPerMonth, base * (30 * DAY_S + 3 * 3_600));
    // The day has no spike, so the answer has nothing to qualify about it; the month says it.
    expect(r.answer).toContain('$3,299/day, $0.002 per conversation');
    expect(r.answer).toContain('$99,380 a 30-day month (the spike once)');
  });

  it('is 30 days of a diurnal or flat profile, which repeat daily', () => {
    for (const arrival of ['{profile: diurnal, peakHour: 14, troughRatio: 0.2, startHour: 5.5}', '{profile: flat}']) {
      const r = runDet(['duration=15m', `users.arrival=${arrival}`]);
      expectExact(r.population.conversationsPerMonth, 30 * r.population.conversationsPerDay);
      expectExact(r.cost.perMonthUsd, 30 * r.cost.perDayUsd);
      expect(r.answer).not.toContain('30-day month');
    }
  });
});
