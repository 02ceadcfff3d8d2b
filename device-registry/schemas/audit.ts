// The append-only audit log: who changed what, with before/after (secrets redacted).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, PageOffset } from '../bounds.ts';

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    keyId: Type.Union([Type.String(), Type.Null()], { description: 'The API key behind the change (machines), or null' }),
    userId: Type.Optional(Type.String({ description: 'The signed-in person behind the change' })),
    name: Type.String({ description: 'The key\'s name or the person\'s user name' }),
    role: Type.Union([Type.String(), Type.Null()]),
  }),
  action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete'), Type.Literal('revoke')]),
  entity: Type.String(),
  entityId: Type.String(),
  before: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  after: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditQuery = Type.Object(
  {
    entity: Type.Optional(Type.String()),
    entityId: Type.Optional(Type.String()),
    actor: Type.Optional(Type.String({ description: 'An API key id or a user id' })),
    action: Type.Optional(Type.String()),
    from: Type.Optional(DateTime()),
    to: Type.Optional(DateTime()),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: PageOffset,
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;
