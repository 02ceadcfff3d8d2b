// API keys: the only way in. The secret is shown once at creation and stored as a hash.
import { Type, type Static } from '@sinclair/typebox';
import { GridCode, Id, Name, Role } from './common.ts';

/** Grid codes the key may see and act on (each with every cell below it); null or absent: everything. */
export const Scope = Type.Union([Type.Array(GridCode, { maxItems: 1000 }), Type.Null()], {
  description: 'Grid codes (网格), each with every cell below it; null: everything. Never set for admin.',
});

export const ApiKeyInput = Type.Object({ name: Name, role: Role, scope: Type.Optional(Scope) }, { additionalProperties: false });
export type ApiKeyInput = Static<typeof ApiKeyInput>;

export const ApiKey = Type.Object({
  id: Id,
  name: Name,
  role: Role,
  scope: Scope,
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type ApiKey = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  secret: Type.String({ description: 'Shown once; send as "Authorization: Bearer <secret>"' }),
});
