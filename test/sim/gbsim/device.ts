// One simulated GB28181 device (IPC or NVR) on a GbSimHost: registers with
// digest auth, keeps alive, raises alarms; its answers to the platform's
// requests live in device-answers.ts.
import { EventEmitter } from 'node:events';
import type { CatalogItem, OutgoingCharset } from '../../../gateway/gb28181/manscdp/index.ts';
import { buildAlarmNotify, buildKeepalive, encodeXmlBody } from '../../../gateway/gb28181/manscdp/index.ts';
import { buildRequest, digestAuthorization, newCallId, newTag, parseDigestParams, type SipRemote, type SipRequest, type SipResponse } from '../../../gateway/gb28181/sip/index.ts';
import type { PlaybackControl } from '../../../gateway/gb28181/records/mansrtsp.ts';
import type { MediaFormat, RtpStream } from './media-streams.ts';
import { SimPtzState } from './ptz-state.ts';
import { SimSubscriptions } from './subscriptions.ts';

export interface GbDeviceOptions {
  deviceId: string;
  password: string;
  /** A number makes that many camera channels with generated ids. */
  channels: number | CatalogItem[];
  keepaliveSeconds?: number;
  expiresSeconds?: number;
  charset?: OutgoingCharset;
  /** Catalog items per Response MESSAGE (several messages exercise SumNum). */
  catalogPageSize?: number;
  /** Annex-B H.264 clip to stream (ensureGbClip()). */
  clip?: string;
  /** Send media with another SSRC than the platform offered (a misbehaving device). */
  streamSsrcOverride?: number;
  /** What the RTP carries: MPEG-PS (default, as the standard says), or what some devices send instead. */
  mediaFormat?: MediaFormat;
  /**
   * Queries and controls (by CmdType) the device does not answer: `no-response`
   * acknowledges the MESSAGE (200) but never sends the Response; `silent` drops it.
   */
  mute?: Partial<Record<string, 'no-response' | 'silent'>>;
  /** Recordings kept on the device, the same for every channel (epoch ms; listed by RecordInfo, played back from the clip). */
  recordings?: SimRecording[];
  /** Records per RecordInfo Response MESSAGE (default 3). */
  recordPageSize?: number;
  /** Answer RecordInfo with a body the platform cannot use (SumNum missing). */
  malformedRecordInfo?: boolean;
}

export interface SimRecording {
  startAt: number;
  endAt: number;
  type: 'time' | 'alarm' | 'manual';
}

export interface RegisterResult {
  status: number;
  challenges: number;
  expires?: number;
  date?: string;
  /** The answer's Contact: the binding the platform holds. */
  contact?: string;
}

interface DeviceEvents {
  ptz: [{ channelId: string; ptzCmd: string }];
  invite: [channelId: string];
  streaming: [channelId: string];
  stopped: [channelId: string];
  /** The platform answered a keepalive with 403: it no longer knows us. */
  keepaliveRefused: [];
}

/** What the host gives a device: its SIP endpoint and where it and the platform are. */
export interface DeviceLink {
  request(req: SipRequest): Promise<SipResponse>;
  platform: { id: string; domain: string; remote: SipRemote };
  via: { transport: 'udp' | 'tcp'; host: string; port: number };
}

export class GbDeviceSim extends EventEmitter<DeviceEvents> {
  readonly deviceId: string;
  readonly channels: CatalogItem[];
  readonly received = {
    queries: {} as Record<string, number>, ptz: [] as Array<{ channelId: string; ptzCmd: string }>, invites: 0, acks: 0, byes: 0,
    /** The media transport each INVITE offered, in order. */
    inviteTransports: [] as Array<'udp' | 'tcp'>,
    /** Playback and download INVITEs (s=, t= and download speed as asked). */
    history: [] as Array<{ mode: string; channelId?: string; from?: number; to?: number; downloadSpeed?: number; ssrc: number }>,
    /** INFO MANSRTSP controls, as understood. */
    controls: [] as PlaybackControl[],
    /** MediaStatus 121 sent (end of file), by channel. */
    endOfFile: [] as string[],
  };
  /** The platform's subscriptions (Catalog, Alarm, MobilePosition) and the NOTIFYs sent in them. */
  readonly subscriptions = new SimSubscriptions();
  /** Presets and cruises per channel, as the PTZ commands left them. */
  readonly ptzState = new SimPtzState();
  /** Live streams by Call-ID. */
  readonly streams = new Map<string, RtpStream>();
  nextKeepaliveAt = Infinity;
  private sn = 1;
  private cseq = 1;
  private readonly callId: string;
  private readonly tag = newTag();
  private lastAuthorization: string | undefined;

  constructor(readonly options: GbDeviceOptions, readonly link: DeviceLink) {
    super();
    this.deviceId = options.deviceId;
    this.callId = newCallId(link.via.host);
    this.channels = typeof options.channels === 'number' ? generateChannels(options.deviceId, options.channels) : options.channels;
  }

  get channelIds(): string[] {
    return this.channels.map((c) => c.deviceId);
  }

  get charset(): OutgoingCharset {
    return this.options.charset ?? 'GB2312';
  }

  nextSn(): number {
    return this.sn++;
  }

