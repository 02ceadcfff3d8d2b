// WS-Discovery responder for a host's simulated cameras: one UDP socket on
// 127.0.0.1 (tests send their Probe to it unicast; nothing is multicast), a
// ProbeMatches per matching device, RelatesTo the Probe's MessageID, XAddrs the
// device service URL. Misbehaviour on demand: answer each probe `flood` times
// (with fresh endpoints if `floodDistinct`, as a hostile host would), or send
// malformed datagrams first. Answers are paced in small batches, as cameras
// answer after a random delay, so hundreds fit through a loopback socket buffer.
import { randomUUID } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { childElement, childText, escapeXml as esc, parseSimXml } from './xml.ts';
import type { OnvifDeviceSim } from './device.ts';
import { hostileText } from './hostile.ts';

export interface DiscoveryBehaviour {
  /** Each device's ProbeMatches sent this many times (default 1). */
  flood?: number;
  /** Flooded copies carry new endpoint references (devices that do not exist). */
  floodDistinct?: boolean;
  /** Datagrams sent before the real answers: not XML, a cut-off ProbeMatches, an entity bomb. */
  malformed?: false | 'junk' | 'truncated' | 'entity-bomb' | 'all';
  /** Probes are received and never answered. */
  silent?: boolean;
  /** Answers per batch and the pause between batches (default 20 every 10 ms). */
  batch?: number;
  batchEveryMs?: number;
}

export interface ReceivedProbe { from: string; messageId: string; types: string[]; scopes: string[]; at: number }

const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

export class WsDiscoveryResponder {
  readonly probes: ReceivedProbe[] = [];
  readonly counts = { probes: 0, ignored: 0, answers: 0, sendErrors: 0 };
  private closed = false;
  private readonly senders = new Map<string, Promise<Socket>>();

  private constructor(private readonly socket: Socket, private readonly devices: () => OnvifDeviceSim[], public behaviour: DiscoveryBehaviour) {
    socket.on('message', (msg, from) => this.onMessage(msg, from));
    socket.on('error', this.onSendError);
  }

  // An answer that cannot be sent (the prober went away) is the prober's loss: counted, and the responder goes on.
  private readonly onSendError = (): void => {
    this.counts.sendErrors++;
  };

  static async start(devices: () => OnvifDeviceSim[], o: { host?: string; port?: number; behaviour?: DiscoveryBehaviour } = {}): Promise<WsDiscoveryResponder> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port ?? 0, o.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new WsDiscoveryResponder(socket, devices, o.behaviour ?? {});
  }

  get port(): number {
    return this.socket.address().port;
  }

  get host(): string {
    return this.socket.address().address;
  }

  close(): void {
    this.closed = true;
    this.socket.close();
    for (const sender of this.senders.values()) void sender.then((socket) => socket.close(), this.onSendError);
  }

  private onMessage(msg: Buffer, from: RemoteInfo): void {
    const probe = parseProbe(msg.toString('utf8'));
    if (!probe) {
      this.counts.ignored++;
      return;
    }
    this.counts.probes++;
    this.probes.push({ from: `${from.address}:${from.port}`, ...probe, at: Date.now() });
    if (this.probes.length > 1000) this.probes.shift();
    if (this.behaviour.silent) return;
    const wanted = probe.types.length === 0 || probe.types.some((t) => t === 'NetworkVideoTransmitter' || t === 'Device');
    if (!wanted) return;
    const datagrams: Array<{ text: string; from?: string }> = [...malformedDatagrams(this.behaviour.malformed, probe.messageId)].map((text) => ({ text }));
    const times = Math.max(1, this.behaviour.flood ?? 1);
    for (const dev of this.devices()) {
      if (dev.options.discoverable === false || !probe.scopes.every((s) => dev.scopes.some((d) => d.startsWith(s)))) continue;
      for (let i = 0; i < times; i++) {
        const endpoint = i > 0 && this.behaviour.floodDistinct ? `urn:uuid:${randomUUID()}` : dev.endpoint;
        datagrams.push({ text: probeMatches(dev, endpoint, probe.messageId), from: dev.host });
      }
    }
    this.sendPaced(datagrams, from);
  }

  /** Each answer leaves from its camera's own address (cameras on 127.0.0.x look like separate hosts); the rest from the responder's socket. */
  private sendPaced(datagrams: Array<{ text: string; from?: string }>, to: RemoteInfo): void {
    const batch = Math.max(1, this.behaviour.batch ?? 20);
    const every = this.behaviour.batchEveryMs ?? 10;
    const sendFrom = async (start: number) => {
      for (const d of datagrams.slice(start, start + batch)) {
        if (this.closed) return;
        const socket = d.from && d.from !== this.host ? await this.senderFor(d.from).catch(this.onSendError) : this.socket;
        if (!socket) continue; // that camera's address cannot be bound here: counted
        this.counts.answers++;
        socket.send(d.text, to.port, to.address);
      }
      if (start + batch < datagrams.length) setTimeout(() => void sendFrom(start + batch), every).unref();
    };
    void sendFrom(0);
  }

  private senderFor(address: string): Promise<Socket> {
    let sender = this.senders.get(address);
    if (!sender) {
      sender = new Promise<Socket>((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', reject);
        socket.bind(0, address, () => {
          socket.off('error', reject);
          socket.on('error', this.onSendError);
          resolve(socket);
        });
      });
      this.senders.set(address, sender);
    }
    return sender;
  }
}

