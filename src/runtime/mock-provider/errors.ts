/**
 * Anthropic error bodies, as the mock provider sends them (reference: /work/shared/reference/anthropic-api.md
 * "Errors"): `{"type":"error","error":{"type":T,"message":M},"request_id":"req_…"}`, with T fixed by the
 * HTTP status. Leaf module: the server, the request mapper and the SSE encoder all import it.
 */

/** The `error.type` values of the Anthropic API that the mock can produce. */
export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/** The JSON body of every error response. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id: string;
}

/**
 * The error type Anthropic uses for a status. 503 is not in Anthropic's table; the provider model can
 * decide it (a fault window with `status: 503`), and `api_error` is what Anthropic documents for
 * "unexpected internal" failures, so the client still sees a 5xx it will retry.
 */
export function errorTypeFor(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const DEFAULT_MESSAGE: Partial<Record<number, string>> = {
  401: 'invalid x-api-key',
  413: 'Request exceeds the maximum allowed number of bytes.',
  429: 'Number of requests has exceeded your rate limit. Please try again later.',
  500: 'Internal server error',
  503: 'Service unavailable',
  504: 'Request timed out',
  529: 'Overloaded',
};

/** The body for `status`; `message` defaults to the wording Anthropic uses for that status. */
export function errorBody(status: number, requestId: string, message?: string): AnthropicErrorBody {
  return { type: 'error', error: { type: errorTypeFor(status), message: message ?? DEFAULT_MESSAGE[status] ?? 'Error' }, request_id: requestId };
}

/** A failure the mock answers with an Anthropic error body (thrown by request mapping, caught by the server). */
export class MockHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MockHttpError';
  }
}
