/**
 * Whether the measurement window misses the arrival profile's peak. Every figure of a run (workers,
 * latency, limits) is sized by the rate its window saw, so a window in a diurnal profile's trough
 * sizes for the night: det.yaml over 2 h from midnight said 4 workers, from 13:00 (holding the 14:00
 * peak) 13. The answer then says so and how to include the peak.
 */
import type { Scenario } from '../scenario/schema.js';
import { formatDuration } from '../scenario/units.js';
import type { ArrivalPlan } from '../workload/arrivals.js';

/**
 * "Clearly below" the peak: the window's highest multiplier under 95 % of the profile's. Workers
 * needed scales with the rate, so this misses the peak's workers by 5 % or more; a diurnal window
 * within ±1.9 h of the peak (default trough 20 %) passes.
 */
const PEAK_SHARE = 0.95;
const HOUR_MS = 3_600_000;
const STEP_MS = 60_000;

/** The sentence the answer leads with when the window misses the profile's peak, else undefined. */
export function missedPeak(s: Scenario, plan: ArrivalPlan): string | undefined {
  const a = s.users.arrival;
  if (a.profile === 'flat' || s.duration <= s.warmup) return undefined;
  // Every minute of the window, its ends, and every spike start inside it (a spike may be shorter than a minute).
  const points = [s.duration - 1];
  for (let t = s.warmup; t < s.duration; t += STEP_MS) points.push(t);
  if (a.profile === 'spikes') for (const x of a.spikes) if (x.at >= s.warmup && x.at < s.duration) points.push(x.at);
  const windowMax = Math.max(...points.map((t) => plan.multiplierAt(t)));
  if (windowMax >= PEAK_SHARE * plan.maxMultiplier) return undefined;
  const share = `its arrival rate reaches ${Math.round((windowMax / plan.maxMultiplier) * 100)} % of the peak's, so the figures below hold for that window, not the peak`;
  if (a.profile === 'diurnal') {
    const clock = (t: number) => {
      const minutes = Math.round(((((a.startHour * HOUR_MS + t) / 60_000) % 1440) + 1440) % 1440);
      return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
    };
    // The whole start hour that centres the window on the peak most nearly.
    const start = (((Math.round(a.peakHour - (s.warmup + (s.duration - s.warmup) / 2) / HOUR_MS) % 24) + 24) % 24);
    return (
      `The window (${clock(s.warmup)}–${clock(s.duration)} of the diurnal profile) misses its peak at ${clock(a.peakHour * HOUR_MS - a.startHour * HOUR_MS)}: ${share}; ` +
      `include the peak with --set users.arrival.startHour=${start} (or --duration 24h).`
    );
  }
  const peak = a.spikes.reduce((b, x) => (x.multiplier > b.multiplier ? x : b));
  const fix = peak.at >= s.duration ? `--duration ${formatDuration(peak.at + peak.for)}` : `--set warmup=${formatDuration(peak.at)}`;
  return `The window (${formatDuration(s.warmup)}–${formatDuration(s.duration)}) misses the profile's peak (×${peak.multiplier} from ${formatDuration(peak.at)}): ${share}; include the peak with ${fix}.`;
}
