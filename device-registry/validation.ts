// One ajv setup for the whole project: HTTP bodies, imported rows and config
// all validate against the same schemas and report errors the same way,
// as {field: 'source.url', message: 'not an rtsp:// URL', code: 'not_rtsp_url'}
// (the code and params from the message catalogue, messages.ts).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { addBoundKeywords } from './bounds.ts';
import type { FieldError } from './errors.ts';
import { codeOfText, say, type Params } from './messages.ts';

export * from './bounds.ts';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Formats with a message of their own in the catalogue (messages.ts). */
const FORMAT_CODES: Record<string, string> = { 'rtsp-url': 'not_rtsp_url', email: 'not_email', 'date-time': 'not_date_time' };

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

/** ajv keywords whose message is a bound: the code and the bound as `limit` (`must be <= 90` → max {limit: 90}). */
const LIMIT_CODES: Record<string, string> = {
  maximum: 'max', minimum: 'min', exclusiveMaximum: 'max_exclusive', exclusiveMinimum: 'min_exclusive',
  maxLength: 'max_length', minLength: 'min_length', maxItems: 'max_items', minItems: 'min_items',
};

/** The code and params of one of ajv's own messages; `invalid` (with the English kept) for the rest. */
function codeOfAjv(e: ErrorObject): { code: string; params?: Params } {
  const limitCode = LIMIT_CODES[e.keyword];
  if (limitCode && typeof e.params.limit === 'number') return { code: limitCode, params: { limit: e.params.limit } };
  if (e.keyword === 'type') return { code: 'wrong_type', params: { type: String(e.params.type) } };
  if (e.keyword === 'x-json-bounds') {
    const deep = (e.message ?? '').includes('deeper');
    return deep ? { code: 'too_deep', params: { maxDepth: Number(e.params.maxDepth) } } : { code: 'too_large', params: { maxBytes: Number(e.params.maxBytes) } };
  }
  if (e.keyword === 'pattern') return { code: 'bad_pattern', params: { pattern: String(e.params.pattern) } };
  return { code: codeOfText(e.message ?? '') ?? 'invalid' };
}

export function formatAjvErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  // A union of literals fails with one `const` error per literal and one `anyOf`:
  // gather the literals and report them once, as the allowed values.
  const literals = new Map<string, unknown[]>();
  const push = (field: string, message: string, code: string, params?: Params) => {
    const key = `${field}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ field, message, code, ...(params ? { params } : {}) });
    }
  };
  const pushSaid = (field: string, m: { code: string; params?: Params; message: string }) => push(field, m.message, m.code, m.params);
  for (const e of errors ?? []) {
    const at = join(prefix, dotted(e.instancePath));
    const custom = (e.parentSchema as Record<string, unknown> | undefined)?.['x-message'];
    if (e.keyword === 'const') {
      literals.set(at, [...(literals.get(at) ?? []), e.params.allowedValue]);
    } else if (e.keyword === 'anyOf') {
      const values = literals.get(at);
      // A value-or-null field with a bad value: its branch's own message says it; "must be null" and the generic line only add noise.
      if (!values?.length && out.some((x) => x.field === at && x.message !== 'must be null')) {
        for (let i = out.length - 1; i >= 0; i--) if (out[i]!.field === at && out[i]!.message === 'must be null') out.splice(i, 1);
        continue;
      }
      pushSaid(at, values?.length ? say('one_of', { values: values.join(', ') }) : say('invalid_value'));
    } else if (e.keyword === 'required') {
      pushSaid(join(at, String(e.params.missingProperty)), say('required'));
    } else if (e.keyword === 'additionalProperties') {
      pushSaid(join(at, String(e.params.additionalProperty)), say('unknown_field'));
    } else if (e.keyword === 'discriminator') {
      const tag = String(e.params.tag);
      const variants = (e.parentSchema as { oneOf?: { properties?: Record<string, { const?: unknown }> }[] })?.oneOf ?? [];
      const known = variants.map((v) => v.properties?.[tag]?.const).filter((v) => v !== undefined);
      pushSaid(join(at, tag), e.params.tagValue === undefined ? say('required') : say('one_of', { values: known.join(', ') }));
    } else if (e.keyword === 'format' && FORMAT_CODES[String(e.params.format)]) {
      pushSaid(at, say(FORMAT_CODES[String(e.params.format)]!));
    } else if (typeof custom === 'string' && ['pattern', 'minLength', 'maxLength', 'format'].includes(e.keyword)) {
      push(at, custom, codeOfText(custom) ?? 'invalid');
    } else if (e.keyword === 'enum') {
      pushSaid(at, say('one_of', { values: (e.params.allowedValues as unknown[]).join(', ') }));
    } else {
      const coded = codeOfAjv(e);
      push(at, e.message ?? 'is invalid', coded.code, coded.params);
    }
  }
  // A lone const (not inside a union) is reported as such.
  for (const [field, values] of literals) {
    if (!out.some((e) => e.field === field)) pushSaid(field, say('must_be', { values: values.join(' or ') }));
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
