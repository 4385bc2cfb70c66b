/**
 * HTTP error bodies of the runtime: always JSON, always naming what was wrong, never a stack trace.
 *   { "error": { "type": "invalid_request", "message": "…", "field": "body.priority" } }
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

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
    const message = extra ? `unknown field "${extra}"` : missing ? `missing required field "${missing}"` : `${path} ${v.message ?? 'is invalid'}`;
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
    reply.code(status).send(errorBody('invalid_request', err.message.replace(/^Body /, 'body ')));
    return;
  }
  req.log.error({ err }, 'unhandled error');
  reply.code(500).send(errorBody('internal_error', 'internal error; see the server log for the request id'));
}
