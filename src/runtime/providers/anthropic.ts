/**
 * The runtime's provider: a pipeline ProviderRequest sent through `@anthropic-ai/sdk` to the real
 * Anthropic API or to our mock (same wire format, pointed at by base URL), answered as a
 * ProviderResult. Implements `RealtimeEnv.provider`.
 *
 * - The SDK never retries (`maxRetries: 0`): the pipeline's retry policy performs and counts every
 *   attempt, exactly as the simulator does.
 * - A call's deadline is the model's timeout and covers the whole call, streamed body included (the
 *   SDK's own timeout stops at the response headers; we pass it too, and whichever fires first wins).
 * - The caller's signal (`hooks.signal`: the turn's session lock was lost) aborts the request the same
 *   way; the call then rejects with CallCutShort, carrying the usage a stream had reported by then.
 * - Retryable failures come back as results; requests the provider refuses throw a
 *   ProviderRequestError (mapping table in anthropic-failures.ts).
 * - Times are scenario ms: against a mock compressed by `timeScale`, wall-clock figures read off the
 *   wire (TTFT, retry-after) are multiplied by it and timeouts divided by it.
 *
 * The API key lives only in private fields (not in `util.inspect`, JSON or errors).
 *
 * @example
 *   const provider = new AnthropicProvider({ models: scenario.models, texts: new MemoryTextStore() });
 *   const result = await provider.call(req); // { ok: true, usage, ttftMs, stopReason, text } or a failure
 */
