// One simulated ONVIF camera: its own HTTP server on 127.0.0.1 with the
// device, media, PTZ and event services at their paths, a snapshot JPEG and a
// PullPoint per subscription (requests are answered by device-http.ts). What
// tests read: `ptz`, `pullPoints`, `received`; what they change at run time:
// `faults`, `clockSkewMs`, down()/up().
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeviceAuth } from './auth.ts';
import { DeviceHttp } from './device-http.ts';
import type { OnvifDeviceOptions, OnvifFaultOptions, ReceivedRequest } from './device-options.ts';
import { defaultProfiles, type SimProfile } from './media-service.ts';
import { PATHS } from './operation.ts';
import { SimPtz } from './ptz-state.ts';
import { SimPullPoints, type QueuedNotification, type SimNotification } from './pull-points.ts';
import { defaultSnapshotJpeg } from './snapshot.ts';

export type { OnvifDeviceOptions, OnvifFaultOptions, ReceivedRequest } from './device-options.ts';

const MAX_RECEIVED = 10_000;

export class OnvifDeviceSim {
  readonly facts: { name: string; manufacturer: string; model: string; firmware: string; serial: string; hardwareId: string; location: string };
  readonly endpoint: string;
  readonly profiles: SimProfile[];
  readonly ptz = new SimPtz();
  readonly pullPoints: SimPullPoints;
  /** Every request that reached an operation (bounded to the last 10 000). */
  readonly received: ReceivedRequest[] = [];
  /** Fault switches; change them at run time. */
  faults: OnvifFaultOptions;
  clockSkewMs: number;
  snapshotJpeg: Buffer | undefined;
  private readonly http: DeviceHttp;
  private readonly server: Server;
  private readonly waiters = new Set<() => void>();
  /** Last state per property (topic + source), for Initialized messages. */
  private readonly properties = new Map<string, QueuedNotification>();
  private boundPort = 0;

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
    this.snapshotJpeg = options.snapshotJpeg;
    if (Array.isArray(options.initialState)) for (const n of options.initialState) this.remember(this.queued(n));
    const auth = new DeviceAuth({
      username: options.username, password: options.password, mode: options.authMode ?? 'ws-security',
      windowMs: options.authWindowMs ?? 5000, deviceNow: () => this.deviceNow(), realm: 'IP Camera(SIM)',
    });
    this.http = new DeviceHttp(this, auth);
    this.server = createServer({ keepAliveTimeout: 5000 }, (req, res) => this.http.serve(req, res));
  }

  async listen(): Promise<this> {
    this.snapshotJpeg ??= await defaultSnapshotJpeg();
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
    const queued = this.queued(n);
    this.remember(queued);
    return this.pullPoints.push(queued);
  }

  /** The Initialized messages a new pull point gets (see `initialState`). */
  initialMessages(): QueuedNotification[] {
    if (!this.options.initialState) return [];
    const at = this.deviceNow();
    return [...this.properties.values()].map((p) => ({ ...p, at, operation: 'Initialized' as const }));
  }

  private queued(n: SimNotification): QueuedNotification {
    return { topic: n.topic, source: n.source ?? {}, data: n.data ?? {}, key: n.key, at: n.at ?? this.deviceNow(), operation: n.operation ?? 'Changed' };
  }

  private remember(n: QueuedNotification): void {
    const key = `${n.topic} ${JSON.stringify(n.source)}`;
    if (n.operation === 'Deleted') this.properties.delete(key);
    else this.properties.set(key, n);
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

  /** Called by DeviceHttp for each request it read. */
  record(r: ReceivedRequest): void {
    this.received.push(r);
    if (this.received.length > MAX_RECEIVED) this.received.shift();
    for (const w of [...this.waiters]) w();
  }

  /** Closes the port (connections dropped); up() opens it again on the same port. */
  async down(): Promise<void> {
    this.http.dropHeld();
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
    else this.http.dropHeld();
  }
}
