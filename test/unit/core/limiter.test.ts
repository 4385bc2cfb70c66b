/**
 * Memory limiter: the shared conformance cases on a virtual clock, edge cases of the clock, and randomised
 * properties over thousands of seeded runs (src/scenario/rng.ts, so every failure replays from its seed):
 *
 * 1. Decisions equal an independent BigInt reference model of the buckets, call for call.
 * 2. Rate: over any window [a, b] of ticks, what a bucket admitted is at most capacity + refill over b − a
 *    (this implies the "any 60 s window ≤ capacity + one minute of refill" bound, checked too).
 * 3. Exact retries: a single client denied with retryAfterMs r is still denied at r − 1 and granted at r.
 * 4. Places in line (reserve): booked admissions match the reference, obey the rate at the times they go,
 *    and wait exactly what acquire would have answered.
 */
import { describe, expect, it } from 'vitest';
import { BINDINGS, MemoryLimiter, bucketCapacity, waitMs } from '../../../src/core/limiter/index.js';
import type { Binding, LimiterConfig, LimiterDecision, LimiterReservation, ModelLimits } from '../../../src/core/limiter/index.js';
import type { LimitCost } from '../../../src/core/types.js';
import { Rng } from '../../../src/scenario/rng.js';
import { limiterConformance } from '../../conformance/limiter.case.js';

limiterConformance('memory', async (config) => {
  let t = 1_000_000;
  return { limiter: new MemoryLimiter(config), now: () => t, advance: (ms) => void (t += ms), cleanup: async () => {} };
});

const U = 60_000n;
const costs = (c: LimitCost) => [c.requests, c.inputTokens, c.outputTokens].map(BigInt);

/** Reference buckets of one (model, tenant), in exact integers: written apart from the implementation on purpose. */
class Reference {
  private level: (bigint | null)[];
  private at: bigint | null = null;
  /** Admissions are booked up to here (reserve); none: null. */
  private booked: bigint | null = null;
  constructor(private readonly caps: (bigint | null)[]) {
    this.level = caps.map((c) => (c === null ? null : c * U));
  }
  private refill(t: bigint) {
    if (this.at !== null && t > this.at) {
      const dt = t - this.at;
      this.level = this.level.map((l, i) => (l === null ? null : l + dt * this.caps[i]! < this.caps[i]! * U ? l + dt * this.caps[i]! : this.caps[i]! * U));
    }
    if (this.at === null || t > this.at) this.at = t;
  }
  /**
   * The state as of max(t, at): `at` may lie ahead of t when admissions were booked (reserve); a request
   * before the booked time waits for them (`ahead`) and for its own shortfall (`wait`). `binding` is left undefined when only
   * the line holds it back (the implementation names its tightest bucket; not modelled here).
   */
  private decide(cost: LimitCost, t: bigint): { exceeds?: Binding; ahead: bigint; wait: bigint; binding: Binding | undefined; c: bigint[] } {
    this.refill(t);
    const c = costs(cost).map((x) => x * U);
    for (let i = 0; i < 3; i++) {
      const cap = this.caps[i];
      if (cap != null && c[i]! > cap * U) return { exceeds: BINDINGS[i]!, ahead: 0n, wait: 0n, binding: BINDINGS[i]!, c };
    }
    let wait = 0n;
    let binding: Binding | undefined;
    this.level.forEach((l, i) => {
      if (l === null || l >= c[i]!) return;
      const k = (c[i]! - l + this.caps[i]! - 1n) / this.caps[i]!;
      if (k > wait) [wait, binding] = [k, BINDINGS[i]!];
    });
    return { ahead: this.booked !== null && this.booked > t ? this.at! - t : 0n, wait, binding, c };
  }
  acquire(cost: LimitCost, t: bigint): LimiterDecision {
    const d = this.decide(cost, t);
    if (d.exceeds) return { granted: false, retryAfterMs: Infinity, binding: d.exceeds, reason: 'exceeds-capacity' };
    if (d.ahead > 0n || d.wait > 0n) return { granted: false, retryAfterMs: Number(d.ahead + d.wait), binding: d.binding! };
    this.level = this.level.map((l, i) => (l === null ? null : l - d.c[i]!));
    return { granted: true };
  }
  /** acquire, except that a request that must wait books its admission: the buckets as they will be then, debited. */
  reserve(cost: LimitCost, t: bigint): LimiterReservation {
    const d = this.decide(cost, t);
    if (d.exceeds) return { waitMs: Infinity, binding: d.exceeds, reason: 'exceeds-capacity' };
    if (d.ahead === 0n && d.wait === 0n) {
      this.level = this.level.map((l, i) => (l === null ? null : l - d.c[i]!));
      return { waitMs: 0 };
    }
    this.refill(this.at! + d.wait);
    this.booked = this.at;
    this.level = this.level.map((l, i) => (l === null ? null : l - d.c[i]!));
    return { waitMs: Number(d.ahead + d.wait), binding: d.binding! };
  }
  settle(reserved: LimitCost, actual: LimitCost, t: bigint) {
    this.refill(t);
    const r = costs(reserved);
    const a = costs(actual);
    this.level = this.level.map((l, i) => {
      if (l === null) return null;
      const v = l - (a[i]! - r[i]!) * U;
      return v < this.caps[i]! * U ? v : this.caps[i]! * U;
    });
  }
}

