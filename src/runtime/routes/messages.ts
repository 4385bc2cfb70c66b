/**
 * `POST /v1/messages`: Anthropic-compatible pass-through, so an existing Anthropic client can point
 * its base URL at the gateway and get our limiter, response cache, routing, retries and cost
 * accounting. A `model` naming a scenario model (by name or provider id) is used as asked; any other
 * model is routed by the scenario's router. Text content only; `stream: true` is answered as SSE
 * once the answer is complete (buffered streaming, documented in the README).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { cacheKey } from '../../core/cache/index.js';
import { segment, type Segment } from '../../core/context.js';
import { runRealtime } from '../../core/pipeline/realtime-interpreter.js';
import { singleCallPipeline } from '../../core/pipeline/single-call.js';
import { totalUsage } from '../../core/pipeline/turn.js';
import { compileSampler } from '../../scenario/distributions.js';
import { maxTokensBound, maxTokensProblem, type MaxTokensBound } from '../../scenario/max-output.js';
import { hashString, Rng } from '../../scenario/rng.js';
import { countTokens, textFor } from '../../workload/text.js';
import type { Runtime } from '../runtime.js';

interface Block {
  type: string;
  text?: string;
  content?: string | Block[];
}
interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: { role: 'user' | 'assistant'; content: string | Block[] }[];
  system?: string | Block[];
  stream?: boolean;
}

const block = { type: 'object', required: ['type'], properties: { type: { type: 'string', maxLength: 64 }, text: { type: 'string', maxLength: 2_000_000 } } } as const;
const content = { anyOf: [{ type: 'string', maxLength: 2_000_000 }, { type: 'array', maxItems: 1000, items: block }] } as const;
const bodySchema = {
  type: 'object',
  required: ['model', 'max_tokens', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 200 },
    max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    messages: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'object', required: ['role', 'content'], properties: { role: { enum: ['user', 'assistant'] }, content } } },
    system: content,
    stream: { type: 'boolean' },
  },
} as const;

/** Anthropic's request id: in the `request-id` header of every answer (the SDK reads it there) and in error bodies. */
const requestIdOf = (reply: FastifyReply) => `req_${reply.request.id}`;

/** `field`, when the request itself is at fault: ours, inside `error` (as for the schema's refusals), where Anthropic's clients ignore it. */
const anthropicError = (reply: FastifyReply, status: number, type: string, message: string, field?: string) =>
  reply.code(status).send({ type: 'error', error: { type, message, ...(field ? { field } : {}) }, request_id: requestIdOf(reply) });

/** Anthropic's error type for an HTTP status (reference: "Errors"). */
function anthropicType(status: number): string {
  if (status === 400 || status === 415) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503 || status === 529) return 'overloaded_error';
  return 'api_error';
}

/**
 * The route's own refusals are Anthropic-shaped already; this puts those made for it elsewhere (the
 * body schema, the JSON parser, the API-key and client-rate hook, the store-down and provider-refusal
 * handler) in the same shape, so a client of the Anthropic API reads every error of this route alike.
 * Our `field` and `reason` stay inside `error`, where Anthropic's clients ignore them.
 */
function asAnthropicError(_req: unknown, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const p = payload as { type?: unknown; error?: { type: string; message: string } } | null;
  if (reply.statusCode < 400 || p === null || typeof p !== 'object' || p.type === 'error' || p.error === undefined) return Promise.resolve(payload);
  reply.header('request-id', requestIdOf(reply)); // a refusal before the route's own onRequest (API key) has none yet
  return Promise.resolve({ type: 'error', error: { ...p.error, type: anthropicType(reply.statusCode) }, request_id: requestIdOf(reply) });
}

/** tool_result blocks may nest; the schema does not see inside them, so textOf bounds the depth itself. */
const MAX_NESTING = 8;

/** A content block the pass-through refuses; `where` is its path in the body (`messages[0].content[1]`). */
class BadContent extends TypeError {
  constructor(
    readonly where: string,
    problem: string,
  ) {
    super(`${where}: ${problem}`);
  }

