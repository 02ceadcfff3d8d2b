// Puts a device's catalog into the registry: each camera item becomes (or
// updates) a camera channel of kind gb28181, placed in the device's grid cell.
// Names an engineer changed are kept; what the device reports is refreshed.
import { compact, type Actor, type RegistryService, type StoredRow } from '../../device-registry/index.ts';

export interface CatalogChannel {
  deviceId: string;
  name?: string;
  manufacturer?: string;
  model?: string;
  civilCode?: string;
  address?: string;
  parentId?: string;
  status?: 'ON' | 'OFF';
  longitude?: number;
  latitude?: number;
}

export interface SyncReport {
  created: string[];
  updated: string[];
  unchanged: number;
  /** Catalog items that are not video channels (business groups, alarm inputs, the NVR itself). */
  skipped: number;
  failed: Array<{ channelId: string; error: string }>;
}

const ACTOR: Actor = { keyId: null, name: 'gb28181 catalog', role: null };

/** Type code (digits 11–13) of a 20-digit id: 131 camera, 132 IPC; others are not video channels. */
export function isVideoChannel(code: string): boolean {
  if (!/^\d{20}$/.test(code)) return false;
  const type = code.slice(10, 13);
  return type === '131' || type === '132';
}

const trim = (s: string | undefined, n: number) => (s === undefined ? undefined : s.slice(0, n));

function sourceOf(deviceId: string, item: CatalogChannel): Record<string, unknown> {
  return compact({
    deviceId,
    channelId: item.deviceId,
    manufacturer: trim(item.manufacturer, 256),
    model: trim(item.model, 256),
    parentId: trim(item.parentId, 256),
    civilCode: trim(item.civilCode, 256),
    address: trim(item.address, 256),
    catalogStatus: item.status,
    // Remembered so a later sync can tell an engineer's rename from the device's name.
    catalogName: channelName(item),
  });
}

function channelName(item: CatalogChannel): string {
  // Names are free text but never control characters (schema); devices send all sorts.
  const cleaned = [...(item.name ?? '')].filter((c) => c.charCodeAt(0) > 0x1f && c !== '\u007f').join('').trim().slice(0, 128);
  return cleaned || item.deviceId;
}

function locationOf(item: CatalogChannel): { lat: number; lng: number } | undefined {
  return item.latitude !== undefined && item.longitude !== undefined ? { lat: item.latitude, lng: item.longitude } : undefined;
}

export async function syncCatalog(registry: RegistryService, device: StoredRow, items: CatalogChannel[]): Promise<SyncReport> {
  const report: SyncReport = { created: [], updated: [], unchanged: 0, skipped: 0, failed: [] };
  const video = items.filter((i) => isVideoChannel(i.deviceId) && i.deviceId !== device.id);
  report.skipped = items.length - video.length;
  const keys = video.map((i) => `gb28181:${device.id}:${i.deviceId}`);
  const existing = await registry.store.findAltKeys('channels', keys);
  for (const item of video) {
    const id = existing.get(`gb28181:${device.id}:${item.deviceId}`);
    try {
      if (id) await updateChannel(registry, id, device, item, report);
      else await createChannel(registry, device, item, report);
    } catch (err) {
      report.failed.push({ channelId: item.deviceId, error: (err as Error).message });
    }
  }
  return report;
}

async function createChannel(registry: RegistryService, device: StoredRow, item: CatalogChannel, report: SyncReport): Promise<void> {
  // The channel code is the natural id; when another device already uses it, prefix the device.
  const taken = await registry.getStored('channels', item.deviceId);
  const id = taken ? `${device.id}-${item.deviceId}` : item.deviceId;
  const input = compact({
    id,
    kind: 'gb28181',
    name: channelName(item),
    source: sourceOf(device.id, item),
    location: locationOf(item) ?? device.doc.location,
    gridCode: device.doc.gridCode,
    tags: ['gb28181'],
    mode: 'on-demand',
  });
  await registry.create('channels', input, ACTOR);
  report.created.push(id);
}

async function updateChannel(registry: RegistryService, id: string, device: StoredRow, item: CatalogChannel, report: SyncReport): Promise<void> {
  const row = (await registry.getStored('channels', id))!;
  const old = row.doc.source as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  const source = sourceOf(device.id, item);
  if (JSON.stringify(old) !== JSON.stringify(source)) patch.source = { ...Object.fromEntries(Object.keys(old).map((k) => [k, null])), ...source };
  // The name follows the device unless an engineer renamed the channel.
  if (row.doc.name === old.catalogName && source.catalogName !== row.doc.name) patch.name = source.catalogName;
  const location = locationOf(item);
  if (location && !row.doc.location) patch.location = location;
  if (Object.keys(patch).length === 0) {
    report.unchanged++;
    return;
  }
  await registry.update('channels', id, patch, ACTOR);
  report.updated.push(id);
}
