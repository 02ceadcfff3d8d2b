// The events table as an outbox for the cluster's event stream. The node that
// commits an event publishes it and marks it; an event whose node died before
// that (or whose publish failed while NATS was away) is picked up by a relay
// on any node: claimed for a while (relay_at), published, marked. Publishing
// is idempotent for 2 minutes (JetStream message id evt-<seq>), which covers
// a relay racing the committing node.
import type { EventOutbox } from '../incident-store.ts';
import type { StoredEvent } from '../types.ts';
import type { PgDb } from './pg-db.ts';
import { toEvent } from './rows.ts';

export class PgEventOutbox implements EventOutbox {
  constructor(private readonly db: PgDb) {}

  async markPublished(seqs: number[]): Promise<void> {
    if (seqs.length) await this.db.rows('UPDATE incident_events SET published = true, relay_at = NULL WHERE seq = ANY($1::bigint[])', [seqs]);
  }

  async claimStale(before: number, now: number, claimMs: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.rows(`UPDATE incident_events SET relay_at = $2::bigint WHERE seq IN (
        SELECT seq FROM incident_events WHERE NOT published AND at < $1::bigint AND (relay_at IS NULL OR relay_at < $2::bigint - $3::bigint)
        ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED)
      RETURNING *`, [before, now, claimMs, limit]);
    return rows.map(toEvent).sort((a, b) => a.seq - b.seq);
  }

  async backlog(): Promise<number> {
    const [r] = await this.db.rows('SELECT count(*)::int AS n FROM incident_events WHERE NOT published');
    return r!.n as number;
  }
}
