/**
 * `ResponseCache` in Redis, shared by every runtime instance: a value set by one instance is a hit
 * on all others, and the counters are one hash that all instances increment.
 *
 * Keys (one hash tag, so the Lua scripts may touch them all, also on Redis Cluster):
 *   {hr:<prefix>:c}:v:<key>  the value as JSON, with `PX ttlMs` (Redis expires it, on Redis' clock)
 *   {hr:<prefix>:c}:lru      sorted set key → recency (a counter, not a time: no clock skew between instances)
 *   {hr:<prefix>:c}:size     hash key → sizeBytes
 *   {hr:<prefix>:c}:stats    hash hits, misses, expired, evictions, bytes; {…}:seq recency counter
 *
 * Bounds: `set` trims the least recent keys in the same script until `maxEntries` and `maxBytes`
 * hold, so the bounds are exact for what this cache wrote. They cannot see Redis' own `maxmemory`
 * eviction: in production give Redis a memory limit with `volatile-lru` as the backstop; a value it
 * drops looks like an expiry here. Keeping every key in one slot trades cluster-wide spreading for
 * atomic trimming; shard by prefix (several caches) if one node cannot hold the cache.
 *
 * Time: the TTL is Redis' `PX`, so `nowMs` is not used (Redis expires on its own clock); the
 * conformance suite sleeps for real against Redis where it advances a virtual clock for memory.
 */
import type { Cluster, Redis } from 'ioredis';
import type { CacheConfig, CacheStats, ResponseCache } from '../../core/cache/types.js';
import { checkSize } from '../../core/cache/types.js';
import { StoreCalls } from './store-calls.js';

// KEYS: value, lru, size, stats, seq; ARGV: key
const GET = `
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'hits', 1)
  return v
end
redis.call('HINCRBY', KEYS[4], 'misses', 1)
local size = redis.call('HGET', KEYS[3], ARGV[1])
if size then -- known but gone: Redis expired it
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(size))
  redis.call('HINCRBY', KEYS[4], 'expired', 1)
end
return false`;

// KEYS: value, lru, size, stats, seq; ARGV: key, json, size, ttlMs, maxEntries, maxBytes, value-key prefix
const SET = `
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old then redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(old)) end
local size, maxEntries, maxBytes = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
if size > maxBytes then
  if old then
    redis.call('DEL', KEYS[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[1])
  end
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[5]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
local bytes = redis.call('HINCRBY', KEYS[4], 'bytes', size)
local n = redis.call('ZCARD', KEYS[2])
local evicted = 0
while n > maxEntries or bytes > maxBytes do
  local k = redis.call('ZPOPMIN', KEYS[2])[1]
  redis.call('DEL', ARGV[7] .. k) -- same hash tag as KEYS[1], hence the same slot
  bytes = redis.call('HINCRBY', KEYS[4], 'bytes', -tonumber(redis.call('HGET', KEYS[3], k) or '0'))
  redis.call('HDEL', KEYS[3], k)
  n = n - 1
  evicted = evicted + 1
end
if evicted > 0 then redis.call('HINCRBY', KEYS[4], 'evictions', evicted) end
return evicted`;

type Client = Redis | Cluster;
type Script = (...args: (string | number)[]) => Promise<unknown>;

export interface RedisResponseCacheOptions {
  /** Namespaces the keys: `{hr:<prefix>:c}:…`. Instances sharing a cache use the same prefix and config. */
  prefix: string;
  config: CacheConfig;
  /** A call without an answer in this many ms fails as Redis unavailable (default 1000; 0: no bound). */
  timeoutMs?: number;
}

/**
 * Redis implementation of `ResponseCache` (semantics in core/cache/types.ts). Values are stored as
 * JSON, so `V` must survive `JSON.stringify`/`JSON.parse`.
 *
 * @example
 * const cache = new RedisResponseCache<Answer>(redis, { prefix: 'prod', config: scenarioCache });
 * const hit = await cache.get(cacheKey(model, prompt), Date.now());
 */
export class RedisResponseCache<V> implements ResponseCache<V> {
  private readonly tag: string;
  private readonly k: Record<'lru' | 'size' | 'stats' | 'seq', string>;
  private readonly calls: StoreCalls;

  constructor(
    private readonly redis: Client,
    private readonly opts: RedisResponseCacheOptions,
  ) {
    const { ttlMs, maxEntries, maxBytes } = opts.config;
    if (!(ttlMs >= 1) || !(maxEntries >= 1) || !(maxBytes >= 0)) {
      throw new RangeError(`cache: ttlMs ≥ 1, maxEntries ≥ 1 and maxBytes ≥ 0 required, got ${JSON.stringify(opts.config)}`);
    }
    this.tag = `{hr:${opts.prefix}:c}`;
    this.k = { lru: `${this.tag}:lru`, size: `${this.tag}:size`, stats: `${this.tag}:stats`, seq: `${this.tag}:seq` };
    this.calls = new StoreCalls('response cache', opts.timeoutMs);
    redis.defineCommand('hrcGet', { numberOfKeys: 5, lua: GET });
    redis.defineCommand('hrcSet', { numberOfKeys: 5, lua: SET });
  }

  async get(key: string, _nowMs: number): Promise<V | undefined> {
    const v = (await this.calls.call('get', this.script('hrcGet')(...this.keys(key), key))) as string | null;
    return v === null ? undefined : v === '' ? undefined : (JSON.parse(v) as V);
  }

  async set(key: string, value: V, sizeBytes: number, _nowMs: number): Promise<void> {
    checkSize(sizeBytes);
    const { ttlMs, maxEntries, maxBytes } = this.opts.config;
    await this.calls.call('set', this.script('hrcSet')(...this.keys(key), key, JSON.stringify(value) ?? '', sizeBytes, Math.ceil(ttlMs), maxEntries, maxBytes, `${this.tag}:v:`));
  }

  async stats(): Promise<CacheStats> {
    const [[, h], [, entries]] = (await this.calls.call('stats', this.redis.multi().hgetall(this.k.stats).zcard(this.k.lru).exec())) as [[null, Record<string, string>], [null, number]];
    const n = (f: string) => Number(h[f] ?? 0);
    return { hits: n('hits'), misses: n('misses'), expired: n('expired'), evictions: n('evictions'), entries, bytes: n('bytes') };
  }

  private keys(key: string): string[] {
    return [`${this.tag}:v:${key}`, this.k.lru, this.k.size, this.k.stats, this.k.seq];
  }

  private script(name: string): Script {
    const fn = (this.redis as unknown as Record<string, Script>)[name]!;
    return fn.bind(this.redis);
  }
}
