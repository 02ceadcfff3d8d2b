// Where every camera is, in memory: read once from the registry, then kept
// current by device.changed (a cluster relays other nodes' changes) and
// device.status, so "the nearest cameras" of a point — an API call or every
// new incident — costs a pass over an array, not a query.
import type { DeviceChanged, RegistryService, StatusChanged } from '../../device-registry/index.ts';
import { distanceMeters, type LngLat } from './coords.ts';

export interface PlacedCamera {
  id: string;
  name: string;
  gridCode: string | null;
  lng: number;
  lat: number;
  /** The registry's status (what any node last wrote); the local video book is asked first. */
  registryStatus: { state: string; reason?: string };
  /** PTZ presets that look at a grid cell (alarm linkage turns the camera there). */
  presets?: Array<{ index: number; gridCode: string }>;
}

export interface NearCamera {
  id: string;
  name: string;
  gridCode: string | null;
  distanceMeters: number;
  status: string;
  /** The camera's preset that looks at the point's own cell, when it has one. */
  preset?: number;
}

export interface NearQuery {
  point: LngLat;
  radiusMeters: number;
  limit: number;
  /** The point's own grid cell: its cameras come first, whatever their distance within the radius. */
  gridCode?: string | null;
  /** Cells the caller may see; null: all. */
  coverage?: ReadonlySet<string> | null;
}

type Location = { lat?: unknown; lng?: unknown } | null | undefined;

function placed(id: string, doc: Record<string, unknown>, status: PlacedCamera['registryStatus']): PlacedCamera | undefined {
  const loc = doc.location as Location;
  if (typeof loc?.lat !== 'number' || typeof loc.lng !== 'number') return undefined;
  const presets = ((doc.ptzPresets as Array<{ index: number; gridCode?: string }> | undefined) ?? []).filter((p): p is { index: number; gridCode: string } => typeof p.gridCode === 'string');
  return {
    id, name: String(doc.name ?? id), gridCode: (doc.gridCode as string | null | undefined) ?? null, lng: loc.lng, lat: loc.lat, registryStatus: status,
    ...(presets.length ? { presets } : {}),
  };
}

export class CameraIndex {
  private cameras: Promise<Map<string, PlacedCamera>> | undefined;

  constructor(
    private readonly registry: RegistryService,
    /** The live video status of a channel run or judged on this node (the video room's status book). */
    private readonly liveStatus: (id: string) => { state: string } | undefined = () => undefined,
  ) {
    registry.events.on('device.changed', this.onChanged);
    registry.events.on('device.status', this.onStatus);
  }

  stop(): void {
    this.registry.events.off('device.changed', this.onChanged);
    this.registry.events.off('device.status', this.onStatus);
  }

  /** The cameras nearest a point within the radius: those in its own cell first, then by distance. */
  async near(q: NearQuery): Promise<NearCamera[]> {
    const found: Array<NearCamera & { own: boolean }> = [];
    for (const c of (await this.all()).values()) {
      if (q.coverage && !(c.gridCode !== null && q.coverage.has(c.gridCode))) continue;
      const d = distanceMeters(q.point, c);
      if (d > q.radiusMeters) continue;
      const preset = q.gridCode ? c.presets?.find((p) => p.gridCode === q.gridCode)?.index : undefined;
      found.push({
        id: c.id, name: c.name, gridCode: c.gridCode, distanceMeters: Math.round(d * 10) / 10, status: this.statusOf(c), own: !!q.gridCode && c.gridCode === q.gridCode,
        ...(preset !== undefined ? { preset } : {}),
      });
    }
    found.sort((a, b) => Number(b.own) - Number(a.own) || a.distanceMeters - b.distanceMeters || (a.id < b.id ? -1 : 1));
    return found.slice(0, q.limit).map(({ own: _own, ...c }) => c);
  }

  private statusOf(c: PlacedCamera): string {
    return this.liveStatus(c.id)?.state ?? c.registryStatus.state;
  }

  private all(): Promise<Map<string, PlacedCamera>> {
    this.cameras ??= this.load();
    const loading = this.cameras;
    loading.catch(() => {
      if (this.cameras === loading) this.cameras = undefined; // the next caller reads again
    });
    return loading;
  }

  private async load(): Promise<Map<string, PlacedCamera>> {
    const out = new Map<string, PlacedCamera>();
    for await (const row of this.registry.all('channels')) {
      const c = placed(row.id, row.doc, row.status);
      if (c) out.set(c.id, c);
    }
    return out;
  }

  private readonly onChanged = (e: DeviceChanged) => {
    if (e.entity !== 'channels' || !this.cameras) return;
    const loading = this.cameras;
    void loading.then((cams) => {
      if (this.cameras !== loading) return;
      const before = cams.get(e.id);
      const c = e.after ? placed(e.id, e.after, before?.registryStatus ?? { state: 'unknown' }) : undefined;
      if (c) cams.set(e.id, c);
      else cams.delete(e.id);
    }, () => undefined);
  };

  private readonly onStatus = (e: StatusChanged) => {
    if (e.entity !== 'channels' || !this.cameras) return;
    void this.cameras.then((cams) => {
      const c = cams.get(e.id);
      if (c) c.registryStatus = { state: e.state, ...(e.reason ? { reason: e.reason } : {}) };
    }, () => undefined);
  };
}
