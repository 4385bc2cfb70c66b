/**
 * Provider prompt caching, modelled the way Anthropic bills it, with the two cache breakpoints an agent
 * sets: after the system prompt and at the end of the prompt. A call reads the longest prefix of its
 * prompt that an earlier call wrote (and that has not expired) and writes the rest; reads refresh the
 * entry's lifetime. Prompts shorter than the minimum cacheable length are neither read nor written.
 *
 * Both the simulator's provider model and the mock provider keep one of these (it is the provider's
 * state), so their usage figures agree by construction; the pipeline keeps its own to estimate ITPM
 * before the call (reads do not count against ITPM).
 */
import { hashString } from '../scenario/rng.js';
import type { Segment } from './context.js';
import type { Usage } from './types.js';

/** Minimum cacheable prompt (Anthropic: 1,024 tokens for Sonnet and Opus; we use it for every model). */
export const MIN_CACHEABLE_TOKENS = 1024;

export type CacheTtl = '5m' | '1h';
const TTL_MS: Record<CacheTtl, number> = { '5m': 300_000, '1h': 3_600_000 };

export class PromptCache {
  /** prefix identity (53-bit number from two hash lanes) → expiry time. */
  private readonly entries = new Map<number, number>();
  private sweepAtMs = 0;

  /**
   * Splits a call's prompt into uncached input, cache read and cache write tokens, and records the
   * write. `ttl` undefined means the model has prompt caching off.
   */
  apply(model: string, segments: readonly Segment[], nowMs: number, ttl: CacheTtl | undefined): Omit<Usage, 'outputTokens'> {
    let total = 0;
    for (const s of segments) total += s.tokens;
    if (!ttl || total < MIN_CACHEABLE_TOKENS) return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const ttlMs = TTL_MS[ttl];
    this.sweep(nowMs);

    // Rolling identity of each prefix: two 32-bit lanes over the segment hashes, packed into 53 bits.
    let a = hashString(model);
    let b = 0x9e3779b9;
    let acc = 0;
    let read = 0;
    let readId = -1;
    let id = 0;
    let systemId = -1;
    for (const s of segments) {
      const h = s.hash;
      a = Math.imul(a ^ h, 0x01000193) >>> 0;
      b = Math.imul((b ^ (h + s.tokens)) >>> 0, 0x85ebca6b) >>> 0;
      acc += s.tokens;
      id = a * 2097152 + (b >>> 11);
      if (systemId < 0) systemId = id;
      const exp = this.entries.get(id);
      if (exp !== undefined && exp > nowMs) {
        read = acc;
        readId = id;
      }
    }
    if (readId >= 0) this.entries.set(readId, nowMs + ttlMs);
    if (segments[0]!.tokens >= MIN_CACHEABLE_TOKENS) this.entries.set(systemId, nowMs + ttlMs);
    this.entries.set(id, nowMs + ttlMs);
    const write = total - read;
    return { inputTokens: 0, cacheReadTokens: read, cacheWrite5mTokens: ttl === '5m' ? write : 0, cacheWrite1hTokens: ttl === '1h' ? write : 0 };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries at most once a minute, so memory stays bounded by what is live. */
  private sweep(nowMs: number): void {
    if (nowMs < this.sweepAtMs) return;
    this.sweepAtMs = nowMs + 60_000;
    for (const [k, exp] of this.entries) if (exp <= nowMs) this.entries.delete(k);
  }
}
