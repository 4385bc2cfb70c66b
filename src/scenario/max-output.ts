/**
 * How large a `max_tokens` a Messages API request may ask of a scenario model, and Anthropic's words when it
 * asks for more. The mock provider answers such a request 400 `invalid_request_error` with these words, as
 * Anthropic does, and the runtime's pass-through refuses it before queueing it.
 *
 * The bound is the price catalog's published maximum output for the model's id (price-catalog.ts, with its
 * source). A model the catalog does not know (a custom id with inline prices) has no published figure, and
 * none is invented: its `contextWindow` bounds it instead, since no answer can be longer than the window.
 */
import { PRICE_CATALOG } from './price-catalog.js';
import type { Scenario } from './schema.js';

export interface MaxTokensBound {
  tokens: number;
  /** `max-output`: the model's published maximum output; `context-window`: none is known, the window bounds it. */
  kind: 'max-output' | 'context-window';
}

export function maxTokensBound(spec: Pick<Scenario['models'][string], 'id' | 'contextWindow'>): MaxTokensBound {
  const published = PRICE_CATALOG[spec.id]?.maxOutput.tokens;
  return published === undefined ? { tokens: spec.contextWindow, kind: 'context-window' } : { tokens: published, kind: 'max-output' };
}

/**
 * Why `maxTokens` is refused for `model` (the name the request used), in Anthropic's wording for the published
 * maximum — e.g. `max_tokens: 1000000 > 64000, which is the maximum allowed number of output tokens for
 * claude-sonnet-4-5` — or undefined when it is within the bound. Callers have checked it is an integer ≥ 1.
 */
export function maxTokensProblem(maxTokens: number, bound: MaxTokensBound, model: string): string | undefined {
  if (maxTokens <= bound.tokens) return undefined;
  return bound.kind === 'max-output'
    ? `max_tokens: ${maxTokens} > ${bound.tokens}, which is the maximum allowed number of output tokens for ${model}`
    : `max_tokens: ${maxTokens} > ${bound.tokens}, the context window of ${model} (no published maximum output is known for it)`;
}
