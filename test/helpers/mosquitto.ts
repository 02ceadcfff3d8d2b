// A real Mosquitto broker (Debian's `mosquitto`) for bridge tests: a config
// file written to a temp dir, a free port, optional users (mosquitto_passwd),
// and stop/start on the same port to test outages.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Mosquitto {
  port: number;
  url: string;
  /** What the broker wrote to stderr (its log). */
  log: () => string;
  /** An outage: the broker stops, its config stays for start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good and removes its files. */
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM a server process the test started and wait until it is gone. */
export async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const binary = () => ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].find(existsSync) ?? 'mosquitto';

export async function startMosquitto(opts: { users?: Record<string, string> } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-mosquitto-'));
  const port = await freePort();
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice'];
  if (opts.users) {
    const file = join(dir, 'passwd');
    for (const [i, [user, pass]] of Object.entries(opts.users).entries()) await run('mosquitto_passwd', [...(i === 0 ? ['-c'] : []), '-b', file, user, pass]);
    // Started as root, mosquitto drops to its own user, which must be able to read the file.
    chmodSync(dir, 0o755);
    chmodSync(file, 0o644);
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else {
    lines.push('allow_anonymous true');
  }
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  const log: string[] = [];
  const start = async () => {
    child = spawn(binary(), ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => log.push(c.toString()));
    const exited = new Promise<never>((_, reject) => child?.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}`))));
    exited.catch(() => undefined); // only raced below
    await Promise.race([waitForPort(port), exited]).catch((err: Error) => {
      throw new Error(`${err.message}; mosquitto said: ${log.join('').trim().slice(-500)}`);
    });
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    await terminate(c);
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    log: () => log.join(''),
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
