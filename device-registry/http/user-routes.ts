// People, managed by admins: list, create (a temporary password shown once
// when none is given), read, change (role, scope, department, disabled),
// delete, and reset a password.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../auth/accounts.ts';
import { publicUser } from '../auth/users.ts';
import { ErrorBody, Id } from '../schemas/common.ts';
import { User, UserInput, UserPatch, UserWithPassword } from '../schemas/user.ts';
import { ADMIN_ROLES } from './roles.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['users'];
const params = Type.Object({ id: Id });
const idOf = (p: unknown) => (p as { id: string }).id;

export function userRoutes(app: FastifyInstance, accounts: Accounts): void {
  const { users } = accounts;
  const config = { roles: ADMIN_ROLES };

  app.get('/api/users', {
    config, schema: { tags, summary: 'List the people who can sign in', response: { 200: Type.Object({ items: Type.Array(User) }), ...errors } },
  }, async () => ({ items: await users.list() }));

  app.post('/api/users', {
    config,
    schema: { tags, summary: 'Create a person; without a password a temporary one is made and shown in this response only', body: UserInput, response: { 201: UserWithPassword, ...errors } },
  }, async (req, reply) => {
    reply.code(201);
    return users.create(req.body, req.actor!);
  });

  app.get('/api/users/:id', {
    config, schema: { tags, summary: 'One person', params, response: { 200: User, ...errors } },
  }, async (req) => publicUser(await users.getRow(idOf(req.params))));

  app.patch('/api/users/:id', {
    config,
    schema: { tags, summary: 'Change a person\'s name, role, department, scope or disabled (disabling signs them out at once)', params, body: UserPatch, response: { 200: User, ...errors } },
  }, async (req) => users.update(idOf(req.params), req.body, req.actor!));

  app.delete('/api/users/:id', {
    config, schema: { tags, summary: 'Delete a person (their sessions end; the audit log keeps what they did)', params, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await users.remove(idOf(req.params), req.actor!);
    reply.code(204);
  });

  app.post('/api/users/:id/reset-password', {
    config,
    schema: { tags, summary: 'A temporary password, shown in this response only; the person must change it at the next sign-in; their sessions end', params, response: { 200: UserWithPassword, ...errors } },
  }, async (req) => {
    const id = idOf(req.params);
    const row = await users.getRow(id);
    const reset = await users.resetPassword(id, req.actor!);
    await accounts.throttle.unlock(row.username);
    accounts.sessions.announce(id);
    return reset;
  });
}