import { Anthropic } from '@anthropic-ai/sdk';
import type { CacheControlEphemeral, MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/messages.js';
import type { CallHooks } from '../../core/pipeline/env.js';
import { CallCutShort } from '../../core/pipeline/interrupt.js';
import type { ProviderRequest, ProviderResult } from '../../core/provider-model.js';
import type { Usage } from '../../core/types.js';
import { ErrorCode, HeadroomError } from '../../errors.js';
import { encodeWireRequest, REQUEST_HEADER } from '../wire.js';
import { answerKeyOf, buildPrompt, isSummaryCall } from './anthropic-request.js';
import { classifyFailure, IncompleteStreamError, MalformedResponseError, TIMEOUT } from './anthropic-failures.js';
import { ProviderClosedError } from './errors.js';
import type { TextStore } from './text-store.js';

/** A scenario model as the adapter needs it (a scenario's `models[name]` fits). */
export interface AnthropicModelOptions {
  /** Provider model id. */
  id: string;
  maxTokens: number;
  /** Scenario ms. */
  timeout: number;
  /** false: send no cache breakpoints; default: 5-minute ephemeral breakpoints. */
  promptCaching?: false | { ttl: '5m' | '1h' };
}

export interface AnthropicProviderOptions {
  /** Default: the SDK's (ANTHROPIC_BASE_URL, else https://api.anthropic.com). Required with `mock`. */
  baseURL?: string;
  /** Default: ANTHROPIC_API_KEY, never for a mock (a real key is not sent to a mock); a mock gets a placeholder. */
  apiKey?: string;
  /** Scenario models by name. */
  models: Record<string, AnthropicModelOptions>;
  texts: TextStore;
  /** Stream answers to measure time to first token (default true). */
  stream?: boolean;
  /** Send the x-headroom-request header: only for our mock provider. */
  mock?: boolean;
  /** Scenario ms per real ms of a compressed mock (default 1). */
  timeScale?: number;
}

const MOCK_KEY = 'headroom-mock-key';

/** What one successful call produced, before scaling. */
interface Answer {
  usage: Usage;
  text: string;
  stopReason: 'end_turn' | 'max_tokens';
  /** performance.now() at the first text, or at the end when nothing streamed. */
  firstTextAt: number;
}

type RequestOptions = { signal: AbortSignal; timeout: number; headers?: Record<string, string> };

/** What a streamed call has reported of its usage so far (message_start, then message_delta's cumulative counts). */
interface StreamProgress {
  raw: RawUsage | undefined;
}

/**
 * Rejects when `signal` aborts. Every wait of a call races it, so the deadline (and close) hold even
 * when a transport ignores an abort once the headers are in (a body that never cancels).
 */
function abortion(signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    const fail = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  p.catch(() => undefined); // only ever observed through Promise.race
  return p;
}

export class AnthropicProvider {
  readonly #client: Anthropic;
  readonly #secret: string | undefined;
  private readonly models: Record<string, AnthropicModelOptions>;
  private readonly texts: TextStore;
  private readonly stream: boolean;
  private readonly mock: boolean;
  private readonly timeScale: number;
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(opts: AnthropicProviderOptions) {
    this.models = opts.models;
    this.texts = opts.texts;
    this.stream = opts.stream ?? true;
    this.mock = opts.mock ?? false;
    this.timeScale = opts.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) {
      throw new HeadroomError(ErrorCode.badArgument, `provider: timeScale must be a positive number, got ${opts.timeScale}`);
    }
    if (this.mock && !opts.baseURL) {
      throw new HeadroomError(ErrorCode.badArgument, 'provider: a mock provider needs a base URL', {
        hint: 'Start `headroom mock-provider` and pass its address (e.g. http://127.0.0.1:8787).',
      });
    }
    const key = opts.apiKey || (this.mock ? MOCK_KEY : process.env['ANTHROPIC_API_KEY']);
    if (!key) {
      throw new HeadroomError(ErrorCode.badArgument, 'provider: no Anthropic API key', {
        hint: 'Set ANTHROPIC_API_KEY, or run against the mock provider (`headroom mock-provider`).',
      });
    }
    this.#secret = key;
    this.#client = new Anthropic({ apiKey: key, baseURL: opts.baseURL, maxRetries: 0 });
  }

  /** One attempt. Resolves to a result; rejects with ProviderRequestError, ProviderClosedError or a HeadroomError (unknown model). */
  async call(req: ProviderRequest, hooks?: CallHooks): Promise<ProviderResult> {
    if (this.closed) throw new ProviderClosedError();
    const model = this.models[req.model];
    if (!model) throw new HeadroomError(ErrorCode.unknownModel, `provider: unknown model "${req.model}"`);

    const caching = model.promptCaching;
    const cacheControl: CacheControlEphemeral | undefined =
      caching === false ? undefined : caching?.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
    const prompt = buildPrompt(req.segments, this.texts, { summary: isSummaryCall(req.requestKey), cacheControl });
    const body: MessageCreateParamsBase = { model: model.id, max_tokens: req.maxTokens, messages: prompt.messages };
    if (prompt.system) body.system = prompt.system;

    // SDK timeouts are whole ms; a compressed mock runs timeScale × faster than the scenario.
    const timeoutMs = Math.max(1, Math.ceil(model.timeout / this.timeScale));
    const controller = new AbortController();
    // What aborted the request, first: its deadline, or its caller's signal (the turn's session lock was lost).
    let stoppedBy: 'deadline' | 'caller' | undefined;
    const stop = (by: 'deadline' | 'caller') => {
      stoppedBy ??= by;
      controller.abort();
    };
    const timer = setTimeout(() => stop('deadline'), timeoutMs);
    const caller = hooks?.signal;
    const onCaller = () => stop('caller');
    caller?.addEventListener('abort', onCaller, { once: true });
    if (caller?.aborted) onCaller();
    this.inFlight.add(controller);
    const options: RequestOptions = { signal: controller.signal, timeout: timeoutMs };
    if (this.mock) options.headers = { [REQUEST_HEADER]: encodeWireRequest(req) };

    const aborted = abortion(controller.signal);
    const startedAt = performance.now();
    const progress: StreamProgress = { raw: undefined };
    let a: Answer;
    try {
      a = this.stream ? await this.streamed(body, options, aborted, hooks, progress) : await this.whole(body, options, aborted);
      if (!this.stream) hooks?.onFirstToken?.();
    } catch (err) {
      if (this.closed) throw new ProviderClosedError();
      // Cut short by the caller: the request is aborted (the connection closed), and what the stream had
      // reported of its usage goes with the rejection, for the pipeline to settle and charge. Not
      // streamed, nothing is known: the provider's usage comes only with the whole answer.
      if (stoppedBy === 'caller') throw new CallCutShort(toUsage(progress.raw));
      if (stoppedBy === 'deadline') return TIMEOUT;
      const f = classifyFailure(err, { model: req.model, timeScale: this.timeScale, nowMs: Date.now(), secret: this.#secret });
      if (f instanceof Error) throw f;
      return f;
    } finally {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onCaller);
      this.inFlight.delete(controller);
    }
    // Outside the try: a failing text store is the store's error, not a provider failure.
    const answerKey = answerKeyOf(req.requestKey);
    if (answerKey !== undefined && a.text !== '') this.texts.set(answerKey, a.text);
    return { ok: true, usage: a.usage, ttftMs: (a.firstTextAt - startedAt) * this.timeScale, stopReason: a.stopReason, text: a.text };
  }

  /** Aborts calls in flight (they reject with ProviderClosedError) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }

  private async whole(body: MessageCreateParamsBase, options: RequestOptions, aborted: Promise<never>): Promise<Answer> {
    const msg: unknown = await Promise.race([this.#client.messages.create({ ...body, stream: false }, options), aborted]);
    const m = msg as { content?: unknown; usage?: unknown; stop_reason?: unknown } | null;
    const usage = toUsage(typeof m === 'object' && m !== null ? (m.usage as RawUsage) : undefined);
    if (!usage || !Array.isArray(m!.content)) throw new MalformedResponseError('the response is not a Message');
    let text = '';
    for (const block of m!.content as { type?: unknown; text?: unknown }[]) if (block?.type === 'text' && typeof block.text === 'string') text += block.text;
    return { usage, text, stopReason: toStopReason(m!.stop_reason), firstTextAt: performance.now() };
  }

  /** `progress.raw`: the usage reported so far, kept up to date as events arrive (read when the call is cut short). */
  private async streamed(body: MessageCreateParamsBase, options: RequestOptions, aborted: Promise<never>, hooks: CallHooks | undefined, progress: StreamProgress): Promise<Answer> {
    const stream = await Promise.race([this.#client.messages.create({ ...body, stream: true }, options), aborted]);
    const events = stream[Symbol.asyncIterator]();
    let raw: RawUsage | undefined;
    let text = '';
    let firstTextAt: number | undefined;
    let stopReason: unknown = null;
    let stopped = false;
    // Events are read defensively: a body that is not a Messages stream must become a failure, not a TypeError.
    for (;;) {
      const next = await Promise.race([events.next(), aborted]);
      if (next.done) break;
      const e = next.value as unknown as Record<string, unknown>;
      switch (e['type']) {
        case 'message_start': {
          const message = e['message'] as { usage?: unknown } | undefined;
          progress.raw = raw = { ...(message?.usage as RawUsage | undefined) };
          break;
        }
        case 'content_block_delta': {
          const delta = e['delta'] as { type?: unknown; text?: unknown } | undefined;
          if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
            if (firstTextAt === undefined) {
              firstTextAt = performance.now();
              hooks?.onFirstToken?.();
            }
            text += delta.text;
          }
          break;
        }
        case 'message_delta': {
          // Cumulative counts: what message_delta reports replaces what message_start said.
          const usage = e['usage'] as Record<string, unknown> | undefined;
          progress.raw = raw ??= {};
          for (const [k, v] of Object.entries(usage ?? {})) if (v !== null && v !== undefined) (raw as Record<string, unknown>)[k] = v;
          const delta = e['delta'] as { stop_reason?: unknown } | undefined;
          stopReason = delta?.stop_reason ?? stopReason;
          break;
        }
        case 'message_stop':
          stopped = true;
          break;
      }
    }
    // An aborted stream may also end quietly (the SDK swallows aborts); the caller checks its deadline flag.
    if (!stopped) throw raw ? new IncompleteStreamError('the stream ended before message_stop') : new MalformedResponseError('not a Messages stream');
    const usage = toUsage(raw);
    if (!usage) throw new MalformedResponseError('the stream carried no usable usage');
    return { usage, text, stopReason: toStopReason(stopReason), firstTextAt: firstTextAt ?? performance.now() };
  }
}

/** Anthropic's usage object, as received (fields may be missing or null). */
interface RawUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
  cache_creation?: { ephemeral_5m_input_tokens?: unknown; ephemeral_1h_input_tokens?: unknown } | null;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/**
 * Usage in our terms; undefined when input or output tokens are missing. Cache writes: the 5m / 1h
 * split when the provider sends one, else all of `cache_creation_input_tokens` as 5-minute writes
 * (the only TTL older APIs had, and the default of a breakpoint).
 */
export function toUsage(u: RawUsage | undefined): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const inputTokens = count(u.input_tokens);
  const outputTokens = count(u.output_tokens);
  if (inputTokens === undefined || outputTokens === undefined) return undefined;
  const written = count(u.cache_creation_input_tokens) ?? 0;
  const split = u.cache_creation;
  const w5m = count(split?.ephemeral_5m_input_tokens) ?? 0;
  const w1h = count(split?.ephemeral_1h_input_tokens) ?? 0;
  // A split of zeros next to a positive total is no split (some gateways send the object empty).
  const useSplit = split && typeof split === 'object' && (w5m + w1h > 0 || written === 0);
  return {
    inputTokens,
    outputTokens,
    cacheWrite5mTokens: useSplit ? w5m : written,
    cacheWrite1hTokens: useSplit ? w1h : 0,
    cacheReadTokens: count(u.cache_read_input_tokens) ?? 0,
  };
}

/** Our two stop reasons: 'max_tokens' when the answer was cut by the limit, otherwise it ended ('end_turn', 'stop_sequence', 'refusal', …). */
function toStopReason(r: unknown): 'end_turn' | 'max_tokens' {
  return r === 'max_tokens' || r === 'model_context_window_exceeded' ? 'max_tokens' : 'end_turn';
}
