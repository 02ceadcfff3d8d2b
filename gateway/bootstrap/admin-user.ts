// The first admin person: with no active admin user, the gateway creates
// `admin` with the configured password (auth.adminPassword) or a random one
// printed once here, outside the log, to be changed at the first sign-in.
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Users } from '../../device-registry/auth/users.ts';

export async function ensureAdminUser(users: Users, configured: string | null, out: Writable, log: Logger): Promise<void> {
  const result = await users.ensureAdmin(configured ?? undefined);
  if (!result.created) return;
  if (!result.password) {
    log.info({ username: result.username }, 'admin user created with the configured password');
    return;
  }
  log.warn({ username: result.username }, 'first start: created an admin user; its password is printed once on standard output and never again');
  out.write(
    [
      '',
      '================================================================',
      ' First start: an admin user was created. Its password is shown only once.',
      `   GATEWAY ADMIN USER: ${result.username}`,
      `   GATEWAY ADMIN PASSWORD: ${result.password}`,
      ' Sign in to the wall with them; you will be asked for a new password.',
      '================================================================',
      '',
    ].join('\n'),
  );
}
