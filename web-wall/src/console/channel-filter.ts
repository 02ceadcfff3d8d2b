// What the camera list shows: the registry's channels (every page, polled by
// the store) filtered here by search text, grid cell (and the cells below),
// kind and live status, and sorted — offline first by default, so the
// cameras that need someone are on top of a list of thousands.
import { computed, signal } from '@preact/signals';
import type { Channel } from '../api/types.ts';
import { channels, channelState } from '../store/registry.ts';
import { gridAndBelow } from './draft-parts.ts';

export type LiveState = ReturnType<typeof channelState>;
export type ChannelSort = 'status' | 'id' | 'name';

export const channelQuery = signal('');
export const channelGrid = signal('');
export const channelKind = signal('');
export const channelStatus = signal<'' | LiveState>('');
export const channelSort = signal<ChannelSort>('status');
export const channelPage = signal(0);
export const PAGE_SIZE = 100;

const STATUS_ORDER: Record<LiveState, number> = { offline: 0, unknown: 1, idle: 2, online: 3 };

export interface ListedChannel { channel: Channel; state: LiveState }

/** Every channel with its live state: the counts and the filters work on this. */
export const liveChannels = computed<ListedChannel[]>(() => channels.value.map((channel) => ({ channel, state: channelState(channel) })));

export const stateCounts = computed(() => {
  const counts: Record<LiveState, number> = { online: 0, offline: 0, idle: 0, unknown: 0 };
  for (const c of liveChannels.value) counts[c.state] += 1;
  return counts;
});

export const filteredChannels = computed(() => {
  const q = channelQuery.value.trim().toLowerCase();
  const cells = channelGrid.value ? gridAndBelow(channelGrid.value) : null;
  const shown = liveChannels.value.filter(({ channel: c, state }) =>
    (!q || c.id.toLowerCase().includes(q) || c.name.toLowerCase().includes(q))
    && (!cells || (c.gridCode !== undefined && cells.has(c.gridCode)))
    && (!channelKind.value || c.kind === channelKind.value)
    && (!channelStatus.value || state === channelStatus.value));
  const byId = (a: ListedChannel, b: ListedChannel) => a.channel.id.localeCompare(b.channel.id);
  const compare: Record<ChannelSort, (a: ListedChannel, b: ListedChannel) => number> = {
    status: (a, b) => STATUS_ORDER[a.state] - STATUS_ORDER[b.state] || byId(a, b),
    id: byId,
    name: (a, b) => a.channel.name.localeCompare(b.channel.name, 'zh-CN') || byId(a, b),
  };
  return shown.sort(compare[channelSort.value]);
});

/** A filter changed: back to the first page. */
export function setFilter<T>(which: { value: T }, value: T): void {
  which.value = value;
  channelPage.value = 0;
}
