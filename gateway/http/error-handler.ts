// Every error leaves as {code, message, field?, errors?} with its HTTP status:
// our GwErrors as they are, Fastify's own (validation, body limits, bad JSON)
// translated into the catalogue, anything unexpected as a logged 500.
import type { FastifyError, FastifyInstance } from 'fastify';
import { formatAjvErrors, GwError, invalid, isPostgresUnreachable } from '../../device-registry/index.ts';

const FASTIFY_CODES: Record<string, () => GwError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new GwError('GW_ERR_BODY_TOO_LARGE', 'the request body is larger than allowed', 'body'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'this content type is not accepted here', 'content-type'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new GwError('GW_ERR_VALIDATION', 'the JSON body is empty', 'body'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new GwError('GW_ERR_VALIDATION', 'Content-Length does not match the body', 'body'),
};

export function toGwError(err: FastifyError | GwError | Error): GwError | undefined {
  if (err instanceof GwError) return err;
  const fe = err as FastifyError;
  if (fe.validation) {
    // Body, query and path fields are named by themselves; only headers get a prefix.
    return invalid(formatAjvErrors(fe.validation as never, fe.validationContext === 'headers' ? 'headers' : ''));
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
      if (gw.statusCode >= 500) req.log.error({ err }, gw.message);
      return reply.code(gw.statusCode).send(gw.toBody());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'GW_ERR_INTERNAL', message: 'internal error; see the gateway log', requestId: req.id });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ code: 'GW_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
