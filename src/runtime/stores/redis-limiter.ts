/**
 * The rate limiter shared by every runtime instance: the same token buckets as the memory limiter, held in
 * Redis and updated by one Lua script per call, so check-and-debit is atomic across instances and Redis
 * `TIME` is the one clock they all read (callers' `nowMs` is ignored).
 *
 * Keys: one hash `{hr:<prefix>:<model>:<tenant>}:buckets` per (model, tenant) holding all its buckets (layout
 * in redis-limiter.lua.ts), model and tenant URI-encoded so that no name can forge a separator or a hash tag.
 * The braces are a Redis Cluster hash tag, so anything else kept per (model, tenant) lands in the same slot.
 *
 * When Redis is unreachable or a call fails (or does not answer within `timeoutMs`), the `onStoreDown`
 * policy decides: 'open' admits the request and counts it (`storeDownGrants`) — the provider's own 429s are
 * then the last line of defence; 'closed' throws HEADROOM_ERR_REDIS_UNAVAILABLE. Errors raised by the script
 * itself are bugs, not outages, and are thrown in either mode.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Binding, BucketLevel, Limiter, LimiterConfig, LimiterDecision, LimiterReservation, ModelSpec } from '../../core/limiter/index.js';
import { UNITS_PER_TOKEN, assertCost, compileConfig, costOf } from '../../core/limiter/index.js';
import type { LimitCost } from '../../core/types.js';
import { ErrorCode, HeadroomError } from '../../errors.js';
import { ACQUIRE_LUA, ADJUST_LUA } from './redis-limiter.lua.js';
import { StoreCalls } from './store-calls.js';

/** Options of {@link RedisLimiter}. */
export interface RedisLimiterOptions {
  /** Namespace of this deployment's keys (e.g. an environment name); must not contain `{` or `}`. */
  prefix: string;
  /** What to do when Redis cannot answer: admit ('open') or throw ('closed'). */
  onStoreDown: 'open' | 'closed';
  /**
   * Give up on a call after this long (default 1000 ms; it fires within a quarter of it after the deadline).
   * 0 disables it, for clients that set their own `commandTimeout`.
   */
  timeoutMs?: number;
  /** Virtual ms per real ms when the runtime compresses time (default 1), so buckets refill on scenario time. */
  timeScale?: number;
}

const ACQUIRE_CMD = 'headroomLimiterAcquire';
const ADJUST_CMD = 'headroomLimiterAdjust';
const GRANTED: LimiterDecision = Object.freeze({ granted: true });
const GO_NOW: LimiterReservation = Object.freeze({ waitMs: 0 });
type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/**
 * {@link Limiter} over Redis. Construct once per client and share it; it registers its scripts on the client
 * with `defineCommand` (EVALSHA, falling back to EVAL after a script flush).
 *
 * @example
 * const limiter = new RedisLimiter(redis, { models, margin: 0.9 }, { prefix: 'prod', onStoreDown: 'open' });
 * const d = await limiter.acquire('sonnet', cost, 0, tenantId);
 */
export class RedisLimiter implements Limiter {
  private readonly specs: Map<string, ModelSpec>;
  private readonly keyCache = new Map<string, Map<string, string>>();
  private readonly calls: StoreCalls;
  private readonly timeScale: number;
  private downGrants = 0;
  private downSettles = 0;

  constructor(
    private readonly redis: Redis | Cluster,
    config: LimiterConfig,
    private readonly opts: RedisLimiterOptions,
  ) {
    if (/[{}]/.test(opts.prefix)) throw new Error(`redis limiter: prefix must not contain { or }, got "${opts.prefix}"`);
    this.specs = compileConfig(config);
    this.calls = new StoreCalls('Rate limiter store', opts.timeoutMs ?? 1000, DOWN_HINT);
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error(`redis limiter: timeScale must be positive, got ${this.timeScale}`);
    redis.defineCommand(ACQUIRE_CMD, { lua: ACQUIRE_LUA });
    redis.defineCommand(ADJUST_CMD, { lua: ADJUST_LUA });
  }

  /** Requests admitted without a check because Redis was down (policy 'open'). */
  get storeDownGrants(): number {
    return this.downGrants;
  }

  /** Settlements dropped because Redis was down (policy 'open'). */
  get storeDownSettles(): number {
    return this.downSettles;
  }

  async acquire(model: string, cost: LimitCost, _nowMs: number, tenant?: string): Promise<LimiterDecision> {
    const r = await this.run('acquire', model, cost, tenant);
    if (r === 'go') return GRANTED;
    if (r.reason === 'exceeds-capacity') return { granted: false, retryAfterMs: Infinity, binding: r.binding, reason: 'exceeds-capacity' };
    return { granted: false, retryAfterMs: r.ms, binding: r.binding };
  }

  async reserve(model: string, cost: LimitCost, _nowMs: number, tenant?: string): Promise<LimiterReservation> {
    const r = await this.run('reserve', model, cost, tenant);
    if (r === 'go') return GO_NOW;
    if (r.reason === 'exceeds-capacity') return { waitMs: Infinity, binding: r.binding, reason: 'exceeds-capacity' };
    return { waitMs: r.ms, binding: r.binding };
  }

