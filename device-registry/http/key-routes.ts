// API key management (admins only), "who am I" and URL tokens for any caller.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiKeys } from '../auth/api-keys.ts';
import type { UrlTokens } from '../auth/signed-tokens.ts';
import { ApiKey, ApiKeyInput, CreatedApiKey } from '../schemas/api-key.ts';
import { ErrorBody, Id, Role } from '../schemas/common.ts';
import { tokenSubject } from './auth.ts';
import { ADMIN_ROLES, READ_ROLES } from './roles.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function keyRoutes(app: FastifyInstance, keys: ApiKeys, urlTokens: UrlTokens): void {
  const tags = ['keys'];
  app.get('/api/keys', {
    config: { roles: ADMIN_ROLES },
    schema: { tags, summary: 'List API keys (never their secrets)', response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...errors } },
  }, async () => ({ items: await keys.list() }));

  app.post('/api/keys', {
    config: { roles: ADMIN_ROLES },
    schema: { tags, summary: 'Create an API key; the secret is in this response only', body: ApiKeyInput, response: { 201: CreatedApiKey, ...errors } },
  }, async (req, reply) => {
    reply.code(201);
    return keys.create(req.body, req.actor!);
  });

  app.delete('/api/keys/:id', {
    config: { roles: ADMIN_ROLES },
    schema: { tags, summary: 'Revoke an API key (kept on record)', params: Type.Object({ id: Id }), response: { 200: ApiKey, ...errors } },
  }, async (req) => keys.revoke((req.params as { id: string }).id, req.actor!));

  app.get('/api/me', {
    config: { roles: READ_ROLES, scope: 'global' },
    schema: {
      tags, summary: 'The key or person making this request, its role and scope (GET /api/auth/me says more about a person)',
      response: {
        200: Type.Object({
          keyId: Type.Union([Type.String(), Type.Null()]), userId: Type.Optional(Type.Union([Type.String(), Type.Null()])), name: Type.String(), role: Role,
          scope: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()])),
        }),
        ...errors,
      },
    },
  }, async (req) => req.actor);

  app.post('/api/url-tokens', {
    config: { roles: READ_ROLES, scope: 'global' }, // the token carries its holder: their scope applies where it is used
    schema: {
      tags, summary: 'A short-lived token for ?access_token= on the URLs a browser fetches by itself (event stream, snapshots); API keys are not accepted in URLs',
      response: { 200: Type.Object({ token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }), ...errors },
    },
  }, async (req) => {
    // Issued to a signed-in person, the token names their session and ends with it.
    const { token, expiresAt } = urlTokens.issueFor(tokenSubject(req));
    return { token, expiresAt: new Date(expiresAt).toISOString() };
  });
}