/** Cheap equality for the hot loops (expect().toEqual costs more than the limiter itself). */
function same(got: LimiterDecision, want: LimiterDecision, where: string): void {
  const g = got as Partial<Record<string, unknown>>;
  const w = want as Partial<Record<string, unknown>>;
  if (g.granted !== w.granted || g.retryAfterMs !== w.retryAfterMs || (w.binding !== undefined && g.binding !== w.binding) || g.reason !== w.reason) {
    throw new Error(`${where}: limiter said ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`);
  }
}

function sameReservation(got: LimiterReservation, want: LimiterReservation, where: string): void {
  if (got.waitMs !== want.waitMs || (want.binding !== undefined && got.binding !== want.binding) || got.reason !== want.reason) {
    throw new Error(`${where}: limiter reserved ${JSON.stringify(got)}, reference ${JSON.stringify(want)}`);
  }
}

function randomConfig(rng: Rng): LimiterConfig {
  const limits: ModelLimits = {};
  if (rng.next() < 0.8) limits.rpm = 2 + rng.int(600);
  if (rng.next() < 0.7) limits.itpm = 200 + rng.int(200_000);
  if (rng.next() < 0.7) limits.otpm = 200 + rng.int(50_000);
  return { models: { m: limits }, margin: 0.5 + rng.next() * 0.5 };
}

/** A request sized against the buckets: mostly a few % of capacity, sometimes all of it, rarely more. */
function randomCost(rng: Rng, caps: (number | null)[]): LimitCost {
  const size = (cap: number | null) => {
    const c = cap ?? 10_000;
    const u = rng.next();
    return u < 0.01 ? c + 1 + rng.int(c) : u < 0.05 ? c : rng.int(Math.max(1, Math.ceil(c * 0.1)));
  };
  return { requests: rng.next() < 0.02 ? 0 : 1, inputTokens: size(caps[1]!), outputTokens: size(caps[2]!) };
}

/** Tokens that left a bucket between `fromTick` and `toTick`; `slack` is debt the limiter could not foresee. */
interface Admission { fromTick: number; toTick: number; amounts: number[]; slack: number[] }

/**
 * Property 2 for every bucket and every pair of admissions i ≤ j: what left the bucket is at most what it held
 * (capacity) plus what it refilled in between, plus an overrun settled after the last grant (debt still owed):
 *   Σ_{i..j} amount ≤ C + C·(to_j − from_i)/60,000 + slack_j.
 * Linear in n: scaled by 60,000 everything is an exact integer, and the left side splits into a term in j and
 * a running minimum over i. The brief's "any 60 s window ≤ 2C" form is checked with a sliding window.
 */
