/**
 * The provider, modelled: what an Anthropic-like API does with a request — its own rate limits
 * (RPM / ITPM / OTPM token buckets at 100 % of the limit, answering 429 with retry-after in whole
 * seconds), fault windows (error rate with a status, latency multipliers), prompt caching, and
 * latency (time to first token + output tokens at the model's rate).
 *
 * The simulator calls it in place of HTTP; the mock provider serves it over HTTP. Randomness is drawn
 * from a stream keyed by the request's identity, so the same request gets the same latency in both.
 * OTPM is debited with `max_tokens` at admission and corrected to the actual output at once (the
 * provider corrects at completion; we ignore the reservation's lifetime, a few seconds).
 */
import { compileSampler, type Sampler } from '../scenario/distributions.js';
import { Rng, RngFamily } from '../scenario/rng.js';
import type { Scenario } from '../scenario/schema.js';
import type { Segment } from './context.js';
import { MemoryLimiter } from './limiter/memory-limiter.js';
import type { Binding } from './limiter/types.js';
import { PromptCache, promptCachingOf, type PromptCaching } from './prompt-cache.js';
import type { FailureKind, LimitCost, Usage } from './types.js';
import { ModelMap } from './model-map.js';

export interface ProviderRequest {
  /** Scenario model name. */
  model: string;
  /** Stable identity of this attempt (session, turn, call, attempt): seeds its latency draws. */
  requestKey: string;
  /**
   * hashString(requestKey), when the caller built it along with the key (the pipeline does, from the
   * turn's hash), so the provider model need not hash the key again. Must agree with requestKey.
   */
  requestKeyHash?: number;
  segments: Segment[];
  /** Output the workload planned for this call; capped at `maxTokens`. */
  outputTokens: number;
  maxTokens: number;
  timeoutMs: number;
}

export type ProviderResult =
  | { ok: true; usage: Usage; ttftMs: number; stopReason: 'end_turn' | 'max_tokens'; /** The answer, when a real provider produced one (the runtime keeps it for later prompts). */ text?: string }
  | { ok: false; kind: FailureKind; status: number; retryAfterMs?: number; /** On a 429 of the provider model: the limit that refused the request. */ limit?: Binding };

export interface ProviderOutcome {
  result: ProviderResult;
  /** How long the call takes until the answer (or the error) is complete. */
  durationMs: number;
}

interface ModelRuntime {
  ttft: Sampler;
  outputRatePerMs: number;
  caching: PromptCaching | undefined;
}

const STATUS: Record<number, FailureKind> = { 429: '429', 500: '500', 503: '503', 529: '529' };

export class ProviderModel {
  private readonly models = new ModelMap<ModelRuntime>();
  private readonly limits: MemoryLimiter;
  readonly promptCache = new PromptCache();
  /** What the provider received, for tests and reports. */
  readonly received = { requests: 0, rateLimited: 0, faults: 0, timeouts: 0 };
  /** Streams keyed (seed, 'provider', requestKey). */
  private readonly streams: RngFamily;
  /** Reseeded for each request (RngFamily.reseedHashed). */
  private readonly rng = new Rng(0);
  /** Scratch costs for the provider's own buckets (the limiter reads them during the call, keeps nothing). */
  private readonly reserve: LimitCost = { requests: 1, inputTokens: 0, outputTokens: 0 };
  private readonly actual: LimitCost = { requests: 1, inputTokens: 0, outputTokens: 0 };

  constructor(
    private readonly scenario: Scenario,
    seed: number,
  ) {
    this.streams = new RngFamily(seed, 'provider');
    for (const [name, m] of Object.entries(scenario.models)) {
      this.models.set(name, {
        ttft: compileSampler(m.latency.ttft),
        outputRatePerMs: m.latency.outputRate / 1000,
        caching: promptCachingOf(m),
      });
    }
    const models = Object.fromEntries(Object.entries(scenario.models).map(([n, m]) => [n, { ...m.limits }]));
    this.limits = new MemoryLimiter({ models, margin: 1 });
  }

