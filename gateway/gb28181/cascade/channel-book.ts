// Every channel as an upper platform sees it (code, name, place, ON/OFF),
// kept in memory from the registry's events, so a catalog of 10,000 channels
// and each change's NOTIFY cost no store read.
import { EventEmitter } from 'node:events';
import type { DeviceChanged, RegistryService, StatusChanged } from '../../../device-registry/index.ts';
import { channelCode } from './codes.ts';

type Doc = Record<string, unknown>;

export interface ChannelView {
  id: string;
  /** 20-digit code; undefined until one is assigned. */
  code?: string;
  name: string;
  kind: string;
  enabled: boolean;
  gridCode?: string;
  tags: readonly string[];
  /** ON unless offline or disabled (an on-demand channel resting idle can be played). */
  status: 'ON' | 'OFF';
  latitude?: number;
  longitude?: number;
  manufacturer?: string;
  model?: string;
  civilCode?: string;
  address?: string;
  /** GB28181 channels: the device and its channel id (DeviceControl goes there). */
  gb?: { deviceId: string; channelId: string };
}

export function viewOf(doc: Doc, state: string | undefined): ChannelView {
  const source = (doc.source ?? {}) as Record<string, unknown>;
  const location = doc.location as { lat: number; lng: number } | undefined;
  const enabled = doc.enabled !== false;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    id: String(doc.id), code: channelCode(doc), name: String(doc.name ?? doc.id), kind: String(doc.kind), enabled,
    gridCode: str(doc.gridCode), tags: Array.isArray(doc.tags) ? (doc.tags as string[]) : [],
    status: enabled && state !== 'offline' ? 'ON' : 'OFF',
    latitude: location?.lat, longitude: location?.lng,
    manufacturer: str(source.manufacturer), model: str(source.model), civilCode: str(source.civilCode), address: str(source.address),
    gb: doc.kind === 'gb28181' && str(source.deviceId) && str(source.channelId) ? { deviceId: String(source.deviceId), channelId: String(source.channelId) } : undefined,
  };
}

interface BookEvents {
  /** A channel appeared, changed, went or changed status: its view before and after. */
  change: [before: ChannelView | undefined, after: ChannelView | undefined];
}

export class ChannelBook extends EventEmitter<BookEvents> {
  private readonly byId = new Map<string, ChannelView>();
  /** code → channels using it: normally one; two GB28181 devices may reuse a channel id. */
  private readonly byCode = new Map<string, Set<string>>();

  constructor(private readonly registry: RegistryService) {
    super();
  }

  async load(): Promise<void> {
    for await (const row of this.registry.all('channels')) this.put(viewOf({ ...row.doc, id: row.id }, row.status.state));
    this.registry.events.on('device.changed', this.onChanged);
    this.registry.events.on('device.status', this.onStatus);
  }

  stop(): void {
    this.registry.events.off('device.changed', this.onChanged);
    this.registry.events.off('device.status', this.onStatus);
  }

  get(id: string): ChannelView | undefined {
    return this.byId.get(id);
  }

  /** The registry channel a code names (the first by id when two GB28181 devices reuse a channel id). */
  idOfCode(code: string): string | undefined {
    const holders = this.byCode.get(code);
    return holders ? holders.values().next().value : undefined;
  }

  /** False for the second channel using a code: it is not shared until its code is changed. */
  ownsCode(v: ChannelView): boolean {
    return v.code !== undefined && this.idOfCode(v.code) === v.id;
  }

  all(): IterableIterator<ChannelView> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }

  private readonly onChanged = (e: DeviceChanged): void => {
    if (e.entity !== 'channels') return;
    const before = this.byId.get(e.id);
    const after = e.after ? viewOf(e.after, (e.after.status as { state?: string } | undefined)?.state) : undefined;
    this.drop(e.id);
    if (after) this.put(after);
    this.emit('change', before, after);
  };

  private readonly onStatus = (e: StatusChanged): void => {
    if (e.entity !== 'channels') return;
    const before = this.byId.get(e.id);
    if (!before) return;
    const status = before.enabled && e.state !== 'offline' ? 'ON' : 'OFF';
    if (status === before.status) return;
    const after = { ...before, status } as ChannelView;
    this.byId.set(e.id, after);
    this.emit('change', before, after);
  };

  private put(v: ChannelView): void {
    this.byId.set(v.id, v);
    if (!v.code) return;
    let holders = this.byCode.get(v.code);
    if (!holders) this.byCode.set(v.code, (holders = new Set()));
    holders.add(v.id);
  }

  private drop(id: string): void {
    const v = this.byId.get(id);
    if (!v) return;
    this.byId.delete(id);
    const holders = v.code ? this.byCode.get(v.code) : undefined;
    holders?.delete(id);
    if (holders?.size === 0) this.byCode.delete(v.code!);
  }
}
