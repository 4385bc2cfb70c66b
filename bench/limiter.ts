/**
 * Limiter throughput: the memory limiter (what the simulator calls once per provider call) and the Redis
 * limiter from one process (what one runtime instance can push through the shared buckets).
 *
 *   npx tsx bench/limiter.ts [--seconds 2] [--redis redis://127.0.0.1:6379] [--in-flight 256] [--no-redis] [--check]
 *
 * Goals: memory ≥ 5,000,000 acquire/s (shared buckets, every call granted: the hot path); Redis ≥ 30,000
 * acquire/s with 256 calls in flight on one auto-pipelining connection, limits high enough that all grant.
 * The tenant and denial lines show the slower paths (a second Map lookup; a decision object per denial).
 * Output lines are stable (`<what>: <n> ops/s`); `--check` sets exit code 99 when a goal is missed.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { MemoryLimiter } from '../src/core/limiter/index.js';
import type { LimiterConfig } from '../src/core/limiter/index.js';
import type { LimitCost } from '../src/core/types.js';
import { RedisLimiter } from '../src/runtime/stores/redis-limiter.js';

const GOAL_MEMORY_OPS = 5_000_000;
const GOAL_REDIS_OPS = 30_000;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'in-flight': { type: 'string', default: '256' },
    'no-redis': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
// Limits far above what the loop can consume, so the timed paths are the ones named.
const roomy: LimiterConfig = { models: { m: { rpm: 1e8, itpm: 1e10, otpm: 1e9 } }, margin: 0.9 };
const cost: LimitCost = { requests: 1, inputTokens: 1200, outputTokens: 400 };

/** Runs `batch` (which does `n` acquisitions on a virtual clock) until `seconds` pass; returns ops/s. */
function timeMemory(batch: (startMs: number, n: number) => number): number {
  const n = 1 << 20;
  batch(0, n); // warm-up: let V8 optimise before timing
  let ops = 0;
  let virtualMs = 1e6;
  let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    sink += batch(virtualMs, n);
    virtualMs += n;
    ops += n;
  }
  if (sink < 0) console.log(sink); // keeps the results observable so the loop is not optimised away
  return ops / ((performance.now() - t0) / 1000);
}

function memoryLines(): [string, number][] {
  const shared = new MemoryLimiter(roomy);
  const sharedOps = timeMemory((start, n) => {
    let granted = 0;
    for (let i = 0; i < n; i++) if (shared.acquire('m', cost, start + (i >>> 6)).granted) granted++;
    return granted;
  });
  const tenants = Array.from({ length: 100 }, (_, i) => `tenant-${i}`);
  const multi = new MemoryLimiter(roomy);
  const tenantOps = timeMemory((start, n) => {
    let granted = 0;
    for (let i = 0; i < n; i++) if (multi.acquire('m', cost, start + (i >>> 6), tenants[i % 100]).granted) granted++;
    return granted;
  });
  const tight = new MemoryLimiter({ models: { m: { rpm: 600 } }, margin: 1 }); // 10 grants/s: nearly all denied
  const deniedOps = timeMemory((start, n) => {
    let granted = 0;
    for (let i = 0; i < n; i++) if (tight.acquire('m', cost, start + (i >>> 10)).granted) granted++;
    return granted;
  });
  return [
    ['memory limiter acquire', sharedOps],
    ['memory limiter acquire (100 tenants)', tenantOps],
    ['memory limiter acquire (mostly denied)', deniedOps],
  ];
}

async function redisLine(inFlight: number): Promise<[string, number]> {
  const redis = new Redis(args.redis, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  const prefix = `bench-${randomUUID()}`;
  const limiter = new RedisLimiter(redis, roomy, { prefix, onStoreDown: 'closed' });
  try {
    await limiter.acquire('m', cost, 0); // loads the script (EVALSHA falls back to EVAL once)
    let ops = 0;
    let denied = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          if (!(await limiter.acquire('m', cost, 0)).granted) denied++;
          ops++;
        }
      }),
    );
    const rate = ops / ((performance.now() - t0) / 1000);
    if (denied > 0) console.log(`warning: ${denied} Redis acquisitions were denied; the bench limits are too low`);
    return [`redis limiter acquire (${inFlight} in flight)`, rate];
  } finally {
    const keys = await redis.keys(`{hr:${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

const lines = memoryLines();
if (!args['no-redis']) lines.push(await redisLine(Number(args['in-flight'])));
for (const [what, rate] of lines) console.log(`${what}: ${fmt(rate)} ops/s`);
const memoryOk = lines[0]![1] >= GOAL_MEMORY_OPS;
const redisOk = args['no-redis'] || lines[3]![1] >= GOAL_REDIS_OPS;
console.log(`goal memory: ${memoryOk ? 'pass' : 'MISS'} (≥ ${fmt(GOAL_MEMORY_OPS)} ops/s)`);
if (!args['no-redis']) console.log(`goal redis: ${redisOk ? 'pass' : 'MISS'} (≥ ${fmt(GOAL_REDIS_OPS)} ops/s)`);
if (args.check && !(memoryOk && redisOk)) process.exitCode = 99;
