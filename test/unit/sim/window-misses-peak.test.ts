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
import { loadScenario } from '../../../src/scenario/load.js';
import { missedPeak } from '../../../src/sim/window-peak.js';
import { planArrivals } from '../../../src/workload/arrivals.js';
import { runDet } from './det-scenario.js';

describe('a window that misses the arrival profile’s peak', () => {
  it('is said, with how to include the peak', () => {
    const r = runDet(['users.arrival.profile=diurnal', 'duration=2h']);
    expect(r.capacity.workersNeeded).toBe(4);
    expect(r.answer).toMatch(
      /^The window \(0:05–2:00 of the diurnal profile\) misses its peak at 14:00: its load \(arrivals over the preceding mean conversation\) reaches 25 % of the peak's, so the figures below hold for that window, not the peak; include the peak with --set users\.arrival\.startHour=13 \(or --duration 24h\)\. /,
    );
  });

  it('is not said when the window holds the peak', () => {
    const r = runDet(['users.arrival.profile=diurnal', 'duration=2h', 'users.arrival.startHour=13']);
    expect(r.capacity.workersNeeded).toBe(13);
    expect(r.answer).not.toContain('peak');
  });

  it('names a spike the window misses and the run length that includes it', () => {
    const r = runDet(['users.arrival.profile=spikes', 'duration=30m', 'users.arrival.spikes=[{at: 40m, for: 10m, multiplier: 3}]']);
    expect(r.answer).toMatch(/^The window \(5m–30m\) misses the profile's peak \(×3 from 40m\): its load \(arrivals over the preceding mean conversation\) reaches 33 % of the peak's, so the figures below hold for that window, not the peak; include the peak with --duration 50m\. /);
  });
});

/**
 * A spike the window only starts to see. The conversations in flight at an instant arrived over the
 * mean conversation before it (support-agent.yaml: 2.84 m), so a ×3 spike from 59 m of a 1 h run
 * lifts the window's load to 1.70× at most ((1.84 m × 1 + 1 m × 3) / 2.84 m), 57 % of the spike's 3×.
 * The check looked only at the arrival rate of an instant in the window (×3 at 59 m) and said nothing,
 * while the answer sized for the base: 3 workers, where a window holding the spike (from 30 m) says 6.
 */
describe('a spike at the edge of the window', () => {
  async function check(spike: string, extra: string[] = []) {
    const s = await loadScenario('scenarios/support-agent.yaml', { overrides: [`users.arrival={profile: spikes, spikes: [${spike}]}`, ...extra] });
    return missedPeak(s, planArrivals(s));
  }

  it('that starts in the window’s last minute is missed, with the run length that holds it', async () => {
    expect(await check('{at: 59m, for: 10m, multiplier: 3}')).toMatch(
      /^The window \(5m–1h\) misses the profile's peak \(×3 from 59m\): its load \(arrivals over the preceding mean conversation\) reaches 57 % of the peak's, so the figures below hold for that window, not the peak; include the peak with --duration 1\.15h\.$/,
    );
  });

  it('that ends in the warm-up is not missed while its conversations are still in flight when the window opens', async () => {
    // ×3 over 3–4 m: at 5 m the conversations of the last 2.84 m hold the whole spike.
    expect(await check('{at: 3m, for: 1m, multiplier: 3}')).toBeUndefined();
  });

  it('that ended a conversation length before the window is missed, and the warm-up to include it is named', async () => {
    // A 1 m spike peaks at (1.84 m × 1 + 1 m × 3) / 2.84 m = 1.70×; the window (from 5 m) sees the base: 59 %.
    expect(await check('{at: 1m, for: 1m, multiplier: 3}')).toMatch(/reaches 59 % of the peak's.*include the peak with --set warmup=1m\.$/);
  });

  it('is not missed once the window holds a mean conversation of it', async () => {
    expect(await check('{at: 57m, for: 10m, multiplier: 3}')).toBeUndefined();
    expect(await check('{at: 30m, for: 10m, multiplier: 3}')).toBeUndefined();
  });
});
