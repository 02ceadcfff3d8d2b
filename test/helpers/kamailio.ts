// A real Kamailio (Debian's kamailio 5.6) as the SIP load balancer in front of
// gateway nodes: the shipped docker/kamailio/kamailio.cfg with its listen
// address, node list and timers given on the command line (-A defines), in a
// temp dir, on a free port (UDP and TCP).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { udpExchange } from './gb28181.ts';
import { freePort } from './mosquitto.ts';

export const KAMAILIO_CFG = resolve('docker/kamailio/kamailio.cfg');

export interface Kamailio {
  port: number;
  pid: number;
  /** Its log (stderr), for diagnostics. */
  log(): string;
  stop(): Promise<void>;
}

export interface KamailioOptions {
  /** The gateway nodes' SIP ports (UDP on 127.0.0.1). */
  nodes: number[];
  /** Seconds between OPTIONS probes of the nodes (default: the config's, 2). */
  pingIntervalSeconds?: number;
  /** How long a node has to answer before the next one is tried (default: the config's, 2000 ms). */
  nodeTimeoutMs?: number;
}

/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
const binary = () => (existsSync('/usr/sbin/kamailio') ? '/usr/sbin/kamailio' : 'kamailio');

export async function startKamailio(o: KamailioOptions): Promise<Kamailio> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-kamailio-'));
  const list = join(dir, 'dispatcher.list');
  writeFileSync(list, o.nodes.map((port) => `1 sip:127.0.0.1:${port}\n`).join(''));
  const port = await freePort();
  const args = [
    '-DD', '-E', '-f', KAMAILIO_CFG, '-Y', dir, '-m', '256', '-M', '16',
    '-A', `SIP_LISTEN=udp:127.0.0.1:${port}`, '-A', `SIP_LISTEN_TCP=tcp:127.0.0.1:${port}`, '-A', `DISPATCHER_LIST="${list}"`,
    '-A', 'LOG_LEVEL=1',
    ...(o.pingIntervalSeconds === undefined ? [] : ['-A', `PING_INTERVAL=${o.pingIntervalSeconds}`]),
    ...(o.nodeTimeoutMs === undefined ? [] : ['-A', `NODE_TIMEOUT_MS=${o.nodeTimeoutMs}`]),
  ];
  const child: ChildProcess = spawn(binary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-50_000)));
  const exited = once(child, 'exit');
  // Listening when it answers an OPTIONS to itself.
  const options = (branch: string) => Buffer.from([
    `OPTIONS sip:127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK${branch}`, 'From: <sip:probe@test>;tag=1', `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: ${branch}@test`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 5', 'Content-Length: 0', '', '',
  ].join('\r\n'));
  const deadline = Date.now() + 20_000;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`kamailio exited ${child.exitCode}: ${log}`);
    const answer = await udpExchange(port, options(`probe${i}`), 300);
    if (answer?.startsWith('SIP/2.0 200')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kamailio did not answer on ${port}: ${log}`);
    }
  }
  return {
    port,
    pid: child.pid!,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
