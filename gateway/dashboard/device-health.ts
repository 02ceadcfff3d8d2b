// Device health for the dashboard (研判): the online rate of cameras and
// sensors by kind and by grid cell, and the devices offline the longest.
// Read from the registry's live status (set by video ingest and the sensors
// room), not from the incident store.
import type { RegistryService } from '../../device-registry/index.ts';

/** Online now, or idle (on demand and nobody watching: no fault), as grid-rates.ts counts them. */
const ONLINE_STATES = new Set(['online', 'idle']);
const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

export interface HealthGroup {
  key: string;
  devices: number;
  online: number;
  onlineRate: number | null;
}

export interface OfflineDevice {
  entity: 'channels' | 'sensors';
  id: string;
  name: string;
  kind: string;
  gridCode: string | null;
  state: string;
  reason: string | null;
  since: string | null;
  offlineSeconds: number | null;
}

export interface DeviceHealth {
  byKind: HealthGroup[];
  byGrid: HealthGroup[];
  /** Not online, the longest first (those with no time last), at most `limit`. */
  longestOffline: OfflineDevice[];
}

/** A device as read, before its time offline is worked out. */
type Device = Omit<OfflineDevice, 'since' | 'offlineSeconds'> & { since: number | null };

async function* devices(registry: RegistryService): AsyncGenerator<Device> {
  for (const entity of ['channels', 'sensors'] as const) {
    for await (const row of registry.all(entity)) {
      const doc = row.doc as { enabled?: boolean; name?: string; kind?: string; gridCode?: string | null };
      if (doc.enabled === false) continue;
      yield {
        entity, id: row.id, name: doc.name ?? row.id, kind: entity === 'channels' ? 'camera' : (doc.kind ?? 'sensor'), gridCode: doc.gridCode ?? null,
        state: row.status.state, reason: row.status.reason ?? null, since: row.status.since ?? null,
      };
    }
  }
}

const grouped = (counts: Map<string, { devices: number; online: number }>): HealthGroup[] =>
  [...counts].map(([key, c]) => ({ key, ...c, onlineRate: rate(c.online, c.devices) }))
    .sort((a, b) => b.devices - a.devices || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** `inScope(gridCode)`: whether the caller sees a device in that cell (null: no cell). */
export async function deviceHealth(registry: RegistryService, inScope: (gridCode: string | null) => boolean, now = Date.now(), limit = 10): Promise<DeviceHealth> {
  const byKind = new Map<string, { devices: number; online: number }>();
  const byGrid = new Map<string, { devices: number; online: number }>();
  const offline: Device[] = [];
  const add = (map: typeof byKind, key: string, online: boolean) => {
    const c = map.get(key) ?? { devices: 0, online: 0 };
    c.devices++;
    if (online) c.online++;
    map.set(key, c);
  };
  for await (const d of devices(registry)) {
    if (!inScope(d.gridCode)) continue;
    const online = ONLINE_STATES.has(d.state);
    add(byKind, d.kind, online);
    add(byGrid, d.gridCode ?? '(none)', online);
    if (!online) offline.push(d);
  }
  offline.sort((a, b) => (a.since ?? Infinity) - (b.since ?? Infinity) || (a.id < b.id ? -1 : 1));
  return {
    byKind: grouped(byKind),
    byGrid: grouped(byGrid),
    longestOffline: offline.slice(0, limit).map((d) => ({
      ...d, since: d.since === null ? null : new Date(d.since).toISOString(), offlineSeconds: d.since === null ? null : Math.max(0, Math.round((now - d.since) / 1000)),
    })),
  };
}
