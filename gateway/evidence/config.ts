// The evidence room's configuration: where snapshots with boxes drawn (and,
// later, recording segments) are kept so that every node can serve them.
import { Type, type Static } from '@sinclair/typebox';
import type { StoreConfig } from '../cluster/config.ts';

export const EvidenceConfig = Type.Object(
  {
    /**
     * auto: postgres when store.database is postgres, else directory.
     * directory: files under `directory` (this node's disk, or a shared mount every node sees).
     * postgres: in the store's PostgreSQL (pool: store.postgres.pools.evidence); spooled under `directory` while it is unreachable.
     */
    store: Type.Union([Type.Literal('auto'), Type.Literal('directory'), Type.Literal('postgres')]),
    /** null: dataDir (snapshots under dataDir/snapshots/YYYYMMDD/). */
    directory: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type EvidenceConfig = Static<typeof EvidenceConfig>;

export type EvidenceEngine = 'directory' | 'postgres';

export const evidenceEngine = (evidence: EvidenceConfig, store: StoreConfig): EvidenceEngine =>
  evidence.store === 'auto' ? (store.database === 'postgres' ? 'postgres' : 'directory') : evidence.store;

/** Choices that only make sense together; each problem names its path. */
export function evidenceProblems(evidence: EvidenceConfig, store: StoreConfig): string[] {
  return evidence.store === 'postgres' && store.database !== 'postgres' ? ['evidence.store: postgres needs store.database: postgres (its url)'] : [];
}
