/**
 * Speed of the in-memory queue, cache and cache key, the three the simulator calls per request.
 *
 *   npx tsx bench/queue-cache.ts [--ops 2000000] [--check]
 *
 * - queue: depth held at 10,000 waiting tasks over three classes; each op is one full task life
 *   after warm-up: push + claim + ack ("push+pop pair"), under strict and under weighted service.
 *   Goal ≥ 2,000,000 pairs/s under either discipline.
 * - cache: 100,000-entry LRU hit by keys drawn from 150,000 (≈ 2/3 hit rate); a miss is followed
 *   by a set, so evictions run too. ops/s counts gets and sets.
 * - cacheKey: ~520-character prompts (a system prompt + a user message), ASCII with some
 *   non-ASCII text, so both encoding paths run.
 *
 * Output is one `key value` pair per line (stable, greppable). Keys are drawn from a fixed LCG, so
 * every run does the same work; `--check` sets exit code 99 when the queue goal is missed. The
 * measuring code is in bench/lib/queue-cache.ts (also used by bench/core.ts).
 */
import { parseArgs } from 'node:util';
import { CACHEKEY_PROMPT_CHARS, QUEUE_DEPTH, cacheKeyOpsPerS, cacheOpsPerS, queuePairsPerS } from './lib/queue-cache.js';

const GOAL_QUEUE_PAIRS_PER_S = 2_000_000;

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '2000000' }, check: { type: 'boolean', default: false } } });
const ops = Number(args.ops);

// Warm both disciplines up first: otherwise whichever runs first pays for the JIT and reads slower.
queuePairsPerS('strict', 100_000);
queuePairsPerS('weighted', 100_000);
const strict = queuePairsPerS('strict', ops);
const weighted = queuePairsPerS('weighted', ops);
const slowest = Math.min(strict, weighted);
const rows: [string, string][] = [
  ['ops', `${ops}`],
  ['queue_depth', `${QUEUE_DEPTH}`],
  ['queue_strict_pairs_per_s', `${Math.round(strict)}`],
  ['queue_weighted_pairs_per_s', `${Math.round(weighted)}`],
  ['cache_ops_per_s', `${Math.round(cacheOpsPerS(ops))}`],
  ['cachekey_ops_per_s', `${Math.round(cacheKeyOpsPerS(ops))}`],
  ['cachekey_prompt_chars', `${CACHEKEY_PROMPT_CHARS}`],
  ['goal_queue_pairs_per_s', `${slowest >= GOAL_QUEUE_PAIRS_PER_S ? 'pass' : 'MISS'} (≥ ${GOAL_QUEUE_PAIRS_PER_S}, both disciplines)`],
];
for (const [k, v] of rows) console.log(`${k.padEnd(28)} ${v}`);
if (args.check && slowest < GOAL_QUEUE_PAIRS_PER_S) process.exitCode = 99;
