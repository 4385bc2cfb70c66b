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
import { ExpiryTable } from './expiry-table.js';
import type { Segment } from './context.js';
import type { Usage } from './types.js';

/** Minimum cacheable prompt (Anthropic: 1,024 tokens for Sonnet and Opus; we use it for every model). */
export const MIN_CACHEABLE_TOKENS = 1024;

export type CacheTtl = '5m' | '1h';
const TTL_MS: Record<CacheTtl, number> = { '5m': 300_000, '1h': 3_600_000 };

export class PromptCache {
  /** prefix identity (53-bit number from two hash lanes) → expiry time. */
  private readonly entries = new ExpiryTable();
  private readonly modelHashes = new Map<string, number>();
  /** Scratch: identity and cumulative tokens of each prefix of the current prompt (reused, grown as needed). */
  private ids = new Float64Array(64);
  private accs = new Float64Array(64);

  /**
   * Splits a call's prompt into uncached input, cache read and cache write tokens, and records the
   * write. `ttl` undefined means the model has prompt caching off.
   */
  apply(model: string, segments: readonly Segment[], nowMs: number, ttl: CacheTtl | undefined): Omit<Usage, 'outputTokens'> {
    let total = 0;
    for (const s of segments) total += s.tokens;
    if (!ttl || total < MIN_CACHEABLE_TOKENS) return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const ttlMs = TTL_MS[ttl];
    const n = segments.length;
    if (n > this.ids.length) {
      this.ids = new Float64Array(2 * n);
      this.accs = new Float64Array(2 * n);
    }
    const { ids, accs } = this;

    // Rolling identity of each prefix: two 32-bit lanes over the segment hashes, packed into 53 bits.
    let a = this.modelHash(model);
    let b = 0x9e3779b9;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const s = segments[i]!;
      const h = s.hash;
      a = Math.imul(a ^ h, 0x01000193) >>> 0;
      b = Math.imul((b ^ (h + s.tokens)) >>> 0, 0x85ebca6b) >>> 0;
      acc += s.tokens;
      ids[i] = a * 2097152 + (b >>> 11);
      accs[i] = acc;
    }
    // The read is the longest live prefix. Searching from the longest down stops at the first hit:
    // in a conversation that is the previous call's prompt, a few segments back, rather than a
    // lookup per segment (the prompt-cache model was ~13 % of a simulated day before).
    let read = 0;
    let readId = -1;
    for (let i = n - 1; i >= 0; i--) {
      if (this.entries.isLive(ids[i]!, nowMs)) {
        read = accs[i]!;
        readId = ids[i]!;
        break;
      }
    }
    const expiresAtMs = nowMs + ttlMs;
    if (readId >= 0) this.entries.set(readId, expiresAtMs, nowMs);
    if (segments[0]!.tokens >= MIN_CACHEABLE_TOKENS) this.entries.set(ids[0]!, expiresAtMs, nowMs);
    this.entries.set(ids[n - 1]!, expiresAtMs, nowMs);
    const write = total - read;
    return { inputTokens: 0, cacheReadTokens: read, cacheWrite5mTokens: ttl === '5m' ? write : 0, cacheWrite1hTokens: ttl === '1h' ? write : 0 };
  }

  private modelHash(model: string): number {
    let h = this.modelHashes.get(model);
    if (h === undefined) this.modelHashes.set(model, (h = hashString(model)));
    return h;
  }

  /** Prefix entries held: the live ones and lapsed ones not yet reclaimed (a small multiple of the live). */
  get size(): number {
    return this.entries.size;
  }
}

