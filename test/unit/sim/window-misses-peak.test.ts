/**
 * A run whose window misses the arrival profile's peak sizes workers for the rate it saw, not the
 * peak: det.yaml with the diurnal profile (peak at 14:00, trough 20 %) over 2 h from midnight said 4
 * workers with no warning; from 13:00 it says 13. The answer must say the peak was missed and how to
 * include it. The window (0:05–2:00) reaches its highest rate at 0:05, 10.08 h after the previous
 * day's peak: 0.2 + 0.8 × (1 + cos(2π × 10.08 / 24)) / 2 = 0.249 of the peak's. Start hour 13 centres
 * the window (13:05–15:00) on the peak. A ×3 spike from 40 m, after a 30 m run: the window's rate is
 * 1 of 3 = 33 % of the peak's, and a 50 m run holds the spike.
 */
import { describe, expect, it } from 'vitest';
import { runDet } from './det-scenario.js';

describe('a window that misses the arrival profile’s peak', () => {
  it('is said, with how to include the peak', () => {
    const r = runDet(['users.arrival.profile=diurnal', 'duration=2h']);
    expect(r.capacity.workersNeeded).toBe(4);
    expect(r.answer).toMatch(
      /^The window \(0:05–2:00 of the diurnal profile\) misses its peak at 14:00: its arrival rate reaches 25 % of the peak's, so the figures below hold for that window, not the peak; include the peak with --set users\.arrival\.startHour=13 \(or --duration 24h\)\. /,
    );
  });

  it('is not said when the window holds the peak', () => {
    const r = runDet(['users.arrival.profile=diurnal', 'duration=2h', 'users.arrival.startHour=13']);
    expect(r.capacity.workersNeeded).toBe(13);
    expect(r.answer).not.toContain('peak');
  });

  it('names a spike the window misses and the run length that includes it', () => {
    const r = runDet(['users.arrival.profile=spikes', 'duration=30m', 'users.arrival.spikes=[{at: 40m, for: 10m, multiplier: 3}]']);
    expect(r.answer).toMatch(/^The window \(5m–30m\) misses the profile's peak \(×3 from 40m\): its arrival rate reaches 33 % of the peak's, so the figures below hold for that window, not the peak; include the peak with --duration 50m\. /);
  });
});
