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
 * every run does the same work; `--check` sets exit code 99 when the queue goal is missed.
 */
import { parseArgs } from 'node:util';
import { cacheKey } from '../src/core/cache/cache-key.js';
import { MemoryResponseCache } from '../src/core/cache/memory-cache.js';
import { MemoryTaskQueue } from '../src/core/queue/memory-queue.js';
import type { QueueConfig } from '../src/core/queue/types.js';

const GOAL_QUEUE_PAIRS_PER_S = 2_000_000;
const DEPTH = 10_000;

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '2000000' }, check: { type: 'boolean', default: false } } });
const ops = Number(args.ops);

/** Seconds taken by `fn`, best of three runs (the first also warms the JIT). */
function time(fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

function queuePairsPerS(discipline: QueueConfig['discipline'], ops: number): number {
  const config: QueueConfig = {
    depth: DEPTH + 1,
    timeoutMs: 1e12, // nothing expires: this measures the hot path, not dead-lettering
    discipline,
    classes: { interactive: { priority: 0, weight: 8 }, standard: { priority: 1, weight: 4 }, batch: { priority: 2, weight: 1 } },
  };
  const names = ['interactive', 'standard', 'batch'];
  const q = new MemoryTaskQueue<number>(config);
  for (let i = 0; i < DEPTH; i++) q.push(names[i % 3]!, i, 0);
  let now = 0;
  const s = time(() => {
    for (let i = 0; i < ops; i++) {
      q.push(names[i % 3]!, i, now);
      const t = q.claim('w', now)!;
      q.ack('w', t.id);
      now += 0.001;
    }
  });
  if (q.depth().total !== DEPTH) throw new Error('bench: depth drifted');
  return ops / s;
}

function cacheOpsPerS(): number {
  const cache = new MemoryResponseCache<string>({ ttlMs: 1e12, maxEntries: 100_000, maxBytes: 1e12 });
  const keys = Array.from({ length: 150_000 }, (_, i) => cacheKey('m', `prompt ${i}`));
  let x = 12345;
  const draws = new Uint32Array(ops);
  for (let i = 0; i < ops; i++) draws[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % keys.length;
  let n = 0;
  const s = time(() => {
    n = 0;
    for (let i = 0; i < ops; i++) {
      const k = keys[draws[i]!]!;
      n++;
      if (cache.get(k, i) === undefined) {
        cache.set(k, 'answer', 6, i);
        n++;
      }
    }
  });
  return n / s;
}

const SYSTEM = 'You are a helpful support agent for Acme Corp. Answer briefly and politely. '.repeat(6);
const USERS = Array.from({ length: 1000 }, (_, i) => `  Where is my order #${i}?\n Ich möchte es zurückgeben — danke!  `);

function cacheKeyOpsPerS(): number {
  const n = Math.max(1, Math.floor(ops / 4));
  let sink = 0;
  const s = time(() => {
    for (let i = 0; i < n; i++) sink += cacheKey('claude-sonnet', SYSTEM + USERS[i % 1000]!).charCodeAt(0);
  });
  if (sink === 0) throw new Error('bench: unreachable');
  return n / s;
}

// Warm both disciplines up first: otherwise whichever runs first pays for the JIT and reads slower.
queuePairsPerS('strict', 100_000);
queuePairsPerS('weighted', 100_000);
const strict = queuePairsPerS('strict', ops);
const weighted = queuePairsPerS('weighted', ops);
const slowest = Math.min(strict, weighted);
const rows: [string, string][] = [
  ['ops', `${ops}`],
  ['queue_depth', `${DEPTH}`],
  ['queue_strict_pairs_per_s', `${Math.round(strict)}`],
  ['queue_weighted_pairs_per_s', `${Math.round(weighted)}`],
  ['cache_ops_per_s', `${Math.round(cacheOpsPerS())}`],
  ['cachekey_ops_per_s', `${Math.round(cacheKeyOpsPerS())}`],
  ['cachekey_prompt_chars', `${Math.round(USERS.reduce((n, u) => n + SYSTEM.length + u.length, 0) / USERS.length)}`],
  ['goal_queue_pairs_per_s', `${slowest >= GOAL_QUEUE_PAIRS_PER_S ? 'pass' : 'MISS'} (≥ ${GOAL_QUEUE_PAIRS_PER_S}, both disciplines)`],
];
for (const [k, v] of rows) console.log(`${k.padEnd(28)} ${v}`);
if (args.check && slowest < GOAL_QUEUE_PAIRS_PER_S) process.exitCode = 99;
