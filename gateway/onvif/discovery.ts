// WS-Discovery (ONVIF Core §7): one Probe for NetworkVideoTransmitters sent to
// 239.255.255.250:3702 from each interface address (and unicast where asked:
// responders by address, every address of configured ranges),
// ProbeMatches collected until the deadline. Everything that comes back is
// untrusted: parsed with the safe XML, deduplicated by endpoint, bounded per
// sender and in total; what is malformed or beyond a bound is counted, not thrown.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import os from 'node:os';
import type { Logger } from 'pino';
import type { XmlElement } from '../xml/safe-xml.ts';
import { OnvifError } from './types.ts';
import type { DiscoverOptions, DiscoveredDevice } from './types.ts';
import { rangeAddresses } from './discovery-ranges.ts';
import { parseOnvifXml } from './soap/parse.ts';
import { at, elements, textAt } from './xml-read.ts';

export const WS_DISCOVERY = { host: '239.255.255.250', port: 3702 } as const;
const DEFAULT_MAX_DEVICES = 256;
const DEFAULT_MAX_PER_HOST = 4;
/** Range probes sent per batch, one batch every 10 ms (10 000 a second, about 6 MB/s): a /16 is not one burst. */
const RANGE_BATCH = 100;
const RANGE_PAUSE_MS = 10;
const RECEIVE_BUFFER_BYTES = 4 << 20;
/** XAddrs kept per device: a host repeating one endpoint with ever new addresses grows nothing. */
const MAX_XADDRS = 8;

export interface DiscoveryReport {
  devices: DiscoveredDevice[];
  /** Datagrams that were not a ProbeMatches we could read. */
  malformed: number;
  /** Matches beyond maxPerHost from one sender, or beyond maxDevices in all. */
  ignored: number;
  /** Matches of an endpoint already found (merged into it: its XAddrs added). */
  duplicates: number;
  /** From the first Probe sent to the last new device (how much of the timeout answers needed); undefined when none. */
  lastFoundMs?: number;
}

