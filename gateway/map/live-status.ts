// Device status as a live event: every camera or sensor status the registry
// records (device.status, written by the node that runs the device) goes out
// on the event stream as `device.status`, so the wall's markers and lists
// change colour when it happens instead of polling. The SSE route filters it
// by the subscriber's scope through its channelId / sensorId, as detections.
// Only the state and a coded reason leave: never a URL, a credential or
// ffmpeg's line; a reason the vocabulary does not know is left out.
import type { DeviceChanged, RegistryEvents, StatusChanged } from '../../device-registry/index.ts';
import { reasonCode } from '../../device-registry/vocabulary.ts';

export type PublishLive = (type: string, payload: Record<string, unknown>) => void;

export interface DeviceStatusEvent {
  entity: 'channel' | 'sensor';
  id: string;
  channelId?: string;
  sensorId?: string;
  /** A camera's video state (starting, online, offline, idle); a sensor's health as the map layer says it (online, offline, disabled). */
  state: string;
  reason?: string;
  reasonCode?: string;
  reasonParams?: Record<string, string | number>;
  /** ISO time the change was seen. */
  at: string;
}

/** The live event for a registry status change; undefined for what the wall does not show (GB28181 devices, sub-streams). */
export function deviceStatusEvent(change: StatusChanged, now = Date.now()): DeviceStatusEvent | undefined {
  if (change.entity !== 'channels' && change.entity !== 'sensors') return undefined;
  if (change.id.includes('~')) return undefined;
  const coded = reasonCode(change.reason);
  const entity = change.entity === 'channels' ? 'channel' : 'sensor';
  // The sensors room records a disabled sensor as offline with the reason 'disabled'; the map layer calls it disabled.
  const state = entity === 'sensor' && change.state === 'offline' && change.reason === 'disabled' ? 'disabled' : change.state;
  return {
    entity,
    id: change.id,
    ...(entity === 'channel' ? { channelId: change.id } : { sensorId: change.id }),
    state,
    ...(coded && change.state !== 'online' ? { reason: change.reason, reasonCode: coded.code, ...(coded.params ? { reasonParams: coded.params } : {}) } : {}),
    at: new Date(now).toISOString(),
  };
}

/** Forwards status changes (not repeats of the same state and reason) until the returned stop. */
export function forwardDeviceStatus(events: RegistryEvents, publish: PublishLive): () => void {
  const last = new Map<string, string>();
  const onStatus = (change: StatusChanged) => {
    const e = deviceStatusEvent(change);
    if (!e) return;
    const key = `${e.entity}:${e.id}`;
    const seen = `${e.state}|${e.reasonCode ?? ''}|${JSON.stringify(e.reasonParams ?? {})}`;
    if (last.get(key) === seen) return;
    last.set(key, seen);
    publish('device.status', { ...e });
  };
  const onChanged = (c: DeviceChanged) => {
    if (c.action === 'delete') last.delete(`${c.entity === 'channels' ? 'channel' : 'sensor'}:${c.id}`);
  };
  events.on('device.status', onStatus);
  events.on('device.changed', onChanged);
  return () => {
    events.off('device.status', onStatus);
    events.off('device.changed', onChanged);
  };
}