function parseProbe(text: string): { messageId: string; types: string[]; scopes: string[] } | undefined {
  let doc;
  try {
    doc = parseSimXml(text);
  } catch {
    return undefined; // not a probe we can read: cameras ignore it too
  }
  const probe = childElement(childElement(doc.root, 'Body') ?? {}, 'Probe');
  const messageId = childText(childElement(doc.root, 'Header') ?? {}, 'MessageID');
  if (doc.name !== 'Envelope' || !probe || !messageId) return undefined;
  const words = (name: string) => (childText(probe, name) ?? '').split(/\s+/).filter(Boolean);
  return { messageId, types: words('Types').map((t) => t.slice(t.indexOf(':') + 1)), scopes: words('Scopes') };
}

function probeMatches(dev: OnvifDeviceSim, endpoint: string, relatesTo: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n'
    + `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="${WSA}" xmlns:wsd="${WSD}" `
    + 'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">'
    + `<SOAP-ENV:Header><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>`
    + '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>'
    + `<wsa:Action SOAP-ENV:mustUnderstand="true">${WSD}/ProbeMatches</wsa:Action><wsd:AppSequence InstanceId="1" MessageNumber="1"/></SOAP-ENV:Header>`
    + `<SOAP-ENV:Body><wsd:ProbeMatches><wsd:ProbeMatch><wsa:EndpointReference><wsa:Address>${esc(endpoint)}</wsa:Address></wsa:EndpointReference>`
    + `<wsd:Types>dn:NetworkVideoTransmitter tds:Device</wsd:Types><wsd:Scopes>${esc(dev.scopes.join(' '))}</wsd:Scopes>`
    + `<wsd:XAddrs>${esc(dev.xaddr)}</wsd:XAddrs><wsd:MetadataVersion>1</wsd:MetadataVersion></wsd:ProbeMatch></wsd:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

function* malformedDatagrams(kind: DiscoveryBehaviour['malformed'], relatesTo: string): Generator<string> {
  if (!kind) return;
  if (kind === 'junk' || kind === 'all') yield 'HTTP/1.1 200 OK\r\n\r\n\u0000\u0001 not xml <<<';
  if (kind === 'truncated' || kind === 'all') {
    yield `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"><SOAP-ENV:Header><wsa:RelatesTo xmlns:wsa="${WSA}">${esc(relatesTo)}</wsa:RelatesTo></SOAP-ENV:Header><SOAP-ENV:Body><wsd:ProbeMatches xmlns:wsd="${WSD}"><wsd:ProbeMatch><wsd:XAddrs>http://127.0.0.1:1/onvif/dev`;
  }
  if (kind === 'entity-bomb' || kind === 'all') yield hostileText('entity-bomb', 'Probe');
}
