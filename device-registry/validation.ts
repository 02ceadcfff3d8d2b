// One ajv setup for the whole project: HTTP bodies, imported rows and config
// all validate against the same schemas and report errors the same way,
// as {field: 'source.url', message: 'not an rtsp:// URL'}.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import type { FieldError } from './errors.ts';

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
  });
  addFormats(ajv);
  ajv.addFormat('rtsp-url', { type: 'string', validate: isRtspUrl });
  ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });
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
  for (const e of errors ?? []) {
    const at = join(prefix, dotted(e.instancePath));
    let field = at;
    let message: string;
    const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
    if (e.keyword === 'required') {
      field = join(at, String(e.params.missingProperty));
      message = 'is required';
    } else if (e.keyword === 'additionalProperties') {
      field = join(at, String(e.params.additionalProperty));
      message = 'is not a known field';
    } else if (e.keyword === 'discriminator') {
      field = join(at, String(e.params.tagName));
      message = e.params.error === 'tag' ? 'is required (a string)' : `is not one of the known values`;
    } else if (e.keyword === 'format' && FORMAT_MESSAGES[String(e.params.format)]) {
      message = FORMAT_MESSAGES[String(e.params.format)]!;
    } else if (typeof custom === 'string' && ['pattern', 'minLength', 'maxLength', 'format'].includes(e.keyword)) {
      message = custom;
    } else if (e.keyword === 'enum' || (e.keyword === 'const' && e.params.allowedValue !== undefined)) {
      message = `must be one of ${JSON.stringify(e.params.allowedValues ?? [e.params.allowedValue])}`;
    } else {
      message = e.message ?? 'is invalid';
    }
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  // anyOf over literals reports one error per literal plus the anyOf itself; keep it readable.
  return collapseUnionErrors(out);
}

function collapseUnionErrors(errors: FieldError[]): FieldError[] {
  const anyOfFields = new Set(errors.filter((e) => e.message === 'must match a schema in anyOf').map((e) => e.field));
  if (anyOfFields.size === 0) return errors;
  const result: FieldError[] = [];
  const allowed = new Map<string, string[]>();
  for (const e of errors) {
    if (!anyOfFields.has(e.field)) {
      result.push(e);
      continue;
    }
    const m = /^must be equal to constant$/.test(e.message);
    if (m) continue;
    if (e.message.startsWith('must be one of ')) {
      const list = allowed.get(e.field) ?? [];
      list.push(...(JSON.parse(e.message.slice('must be one of '.length)) as unknown[]).map(String));
      allowed.set(e.field, list);
    }
  }
  for (const field of anyOfFields) {
    const values = allowed.get(field);
    result.push({ field, message: values?.length ? `must be one of ${values.join(', ')}` : 'has an invalid value or type' });
  }
  return result;
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
