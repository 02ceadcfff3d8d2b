// The sensors as the console lists them: the registry's entries (every page,
// every 15 s) and their live state from /api/sensors/state (every 3 s), while
// the sensor list is shown. A failed poll keeps the last data and says so.
import { computed, signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, apiAll } from '../api/client.ts';
import type { Sensor, SensorState } from '../api/types.ts';

export const sensors = signal<Sensor[]>([]);
export const sensorLive = signal<Map<string, SensorState>>(new Map());
export const sensorsLoaded = signal(false);
export const sensorsProblem = signal<string | null>(null);

const LIST_EVERY_MS = 15_000;
const STATE_EVERY_MS = 3_000;

export async function refreshSensors(): Promise<void> {
  try {
    sensors.value = await apiAll<Sensor>('/api/sensors');
    sensorsLoaded.value = true;
    sensorsProblem.value = null;
  } catch (err) {
    sensorsProblem.value = (err as Error).message;
  }
}

export async function refreshSensorState(): Promise<void> {
  try {
    const page = await api<{ items: SensorState[] }>('/api/sensors/state');
    sensorLive.value = new Map(page.items.map((s) => [s.id, s]));
  } catch (err) {
    sensorsProblem.value = (err as Error).message;
  }
}

/** Polls while the calling component is mounted. */
export function useSensorRegistry(): void {
  useEffect(() => {
    void refreshSensors();
    void refreshSensorState();
    const timers = [window.setInterval(() => void refreshSensors(), LIST_EVERY_MS), window.setInterval(() => void refreshSensorState(), STATE_EVERY_MS)];
    return () => timers.forEach((id) => clearInterval(id));
  }, []);
}

export type SensorHealth = 'online' | 'offline' | 'stale' | 'unknown';
const HEALTH_ORDER: Record<SensorHealth, number> = { offline: 0, stale: 1, unknown: 2, online: 3 };

export function healthOf(s: Sensor): SensorHealth {
  const h = sensorLive.value.get(s.id)?.health ?? s.status.state;
  return h === 'online' || h === 'offline' || h === 'stale' ? h : 'unknown';
}

/** Offline and stale sensors first, then by id. */
export const sortedSensors = computed(() =>
  sensors.value
    .map((sensor) => ({ sensor, health: healthOf(sensor), live: sensorLive.value.get(sensor.id) }))
    .sort((a, b) => HEALTH_ORDER[a.health] - HEALTH_ORDER[b.health] || a.sensor.id.localeCompare(b.sensor.id)));
