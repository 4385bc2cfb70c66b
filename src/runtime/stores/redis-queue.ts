/**
 * `TaskQueue` on Redis Streams, shared by every runtime instance: one stream per class with one
 * consumer group, so a task claimed by a worker that dies stays in the group's pending list until
 * another worker reclaims it (XPENDING + XCLAIM). Each operation is one Lua script, hence atomic
 * (`reclaim`: one per page of a class's pending list, each page atomic).
 *
 * Keys (one hash tag, so a script may touch them all, also on Redis Cluster):
 *   {hr:<prefix>:q}:s:<class>  stream per class; entry fields id, p (JSON payload), e (enqueued), d (deadline)
 *   {hr:<prefix>:q}:depth      hash class → waiting (not yet delivered) entries, kept by the scripts
 *   {hr:<prefix>:q}:idx        hash task id → "<class>\n<entry id>", so any instance can ack by task id
 *   {hr:<prefix>:q}:swrr       hash class → weighted round robin credit, shared so weights hold fleet-wide
 *   {hr:<prefix>:q}:dlq        stream of dead letters; {…}:stats hash of counters; {…}:seq id counter
 *
 * Times: enqueue times and deadlines use the caller's `nowMs` (as in memory). Idle time for `reclaim`
 * is Redis' own (ms since the entry was last delivered), so `reclaim`'s `nowMs` is not used. The
 * weighted state lives in Redis rather than per process: the brief allowed local state, but shared
 * state gives the configured shares across all instances and the exact sequence MemoryTaskQueue gives.
 */
import type { Cluster, Redis } from 'ioredis';
import type { DeadLetter, PushResult, QueueConfig, QueueDepth, QueueStats, Task, TaskQueue } from '../../core/queue/types.js';
import { queueClassOrder, RECLAIM_LIMIT } from '../../core/queue/types.js';
import { StoreCalls } from './store-calls.js';

const PUSH = `
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
if ARGV[7] == '0' or total >= tonumber(ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], 'rejected', 1)
  return {0, total}
end
local id = ARGV[6]
if id == '' then id = tostring(redis.call('INCR', KEYS[4])) end
local eid = redis.call('XADD', KEYS[5], '*', 'id', id, 'p', ARGV[3], 'e', ARGV[4], 'd', ARGV[5])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[3], id, ARGV[1] .. '\\n' .. eid)
redis.call('HINCRBY', KEYS[2], 'pushed', 1)
return {1, id}`;

// KEYS: depth, stats, idx, swrr, dlq, streams… (class order); ARGV: group, consumer, now, s|w, names…, weights…
const CLAIM = `
local group, consumer, now, weighted = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == 'w'
local n = #KEYS - 5
local names, weights = {}, {}
for i = 1, n do names[i] = ARGV[4 + i]; weights[i] = tonumber(ARGV[4 + n + i]) end
while true do
  local depths = redis.call('HMGET', KEYS[1], unpack(names))
  local best = nil
  if weighted then
    local cur = redis.call('HMGET', KEYS[4], unpack(names))
    local total = 0
    for i = 1, n do
      if tonumber(depths[i] or '0') > 0 then
        cur[i] = tonumber(cur[i] or '0') + weights[i]
        total = total + weights[i]
        if best == nil or cur[i] > cur[best] then best = i end
      end
    end
    if best ~= nil then
      cur[best] = cur[best] - total
      for i = 1, n do
        if tonumber(depths[i] or '0') > 0 then redis.call('HSET', KEYS[4], names[i], string.format('%.17g', cur[i])) end
      end
    end
  else
    for i = 1, n do
      if tonumber(depths[i] or '0') > 0 then best = i; break end
    end
  end
  if best == nil then return false end
  local s = KEYS[5 + best]
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', s, '>')
  if not r then
    redis.call('HSET', KEYS[1], names[best], 0) -- counter drifted (stream trimmed by hand): resync
  else
    redis.call('HINCRBY', KEYS[1], names[best], -1)
    local eid, f = r[1][2][1][1], r[1][2][1][2]
    if now > tonumber(f[8]) then
      redis.call('XACK', s, group, eid)
      redis.call('XDEL', s, eid)
      redis.call('HDEL', KEYS[3], f[2])
      redis.call('XADD', KEYS[5], '*', 'c', names[best], 'id', f[2], 'p', f[4], 'e', f[6], 'd', f[8], 'at', ARGV[3])
      redis.call('HINCRBY', KEYS[2], 'deadLettered', 1)
    else
      redis.call('HINCRBY', KEYS[2], 'claimed', 1)
      return {names[best], f[2], f[4], f[6], f[8]}
    end
  end
end`;

