/**
 * The arrival process: a (non-homogeneous) Poisson process of session starts, sized by Little's law so
 * that the mean number of concurrent sessions at the normal level equals
 * `dailyActive × concurrencyRatio`:  λ = L / W, with W the expected session length.
 *
 * W is the *unloaded* session length: turns × (calls × (TTFT + output / rate) + tool time) + think
 * times, from the distribution means and the router's default model. Queueing makes real sessions
 * longer, which is exactly what the simulator then shows.
 *
 * Profiles scale the rate by a multiplier m(t): flat 1; diurnal a cosine between `troughRatio` and 1
 * peaking at `peakHour`; spikes 1 with windows of `multiplier`. Sampling is by thinning (Lewis–Shedler)
 * against the highest multiplier, from one seeded stream, so it is deterministic.
 */
import { distCdf, distMean, type Dist } from '../scenario/distributions.js';
import { Rng } from '../scenario/rng.js';
import type { Scenario } from '../scenario/schema.js';

export interface ArrivalPlan {
  /**
   * Mean concurrent sessions at multiplier 1: DAU × concurrency ratio, or, when `users.arrivalRate`
   * fixes the rate, that rate × the mean session length (Little's law again, the other way round).
   */
  targetConcurrency: number;
  /** Expected unloaded session length. */
  meanSessionMs: number;
  /** Session arrivals per second at multiplier 1. */
  baseRatePerS: number;
  /** Highest multiplier of the profile (the thinning envelope). */
  maxMultiplier: number;
  /** Rate multiplier at time t (ms from the start). */
  multiplierAt(tMs: number): number;
  /**
   * Mean of the multiplier over [fromMs, toMs), exactly: a spike shorter than any sampling step still
   * counts for its length (before 0 the profile reads as `multiplierAt` does: spikes 1, diurnal its clock).
   */
  meanMultiplier(fromMs: number, toMs: number): number;
}

/**
 * Expected value of a count as the workload draws it: `max(1, round(X))` (turns, calls per turn,
 * output tokens; see stream.ts). E[max(1, Y)] = E[Y] + P(Y = 0), and Y rounds to 0 exactly when
 * X < 0.5. E[round(X)] is taken as E[X]: exact for integer-valued laws and for uniform with whole
 * bounds (schema-enforced for counts), within rounding noise for the continuous ones.
 */
export function meanCountAtLeast1(d: Dist): number {
  return distMean(d) + distCdf(d, 0.5);
}

/** Expected unloaded duration of one LLM call of the router's default model(s). */
export function meanCallMs(s: Scenario): number {
  const split: Record<string, number> = typeof s.router.default === 'string' ? { [s.router.default]: 1 } : s.router.default;
  const total = Object.values(split).reduce((a, b) => a + b, 0);
  const meanOutput = meanCountAtLeast1(s.conversation.tokens.output);
  let ms = 0;
  for (const [name, w] of Object.entries(split)) {
    const m = s.models[name];
    if (!m) continue;
    ms += (w / total) * (distMean(m.latency.ttft) + (meanOutput / m.latency.outputRate) * 1000);
  }
  return ms;
}

export function meanSessionMs(s: Scenario): number {
  const c = s.conversation;
  // Counts are at least 1 per draw: a Poisson(1) call count is raised from 0 in 37 % of turns.
  const turns = meanCountAtLeast1(c.turns);
  const calls = meanCountAtLeast1(c.callsPerTurn);
  const turnMs = calls * meanCallMs(s) + Math.max(0, calls - 1) * distMean(c.toolLatency);
  return turns * turnMs + Math.max(0, turns - 1) * distMean(c.thinkTime);
}

