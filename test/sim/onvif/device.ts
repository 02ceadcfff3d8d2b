// One simulated ONVIF camera: its own HTTP server on 127.0.0.1 with the
// device, media, PTZ and event services at their paths, a snapshot JPEG and a
// PullPoint per subscription. What tests read: `ptz`, `pullPoints`,
// `received`; what they change at run time: `faults`, `clockSkewMs`, down()/up().
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { XmlElement } from '../../../gateway/gb28181/manscdp/xml.ts';
import { DeviceAuth, type AuthBy, type AuthMode } from './auth.ts';
import { deviceOperations, PRE_AUTH_OPERATIONS } from './device-service.ts';
import { eventOperations, subscriptionOperations } from './event-service.ts';
import { writeHostile, type HostileKind } from './hostile.ts';
import { defaultProfiles, mediaOperations, type SimProfile } from './media-service.ts';
import { PATHS, type Operation, type ServiceName } from './operation.ts';
import { ptzOperations } from './ptz-service.ts';
import { SimPtz } from './ptz-state.ts';
import { SimPullPoints, type SimNotification } from './pull-points.ts';
import { defaultSnapshotJpeg } from './snapshot.ts';
import { envelope, FAULTS, faultBody, faultStatus, parseSoapRequest, type SimFault } from './soap.ts';

export interface OnvifFaultOptions {
  /** No PTZ service (capabilities say so; PTZ calls answer ActionNotSupported). */
  noPtz?: boolean;
  /** No event service (CreatePullPointSubscription answers ActionNotSupported). */
  noEvents?: boolean;
  /** A SOAP Fault instead of the answer, by operation (after authentication). */
  fault?: Partial<Record<string, SimFault>>;
  /** A hostile answer by operation. */
  hostile?: Partial<Record<string, HostileKind>>;
  hugeBodyBytes?: number;
  /** Renew answered with a fault (`true`/'fault') or never answered ('silent'). */
  failRenewals?: boolean | 'fault' | 'silent';
  /** Every request: the connection is accepted and never answered. */
  silent?: boolean;
  /** Operations never answered. */
  mute?: string[];
}

export interface OnvifDeviceOptions {
  name?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  serial?: string;
  hardwareId?: string;
  location?: string;
  username: string;
  password: string;
  /** Camera clock minus ours. */
  clockSkewMs?: number;
  /** How far a UsernameToken's Created may be from the camera clock; default 5 s. */
  authWindowMs?: number;
  /** Default ws-security. `both` accepts either; a request with neither gets a 401 challenge. */
  authMode?: AuthMode;
  /** HTTP status of a ter:NotAuthorized fault: 400 (the SOAP binding) or 401 (what several cameras send). Default 400. */
  authFaultStatus?: 400 | 401;
  /** The camera simulator's RTSP URLs of the main and sub-streams. */
  rtsp: { main: string; sub?: string };
  /** Replaces the default main/sub profiles. */
  profiles?: SimProfile[];
  snapshotJpeg?: Buffer;
  /** How the snapshot URL is protected; default digest with the same credentials. */
  snapshotAuth?: 'digest' | 'basic' | 'none';
  ptz?: boolean;
  events?: boolean;
  maxPullPoints?: number;
  /** The envelope's prefix in answers (SOAP-ENV like gSOAP cameras, or env, s). */
  soapPrefix?: string;
  /** WS-Discovery endpoint reference, urn:uuid:…; random by default. */
  endpoint?: string;
  /** Answers WS-Discovery probes (default true). */
  discoverable?: boolean;
  faults?: OnvifFaultOptions;
  host?: string;
  port?: number;
}

export interface ReceivedRequest {
  service: ServiceName;
  operation: string;
  at: number;
  auth: AuthBy | 'refused';
  /** Why authentication failed (never a secret). */
  refusal?: string;
  answer: 'ok' | 'fault' | 'challenge' | 'silent' | 'hostile';
  body: XmlElement;
}

const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_RECEIVED = 10_000;
const SOAP_TYPE = 'application/soap+xml; charset=utf-8';

