// A real PgBouncer (Debian's `pgbouncer`) started the way docker/compose.yaml
// starts it: docker/pgbouncer/start.sh with docker/pgbouncer/pgbouncer.ini,
// only the addresses, ports and paths changed for a test (free port, the
// test's PostgreSQL, a temp dir for the secret and the userlist). As root it
// runs as the `postgres` user (PgBouncer refuses root).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, terminate, waitForPort } from './mosquitto.ts';

const run = promisify(execFile);
const COMPOSE_DIR = fileURLToPath(new URL('../../docker/pgbouncer/', import.meta.url));

export interface PgBouncer {
  port: number;
  /** A URL for the gateway database through PgBouncer, with the account start.sh wrote. */
  url: string;
  /** The settings it runs with (the compose file's, addresses changed). */
  ini: string;
  log: () => string;
  close(): Promise<void>;
}

/** Runs PgBouncer in front of `server` (host 127.0.0.1) for `database`, as the compose file does. */
export async function startPgBouncer(server: { port: number; user: string }, database: string): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-pgbouncer-'));
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets);
  const password = 'pgbouncer-test-password';
  writeFileSync(join(secrets, 'postgres_password'), `${password}\n`);
  const port = await freePort();
  const ini = readFileSync(join(COMPOSE_DIR, 'pgbouncer.ini'), 'utf8')
    .replace(/^gateway = .*$/m, `${database} = host=127.0.0.1 port=${server.port} dbname=${database}`)
    .replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1')
    .replace(/^listen_port = .*$/m, `listen_port = ${port}`)
    .replace(/^auth_file = .*$/m, `auth_file = ${join(dir, 'userlist.txt')}`);
  writeFileSync(join(dir, 'pgbouncer.ini'), ini);
  const user = await postgresUser();
  if (user) {
    for (const p of [dir, secrets, join(secrets, 'postgres_password'), join(dir, 'pgbouncer.ini')]) chownSync(p, user.uid, user.gid);
  }
  chmodSync(dir, 0o755);
  let log = '';
  const child: ChildProcess = spawn('sh', [join(COMPOSE_DIR, 'start.sh')], {
    ...user, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: `${process.env.PATH}:/usr/sbin`, SECRETS_DIR: secrets, USERLIST_FILE: join(dir, 'userlist.txt'), PGBOUNCER_USER: server.user, PGBOUNCER_INI: join(dir, 'pgbouncer.ini') },
  });
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  try {
    await waitForPort(port, 15_000);
  } catch (err) {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pgbouncer did not start: ${log}`, { cause: err });
  }
  return {
    port, ini, log: () => log,
    url: `postgres://${server.user}:${password}@127.0.0.1:${port}/${database}`,
    close: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
