// A real NATS server with JetStream (Debian's `nats-server`) for the scale-out
// tests: a free port, its store in a temp dir, stop/start on the same port to
// test outages; or a cluster of three routed servers (JetStream replicas 3)
// to kill one server at a time.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
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

export interface NatsClusterServer {
  name: string;
  port: number;
  url: string;
  log: () => string;
  pid(): number | undefined;
  running(): boolean;
  /** A crash: SIGKILL, no goodbye to the routes or the clients. */
  kill(): Promise<void>;
  /** Back on the same ports with the same store (it rejoins the cluster and catches up). */
  start(): Promise<void>;
}

export interface NatsCluster {
  servers: NatsClusterServer[];
  urls: string[];
  /** Resolves once JetStream answers through `url` (the cluster has a meta leader). */
  jetStreamReady(url?: string, timeoutMs?: number): Promise<void>;
  /** Resolves once each stream has a leader and every other server is a current replica (a server restarted has caught up). */
  replicasCurrent(streams: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `size` nats-servers routed to each other as one JetStream cluster, each with
 * its own store dir and ports on 127.0.0.1, so streams can have `size` replicas
 * and a server can be killed and restarted while the others keep serving.
 */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const root = mkdtempSync(join(tmpdir(), 'gw-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), route: await freePort() })));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const servers = ports.map(({ client, route }, i): NatsClusterServer & { stop(): Promise<void> } => {
    const name = `nats-${i + 1}`;
    let child: ChildProcess | undefined;
    let log = '';
    const args = ['-js', '-sd', join(root, name), '-a', '127.0.0.1', '-p', String(client), '--server_name', name,
      '--cluster_name', 'gw-test', '--cluster', `nats://127.0.0.1:${route}`, '--routes', routes];
    return {
      name, port: client, url: `nats://127.0.0.1:${client}`,
      log: () => log,
      pid: () => child?.pid,
      running: () => !!child && child.exitCode === null && child.signalCode === null,
      start: async () => {
        child = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
        child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
        try {
          await waitForPort(client, 15_000);
        } catch (err) {
          throw new Error(`${name} did not start: ${log}`, { cause: err });
        }
      },
      kill: async () => {
        const c = child;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        });
      },
      stop: () => terminate(child),
    };
  });
  await Promise.all(servers.map((s) => s.start()));
  const jetStreamReady = async (url = servers.map((s) => s.url).join(','), timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nc = await connect({ servers: url.split(','), timeout: 2000 }).catch(() => undefined);
      try {
        if (nc) {
          const jsm = await nc.jetstreamManager({ timeout: 2000 });
          await jsm.getAccountInfo();
          return;
        }
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`JetStream not ready after ${timeoutMs} ms`, { cause: err });
      } finally {
        await nc?.close();
      }
      if (Date.now() > deadline) throw new Error(`no nats-server of ${url} answers after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const replicasCurrent = async (streams: string[], timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    const nc = await connect({ servers: servers.map((s) => s.url), timeout: 2000 });
    try {
      // No JetStream check here: a server just restarted may not answer yet, and the loop below asks again.
      const jsm = await nc.jetstreamManager({ timeout: 2000, checkAPI: false });
      for (const stream of streams) {
        for (let state = ''; ; await new Promise((r) => setTimeout(r, 200))) {
          const info = await jsm.streams.info(stream).catch((err: Error) => err);
          if (!(info instanceof Error)) {
            const { leader, replicas = [] } = info.cluster ?? {};
            state = JSON.stringify(info.cluster);
            if (leader && replicas.length === size - 1 && replicas.every((r) => r.current && !r.offline)) break;
          } else {
            state = info.message;
          }
          if (Date.now() > deadline) throw new Error(`${stream}: replicas not current after ${timeoutMs} ms: ${state}`);
        }
      }
    } finally {
      await nc.close();
    }
  };
  await jetStreamReady();
  return {
    servers,
    urls: servers.map((s) => s.url),
    jetStreamReady,
    replicasCurrent,
    close: async () => {
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Calls `fn` until it succeeds, pausing `pauseMs` between tries, for at most a minute: while the cluster elects new leaders, as the outbox and the sensors do. */
export async function retrying<T>(fn: () => Promise<T>, pauseMs = 200): Promise<T> {
  for (const deadline = Date.now() + 60_000; ;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}