/** Where task ARGV[2] is (its class and stream entry id, from the index hash KEYS[1]); returns 0 if it is not there. */
const LOCATE = `
local loc = redis.call('HGET', KEYS[1], ARGV[2])
if not loc then return 0 end
local nl = string.find(loc, '\\n', 1, true)
local cls, eid = string.sub(loc, 1, nl - 1), string.sub(loc, nl + 1)
`;

// KEYS: idx, streams…; ARGV: group, id, names…
const ACK = `${LOCATE}for i = 3, #ARGV do
  if ARGV[i] == cls then
    if redis.call('XACK', KEYS[i - 1], ARGV[1], eid) == 0 then return 0 end -- still waiting: not claimable by ack
    redis.call('XDEL', KEYS[i - 1], eid)
    redis.call('HDEL', KEYS[1], ARGV[2])
    return 1
  end
end
return 0`;

// KEYS: idx, depth, stats, dlq, streams…; ARGV: group, id, now, names…
// Waiting = in idx (not yet acked or dead-lettered) and not in the group's pending list (not yet
// delivered). XDEL takes the entry out of the stream, so no XREADGROUP will deliver it.
const EXPIRE = `${LOCATE}for i = 4, #ARGV do
  if ARGV[i] == cls then
    local s = KEYS[i + 1]
    if #redis.call('XPENDING', s, ARGV[1], eid, eid, 1) > 0 then return 0 end -- claimed: not waiting
    local e = redis.call('XRANGE', s, eid, eid)
    if #e == 0 then return 0 end
    local f = e[1][2]
    redis.call('XDEL', s, eid)
    redis.call('HDEL', KEYS[1], ARGV[2])
    redis.call('HINCRBY', KEYS[2], cls, -1)
    redis.call('XADD', KEYS[4], '*', 'c', cls, 'id', f[2], 'p', f[4], 'e', f[6], 'd', f[8], 'at', ARGV[3])
    redis.call('HINCRBY', KEYS[3], 'deadLettered', 1)
    return 1
  end
end
return 0`;

// KEYS: idx, streams…; ARGV: group, id, consumer, names…
// XCLAIM with min-idle 0 to the consumer that holds the entry sets its idle time to 0 (JUSTID: no
// delivery counted); an entry pending with another consumer (reclaimed meanwhile) is left alone.
const TOUCH = `${LOCATE}for i = 4, #ARGV do
  if ARGV[i] == cls then
    local p = redis.call('XPENDING', KEYS[i - 2], ARGV[1], eid, eid, 1)
    if #p == 0 or p[1][2] ~= ARGV[3] then return 0 end
    redis.call('XCLAIM', KEYS[i - 2], ARGV[1], ARGV[3], 0, eid, 'JUSTID')
    return 1
  end
end
return 0`;

// KEYS: one stream; ARGV: group, consumer, minIdle, page size, from (cursor), class, want (most to take).
// One page of the class's idle pending entries from the cursor: the caller's own are skipped (a page full of
// them must not hide other consumers' tasks), the others claimed, up to `want`. Returns the next cursor
// ('' at the end of the pending list) and the tasks. One page per call, so no call holds Redis long; the
// client follows the cursor (RedisTaskQueue.reclaim).
const RECLAIM = `
local page_size, want = tonumber(ARGV[4]), tonumber(ARGV[7])
local page = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], ARGV[5], '+', page_size)
local ids, last, seen = {}, nil, 0
for _, p in ipairs(page) do
  if #ids >= want then break end
  seen = seen + 1
  last = p[1]
  if p[2] ~= ARGV[2] then ids[#ids + 1] = p[1] end
end
local out = {}
if #ids > 0 then
  for _, e in ipairs(redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))) do
    if type(e) == 'table' then
      local f = e[2]
      out[#out + 1] = {ARGV[6], f[2], f[4], f[6], f[8]}
    end
  end
end
local nxt = ''
if seen < #page or #page == page_size then nxt = '(' .. last end
return {nxt, out}`;

