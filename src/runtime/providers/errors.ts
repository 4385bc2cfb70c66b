/**
 * Errors a provider adapter throws instead of answering with a ProviderResult. Leaf module: imports
 * nothing, so the runtime's routes can import it without pulling in an SDK.
 *
 * Retryable failures (429, 529, 5xx, timeouts, connection errors) are *results*, because the
 * pipeline's retry / breaker / fallback policy decides what to do with them. What no retry can fix —
 * the provider refused the request itself (400 invalid request, 401 bad key, 403, 404 unknown model,
 * 413 too large, …) — is thrown as a ProviderRequestError. The pipeline does not catch it: the call
 * rejects, and the runtime route turns it into an HTTP error for its client (502 with the provider's
 * status, type and request id, say), so a misconfigured deployment fails loudly on its first request
 * instead of being counted as load.
 */

/** The provider refused the request; retrying the same request cannot succeed. */
export class ProviderRequestError extends Error {
  /** The provider's HTTP status (for an error event inside a stream: the status its type stands for). */
  readonly status: number;
  /** The provider's error type (`invalid_request_error`, `authentication_error`, …), when it sent one. */
  readonly type: string | undefined;
  /** The provider's own message, when it sent one. */
  readonly providerMessage: string | undefined;
  /** The provider's request id (`request-id` header), for its support. */
  readonly requestId: string | undefined;
  /** Scenario model name of the call. */
  readonly model: string;

  constructor(opts: { status: number; type?: string | undefined; providerMessage?: string | undefined; requestId?: string | undefined; model: string }) {
    const what = [opts.type, opts.providerMessage].filter((s) => s !== undefined && s !== '').join(': ');
    const id = opts.requestId ? ` (request ${opts.requestId})` : '';
    super(`provider refused the request for model "${opts.model}": ${opts.status}${what ? ` ${what}` : ''}${id}`);
    this.name = 'ProviderRequestError';
    this.status = opts.status;
    this.type = opts.type;
    this.providerMessage = opts.providerMessage;
    this.requestId = opts.requestId;
    this.model = opts.model;
  }
}

/** The adapter was closed (runtime shutdown) before or while the call ran. */
export class ProviderClosedError extends Error {
  constructor() {
    super('provider adapter closed');
    this.name = 'ProviderClosedError';
  }
}

/** `text` with every occurrence of `secret` replaced, for anything that may reach a log or a client. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}
