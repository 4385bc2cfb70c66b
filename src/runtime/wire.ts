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

/** Decodes the header; undefined when it is absent or malformed (the mock then falls back to counting). */
export function decodeWireRequest(header: string | string[] | undefined): WireRequest | undefined {
  if (typeof header !== 'string' || header.length === 0 || header.length > 1_000_000) return undefined;
  try {
    const w = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as WireRequest;
    const ok =
      typeof w.model === 'string' && typeof w.requestKey === 'string' && Number.isFinite(w.outputTokens) && Array.isArray(w.segments) &&
      w.segments.every((s) => typeof s?.key === 'string' && Number.isFinite(s.tokens) && s.tokens >= 0);
    return ok ? w : undefined;
  } catch {
    return undefined;
  }
}