const DRAIN = `
local r = redis.call('XRANGE', KEYS[1], '-', '+')
redis.call('DEL', KEYS[1])
return r`;

type Client = Redis | Cluster;
type Script = (...args: (string | number)[]) => Promise<unknown>;
/** [class, id, payload JSON, enqueuedAtMs, deadlineAtMs] as the scripts return a task. */
type Row = [string, string, string, string, string];

export interface RedisTaskQueueOptions {
  /** Namespaces the keys: `{hr:<prefix>:q}:…`. Instances sharing a queue use the same prefix and config. */
  prefix: string;
  config: QueueConfig;
  /** Consumer group name (default `workers`). */
  group?: string;
  /**
   * Pending entries one reclaim script looks at (default 1000): `reclaim` follows the pending list page by page
   * up to its limit, so a large backlog comes back in one call without one script holding Redis for long.
   */
  reclaimBatch?: number;
  /** A call without an answer in this many ms fails as Redis unavailable (default 1000; 0: no bound). */
  timeoutMs?: number;
}

/**
 * Redis implementation of `TaskQueue` (semantics in core/queue/types.ts). Payloads are stored as
 * JSON, so `T` must survive `JSON.stringify`/`JSON.parse`. Consumer groups are created on first use.
 */
export class RedisTaskQueue<T> implements TaskQueue<T> {
  private readonly classes;
  private readonly names: string[];
  private readonly streams: string[];
  private readonly k: Record<'depth' | 'stats' | 'idx' | 'swrr' | 'dlq' | 'seq', string>;
  private readonly group: string;
  private readonly batch: number;
  private ready: Promise<void> | undefined;

  private readonly calls: StoreCalls;

  constructor(
    private readonly redis: Client,
    private readonly opts: RedisTaskQueueOptions,
  ) {
    this.classes = queueClassOrder(opts.config);
    const tag = `{hr:${opts.prefix}:q}`;
    this.names = this.classes.map((c) => c.name);
    this.streams = this.names.map((n) => `${tag}:s:${n}`);
    this.k = { depth: `${tag}:depth`, stats: `${tag}:stats`, idx: `${tag}:idx`, swrr: `${tag}:swrr`, dlq: `${tag}:dlq`, seq: `${tag}:seq` };
    this.group = opts.group ?? 'workers';
    this.batch = Math.max(1, Math.floor(opts.reclaimBatch ?? 1000));
    this.calls = new StoreCalls('task queue', opts.timeoutMs);
    // defineCommand is idempotent per name; ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT.
    for (const [name, lua] of Object.entries({ hrqPush: PUSH, hrqClaim: CLAIM, hrqAck: ACK, hrqExpire: EXPIRE, hrqReclaim: RECLAIM, hrqTouch: TOUCH, hrqDrain: DRAIN })) {
      redis.defineCommand(name, { lua });
    }
  }

  /** All keys of this queue (for tests and for tearing a queue down). */
  keys(): string[] {
    return [...this.streams, ...Object.values(this.k)];
  }

  async push(cls: string, payload: T, nowMs: number, id?: string): Promise<PushResult> {
    await this.init();
    const c = this.classes.find((x) => x.name === cls);
    const stream = c ? this.streams[this.classes.indexOf(c)]! : this.streams[0]!; // unknown class: any key of the slot
    const [ok, v] = (await this.run('hrqPush', [this.k.depth, this.k.stats, this.k.idx, this.k.seq, stream],
      [cls, this.opts.config.depth, JSON.stringify(payload) ?? '', nowMs, nowMs + (c?.deadlineMs ?? 0), id ?? '', c ? '1' : '0'])) as [number, number | string];
    if (ok === 1) return { accepted: true, id: String(v) };
    return { accepted: false, reason: c ? 'full' : 'unknown-class', depth: Number(v) };
  }

  async claim(consumer: string, nowMs: number): Promise<Task<T> | undefined> {
    await this.init();
    const row = (await this.run('hrqClaim', [this.k.depth, this.k.stats, this.k.idx, this.k.swrr, this.k.dlq, ...this.streams],
      [this.group, consumer, nowMs, this.opts.config.discipline === 'weighted' ? 'w' : 's', ...this.names, ...this.classes.map((c) => c.weight)])) as Row | null;
    return row ? toTask<T>(row) : undefined;
  }

