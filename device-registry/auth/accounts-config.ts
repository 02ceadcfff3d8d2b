// The accounts' part of the `auth` configuration section (gateway/config/schema.ts):
// the first admin's password, session timeouts and the sign-in lockout.
import { Type } from '@sinclair/typebox';

export const AdminPasswordConfig = Type.Union([Type.String({ minLength: 10, 'x-message': 'must be at least 10 characters' }), Type.Null()], {
  description: 'The first admin user\'s password (env GATEWAY_AUTH__ADMIN_PASSWORD); null: a random one printed once at first start',
});

export const SessionConfigSchema = Type.Object(
  {
    idleMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 60, description: 'A session ends after this long without an authenticated request' }),
    absoluteHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 30, description: 'A session ends this long after sign-in, whatever the activity (a shift)' }),
  },
  { additionalProperties: false },
);

export const LockoutConfigSchema = Type.Object(
  {
    accountFailures: Type.Integer({ minimum: 1, maximum: 1000, description: 'Failed sign-ins for one user name before it locks' }),
    addressFailures: Type.Integer({ minimum: 1, maximum: 100000, description: 'Failed sign-ins from one address (any names) before it locks' }),
    baseSeconds: Type.Integer({ minimum: 1, maximum: 86400, description: 'The first lock; doubled by each further failure' }),
    maxSeconds: Type.Integer({ minimum: 1, maximum: 7 * 86400, description: 'The longest lock' }),
    resetMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60, description: 'Counting starts again after this long without a failure' }),
  },
  { additionalProperties: false },
);
