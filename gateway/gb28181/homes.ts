// Which node holds each device's registration, when several gateway nodes sit
// behind one SIP address (an edge proxy hashing devices over the nodes). The
// cluster implements it over PostgreSQL and NATS (gateway/cluster/media
// origins); this room records its registrations there and reads the others':
// a device registered on another node has its channels run, and its status
// written, by that node. Alone, a node has no DeviceHomes and holds them all.
import type { Logger } from 'pino';
import type { DeviceSessions } from './devices.ts';
import type { DeviceStatusBook } from './device-status.ts';

export interface HomeChange {
  /** The node holding the registration now (this one included), if any. */
  holder?: string;
  previous?: string;
  /** The previous holder left the cluster (died, restarted) instead of giving the device up. */
  holderLost: boolean;
}

export interface DeviceHomes {
  /** This node holds the device's registration until `expiresAt` (epoch ms). */
  hold(deviceId: string, expiresAt: number): void;
  /** Its registration here ended; nothing changes if another node holds it now. */
  drop(deviceId: string): void;
  /** The other live node holding the device's registration, as this node knows it now. */
  elsewhere(deviceId: string): string | undefined;
  /** Called when a device's holder changes; returns the unsubscribe. */
  watch(listener: (deviceId: string, change: HomeChange) => void): () => void;
}

export interface FollowHomesDeps {
  sessions: DeviceSessions;
  status: DeviceStatusBook;
  /** The device's channels must be decided again (the video room: run here, or elsewhere). */
  availability(deviceId: string): void;
  log: Logger;
}

/**
 * Keeps this node's registrations and the cluster's record in step: every
 * accepted REGISTER is recorded; a device that registered with another node
 * is let go here without a word in its status (its new node writes that);
 * a device whose node left the cluster is offline until it registers again.
 */
export function followHomes(homes: DeviceHomes, d: FollowHomesDeps): () => void {
  const onRegistered = (s: { deviceId: string; expiresAt: number }) => homes.hold(s.deviceId, s.expiresAt);
  d.sessions.on('registered', onRegistered);
  const unwatch = homes.watch((deviceId, change) => {
    if (change.holder && d.sessions.get(deviceId) && homes.elsewhere(deviceId)) {
      d.log.info({ deviceId, node: change.holder }, 'GB28181 device registered with another node; let go here');
      d.sessions.unregister(deviceId, `registered with node ${change.holder}`);
      return;
    }
    if (change.holderLost && !change.holder && !d.sessions.get(deviceId)) {
      d.status.offline(deviceId, `node ${change.previous ?? '?'} holding its registration left the cluster; waiting for the device to register again`);
      return;
    }
    d.availability(deviceId);
  });
  return () => {
    d.sessions.off('registered', onRegistered);
    unwatch();
  };
}

/** After a device's registration here ended: true when another node holds it now (then that node speaks for it). */
export function handedOver(homes: DeviceHomes | undefined, deviceId: string): boolean {
  homes?.drop(deviceId);
  return homes?.elsewhere(deviceId) !== undefined;
}
