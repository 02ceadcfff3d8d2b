// PTZ drivers: each room that can steer a kind of camera (GB28181 devices,
// ONVIF cameras) adds one, and the one route (route.ts) hands a channel's
// command to the driver that takes it. A room that is off adds none, and its
// channels are answered with the reason.
import type { Actor, StoredRow } from '../../device-registry/index.ts';
import type { PtzBody, StoredPreset } from './body.ts';

export interface PtzDriver {
  /** Says what drives it, in the refusal when no driver takes a channel. */
  readonly name: string;
  /** Whether this driver steers the channel (a GB28181 source, an `onvif` block). */
  takes(row: StoredRow): boolean;
  /** Sends the checked body; answers the API's response body. Failures are GwErrors (409, 502, 504). */
  send(row: StoredRow, body: PtzBody, actor: Actor): Promise<Record<string, unknown>>;
  /** The channel's presets: the camera's where it can be asked, else what the channel keeps. */
  presets(row: StoredRow, actor: Actor): Promise<StoredPreset[]>;
}

export class PtzDrivers {
  private readonly drivers: PtzDriver[] = [];

  add(driver: PtzDriver): void {
    this.drivers.push(driver);
  }

  of(row: StoredRow): PtzDriver | undefined {
    return this.drivers.find((d) => d.takes(row));
  }
}
