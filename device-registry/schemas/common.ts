// Building blocks shared by the registry's entity schemas. Each schema gives
// the TS type (Static), the HTTP validation and the OpenAPI document at once.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PageOffset } from '../bounds.ts';

/** A message shown instead of ajv's generic one when the value fails this schema. */
const say = (message: string) => ({ 'x-message': message });

export const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$',
  description: 'Letters, digits and _ . : -, up to 64 characters',
  ...say('must be 1-64 letters, digits, _ . : - (starting with a letter or digit)'),
});

// Names are free text (东门广场-01 must work) but never control characters.
export const Name = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[^\\u0000-\\u001f\\u007f]+$',
  ...say('must be 1-128 characters without control characters'),
});

export const GridCode = Type.String({
  pattern: '^[0-9A-Za-z_-]{1,32}$',
  description: 'Unique grid cell (网格) code',
  ...say('must be 1-32 letters, digits, _ or -'),
});

/** A GB/T 28181 identity: 8-digit centre code + 2 industry + 3 type + 1 network + 6 serial. */
export const Code20 = Type.String({ pattern: '^[0-9]{20}$', ...say('must be a 20-digit GB/T 28181 code') });

export const Location = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
  },
  { additionalProperties: false, description: 'WGS-84 latitude and longitude' },
);

export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 32, pattern: '^[^,;\\u0000-\\u001f]+$' }), {
  maxItems: 32,
  uniqueItems: true,
});

export const Severity = Type.Union([
  Type.Literal('critical'),
  Type.Literal('major'),
  Type.Literal('minor'),
  Type.Literal('warning'),
]);

export const Role = Type.Union([
  Type.Literal('admin'),
  Type.Literal('engineer'),
  Type.Literal('operator'),
  Type.Literal('dispatcher'),
]);
export type Role = Static<typeof Role>;
export const ALL_ROLES: readonly Role[] = ['admin', 'engineer', 'operator', 'dispatcher'];

/** Fields the registry adds to every stored entity. */
export const Meta = {
  version: Type.Integer({ minimum: 1, description: 'Incremented on every change; send it as If-Match to update safely' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

/** Runtime state reported by the rooms that run the device (video ingest, MQTT). */
export const DeviceStatus = Type.Object({
  // idle: not running because nobody needs it now (an on-demand camera nobody watches); not a fault.
  state: Type.Union([Type.Literal('unknown'), Type.Literal('starting'), Type.Literal('online'), Type.Literal('offline'), Type.Literal('idle')]),
  reason: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time' })),
});
export type DeviceStatus = Static<typeof DeviceStatus>;

/** oneOf with a discriminator: ajv then reports errors from the matching variant only. */
export function Discriminated<T extends TSchema[]>(propertyName: string, variants: [...T], options: object = {}) {
  return Type.Unsafe<Static<T[number]>>({ ...options, type: 'object', oneOf: variants, discriminator: { propertyName } });
}

const MessageParams = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]));

export const ErrorBody = Type.Object({
  code: Type.String({ examples: ['GW_ERR_VALIDATION'] }),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'Dotted path of the field at fault' })),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String(), code: Type.Optional(Type.String()), params: Type.Optional(MessageParams) }))),
  messageCode: Type.Optional(Type.String({ description: 'The message\'s code in the message catalogue (device-registry/messages.ts), for clients that show it in their language' })),
  messageParams: Type.Optional(MessageParams),
});

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
  });

export const ListQuery = Type.Object(
  {
    grid: Type.Optional(Type.String({ description: 'Grid code; includes every cell below it' })),
    kind: Type.Optional(Type.String()),
    tag: Type.Optional(Type.String()),
    status: Type.Optional(Type.Union([Type.Literal('unknown'), Type.Literal('starting'), Type.Literal('online'), Type.Literal('offline'), Type.Literal('idle')])),
    enabled: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ maxLength: 128, description: 'Text search in id and name' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: PageOffset,
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;
