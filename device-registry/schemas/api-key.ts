// API keys: the only way in. The secret is shown once at creation and stored as a hash.
import { Type, type Static } from '@sinclair/typebox';
import { Id, Name, Role } from './common.ts';

export const ApiKeyInput = Type.Object({ name: Name, role: Role }, { additionalProperties: false });
export type ApiKeyInput = Static<typeof ApiKeyInput>;

export const ApiKey = Type.Object({
  id: Id,
  name: Name,
  role: Role,
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
