// What a simulated camera remembers of its PTZ commands: presets set per
// channel, the last preset called, and cruises (points, speed, dwell, running).
// A call of a preset that was never set is refused, as cameras do.
import { decodePresetCmd } from '../../../gateway/gb28181/manscdp/index.ts';

export interface SimCruise { points: number[]; speed?: number; dwellSeconds?: number; running: boolean }

export interface SimPtzChannel {
  presets: Set<number>;
  /** The last preset the camera went to. */
  at?: number;
  cruises: Map<number, SimCruise>;
}

export class SimPtzState {
  private readonly channels = new Map<string, SimPtzChannel>();

  of(channelId: string): SimPtzChannel {
    let ch = this.channels.get(channelId);
    if (!ch) this.channels.set(channelId, (ch = { presets: new Set(), cruises: new Map() }));
    return ch;
  }

  /** Applies a PTZCmd; false when the camera cannot do it (a call of an unknown preset). */
  apply(channelId: string, ptzCmd: string): boolean {
    const ch = this.of(channelId);
    const cmd = decodePresetCmd(ptzCmd);
    if (!cmd) {
      // Any motion (stop included) ends a running cruise.
      for (const c of ch.cruises.values()) c.running = false;
      return true;
    }
    if ('preset' in cmd) {
      const { action, index } = cmd.preset;
      if (action === 'set') ch.presets.add(index);
      else if (action === 'delete') ch.presets.delete(index);
      else if (!ch.presets.has(index)) return false;
      else ch.at = index;
      return true;
    }
    const c = cmd.cruise;
    const cruise = ch.cruises.get(c.group) ?? { points: [], running: false };
    ch.cruises.set(c.group, cruise);
    if (c.action === 'add') cruise.points.push(c.preset);
    else if (c.action === 'remove') cruise.points = c.preset === 0 ? [] : cruise.points.filter((p) => p !== c.preset);
    else if (c.action === 'speed') cruise.speed = c.speed;
    else if (c.action === 'dwell') cruise.dwellSeconds = c.seconds;
    else if (c.action === 'start') cruise.running = cruise.points.length > 0;
    return true;
  }
}