  /** The path as the schema's refusals name fields: `body.messages.0.content.1`. */
  get field(): string {
    return `body.${this.where.replace(/\[(\d+)\]/g, '.$1')}`;
  }
}

/** The text of a message's content; throws BadContent naming the offending block (→ 400). */
function textOf(c: string | Block[], where: string, depth = 0): string {
  if (typeof c === 'string') return c;
  // A tool_result's content is not covered by the body schema: anything but a string or an array of blocks is refused here.
  if (!Array.isArray(c)) throw new BadContent(where, 'expected a string or an array of content blocks');
  if (depth > MAX_NESTING) throw new BadContent(where, `content blocks nested more than ${MAX_NESTING} deep`);
  return c
    .map((b, j) => {
      if (typeof b !== 'object' || b === null) throw new BadContent(`${where}[${j}]`, 'expected a content block');
      // Anthropic's words; read as empty text, the block was served as if the client had sent one.
      if (b.type === 'text') {
        if (typeof b.text !== 'string') throw new BadContent(`${where}[${j}].text`, 'Field required');
        return b.text;
      }
      if (b.type === 'tool_result') return typeof b.content === 'string' ? b.content : textOf(b.content ?? [], `${where}[${j}].content`, depth + 1);
      throw new BadContent(`${where}[${j}]`, `only text content is supported by the pass-through (found "${b.type}")`);
    })
    .join('\n');
}

