/**
 * In-process limiter: synchronous, O(1), allocation-free when granting. Used by the simulator (virtual time)
 * and by a single runtime instance that needs no shared state.
 *
 * Performance shape (goal ≥ 5M acquire/s, bench/limiter.ts): one Map lookup by model name (V8 caches string
 * hashes, so this is cheap), then the shared buckets hang directly off the model record; only named tenants
 * cost a second Map lookup. A (model, tenant) keeps its three levels as plain numeric fields of one object
 * with a single timestamp (the buckets always refill together), and unlimited dimensions are encoded as
 * rate 0 / level Infinity so the hot path has no per-kind branches. A grant returns a frozen constant.
 */
import type { LimitCost } from '../types.js';
import type { Binding, BucketLevel, Limiter, LimiterConfig, LimiterDecision, LimiterReservation } from './types.js';
import { BINDINGS } from './types.js';
import { UNITS_PER_TOKEN as U, assertCost, compileConfig, refilled, toTick, waitMs } from './token-bucket.js';
import { ModelMap } from '../model-map.js';

const GRANTED: LimiterDecision = Object.freeze({ granted: true });
const GO_NOW: LimiterReservation = Object.freeze({ waitMs: 0 });

/** Static per-model data: for each kind, refill rate (units/ms = capacity in tokens) and full level in units. */
class ModelEntry {
  readonly limited: readonly boolean[];
  readonly rate: readonly number[];
  readonly full: readonly number[];
  readonly unlimited: boolean;
  shared: BucketSet | undefined = undefined;
  readonly tenants = new Map<string, BucketSet>();

  constructor(readonly model: string, capacities: Partial<Record<Binding, number>>) {
    this.limited = BINDINGS.map((k) => capacities[k] !== undefined);
    this.rate = BINDINGS.map((k) => capacities[k] ?? 0);
    this.full = BINDINGS.map((k) => (capacities[k] === undefined ? Infinity : capacities[k] * U));
    this.unlimited = !this.limited.some(Boolean);
  }
}

/**
 * The three levels (units) of one (model, tenant) and when they were last brought up to date.
 * Performance: the fields are declared with a number. A field declared bare is defined as undefined
 * first (ES class fields), which makes V8 store it as a tagged value, so every double written to it
 * allocates a heap number; started as a number it is stored as a double and updated in place.
 */
class BucketSet {
  l0 = 0;
  l1 = 0;
  l2 = 0;
  atMs = 0;
  /** Admissions are booked (reserve) up to this time; a request at an earlier time waits for them. */
  bookedMs = -Infinity;

  constructor(m: ModelEntry, atMs: number) {
    this.l0 = m.full[0]!;
    this.l1 = m.full[1]!;
    this.l2 = m.full[2]!;
    this.atMs = atMs;
  }
}

/**
 * {@link Limiter} over in-memory token buckets. Every method answers synchronously.
 *
 * @example
 * const limiter = new MemoryLimiter({ models: { sonnet: { rpm: 4000, itpm: 2e6, otpm: 4e5 } }, margin: 0.9 });
 * limiter.acquire('sonnet', { requests: 1, inputTokens: 900, outputTokens: 1024 }, sched.now());
 */
export class MemoryLimiter implements Limiter {
  private readonly models = new ModelMap<ModelEntry>();

  constructor(config: LimiterConfig) {
    for (const [model, spec] of compileConfig(config)) {
      const caps: Partial<Record<Binding, number>> = {};
      for (const b of spec.buckets) caps[b.kind] = b.capacity;
      this.models.set(model, new ModelEntry(model, caps));
    }
  }

  acquire(model: string, cost: LimitCost, nowMs: number, tenant?: string): LimiterDecision {
    const h = this.holdBack(model, cost, nowMs, tenant);
    if (h === undefined) return GRANTED;
    if (h.exceeds) return { granted: false, retryAfterMs: Infinity, binding: h.binding, reason: 'exceeds-capacity' };
    return { granted: false, retryAfterMs: h.waitMs, binding: h.binding };
  }

  reserve(model: string, cost: LimitCost, nowMs: number, tenant?: string): LimiterReservation {
    const h = this.holdBack(model, cost, nowMs, tenant);
    if (h === undefined) return GO_NOW;
    if (h.exceeds) return { waitMs: Infinity, binding: h.binding, reason: 'exceeds-capacity' };
    // Book the admission: the buckets as they will be when this request goes (after everything in line
    // before it, and once they hold its cost), debited then. Later requests start from there.
    const b = h.buckets;
    refill(h.model, b, h.ownMs);
    b.atMs += h.ownMs;
    b.bookedMs = b.atMs;
    b.l0 -= cost.requests * U;
    b.l1 -= cost.inputTokens * U;
    b.l2 -= cost.outputTokens * U;
    return { waitMs: h.waitMs, binding: h.binding };
  }

  /**
   * The common part of acquire and reserve: undefined when the request goes now (every bucket debited,
   * or the model is unlimited); else what holds it back (slow path, one object).
   */
  private holdBack(model: string, cost: LimitCost, nowMs: number, tenant: string | undefined): HoldBack | undefined {
    const m = this.entry(model);
    if (m.unlimited) return undefined;
    const t = toTick(nowMs);
    const b = this.bucketsAt(m, tenant, t);
    return takeNow(b, t, cost) ? undefined : holdBack(m, b, t, cost);
  }

