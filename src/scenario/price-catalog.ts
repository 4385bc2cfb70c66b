/**
 * The dated price catalog: the model names a scenario may reference with `price: catalog`.
 * It lives with the scenario language because it is part of its vocabulary (a scenario that names an
 * unknown model is invalid); `core/pricing` computes costs from it.
 *
 * Prices are USD per million tokens as published; `batch` halves input and output (Message Batches API).
 * Sources: platform.claude.com/docs/en/about-claude/pricing (model table, prompt-caching multipliers,
 * long-context rules) as stored on 2026-10 and ../shared/reference/anthropic-api.md (gathered 2026-11),
 * checked on 2026-11-21. Model ids are those of @anthropic-ai/sdk 1.12.0's `Model` type, and retirement
 * dates those of its deprecated-models table. Anything marked `unverified` had conflicting sources:
 * override it inline.
 */

export interface CatalogPrice {
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

export interface CatalogEntry extends CatalogPrice {
  displayName: string;
  effectiveFrom: string;
  source: string;
  /** Multiplier on input and output under the Message Batches API. */
  batchDiscount: number;
  /** A prompt above `aboveInputTokens` is billed at these prices for the whole request. */
  longContext?: { aboveInputTokens: number } & CatalogPrice;
  /** The provider retires the model on this date (YYYY-MM-DD). */
  retiresOn?: string;
  note?: string;
  /**
   * Minimum cacheable prompt: a shorter prompt is neither written to nor read from the provider's prompt
   * cache (billed as plain input). `source` says where the figure comes from; a scenario overrides it
   * with `promptCaching.minTokens`.
   */
  promptCacheMin: { tokens: number; source: string };
  /**
   * Largest `max_tokens` the Messages API accepts for the model (synchronous requests; the Batch API may
   * allow more). Anthropic refuses more with a 400 naming `max_tokens`; the mock provider and the runtime's
   * pass-through do the same (scenario/max-output.ts), and a scenario's `maxTokens` may not exceed it.
   */
  maxOutput: { tokens: number; source: string };
}

/**
 * Minimum cacheable prompt lengths, as looked up on 2026-11-21. Verified: Anthropic's prompt-caching page
 * as quoted in anthropic/anthropic-sdk-python#1194 and in gateway docs that copy its table
 * (docs.orq.ai/docs/proxy/prompt-caching, docs.aihubmix.com/en/api/Claude-Cache): 4,096 for Opus 4.5 / 4.6
 * and Haiku 4.5, 1,024 for Sonnet 4.5. The others agree in one secondary source only, or conflict (an
 * article on dev.to, 2026, gives 512 for Opus 5 and Fable 5; fableguide.com gives 2,048 for Fable 5):
 * marked unverified; override `promptCaching.minTokens` when you know better.
 */
const DOCS_MIN = 'prompt-caching docs (checked 2026-11-21)';
const min = (tokens: number, source = DOCS_MIN) => ({ promptCacheMin: { tokens, source } });
const unverified = (tokens: number, why: string) => min(tokens, `unverified (${why}); override promptCaching.minTokens`);
const NOT_PUBLISHED = 'no published figure found; 1,024 assumed';

const PRICING_PAGE = 'platform.claude.com/docs/en/about-claude/pricing (checked 2026-11-21)';

/**
 * Maximum output (`max_tokens`), as looked up on 2026-11-21: "Max output" on each model's page
 * (platform.claude.com/docs/<lang>/models/<model>/overview) and in the lineup table those pages and
 * docs/models/overview share. "64K" / "128K" are 64,000 / 128,000: the API's own refusals say so
 * ("max_tokens: 65536 > 64000, which is the maximum allowed number of output tokens for
 * claude-sonnet-4-5-20250929", quoted in Natively-AI-assistant/natively-cluely-ai-assistant#54; "… > 128000 …
 * for claude-opus-4-8", quoted in Effect-TS/effect#7129). Opus 4.7 has no page of its own in what we found:
 * its 128K is from Google Vertex AI's and AWS Bedrock's model cards for it.
 */
const MODEL_PAGE = 'the model\'s page on platform.claude.com/docs (checked 2026-11-21)';
const LINEUP_TABLE = 'the lineup table of platform.claude.com/docs model pages (checked 2026-11-21)';
const out = (tokens: number, source = MODEL_PAGE) => ({ maxOutput: { tokens, source } });

function standard(displayName: string, input: number, output: number, effectiveFrom: string, extra: Partial<CatalogEntry> & Pick<CatalogEntry, 'promptCacheMin' | 'maxOutput'>): CatalogEntry {
  return {
    displayName,
    input,
    output,
    cacheWrite5m: input * 1.25,
    cacheWrite1h: input * 2,
    cacheRead: input * 0.1,
    effectiveFrom,
    source: PRICING_PAGE,
    batchDiscount: 0.5,
    ...extra,
  };
}

export const PRICE_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  'claude-opus-5-5': standard('Claude Opus 5.5', 4, 20, '2026-09-01', { cacheRead: 0.2, ...unverified(1024, NOT_PUBLISHED), ...out(128_000, LINEUP_TABLE) }),
  'claude-sonnet-5-5': standard('Claude Sonnet 5.5', 2, 10, '2026-09-01', {
    cacheRead: 0.1,
    ...unverified(1024, NOT_PUBLISHED),
    ...out(128_000, LINEUP_TABLE),
    note: 'cache read unverified: one source gives $0.20/Mtok; override `price.cacheRead` if your invoice differs',
  }),
  'claude-haiku-5-5': standard('Claude Haiku 5.5', 0.1, 0.5, '2026-09-01', {
    longContext: { aboveInputTokens: 100_000, input: 0.5, output: 2.5, cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05 },
    ...unverified(1024, NOT_PUBLISHED),
    ...out(128_000),
  }),
  'claude-fable-5-1': standard('Claude Fable 5.1', 10, 50, '2026-09-01', { cacheRead: 0.25, ...unverified(1024, NOT_PUBLISHED), ...out(128_000, LINEUP_TABLE) }),
  'claude-fable-5': standard('Claude Fable 5', 10, 50, '2026-05-01', { cacheRead: 1, ...unverified(512, 'dev.to 2026: 512; fableguide.com: 2,048'), ...out(128_000, 'platform.claude.com/docs/models/overview (checked 2026-11-21)') }),
  'claude-opus-5': standard('Claude Opus 5', 5, 25, '2026-05-01', { ...unverified(512, 'dev.to 2026 only'), ...out(128_000) }),
  'claude-opus-4-8': standard('Claude Opus 4.8', 5, 25, '2026-04-01', { ...unverified(1024, 'dev.to 2026 only'), ...out(128_000) }),
  'claude-opus-4-7': standard('Claude Opus 4.7', 5, 25, '2026-03-01', { ...unverified(2048, 'dev.to 2026: 2,048; a review of ours cites 4,096'), ...out(128_000, 'Google Vertex AI and AWS Bedrock model cards for claude-opus-4-7 (checked 2026-11-21)') }),
  'claude-sonnet-5': standard('Claude Sonnet 5', 2, 10, '2026-05-01', { ...unverified(1024, 'dev.to 2026 only'), ...out(128_000) }),
  'claude-opus-4-5': standard('Claude Opus 4.5', 5, 25, '2025-11-24', { ...min(4096), ...out(64_000) }),
  'claude-opus-4-6': standard('Claude Opus 4.6', 5, 25, '2026-02-01', { ...min(4096), ...out(128_000) }),
  'claude-sonnet-4-5': standard('Claude Sonnet 4.5', 3, 15, '2025-09-29', { retiresOn: '2026-11-30', ...min(1024), ...out(64_000) }),
  'claude-sonnet-4-6': standard('Claude Sonnet 4.6', 3, 15, '2026-02-01', { ...unverified(2048, 'docs.orq.ai: 2,048, as observed in anthropic-sdk-python#1194; the docs quoted there: 1,024'), ...out(128_000) }),
  'claude-haiku-4-5': standard('Claude Haiku 4.5', 1, 5, '2025-10-15', { ...min(4096), ...out(64_000) }),
};

export const CATALOG_MODEL_IDS = Object.keys(PRICE_CATALOG);
