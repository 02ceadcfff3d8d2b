// The sensors' live state for the sensors page and the wall's side panel:
// `/api/sensors/state` and `/api/sensors/alarms` every 3 s while either is
// mounted (counted, so both at once poll once), and the history (sparklines,
// thresholds) every 30 s. A failed poll keeps the last data and says so.
import { computed, signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { SensorAlarm } from '../api/types.ts';
import { histories, refreshHistory } from './sensor-history.ts';
import { sortCards, toCard, type SensorLive } from './sensor-status.ts';

const LIVE_EVERY_MS = 3_000;
const HISTORY_EVERY_MS = 30_000;

export const sensorStates = signal<SensorLive[]>([]);
export const sensorAlarms = signal<SensorAlarm[]>([]);
/** Set once the first poll answered, so "no sensors" is not shown while loading. */
export const liveLoadedAt = signal<number | null>(null);
export const liveError = signal<string | null>(null);

export const sensorCards = computed(() => {
  const bySensor = new Map<string, SensorAlarm[]>();
  for (const a of sensorAlarms.value) bySensor.set(a.sensorId, [...(bySensor.get(a.sensorId) ?? []), a]);
  return sortCards(sensorStates.value.map((s) => toCard(s, bySensor.get(s.id) ?? [])));
});

let inFlight = false;
export async function refreshLive(): Promise<void> {
  if (inFlight) return; // a slow gateway: skip a beat rather than pile requests up
  inFlight = true;
  try {
    const [states, alarms] = await Promise.all([
      api<{ items: SensorLive[] }>('/api/sensors/state'),
      api<{ items: SensorAlarm[] }>('/api/sensors/alarms'),
    ]);
    sensorStates.value = states.items;
    sensorAlarms.value = alarms.items;
    liveLoadedAt.value = Date.now();
    liveError.value = null;
  } catch (err) {
    console.warn('sensors: live state poll failed', err);
    liveError.value = (err as Error).message;
  } finally {
    inFlight = false;
  }
}

/** Every sensor's history, or only those that have none yet (a sensor just registered). */
const loadHistory = (onlyMissing = false) => {
  const known = sensorStates.value.map((s) => s.id);
  const ids = onlyMissing ? known.filter((id) => !histories.value.has(id)) : known;
  if (!ids.length) return Promise.resolve();
  return refreshHistory(ids, known).catch((err: unknown) => {
    console.warn('sensors: history refresh failed', err);
    liveError.value = (err as Error).message;
  });
};

let users = 0;
let timers: number[] = [];

function start(): void {
  if (users++ > 0) return;
  void refreshLive().then(() => loadHistory());
  timers = [
    window.setInterval(() => void refreshLive().then(() => loadHistory(true)), LIVE_EVERY_MS),
    window.setInterval(() => void loadHistory(), HISTORY_EVERY_MS),
  ];
}

function stop(): void {
  if (--users > 0) return;
  for (const id of timers) clearInterval(id);
  timers = [];
}

/** Polls while the calling component is mounted. */
export function useSensorPolling(): void {
  useEffect(() => {
    start();
    return stop;
  }, []);
}
