/**
 * Circuit breaker per model: closed → open when the failure rate over a rolling window reaches the
 * threshold with enough volume; open → half-open after the cooldown; half-open admits at most `probes`
 * concurrent trial requests, `probes` successes close it and any probe failure re-opens it.
 *
 * Time is a parameter (`nowMs`, assumed non-decreasing; an earlier time is counted in the newest
 * bucket). The window is a ring of BUCKETS fixed time buckets with running totals, so every call is
 * O(1) and allocates nothing; the price is granularity: a result counts for between 0.9 and 1 window.
 */
import type { Scenario } from '../../scenario/schema.js';
import { ModelMap } from '../model-map.js';

/** The scenario's `breaker` section when the breaker is enabled. */
export type BreakerConfig = Exclude<Scenario['breaker'], false>;
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A state change, for reports ("sonnet open at 14:05:12: 12 of 20 requests failed"). */
export interface BreakerTransition {
  readonly model: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** When the change took effect (for open → half-open: when the cooldown ended, not when it was noticed). */
  readonly atMs: number;
  readonly reason: string;
}
export type BreakerListener = (t: BreakerTransition) => void;

/** Buckets per window: 10 keeps the window edge within 10 % while the ring stays in one cache line. */
export const BUCKETS = 10;

/** Ring slot of a bucket number; the double modulo keeps negative times (before the epoch) in range. */
const slotOf = (epoch: number) => ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
const pct = (x: number) => `${+(100 * x).toFixed(1)}%`;