export function probeMessage(messageId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    `<s:Header><a:MessageID>${messageId}</a:MessageID><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>'
  );
}

export async function discover(opts: DiscoverOptions & { log?: Logger }): Promise<DiscoveredDevice[]> {
  return (await discoverWithReport(opts)).devices;
}

export async function discoverWithReport(opts: DiscoverOptions & { log?: Logger }): Promise<DiscoveryReport> {
  const rangeTargets = opts.ranges?.length ? rangeAddresses(opts.ranges) : []; // a bad range throws before anything is sent
  const messageId = `uuid:${randomUUID()}`;
  const probe = Buffer.from(probeMessage(messageId), 'utf8');
  const maxDevices = opts.maxDevices ?? DEFAULT_MAX_DEVICES;
  const maxPerHost = opts.maxPerHost ?? DEFAULT_MAX_PER_HOST;
  const report: DiscoveryReport = { devices: [], malformed: 0, ignored: 0, duplicates: 0 };
  let probedAt = Date.now();
  const byEndpoint = new Map<string, DiscoveredDevice>();
  const perHost = new Map<string, number>();
  const sockets: dgram.Socket[] = [];
  let finished = false;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = () => {
    finished = true;
    resolve();
  }));

  const onMessage = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
    let matches: DiscoveredDevice[];
    try {
      matches = readProbeMatches(msg.toString('utf8'), rinfo.address, messageId);
    } catch (err) {
      report.malformed++;
      opts.log?.debug({ from: rinfo.address, err: (err as Error).message }, 'unreadable WS-Discovery answer');
      return;
    }
    for (const device of matches) {
      const known = byEndpoint.get(device.endpoint);
      if (known) {
        report.duplicates++;
        for (const x of device.xaddrs) if (!known.xaddrs.includes(x) && known.xaddrs.length < MAX_XADDRS) known.xaddrs.push(x);
        continue;
      }
      const count = perHost.get(rinfo.address) ?? 0;
      if (count >= maxPerHost || byEndpoint.size >= maxDevices) {
        report.ignored++;
        continue;
      }
      perHost.set(rinfo.address, count + 1);
      byEndpoint.set(device.endpoint, device);
      report.lastFoundMs = Date.now() - probedAt;
    }
    if (byEndpoint.size >= maxDevices) finish();
  };

  const open = async (bindAddress?: string): Promise<dgram.Socket> => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', onMessage);
    socket.on('error', (err) => opts.log?.warn({ err: err.message, bindAddress }, 'WS-Discovery socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: bindAddress, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    try {
      // Hundreds of ProbeMatches can arrive at once (a range scan): room for them beyond the 208 KiB default.
      // The kernel caps it at net.core.rmem_max; 1 MiB still lost 70 of 1000 answers of 500 cameras in the bench.
      socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      if (socket.getRecvBufferSize() < RECEIVE_BUFFER_BYTES) opts.log?.info({ bytes: socket.getRecvBufferSize() }, 'WS-Discovery: receive buffer capped by net.core.rmem_max');
    } catch (err) {
      opts.log?.debug({ err: (err as Error).message }, 'WS-Discovery: receive buffer left at its default');
    }
    sockets.push(socket);
    return socket;
  };
  const send = (socket: dgram.Socket, host: string, port: number, quiet = false) =>
    new Promise<boolean>((resolve) =>
      socket.send(probe, port, host, (err) => {
        if (err && !quiet) opts.log?.warn({ host, port, err: err.message }, 'WS-Discovery probe not sent');
        resolve(!err);
      }),
    );
  const sendRanges = async (socket: dgram.Socket, port: number) => {
    let unsent = 0;
    for (let i = 0; i < rangeTargets.length && !finished; i += RANGE_BATCH) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, RANGE_PAUSE_MS));
      const sent = await Promise.all(rangeTargets.slice(i, i + RANGE_BATCH).map((host) => send(socket, host, port, true)));
      unsent += sent.filter((ok) => !ok).length;
    }
    opts.log?.info({ addresses: rangeTargets.length, unsent, port }, 'WS-Discovery: ranges probed'); // one line, not one per address
  };

  let timer: NodeJS.Timeout | undefined;
  probedAt = Date.now();
  try {
    for (const address of opts.interfaces ?? ipv4Interfaces()) {
      const socket = await open(address).catch((err: Error) => {
        opts.log?.warn({ address, err: err.message }, 'WS-Discovery: cannot send from this address');
        return undefined;
      });
      if (!socket) continue;
      try {
        socket.setMulticastInterface(address);
        socket.setMulticastTTL(1);
      } catch (err) {
        opts.log?.warn({ address, err: (err as Error).message }, 'WS-Discovery: no multicast from this address');
        continue;
      }
      await send(socket, WS_DISCOVERY.host, WS_DISCOVERY.port);
    }
    if (opts.unicastTo?.length || rangeTargets.length) {
      const socket = await open();
      for (const to of opts.unicastTo ?? []) await send(socket, to.host, to.port);
      await sendRanges(socket, opts.rangePort ?? WS_DISCOVERY.port);
    }
    if (sockets.length === 0) throw new OnvifError('unreachable', 'WS-Discovery: no interface to probe from');
    // Answers are collected for timeoutMs after the last Probe (a large range takes a while to send).
    timer = setTimeout(finish, opts.timeoutMs);
    await done;
  } finally {
    clearTimeout(timer);
    for (const socket of sockets) socket.close();
  }
  report.devices = [...byEndpoint.values()];
  return report;
}

function ipv4Interfaces(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
}

/** ProbeMatches of one datagram; throws when it is not one (or answers another probe). */
export function readProbeMatches(text: string, from: string, messageId?: string): DiscoveredDevice[] {
  const doc = parseOnvifXml(text, `${from} ProbeMatches`);
  const relatesTo = textAt(doc.root, 'Header', 'RelatesTo');
  if (messageId && relatesTo && relatesTo !== messageId) throw new OnvifError('malformed', 'an answer to another probe');
  const matches = at(doc.root, 'Body', 'ProbeMatches');
  if (doc.name !== 'Envelope' || !matches) throw new OnvifError('malformed', 'not a ProbeMatches');
  return elements(matches, 'ProbeMatch').flatMap((m) => {
    const device = probeMatch(m, from);
    return device ? [device] : [];
  });
}

function probeMatch(m: XmlElement, from: string): DiscoveredDevice | undefined {
  const endpoint = textAt(m, 'EndpointReference', 'Address');
  const xaddrs = (textAt(m, 'XAddrs') ?? '').split(/\s+/).filter((x) => /^https?:\/\//i.test(x));
  if (!endpoint || xaddrs.length === 0) return undefined;
  const scopes = elements(m, 'Scopes').flatMap((s) => String(s['#text'] ?? '').split(/\s+/)).filter(Boolean);
  const device: DiscoveredDevice = { endpoint, address: from, xaddrs, scopes };
  const scope = (kind: string): string | undefined => {
    const prefix = `onvif://www.onvif.org/${kind}/`;
    const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
    if (!hit) return undefined;
    try {
      return decodeURIComponent(hit.slice(prefix.length)).slice(0, 200);
    } catch {
      return hit.slice(prefix.length).slice(0, 200); // not percent-encoded as it should be: keep it as sent
    }
  };
  const name = scope('name');
  const hardware = scope('hardware');
  const manufacturer = scope('mfr') ?? scope('manufacturer');
  const location = scope('location');
  if (name) device.name = name;
  if (hardware) device.hardware = hardware;
  if (manufacturer) device.manufacturer = manufacturer;
  if (location) device.location = location;
  return device;
}
