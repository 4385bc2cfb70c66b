/**
 * Analytic oracles: closed-form queueing results the simulator must reproduce where their assumptions
 * hold (DESIGN.md "Layout": sim/ holds the analytic oracles). They are the reference side of the
 * correctness tests in test/unit/sim, and small enough to read against a textbook:
 *
 * - Erlang C (M/M/c): the probability that an arrival waits, and the mean wait in queue
 *   Wq = C(c, a) / (cμ − λ), with a = λ/μ the offered load in Erlangs.
 * - Little's law: L = λW, for any stable system in steady state.
 * - The exact FCFS multi-server queue on a given sample path (Kiefer–Wolfowitz): no formula, but no
 *   noise either — fed the very arrival and service times a simulation used, it must reproduce every
 *   customer's wait to rounding, which tests the simulator's queueing without any statistics.
 *
 * Everything is in consistent units chosen by the caller (rates per second and times in seconds, or
 * per ms and ms). The one link to the simulator is `mmcScenarioYaml`, the scenario whose simulation
 * the M/M/c formulas describe.
 */
import { littlesLawError } from '../core/metrics/derive.js';

/**
 * Erlang B blocking probability B(c, a) for `servers` = c and offered load `a` = λ/μ (Erlangs), by the
 * stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)). The direct formula a^c/c! / Σ a^k/k!
 * overflows once c! or a^c passes 10³⁰⁸ (c = 171 at the latest); the recursion stays in [0, 1].
 *
 * @example erlangB(1, 1) // 0.5
 */
export function erlangB(servers: number, offeredLoad: number): number {
  checkServers(servers);
  if (!(offeredLoad >= 0) || !Number.isFinite(offeredLoad)) throw new RangeError(`offered load must be a finite number ≥ 0, got ${offeredLoad}`);
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (offeredLoad * b) / (k + offeredLoad * b);
  return b;
}

/**
 * Erlang C: the probability that an arrival to an M/M/c queue has to wait (all c servers busy), for
 * offered load `a` = λ/μ Erlangs. Derived from Erlang B: C = c·B / (c − a·(1 − B)). Defined only for
 * a stable queue, a < c (utilisation ρ = a/c < 1); throws otherwise.
 *
 * @example erlangC(3, 2) // 4/9: three servers at two Erlangs
 */
export function erlangC(servers: number, offeredLoad: number): number {
  checkStable(servers, offeredLoad);
  const b = erlangB(servers, offeredLoad);
  return (servers * b) / (servers - offeredLoad * (1 - b));
}

/** The steady-state figures of an M/M/c queue. Times are in the reciprocal unit of the rates. */
export interface MmcFigures {
  /** Utilisation ρ = λ / (cμ). */
  utilisation: number;
  /** Probability of waiting, C(c, λ/μ). */
  waitProbability: number;
  /** Mean wait in queue Wq = C / (cμ − λ). */
  meanWait: number;
  /** Mean number waiting Lq = λ·Wq. */
  meanQueueLength: number;
  /** Mean time in system W = Wq + 1/μ. */
  meanSojourn: number;
  /** Mean number in system L = λ·W. */
  meanInSystem: number;
}

/**
 * The M/M/c queue (Poisson arrivals at rate λ, c servers, exponential service at rate μ each, FIFO,
 * infinite waiting room) in steady state, by Erlang C.
 *
 * @example
 * // M/M/1 at 80 %: Wq = ρ/(μ − λ) = 0.8 / 0.2 = 4 service times.
 * mmc({ servers: 1, arrivalRate: 0.8, serviceRate: 1 }).meanWait // 4
 */
export function mmc(q: { servers: number; arrivalRate: number; serviceRate: number }): MmcFigures {
  const { servers: c, arrivalRate: lambda, serviceRate: mu } = q;
  if (!(mu > 0) || !Number.isFinite(mu)) throw new RangeError(`service rate must be a finite number > 0, got ${mu}`);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`arrival rate must be a finite number ≥ 0, got ${lambda}`);
  const a = lambda / mu;
  const waitProbability = erlangC(c, a);
  const meanWait = waitProbability / (c * mu - lambda);
  const meanSojourn = meanWait + 1 / mu;
  return { utilisation: a / c, waitProbability, meanWait, meanQueueLength: lambda * meanWait, meanSojourn, meanInSystem: lambda * meanSojourn };
}

/**
 * Relative deviation from Little's law, |L − λW| / max(L, λW) (0 when both are 0; 1 when only one is,
 * which |L − λW| / L hid as 0 when L = 0), as reports compute it (core/metrics/derive.ts). `arrivalRate`
 * and `meanSojourn` must be in reciprocal units (per second and seconds, or per ms and ms).
 */
export function littleDeviation(meanInSystem: number, arrivalRate: number, meanSojourn: number): number {
  return littlesLawError(meanInSystem, arrivalRate, meanSojourn * 1000);
}

