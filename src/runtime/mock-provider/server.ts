/**
 * The mock Anthropic provider: an HTTP server speaking the Messages API whose every decision — latency,
 * provider rate limits, fault windows, prompt caching — comes from the shared ProviderModel, so the mock
 * behaves like the simulator's provider by construction (DESIGN.md "Parts": provider model and mock).
 *
 * Time: the ProviderModel runs on a scenario clock that starts at 0 when the mock starts (fault windows'
 * `at` count from there) and advances K scenario ms per real ms (`timeScale`). Latencies are therefore
 * K× shorter in real time and the per-minute limits admit K× more per real minute — the limits scale with
 * time because they are buckets per *scenario* minute.
 *
 * Routes: `POST /v1/messages` (Anthropic), `GET /healthz`, and outside the Anthropic API, under a prefix
 * nobody will mistake for it: `GET /_headroom/stats`, `POST /_headroom/reset` (fresh clock, provider state
 * and counters, e.g. between load-test runs).
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ProviderModel } from '../../core/provider-model.js';
import type { Scenario } from '../../scenario/schema.js';
import { PLAIN_JSON_KEYS } from '../json-keys.js';
import { RealScheduler } from '../real-scheduler.js';
import { errorBody, MockHttpError } from './errors.js';
import { answerMessages, type Flight, type MessagesContext, type ProviderState } from './messages.js';
import { messagesBodySchema, RequestMapper } from './request.js';
import { StatsCounter, type MockProviderStats } from './stats.js';

/** Anthropic's limit for the Messages API: 32 MB (docs.anthropic.com/en/api/overview "Request size limits", read 2026-11-21). */
export const DEFAULT_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
const MESSAGES_URL = '/v1/messages';

/** How to build a mock: the scenario it serves and how it runs. */
export interface MockProviderOptions {
  scenario: Scenario;
  /** Seeds the provider model's latency and fault draws; defaults to the scenario's seed. */
  seed?: number;
  /** Scenario ms per real ms (K): 100 replays a scenario minute in 0.6 s. Default 1. */
  timeScale?: number;
  bodyLimitBytes?: number;
  /** How long close() lets in-flight answers finish before dropping them. Default 2 s. */
  closeGraceMs?: number;
  logger?: boolean;
}

/** A built mock plus what a test or the CLI needs to drive it. */
export interface MockProvider {
  app: FastifyInstance;
  stats(): MockProviderStats;
  /** Starts the scenario clock, the provider state (limits, prompt cache) and the counters afresh. */
  reset(): void;
  /** Stops accepting, lets in-flight answers finish for `closeGraceMs`, then drops the rest. */
  close(): Promise<void>;
}

/**
 * Joins Ajv's most specific error (the deepest path; the first of equals) into `path: message`, the shape of
 * Anthropic's 400 messages (`max_tokens: …`). Deepest, because a failed `anyOf` (content: a string or blocks)
 * lists the string branch first, which would blame `content` for a block's missing `text`.
 */
function validationMessage(err: FastifyError): string {
  const v = err.validation?.reduce((a, b) => (b.instancePath.length > a.instancePath.length ? b : a));
  if (!v) return err.message;
  const path = v.instancePath.split('/').filter(Boolean);
  const missing = (v.params as { missingProperty?: string }).missingProperty;
  if (v.keyword === 'required' && missing) return `${[...path, missing].join('.')}: Field required`;
  return `${path.length > 0 ? path.join('.') : 'body'}: ${v.message ?? 'invalid'}`;
}

function apiKeyOf(headers: Record<string, string | string[] | undefined>): string {
  const key = headers['x-api-key'];
  if (typeof key === 'string' && key.trim() !== '') return key;
  const auth = headers.authorization;
  return typeof auth === 'string' && /^Bearer\s+\S/i.test(auth) ? auth : '';
}

