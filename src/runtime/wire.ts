/**
 * What the runtime tells the mock provider beyond the Anthropic request itself: the pipeline's
 * ProviderRequest (request key, prompt segments, planned output), base64url JSON in one header. With
 * it the mock decides with exactly the inputs the simulator used, so usage and cost agree exactly.
 * A real Anthropic endpoint never receives it (the adapter adds it only for a mock provider); a plain
 * Anthropic client talking to the mock works without it (the mock then counts words, see text.ts).
 */
import type { ProviderRequest } from '../core/provider-model.js';

export const REQUEST_HEADER = 'x-headroom-request';

export interface WireRequest {
  /** Scenario model name. */
  model: string;
  requestKey: string;
  segments: { key: string; tokens: number }[];
  outputTokens: number;
}

export function encodeWireRequest(req: ProviderRequest): string {
  const w: WireRequest = { model: req.model, requestKey: req.requestKey, segments: req.segments.map((s) => ({ key: s.key, tokens: s.tokens })), outputTokens: req.outputTokens };
  return Buffer.from(JSON.stringify(w)).toString('base64url');
}

/** Token counts a header may carry: whole, and no larger than any context window or answer. */
const MAX_WIRE_TOKENS = 100_000_000;
const isTokens = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_WIRE_TOKENS;

/** What a well-formed header holds, for the message that refuses one. */
export const WIRE_EXPECTED = 'expected base64url JSON { model, requestKey, segments: [{ key, tokens }], outputTokens } with whole token counts';

/**
 * Reads the header: `{}` when it is absent (the mock then counts words), `{ malformed: true }` when it is
 * there but not what the runtime sends — a runtime of another version, or a client that should not send
 * it. Read as absent, such a header made usage silently diverge from the simulator's; with a negative
 * count it made the mock answer 500, with 1.5 tokens report `input_tokens: 1.5`.
 */
export function readWireRequest(header: string | string[] | undefined): { wire?: WireRequest; malformed?: true } {
  if (header === undefined) return {};
  if (typeof header !== 'string' || header.length === 0 || header.length > 1_000_000) return { malformed: true };
  try {
    const w = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as WireRequest;
    const ok =
      typeof w.model === 'string' && typeof w.requestKey === 'string' && isTokens(w.outputTokens) && Array.isArray(w.segments) &&
      w.segments.every((s) => typeof s?.key === 'string' && isTokens(s.tokens));
    return ok ? { wire: w } : { malformed: true };
  } catch {
    return { malformed: true };
  }
}

/** The header's request; undefined when it is absent or malformed. */
export function decodeWireRequest(header: string | string[] | undefined): WireRequest | undefined {
  return readWireRequest(header).wire;
}
