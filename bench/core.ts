/**
 * The core's hot paths in one run: the figures the simulator's speed is made of, plus the Redis
 * limiter that bounds one runtime instance.
 *
 *   npx tsx bench/core.ts [--ms 400] [--rounds 3] [--no-redis] [--redis redis://127.0.0.1:6379] [--check]
 *
 * Each memory figure is the best of `--rounds` rounds of ~`--ms` after a warm-up round (the machine
 * is shared and noisy: the best round is the closest to what the code costs). One operation is:
 * - memory limiter acquire: `MemoryLimiter.acquire`, shared buckets, always granted (bench/lib/limiter.ts);
 * - queue push+pop: push + claim + ack at a steady depth of 10,000 (bench/lib/queue-cache.ts), per discipline;
 * - cache get/set: LRU get, and set after a miss (≈ 2/3 hits) (bench/lib/queue-cache.ts);
 * - router decision: `Router.route` with the default only, and with 5 rules + a split (bench/lib/router.ts);
 * - pipeline pass: one single-call turn under the virtual interpreter, run to completion (bench/lib/pipeline.ts);
 *   the "(1,024 in flight)" line starts 1,024 turns before running them, so their objects outlive
 *   young-generation GCs as in a busy simulation; "(fixed-answer provider)" replaces the provider
 *   model with a constant answer (the pipeline's own cost); "(cache miss + store, breaker on)" runs
 *   every stage (the goal is judged on the first line);
 * - redis limiter acquire: `RedisLimiter.acquire` from this process, 256 in flight, one window of
 *   2 s (needs Redis at `--redis`; `--no-redis` skips it with a line saying so).
 *
 * Output: `<what>: <n> ops/s` lines, then `goal …: pass | MISS` lines; `--check` exits 99 on a miss.
 */
import { parseArgs } from 'node:util';
import { memoryAcquireRate, redisAcquireRate } from './lib/limiter.js';
import { fmt, sink } from './lib/measure.js';
import { pipelinePassRate } from './lib/pipeline.js';
import { cacheOpsPerS, queuePairsPerS } from './lib/queue-cache.js';
import { decisionRate } from './lib/router.js';

const { values: args } = parseArgs({
  options: {
    ms: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'no-redis': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});
const opts = { rounds: Number(args.rounds), roundMs: Number(args.ms) };
/** Fixed-work benches (queue, cache): ops per round sized to take about `--ms` at the goal rate. */
const fixedOps = Math.max(100_000, Math.round((opts.roundMs / 1000) * 2_000_000));

console.log('machine: shared and noisy (2 cores); figures are the best round, rerun before trusting a change under ~10 %');
const figures: [string, number][] = [];
const show = (what: string, opsPerS: number) => {
  figures.push([what, opsPerS]);
  console.log(`${what}: ${fmt(opsPerS)} ops/s`);
};

show('memory limiter acquire', memoryAcquireRate('shared', opts));
show('queue push+pop at depth 10k (strict)', queuePairsPerS('strict', fixedOps, opts.rounds + 1));
show('queue push+pop at depth 10k (weighted)', queuePairsPerS('weighted', fixedOps, opts.rounds + 1));
show('cache get/set', cacheOpsPerS(fixedOps, opts.rounds + 1));
show('router decision (default only)', decisionRate('router decision (default only)', opts));
show('router decision (5 rules + split)', decisionRate('router decision (5 rules + split)', opts));
show('pipeline pass', pipelinePassRate(opts));
show('pipeline pass (1,024 in flight)', pipelinePassRate({ ...opts, inFlight: 1024 }));
show('pipeline pass (fixed-answer provider)', pipelinePassRate({ ...opts, provider: 'fixed' }));
show('pipeline pass (cache miss + store, breaker on)', pipelinePassRate({ ...opts, stages: 'all' }));
let redisRate: number | undefined;
if (args['no-redis']) console.log('redis limiter acquire: skipped (--no-redis)');
else {
  const r = await redisAcquireRate(args.redis, 256, 2);
  if (r.denied > 0) console.log(`warning: ${r.denied} Redis acquisitions were denied; the bench limits are too low`);
  show('redis limiter acquire (256 in flight)', (redisRate = r.opsPerS));
}

const rate = (what: string) => figures.find(([w]) => w === what)![1];
const goals: [string, number, number | undefined][] = [
  ['memory limiter acquire', 5_000_000, rate('memory limiter acquire')],
  ['queue push+pop (slower discipline)', 2_000_000, Math.min(rate('queue push+pop at depth 10k (strict)'), rate('queue push+pop at depth 10k (weighted)'))],
  ['pipeline pass', 1_000_000, rate('pipeline pass')],
  ['redis limiter acquire', 30_000, redisRate],
];
let missed = false;
for (const [what, goal, got] of goals) {
  if (got === undefined) {
    console.log(`goal ${what} ≥ ${fmt(goal)}/s: skipped`);
    continue;
  }
  missed ||= got < goal;
  console.log(`goal ${what} ≥ ${fmt(goal)}/s: ${got >= goal ? 'pass' : 'MISS'} (${fmt(got)}/s)`);
}
if (sink.value === 42) console.log('(sink)'); // reading `sink` keeps the measured work live
if (args.check && missed) process.exitCode = 99;
