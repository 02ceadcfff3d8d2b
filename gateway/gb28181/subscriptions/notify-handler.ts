// What devices notify: catalog changes, alarms and mobile positions, as NOTIFY
// in our subscriptions' dialogs or as MESSAGE (devices do both). Only a
// registered device, from the address it registered from, is heard; a body
// that does not read is answered 400 with the reason.
import type { Logger } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import { parseAlarmTime } from '../alarms.ts';
import type { DeviceSessions } from '../devices.ts';
import {
  decodeAlarm, decodeCatalog, decodeMobilePosition, ManscdpError, parseManscdp, type AlarmNotify, type ManscdpMessage, type MobilePosition,
} from '../manscdp/index.ts';
import { senderOf } from '../sender.ts';
import type { SipEndpoint, SipRemote, SipRequest } from '../sip/index.ts';
import { applyCatalogNotify } from './catalog-notify.ts';
import type { PositionBook } from './positions.ts';

export interface NotifyDeps {
  sip: SipEndpoint;
  sessions: DeviceSessions;
  registry: RegistryService;
  positions: PositionBook;
  onAlarm(deviceId: string, alarm: AlarmNotify): void;
  log: Logger;
}

export class NotifyHandler {
  readonly counts = { catalog: 0, positions: 0, alarms: 0, other: 0, badBodies: 0, notRegistered: 0 };
  /** One catalog change at a time per device, in the order they came. */
  private readonly catalogQueue = new Map<string, Promise<void>>();

  constructor(private readonly deps: NotifyDeps) {}

  /** A SIP NOTIFY from a device. */
  async handle(req: SipRequest, remote: SipRemote): Promise<void> {
    const deviceId = senderOf(req);
    const session = deviceId ? this.deps.sessions.get(deviceId) : undefined;
    if (!deviceId || !session || session.remote.address !== remote.address) {
      this.counts.notRegistered++;
      await this.deps.sip.respond(req, remote, 403, 'Forbidden (not registered)');
      return;
    }
    let msg: ManscdpMessage;
    try {
      msg = parseManscdp(req.body);
      this.check(msg);
    } catch (err) {
      if (!(err instanceof ManscdpError)) throw err;
      this.counts.badBodies++;
      this.deps.log.warn({ deviceId, code: err.code, field: err.field, reason: err.message }, 'GB28181 NOTIFY body refused');
      await this.deps.sip.respond(req, remote, 400, `Bad Request (${err.code})`);
      return;
    }
    await this.deps.sip.respond(req, remote, 200);
    this.take(deviceId, msg);
  }

  /** Whether a MESSAGE body is one of ours (a Notify of Catalog or MobilePosition). */
  claims(msg: ManscdpMessage): boolean {
    return msg.root === 'Notify' && (msg.cmdType === 'Catalog' || msg.cmdType === 'MobilePosition');
  }

  /** Decodes (throwing ManscdpError on a bad body) before the 200; applying it comes after. */
  check(msg: ManscdpMessage): void {
    if (msg.cmdType === 'Catalog') decodeCatalog(msg);
    else if (msg.cmdType === 'MobilePosition') decodeMobilePosition(msg);
    else if (msg.cmdType === 'Alarm') decodeAlarm(msg);
  }

  /** A checked body, after the device was answered. */
  take(deviceId: string, msg: ManscdpMessage): void {
    if (msg.cmdType === 'Catalog') {
      this.counts.catalog++;
      const items = decodeCatalog(msg).items;
      const prev = this.catalogQueue.get(deviceId) ?? Promise.resolve();
      const next = prev.then(() => this.applyCatalog(deviceId, items));
      this.catalogQueue.set(deviceId, next);
      void next.finally(() => this.catalogQueue.get(deviceId) === next && this.catalogQueue.delete(deviceId));
    } else if (msg.cmdType === 'MobilePosition') {
      this.counts.positions++;
      void this.position(deviceId, decodeMobilePosition(msg)).catch((err: Error) => this.deps.log.error({ deviceId, err: err.message }, 'GB28181 position not stored'));
    } else if (msg.cmdType === 'Alarm') {
      this.counts.alarms++;
      this.deps.onAlarm(deviceId, decodeAlarm(msg));
    } else {
      this.counts.other++;
      this.deps.log.debug({ deviceId, cmdType: msg.cmdType }, 'GB28181 NOTIFY not used');
    }
  }

  private async applyCatalog(deviceId: string, items: Parameters<typeof applyCatalogNotify>[2]): Promise<void> {
    try {
      const device = await this.deps.registry.getStored('gbDevices', deviceId);
      if (!device) return;
      const r = await applyCatalogNotify(this.deps.registry, device, items);
      const level = r.failed.length ? 'warn' : 'info';
      this.deps.log[level]({ deviceId, added: r.added, updated: r.updated, removed: r.removed, failed: r.failed }, 'GB28181 catalog NOTIFY applied');
    } catch (err) {
      this.deps.log.error({ deviceId, err: (err as Error).message }, 'GB28181 catalog NOTIFY not applied');
    }
  }

  /** The position of one channel, or of the device itself: then every channel of it (a vehicle and its cameras move together). */
  private async position(deviceId: string, p: MobilePosition): Promise<void> {
    const store = this.deps.registry.store;
    const own = (await store.findAltKeys('channels', [`gb28181:${deviceId}:${p.deviceId}`])).get(`gb28181:${deviceId}:${p.deviceId}`);
    let channels = own ? [own] : [];
    if (!own && p.deviceId === deviceId) {
      const rows = await store.list('channels', { limit: 1000, offset: 0, kind: 'gb28181' });
      channels = rows.rows.filter((r) => (r.doc.source as { deviceId?: string }).deviceId === deviceId).map((r) => r.id);
    }
    const receivedAt = Date.now();
    const at = parseAlarmTime(p.time, receivedAt);
    for (const channelId of channels) {
      this.deps.positions.add({
        channelId, deviceId, lng: p.longitude, lat: p.latitude, at, receivedAt,
        ...(p.speed !== undefined ? { speed: p.speed } : {}), ...(p.direction !== undefined ? { direction: p.direction } : {}),
        ...(p.altitude !== undefined ? { altitude: p.altitude } : {}),
      });
    }
  }
}
