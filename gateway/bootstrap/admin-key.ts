// The gateway never starts with a default password: on first start it installs
// the configured admin key or creates one and prints it once, outside the log.
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { ApiKeys } from '../../device-registry/index.ts';

export async function ensureAdminKey(keys: ApiKeys, configured: string | null, out: Writable, log: Logger): Promise<void> {
  const result = await keys.ensureAdmin(configured ?? undefined);
  if (!result.created) return;
  if (!result.secret) {
    log.info('admin key installed from configuration');
    return;
  }
  log.warn('first start: created an admin API key; it is printed once on standard output and never again');
  out.write(
    [
      '',
      '================================================================',
      ' First start: an admin API key was created. It is shown only once.',
      `   GATEWAY ADMIN KEY: ${result.secret}`,
      ' Send it as "Authorization: Bearer <key>"; create other keys at /api/keys.',
      '================================================================',
      '',
    ].join('\n'),
  );
}
