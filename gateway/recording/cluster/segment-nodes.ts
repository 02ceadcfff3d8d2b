// Where the node that wrote a segment can be reached: its advertised URL from
// the cluster's node list, while it beats. A node that stopped beating is
// "down" at once (no connection attempt, so a segment of a dead node is
// refused in milliseconds, not after a connect timeout). Answers are kept for
// a second: a VOD playlist asks for a segment every few seconds per tile.

export interface ClusterNodeEntry {
  nodeId: string;
  url: string | null;
}

export type NodePlace = { url: string } | { down: string };

export interface SegmentNodesOptions {
  /** The live nodes (a heartbeat within the lease time) and their URLs (LeaseStore.liveNodes). */
  liveNodes: () => Promise<ClusterNodeEntry[]>;
  cacheMs?: number;
}

export class SegmentNodes {
  private cached: { at: number; nodes: Promise<ClusterNodeEntry[]> } | undefined;

  constructor(private readonly opts: SegmentNodesOptions) {}

  async place(nodeId: string): Promise<NodePlace> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= (this.opts.cacheMs ?? 1000)) {
      const nodes = this.opts.liveNodes();
      this.cached = { at: now, nodes };
      // A failed look-up is not kept: the next request asks again.
      nodes.catch(() => {
        if (this.cached?.nodes === nodes) this.cached = undefined;
      });
    }
    let nodes: ClusterNodeEntry[];
    try {
      nodes = await this.cached.nodes;
    } catch (err) {
      return { down: `the cluster's node list cannot be read right now (${(err as Error).message})` };
    }
    const node = nodes.find((n) => n.nodeId === nodeId);
    if (!node) return { down: `node '${nodeId}' is not running (no heartbeat within the lease time)` };
    if (!node.url) return { down: `node '${nodeId}' gives no URL to reach it (its cluster URL is not set)` };
    return { url: node.url };
  }

  /** Forgets the cached list (a node did not answer). */
  forget(): void {
    this.cached = undefined;
  }
}
