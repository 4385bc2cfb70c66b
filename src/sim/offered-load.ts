/**
 * Offered slot demand: how many worker slots the window's users would keep busy if slots were never
 * short — the figure "workers needed" must rest on when the configured workers are too few.
 *
 * Why the sampled demand (busy + queued slots) does not do then: both parts are bounded by what was
 * configured. A saturated pool's queue holds about arrival rate × queue timeout turns, a backlog that
 * more workers would never see (pooled: 3 workers on 4× the support agent's traffic read as 31 needed,
 * 9 once configured); and users whose turn is refused give up, so their later turns — or, per
 * session, their whole conversation — drop out of the demand (6 workers read as 9 needed, 20 as 19).
 *
 * The estimate is capacity-free. Slot requests arrive at rate λ: pooled, the workload's planned turns
 * of the sessions that started in the window, less the turns answered from the cache (before any
 * slot); per session, the sessions themselves. Each grant holds its slot for S, measured on the grants
 * the run did serve (queue wait excluded; provider, tools, limiter and retries included). By Little's
 * law the mean busy is λ·E[S]; and since sessions arrive as a Poisson process and each holds at most
 * one slot at a time, the number holding one at an instant of an unconstrained (M/G/∞) system is
 * Poisson with that mean. A non-flat arrival profile scales the mean by the profile's multiplier,
 * averaged over the preceding mean session length (the sessions present then started in it); the p99
 * is that of the mixture over the window, like the p99 of per-second samples.
 *
 * Left out on purpose: a run that refuses turns also sends fewer calls to the provider, so a limit
 * that would bind with enough workers (and lengthen S) may not bind in it; the estimate is then low,
 * which is why the answer asks for a confirming rerun.
 *
 * When a provider limit caps throughput, S is no longer a property of the load: calls the limit holds
 * back wait in our limiter while holding their slot, so every slot added fills with waiting (100
 * workers read as 142 needed, 142 as 197, 200 as 269). The time each grant spent in the limiter is
 * therefore kept apart (`limiterWaitMs`), and the estimate can leave it out and scale the requests to
 * the share the limit serves: the slots that carry what the limit admits.
 */
import type { Scenario } from '../scenario/schema.js';
import type { ArrivalPlan } from '../workload/arrivals.js';

/** Counts the figures of the estimate while the simulation runs (measurement window only). */
export class OfferedLoad {
  /** Sessions that started in the window, and the turns the workload planned for them. */
  sessions = 0;
  plannedTurns = 0;
  /** Slot grants in the window, the time they held their slot, and the part of it spent in our limiter. */
  grants = 0;
  holdMs = 0;
  limiterWaitMs = 0;

  constructor(
    readonly warmupMs: number,
    readonly endMs: number,
  ) {}

  sessionStarted(startAtMs: number, plannedTurns: number): void {
    if (startAtMs < this.warmupMs || startAtMs >= this.endMs) return;
    this.sessions++;
    this.plannedTurns += plannedTurns;
  }

  /** A slot granted at `grantedAtMs` came free at `releasedAtMs`; its calls waited `limiterWaitMs` in our limiter meanwhile. */
  slotHeld(grantedAtMs: number, releasedAtMs: number, limiterWaitMs: number): void {
    if (grantedAtMs < this.warmupMs || grantedAtMs >= this.endMs) return;
    this.grants++;
    this.holdMs += releasedAtMs - grantedAtMs;
    this.limiterWaitMs += limiterWaitMs;
  }
}

export interface OfferedSlotDemand {
  /** Mean slots the offered load keeps busy over the window (λ·E[S]). */
  mean: number;
  /** 99th percentile of slots busy, unconstrained (Poisson mixture over the window). */
  p99: number;
}

/** How the estimate treats a provider limit that caps throughput (see the module comment). */
export interface LimitCap {
  /** Share of the offered requests the limit serves, in (0, 1]: the requests are scaled by it. */
  servedShare: number;
}

/**
 * The offered slot demand of a run, or undefined when the window granted no slot (nothing to
 * measure S on). `cacheHits`: turns of the window answered from the response cache. With `cap`, the
 * slots that carry what a capping limit admits: limiter wait left out of S, requests scaled to the
 * share served (`servedShare: 1` gives what serving everyone would take once the limit allows it).
 */
