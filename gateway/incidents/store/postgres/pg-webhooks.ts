// Webhooks and their delivery queue on PostgreSQL (see webhook-store.ts). Every
// node works the one queue: claimDue takes due rows FOR UPDATE SKIP LOCKED and
// moves their next_at past the lease in the same statement, so a delivery is
// in one node's hands at a time.
import type { DeliveryRow, DeliveryStatus, DueDelivery, NewDelivery, WebhookFilter, WebhookRow, WebhookStore } from '../webhook-store.ts';
import type { PgDb, Row } from './pg-db.ts';

const toHook = (r: Row): WebhookRow => ({
  id: r.id as string, name: r.name as string, url: r.url as string, secret: r.secret as string,
  filter: r.filter as WebhookFilter, enabled: r.enabled === true, createdAt: r.created_at as number,
});

const toDelivery = (r: Row): DeliveryRow => ({
  id: r.id as number, webhookId: r.webhook_id as string, eventSeq: r.event_seq as number, eventType: r.event_type as string,
  status: r.status as DeliveryStatus, attempts: r.attempts as number, nextAt: r.next_at as number, lastError: (r.last_error as string | null) ?? null,
  createdAt: r.created_at as number, finishedAt: (r.finished_at as number | null) ?? null,
});

export class PgWebhooks implements WebhookStore {
  constructor(private readonly db: PgDb) {}

  async insert(h: WebhookRow): Promise<void> {
    await this.db.rows('INSERT INTO incident_webhooks (id, name, url, secret, filter, enabled, created_at) VALUES ($1, $2, $3, $4, $5::json, $6, $7)',
      [h.id, h.name, h.url, h.secret, JSON.stringify(h.filter), h.enabled, h.createdAt]);
  }

  async hooks(enabledOnly: boolean): Promise<WebhookRow[]> {
    return (await this.db.rows(`SELECT * FROM incident_webhooks ${enabledOnly ? 'WHERE enabled' : ''} ORDER BY created_at, id COLLATE "C"`)).map(toHook);
  }

  async disable(id: string): Promise<boolean> {
    return (await this.db.rows('UPDATE incident_webhooks SET enabled = false WHERE id = $1 RETURNING id', [id])).length > 0;
  }

  async deliveries(webhookId: string, status: DeliveryStatus | undefined, limit: number): Promise<DeliveryRow[]> {
    const rows = status
      ? await this.db.rows('SELECT * FROM incident_deliveries WHERE webhook_id = $1 AND status = $2 ORDER BY id DESC LIMIT $3', [webhookId, status, limit])
      : await this.db.rows('SELECT * FROM incident_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2', [webhookId, limit]);
    return rows.map(toDelivery);
  }

  async retryDead(deliveryId: number, now: number): Promise<boolean> {
    return (await this.db.rows(`UPDATE incident_deliveries SET status = 'pending', attempts = 0, next_at = $1, finished_at = NULL
      WHERE id = $2 AND status = 'dead' RETURNING id`, [now, deliveryId])).length > 0;
  }

  async enqueue(rows: NewDelivery[], now: number): Promise<void> {
    if (!rows.length) return;
    // One statement for all of them: unnest the columns side by side.
    await this.db.rows(`INSERT INTO incident_deliveries (webhook_id, event_seq, event_type, body, status, attempts, next_at, created_at)
      SELECT w, s, t, b, 'pending', 0, n, $6 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) AS d(w, s, t, b, n)`,
    [rows.map((d) => d.webhookId), rows.map((d) => d.eventSeq), rows.map((d) => d.eventType), rows.map((d) => d.body), rows.map((d) => d.nextAt), now]);
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const rows = await this.db.rows(`WITH due AS (
        SELECT id FROM incident_deliveries WHERE status = 'pending' AND next_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
      leased AS (UPDATE incident_deliveries d SET next_at = $3 FROM due WHERE d.id = due.id RETURNING d.*)
      SELECT l.*, w.url, w.secret FROM leased l JOIN incident_webhooks w ON w.id = l.webhook_id ORDER BY l.id`, [now, limit, now + leaseMs]);
    return rows.map((d) => ({ ...toDelivery(d), body: d.body as string, url: d.url as string, secret: d.secret as string }));
  }

  async delivered(id: number, now: number): Promise<void> {
    await this.db.rows(`UPDATE incident_deliveries SET status = 'delivered', attempts = attempts + 1, finished_at = $1 WHERE id = $2`, [now, id]);
  }

  async failed(id: number, attempts: number, dead: boolean, nextAt: number, error: string, now: number): Promise<void> {
    await this.db.rows('UPDATE incident_deliveries SET status = $1, attempts = $2, next_at = $3, last_error = $4, finished_at = $5 WHERE id = $6',
      [dead ? 'dead' : 'pending', attempts, nextAt, error, dead ? now : null, id]);
  }
}
