// Who is registered right now: each device's signalling address, when its
// registration expires and when it last sent a keepalive. A device goes
// offline when it unregisters, its registration lapses or it misses N
// keepalives; every change is an event and a registry status.
import { EventEmitter } from 'node:events';

/** Where we send to reach a device: the device itself, or the edge proxy it registered through. */
export interface DeviceRemote {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
  connectionId?: string;
  /** Registered through an edge proxy (edge-proxy.ts): the route set to the device (its Path) and the device's own address. */
  proxied?: { route: string[]; address: string; port: number };
}

export interface DeviceSession {
  deviceId: string;
  remote: DeviceRemote;
  registeredAt: number;
  expiresAt: number;
  lastKeepaliveAt: number;
  keepalives: number;
  charset: 'UTF-8' | 'GB2312';
  mediaTransport: 'udp' | 'tcp';
  /** The Contact of its REGISTER: the binding a query REGISTER is answered with. */
  contact?: string;
}

/** What a registered device uses from its registry row; an edit applies to the next query and INVITE. */
export type DeviceSettings = Pick<DeviceSession, 'charset' | 'mediaTransport'>;

export function deviceSettings(doc: Record<string, unknown>): DeviceSettings {
  return {
    charset: (doc.charset as DeviceSettings['charset'] | undefined) ?? 'GB2312',
    mediaTransport: (doc.mediaTransport as DeviceSettings['mediaTransport'] | undefined) ?? 'udp',
  };
}

interface SessionEvents {
  online: [DeviceSession];
  /** Every accepted REGISTER, new or refresh (the cluster records where the device is registered, until when). */
  registered: [DeviceSession];
  offline: [deviceId: string, reason: string];
}

export class DeviceSessions extends EventEmitter<SessionEvents> {
  private readonly sessions = new Map<string, DeviceSession>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly keepalive: { intervalSeconds: number; missed: number }, private readonly now = () => Date.now()) {
    super();
  }

  start(): void {
    // Check a few times per keepalive interval, so "offline" is late by a fraction of one at most.
    const every = Math.max(200, Math.min(5000, (this.keepalive.intervalSeconds * 1000) / 4));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  get(deviceId: string): DeviceSession | undefined {
    return this.sessions.get(deviceId);
  }

  all(): DeviceSession[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Records a (re-)registration; `fresh` when the device was not registered (catalog time). */
  register(deviceId: string, remote: DeviceRemote, expiresSeconds: number, settings: DeviceSettings & Pick<DeviceSession, 'contact'>): { session: DeviceSession; fresh: boolean } {
    const t = this.now();
    const old = this.sessions.get(deviceId);
    const session: DeviceSession = {
      deviceId,
      remote,
      registeredAt: old?.registeredAt ?? t,
      expiresAt: t + expiresSeconds * 1000,
      lastKeepaliveAt: t,
      keepalives: old?.keepalives ?? 0,
      ...settings,
    };
    this.sessions.set(deviceId, session);
    // A device that moved (new address or transport) is a new session for the media side too.
    const fresh = !old || !sameDevice(old.remote, remote);
    if (!old) this.emit('online', session);
    this.emit('registered', session);
    return { session, fresh };
  }

  /** A registry edit of a registered device's settings; false when it is not registered. */
  configure(deviceId: string, settings: DeviceSettings): boolean {
    const session = this.sessions.get(deviceId);
    if (!session) return false;
    Object.assign(session, settings);
    return true;
  }

  unregister(deviceId: string, reason: string): void {
    if (this.sessions.delete(deviceId)) this.emit('offline', deviceId, reason);
  }

  /** A keepalive (or any request proving the device is alive); false when it is not registered. */
  touch(deviceId: string, remote: DeviceRemote): boolean {
    const session = this.sessions.get(deviceId);
    if (!session) return false;
    session.lastKeepaliveAt = this.now();
    session.keepalives++;
    // Devices behind NAT may come from a new port after a rebind; answer where they are now.
    // Through an edge proxy the binding stays its REGISTER's Path.
    if (!session.remote.proxied) session.remote = remote;
    return true;
  }

  sweep(): void {
    const t = this.now();
    const silenceMs = this.keepalive.intervalSeconds * this.keepalive.missed * 1000;
    for (const s of [...this.sessions.values()]) {
      if (t > s.expiresAt) this.unregister(s.deviceId, 'registration expired');
      else if (t - s.lastKeepaliveAt > silenceMs) this.unregister(s.deviceId, `no keepalive for ${this.keepalive.missed} intervals of ${this.keepalive.intervalSeconds} s`);
    }
  }
}

/** The same device binding: its own address and port (behind an edge proxy, the ones the proxy saw), and transport. */
export function sameDevice(a: DeviceRemote, b: DeviceRemote): boolean {
  const [x, y] = [a.proxied ?? a, b.proxied ?? b];
  return x.address === y.address && x.port === y.port && a.transport === b.transport;
}
