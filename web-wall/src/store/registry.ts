// What the registry holds, for every view: channels with their video status,
// grid cells and departments. Polled while someone is logged in (the registry
// has no push of its own to the browser); statuses more often than the lists.
import { computed, signal } from '@preact/signals';
import { api, apiAll } from '../api/client.ts';
import type { Channel, ChannelVideoStatus, CodedReason, Department, Grid } from '../api/types.ts';
import { codedReasonText } from '../i18n/vocabulary.ts';

export const channels = signal<Channel[]>([]);
export const grids = signal<Grid[]>([]);
export const departments = signal<Department[]>([]);
export const videoStatus = signal<Map<string, ChannelVideoStatus>>(new Map());
export const registryError = signal<string | null>(null);

export const channelById = computed(() => new Map(channels.value.map((c) => [c.id, c])));
export const gridByCode = computed(() => new Map(grids.value.map((g) => [g.code, g])));

const LIST_EVERY_MS = 15_000;
const STATUS_EVERY_MS = 3_000;
let timers: number[] = [];

export async function refreshLists(): Promise<void> {
  try {
    const [c, g, d] = await Promise.all([apiAll<Channel>('/api/channels'), apiAll<Grid>('/api/grids'), apiAll<Department>('/api/departments')]);
    channels.value = c;
    grids.value = g;
    departments.value = d;
    registryError.value = null;
  } catch (err) {
    registryError.value = (err as Error).message;
  }
}

export async function refreshStatus(): Promise<void> {
  try {
    const page = await api<{ items: ChannelVideoStatus[] }>('/api/channels/status');
    videoStatus.value = new Map(page.items.map((s) => [s.channelId, s]));
  } catch (err) {
    registryError.value = (err as Error).message;
  }
}

export function startRegistryPolling(): void {
  stopRegistryPolling();
  void refreshLists();
  void refreshStatus();
  timers = [window.setInterval(() => void refreshLists(), LIST_EVERY_MS), window.setInterval(() => void refreshStatus(), STATUS_EVERY_MS)];
}

export function stopRegistryPolling(): void {
  for (const id of timers) clearInterval(id);
  timers = [];
}

/** A camera is live when its ingest runs; on-demand ones that idle can still be played. */
export function channelState(c: Channel): 'online' | 'offline' | 'idle' | 'unknown' {
  const s = videoStatus.value.get(c.id);
  if (!c.enabled) return 'offline';
  if (s?.state === 'online') return 'online';
  if (s?.state === 'idle' || (s && !s.running && c.mode === 'on-demand')) return 'idle';
  if (s?.state === 'offline' || c.status.state === 'offline') return 'offline';
  return c.status.state === 'online' ? 'online' : 'unknown';
}

export function offlineReason(c: Channel): string | undefined {
  return codedOfflineReason(c).reason;
}

/** Why the camera is not online with its code (the video status's), else the registry's English. */
export function codedOfflineReason(c: Channel): CodedReason {
  const s = videoStatus.value.get(c.id);
  return s?.reason !== undefined ? s : { reason: c.status.reason };
}

/** That reason in the operator's language, said when painted (from its code, so a language switch says it again). */
export const offlineReasonText = (c: Channel): string | undefined => codedReasonText(codedOfflineReason(c));
