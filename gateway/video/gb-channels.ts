// Which channels belong to which GB28181 device, as the video manager last
// saw their rows: a device's registration or loss re-decides only its own
// channels, instead of a scan of every channel in the registry per device
// (a thousand devices registering at once after a power cut, or moving to
// another node when theirs dies).
import type { StoredRow } from '../../device-registry/index.ts';

export class GbChannelIndex {
  private readonly byDevice = new Map<string, Set<string>>();
  private readonly deviceOf = new Map<string, string>();

  /** A gb28181 channel row the manager decided on. */
  note(row: StoredRow): void {
    const deviceId = (row.doc.source as { deviceId?: string } | undefined)?.deviceId;
    const before = this.deviceOf.get(row.id);
    if (!deviceId || before === deviceId) return;
    if (before) this.byDevice.get(before)?.delete(row.id);
    this.deviceOf.set(row.id, deviceId);
    let channels = this.byDevice.get(deviceId);
    if (!channels) this.byDevice.set(deviceId, (channels = new Set()));
    channels.add(row.id);
  }

  channelsOf(deviceId: string): string[] {
    return [...(this.byDevice.get(deviceId) ?? [])];
  }
}