function assertRate(admitted: Admission[], caps: (number | null)[]) {
  caps.forEach((cap, k) => {
    if (cap === null) return;
    let prefix = 0; // Σ amounts before admission j, ×60,000
    let minStart = Infinity; // min over i ≤ j of (Σ before i − C·from_i)
    let lo = 0;
    let loPrefix = 0;
    for (const a of admitted) {
      minStart = Math.min(minStart, prefix - cap * a.fromTick);
      prefix += a.amounts[k]! * 60_000;
      const slack = a.slack[k]! * 60_000;
      if (prefix - cap * a.toTick - slack - minStart > cap * 60_000) throw new Error(`${BINDINGS[k]}: admitted above capacity + refill (capacity ${cap})`);
      while (admitted[lo]!.fromTick <= a.toTick - 60_000) loPrefix += admitted[lo++]!.amounts[k]! * 60_000;
      if (prefix - loPrefix > 2 * cap * 60_000 + slack) throw new Error(`${BINDINGS[k]}: admitted above 2 × capacity in a 60 s window`);
    }
  });
}

/** One client on a virtual clock: arrivals, exact retries, optional settlement with random actual usage. */
function runSingleClient(seed: number, settleUsage: boolean): number {
  const rng = new Rng('limiter-single', seed, settleUsage ? 1 : 0);
  const config = randomConfig(rng);
  const limiter = new MemoryLimiter(config);
  const limits = config.models.m!;
  const caps = BINDINGS.map((k) => (limits[k] === undefined ? null : bucketCapacity(limits[k]!, config.margin)));
  const ref = new Reference(caps.map((c) => (c === null ? null : BigInt(c))));
  const admitted: Admission[] = [];
  let t = rng.int(1e9) + rng.next(); // fractional times: the limiter floors them, the promises must still hold
  const meanGapMs = rng.next() * 2000;
  for (let n = 0; n < 150; n++) {
    t += rng.next() * 2 * meanGapMs;
    const cost = randomCost(rng, caps);
    let d = limiter.acquire('m', cost, t);
    same(d, ref.acquire(cost, BigInt(Math.floor(t))), `seed ${seed} request ${n}`);
    if (!d.granted && d.reason === 'exceeds-capacity') continue;
    if (!d.granted) {
      const probeAt = t + d.retryAfterMs - 1;
      const before = limiter.levels('m', probeAt);
      if (limiter.acquire('m', cost, probeAt).granted) throw new Error(`seed ${seed}: granted 1 ms before retryAfterMs`);
      const after = limiter.levels('m', probeAt);
      for (const k of BINDINGS) if (after[k]?.level !== before[k]?.level) throw new Error(`seed ${seed}: a denial debited ${k}`);
      t += d.retryAfterMs;
      same(ref.acquire(cost, BigInt(Math.floor(t))), { granted: true }, `seed ${seed} reference retry`);
      d = limiter.acquire('m', cost, t);
      same(d, { granted: true }, `seed ${seed} retry at retryAfterMs`);
    }
    const grantTick = Math.floor(t);
    const reserved = [cost.requests, cost.inputTokens, cost.outputTokens];
    if (!settleUsage) {
      admitted.push({ fromTick: grantTick, toTick: grantTick, amounts: reserved, slack: [0, 0, 0] });
      continue;
    }
    const actual: LimitCost = { ...cost, outputTokens: rng.int(2 * cost.outputTokens + 1) };
    t += rng.next() * 5000; // the call's latency
    limiter.settle('m', cost, actual, t);
    ref.settle(cost, actual, BigInt(Math.floor(t)));
    const used = [actual.requests, actual.inputTokens, actual.outputTokens];
    admitted.push({ fromTick: grantTick, toTick: Math.floor(t), amounts: used, slack: used.map((u, i) => Math.max(0, u - reserved[i]!)) });
  }
  assertRate(admitted, caps);
  return admitted.length;
}

/** Several clients and tenants contend on one clock: decisions still match the reference and the rate holds. */
function runContention(seed: number): void {
  const rng = new Rng('limiter-contention', seed);
  const config = randomConfig(rng);
  const limiter = new MemoryLimiter(config);
  const caps = BINDINGS.map((k) => (config.models.m![k] === undefined ? null : bucketCapacity(config.models.m![k]!, config.margin)));
  const tenants = [undefined, 'a', 'b'];
  const refs = tenants.map(() => new Reference(caps.map((c) => (c === null ? null : BigInt(c)))));
  const admitted: Admission[][] = tenants.map(() => []);
  const clients = Array.from({ length: 2 + rng.int(5) }, () => ({ at: rng.next() * 1000, tenant: rng.int(3), cost: randomCost(rng, caps) }));
  for (let n = 0; n < 300; n++) {
    const c = clients.reduce((a, b) => (b.at < a.at ? b : a));
    const d = limiter.acquire('m', c.cost, c.at, tenants[c.tenant]);
    same(d, refs[c.tenant]!.acquire(c.cost, BigInt(Math.floor(c.at))), `seed ${seed} call ${n}`);
    if (!d.granted && d.reason === undefined) c.at += d.retryAfterMs; // may lose the race to another client
    else {
      if (d.granted) {
        const tick = Math.floor(c.at);
        admitted[c.tenant]!.push({ fromTick: tick, toTick: tick, amounts: [c.cost.requests, c.cost.inputTokens, c.cost.outputTokens], slack: [0, 0, 0] });
      }
      c.at += rng.next() * 500;
      c.cost = randomCost(rng, caps);
    }
  }
  for (const a of admitted) assertRate(a, caps);
}

