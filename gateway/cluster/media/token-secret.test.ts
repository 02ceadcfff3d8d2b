// The cluster's media-token secret on a real PostgreSQL: nodes starting at the
// same moment all get the one secret, and it stays across restarts, so a
// token one node minted verifies on another.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startPostgres, postgresInstalled, type Postgres } from '../../../test/helpers/postgres.ts';
import { MediaTokens } from '../../video/http/media-token.ts';
import { sharedMediaTokenSecret } from './token-secret.ts';

const skip = postgresInstalled() ? false : 'PostgreSQL is not installed';
let postgres: Postgres | undefined;
before(async () => {
  if (!skip) postgres = await startPostgres();
});
after(async () => postgres?.close());

test('every node gets the same secret, also when they start together and after a restart', { skip }, async () => {
  const url = await postgres!.createDatabase('media_secret');
  const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: url, max: 2 }));
  try {
    const secrets = await Promise.all(pools.map((p) => sharedMediaTokenSecret(p)));
    assert.equal(secrets[0]!.length, 32);
    for (const s of secrets) assert.deepEqual(s, secrets[0]);
    assert.deepEqual(await sharedMediaTokenSecret(pools[0]!), secrets[0], 'the same after a restart');

    const onA = new MediaTokens(secrets[0]!, 600);
    const onB = new MediaTokens(secrets[3]!, 600);
    const { token, expiresAt } = onA.issue('cam-1', 'key_wall');
    assert.deepEqual(onB.verify(token, 'cam-1'), { ok: true, keyId: 'key_wall', expiresAt });
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});