export function registerMessagesRoute(app: FastifyInstance, rt: Runtime): void {
  const s = rt.scenario;
  const byId = new Map<string, string>();
  for (const [name, m] of Object.entries(s.models)) {
    byId.set(name, name);
    if (!byId.has(m.id)) byId.set(m.id, name);
  }
  // max_tokens above what the model may answer is refused as Anthropic refuses it (400 naming max_tokens). A
  // routed request may be served by any scenario model: only what none of them accepts is refused (the call
  // itself asks for no more than the chosen model's `maxTokens`, which the scenario keeps within its bound).
  const bounds = new Map<string, MaxTokensBound>(Object.entries(s.models).map(([name, m]) => [name, maxTokensBound(m)]));
  const routedBound = [...bounds.values()].reduce((a, b) => (b.tokens > a.tokens ? b : a));
  const output = compileSampler(s.conversation.tokens.output, true);
  const priority = Object.keys(s.users.priorityMix)[0] ?? 'standard';

  const schema = { summary: 'Anthropic Messages API, through the gateway', body: bodySchema };
  // onRequest, so that a body the schema refuses gets it too.
  const onRequest = async (_req: unknown, reply: FastifyReply) => void reply.header('request-id', requestIdOf(reply));
  app.post<{ Body: MessagesBody }>('/v1/messages', { schema, onRequest, preSerialization: asAnthropicError }, async (req, reply) => {
    if (rt.draining) return anthropicError(reply.header('retry-after', '5'), 529, 'overloaded_error', 'gateway: this instance is shutting down');
    const b = req.body;
    let texts: { key: string; role: 'system' | 'user' | 'assistant'; text: string }[];
    try {
      texts = b.messages.map((m, i) => ({ key: '', role: m.role, text: textOf(m.content, `messages[${i}].content`) }));
      if (b.system !== undefined) texts.unshift({ key: '', role: 'system', text: textOf(b.system, 'system') });
    } catch (e) {
      if (!(e instanceof BadContent)) throw e;
      return anthropicError(reply, 400, 'invalid_request_error', e.message, e.field);
    }
    if (b.messages[b.messages.length - 1]!.role !== 'user') return anthropicError(reply, 400, 'invalid_request_error', 'messages: the last message must have role "user"', 'body.messages');
    const model = byId.get(b.model);
    const tooMany = maxTokensProblem(b.max_tokens, model === undefined ? routedBound : bounds.get(model)!, model === undefined ? `${b.model} (routed: no model of this gateway accepts more)` : b.model);
    if (tooMany) return anthropicError(reply, 400, 'invalid_request_error', tooMany, 'body.max_tokens');
    const whole = texts.map((t) => `${t.role}:${t.text}`).join('\n');
    const base = `pt-${hashString(`${b.model}\n${whole}`).toString(36)}-${whole.length.toString(36)}`;
    const segments: Segment[] = texts.map((t, i) => {
      const key = t.role === 'system' ? `${base}/system` : `${base}/m${i}/${t.role === 'user' ? 'u' : 'c1'}`;
      if (rt.texts.get(key) !== t.text) rt.texts.set(key, t.text); // repeated requests (cache hits) store nothing
      return segment(key, countTokens(t.text));
    });
    const planned = Math.max(1, output(new Rng(rt.deps.seed, 'pass-through', base)));
    const outputTokens = Math.min(b.max_tokens, planned);
    // Cut here when the planned answer is longer than max_tokens; the provider may cut it too.
    let stopReason: 'end_turn' | 'max_tokens' = planned > b.max_tokens ? 'max_tokens' : 'end_turn';
    // The provider's own stop reason (a cut it made); its answer comes back on the outcome (answerText).
    const provider: Runtime['env']['provider'] = {
      async call(req, hooks) {
        const r = await rt.env.provider.call(req, hooks);
        if (r.ok && r.stopReason === 'max_tokens') stopReason = 'max_tokens';
        return r;
      },
    };
    // max_tokens is part of the request the cache matches: an answer cached for a larger one would overrun it.
    const o = await runRealtime({ ...rt.env, provider }, singleCallPipeline(rt.deps, { key: base, priority, model, segments, outputTokens, maxTokens: b.max_tokens, cacheKey: s.cache === false ? undefined : cacheKey(model ?? 'routed', `max_tokens:${b.max_tokens}\n${whole}`) }));
    rt.metrics.observeMessage(o, s.cache !== false);

    if (o.status === 'rejected' || o.status === 'dead-letter') return anthropicError(reply.header('retry-after', '1'), 529, 'overloaded_error', `gateway: ${o.reason ?? 'overloaded'}`);
    if (o.status === 'failed') {
      if (o.reason === '429') return anthropicError(reply.header('retry-after', '1'), 429, 'rate_limit_error', 'gateway: the provider rate limit was exceeded after retries');
      // As the provider words it; our count is the gateway's estimate of the prompt's tokens.
      if (o.reason === 'context-window') return anthropicError(reply, 400, 'invalid_request_error', "gateway: prompt is too long for the model's context window (by the gateway's token estimate)");
      return anthropicError(reply, 529, 'overloaded_error', `gateway: the provider failed (${o.reason ?? 'unknown'})`);
    }
    const u = totalUsage(o.charges);
    const costNanos = o.charges.reduce((a, c) => a + c.costNanos, 0);
    // The provider's answer, fresh or cached; synthetic text of its length only when the provider gave none.
    const text = o.answerText ?? textFor(`${base}/answer`, o.answerTokens);
    reply.header('x-headroom-cost-nanos', String(costNanos)).header('x-headroom-cost-usd', (costNanos / 1e9).toFixed(9)).header('x-headroom-cache', o.status === 'cache-hit' ? 'hit' : 'miss');
    if (o.charges.length > 0) reply.header('x-headroom-model', o.charges[o.charges.length - 1]!.model);
    const usage = {
      input_tokens: u.inputTokens,
      output_tokens: u.outputTokens,
      cache_creation_input_tokens: u.cacheWrite5mTokens + u.cacheWrite1hTokens,
      cache_read_input_tokens: u.cacheReadTokens,
      cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5mTokens, ephemeral_1h_input_tokens: u.cacheWrite1hTokens },
    };
    const message = { id: `msg_${base}`, type: 'message', role: 'assistant', model: b.model, content: [{ type: 'text', text }], stop_reason: stopReason, stop_sequence: null, usage };
    if (!b.stream) return reply.send(message);
    // message_delta carries cumulative counts, input and cache included (reference: "Streaming"), so a
    // client that reads usage from it alone does not see 0 input tokens.
    const { cache_creation: _split, ...cumulative } = usage;
    const frames: [string, unknown][] = [
      ['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 0 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: cumulative }],
      ['message_stop', { type: 'message_stop' }],
    ];
    reply.header('content-type', 'text/event-stream').header('cache-control', 'no-cache');
    return reply.send(frames.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''));
  });
}
