/**
 * HTTP error bodies of the runtime: always JSON, always naming what was wrong, never a stack trace.
 *   { "error": { "type": "invalid_request", "message": "…", "field": "body.priority" } }
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { ErrorCode, HeadroomError } from '../errors.js';
import { ProviderRequestError } from './providers/errors.js';

export interface ErrorBody {
  error: { type: string; message: string; field?: string; reason?: string };
}

export function errorBody(type: string, message: string, extra: { field?: string; reason?: string } = {}): ErrorBody {
  return { error: { type, message, ...extra } };
}

/** Maps Fastify's own errors (validation, body parsing, size) to our JSON shape. */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  if (err.validation && err.validation.length > 0) {
    const v = err.validation[0]!;
    const where = err.validationContext ?? 'body';
    const missing = (v.params as { missingProperty?: string })?.missingProperty;
    const extra = (v.params as { additionalProperty?: string })?.additionalProperty;
    const path = `${where}${v.instancePath.replaceAll('/', '.')}${missing ? `.${missing}` : ''}${extra ? `.${extra}` : ''}`;
    const allowed = (v.params as { allowedValues?: unknown[] })?.allowedValues;
    const message =
      extra ? `unknown field "${extra}"`
      : missing ? `missing required field "${missing}"`
      : allowed ? `${path}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, found ${foundAt(req, where, v.instancePath)}`
      : `${path} ${v.message ?? 'is invalid'}`;
    reply.code(400).send(errorBody('invalid_request', message, { field: path }));
    return;
  }
  const status = err.statusCode ?? 500;
  if (status === 413) {
    reply.code(413).send(errorBody('request_too_large', 'the request body is larger than the limit'));
    return;
  }
  if (status === 415) {
    reply.code(415).send(errorBody('unsupported_media_type', 'send JSON with content-type: application/json'));
    return;
  }
  if (status >= 400 && status < 500) {
    // Body parsing problems (malformed JSON, empty body) and the like: safe to echo Fastify's message.
    // The content-type parser's errors (FST_ERR_CTP_…) are about the body as a whole.
    const field = err.code?.startsWith('FST_ERR_CTP_') ? { field: 'body' } : {};
    reply.code(status).send(errorBody('invalid_request', err.message.replace(/^Body /, 'body '), field));
    return;
  }
  if ((err as unknown) instanceof HeadroomError && (err as unknown as HeadroomError).code === ErrorCode.redisUnavailable) {
    // Shared state (limiter, cache, sessions) is out of reach: a condition to retry, not a bug.
    req.log.error({ err }, 'shared store unavailable');
    reply.code(503).header('retry-after', '1').send(errorBody('store_unavailable', 'the shared state store (Redis) is unavailable; retry later'));
    return;
  }
  if ((err as unknown) instanceof ProviderRequestError) {
    // The provider refused the request itself (a model id it does not know, a bad key): no retry can fix
    // it, and it is the upstream's answer, not our bug. Its message is already redacted by the adapter.
    req.log.error({ err }, 'provider refused the request');
    reply.code(502).send(providerRefusal(err as unknown as ProviderRequestError));
    return;
  }
  req.log.error({ err }, 'unhandled error');
  reply.code(500).send(errorBody('internal_error', 'internal error; see the server log for the request id'));
}

/** The value a validation error is about, quoted and cut short (errors name the problem; they do not echo huge inputs). */
function foundAt(req: FastifyRequest, where: string, instancePath: string): string {
  let v: unknown = where === 'params' ? req.params : where === 'querystring' ? req.query : where === 'headers' ? req.headers : req.body;
  for (const seg of instancePath.split('/').slice(1)) v = v !== null && typeof v === 'object' && Object.hasOwn(v, seg) ? (v as Record<string, unknown>)[seg] : undefined;
  const text = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The body for a request the provider refused: 502, with the provider's status, type and request id in the message. */
export function providerRefusal(err: ProviderRequestError): ErrorBody {
  return errorBody('provider_error', err.message, err.type ? { reason: err.type } : {});
}

/** Fastify's `frameworkErrors`: a bad percent-encoding in the URL (400), a path parameter over `maxParamLength` (414). */
export function frameworkErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send(errorBody('uri_too_long', 'a path parameter is longer than the server accepts', { field: 'params' }));
    return;
  }
  reply.code(err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400).send(errorBody('invalid_request', 'the URL is not valid (bad percent-encoding?)', { field: 'url' }));
}

/**
 * Node's `clientError` (the HTTP parser refused the request line or the headers), answered in our shape
 * on the raw socket, as Fastify's default handler does in its own: 431 for oversized headers, 408 for
 * a request that timed out, 400 otherwise; then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, body] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', errorBody('headers_too_large', 'the request headers are larger than the server accepts')]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', errorBody('request_timeout', 'the request was not received in time')]
        : [400, 'Bad Request', errorBody('invalid_request', 'malformed HTTP request (request line or headers)')];
  const json = JSON.stringify(body);
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(json)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${json}`);
  socket.destroy(err);
}
