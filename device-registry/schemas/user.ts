// People who sign in: the public form (never a hash, never a session id), what
// an admin sends to create or change one, and the sign-in bodies.
import { Type, type Static } from '@sinclair/typebox';
import { Scope } from './api-key.ts';
import { Id, Name, Role } from './common.ts';

export const Username = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$',
  description: 'Letters, digits and _ . @ -, up to 64 characters; unique ignoring case',
  'x-message': 'must be 1-64 letters, digits, _ . @ - (starting with a letter or digit)',
});

const Password = Type.String({ minLength: 1, maxLength: 1024 });

export const User = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  department: Type.Union([Type.String(), Type.Null()], { description: 'Department id' }),
  scope: Scope,
  source: Type.Union([Type.Literal('local'), Type.Literal('oidc')]),
  disabled: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  lastSignInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type User = Static<typeof User>;

export const UserInput = Type.Object(
  {
    username: Username,
    displayName: Type.Optional(Name),
    role: Role,
    department: Type.Optional(Type.Union([Id, Type.Null()])),
    scope: Type.Optional(Scope),
    password: Type.Optional({ ...Password, description: 'When absent, a temporary password is made and shown once in the response' }),
  },
  { additionalProperties: false },
);
export type UserInput = Static<typeof UserInput>;

export const UserPatch = Type.Object(
  {
    displayName: Type.Optional(Name),
    role: Type.Optional(Role),
    department: Type.Optional(Type.Union([Id, Type.Null()])),
    scope: Type.Optional(Scope),
    disabled: Type.Optional(Type.Boolean({ description: 'A disabled user is signed out at once and cannot sign in' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatch = Static<typeof UserPatch>;

/** A user with the password made for them, shown in this response only. */
export const UserWithPassword = Type.Object({
  user: User,
  temporaryPassword: Type.Optional(Type.String({ description: 'Shown once; the user must change it at the next sign-in' })),
});

export const LoginInput = Type.Object({ username: Type.String({ minLength: 1, maxLength: 128 }), password: Password }, { additionalProperties: false });
export type LoginInput = Static<typeof LoginInput>;

export const PasswordChange = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
export type PasswordChange = Static<typeof PasswordChange>;

export const SignedIn = Type.Object({ user: User, csrfToken: Type.String({ description: 'Send as x-csrf-token on every write made with the session cookie' }) });

export const Me = Type.Object({
  via: Type.Union([Type.Literal('session'), Type.Literal('key')]),
  user: Type.Union([User, Type.Null()], { description: 'The signed-in person; null for an API key' }),
  key: Type.Optional(Type.Object({ id: Type.String(), name: Type.String(), role: Role, scope: Scope })),
  csrfToken: Type.Optional(Type.String()),
});
