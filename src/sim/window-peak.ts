/**
 * Whether the measurement window misses the arrival profile's peak. Every figure of a run (workers,
 * latency, limits) is sized by the rate its window saw, so a window in a diurnal profile's trough
 * sizes for the night: det.yaml over 2 h from midnight said 4 workers, from 13:00 (holding the 14:00
 * peak) 13. The answer then says so and how to include the peak.
 *
 * What a window sees is the load, not the arrival rate of an instant: the conversations in flight at
 * t arrived over the mean conversation before t. So both the window's highest point and the profile's
 * peak are taken on the multiplier averaged over the preceding mean conversation. A ×3 spike that
 * starts a minute before a 1 h window ends (support-agent.yaml, 2.84 m conversations) lifts the load
 * to 1.70×, not 3×: the check on the instant's rate said the window held the peak, and the answer sized
 * 3 workers where a window holding the spike says 6.
 */
import type { Scenario } from '../scenario/schema.js';
import { formatDuration } from '../scenario/units.js';
import type { ArrivalPlan } from '../workload/arrivals.js';

/**
 * "Clearly below" the peak: the window's highest load under 95 % of the profile's peak load. Workers
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
  const lagMs = plan.meanSessionMs;
  const loadAt = (t: number) => (lagMs > 0 ? plan.meanMultiplier(t - lagMs, t) : plan.multiplierAt(t));
  // The load is piecewise linear between a spike's edges and those edges + lagMs, so its highest
  // points are among them and the window's ends; a diurnal load is smooth, and a minute's grid will do.
  const knots: number[] = [];
  if (a.profile === 'spikes') for (const x of a.spikes) knots.push(x.at, x.at + x.for, x.at + lagMs, x.at + x.for + lagMs);
  const points = [s.warmup, s.duration, ...knots.filter((t) => t > s.warmup && t < s.duration)];
  if (a.profile === 'diurnal') for (let t = s.warmup + STEP_MS; t < s.duration; t += STEP_MS) points.push(t);
  const windowMax = Math.max(...points.map(loadAt));
  // The profile's peak load: a diurnal one half a conversation after its peak hour.
  const peakLoad =
    a.profile === 'diurnal' ? loadAt((a.peakHour - a.startHour) * HOUR_MS + lagMs / 2) : Math.max(...knots.map(loadAt));
  if (windowMax >= PEAK_SHARE * peakLoad) return undefined;
  const share = `its load (arrivals over the preceding mean conversation) reaches ${Math.round((windowMax / peakLoad) * 100)} % of the peak's, so the figures below hold for that window, not the peak`;
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
  // The spike whose load peaks highest; its load peaks once it has lasted a mean conversation (or ended).
  const peakOf = (x: (typeof a.spikes)[number]) => loadAt(x.at + Math.min(x.for, lagMs));
  const peak = a.spikes.reduce((b, x) => (peakOf(x) > peakOf(b) ? x : b));
  const fix = peak.at + Math.min(peak.for, lagMs) >= s.duration ? `--duration ${formatDuration(peak.at + peak.for)}` : `--set warmup=${formatDuration(peak.at)}`;
  return `The window (${formatDuration(s.warmup)}–${formatDuration(s.duration)}) misses the profile's peak (×${peak.multiplier} from ${formatDuration(peak.at)}): ${share}; include the peak with ${fix}.`;
}
