// How requests are read and checked: JSON bodies by our own parser (json-body.ts:
// media types, nesting, prototype keys), then Fastify validation with the
// project's ajv: bodies strictly (no coercion, no silent dropping of unknown
// fields), query strings and params with coercion.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { createAjv } from '../validation.ts';
import { installJsonBody } from './json-body.ts';

export function installValidators(app: FastifyInstance): void {
  installJsonBody(app);
  const strict = createAjv('strict');
  const coerce = createAjv('coerce');
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict.compile(schema) : finiteAfterCoercion(coerce.compile(schema))));
  // Responses are plain JSON.stringify: response schemas document the API; the
  // entities' toPublic() decides what leaves, so nothing is dropped silently.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * ajv coerces the text "Infinity" (or "1e400") to a number and then skips
 * minimum/maximum for it; a query or path value must come out finite.
 * Query strings and params are flat, so one level is all there is to look at.
 */
function finiteAfterCoercion(validate: ValidateFunction): ValidateFunction {
  const checked = ((data: unknown) => {
    const ok = validate(data);
    const errors: ErrorObject[] = [...(validate.errors ?? [])];
    for (const [name, value] of Object.entries((data ?? {}) as Record<string, unknown>)) {
      if ([value].flat().some((v) => typeof v === 'number' && !Number.isFinite(v))) {
        errors.push({ instancePath: `/${name}`, schemaPath: '', keyword: 'type', params: {}, message: 'must be a finite number' });
      }
    }
    checked.errors = errors.length ? errors : null;
    return ok && errors.length === 0;
  }) as ValidateFunction;
  return checked;
}
