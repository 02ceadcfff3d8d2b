// What the map shows, as signals: its configuration, the grid cells and the
// devices (from /api/map/layers once when the map opens), each device's live
// status (from the event stream's device.status and the registry's channel
// status the wall already follows: the map never polls its markers), the open
// incidents (the shared, event-fed store) and the heat of the chosen period.
// A camera's marker follows the wall's channel status (store/registry.ts,
// itself kept current by device.status events); a sensor's follows its event.
import { computed, effect, signal } from '@preact/signals';
import { on } from '../api/events.ts';
import { onNewIncident, openIncidents } from '../store/incidents.ts';
import { channelById, channelState, videoStatus } from '../store/registry.ts';
import { loadHeat, loadLayers, loadMapConfig, type DeviceProps, type Feature, type FeatureCollection, type GridProps, type HeatProps, type MapConfig } from './map-api.ts';

export const mapConfig = signal<MapConfig | null>(null);
export const gridFeatures = signal<Array<Feature<GridProps>>>([]);
export const channelFeatures = signal<Array<Feature<DeviceProps>>>([]);
export const sensorFeatures = signal<Array<Feature<DeviceProps>>>([]);
export const mapError = signal<string | null>(null);

/** Live status by device id ("channel:<id>" / "sensor:<id>"), newer than the layer's. */
export const liveStatus = signal<Map<string, string>>(new Map());
export const statusOf = (entity: 'channel' | 'sensor', f: Feature<DeviceProps>): string =>
  liveStatus.value.get(`${entity}:${f.properties.id}`) ?? f.properties.status;

/** Incidents that arrived while the wall is open pulse for a minute. */
const PULSE_MS = 60_000;
export const pulsing = signal<Set<string>>(new Set());

export const placedIncidents = computed(() => openIncidents.value.filter((i) => i.location));

export type HeatPeriod = 'off' | 'today' | '7d' | '30d';
export const heatPeriod = signal<HeatPeriod>('off');
export const heat = signal<FeatureCollection<HeatProps> | null>(null);

export async function loadMap(): Promise<void> {
  try {
    const [config, layers] = await Promise.all([loadMapConfig(), loadLayers()]);
    gridFeatures.value = layers.grids.features;
    channelFeatures.value = layers.channels.features;
    sensorFeatures.value = layers.sensors.features;
    // Last: the map is drawn once it is set, its layers already here. The same configuration read again
    // (the view opened a second time) keeps its object: a new one would rebuild the map and lose its view.
    if (JSON.stringify(config) !== JSON.stringify(mapConfig.peek())) mapConfig.value = config;
    mapError.value = null;
  } catch (err) {
    mapError.value = (err as Error).message;
  }
}

/** Applies many statuses as one change (one new map, one redraw), and none when nothing differs. */
function setStatuses(entries: Iterable<[key: string, state: string]>): void {
  // peek: called from an effect, which must not depend on the map it writes.
  const current = liveStatus.peek();
  let next: Map<string, string> | undefined;
  for (const [key, state] of entries) {
    if ((next ?? current).get(key) === state) continue;
    next ??= new Map(current);
    next.set(key, state);
  }
  if (next) liveStatus.value = next;
}

export async function refreshHeat(): Promise<void> {
  const period = heatPeriod.value;
  if (period === 'off') return void (heat.value = null);
  const to = new Date();
  const from = period === 'today' ? new Date(new Date().setHours(0, 0, 0, 0)) : new Date(to.getTime() - (period === '7d' ? 7 : 30) * 86_400_000);
  try {
    heat.value = await loadHeat(from, to);
  } catch (err) {
    mapError.value = (err as Error).message;
  }
}

// Every incident new to this tab pulses, whichever view was open when it came.
onNewIncident((i) => {
  pulsing.value = new Set([...pulsing.peek(), i.id]);
  window.setTimeout(() => {
    const next = new Set(pulsing.peek());
    next.delete(i.id);
    pulsing.value = next;
  }, PULSE_MS);
});

/** Follows device status while the map is open; returns the stop. */
export function followMap(): () => void {
  const stops = [
    // Sensors as their status event comes (a camera's goes through the wall's channel status below).
    on('device.status', (e) => { if (e.entity === 'sensor') setStatuses([[`sensor:${e.id}`, e.state]]); }),
    // Cameras as the wall's channel status says them (read, then kept current by the same events).
    effect(() => {
      void videoStatus.value;
      const byId = channelById.value;
      const entries: Array<[string, string]> = [];
      for (const f of channelFeatures.value) {
        const c = byId.get(f.properties.id);
        if (c) entries.push([`channel:${c.id}`, channelState(c)]);
      }
      setStatuses(entries);
    }),
  ];
  return () => { for (const stop of stops) stop(); };
}