/**
 * A first-come-first-served queue with `servers` identical servers and unbounded waiting room, driven
 * by given arrival and service times (the Kiefer–Wolfowitz recursion): customer n starts service at
 * max(arrival, earliest time a server comes free). Customers must arrive in time order. Memory is O(c),
 * so it can run a long sample path as a stream.
 *
 * @example
 * const q = new FcfsQueue(1);
 * q.arrive(0, 5);   // 0: served at once
 * q.arrive(1, 5);   // 4: waits for the first customer to finish at 5
 */
export class FcfsQueue {
  /** When each server comes free, as a binary min-heap. */
  private readonly freeAt: Float64Array;
  private lastArrival = -Infinity;

  constructor(readonly servers: number) {
    checkServers(servers);
    this.freeAt = new Float64Array(servers);
  }

  /** A customer arrives at `atTime` needing `serviceTime`; returns its wait in queue. */
  arrive(atTime: number, serviceTime: number): number {
    if (atTime < this.lastArrival) throw new RangeError(`arrivals must come in time order: ${atTime} after ${this.lastArrival}`);
    this.lastArrival = atTime;
    const h = this.freeAt;
    const start = h[0]! > atTime ? h[0]! : atTime;
    // Replace the root (the server this customer takes) with its new free time and sift it down.
    const end = start + serviceTime;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]! < h[l]! ? r : l;
      if (h[c]! >= end) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = end;
    return start - atTime;
  }
}

/** {@link FcfsQueue} over whole arrays: the wait of each customer (arrivals in time order). */
export function fcfsWaits(arrivalTimes: ArrayLike<number>, serviceTimes: ArrayLike<number>, servers: number): Float64Array {
  if (arrivalTimes.length !== serviceTimes.length) throw new RangeError(`${arrivalTimes.length} arrival times but ${serviceTimes.length} service times`);
  const q = new FcfsQueue(servers);
  const waits = new Float64Array(arrivalTimes.length);
  for (let i = 0; i < waits.length; i++) waits[i] = q.arrive(arrivalTimes[i]!, serviceTimes[i]!);
  return waits;
}

/** The M/M/c queue a scenario must describe for {@link mmc} to predict its simulation. */
export interface MmcScenarioSpec {
  servers: number;
  /** ρ = λ / (cμ), in (0, 1). */
  utilisation: number;
  /** Mean service time 1/μ (ms). */
  serviceMs: number;
  /** Measurement window after the warm-up (ms). */
  windowMs: number;
  warmupMs: number;
  seed: number;
}

/**
 * The scenario (YAML) that makes the simulator an M/M/c queue, so {@link mmc} predicts it: sessions of
 * one turn with one LLM call arrive as a Poisson stream at λ = ρ·c/S (`users.arrivalRate`; the
 * Little's-law sizing from `dailyActive` is then unused); the service time is the provider's time to
 * first token, exponential with mean S, plus one output token at 1M tokens/s (1 µs, a 10⁻⁵ share of a
 * 100 ms service: negligible, and the price of `output` being at least one token); `c` workers of one
 * slot; no rate limits, cache, breaker, retries or faults; a queue deep and patient enough that nobody
 * is turned away (timeout 2,000 mean service times, at most a day: P(wait > t) = C·e^−(cμ−λ)t, so for
 * ρ ≤ 0.95 the chance of a dead letter is below e⁻¹⁰⁰).
 * One-day report steps keep per-step bookkeeping out of long runs.
 */
export function mmcScenarioYaml(q: MmcScenarioSpec): string {
  const { servers: c, utilisation: rho, serviceMs: s } = q;
  checkServers(c);
  if (!(rho > 0 && rho < 1)) throw new RangeError(`utilisation must be in (0, 1), got ${rho}`);
  const perS = (rho * c * 1000) / s;
  const ms = (x: number) => `${Math.round(x)}ms`;
  return `
name: mmc-c${c}-rho${rho}
seed: ${q.seed}
duration: ${ms(q.warmupMs + q.windowMs)}
warmup: ${ms(q.warmupMs)}
users: { dailyActive: 1, concurrencyRatio: 100%, arrivalRate: ${perS.toFixed(9)}/s }
conversation:
  turns: 1
  callsPerTurn: 1
  thinkTime: 0
  toolLatency: 0
  tokens: { systemPrompt: 0, userMessage: 1, output: 1 }
  context: { policy: full }
prompts: { repeatShare: 0 }
models:
  m:
    id: claude-sonnet-4-5
    latency: { ttft: { dist: exponential, mean: ${ms(s)} }, outputRate: 1M/s }
    timeout: 1d
workers: { count: ${c}, concurrency: 1, mode: pooled }
queue: { depth: 10M, timeout: ${ms(Math.min(2000 * s, 86_400_000))} }
cache: false
breaker: false
retry: { maxAttempts: 1 }
report: { step: 1d }
`;
}

function checkServers(c: number): void {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`servers must be a whole number ≥ 1, got ${c}`);
}

function checkStable(c: number, a: number): void {
  checkServers(c);
  if (!(a >= 0) || !(a < c)) throw new RangeError(`an M/M/c queue is stable only for offered load 0 ≤ a < c; got a = ${a} with c = ${c}`);
}
