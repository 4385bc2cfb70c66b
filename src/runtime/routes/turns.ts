/** Conversation turn routes: sync JSON, async (202 + task), or SSE streaming. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody, providerRefusal } from '../http-errors.js';
import { ProviderRequestError } from '../providers/errors.js';
import type { Runtime } from '../runtime.js';
import { SessionLockLostError } from '../sessions.js';
import type { TaskService } from '../tasks.js';
import { SessionBusyError, type TurnBody, type TurnResponse, type TurnService } from '../turn-service.js';

const SESSION_ID = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } as const;

function turnBodySchema(classes: string[]) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      message: { type: 'string', maxLength: 200_000, description: 'The user message' },
      priority: { type: 'string', enum: classes, description: 'Queue priority class' },
      stream: { type: 'boolean', description: 'Answer as server-sent events (first_token marks TTFT)' },
      async: { type: 'boolean', description: 'Accept now (202), run later; poll GET /v1/tasks/:id' },
      end: { type: 'boolean', description: 'This is the last turn of the conversation' },
      plan: {
        type: 'object',
        additionalProperties: false,
        description: 'Replay plan from a load tester: the workload turn to reproduce exactly',
        properties: {
          session: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "The workload session replayed: the pipeline keys the conversation by it (routing, request keys, seeded draws), the URL's id keys its stored state and lock" },
          turn: { type: 'integer', minimum: 1, maximum: 100_000 },
          userTokens: { type: 'integer', minimum: 1, maximum: 10_000_000 },
          promptKey: { type: 'string', minLength: 1, maxLength: 256 },
          calls: {
            type: 'array',
            minItems: 1,
            maxItems: 1000,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['outputTokens'],
              properties: {
                outputTokens: { type: 'integer', minimum: 1, maximum: 1_000_000 },
                toolLatencyMs: { type: 'number', minimum: 0, maximum: 86_400_000 },
                toolResultTokens: { type: 'integer', minimum: 0, maximum: 10_000_000 },
              },
            },
          },
        },
      },
    },
  } as const;
}

/** Usage and cost as headers too, so a load tester can account cost without parsing bodies. */
function costHeaders(reply: FastifyReply, r: TurnResponse): void {
  reply.header('x-headroom-cost-nanos', String(r.costNanos));
  reply.header('x-headroom-cost-usd', r.costUsd.toFixed(9));
  reply.header('x-headroom-input-tokens', String(r.usage.inputTokens));
  reply.header('x-headroom-output-tokens', String(r.usage.outputTokens));
  reply.header('x-headroom-cache-read-tokens', String(r.usage.cacheReadTokens));
  reply.header('x-headroom-cache-write-tokens', String(r.usage.cacheWrite5mTokens + r.usage.cacheWrite1hTokens));
  reply.header('x-headroom-cache', r.status === 'cache-hit' ? 'hit' : 'miss');
  if (r.model) reply.header('x-headroom-model', r.model);
}

/** HTTP status of a turn that did not complete. */
function failureStatus(r: TurnResponse): { code: number; type: string; message: string } {
  switch (r.reason) {
    case 'queue-full':
      return { code: 503, type: 'overloaded', message: 'all workers are busy and the queue is full; retry later' };
    case 'deadline':
      return { code: 503, type: 'queue_timeout', message: 'waited in the queue past its deadline; retry later' };
    case 'breaker-open':
      return { code: 503, type: 'provider_unavailable', message: 'the provider is failing and its circuit breaker is open' };
    case 'exceeds-capacity':
      return { code: 400, type: 'invalid_request', message: 'the request is larger than a provider rate limit allows' };
    case 'context-window':
      return { code: 400, type: 'invalid_request', message: "the conversation's prompt is longer than the model's context window" };
    default:
      return { code: 503, type: 'provider_unavailable', message: `the provider failed (${r.reason ?? 'unknown'}) after retries and fallbacks` };
  }
}

