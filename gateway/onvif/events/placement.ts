// Which node subscribes a camera's events in a cluster: the node holding the
// channel's lease (gateway/cluster/leases), so the subscription follows the
// channel (and its live frame, the event's snapshot) when it moves. Without a
// placement (one gateway) this node subscribes every camera.

export interface PlacementListener {
  /** This node took the channel's lease: subscribe. */
  acquired(channelId: string): void;
  /** This node gives the lease back or lost it: unsubscribe; awaited before a lease is handed back. */
  released(channelId: string): Promise<void>;
}

export interface EventsPlacement {
  readonly nodeId: string;
  /** Whether this node holds the channel's lease now. */
  here(channelId: string): boolean;
  /** Channel → the node holding its lease now (the database's view). */
  owners(): Promise<Map<string, string>>;
  /**
   * Follows this node's leases. `wanted`: the channels camera events need leased, for a node that
   * runs no video (with video the video room's channels are leased, these among them). Returns the unfollow.
   */
  follow(listener: PlacementListener, wanted: () => Iterable<string>): () => void;
}
