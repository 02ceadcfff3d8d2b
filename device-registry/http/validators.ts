// Fastify validation with the project's ajv: bodies strictly (no coercion, no
// silent dropping of unknown fields), query strings and params with coercion.
import type { FastifyInstance } from 'fastify';
import { createAjv } from '../validation.ts';

export function installValidators(app: FastifyInstance): void {
  const strict = createAjv('strict');
  const coerce = createAjv('coerce');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coerce).compile(schema));
  // Responses are plain JSON.stringify: response schemas document the API; the
  // entities' toPublic() decides what leaves, so nothing is dropped silently.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