export function planArrivals(s: Scenario): ArrivalPlan {
  const sessionMs = meanSessionMs(s);
  // A fixed arrival rate wins over DAU × ratio, so the concurrency the headline quotes must follow from
  // the rate actually used: L = λW with the same W that sizes the default rate.
  const fixedRate = s.users.arrivalRate;
  const targetConcurrency = fixedRate === undefined ? s.users.dailyActive * s.users.concurrencyRatio : fixedRate * (sessionMs / 1000);
  const baseRatePerS = fixedRate ?? (sessionMs > 0 ? targetConcurrency / (sessionMs / 1000) : 0);
  const a = s.users.arrival;
  let multiplierAt: (t: number) => number = FLAT;
  let meanMultiplier = (_from: number, _to: number): number => 1;
  let maxMultiplier = 1;
  if (a.profile === 'diurnal') {
    const { peakHour, troughRatio, startHour } = a;
    const w = (2 * Math.PI) / 24;
    multiplierAt = (t) => {
      const hour = startHour + t / HOUR_MS;
      return troughRatio + ((1 - troughRatio) * (1 + Math.cos(w * (hour - peakHour)))) / 2;
    };
    // ∫ m dh = tr·Δh + (1 − tr)/2 · (Δh + (sin ω(h₁ − peak) − sin ω(h₀ − peak)) / ω), h in hours.
    meanMultiplier = (from, to) => {
      if (!(to > from)) return multiplierAt(from);
      const h0 = startHour + from / HOUR_MS;
      const h1 = startHour + to / HOUR_MS;
      const dh = h1 - h0;
      return troughRatio + ((1 - troughRatio) / 2) * (1 + (Math.sin(w * (h1 - peakHour)) - Math.sin(w * (h0 - peakHour))) / w / dh);
    };
  } else if (a.profile === 'spikes') {
    const spikes = a.spikes;
    maxMultiplier = Math.max(1, ...spikes.map((x) => x.multiplier));
    multiplierAt = (t) => {
      let m = 1;
      for (const x of spikes) if (t >= x.at && t < x.at + x.for) m = Math.max(m, x.multiplier);
      return m;
    };
    // Piecewise constant between spike edges: the exact mean is a sum over those pieces (overlapping
    // spikes take their highest multiplier, as multiplierAt does).
    meanMultiplier = (from, to) => {
      if (!(to > from)) return multiplierAt(from);
      const edges = [from, to];
      for (const x of spikes) for (const e of [x.at, x.at + x.for]) if (e > from && e < to) edges.push(e);
      edges.sort((p, q) => p - q);
      let sum = 0;
      for (let i = 1; i < edges.length; i++) if (edges[i]! > edges[i - 1]!) sum += multiplierAt(edges[i - 1]!) * (edges[i]! - edges[i - 1]!);
      return sum / (to - from);
    };
  }
  return { targetConcurrency, meanSessionMs: sessionMs, baseRatePerS, maxMultiplier, multiplierAt, meanMultiplier };
}

const HOUR_MS = 3_600_000;

/** The multiplier of the flat profile; `arrivalTimes` skips thinning (and its draws) for it alone. */
const FLAT = (): number => 1;

/** Arrival times (ms) in [0, untilMs), lazily, for a seed. */
export function* arrivalTimes(plan: ArrivalPlan, seed: number, untilMs: number): Generator<number> {
  const envelopePerMs = (plan.baseRatePerS * plan.maxMultiplier) / 1000;
  if (!(envelopePerMs > 0)) return;
  const rng = new Rng(seed, 'arrivals');
  const meanGapMs = 1 / envelopePerMs;
  // Decided by identity, not by probing m(t) at a few points: a diurnal profile that starts at its
  // peak and runs 48 h has m = 1 at both 0 and untilMs / 2, and must still be thinned.
  const thinning = plan.maxMultiplier !== 1 || plan.multiplierAt !== FLAT;
  let t = 0;
  for (;;) {
    t += -meanGapMs * Math.log(rng.nextOpen());
    if (t >= untilMs) return;
    if (thinning) {
      const u = rng.next();
      if (u * plan.maxMultiplier > plan.multiplierAt(t)) continue;
    }
    yield t;
  }
}