/**
 * One model's breaker. Call `allow` before sending; then exactly one of `onSuccess` / `onFailure`
 * (a provider failure: 429 / 529 / 5xx / timeout / connection) or `release` (allowed but never sent).
 * Client errors (400…) say nothing about the provider's health: report them as successes.
 *
 * Results that arrive while open, or in half-open when no probe is outstanding, come from requests
 * sent before the breaker opened; they are stale and ignored rather than mistaken for probe answers.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private readonly bucketMs: number;
  private readonly okCounts = new Uint32Array(BUCKETS);
  private readonly failCounts = new Uint32Array(BUCKETS);
  /** Bucket number (floor(nowMs / bucketMs)) of the newest bucket; its slot is `headSlot`. */
  private headEpoch = -Infinity;
  private headSlot = 0;
  private requests = 0;
  private failures = 0;
  private openedAtMs = 0;
  private probesInFlight = 0;
  private probeSuccesses = 0;

  constructor(
    private readonly config: BreakerConfig,
    /** Name used in transitions. */
    readonly model = '',
    private readonly listener?: BreakerListener,
  ) {
    this.bucketMs = config.window / BUCKETS;
  }

  /** Whether a request may be sent now. In half-open a `true` takes one of the `probes` slots. */
  allow(nowMs: number): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open' && !this.cooledDown(nowMs)) return false;
    if (this.probesInFlight >= this.config.probes) return false;
    this.probesInFlight++;
    return true;
  }

  onSuccess(nowMs: number): void {
    if (this.current === 'closed') {
      this.okCounts[this.advance(nowMs)]!++;
      this.requests++;
    } else if (this.cooledDown(nowMs) && this.probesInFlight > 0) {
      this.probesInFlight--;
      if (++this.probeSuccesses >= this.config.probes) this.moveTo('closed', nowMs, `${this.probeSuccesses} probes succeeded`);
    }
  }

  onFailure(nowMs: number): void {
    if (this.current === 'closed') {
      this.failCounts[this.advance(nowMs)]!++;
      this.requests++;
      this.failures++;
      // Only a failure can raise the rate, so the threshold is checked here and nowhere else.
      // A quotient, not `failures >= rate * requests`: 0.3 * 10 is 3.0000000000000004 in binary.
      const rate = this.failures / this.requests;
      if (this.requests >= this.config.minRequests && rate >= this.config.failureRate) {
        this.trip(nowMs, `${this.failures} of ${this.requests} requests failed (${pct(rate)} ≥ ${pct(this.config.failureRate)}) in ${this.config.window} ms`);
      }
    } else if (this.cooledDown(nowMs) && this.probesInFlight > 0) {
      this.trip(nowMs, 'probe failed');
    }
  }

  /** Gives back a half-open probe slot taken by `allow` for a request that was never sent. */
  release(nowMs: number): void {
    if (this.cooledDown(nowMs) && this.current === 'half-open' && this.probesInFlight > 0) this.probesInFlight--;
  }

  state(nowMs: number): BreakerState {
    this.cooledDown(nowMs);
    return this.current;
  }

  /**
   * Moves open → half-open once the cooldown has passed (lazily: there are no timers in core).
   * Returns false only while open; callers use it as "is the state current and not open".
   */
  private cooledDown(nowMs: number): boolean {
    if (this.current !== 'open') return true;
    const endsAtMs = this.openedAtMs + this.config.cooldown;
    if (nowMs < endsAtMs) return false;
    this.probesInFlight = 0;
    this.probeSuccesses = 0;
    this.moveTo('half-open', endsAtMs, `cooldown of ${this.config.cooldown} ms elapsed`);
    return true;
  }

  private trip(nowMs: number, reason: string): void {
    this.openedAtMs = nowMs;
    this.moveTo('open', nowMs, reason);
  }

  private moveTo(to: BreakerState, atMs: number, reason: string): void {
    const from = this.current;
    this.current = to;
    // Each closed period judges the model afresh: failures from before the trip must not re-open it.
    if (to !== 'half-open') this.resetWindow();
    this.listener?.({ model: this.model, from, to, atMs, reason });
  }

  /** Rolls the window forward to `nowMs`, zeroing buckets that fell out; returns the slot to count in. */
  private advance(nowMs: number): number {
    const epoch = Math.floor(nowMs / this.bucketMs);
    if (epoch <= this.headEpoch) return this.headSlot;
    if (epoch - this.headEpoch >= BUCKETS) {
      this.resetWindow();
    } else {
      for (let e = this.headEpoch + 1; e <= epoch; e++) {
        const s = slotOf(e);
        this.requests -= this.okCounts[s]! + this.failCounts[s]!;
        this.failures -= this.failCounts[s]!;
        this.okCounts[s] = 0;
        this.failCounts[s] = 0;
      }
    }
    this.headEpoch = epoch;
    this.headSlot = slotOf(epoch);
    return this.headSlot;
  }

  private resetWindow(): void {
    this.okCounts.fill(0);
    this.failCounts.fill(0);
    this.requests = 0;
    this.failures = 0;
  }
}

/**
 * One breaker per model, created on first use. With `breaker: false` in the scenario every model is
 * always allowed and nothing is recorded, so the pipeline calls the same methods either way.
 */
export class BreakerSet {
  private readonly breakers = new ModelMap<CircuitBreaker>();

  constructor(
    private readonly config: Scenario['breaker'],
    private readonly listener?: BreakerListener,
  ) {}

  /** The breaker of `model`, or undefined when breaking is disabled. */
  get(model: string): CircuitBreaker | undefined {
    if (this.config === false) return undefined;
    let b = this.breakers.get(model);
    if (b === undefined) this.breakers.set(model, (b = new CircuitBreaker(this.config, model, this.listener)));
    return b;
  }

  allow(model: string, nowMs: number): boolean {
    return this.get(model)?.allow(nowMs) ?? true;
  }

  onSuccess(model: string, nowMs: number): void {
    this.get(model)?.onSuccess(nowMs);
  }

  onFailure(model: string, nowMs: number): void {
    this.get(model)?.onFailure(nowMs);
  }

  release(model: string, nowMs: number): void {
    this.get(model)?.release(nowMs);
  }

  state(model: string, nowMs: number): BreakerState {
    return this.get(model)?.state(nowMs) ?? 'closed';
  }
}