export function offeredSlotDemand(s: Scenario, plan: ArrivalPlan, o: OfferedLoad, cacheHits: number, cap?: LimitCap): OfferedSlotDemand | undefined {
  const windowMs = s.duration - s.warmup;
  if (o.grants === 0 || windowMs <= 0) return undefined;
  // A cached answer needs no slot in pooled mode; per session the slot is taken before the lookup.
  const offered = s.workers.mode === 'perSession' ? o.sessions : Math.max(0, o.plannedTurns - cacheHits);
  const requests = cap ? offered * cap.servedShare : offered;
  const holdMs = cap ? o.holdMs - o.limiterWaitMs : o.holdMs;
  const mean = (requests / windowMs) * (holdMs / o.grants);
  return { mean, p99: poissonMixtureQuantile(meansOverWindow(s, plan, mean), 0.99) };
}

/** Turns the window's sessions planned, per second of the window: the offered turn rate. */
export function offeredTurnsPerS(s: Scenario, o: OfferedLoad): number {
  const windowMs = s.duration - s.warmup;
  return windowMs > 0 ? o.plannedTurns / (windowMs / 1000) : 0;
}

/** Points at which the window is looked at, like the run's samples but coarser (enough for a profile). */
const POINT_MS = 10_000;
/** Sub-steps over which the multiplier is averaged per point. */
const LAG_STEPS = 30;

/** The offered mean at points across the window: `mean` shaped by the arrival profile (unchanged when flat). */
function meansOverWindow(s: Scenario, plan: ArrivalPlan, mean: number): number[] {
  const points: number[] = [];
  for (let t = s.warmup; t < s.duration; t += POINT_MS) points.push(t);
  if (s.users.arrival.profile === 'flat') return points.map(() => mean);
  const lagMs = plan.meanSessionMs;
  const lagged = points.map((t) => {
    let sum = 0;
    for (let i = 0; i < LAG_STEPS; i++) sum += plan.multiplierAt(Math.max(0, t - ((i + 0.5) / LAG_STEPS) * lagMs));
    return sum / LAG_STEPS;
  });
  // The measured λ is the window's average: scale so that the points average to `mean`.
  const avg = lagged.reduce((a, b) => a + b, 0) / lagged.length;
  return avg > 0 ? lagged.map((m) => (mean * m) / avg) : lagged.map(() => mean);
}

/** ln k! (exact sums up to 256, Stirling's series beyond: error < 1e-10). */
const LN_FACT: number[] = [0];
for (let k = 1; k < 256; k++) LN_FACT.push(LN_FACT[k - 1]! + Math.log(k));
function lnFactorial(k: number): number {
  return k < 256 ? LN_FACT[k]! : (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k);
}

/**
 * The smallest k with P(X ≤ k) ≥ q, X a Poisson with mean drawn uniformly from `means` (the mixture
 * over the window's points; one Poisson when they are all equal).
 */
export function poissonMixtureQuantile(means: readonly number[], q: number): number {
  if (means.length === 0) return 0;
  const weights = new Map<number, number>();
  for (const m of means) weights.set(m, (weights.get(m) ?? 0) + 1 / means.length);
  let top = 0;
  for (const m of weights.keys()) top = Math.max(top, Math.ceil(m + 12 * Math.sqrt(m) + 20));
  const pmf = new Float64Array(top + 1);
  for (const [m, w] of weights) {
    if (m <= 0) {
      pmf[0]! += w;
      continue;
    }
    const lo = Math.max(0, Math.floor(m - 12 * Math.sqrt(m) - 20));
    const hi = Math.min(top, Math.ceil(m + 12 * Math.sqrt(m) + 20));
    const lnM = Math.log(m);
    for (let k = lo; k <= hi; k++) pmf[k]! += w * Math.exp(k * lnM - m - lnFactorial(k));
  }
  let acc = 0;
  for (let k = 0; k <= top; k++) {
    acc += pmf[k]!;
    if (acc >= q) return k;
  }
  return top;
}
