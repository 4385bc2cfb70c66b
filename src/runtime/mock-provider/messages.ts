/**
 * `POST /v1/messages`: decide with the shared ProviderModel on the mock's scenario clock, wait the decided
 * time (compressed by the time scale), then answer as Anthropic would — JSON, an event stream, or an error.
 *
 * Timing of each outcome (real ms = scenario ms / K):
 * - 429 from the provider's own limits: at once (the provider refuses before any work), with retry-after.
 * - fault (error window): after the TTFT the model drew, with the fault's status.
 * - timeout (the answer would take longer than the model's timeout): the connection is held for the timeout,
 *   then 504 timeout_error — the same instant at which the simulator's caller gives up.
 * - success: JSON after the whole duration; or a stream whose first text delta leaves at the TTFT and whose
 *   last leaves at the full duration.
 * Errors decided for a streaming request are sent as an HTTP error before the stream starts (as Anthropic does
 * for errors it knows up front); mid-stream `event: error` frames are never needed, since the provider model
 * decides every failure before the first token.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderModel } from '../../core/provider-model.js';
import type { RealScheduler } from '../real-scheduler.js';
import { readWireRequest, REQUEST_HEADER, WIRE_EXPECTED } from '../wire.js';
import { textFor } from '../../workload/text.js';
import { errorBody, MockHttpError } from './errors.js';
import { rateLimitHeaders, retryAfterHeaders } from './rate-limit-headers.js';
import type { MessagesBody, RequestMapper } from './request.js';
import { planStream, wireUsage, type TimedFrame } from './sse.js';
import type { StatsCounter } from './stats.js';

/** The provider's state; replaced as a whole by a reset, so in-flight requests finish on the old one. */
export interface ProviderState {
  provider: ProviderModel;
  /** Scenario clock: ms since the mock started (or was reset), × time scale. */
  clock: RealScheduler;
  mapper: RequestMapper;
}

/** One answer in progress: aborted when the client goes away or close() runs out of grace. */
export interface Flight {
  signal: AbortSignal;
  end(): void;
}

/** What the handler needs from the server: the time scale, counters, current state and in-flight tracking. */
export interface MessagesContext {
  timeScale: number;
  stats: StatsCounter;
  state(): ProviderState;
  begin(reply: FastifyReply): Flight;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The answer will not be delivered: take the response away from Fastify and drop the connection. */
function abandon(ctx: MessagesContext, reply: FastifyReply): FastifyReply {
  ctx.stats.aborted();
  reply.hijack();
  reply.raw.destroy();
  return reply;
}

/** Writes the frames at their times; resolves true when the stream ended normally. */
async function pump(frames: TimedFrame[], out: PassThrough, signal: AbortSignal): Promise<boolean> {
  const startedAt = performance.now();
  for (const f of frames) {
    if (!(await delay(f.afterMs - (performance.now() - startedAt), signal))) {
      out.destroy();
      return false;
    }
    out.write(f.data);
  }
  out.end();
  return true;
}

/** The route handler (see the module comment). Mapping errors (unknown model) throw MockHttpError. */
export async function answerMessages(ctx: MessagesContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const body = req.body as MessagesBody;
  const { wire, malformed } = readWireRequest(req.headers[REQUEST_HEADER]);
  if (malformed) throw new MockHttpError(400, `${REQUEST_HEADER}: ${WIRE_EXPECTED}`);
  if (wire) ctx.stats.wireHeader();
  const { provider, clock, mapper } = ctx.state();
  const preq = mapper.map(body, wire);
  const tooLong = provider.promptTooLong(preq);
  if (tooLong) throw new MockHttpError(400, tooLong);
  const nowMs = clock.now();
  const { result, durationMs } = provider.decide(preq, nowMs);
  reply.headers(rateLimitHeaders(provider.limitLevels(preq.model, nowMs), ctx.timeScale, Date.now()));

  const K = ctx.timeScale;
  const flight = ctx.begin(reply);
  let streaming = false;
  try {
    if (!result.ok) {
      if (!(await delay(durationMs / K, flight.signal))) return abandon(ctx, reply);
      const status = result.kind === 'timeout' ? 504 : result.status;
      return reply.code(status).headers(retryAfterHeaders(result.retryAfterMs, K)).send(errorBody(status, req.id));
    }

    const { usage, stopReason, ttftMs } = result;
    const id = `msg_${randomBytes(12).toString('base64url')}`;
    // Exactly output_tokens words (one word = one token); no words at all for a zero-token answer.
    const text = usage.outputTokens === 0 ? '' : textFor(`${preq.requestKey}/answer`, usage.outputTokens);
    if (body.stream === true) {
      if (!(await delay(ttftMs / K, flight.signal))) return abandon(ctx, reply);
      const frames = planStream({ id, model: body.model, text, usage, stopReason, generationMs: (durationMs - ttftMs) / K });
      const out = new PassThrough();
      streaming = true;
      ctx.stats.streamed();
      void pump(frames, out, flight.signal).then((done) => {
        if (done) ctx.stats.used(usage);
        else {
          ctx.stats.aborted();
          reply.raw.destroy();
        }
        flight.end();
      });
      return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(out);
    }

    if (!(await delay(durationMs / K, flight.signal))) return abandon(ctx, reply);
    ctx.stats.used(usage);
    return reply.code(200).send({
      id,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage: wireUsage(usage),
    });
  } finally {
    if (!streaming) flight.end();
  }
}
