// What the map shows, as signals: its configuration, the grid cells and the
// devices (from /api/map/layers once when the map opens), each device's live
// status (from the event stream's device.status and the registry's channel
// status the wall already follows: the map never polls its markers), the open
// incidents (the shared, event-fed store) and the heat of the chosen period.
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
    mapConfig.value = config; // last: the map is drawn once it is set, its layers already here
    mapError.value = null;
  } catch (err) {
    mapError.value = (err as Error).message;
  }
}

function setStatus(key: string, state: string): void {
  // peek: called from an effect, which must not depend on the map it writes.
  if (liveStatus.peek().get(key) === state) return;
  const next = new Map(liveStatus.peek());
  next.set(key, state);
  liveStatus.value = next;
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
    on('device.status', (e) => setStatus(`${e.entity}:${e.id}`, e.state)),
    // The registry's channel status (the wall's own status feed) keeps the camera markers current too.
    effect(() => {
      void videoStatus.value;
      for (const f of channelFeatures.value) {
        const c = channelById.value.get(f.properties.id);
        if (c) setStatus(`channel:${c.id}`, channelState(c));
      }
    }),
  ];
  return () => { for (const stop of stops) stop(); };
}