  settle(model: string, reserved: LimitCost, actual: LimitCost, nowMs: number, tenant?: string): void {
    const m = this.entry(model);
    if (m.unlimited) return;
    assertCost(reserved.requests, reserved.inputTokens, reserved.outputTokens);
    assertCost(actual.requests, actual.inputTokens, actual.outputTokens);
    const b = this.bucketsAt(m, tenant, toTick(nowMs));
    // A refund never lifts a bucket above capacity; a debit may take it below zero (the debt delays later grants).
    b.l0 = Math.min(m.full[0]!, b.l0 - (actual.requests - reserved.requests) * U);
    b.l1 = Math.min(m.full[1]!, b.l1 - (actual.inputTokens - reserved.inputTokens) * U);
    b.l2 = Math.min(m.full[2]!, b.l2 - (actual.outputTokens - reserved.outputTokens) * U);
  }

  levels(model: string, nowMs: number, tenant?: string): Partial<Record<Binding, BucketLevel>> {
    const m = this.entry(model);
    const out: Partial<Record<Binding, BucketLevel>> = {};
    if (m.unlimited) return out;
    const b = this.bucketsAt(m, tenant, toTick(nowMs));
    const ls = [b.l0, b.l1, b.l2];
    BINDINGS.forEach((kind, i) => {
      if (m.limited[i]) out[kind] = { level: ls[i]! / U, capacity: m.rate[i]! };
    });
    return out;
  }

  private entry(model: string): ModelEntry {
    const m = this.models.get(model);
    if (m === undefined) throw new Error(`limiter: unknown model "${model}" (configured: ${[...this.models.keys()].join(', ') || 'none'})`);
    return m;
  }

  /** The buckets of (model, tenant) refilled up to tick `t`; created full on first use. */
  private bucketsAt(m: ModelEntry, tenant: string | undefined, t: number): BucketSet {
    let b: BucketSet | undefined;
    if (tenant === undefined || tenant === '') b = m.shared ??= new BucketSet(m, t);
    else {
      b = m.tenants.get(tenant);
      if (b === undefined) m.tenants.set(tenant, (b = new BucketSet(m, t)));
    }
    const dt = t - b.atMs;
    if (dt > 0) {
      // Never move the timestamp backwards: an out-of-order caller must not be credited the same refill
      // twice, and admissions booked ahead (reserve) stay booked.
      b.atMs = t;
      refill(m, b, dt);
    }
    return b;
  }
}

/**
 * ms that admissions booked after `t` hold a request back: it waits for them (to `b.atMs`, the time
 * the buckets are as of). A timestamp behind the buckets' without bookings (a clock stepped back)
 * waits for nothing: the buckets serve it as they are, with no refill credited.
 */
function ahead(b: BucketSet, t: number): number {
  return b.bookedMs > t ? b.atMs - t : 0;
}

/** The fast path of acquire and reserve: debits every bucket and answers true when nothing is in line and all hold the cost. */
function takeNow(b: BucketSet, t: number, cost: LimitCost): boolean {
  const c0 = cost.requests * U;
  const c1 = cost.inputTokens * U;
  const c2 = cost.outputTokens * U;
  assertCost(c0, c1, c2);
  if (ahead(b, t) > 0 || b.l0 < c0 || b.l1 < c1 || b.l2 < c2) return false;
  b.l0 -= c0;
  b.l1 -= c1;
  b.l2 -= c2;
  return true;
}

/** Refills the three buckets by `dt` ms (capped at full); the caller moves the timestamp. */
function refill(m: ModelEntry, b: BucketSet, dt: number): void {
  b.l0 = refilled(b.l0, dt, m.rate[0]!, m.full[0]!);
  b.l1 = refilled(b.l1, dt, m.rate[1]!, m.full[1]!);
  b.l2 = refilled(b.l2, dt, m.rate[2]!, m.full[2]!);
}

/** Why a request cannot go now. */
interface HoldBack {
  /** The cost can never fit a bucket (waiting cannot help). */
  exceeds: boolean;
  /** From now until it can go: the line booked ahead of it plus its own shortfall (Infinity if `exceeds`). */
  waitMs: number;
  /** Its own shortfall: ms from the buckets' time (`atMs`) until they hold its cost. */
  ownMs: number;
  /** The bucket needing the longest wait; when none is short (only the line holds it), the one with the least headroom. */
  binding: Binding;
  model: ModelEntry;
  buckets: BucketSet;
}

/**
 * Slow path: exceeds-capacity if some cost can never fit; else the whole ms until every bucket holds its
 * cost (the longest exact wait over the short buckets) and the binding bucket. Ties go to the first in
 * BINDINGS order.
 */
function holdBack(m: ModelEntry, b: BucketSet, t: number, cost: LimitCost): HoldBack {
  const costs = [cost.requests * U, cost.inputTokens * U, cost.outputTokens * U];
  for (let i = 0; i < 3; i++) {
    if (costs[i]! > m.full[i]!) return { exceeds: true, waitMs: Infinity, ownMs: Infinity, binding: BINDINGS[i]!, model: m, buckets: b };
  }
  const levels = [b.l0, b.l1, b.l2];
  let ms = 0;
  let binding: Binding | undefined;
  let tightest: Binding = 'rpm';
  let tightestNeed = -Infinity;
  for (let i = 0; i < 3; i++) {
    if (!m.limited[i]) continue;
    const need = costs[i]! - levels[i]!;
    if (need / m.rate[i]! > tightestNeed) {
      tightestNeed = need / m.rate[i]!;
      tightest = BINDINGS[i]!;
    }
    if (need <= 0) continue;
    const wait = waitMs(need, m.rate[i]!);
    if (wait > ms) {
      ms = wait;
      binding = BINDINGS[i]!;
    }
  }
  return { exceeds: false, waitMs: ahead(b, t) + ms, ownMs: ms, binding: binding ?? tightest, model: m, buckets: b };
}