/** Builds the mock (routes, validation, error mapping) without listening. */
export function buildMockProvider(opts: MockProviderOptions): MockProvider {
  const timeScale = opts.timeScale ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new RangeError(`mock provider: timeScale must be a positive number, got ${timeScale}`);
  const seed = opts.seed ?? opts.scenario.seed;
  const bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const fresh = (): ProviderState => ({ provider: new ProviderModel(opts.scenario, seed), clock: new RealScheduler(timeScale, 0), mapper: new RequestMapper(opts.scenario, seed) });
  let state = fresh();
  const stats = new StatsCounter();
  const flights = new Set<AbortController>();

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    // As the runtime: `__proto__` and `constructor` keys are plain keys, not "invalid JSON" (../json-keys.ts).
    ...PLAIN_JSON_KEYS,
    requestIdHeader: false,
    genReqId: () => `req_${randomBytes(12).toString('base64url')}`,
    // Anthropic validates strictly: "5" is not an integer, and nothing is silently dropped or defaulted.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });

  const ctx: MessagesContext = {
    timeScale,
    stats,
    state: () => state,
    begin(reply): Flight {
      const ac = new AbortController();
      flights.add(ac);
      stats.inFlight(1);
      // 'close' also fires after a normal finish; only an unfinished response means the client left.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) ac.abort();
      });
      return {
        signal: ac.signal,
        end: () => {
          if (flights.delete(ac)) stats.inFlight(-1);
        },
      };
    },
  };

  app.addHook('onRequest', async (req, reply) => {
    reply.header('request-id', req.id);
    if (req.method !== 'POST' || req.routeOptions.url !== MESSAGES_URL) return;
    stats.received();
    // Anthropic's edge refuses oversized bodies before authentication; Fastify re-checks while reading.
    if (Number(req.headers['content-length'] ?? 0) > bodyLimit) return reply.code(413).send(errorBody(413, req.id));
    if (apiKeyOf(req.headers) === '') return reply.code(401).send(errorBody(401, req.id, 'x-api-key header is required'));
  });
  app.addHook('onResponse', async (req, reply) => {
    if (req.method === 'POST' && req.routeOptions.url === MESSAGES_URL) stats.responded(reply.statusCode);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let message: string | undefined;
    if (err instanceof MockHttpError) [status, message] = [err.status, err.message];
    else if (err.validation) [status, message] = [400, validationMessage(err)];
    else if (err.statusCode === 413) status = 413;
    else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) [status, message] = [err.statusCode === 415 ? 400 : err.statusCode, err.message];
    else {
      req.log.error(err);
      status = 500;
    }
    return reply.code(status).send(errorBody(status, req.id, message));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(404, req.id, `${req.method} ${req.url} is not part of the mock provider`)));

  app.post(MESSAGES_URL, { schema: { body: messagesBodySchema } }, (req, reply) => answerMessages(ctx, req, reply));
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/_headroom/stats', async () => stats.snapshot());
  app.post('/_headroom/reset', async () => {
    reset();
    return { ok: true };
  });

  function reset(): void {
    state = fresh();
    stats.reset();
  }

  async function close(): Promise<void> {
    const grace = setTimeout(() => {
      for (const ac of flights) ac.abort();
      app.server.closeAllConnections();
    }, opts.closeGraceMs ?? 2_000);
    try {
      await app.close();
    } finally {
      clearTimeout(grace);
    }
  }

  return { app, stats: () => stats.snapshot(), reset, close };
}

/** A listening mock, for tests and the CLI. */
export interface RunningMockProvider extends MockProvider {
  /** Base URL for an Anthropic client, e.g. `http://127.0.0.1:4010` (the SDK appends /v1/messages). */
  url: string;
}

/**
 * Builds the mock and listens (port 0 picks a free port).
 *
 * @example
 * const mock = await startMockProvider({ scenario, timeScale: 100 });
 * const client = new Anthropic({ apiKey: 'test', baseURL: mock.url, maxRetries: 0 });
 * …; await mock.close();
 */
export async function startMockProvider(opts: MockProviderOptions & { port?: number; host?: string }): Promise<RunningMockProvider> {
  const mock = buildMockProvider(opts);
  const url = await mock.app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  return { ...mock, url };
}