export class OnvifDeviceSim {
  readonly facts: { name: string; manufacturer: string; model: string; firmware: string; serial: string; hardwareId: string; location: string };
  readonly endpoint: string;
  readonly profiles: SimProfile[];
  readonly ptz = new SimPtz();
  readonly pullPoints: SimPullPoints;
  readonly received: ReceivedRequest[] = [];
  /** Fault switches; change them at run time. */
  faults: OnvifFaultOptions;
  clockSkewMs: number;
  private readonly auth: DeviceAuth;
  private readonly server: Server;
  private readonly held = new Set<ServerResponse>();
  private readonly waiters = new Set<() => void>();
  private readonly services: Record<Exclude<ServiceName, 'subscription'>, Record<string, Operation>>;
  private boundPort = 0;
  private snapshot: Buffer | undefined;

  constructor(readonly options: OnvifDeviceOptions) {
    const serial = options.serial ?? randomBytes(6).toString('hex').toUpperCase();
    this.facts = {
      name: options.name ?? `SimCam ${serial}`, manufacturer: options.manufacturer ?? 'CityGW-Sim', model: options.model ?? 'SIM-ONVIF-1',
      firmware: options.firmware ?? 'V5.7.3 build 230101', serial, hardwareId: options.hardwareId ?? '88', location: options.location ?? 'city',
    };
    this.endpoint = options.endpoint ?? `urn:uuid:${randomUUID()}`;
    this.profiles = options.profiles ?? defaultProfiles(options.rtsp);
    this.pullPoints = new SimPullPoints(options.maxPullPoints ?? 8);
    this.faults = { ...options.faults };
    this.clockSkewMs = options.clockSkewMs ?? 0;
    this.auth = new DeviceAuth({
      username: options.username, password: options.password, mode: options.authMode ?? 'ws-security',
      windowMs: options.authWindowMs ?? 5000, deviceNow: () => this.deviceNow(), realm: 'IP Camera(SIM)',
    });
    this.services = { device: deviceOperations(this), media: mediaOperations(this), ptz: ptzOperations(this), events: eventOperations(this) };
    this.server = createServer({ keepAliveTimeout: 5000 }, (req, res) => void this.handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message);
      else res.destroy(err);
    }));
  }

  async listen(): Promise<this> {
    this.snapshot = this.options.snapshotJpeg ?? await defaultSnapshotJpeg();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.boundPort || this.options.port || 0, this.host, () => {
        this.server.off('error', reject);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
    return this;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** The device service URL (what discovery's XAddrs carries). */
  get xaddr(): string {
    return this.url(PATHS.device);
  }

  url(path: string): string {
    return `http://${this.host}:${this.port}${path}`;
  }

  deviceNow(): number {
    return Date.now() + this.clockSkewMs;
  }

  get hasPtz(): boolean {
    return this.options.ptz !== false && !this.faults.noPtz;
  }

  get hasEvents(): boolean {
    return this.options.events !== false && !this.faults.noEvents;
  }

  get scopes(): string[] {
    const s = (kind: string, value: string) => `onvif://www.onvif.org/${kind}/${encodeURIComponent(value)}`;
    return [
      'onvif://www.onvif.org/type/video_encoder', ...(this.hasPtz ? ['onvif://www.onvif.org/type/ptz'] : []), 'onvif://www.onvif.org/Profile/Streaming',
      s('name', this.facts.name), s('hardware', this.facts.model), s('location', this.facts.location),
    ];
  }

  /** Queues a notification for every live pull point; returns how many got it. */
  emit(n: SimNotification): number {
    return this.pullPoints.push({
      topic: n.topic, source: n.source ?? {}, data: n.data ?? {}, key: n.key, at: n.at ?? this.deviceNow(), operation: n.operation ?? 'Changed',
    });
  }

  /** Requests of one operation received so far. */
  requests(operation: string): ReceivedRequest[] {
    return this.received.filter((r) => r.operation === operation);
  }

  /** Resolves once `count` requests of `operation` have arrived (counting earlier ones). */
  waitForRequests(operation: string, count = 1, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.requests(operation);
        if (found.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.facts.name}: ${this.requests(operation).length} of ${count} ${operation} requests after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Closes the port (connections dropped); up() opens it again on the same port. */
  async down(): Promise<void> {
    this.dropHeld();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  async up(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.pullPoints.clear();
    if (this.server.listening) await this.down();
    else this.dropHeld();
  }

  private dropHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.faults.silent) return this.hold(res);
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (req.method === 'GET' && path.startsWith(PATHS.snapshot)) return this.serveSnapshot(req, res, decodeURIComponent(path.slice(PATHS.snapshot.length).replace(/\.jpg$/, '')));
    const route = this.route(path);
    if (!route) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { Allow: 'POST' }).end();
    const text = await readBody(req);
    if (text === undefined) return void res.writeHead(413, { Connection: 'close' }).end();
    let soap;
    try {
      soap = parseSoapRequest(text);
    } catch (err) {
      return this.answerFault(res, FAULTS.badRequest(`not a SOAP request: ${(err as Error).message}`));
    }
    const { operation } = soap;
    const log = (entry: Omit<ReceivedRequest, 'service' | 'operation' | 'at' | 'body'>) => this.record({ service: route.service, operation, at: Date.now(), body: soap.body, ...entry });
    let by: AuthBy = 'none';
    if (!PRE_AUTH_OPERATIONS.has(operation)) {
      const verdict = this.auth.soap(soap.header, req.headers.authorization);
      if (!verdict.ok) {
        log({ auth: 'refused', refusal: verdict.reason, answer: verdict.answer });
        return this.refuse(res, verdict.answer);
      }
      by = verdict.by;
    }
    const f = this.faults;
    if (f.mute?.includes(operation) || (operation === 'Renew' && f.failRenewals === 'silent')) {
      log({ auth: by, answer: 'silent' });
      return this.hold(res);
    }
    const hostile = f.hostile?.[operation];
    if (hostile) {
      log({ auth: by, answer: 'hostile' });
      return writeHostile(res, hostile, operation, f.hugeBodyBytes);
    }
    const injected = f.fault?.[operation];
    const op = route.operations[operation];
    if (injected || !op) {
      log({ auth: by, answer: 'fault' });
      return this.answerFault(res, injected ?? FAULTS.noSuchOperation(operation));
    }
    log({ auth: by, answer: 'ok' });
    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    const answer = await op(soap, { signal: hangUp.signal });
    if (res.destroyed) return;
    if ('fault' in answer) return this.answerFault(res, answer.fault);
    this.send(res, 200, envelope(answer.xml, { prefix: this.options.soapPrefix }));
  }

  private route(path: string): { service: ServiceName; operations: Record<string, Operation> } | undefined {
    if (path.startsWith(PATHS.subscription)) return { service: 'subscription', operations: subscriptionOperations(this, path.slice(PATHS.subscription.length)) };
    for (const service of ['device', 'media', 'ptz', 'events'] as const) {
      if (path === PATHS[service]) return { service, operations: this.services[service] };
    }
    return undefined;
  }

  private refuse(res: ServerResponse, answer: 'challenge' | 'fault'): void {
    const status = answer === 'challenge' ? 401 : (this.options.authFaultStatus ?? 400);
    // A camera taking both says so on its 401s, so a client can fall back to digest.
    const challenge: Record<string, string> = status === 401 && (this.options.authMode ?? 'ws-security') !== 'ws-security' ? { 'WWW-Authenticate': this.auth.challenge() } : {};
    this.send(res, status, envelope(faultBody(FAULTS.notAuthorized, this.prefix), { prefix: this.prefix }), challenge);
  }

  private answerFault(res: ServerResponse, fault: SimFault): void {
    this.send(res, faultStatus(fault), envelope(faultBody(fault, this.prefix), { prefix: this.prefix }));
  }

  private serveSnapshot(req: IncomingMessage, res: ServerResponse, token: string): void {
    if (!this.profiles.some((p) => p.token === token)) return void res.writeHead(404).end();
    const mode = this.options.snapshotAuth ?? 'digest';
    const authorization = req.headers.authorization;
    const basic = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString('base64')}`;
    const ok = mode === 'none' || (mode === 'basic' ? authorization === basic : this.auth.http('GET', authorization) === 'ok');
    if (!ok) {
      const challenge = mode === 'basic' ? `Basic realm="${this.facts.model}"` : this.auth.challenge();
      return void res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Length': 0 }).end();
    }
    const jpeg = this.snapshot ?? Buffer.alloc(0);
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length }).end(jpeg);
  }

  private get prefix(): string {
    return this.options.soapPrefix ?? 'SOAP-ENV';
  }

  private send(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
    const body = Buffer.from(xml, 'utf8');
    res.writeHead(status, { 'Content-Type': SOAP_TYPE, 'Content-Length': body.length, ...headers }).end(body);
  }

  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }

  private record(r: ReceivedRequest): void {
    this.received.push(r);
    if (this.received.length > MAX_RECEIVED) this.received.shift();
    for (const w of [...this.waiters]) w();
  }
}

/** The body as text, or undefined when it is over MAX_REQUEST_BYTES (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