  /** REGISTER, answering a 401 challenge with the digest; resolves with the final answer. */
  async register(expires: number | undefined = this.options.expiresSeconds ?? 3600, o: { contact?: boolean } = {}): Promise<RegisterResult> {
    const contact = o.contact ?? true;
    let challenges = 0;
    let res = await this.link.request(this.registerRequest(expires, undefined, contact));
    while (res.status === 401 && challenges < 2) {
      challenges++;
      const p = parseDigestParams(res.headers.get('WWW-Authenticate') ?? '');
      this.lastAuthorization = digestAuthorization({
        username: this.deviceId, password: this.options.password, realm: p.get('realm') ?? '', nonce: p.get('nonce') ?? '',
        uri: this.registrarUri, method: 'REGISTER', qop: p.get('qop'), opaque: p.get('opaque'),
      });
      res = await this.link.request(this.registerRequest(expires, this.lastAuthorization, contact));
    }
    const granted = res.headers.get('Expires');
    return {
      status: res.status, challenges, expires: granted === undefined ? undefined : Number(granted), date: res.headers.get('Date'), contact: res.headers.get('Contact'),
    };
  }

  /** A REGISTER without Contact (and without Expires): asks for the current binding (RFC 3261 §10.3). */
  queryBinding(): Promise<RegisterResult> {
    return this.register(undefined, { contact: false });
  }

  unregister(): Promise<RegisterResult> {
    return this.register(0);
  }

  /** Sends the last Authorization again (its nonce already used); resolves with the status. */
  async replayNonce(): Promise<{ status: number }> {
    const res = await this.link.request(this.registerRequest(this.options.expiresSeconds ?? 3600, this.lastAuthorization));
    return { status: res.status };
  }

  startKeepalive(): void {
    this.nextKeepaliveAt = Date.now();
  }

  stopKeepalive(): void {
    this.nextKeepaliveAt = Infinity;
  }

  /** Called by the host's timer wheel. */
  keepaliveDue(now: number): boolean {
    if (now < this.nextKeepaliveAt) return false;
    this.nextKeepaliveAt = now + (this.options.keepaliveSeconds ?? 60) * 1000;
    return true;
  }

  async sendKeepalive(): Promise<number> {
    const { status } = await this.sendRawMessage(encodeXmlBody(buildKeepalive(this.nextSn(), this.deviceId), this.charset));
    if (status === 403) this.emit('keepaliveRefused');
    return status;
  }

  async raiseAlarm(a: { channelId?: string; priority: 1 | 2 | 3 | 4; method: number; type?: number; description?: string; longitude?: number; latitude?: number }): Promise<number> {
    const xml = buildAlarmNotify(this.nextSn(), {
      deviceId: a.channelId ?? this.deviceId, priority: a.priority, method: a.method, type: a.type, time: localTime(new Date()),
      description: a.description, longitude: a.longitude, latitude: a.latitude,
    });
    return (await this.sendRawMessage(encodeXmlBody(xml, this.charset))).status;
  }

  /** A MESSAGE to the platform with any body (the bad-input tests send broken ones). */
  async sendRawMessage(body: Buffer): Promise<{ status: number; reason: string }> {
    const res = await this.link.request(this.toPlatform('MESSAGE', body, 'Application/MANSCDP+xml'));
    return { status: res.status, reason: res.reason };
  }

  /** A MESSAGE outside any dialog, from this device to the platform. */
  toPlatform(method: string, body?: Buffer, contentType?: string): SipRequest {
    const { id, domain } = this.link.platform;
    return buildRequest({
      method, uri: `sip:${id}@${domain}`, from: `<sip:${this.deviceId}@${domain}>;tag=${newTag()}`, to: `<sip:${id}@${domain}>`,
      callId: newCallId(this.link.via.host), cseq: this.cseq++, via: this.link.via, body, contentType,
    });
  }

  close(): void {
    this.stopKeepalive();
    for (const s of this.streams.values()) s.end('device closed');
  }

  private get registrarUri(): string {
    return `sip:${this.link.platform.id}@${this.link.platform.domain}`;
  }

  private registerRequest(expires: number | undefined, authorization?: string, contact = true): SipRequest {
    const { domain } = this.link.platform;
    const { host, port } = this.link.via;
    return buildRequest({
      method: 'REGISTER', uri: this.registrarUri, from: `<sip:${this.deviceId}@${domain}>;tag=${this.tag}`, to: `<sip:${this.deviceId}@${domain}>`,
      callId: this.callId, cseq: this.cseq++, via: this.link.via, contact: contact ? `<sip:${this.deviceId}@${host}:${port}>` : undefined,
      headers: {
        ...(expires === undefined ? {} : { Expires: expires }), 'User-Agent': 'CityGW GB28181 simulator', ...(authorization ? { Authorization: authorization } : {}),
      },
    });
  }
}

/** Camera codes under the device: its first 10 digits, type 131, a 7-digit serial from the device's own. */
function generateChannels(deviceId: string, n: number): CatalogItem[] {
  const serial = Number(deviceId.slice(-4)) * 100;
  return Array.from({ length: n }, (_, i) => ({
    deviceId: `${deviceId.slice(0, 10)}131${String(serial + i + 1).padStart(7, '0')}`,
    name: `通道 ${i + 1}`, manufacturer: 'CityGW-Sim', model: 'SIM-IPC-1', owner: 'Owner', civilCode: deviceId.slice(0, 6),
    address: `模拟点位 ${i + 1}`, parental: false, parentId: deviceId, status: 'ON' as const,
    longitude: 121.5 + i * 0.001, latitude: 31.2 + i * 0.001,
  }));
}

/** Device clocks are local time without a zone (as GB devices send AlarmTime). */
function localTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