  /** One acquire or reserve: 'go' (granted now, or admitted by the 'open' policy), or the wait and its bucket. */
  private async run(op: 'acquire' | 'reserve', model: string, cost: LimitCost, tenant: string | undefined): Promise<'go' | { ms: number; binding: Binding; reason?: 'exceeds-capacity' }> {
    const spec = this.spec(model);
    if (spec.buckets.length === 0) return 'go';
    assertCost(cost.requests, cost.inputTokens, cost.outputTokens);
    const args: (string | number)[] = [this.timeScale, op === 'reserve' ? 1 : 0];
    for (const b of spec.buckets) {
      const c = costOf(b.kind, cost);
      // Static check, no round trip: a cost above capacity can never be granted (nor reserved).
      if (c > b.capacity) return { ms: Infinity, binding: b.kind, reason: 'exceeds-capacity' };
      args.push(b.kind, b.capacity, c);
    }
    let reply: number[];
    try {
      reply = (await this.call(op, ACQUIRE_CMD, this.keyOf(spec, tenant), args)) as number[];
    } catch (err) {
      if (this.opts.onStoreDown === 'open' && isStoreDown(err)) {
        this.downGrants++;
        return 'go';
      }
      throw err;
    }
    if (reply[0] === 1) return 'go';
    return { ms: reply[1]!, binding: spec.buckets[reply[2]! - 1]!.kind };
  }

  async settle(model: string, reserved: LimitCost, actual: LimitCost, _nowMs: number, tenant?: string): Promise<void> {
    const spec = this.spec(model);
    if (spec.buckets.length === 0) return;
    assertCost(reserved.requests, reserved.inputTokens, reserved.outputTokens);
    assertCost(actual.requests, actual.inputTokens, actual.outputTokens);
    const args: (string | number)[] = [this.timeScale, 1];
    for (const b of spec.buckets) args.push(b.kind, b.capacity, costOf(b.kind, actual) - costOf(b.kind, reserved));
    try {
      await this.call('settle', ADJUST_CMD, this.keyOf(spec, tenant), args);
    } catch (err) {
      if (this.opts.onStoreDown === 'open' && isStoreDown(err)) {
        this.downSettles++;
        return;
      }
      throw err;
    }
  }

  /** Current levels on Redis' clock. Throws when Redis is down, whatever the policy: there is nothing to report. */
  async levels(model: string, _nowMs: number, tenant?: string): Promise<Partial<Record<Binding, BucketLevel>>> {
    const spec = this.spec(model);
    const out: Partial<Record<Binding, BucketLevel>> = {};
    if (spec.buckets.length === 0) return out;
    const args: (string | number)[] = [this.timeScale, 0];
    for (const b of spec.buckets) args.push(b.kind, b.capacity, 0);
    const reply = (await this.call('levels', ADJUST_CMD, this.keyOf(spec, tenant), args)) as string[];
    spec.buckets.forEach((b, i) => (out[b.kind] = { level: Number(reply[i]) / UNITS_PER_TOKEN, capacity: b.capacity }));
    return out;
  }

  /** Redis' clock in (scaled) ms, the time base of every decision this limiter makes. */
  async clockMs(): Promise<number> {
    const [sec, usec] = (await this.calls.call('clock', this.redis.time())) as [number | string, number | string];
    return Math.floor(((Number(sec) * 1e6 + Number(usec)) * this.timeScale) / 1000);
  }

  private spec(model: string): ModelSpec {
    const s = this.specs.get(model);
    if (s === undefined) throw new Error(`limiter: unknown model "${model}" (configured: ${[...this.specs.keys()].join(', ') || 'none'})`);
    return s;
  }

  /** The key of (model, tenant), built once: encoding and concatenation would otherwise run on every call. */
  private keyOf(spec: ModelSpec, tenant: string | undefined): string {
    let byTenant = this.keyCache.get(spec.model);
    if (byTenant === undefined) this.keyCache.set(spec.model, (byTenant = new Map()));
    const t = tenant ?? '';
    let key = byTenant.get(t);
    if (key === undefined) byTenant.set(t, (key = `{hr:${this.opts.prefix}:${encodeURIComponent(spec.model)}:${encodeURIComponent(t)}}:buckets`));
    return key;
  }

  /** One script call, bounded by `timeoutMs` (a stalled connection cannot hang a request) and failing as a HeadroomError. */
  private call(op: string, cmd: string, key: string, args: (string | number)[]): Promise<unknown> {
    const script = (this.redis as unknown as Record<string, Script>)[cmd]!;
    return this.calls.call(op, script.call(this.redis, 1, key, ...args));
  }
}

const DOWN_HINT = "Check that Redis is reachable from this instance, or start with onStoreDown 'open' to admit requests while it is down (the provider's 429s then limit you).";

/** Redis unreachable, silent or refusing writes — not a bug in our script: what `onStoreDown: 'open'` admits through. */
const isStoreDown = (err: unknown) => err instanceof HeadroomError && err.code === ErrorCode.redisUnavailable;


