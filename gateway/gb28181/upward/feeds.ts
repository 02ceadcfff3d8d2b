// The channel feeds in use: one per channel, shared by every upward session
// of that channel, closed when its last session lets go (the channel is then
// no longer asked for, and an on-demand one stops after the idle time).
import type { Logger } from 'pino';
import { ChannelFeed, type ChannelVideo, type FeedTiming, type FlvOwners, type LiveFlv } from './channel-feed.ts';

export interface FeedDeps {
  live: LiveFlv | undefined;
  /** Cluster: the FLV of a channel that runs on another node, read there. */
  owners?: FlvOwners;
  video: ChannelVideo;
  timing: FeedTiming;
  log: Logger;
}

export class ChannelFeeds {
  private readonly feeds = new Map<string, { feed: ChannelFeed; users: number }>();

  constructor(private readonly d: FeedDeps) {}

  /** The channel's feed (started if none runs, or the last one ended), and the function that lets it go. */
  acquire(channelId: string): { feed: ChannelFeed; release: () => void } {
    let entry = this.feeds.get(channelId);
    if (!entry || entry.feed.endedWhy) {
      entry = { feed: new ChannelFeed(channelId, this.d), users: 0 };
      this.feeds.set(channelId, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      feed: held.feed,
      release: () => {
        if (released) return;
        released = true;
        held.users--;
        if (held.users > 0) return;
        held.feed.close('no upward session uses it');
        if (this.feeds.get(channelId) === held) this.feeds.delete(channelId);
      },
    };
  }

  get size(): number {
    return this.feeds.size;
  }

  closeAll(reason: string): void {
    for (const { feed } of this.feeds.values()) feed.close(reason);
    this.feeds.clear();
  }
}
