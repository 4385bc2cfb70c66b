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
import { ModelMap } from './model-map.js';
import { PRICE_CATALOG } from '../scenario/price-catalog.js';
import type { ModelSpec } from '../scenario/schema.js';

/** Minimum cacheable prompt of a model the price catalog does not know (Anthropic's smallest common figure before the 5.x models). */
export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

export type CacheTtl = '5m' | '1h';
const TTL_MS: Record<CacheTtl, number> = { '5m': 300_000, '1h': 3_600_000 };

/** A model's prompt caching: the lifetime of what it writes, and the shortest prompt it caches at all. */
export interface PromptCaching {
  ttl: CacheTtl;
  minTokens: number;
}

/**
 * The prompt caching of a scenario model, or undefined when it is off: the minimum from the scenario,
 * else from the catalog entry of its id (minimums differ by model: 1,024 to 4,096 tokens), else the default.
 */
export function promptCachingOf(spec: Pick<ModelSpec, 'id' | 'promptCaching'>): PromptCaching | undefined {
  const c = spec.promptCaching;
  if (c === false) return undefined;
  return { ttl: canonicalTtl(c.ttl), minTokens: c.minTokens ?? PRICE_CATALOG[spec.id]?.promptCacheMin.tokens ?? DEFAULT_MIN_CACHEABLE_TOKENS };
}

/**
 * The literal `'5m'` or `'1h'` for a lifetime read from a scenario. A string parsed from YAML is a fresh
 * heap string, so every `=== '5m'` and `TTL_MS[ttl]` on it compared characters; the literal is the
 * engine's one interned copy, and those become pointer compares. Callers keep this, not the parsed one.
 */
export function canonicalTtl(ttl: CacheTtl): CacheTtl {
  return ttl === '5m' ? '5m' : '1h';
}

/**
 * The rolling identity of each prefix of `segments` (two 32-bit lanes over the segment hashes, packed
 * into 53 bits, started from the model's hash) into `ids`, and its cumulative tokens into `accs`.
 */
function prefixIds(modelHash: number, segments: readonly Segment[], ids: Float64Array, accs: Float64Array): void {
  let a = modelHash;
  let b = 0x9e3779b9;
  let acc = 0;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const h = s.hash;
    a = Math.imul(a ^ h, 0x01000193) >>> 0;
    b = Math.imul((b ^ (h + s.tokens)) >>> 0, 0x85ebca6b) >>> 0;
    acc += s.tokens;
    ids[i] = a * 2097152 + (b >>> 11);
    accs[i] = acc;
  }
}

/** Model name → hashString(model), memoised. */
class ModelHashes {
  private readonly m = new ModelMap<number>();
  of(model: string): number {
    let h = this.m.get(model);
    if (h === undefined) this.m.set(model, (h = hashString(model)));
    return h;
  }
}

/** Scratch for one prompt at a time: the identity and cumulative tokens of each of its prefixes (reused, grown as needed). */
class Prefixes {
  ids = new Float64Array(64);
  accs = new Float64Array(64);
  private readonly modelHashes = new ModelHashes();

  /** Fills `ids` and `accs` for `segments` sent to `model`. */
  fill(model: string, segments: readonly Segment[]): void {
    const n = segments.length;
    if (n > this.ids.length) {
      this.ids = new Float64Array(2 * n);
      this.accs = new Float64Array(2 * n);
    }
    prefixIds(this.modelHashes.of(model), segments, this.ids, this.accs);
  }
}

export class PromptCache {
  /** prefix identity (53-bit number from two hash lanes) → expiry time. */
  private readonly entries = new ExpiryTable();
  /** The current prompt's prefixes (their identities stay there for `commit`). */
  private readonly prefixes = new Prefixes();

  /** The prefix identities of the last `split` (scratch, reused, grown as needed), and what it read. */
  private n = 0;
  private readId = -1;
  private firstCacheable = false;

  /**
   * Splits a call's prompt into uncached input, cache read and cache write tokens, and records the
   * write. `caching` undefined means the model has prompt caching off.
   */
  apply(model: string, segments: readonly Segment[], nowMs: number, caching: PromptCaching | undefined): Omit<Usage, 'outputTokens'> {
    const u = this.split(model, segments, nowMs, caching);
    if (caching) this.commit(nowMs, caching.ttl);
    return u;
  }

  /**
   * What `apply` would answer, without recording anything; `commit` then records it (a provider that
   * refuses a request before doing any work must not have cached its prompt). `commit` must follow the
   * `split` it records, with nothing in between.
   */
  split(model: string, segments: readonly Segment[], nowMs: number, caching: PromptCaching | undefined): Omit<Usage, 'outputTokens'> {
    let total = 0;
    for (const s of segments) total += s.tokens;
    this.n = 0;
    if (!caching || total < caching.minTokens) return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
    const ttl = caching.ttl;
    const read = this.longestLive(model, segments, nowMs, caching.minTokens);
    const write = total - read;
    return { inputTokens: 0, cacheReadTokens: read, cacheWrite5mTokens: ttl === '5m' ? write : 0, cacheWrite1hTokens: ttl === '1h' ? write : 0 };
  }

