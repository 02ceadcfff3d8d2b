// A real PostgreSQL (Debian's `postgresql` binaries) for the scale-out tests:
// initdb into a temp dir, a free port, a socket in the same dir, fsync off
// (tests, not durability of the host). As root it runs as the `postgres` user,
// because PostgreSQL refuses to run as root.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before } from 'node:test';
import pg from 'pg';
import { freePort, waitForPort } from './mosquitto.ts';

const run = promisify(execFile);

export interface Postgres {
  port: number;
  /** The postmaster's pid (the benchmarks read its CPU), while it runs. */
  pid(): number | undefined;
  /** A connection URL for database `db` (created by createDatabase). */
  url(db?: string): string;
  createDatabase(name: string): Promise<string>;
  /** An outage: the server stops (fast shutdown unless told; immediate is a crash: no checkpoint, recovery at start), its data stays for start(). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  return join(root, versions[0]!, 'bin');
}

export const postgresInstalled = (): boolean => {
  try {
    binDir();
    return true;
  } catch {
    return false;
  }
};

/** As root, PostgreSQL's binaries run as the `postgres` user (signals then reach the server itself, not a wrapper). */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'gw-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const user = await postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'gw', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N'], { ...user, cwd: dir });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'], { ...user, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
    try {
      await waitForPort(port, 20_000);
    } catch (err) {
      throw new Error(`postgres did not start: ${log}`, { cause: err });
    }
    // Accepting TCP is not accepting queries: wait for a real connection.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const c = new pg.Client({ connectionString: url('postgres') });
      try {
        await c.connect();
        await c.end();
        return;
      } catch (err) {
        await c.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres does not accept connections: ${log}`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const url = (db = 'postgres') => `postgres://gw@127.0.0.1:${port}/${db}`;
  await start();
  /** pg_ctl's modes by signal: SIGINT fast (clients told, then disconnected), SIGQUIT immediate (backends killed, as a crash). */
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    });
  };
  return {
    port,
    pid: () => child?.pid,
    url,
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      await c.query(`CREATE DATABASE "${name}"`);
      await c.end();
      return url(name);
    },
    stop,
    start,
    close: async () => {
      // A smart shutdown first (SIGTERM: it waits for the clients to leave, so a pool still open gets no
      // "terminating connection" error after its test), then fast after 15 s: a PgBouncer still connected
      // (closed after the server by test/cluster-pgbouncer) would have kept it waiting forever.
      const c = child;
      if (c && c.exitCode === null) {
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGINT'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One server for a test file (started before its tests, removed after them, with its databases) and a fresh database per call. */
export function postgresPerFile(prefix: string): { server: () => Postgres; freshDatabase: () => Promise<string> } {
  let server: Postgres | undefined;
  let databases = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.close();
  });
  return { server: () => server!, freshDatabase: () => server!.createDatabase(`${prefix}_${process.pid}_${++databases}`) };
}
