/**
 * From an Anthropic Messages request to the ProviderRequest the shared ProviderModel decides.
 *
 * Two ways in:
 * - the runtime sends `x-headroom-request` (see ../wire.ts): the mock takes the pipeline's own model name,
 *   request key, prompt segments and planned output, so it decides exactly what the simulator decided;
 * - any other client (a plain SDK, curl): the prompt is cut into one segment for the system prompt and one
 *   per content block, keyed by a hash of the text and counted at one word per token (../../workload/text.ts),
 *   and the output length is drawn from the scenario's `conversation.tokens.output`.
 */
import { createHash } from 'node:crypto';
import { segment, type Segment } from '../../core/context.js';
import type { ProviderRequest } from '../../core/provider-model.js';
import { compileSampler, type Sampler } from '../../scenario/distributions.js';
import { maxTokensBound, maxTokensProblem } from '../../scenario/max-output.js';
import { Rng } from '../../scenario/rng.js';
import type { Scenario } from '../../scenario/schema.js';
import { countTokens } from '../../workload/text.js';
import type { WireRequest } from '../wire.js';
import { MockHttpError } from './errors.js';

type Block = { type: string; text?: unknown; content?: unknown; name?: unknown; input?: unknown };

/** The part of a Messages request body the mock reads; anything else is accepted and ignored. */
export interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string | Block[] }[];
  system?: string | { type: 'text'; text: string }[];
  stream?: boolean;
}

const textBlock = { type: 'object', required: ['type', 'text'], properties: { type: { const: 'text' }, text: { type: 'string' } } };
/** A content block: any type (images, tools… are accepted), but a text block needs its text, as Anthropic checks. */
const contentBlock = {
  type: 'object',
  required: ['type'],
  properties: { type: { type: 'string' } },
  if: { properties: { type: { const: 'text' } } },
  then: { required: ['text'], properties: { text: { type: 'string' } } },
};

/**
 * JSON Schema of the request body (Fastify validates it; the server turns the first error into a 400
 * naming the field). Unknown top-level fields are accepted, so newer SDKs keep working against the mock.
 */
export const messagesBodySchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    max_tokens: { type: 'integer', minimum: 1 },
    messages: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['user', 'assistant'] },
          content: { anyOf: [{ type: 'string' }, { type: 'array', items: contentBlock }] },
        },
      },
    },
    system: { anyOf: [{ type: 'string' }, { type: 'array', items: textBlock }] },
    stream: { type: 'boolean' },
    metadata: { type: 'object', properties: { user_id: { type: ['string', 'null'] } } },
    stop_sequences: { type: 'array', items: { type: 'string' } },
    temperature: { type: 'number', minimum: 0, maximum: 1 },
    top_p: { type: 'number', minimum: 0, maximum: 1 },
    top_k: { type: 'integer', minimum: 0 },
    tools: { type: 'array', items: { type: 'object' } },
    tool_choice: { type: 'object' },
  },
} as const;

/**
 * The scenario model a request's `model` field means: the first model whose provider `id` matches, else the
 * model *named* that way (so `model: "sonnet"` works too); undefined if neither (→ 404 not_found_error).
 */
export function resolveModel(scenario: Scenario, model: string): string | undefined {
  for (const [name, m] of Object.entries(scenario.models)) if (m.id === model) return name;
  return Object.hasOwn(scenario.models, model) ? model : undefined;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 22);

/** The texts of a message's content that count as input tokens. Images and documents count 0 words. */
function blockTexts(content: string | Block[]): string[] {
  if (typeof content === 'string') return [content];
  const out: string[] = [];
  for (const b of content) {
    if (b.type === 'text' && typeof b.text === 'string') out.push(b.text);
    else if (b.type === 'tool_result') out.push(...(typeof b.content === 'string' ? [b.content] : Array.isArray(b.content) ? blockTexts(b.content as Block[]) : []));
    else if (b.type === 'tool_use') out.push(`${String(b.name)} ${JSON.stringify(b.input ?? {})}`);
  }
  return out;
}

/** Segments of a plain request: system prompt, then one per content block (never empty: the prompt cache needs one). */
export function segmentsOf(body: MessagesBody): Segment[] {
  const segs: Segment[] = [];
  const system = typeof body.system === 'string' ? body.system : body.system?.map((b) => b.text).join('\n');
  if (system) segs.push(segment(`sys/${digest(system)}`, countTokens(system)));
  for (const m of body.messages) for (const t of blockTexts(m.content)) segs.push(segment(`${m.role}/${digest(t)}`, countTokens(t)));
  if (segs.length === 0) segs.push(segment('empty', 0));
  return segs;
}

/** Bound on the repeat counter: past it the counts restart (keys stay unique enough for latency draws). */
const MAX_DISTINCT_BODIES = 100_000;

/**
 * Turns requests into ProviderRequests for one scenario and seed. Stateful only in one respect: a plain
 * request's key is the body hash plus how often that body was seen before, so a load generator replaying
 * one body (raw throughput mode) gets independent latency draws instead of one latency for every request.
 */
export class RequestMapper {
  private readonly output: Sampler;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly scenario: Scenario,
    private readonly seed: number,
  ) {
    this.output = compileSampler(scenario.conversation.tokens.output, true);
  }

  /**
   * Throws MockHttpError(404) when neither the body nor the wire header names a scenario model, and
   * MockHttpError(400) when `max_tokens` is above what the model may answer (scenario/max-output.ts).
   */
  map(body: MessagesBody, wire: WireRequest | undefined): ProviderRequest {
    const byBody = resolveModel(this.scenario, body.model);
    if (byBody === undefined) throw new MockHttpError(404, `model: ${body.model}`);
    if (wire && !Object.hasOwn(this.scenario.models, wire.model)) throw new MockHttpError(404, `model: ${wire.model} (x-headroom-request names no scenario model)`);
    const model = wire?.model ?? byBody;
    // The schema took integers ≥ 1 only; an absurd one (1e30) is refused here, by the model's bound.
    const tooMany = maxTokensProblem(body.max_tokens, maxTokensBound(this.scenario.models[model]!), body.model);
    if (tooMany) throw new MockHttpError(400, tooMany);
    const common = { model, maxTokens: body.max_tokens, timeoutMs: this.scenario.models[model]!.timeout };
    if (wire) return { ...common, requestKey: wire.requestKey, segments: wire.segments.map((s) => segment(s.key, s.tokens)), outputTokens: wire.outputTokens };

    const hash = digest(JSON.stringify(body));
    if (this.seen.size >= MAX_DISTINCT_BODIES) this.seen.clear();
    const n = this.seen.get(hash) ?? 0;
    this.seen.set(hash, n + 1);
    const requestKey = `mock/${hash}/${n}`;
    // Like the workload: at least one output token per call.
    const outputTokens = Math.max(1, this.output(new Rng(this.seed, 'mock-output', requestKey)));
    return { ...common, requestKey, segments: segmentsOf(body), outputTokens };
  }
}
