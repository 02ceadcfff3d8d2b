// For tests: our side of a cascade without the whole gateway — a registry on
// a temporary SQLite file, a SIP endpoint on localhost, the Cascade with a
// stand-in PTZ path and incident bus, and every log line kept.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { RegistryService, SqliteRegistryStore, SYSTEM_ACTOR } from '../../../device-registry/index.ts';
import { SipEndpoint, SipTransport, type SipRemote } from '../sip/index.ts';
import type { ChannelView } from './channel-book.ts';
import type { UpperPlatformConfig } from './config.ts';
import { Cascade, type CascadeDeps } from './index.ts';

export const LOWER_ID = '31010100002000000001';
export const LOWER_DOMAIN = '3101010000';
export const CIVIL = '31010100';

export interface TestLower {
  cascade: Cascade;
  registry: RegistryService;
  sip: SipEndpoint;
  logs: string[];
  ptz: Array<{ channelId: string; ptzCmd: string }>;
  incidents: EventEmitter;
  remote(kind: 'udp' | 'tcp'): SipRemote;
  addRtsp(name: string, extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startLower(uppers: UpperPlatformConfig[], o: Partial<CascadeDeps> & { beforeStart?: (registry: RegistryService) => Promise<void> } = {}): Promise<TestLower> {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-'));
  const store = new SqliteRegistryStore(join(dir, 'registry.db'));
  const registry = new RegistryService(store);
  const transport = new SipTransport({ host: '127.0.0.1', port: 0 });
  await transport.listen();
  const sip = new SipEndpoint({ transport, timers: { t1Ms: 50, t2Ms: 400, transactionMs: 2000 } });
  const logs: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const ptz: TestLower['ptz'] = [];
  const incidents = new EventEmitter();
  await o.beforeStart?.(registry);
  const cascade = new Cascade({
    sip, registry, me: { id: LOWER_ID, domain: LOWER_DOMAIN, address: '127.0.0.1', port: transport.address().port }, uppers, civilCode: CIVIL,
    ptz: async (channel: ChannelView, ptzCmd: string) => void ptz.push({ channelId: channel.id, ptzCmd }),
    incidents, log, requestTimeoutMs: 1000, backoffBaseMs: 100, notifyDelayMs: 50, ...o,
  });
  sip.onRequest = async (req, remote) => {
    if (cascade.claims(req)) return cascade.handle(req, remote);
    if (req.method !== 'ACK') await sip.respond(req, remote, 404);
  };
  await cascade.start();
  let n = 0;
  return {
    cascade, registry, sip, logs, ptz, incidents,
    remote: (kind) => ({ transport: kind, address: '127.0.0.1', port: transport.address().port }),
    addRtsp: async (name, extra = {}) => {
      const { item } = await registry.create('channels', { kind: 'rtsp', name, source: { url: `rtsp://10.0.0.${++n % 250}/stream${n}` }, ...extra }, SYSTEM_ACTOR);
      return String(item.id);
    },
    close: async () => {
      await cascade.stop();
      sip.close();
      await transport.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An upper platform entry for the tests, pointing at a TestUpper's port. */
export function upperEntry(port: number, extra: Partial<UpperPlatformConfig> = {}): UpperPlatformConfig {
  return {
    id: '31000000002000000001', domain: '3100000000', address: '127.0.0.1', port, transport: 'udp', password: 'Up-Secret-123', share: { all: true }, ...extra,
  };
}