describe('memory limiter: clock edge cases', () => {
  const config = { models: { m: { rpm: 60 } }, margin: 1 };
  it('keeps retryAfterMs exact on a fractional clock', () => {
    const l = new MemoryLimiter(config);
    for (let i = 0; i < 60; i++) l.acquire('m', { requests: 1, inputTokens: 0, outputTokens: 0 }, 10.7);
    const d = l.acquire('m', { requests: 1, inputTokens: 0, outputTokens: 0 }, 10.7);
    expect(d).toEqual({ granted: false, retryAfterMs: 1000, binding: 'rpm' });
    expect(l.acquire('m', { requests: 1, inputTokens: 0, outputTokens: 0 }, 1009.7).granted).toBe(false);
    expect(l.acquire('m', { requests: 1, inputTokens: 0, outputTokens: 0 }, 1010.7).granted).toBe(true);
  });
  it('credits no refill for an out-of-order timestamp, and never twice', () => {
    const l = new MemoryLimiter(config);
    const one = { requests: 1, inputTokens: 0, outputTokens: 0 };
    for (let i = 0; i < 60; i++) l.acquire('m', one, 5000);
    expect(l.acquire('m', one, 4000)).toMatchObject({ granted: false, retryAfterMs: 1000 });
    expect(l.acquire('m', one, 6000).granted).toBe(true);
    expect(l.acquire('m', one, 6000).granted).toBe(false);
  });
  it('makes a timestamp before booked admissions wait for them, and only then', () => {
    const l = new MemoryLimiter(config); // 60 rpm: one request refilled per 1,000 ms
    const one = { requests: 1, inputTokens: 0, outputTokens: 0 };
    for (let i = 0; i < 60; i++) l.acquire('m', one, 5000);
    expect(l.reserve('m', one, 5000)).toEqual({ waitMs: 1000, binding: 'rpm' }); // booked at 6000
    // A caller whose clock says 4000 is behind the booking: it waits for it and for its own refill.
    expect(l.acquire('m', one, 4000)).toMatchObject({ granted: false, retryAfterMs: 3000 });
    expect(l.acquire('m', one, 6999).granted).toBe(false);
    expect(l.acquire('m', one, 7000)).toEqual({ granted: true });
  });
  it('rejects negative or NaN costs', () => {
    const l = new MemoryLimiter(config);
    expect(() => l.acquire('m', { requests: -1, inputTokens: 0, outputTokens: 0 }, 0)).toThrow(/non-negative/);
    expect(() => l.acquire('m', { requests: NaN, inputTokens: 0, outputTokens: 0 }, 0)).toThrow(/non-negative/);
  });
  it('computes the smallest whole-ms wait, exactly', () => {
    expect(waitMs(60_000, 60)).toBe(1000);
    expect(waitMs(60_001, 60)).toBe(1001);
    expect(waitMs(2 ** 52 + 1, 1)).toBe(2 ** 52 + 1);
    expect(bucketCapacity(100, 0.29)).toBe(29);
  });
});

/**
 * Places in line: clients on one clock reserve (most) or acquire (some). Every answer matches the reference
 * (which books admissions its own way, in BigInt); the admissions, at the times the requests go, never exceed
 * the rate; and each booked wait is the shortest: the same request asked with `acquire` instead would have
 * been told the same wait (checked on a twin limiter fed the same calls).
 */
