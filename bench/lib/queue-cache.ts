/**
 * Queue, response-cache and cache-key measurements, shared by bench/queue-cache.ts and bench/core.ts.
 *
 * - queue: depth held at 10,000 waiting tasks over three classes; one op is one full task life:
 *   push + claim + ack ("push+pop pair"), under strict or weighted service.
 * - cache: 100,000-entry LRU hit by keys drawn from 150,000 (≈ 2/3 hit rate); a miss is followed by
 *   a set, so evictions run too. ops/s counts gets and sets.
 * - cacheKey: ~520-character prompts (a system prompt + a user message), ASCII with some non-ASCII
 *   text, so both encoding paths run.
 *
 * Keys are drawn from a fixed LCG, so every run does the same work.
 */
import { cacheKey } from '../../src/core/cache/cache-key.js';
import { MemoryResponseCache } from '../../src/core/cache/memory-cache.js';
import { MemoryTaskQueue } from '../../src/core/queue/memory-queue.js';
import type { QueueConfig } from '../../src/core/queue/types.js';

export const QUEUE_DEPTH = 10_000;

/** Seconds taken by `fn`, best of `rounds` runs (the first also warms the JIT). */
function time(fn: () => void, rounds = 3): number {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

export function queuePairsPerS(discipline: QueueConfig['discipline'], ops: number, rounds = 3): number {
  const config: QueueConfig = {
    depth: QUEUE_DEPTH + 1,
    timeoutMs: 1e12, // nothing expires: this measures the hot path, not dead-lettering
    discipline,
    classes: { interactive: { priority: 0, weight: 8 }, standard: { priority: 1, weight: 4 }, batch: { priority: 2, weight: 1 } },
  };
  const names = ['interactive', 'standard', 'batch'];
  const q = new MemoryTaskQueue<number>(config);
  for (let i = 0; i < QUEUE_DEPTH; i++) q.push(names[i % 3]!, i, 0);
  let now = 0;
  const s = time(() => {
    for (let i = 0; i < ops; i++) {
      q.push(names[i % 3]!, i, now);
      const t = q.claim('w', now)!;
      q.ack('w', t.id);
      now += 0.001;
    }
  }, rounds);
  if (q.depth().total !== QUEUE_DEPTH) throw new Error('bench: depth drifted');
  return ops / s;
}

export function cacheOpsPerS(ops: number, rounds = 3): number {
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
  }, rounds);
  return n / s;
}

const SYSTEM = 'You are a helpful support agent for Acme Corp. Answer briefly and politely. '.repeat(6);
const USERS = Array.from({ length: 1000 }, (_, i) => `  Where is my order #${i}?\n Ich möchte es zurückgeben — danke!  `);
export const CACHEKEY_PROMPT_CHARS = Math.round(USERS.reduce((n, u) => n + SYSTEM.length + u.length, 0) / USERS.length);

export function cacheKeyOpsPerS(ops: number, rounds = 3): number {
  const n = Math.max(1, Math.floor(ops / 4));
  let sink = 0;
  const s = time(() => {
    for (let i = 0; i < n; i++) sink += cacheKey('claude-sonnet', SYSTEM + USERS[i % 1000]!).charCodeAt(0);
  }, rounds);
  if (sink === 0) throw new Error('bench: unreachable');
  return n / s;
}
