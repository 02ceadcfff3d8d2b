// One ajv setup for the whole project: HTTP bodies, imported rows and config
// all validate against the same schemas and report errors the same way,
// as {field: 'source.url', message: 'not an rtsp:// URL'}.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { addBoundKeywords } from './bounds.ts';
import type { FieldError } from './errors.ts';

export * from './bounds.ts';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const FORMAT_MESSAGES: Record<string, string> = {
  'rtsp-url': 'not an rtsp:// URL',
  email: 'not an e-mail address',
  'date-time': 'not an ISO-8601 date-time',
};

export function isRtspUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'rtsp:' || url.protocol === 'rtsps:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * strict: for bodies and imported rows (no type coercion, no silent removal of unknown fields).
 * coerce: for query strings and params, where every value arrives as text.
 */
export function createAjv(mode: 'strict' | 'coerce'): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    discriminator: true,
    verbose: true,
    coerceTypes: mode === 'coerce',
    useDefaults: mode === 'coerce',
    removeAdditional: false,
    allowUnionTypes: true,
    // NaN and ±Infinity are not numbers here ("Infinity" in a query would pass `integer` and reach the stores).
    strictNumbers: true,
  });
  addFormats(ajv);
  ajv.addFormat('rtsp-url', { type: 'string', validate: isRtspUrl });
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
  addBoundKeywords(ajv);
  return ajv;
}

const dotted = (instancePath: string): string =>
  instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);

export function formatAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  // A union of literals fails with one `const` error per literal and one `anyOf`:
  // gather the literals and report them once, as the allowed values.
  const literals = new Map<string, unknown[]>();
  const push = (field: string, message: string) => {
    const key = `${field}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message });
    }
  };
  for (const e of errors ?? []) {
    const at = join(prefix, dotted(e.instancePath));
    const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
    if (e.keyword === 'const') {
      literals.set(at, [...(literals.get(at) ?? []), e.params.allowedValue]);
    } else if (e.keyword === 'anyOf') {
      const values = literals.get(at);
      push(at, values?.length ? `must be one of ${values.join(', ')}` : 'has an invalid value or type');
    } else if (e.keyword === 'required') {
      push(join(at, String(e.params.missingProperty)), 'is required');
    } else if (e.keyword === 'additionalProperties') {
      push(join(at, String(e.params.additionalProperty)), 'is not a known field');
    } else if (e.keyword === 'discriminator') {
      const tag = String(e.params.tag);
      const variants = (e.parentSchema as { oneOf?: { properties?: Record<string, { const?: unknown }> }[] })?.oneOf ?? [];
      const known = variants.map((v) => v.properties?.[tag]?.const).filter((v) => v !== undefined);
      push(join(at, tag), e.params.tagValue === undefined ? 'is required' : `must be one of ${known.join(', ')}`);
    } else if (e.keyword === 'format' && FORMAT_MESSAGES[String(e.params.format)]) {
      push(at, FORMAT_MESSAGES[String(e.params.format)]!);
    } else if (typeof custom === 'string' && ['pattern', 'minLength', 'maxLength', 'format'].includes(e.keyword)) {
      push(at, custom);
    } else if (e.keyword === 'enum') {
      push(at, `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`);
    } else {
      push(at, e.message ?? 'is invalid');
    }
  }
  // A lone const (not inside a union) is reported as such.
  for (const [field, values] of literals) {
    if (!out.some((e) => e.field === field)) push(field, `must be ${values.join(' or ')}`);
  }
  return out;
}

const strictAjv = createAjv('strict');
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** Validate a value against a schema with the strict (body) rules. */
export function check(schema: TSchema, value: unknown, prefix = ''): FieldError[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = strictAjv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate(value) ? [] : formatAjvErrors(validate.errors, prefix);
}
