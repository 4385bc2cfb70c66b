/**
 * A provider limit's busiest minute can take more than the limit. Our limiter (and the provider model)
 * are token buckets that hold a minute of the admitted rate (limit × margin) and refill continuously,
 * so after a quieter spell one calendar minute can take a full bucket plus that minute's refill: up to
 * twice the admitted rate, without a 429. det.yaml with RPM 2,000 (1,800 admitted) and a ×3 spike at
 * 10m took 3,137 requests in the spike's first minute, and the answer read "The binding limit is m RPM
 * at 157 % of the limit" — a breach where there was none. The figure is a true count; the report now
 * says what it is, why it can pass the admitted rate and 100 %, and what it means for a real provider.
 */
import { describe, expect, it } from 'vitest';
import { reportView } from '../../../src/report/sections.js';
import { runDet } from './det-scenario.js';

const SPIKE = ['duration=20m', 'models.m.limits.rpm=2000', 'users.arrival={profile: spikes, spikes: [{at: 10m, for: 5m, multiplier: 3}]}'];

describe("a limit's busiest minute above its admitted rate", () => {
  const r = runDet(SPIKE);
  const rpm = r.limits.byModel.m!.rpm!;

  it('is a burst a full token bucket allows, at most twice the admitted rate, with no 429', () => {
    expect(rpm).toMatchObject({ limit: 2000, admitted: 1800, peakPerMinute: 3137, peakAtMs: 600_000 });
    expect(rpm.peakPerMinute).toBeLessThanOrEqual(2 * rpm.admitted);
    expect(rpm.meanPerMinute).toBeLessThan(rpm.admitted);
    expect(r.events.providerFailures['429'] ?? 0).toBe(0);
  });

  it('is said to be a burst in the answer, not a use of 157 % of the limit', () => {
    expect(r.answer).not.toContain('at 157 % of the limit');
    expect(r.answer).toContain(
      'The binding limit is m RPM: its busiest minute (10m in) took 157 % of the limit, more than the 1,800/min our limiter admits — a burst: ' +
        'the token bucket holds a minute of the admitted rate and refills as it drains, so one minute can take up to twice that rate without a 429 here ' +
        '(a provider with shallower buckets may refuse such a burst); our limiter held back ',
    );
  });

  it('is explained under the limits table', () => {
    const notes = JSON.stringify(reportView(r).sections.find((x) => x.title === 'Limits')?.notes);
    expect(notes).toContain('peak: the busiest minute of the window; m RPM took more than it admits in one (a full token bucket plus the minute\'s refill: up to 2× admitted, no 429 here)');
  });

  it('keeps the plain figure when the busiest minute stays within the admitted rate', () => {
    const calm = runDet(['duration=20m', 'models.m.limits.rpm=1300']);
    const u = calm.limits.byModel.m!.rpm!;
    expect(u.peakPerMinute).toBeLessThanOrEqual(u.admitted);
    expect(calm.answer).toMatch(/(binding limit is|Closest to binding:) m RPM at \d+ % of the limit \(/);
    expect(JSON.stringify(reportView(calm).sections.find((x) => x.title === 'Limits')?.notes)).not.toContain('took more than it admits');
  });
});