  /** Records the last `split`: its read refreshed, its prefixes written, for `ttl` from `nowMs`. */
  commit(nowMs: number, ttl: CacheTtl): void {
    const n = this.n;
    if (n === 0) return;
    const expiresAtMs = nowMs + TTL_MS[ttl];
    if (this.readId >= 0) this.entries.set(this.readId, expiresAtMs, nowMs);
    const { ids } = this.prefixes;
    if (this.firstCacheable) this.entries.set(ids[0]!, expiresAtMs, nowMs);
    this.entries.set(ids[n - 1]!, expiresAtMs, nowMs);
    this.n = 0;
  }

  /** Tokens of the longest prefix of `segments` cached and live at `nowMs` (0 if none); keeps the identities for `commit`. */
  private longestLive(model: string, segments: readonly Segment[], nowMs: number, minTokens: number): number {
    const n = segments.length;
    this.prefixes.fill(model, segments);
    const { ids, accs } = this.prefixes;
    this.n = n;
    this.firstCacheable = segments[0]!.tokens >= minTokens;
    // The read is the longest live prefix. Searching from the longest down stops at the first hit:
    // in a conversation that is the previous call's prompt, a few segments back, rather than a
    // lookup per segment (the prompt-cache model was ~13 % of a simulated day before).
    for (let i = n - 1; i >= 0; i--) {
      if (this.entries.isLive(ids[i]!, nowMs)) {
        this.readId = ids[i]!;
        return accs[i]!;
      }
    }
    this.readId = -1;
    return 0;
  }

  /** Prefix entries held: the live ones and lapsed ones not yet reclaimed (a small multiple of the live). */
  get size(): number {
    return this.entries.size;
  }
}


/**
 * The pipeline's own view of the provider's prompt cache, so that the limiter reserves ITPM for what
 * the provider will count — uncached input and cache writes; cache reads are free of ITPM (Anthropic,
 * ../shared/reference/anthropic-api.md) — rather than for the whole prompt. It follows PromptCache's
 * rules (the same prefix identities, written at the system prompt and at the end of each prompt, reads
 * refreshed) with the prompt counted as cached when its call is admitted. An estimate, which the
 * limiter's settle corrects to the usage the provider reports: a call that then fails leaves a mark the
 * provider may not have; the provider may have evicted; another gateway instance may have written.
 *
 * Performance: the prefixes ending at a first segment (the system prompt, shared by conversations) are
 * few and kept in a small table; the others are marked on their last segment, which the conversation's
 * later prompts share (Segment.markId). No probe into a large table per call: the table-backed version
 * cost a simulated day 6 % of its instructions. A prompt whose segments are new objects (the pass-through
 * API builds them per request) finds only the system prefix, and reserves more: the safe side.
 */
export class PromptCacheEstimate {
  private readonly firsts = new ExpiryTable();
  private readonly prefixes = new Prefixes();

  /** Each model's prompt caching; undefined where it is off or ITPM unlimited (the whole prompt is then as good as any figure). */
  private readonly caching: ModelMap<PromptCaching | undefined>;

  constructor(caching: ReadonlyMap<string, PromptCaching | undefined>) {
    this.caching = new ModelMap(caching);
  }

  /**
   * Tokens of this prompt the provider will count against ITPM when it is sent at `nowMs` (`total` =
   * promptTokens(segments)); from then on the prompt counts as cached.
   */
  itpmTokens(model: string, segments: readonly Segment[], total: number, nowMs: number): number {
    const caching = this.caching.get(model);
    if (!caching || total < caching.minTokens) return total;
    const n = segments.length;
    this.prefixes.fill(model, segments);
    const { ids, accs } = this.prefixes;
    const untilMs = nowMs + TTL_MS[caching.ttl];
    let read = 0;
    for (let i = n - 1; i >= 0; i--) {
      const s = segments[i]!;
      if (i === 0 ? this.firsts.isLive(ids[0]!, nowMs) : s.markId === ids[i] && s.markUntilMs! > nowMs) {
        read = accs[i]!;
        if (i > 0) s.markUntilMs = untilMs; // the read refreshes its entry
        break;
      }
    }
    if (segments[0]!.tokens >= caching.minTokens || n === 1) this.firsts.set(ids[0]!, untilMs, nowMs);
    if (n > 1) {
      const last = segments[n - 1]!;
      last.markId = ids[n - 1]!;
      last.markUntilMs = untilMs;
    }
    return total - read;
  }
}
