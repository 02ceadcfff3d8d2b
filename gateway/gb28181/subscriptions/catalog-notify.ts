// A device's catalog NOTIFY applied to its channels without asking the whole
// catalog again: ADD and UPDATE go through the catalog sync (names renamed by
// hand kept), DEL removes the channel, ON and OFF change only its catalog
// status. Items that are not video channels (groups, alarm inputs) are skipped.
import type { Actor, RegistryService, StoredRow } from '../../../device-registry/index.ts';
import { isVideoChannel, syncCatalog } from '../catalog-sync.ts';
import type { CatalogItem } from '../manscdp/index.ts';

const ACTOR: Actor = { keyId: null, name: 'gb28181 catalog', role: null };

export interface CatalogNotifyReport {
  added: string[];
  updated: string[];
  removed: string[];
  skipped: number;
  failed: Array<{ channelId: string; error: string }>;
}

export async function applyCatalogNotify(registry: RegistryService, device: StoredRow, items: CatalogItem[]): Promise<CatalogNotifyReport> {
  const report: CatalogNotifyReport = { added: [], updated: [], removed: [], skipped: 0, failed: [] };
  const altKey = (item: CatalogItem) => `gb28181:${device.id}:${item.deviceId}`;
  const video = items.filter((i) => isVideoChannel(i.deviceId) && i.deviceId !== device.id);
  report.skipped = items.length - video.length;
  const existing = await registry.store.findAltKeys('channels', video.map(altKey));
  for (const item of video) {
    const id = existing.get(altKey(item));
    try {
      const event = item.event ?? 'UPDATE';
      if (event === 'DEL') {
        if (id) {
          await registry.remove('channels', id, ACTOR);
          report.removed.push(id);
        }
      } else if ((event === 'ON' || event === 'OFF') && id) {
        await setCatalogStatus(registry, id, event, report);
      } else {
        // ADD, UPDATE, VLOST, DEFECT…, or ON/OFF of a channel we have not seen: the item as the catalog has it.
        const sync = await syncCatalog(registry, device, [{ ...item, status: item.status ?? (event === 'OFF' ? 'OFF' : event === 'ON' ? 'ON' : undefined) }]);
        report.added.push(...sync.created);
        report.updated.push(...sync.updated);
        report.failed.push(...sync.failed);
      }
    } catch (err) {
      report.failed.push({ channelId: item.deviceId, error: (err as Error).message });
    }
  }
  return report;
}

async function setCatalogStatus(registry: RegistryService, id: string, status: 'ON' | 'OFF', report: CatalogNotifyReport): Promise<void> {
  const row = await registry.getStored('channels', id);
  const source = row?.doc.source as Record<string, unknown> | undefined;
  if (!source || source.catalogStatus === status) return;
  await registry.update('channels', id, { source: { ...source, catalogStatus: status } }, ACTOR);
  report.updated.push(id);
}
