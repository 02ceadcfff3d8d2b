// Evidence snapshots of the detection room: a JPEG with the boxes drawn in,
// kept in the evidence store (gateway/evidence) so that every node serves it
// at the URL the incident carries, also after this node is gone.
import { newSnapshot, type EvidenceStore } from '../evidence/index.ts';

export class SnapshotStore {
  constructor(private readonly evidence: EvidenceStore) {}

  /** Stores a JPEG and returns its URL (/api/snapshots/YYYYMMDD/<uuid>.jpg). */
  async save(jpeg: Buffer, at: number): Promise<string> {
    const { key, url } = newSnapshot(at);
    await this.evidence.put(key, jpeg, 'image/jpeg');
    return url;
  }
}