export function registerTurnRoutes(app: FastifyInstance, rt: Runtime, turns: TurnService, tasks: TaskService): void {
  const classes = Object.keys(rt.scenario.queue.classes);
  const defaultClass = Object.keys(rt.scenario.users.priorityMix)[0] ?? classes[0]!;

  app.post<{ Params: { id: string }; Body: TurnBody }>(
    '/v1/sessions/:id/turns',
    { schema: { summary: 'Take a conversation turn', params: { type: 'object', properties: { id: SESSION_ID }, required: ['id'] }, body: turnBodySchema(classes) } },
    async (req, reply) => {
      const { id } = req.params;
      const body = req.body ?? {};
      if (body.message === undefined && body.plan?.userTokens === undefined)
        return reply.code(400).send(errorBody('invalid_request', 'a turn needs a "message" (or plan.userTokens)', { field: 'body.message' }));
      if (body.async && body.stream)
        return reply.code(400).send(errorBody('invalid_request', 'a turn is either async (202, then GET /v1/tasks/:id) or streamed (SSE), not both', { field: 'body.stream' }));
      if (rt.draining) return reply.code(503).header('retry-after', '5').send(errorBody('draining', 'this instance is shutting down'));
      if (body.async) {
        const r = await tasks.submit(id, body, body.priority ?? defaultClass);
        if (!r.accepted) return reply.code(503).header('retry-after', '1').send(errorBody('overloaded', `the task queue is ${r.reason}`));
        return reply.code(202).header('location', `/v1/tasks/${r.id}`).send({ taskId: r.id, status: 'queued', location: `/v1/tasks/${r.id}` });
      }
      if (body.stream) return streamTurn(reply, turns, id, body);
      try {
        const r = await turns.run(id, body);
        costHeaders(reply, r);
        if (r.status === 'ok' || r.status === 'cache-hit') return reply.code(200).send(r);
        const f = failureStatus(r);
        if (f.code === 503) reply.header('retry-after', '1');
        return reply.code(f.code).send({ ...errorBody(f.type, f.message, { ...(r.reason ? { reason: r.reason } : {}) }), result: r });
      } catch (e) {
        if (e instanceof SessionBusyError) return reply.code(409).send(errorBody('conflict', e.message));
        // The turn stopped half-way (its session lock lapsed or was taken): nothing was saved; retrying is safe.
        if (e instanceof SessionLockLostError) return reply.code(503).header('retry-after', '1').send(errorBody('session_lock_lost', e.message));
        throw e;
      }
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/sessions/:id',
    { schema: { summary: 'End a conversation', params: { type: 'object', properties: { id: SESSION_ID }, required: ['id'] } } },
    async (req, reply) => {
      try {
        await turns.end(req.params.id);
      } catch (e) {
        if (e instanceof SessionBusyError) return reply.code(409).send(errorBody('conflict', e.message));
        throw e;
      }
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/tasks/:id',
    { schema: { summary: 'Status and result of an async turn', params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } }, required: ['id'] } } },
    async (req, reply) => {
      const t = await tasks.get(req.params.id);
      if (!t) return reply.code(404).send(errorBody('not_found', `no task ${req.params.id}`));
      return t;
    },
  );
}

/** SSE: `turn_start`, `first_token` (TTFT), then `turn_end` with the full result (or `error`). */
async function streamTurn(reply: FastifyReply, turns: TurnService, id: string, body: TurnBody): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-request-id': String(reply.request.id) });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('turn_start', { sessionId: id });
  try {
    const r = await turns.run(id, body, { onFirstToken: () => send('first_token', { sessionId: id }) });
    if (r.status === 'ok' || r.status === 'cache-hit') send('turn_end', r);
    else send('error', { ...errorBody(failureStatus(r).type, failureStatus(r).message, r.reason ? { reason: r.reason } : {}), result: r });
  } catch (e) {
    if (e instanceof ProviderRequestError) send('error', providerRefusal(e));
    else if (e instanceof SessionBusyError) send('error', errorBody('conflict', e.message));
    else if (e instanceof SessionLockLostError) send('error', errorBody('session_lock_lost', e.message));
    else send('error', errorBody('internal_error', 'internal error'));
  }
  res.end();
}
