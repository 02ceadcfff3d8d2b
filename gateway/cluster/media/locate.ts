// Where a channel's media is: on this node, on another node (its base URL),
// or nowhere right now (no live lease). The lease locator answers from this
// node's own leases first (no query), then from the lease table, and keeps a
// remote answer for a second so a 16-tile wall does not query per segment.
// Channels that run where their media arrives (a GB28181 device's
// registration, an RTMP push) are found in the origin table the same way.

export type MediaLocation =
  | { local: true }
  | { local: false; nodeId: string; url: string | null }
  | { local: false; none: true };

export type Locate = (channelId: string) => Promise<MediaLocation>;

export interface MediaLocator {
  locate: Locate;
  /** Drops a cached answer (its node did not answer, or disowned the channel). */
  forget: (channelId: string) => void;
}

export interface LeaseLocatorOptions {
  nodeId: string;
  /** This node's lease version on the channel, if it holds one (ChannelLeases.owns). */
  owns: (channelId: string) => number | undefined;
  /** The channel's live lease holder (LeaseStore.owner). */
  owner: (channelId: string) => Promise<{ nodeId: string; url: string | null } | undefined>;
  /**
   * Whether the channel is placed by leases at all (VideoManager.shardable: enabled RTSP).
   * Pushed and GB28181 streams run where they arrive (see `origin`), and a disabled or deleted
   * channel is answered by the local routes.
   */
  sharded: (channelId: string) => boolean;
  /**
   * For a channel not placed by leases: the live node its media arrives at
   * (origins.ts originLookup). None, or none given: the local routes answer (no push, device offline).
   */
  origin?: (channelId: string) => Promise<{ nodeId: string; url: string | null } | undefined>;
  /** How long a remote answer is reused (default 1000 ms). */
  cacheMs?: number;
}

export function leaseLocator(opts: LeaseLocatorOptions): MediaLocator {
  const cacheMs = opts.cacheMs ?? 1000;
  const cache = new Map<string, { at: number; where: MediaLocation }>();

  const locate: Locate = async (channelId) => {
    const sharded = opts.sharded(channelId);
    if ((!sharded && !opts.origin) || opts.owns(channelId) !== undefined) return { local: true };
    const hit = cache.get(channelId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.where;
    const lease = sharded ? await opts.owner(channelId) : await opts.origin!(channelId);
    // The table names this node while its lease loop has not adopted the lease yet
    // (or is giving it up): the local routes wait for the playlist, then say why.
    // Media that arrives nowhere now: the local routes say why (no push, device offline).
    if (lease?.nodeId === opts.nodeId || (!sharded && !lease)) return { local: true };
    const where: MediaLocation = lease ? { local: false, nodeId: lease.nodeId, url: lease.url } : { local: false, none: true };
    if (lease) cache.set(channelId, { at: Date.now(), where });
    else cache.delete(channelId);
    if (cache.size > 10_000) cache.clear();
    return where;
  };

  return { locate, forget: (channelId) => cache.delete(channelId) };
}
