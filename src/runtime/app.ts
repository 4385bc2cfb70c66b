/**
 * The runtime's HTTP face: `buildApp(runtime, options)` builds a Fastify app (not listening), so tests
 * use `app.inject()` or `listen({ port: 0 })` and the CLI decides where to listen.
 *
 *   POST /v1/sessions/:id/turns   a conversation turn (sync, `async: true` → 202, `stream: true` → SSE)
 *   DELETE /v1/sessions/:id       end a conversation
 *   GET  /v1/tasks/:id            an async turn's status and result
 *   POST /v1/messages             Anthropic-compatible pass-through (limiter, cache, routing, cost)
 *   GET  /healthz /readyz /metrics /v1/stats /openapi.json
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { MemoryLimiter } from '../core/limiter/index.js';
import { clientErrorHandler, errorBody, frameworkErrorHandler, handleError } from './http-errors.js';
import { PLAIN_JSON_KEYS } from './json-keys.js';
import { registerMessagesRoute } from './routes/messages.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerTurnRoutes } from './routes/turns.js';
import type { Runtime } from './runtime.js';
import { TaskService } from './tasks.js';
import { TurnService } from './turn-service.js';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Largest request body accepted (bytes). */
  bodyLimit?: number;
  /** Client API keys; when set, /v1/* requires `Authorization: Bearer <key>` (or x-api-key). */
  apiKeys?: readonly string[];
  /** Requests per minute per client (key, or address without keys); 0 or absent: no ingress limit. */
  clientRpm?: number;
  /** Async task consumers of this instance (default: its worker slots). */
  taskConsumers?: number;
  /** Async tasks pending this long with a silent consumer are taken over (default 30 s). */
  reclaimAfterMs?: number;
  instanceId?: string;
}

export interface App {
  app: FastifyInstance;
  turns: TurnService;
  tasks: TaskService;
  /** HTTP requests received and not yet answered (streams until they end), for a drain that waits for them. */
  requestsInFlight(): number;
}

/** The path of a request target, absolute-form (`http://host/p?q`) included. */
const pathOf = (url: string) => url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');

export async function buildApp(rt: Runtime, opts: AppOptions = {}): Promise<App> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? 1_048_576,
    // `__proto__` and `constructor` keys are plain keys, not "invalid JSON" (json-keys.ts says why that is safe).
    ...PLAIN_JSON_KEYS,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 200 },
    // Errors Fastify answers before a route runs (bad percent-encoding, an overlong path parameter, a
    // malformed request line or headers) get the runtime's error shape too, not Fastify's own.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setErrorHandler(handleError);
  // A JSON API: text/plain is refused (415) rather than parsed into a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`));
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Headroom runtime', version: '0.1.0', description: 'Agent gateway: turns, Anthropic-compatible messages, health and metrics.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // Client authentication and ingress limits for the API routes.
  const keys = new Set(opts.apiKeys ?? []);
  const ingress = opts.clientRpm ? new MemoryLimiter({ models: { ingress: { rpm: opts.clientRpm } }, margin: 1 }) : undefined;
  app.addHook('onRequest', async (req, reply) => {
    // Decide by the route the router matched, not the raw request target: an absolute-form target
    // (`POST http://host/v1/messages HTTP/1.1`) routes to /v1/messages but does not start with /v1/.
    if (!(req.routeOptions.url ?? pathOf(req.url)).startsWith('/v1/')) return;
    const auth = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1): `bearer <key>` is as good as `Bearer <key>`.
    const bearer = typeof auth === 'string' && /^bearer /i.test(auth) ? auth.slice(7) : undefined;
    const key = bearer ?? (typeof req.headers['x-api-key'] === 'string' ? req.headers['x-api-key'] : undefined);
    if (keys.size > 0 && (!key || !keys.has(key))) {
      rt.metrics.ingressRejected.inc({ reason: 'unauthorized' });
      return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('unauthorized', 'a valid API key is required: Authorization: Bearer <key>'));
    }
    if (ingress) {
      const d = ingress.acquire('ingress', { requests: 1, inputTokens: 0, outputTokens: 0 }, Date.now(), keys.size > 0 ? key : req.ip);
      if (!d.granted) {
        rt.metrics.ingressRejected.inc({ reason: 'client-rate' });
        return reply.code(429).header('retry-after', String(Math.max(1, Math.ceil(d.retryAfterMs / 1000)))).send(errorBody('rate_limited', 'this client sends too many requests'));
      }
    }
  });

  const turns = new TurnService(rt);
  const tasks = new TaskService(rt, turns, {
    consumer: opts.instanceId ?? `instance-${process.pid}-${randomUUID().slice(0, 8)}`,
    concurrency: opts.taskConsumers ?? rt.slots,
    reclaimAfterMs: opts.reclaimAfterMs ?? 30_000,
    log: app.log,
  });
  registerTurnRoutes(app, rt, turns, tasks);
  registerMessagesRoute(app, rt);
  registerOpsRoutes(app, rt, turns);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.addHook('onReady', async () => tasks.start());
  // Draining: close() waits for every connection to end, and a keep-alive connection whose request
  // was in flight when close() began stays open after its response until the keep-alive timeout
  // (72 s), outlasting any drain deadline. So once draining, each finished response closes the
  // connections left idle (SSE replies are hijacked and skip Fastify's hooks, hence the raw event).
  app.addHook('preClose', async () => {
    rt.draining = true;
  });
  let inFlight = 0;
  app.server.on('request', (_req, res) => {
    inFlight++;
    // 'close' comes after 'finish', or alone when the client went away first: counted down once either way.
    res.once('close', () => inFlight--);
    res.once('finish', () => {
      if (rt.draining) setImmediate(() => app.server.closeIdleConnections());
    });
  });
  app.addHook('onClose', async () => {
    rt.draining = true;
    await tasks.stop();
  });
  return { app, turns, tasks, requestsInFlight: () => inFlight };
}
