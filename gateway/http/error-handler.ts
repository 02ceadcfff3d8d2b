// Every error leaves as {code, message, field?, errors?} with its HTTP status:
// our GwErrors as they are, Fastify's own (validation, body limits, bad JSON)
// translated into the catalogue, anything unexpected as a logged 500.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { formatAjvErrors, GwError, invalid, isPostgresUnreachable } from '../../device-registry/index.ts';

const FASTIFY_CODES: Record<string, () => GwError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new GwError('GW_ERR_BODY_TOO_LARGE', 'the request body is larger than allowed', 'body'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'this content type is not accepted here: send application/json (or application/merge-patch+json to PATCH)', 'content-type'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new GwError('GW_ERR_VALIDATION', 'the JSON body is empty', 'body'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new GwError('GW_ERR_VALIDATION', 'Content-Length does not match the body', 'body'),
};

/**
 * 5xx codes that report a device's answer (or silence), or an engine that is away for now
 * (the database during a restart: its pool logs the loss once), not a fault of the gateway.
 */
const EXPECTED_OUTCOMES = new Set<string>(['GW_ERR_DEVICE_REFUSED', 'GW_ERR_DEVICE_TIMEOUT', 'GW_ERR_UNAVAILABLE']);

export function toGwError(err: FastifyError | GwError | Error): GwError | undefined {
  if (err instanceof GwError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    // Body, query and path fields are named by themselves; only headers get a prefix.
    // A fault of the whole part (an array for an object, an empty patch) names the part.
    const part = fe.validationContext === 'querystring' ? 'query' : (fe.validationContext ?? 'body');
    const errors = formatAjvErrors(fe.validation as never, part === 'headers' ? 'headers' : '');
    return invalid(errors.map((e) => (e.field ? e : { ...e, field: part })));
  }
  if (fe.code && FASTIFY_CODES[fe.code]) return FASTIFY_CODES[fe.code]!();
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new GwError('GW_ERR_VALIDATION', `the body is not valid JSON: ${err.message}`, 'body');
  }
  if (isPostgresUnreachable(err)) return new GwError('GW_ERR_UNAVAILABLE', `the database is unavailable (${err.message}); try again shortly`);
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new GwError(fe.statusCode === 404 ? 'GW_ERR_NOT_FOUND' : 'GW_ERR_VALIDATION', err.message, undefined);
  }
  return undefined;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const gw = toGwError(err as FastifyError);
    if (gw) {
      // A device that does not answer is an expected outcome (no stack); other 5xx are faults of ours.
      if (EXPECTED_OUTCOMES.has(gw.code)) req.log.warn({ code: gw.code }, gw.message);
      else if (gw.statusCode >= 500) req.log.error({ err }, gw.message);
      return reply.code(gw.statusCode).send(gw.toBody());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'GW_ERR_INTERNAL', message: 'internal error; see the gateway log', requestId: req.id });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 'GW_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}` }),
  );
}

/**
 * Fastify's option `frameworkErrors`: what the router refuses before any
 * route runs (a path that is not valid percent-encoded UTF-8, a path segment
 * longer than the router takes) leaves in the catalogue's form too.
 */
export function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const gw =
    err.code === 'FST_ERR_BAD_URL' ? new GwError('GW_ERR_VALIDATION', 'the path is not valid percent-encoded UTF-8', 'path')
    : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new GwError('GW_ERR_VALIDATION', 'a path segment is longer than the gateway accepts', 'path')
    : (toGwError(err) ?? new GwError('GW_ERR_VALIDATION', 'the request cannot be routed', 'path'));
  void reply.code(gw.statusCode).send(gw.toBody());
}

/**
 * Fastify's option `clientErrorHandler`: a request Node's HTTP parser refuses
 * (headers too large, not HTTP, too slow) never reaches a route; answer it in
 * the catalogue's form and close, as Fastify's default does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const gw =
    err.code === 'HPE_HEADER_OVERFLOW' ? new GwError('GW_ERR_HEADERS_TOO_LARGE', 'the request headers are larger than allowed', 'headers')
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new GwError('GW_ERR_REQUEST_TIMEOUT', 'the request did not arrive in time')
    : new GwError('GW_ERR_VALIDATION', 'the request is not valid HTTP', 'request');
  const body = JSON.stringify(gw.toBody());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${gw.statusCode} ${STATUS_CODES[gw.statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
