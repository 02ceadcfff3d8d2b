// The origin book as the rooms see it: GB28181 device homes (`gb:<deviceId>`),
// RTMP push places (`rtmp:<channelId>`), and where the media of a channel
// that is not placed by a lease is (for the media locator).
import type { RegistryService, StoredRow } from '../../../device-registry/index.ts';
import type { DeviceHomes } from '../../gb28181/index.ts';
import type { PushPlaces } from '../../video/video-manager.ts';
import type { OriginBook, OriginChange } from './origin-book.ts';
import type { OriginHolder, OriginStore } from './origin-store.ts';

const gbKey = (deviceId: string) => `gb:${deviceId}`;
const rtmpKey = (channelId: string) => `rtmp:${channelId}`;

function elsewhere(book: OriginBook, key: string): string | undefined {
  const holder = book.holder(key);
  return holder !== undefined && holder !== book.nodeId ? holder : undefined;
}

export function deviceHomes(book: OriginBook): DeviceHomes {
  return {
    hold: (deviceId, expiresAt) => book.claim(gbKey(deviceId), Math.max(0, expiresAt - Date.now())),
    drop: (deviceId) => book.release(gbKey(deviceId)),
    elsewhere: (deviceId) => elsewhere(book, gbKey(deviceId)),
    // Only what another node did or lost: this node's own registrations and drops are its room's own news.
    watch: (listener) => {
      const onChange = (c: OriginChange) => {
        const other = (n: string | undefined) => n !== undefined && n !== book.nodeId;
        if (c.key.startsWith('gb:') && (other(c.holder) || other(c.previous))) listener(c.key.slice(3), { holder: c.holder, previous: c.previous, holderLost: c.holderLost });
      };
      book.on('change', onChange);
      return () => book.off('change', onChange);
    },
  };
}

/** `reconsider` decides the channel again (VideoManager.release) when its push moves between nodes. */
export function pushPlaces(book: OriginBook, reconsider: (channelId: string) => void): PushPlaces & { stop(): void } {
  const onChange = (c: { key: string }) => {
    if (c.key.startsWith('rtmp:')) reconsider(c.key.slice(5));
  };
  book.on('change', onChange);
  return {
    pushing: (channelId, active) => (active ? book.claim(rtmpKey(channelId), null) : book.release(rtmpKey(channelId))),
    elsewhere: (channelId) => elsewhere(book, rtmpKey(channelId)) !== undefined,
    stop: () => book.off('change', onChange),
  };
}

/** The origin key of a channel that enters where its device or encoder reaches: GB28181 and RTMP. */
export function originKey(row: StoredRow | undefined): string | undefined {
  if (!row || row.doc.enabled === false) return undefined;
  if (row.doc.kind === 'rtmp') return rtmpKey(row.id);
  const deviceId = (row.doc.source as { deviceId?: string } | undefined)?.deviceId;
  return row.doc.kind === 'gb28181' && deviceId ? gbKey(deviceId) : undefined;
}

/** For the media locator: the live node where a GB28181 or RTMP channel's media enters, from the table (fresh, with its URL). */
export function originLookup(registry: RegistryService, store: OriginStore): (channelId: string) => Promise<OriginHolder | undefined> {
  return async (channelId) => {
    const key = originKey(await registry.getStored('channels', channelId));
    return key ? store.holder(key) : undefined;
  };
}