function runReservations(seed: number): number {
  const rng = new Rng('limiter-reserve', seed);
  const config = randomConfig(rng);
  const limiter = new MemoryLimiter(config);
  const twin = new MemoryLimiter(config);
  const caps = BINDINGS.map((k) => (config.models.m![k] === undefined ? null : bucketCapacity(config.models.m![k]!, config.margin)));
  const ref = new Reference(caps.map((c) => (c === null ? null : BigInt(c))));
  const admitted: Admission[] = [];
  const clients = Array.from({ length: 1 + rng.int(6) }, () => ({ at: rng.next() * 1000, queues: rng.next() < 0.8, cost: randomCost(rng, caps) }));
  let now = 0;
  for (let n = 0; n < 300; n++) {
    const c = clients.reduce((a, b) => (b.at < a.at ? b : a));
    now = c.at;
    const tick = Math.floor(now);
    const amounts = [c.cost.requests, c.cost.inputTokens, c.cost.outputTokens];
    if (c.queues) {
      const asked = twin.acquire('m', c.cost, now);
      const r = limiter.reserve('m', c.cost, now);
      sameReservation(r, ref.reserve(c.cost, BigInt(tick)), `seed ${seed} reserve ${n}`);
      if (!asked.granted) twin.reserve('m', c.cost, now); // a grant already debited the twin
      const told = asked.granted ? 0 : asked.retryAfterMs;
      if (told !== r.waitMs) throw new Error(`seed ${seed} reserve ${n}: booked ${r.waitMs} ms, acquire would have said ${told}`);
      if (r.waitMs < Infinity) admitted.push({ fromTick: tick + r.waitMs, toTick: tick + r.waitMs, amounts, slack: [0, 0, 0] });
      c.at = now + (r.waitMs < Infinity ? r.waitMs : 0) + rng.next() * 500; // goes when its place comes up, then thinks
      c.cost = randomCost(rng, caps);
      continue;
    }
    const d = limiter.acquire('m', c.cost, now);
    twin.acquire('m', c.cost, now);
    same(d, ref.acquire(c.cost, BigInt(tick)), `seed ${seed} acquire ${n}`);
    if (!d.granted && d.reason === undefined) {
      c.at += d.retryAfterMs; // asks again then: the line may have grown meanwhile
      continue;
    }
    if (d.granted) admitted.push({ fromTick: tick, toTick: tick, amounts, slack: [0, 0, 0] });
    c.at += rng.next() * 500;
    c.cost = randomCost(rng, caps);
  }
  admitted.sort((a, b) => a.fromTick - b.fromTick);
  assertRate(admitted, caps);
  return admitted.length;
}

describe('memory limiter: randomised properties', () => {
  it('the rate oracle itself rejects an over-admission (C + 1 requests at one instant)', () => {
    const at = (tick: number) => ({ fromTick: tick, toTick: tick, amounts: [1, 0, 0], slack: [0, 0, 0] });
    expect(() => assertRate([at(0), at(0), at(0)], [3, null, null])).not.toThrow();
    expect(() => assertRate([at(0), at(0), at(0), at(0)], [3, null, null])).toThrow(/rpm/);
    expect(() => assertRate([at(0), at(0), at(0), at(20_000)], [3, null, null])).not.toThrow(); // one refilled
    expect(() => assertRate([at(0), at(0), at(0), at(19_999)], [3, null, null])).toThrow(/rpm/);
  });
  it('single client, reservations exact: matches the reference, never over the rate, retries granted exactly', () => {
    let admitted = 0;
    for (let seed = 0; seed < 1500; seed++) admitted += runSingleClient(seed, false);
    expect(admitted).toBeGreaterThan(1500 * 100);
  });
  it('single client with settlement (refunds and overruns): same properties, debt bounded by the last overrun', () => {
    for (let seed = 0; seed < 1500; seed++) runSingleClient(seed, true);
  });
  it('contending clients and tenants: matches the reference, never over the rate per tenant', () => {
    for (let seed = 0; seed < 1000; seed++) runContention(seed);
  });
  it('places in line (reserve among acquires): matches the reference, waits owed exactly, never over the rate', () => {
    let admitted = 0;
    for (let seed = 0; seed < 1000; seed++) admitted += runReservations(seed);
    expect(admitted).toBeGreaterThan(1000 * 250);
  });
});
