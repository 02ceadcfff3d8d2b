// How many channels each live node should hold: an equal share, capped by each
// node's capacity, the rest spread over the nodes with room (water-filling).
// Every node computes this from the same view, so they agree without talking.
import { createHash } from 'node:crypto';

export interface NodeCapacity {
  nodeId: string;
  capacity: number;
}

/** Quota per node id; the sum is at least min(total, Σ capacity) and exceeds total by less than the node count. */
export function fairShares(total: number, nodes: readonly NodeCapacity[]): Map<string, number> {
  const quotas = new Map<string, number>();
  const byCapacity = [...nodes].sort((a, b) => a.capacity - b.capacity || a.nodeId.localeCompare(b.nodeId));
  let remaining = total;
  byCapacity.forEach((node, i) => {
    const share = Math.ceil(Math.max(0, remaining) / (byCapacity.length - i));
    const quota = Math.min(node.capacity, share);
    quotas.set(node.nodeId, quota);
    remaining -= quota;
  });
  return quotas;
}

/**
 * Rendezvous score of a channel for a node: a node takes the free channels it
 * scores highest and gives back those it scores lowest, so a rebalance moves
 * few channels and two nodes rarely reach for the same one at once.
 */
export function affinity(nodeId: string, channelId: string): number {
  return createHash('sha1').update(nodeId).update('\0').update(channelId).digest().readUInt32BE(0);
}