  async ack(_consumer: string, id: string): Promise<void> {
    await this.init();
    await this.run('hrqAck', [this.k.idx, ...this.streams], [this.group, id, ...this.names]);
  }

  async expire(id: string, nowMs: number): Promise<boolean> {
    await this.init();
    return (await this.run('hrqExpire', [this.k.idx, this.k.depth, this.k.stats, this.k.dlq, ...this.streams], [this.group, id, nowMs, ...this.names])) === 1;
  }

  async reclaim(consumer: string, minIdleMs: number, _nowMs: number, limit = RECLAIM_LIMIT): Promise<Task<T>[]> {
    await this.init();
    const minIdle = Math.max(0, Math.floor(minIdleMs));
    const out: Task<T>[] = [];
    // Class by class in service order, each followed page by page to the end of its pending list: one page
    // per round trip, and never more than `limit` in all (the page cursor never revisits what it has seen).
    for (let i = 0; i < this.streams.length && out.length < limit; i++) {
      for (let from = '-'; from !== '' && out.length < limit; ) {
        const [next, rows] = (await this.run('hrqReclaim', [this.streams[i]!], [this.group, consumer, minIdle, this.batch, from, this.names[i]!, limit - out.length])) as [string, Row[]];
        for (const r of rows) out.push(toTask<T>(r));
        from = next;
      }
    }
    return out;
  }

  async touch(consumer: string, id: string, _nowMs: number): Promise<boolean> {
    await this.init();
    return (await this.run('hrqTouch', [this.k.idx, ...this.streams], [this.group, id, consumer, ...this.names])) === 1;
  }

  /**
   * Whether task `id` is still in the queue: waiting or pending (accepted, neither acked nor dead-lettered).
   * Not part of `TaskQueue`: the task service asks it to tell a finished task whose status could not be
   * recorded from one that still runs, which only a shared store can fail to record.
   */
  async holds(id: string): Promise<boolean> {
    return (await this.calls.call('holds', this.redis.hexists(this.k.idx, id))) === 1;
  }

  async depth(): Promise<QueueDepth> {
    const vals = await this.calls.call('depth', this.redis.hmget(this.k.depth, ...this.names));
    const byClass: Record<string, number> = {};
    let total = 0;
    this.names.forEach((n, i) => {
      byClass[n] = Number(vals[i] ?? 0);
      total += byClass[n];
    });
    return { total, byClass };
  }

  async drainDeadLetters(): Promise<DeadLetter<T>[]> {
    const entries = (await this.run('hrqDrain', [this.k.dlq], [])) as [string, string[]][];
    return entries.map(([, flat]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
      return { task: toTask<T>([f.c!, f.id!, f.p!, f.e!, f.d!]), reason: 'deadline' as const, atMs: Number(f.at) };
    });
  }

  async stats(): Promise<QueueStats> {
    const [pushed, rejected, claimed, deadLettered] = (await this.calls.call('stats', this.redis.hmget(this.k.stats, 'pushed', 'rejected', 'claimed', 'deadLettered'))).map((v) => Number(v ?? 0));
    return { pushed: pushed!, rejected: rejected!, claimed: claimed!, deadLettered: deadLettered! };
  }

  /** Creates the consumer groups once per instance; BUSYGROUP means another instance already did. */
  private init(): Promise<void> {
    this.ready ??= Promise.all(
      this.streams.map((s) =>
        this.calls.call('init', this.redis.xgroup('CREATE', s, this.group, '0', 'MKSTREAM')).catch((e: Error) => {
          if (!e.message.includes('BUSYGROUP')) throw e;
        }),
      ),
    ).then(() => undefined, (e: unknown) => {
      this.ready = undefined; // let the next call retry (e.g. Redis was briefly down)
      throw e;
    });
    return this.ready;
  }

  private run(name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<string, Script>)[name]!;
    return this.calls.call(name, fn.call(this.redis, keys.length, ...keys, ...args.map(String)));
  }
}

function toTask<T>([cls, id, p, e, d]: Row): Task<T> {
  return { id, cls, payload: (p === '' ? undefined : JSON.parse(p)) as T, enqueuedAtMs: Number(e), deadlineAtMs: Number(d) };
}
