// What the registry holds, for every view: channels with their video status,
// grid cells and departments. The lists are re-read while someone is logged
// in; a camera's status follows the event stream (device.status) as it
// changes (its details read once per burst for the cameras it changed), with
// a slow full re-read as a safety net and after the stream was away (live
// events are not replayed).
import { computed, signal } from '@preact/signals';
import { api, apiAll } from '../api/client.ts';
import { on, type GatewayEvents } from '../api/events.ts';
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
/** The safety re-read of every status; changes themselves come by event. */
const STATUS_EVERY_MS = 60_000;
let timers: number[] = [];
let unfollow: Array<() => void> = [];

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

/** A camera's status event applied to what was read: state and coded reason; the rest waits for the next read. */
export function applyStatusEvent(current: ChannelVideoStatus | undefined, e: GatewayEvents['device.status']): ChannelVideoStatus {
  // Starting or online means an ingest runs; idle means none; offline keeps what was known (a crash restarts, a stop rests).
  const running = e.state === 'starting' || e.state === 'online' || (e.state !== 'idle' && (current?.running ?? false));
  const { reason: _r, reasonCode: _c, reasonParams: _p, ...rest } = current ?? ({ channelId: e.id } as ChannelVideoStatus);
  return { ...rest, channelId: e.id, state: e.state as ChannelVideoStatus['state'], running, ...(e.reason !== undefined ? { reason: e.reason, reasonCode: e.reasonCode, reasonParams: e.reasonParams } : {}) };
}

// Events of a burst (a switch losing 200 cameras) are applied together: one new map, one repaint.
const GATHER_MS = 100;
let gathered: Array<GatewayEvents['device.status']> = [];
let gatherTimer: number | undefined;

/** Up to this many changed cameras have their details read one by one; a bigger burst reads the whole list once. */
const DETAIL_READS = 8;

/**
 * The event says the state and a coded reason; the details a person reads (the last error as
 * host:port/path, the last problem, restarts) come from the status route, read once per burst for the
 * cameras it changed: a read the event asks for, not a poll.
 */
async function readDetails(ids: string[]): Promise<void> {
  if (ids.length > DETAIL_READS) return refreshStatus();
  const read = await Promise.all(ids.map((id) => api<ChannelVideoStatus>(`/api/channels/${encodeURIComponent(id)}/status`).catch(() => null)));
  const next = new Map(videoStatus.peek());
  for (const s of read) if (s) next.set(s.channelId, s);
  videoStatus.value = next;
}

function onDeviceStatus(e: GatewayEvents['device.status']): void {
  if (e.entity !== 'channel') return;
  gathered.push(e);
  gatherTimer ??= window.setTimeout(() => {
    gatherTimer = undefined;
    const next = new Map(videoStatus.peek());
    const burst = gathered.splice(0);
    for (const g of burst) next.set(g.id, applyStatusEvent(next.get(g.id), g));
    videoStatus.value = next;
    void readDetails([...new Set(burst.map((g) => g.id))]);
  }, GATHER_MS);
}

export function startRegistryPolling(): void {
  stopRegistryPolling();
  void refreshLists();
  void refreshStatus();
  timers = [window.setInterval(() => void refreshLists(), LIST_EVERY_MS), window.setInterval(() => void refreshStatus(), STATUS_EVERY_MS)];
  let wasOpen = true;
  unfollow = [
    on('device.status', onDeviceStatus),
    // Back after a drop: what changed meanwhile was not sent again.
    on('connection', ({ open }) => {
      if (open && !wasOpen) void refreshStatus();
      wasOpen = open;
    }),
  ];
}

export function stopRegistryPolling(): void {
  for (const id of timers) clearInterval(id);
  timers = [];
  for (const stop of unfollow) stop();
  unfollow = [];
  clearTimeout(gatherTimer);
  gatherTimer = undefined;
  gathered = [];
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
