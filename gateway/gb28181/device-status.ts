// What the registry and the video room are told about each GB28181 device:
// online, or offline with a reason a person can act on (unregistered, no
// keepalive, auth failed, disabled, deleted). A device retrying a refused
// REGISTER every few seconds costs one status write, not one per attempt.
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';

export interface DeviceStatusChange {
  deviceId: string;
  state: 'online' | 'offline';
  reason?: string;
}

export class DeviceStatusBook {
  /** Why a device is offline, for the video room's "device offline: …". */
  private readonly offlineWhy = new Map<string, string>();
  /** The last state written per device, so a repeat is not written again. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly registry: RegistryService,
    private readonly announce: (change: DeviceStatusChange) => void,
    private readonly log: Logger,
  ) {}

  why(deviceId: string): string | undefined {
    return this.offlineWhy.get(deviceId);
  }

  online(deviceId: string): void {
    this.offlineWhy.delete(deviceId);
    this.set({ deviceId, state: 'online' });
  }

  offline(deviceId: string, reason: string): void {
    this.offlineWhy.set(deviceId, reason);
    this.set({ deviceId, state: 'offline', reason });
  }

  /** The device was deleted: its channels say so; there is no row left to write. */
  deleted(deviceId: string): void {
    const told = this.offlineWhy.get(deviceId) === 'deleted'; // by its registration ending just before
    this.offlineWhy.set(deviceId, 'deleted');
    this.written.delete(deviceId);
    if (!told) this.announce({ deviceId, state: 'offline', reason: 'deleted' });
  }

  /** Another node holds the device's registration now and writes its status: nothing written here stands. */
  handedOver(deviceId: string): void {
    this.offlineWhy.delete(deviceId);
    this.written.delete(deviceId);
  }

  /** A device (re-)created under this id starts with a clean slate. */
  created(deviceId: string): void {
    this.offlineWhy.delete(deviceId);
    this.written.delete(deviceId);
  }

  private set(change: DeviceStatusChange): void {
    const key = `${change.state}|${change.reason ?? ''}`;
    if (this.written.get(change.deviceId) === key) return;
    this.written.set(change.deviceId, key);
    this.registry.setStatus('gbDevices', change.deviceId, { state: change.state, reason: change.reason, since: Date.now() })
      .catch((err: Error) => {
        if (this.written.get(change.deviceId) === key) this.written.delete(change.deviceId); // written again next time
        this.log.error({ deviceId: change.deviceId, err: err.message }, 'cannot record the device status');
      });
    this.announce(change);
  }
}
