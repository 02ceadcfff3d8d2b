// Where moving GB28181 channels are (vehicles, drones, body cameras): the last
// MobilePosition of each channel and a bounded history, in memory. Positions
// change every few seconds, so they are not registry edits (no audit entry per
// report); the map reads the last one, the event stream carries each.
import { EventEmitter } from 'node:events';

export interface ChannelPosition {
  channelId: string;
  deviceId: string;
  lng: number;
  lat: number;
  /** km/h. */
  speed?: number;
  /** Degrees clockwise from north. */
  direction?: number;
  altitude?: number;
  /** When the device says it was there (epoch ms); receivedAt when its time does not read. */
  at: number;
  receivedAt: number;
}

/** Positions kept per channel: a few minutes of a 5 s report. */
export const HISTORY_LENGTH = 100;

export class PositionBook extends EventEmitter<{ position: [ChannelPosition] }> {
  private readonly history = new Map<string, ChannelPosition[]>();

  add(p: ChannelPosition): void {
    const list = this.history.get(p.channelId) ?? [];
    list.push(p);
    if (list.length > HISTORY_LENGTH) list.splice(0, list.length - HISTORY_LENGTH);
    this.history.set(p.channelId, list);
    this.emit('position', p);
  }

  last(channelId: string): ChannelPosition | undefined {
    const list = this.history.get(channelId);
    return list?.[list.length - 1];
  }

  /** Oldest first. */
  track(channelId: string): ChannelPosition[] {
    return [...(this.history.get(channelId) ?? [])];
  }

  forget(channelId: string): void {
    this.history.delete(channelId);
  }
}
