/**
 * What went wrong with an Anthropic call, as the pipeline understands it: a FailureKind its retry /
 * breaker / fallback policy acts on, or a ProviderRequestError that no retry can fix.
 *
 *   HTTP 429                                   → '429'  (retryAfterMs from retry-after-ms, else retry-after)
 *   HTTP 529                                   → '529'
 *   HTTP 500 / 502 / 503 / 504                 → the same kind; other 5xx → '500' with their status
 *   HTTP 408                                   → 'timeout'
 *   other 4xx (400, 401, 402, 403, 404, 413, …) → throw ProviderRequestError
 *   SDK timeout, our deadline, AbortError       → 'timeout'  (status 0)
 *   refused / reset / hang-up / cut-off stream  → 'connection' (status 0)
 *   200 with a body that is no Message          → '502' (status 502): an invalid upstream response,
 *     transient as far as we can tell (a proxy's HTML page, a truncated JSON body) — retried by policy
 *   `event: error` inside a stream             → by its type: overloaded_error '529', rate_limit_error
 *     '429', api_error '500', timeout_error '504'; client-error types throw; unknown types '500'
 *
 * Statuses in failures are the HTTP status, the one an error type inside a stream stands for, or 0
 * when no response arrived (the provider model's convention).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { ProviderResult } from '../../core/provider-model.js';
import type { FailureKind } from '../../core/types.js';
import { ProviderRequestError, redact } from './errors.js';

export type Failure = Extract<ProviderResult, { ok: false }>;

/** A 200 whose body is not a Message (or a stream that is not a Messages stream). */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/** A stream that ended cleanly but before `message_stop`: the answer was cut off. */
export class IncompleteStreamError extends Error {
  override name = 'IncompleteStreamError';
}

const KIND_OF_STATUS: Record<number, FailureKind> = { 408: 'timeout', 429: '429', 500: '500', 502: '502', 503: '503', 504: '504', 529: '529' };

/** Anthropic error types (api/errors) → the status they stand for. */
const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export const TIMEOUT: Failure = Object.freeze({ ok: false, kind: 'timeout', status: 0 });
const CONNECTION: Failure = Object.freeze({ ok: false, kind: 'connection', status: 0 });
const MALFORMED: Failure = Object.freeze({ ok: false, kind: '502', status: 502 });

/** Wait the provider asked for, in real ms: `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms) {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const after = headers?.get('retry-after');
  if (after) {
    const s = Number(after);
    if (Number.isFinite(s) && s >= 0) return s * 1000;
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  return undefined;
}

/** Node's fetch (undici) signals a broken connection with a TypeError ("fetch failed", "terminated") or a coded system error. */
function isNetworkError(err: Error): boolean {
  if (err instanceof TypeError && /fetch failed|terminated|network|socket/i.test(err.message)) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code.startsWith('UND_ERR'))) return true;
  }
  return false;
}

export interface ClassifyContext {
  /** Scenario model name, for ProviderRequestError. */
  model: string;
  /** Scenario ms per real ms (a compressed mock): a retry-after on the wire is real time. */
  timeScale: number;
  nowMs: number;
  /** Removed from every message that may leave the adapter. */
  secret: string | undefined;
}

/**
 * Classifies what a call threw. Returns the failure, or the ProviderRequestError the caller throws;
 * rethrows anything that is not a provider or network failure (a bug must not pass for load).
 */
export function classifyFailure(err: unknown, ctx: ClassifyContext): Failure | ProviderRequestError {
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError) return TIMEOUT;
  if (err instanceof APIConnectionError) return CONNECTION;
  if (err instanceof APIError) {
    const typeStatus = err.type ? STATUS_OF_TYPE[err.type] : undefined;
    // An error event inside a stream has no status of its own: its type says what it stands for.
    const status = err.status ?? typeStatus ?? 500;
    // A provider that gave up on its own timeout (504 timeout_error) timed out, as the simulator records it.
    const kind = err.type === 'timeout_error' ? 'timeout' : (KIND_OF_STATUS[status] ?? (status >= 500 ? '500' : undefined));
    if (kind === undefined) {
      const message = err.apiMessage ?? undefined;
      return new ProviderRequestError({
        status,
        type: err.type ?? undefined,
        providerMessage: message === undefined ? undefined : redact(message, ctx.secret),
        requestId: err.requestID ?? undefined,
        model: ctx.model,
      });
    }
    const wait = retryAfterMs(err.headers, ctx.nowMs);
    return wait === undefined ? { ok: false, kind, status } : { ok: false, kind, status, retryAfterMs: wait * ctx.timeScale };
  }
  if (err instanceof MalformedResponseError || err instanceof SyntaxError) return MALFORMED;
  if (err instanceof IncompleteStreamError) return CONNECTION;
  if (err instanceof Error && err.name === 'AbortError') return TIMEOUT;
  if (err instanceof Error && isNetworkError(err)) return CONNECTION;
  throw err;
}