  /**
   * Anthropic's answer to a prompt longer than the model's context window — 400 invalid_request_error,
   * "prompt is too long: N tokens > M maximum" — or undefined. The pipeline refuses such a call before
   * sending it (reason `context-window`); the mock provider asks this for requests that come straight
   * to it.
   */
  promptTooLong(req: ProviderRequest): string | undefined {
    const window = this.scenario.models[req.model]?.contextWindow;
    let tokens = 0;
    for (const s of req.segments) tokens += s.tokens;
    return window !== undefined && tokens > window ? `prompt is too long: ${tokens} tokens > ${window} maximum` : undefined;
  }

  /** Decides the outcome of a request arriving at `nowMs`. */
  decide(req: ProviderRequest, nowMs: number): ProviderOutcome {
    const m = this.models.get(req.model);
    if (!m) throw new Error(`provider model: unknown model "${req.model}"`);
    this.received.requests++;
    // One generator, reseeded per request: decide draws from it and keeps nothing of it.
    const rng = req.requestKeyHash !== undefined ? this.streams.reseedHashed(this.rng, req.requestKeyHash) : this.streams.rng(req.requestKey);
    const ttft = m.ttft(rng);
    let multiplier = 1;

    for (const f of this.scenario.faults) {
      if ((f.model !== undefined && f.model !== req.model) || nowMs < f.at || nowMs >= f.at + f.for) continue;
      multiplier = Math.max(multiplier, f.latencyMultiplier);
      if (f.errorRate > 0 && rng.next() < f.errorRate) {
        this.received.faults++;
        return { result: { ok: false, kind: STATUS[f.status] ?? '500', status: f.status }, durationMs: Math.min(ttft, req.timeoutMs) };
      }
    }

    // The split now, the cache written only once the request is admitted: a 429 does no work.
    const prompt = this.promptCache.split(req.model, req.segments, nowMs, m.caching);
    const outputTokens = Math.min(req.outputTokens, req.maxTokens);
    const { reserve, actual } = this;
    reserve.inputTokens = prompt.inputTokens + prompt.cacheWrite5mTokens + prompt.cacheWrite1hTokens;
    reserve.outputTokens = req.maxTokens;
    const d = this.limits.acquire(req.model, reserve, nowMs);
    if (!d.granted) {
      this.received.rateLimited++;
      // Anthropic sends retry-after in whole seconds.
      const retryAfterMs = Number.isFinite(d.retryAfterMs) ? Math.ceil(d.retryAfterMs / 1000) * 1000 : 60_000;
      return { result: { ok: false, kind: '429', status: 429, retryAfterMs, limit: d.binding }, durationMs: 0 };
    }
    if (m.caching) this.promptCache.commit(nowMs, m.caching.ttl);
    actual.inputTokens = reserve.inputTokens;
    actual.outputTokens = outputTokens;
    this.limits.settle(req.model, reserve, actual, nowMs);

    const ttftMs = ttft * multiplier;
    const durationMs = ttftMs + (outputTokens / m.outputRatePerMs) * multiplier;
    if (durationMs > req.timeoutMs) {
      this.received.timeouts++;
      return { result: { ok: false, kind: 'timeout', status: 0 }, durationMs: req.timeoutMs };
    }
    const usage: Usage = {
      inputTokens: prompt.inputTokens,
      outputTokens,
      cacheWrite5mTokens: prompt.cacheWrite5mTokens,
      cacheWrite1hTokens: prompt.cacheWrite1hTokens,
      cacheReadTokens: prompt.cacheReadTokens,
    };
    return { result: { ok: true, usage, ttftMs, stopReason: outputTokens < req.outputTokens ? 'max_tokens' : 'end_turn' }, durationMs };
  }

  /**
   * The provider-side buckets of `model` at `nowMs` (read-only view, for the mock provider's
   * `anthropic-ratelimit-*` headers). Reading refills the buckets up to `nowMs`, which is invisible to
   * later decisions: continuous refill to t then to t' ≥ t equals refill to t' directly.
   */
  limitLevels(model: string, nowMs: number): ReturnType<MemoryLimiter['levels']> {
    return this.limits.levels(model, nowMs);
  }
}
