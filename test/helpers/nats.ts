// A real NATS server with JetStream (Debian's `nats-server`) for the scale-out
// tests: a free port, its store in a temp dir, stop/start on the same port to
// test outages.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, terminate, waitForPort } from './mosquitto.ts';

export interface Nats {
  port: number;
  url: string;
  log: () => string;
  /** The server's pid while it runs (the benchmarks read its CPU). */
  pid(): number | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startNats(): Promise<Nats> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-nats-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    child = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
    try {
      await waitForPort(port, 15_000);
    } catch (err) {
      throw new Error(`nats-server did not start: ${log}`, { cause: err });
    }
  };
  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    log: () => log,
    pid: () => child?.pid,
    stop: () => terminate(child),
    start,
    close: async () => {
      await terminate(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
