/**
 * Limiter throughput: the memory limiter (what the simulator calls once per provider call) and the Redis
 * limiter from one process (what one runtime instance can push through the shared buckets).
 *
 *   npx tsx bench/limiter.ts [--seconds 2] [--redis redis://127.0.0.1:6379] [--in-flight 256] [--no-redis] [--check]
 *
 * Goals: memory ≥ 5,000,000 acquire/s (shared buckets, every call granted: the hot path); Redis ≥ 30,000
 * acquire/s with 256 calls in flight on one auto-pipelining connection, limits high enough that all grant.
 * The tenant and denial lines show the slower paths (a second Map lookup; a decision object per denial).
 * Memory figures are the best of 4 rounds of `--seconds`/4 each after a warm-up round; Redis is one
 * window of `--seconds`. What each operation is: bench/lib/limiter.ts (also used by bench/core.ts).
 * Output lines are stable (`<what>: <n> ops/s`); `--check` sets exit code 99 when a goal is missed.
 */
import { parseArgs } from 'node:util';
import { memoryAcquireRate, redisAcquireRate } from './lib/limiter.js';
import { fmt } from './lib/measure.js';

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
const rounds = { rounds: 4, roundMs: (seconds * 1000) / 4 };

const lines: [string, number][] = [
  ['memory limiter acquire', memoryAcquireRate('shared', rounds)],
  ['memory limiter acquire (100 tenants)', memoryAcquireRate('tenants', rounds)],
  ['memory limiter acquire (mostly denied)', memoryAcquireRate('denied', rounds)],
];
if (!args['no-redis']) {
  const inFlight = Number(args['in-flight']);
  const r = await redisAcquireRate(args.redis, inFlight, seconds);
  if (r.denied > 0) console.log(`warning: ${r.denied} Redis acquisitions were denied; the bench limits are too low`);
  lines.push([`redis limiter acquire (${inFlight} in flight)`, r.opsPerS]);
}
for (const [what, rate] of lines) console.log(`${what}: ${fmt(rate)} ops/s`);
const memoryOk = lines[0]![1] >= GOAL_MEMORY_OPS;
const redisOk = args['no-redis'] || lines[3]![1] >= GOAL_REDIS_OPS;
console.log(`goal memory: ${memoryOk ? 'pass' : 'MISS'} (≥ ${fmt(GOAL_MEMORY_OPS)} ops/s)`);
if (!args['no-redis']) console.log(`goal redis: ${redisOk ? 'pass' : 'MISS'} (≥ ${fmt(GOAL_REDIS_OPS)} ops/s)`);
if (args.check && !(memoryOk && redisOk)) process.exitCode = 99;
