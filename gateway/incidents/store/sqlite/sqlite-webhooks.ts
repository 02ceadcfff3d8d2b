// Webhooks and their delivery queue on SQLite (see webhook-store.ts).
import type { DeliveryRow, DeliveryStatus, DueDelivery, NewDelivery, WebhookFilter, WebhookRow, WebhookStore } from '../webhook-store.ts';
import type { Prepared, Row } from './rows.ts';

const toHook = (r: Row): WebhookRow => ({
  id: r.id as string, name: r.name as string, url: r.url as string, secret: r.secret as string,
  filter: JSON.parse(r.filter as string) as WebhookFilter, enabled: r.enabled === 1, createdAt: r.created_at as number,
});

const toDelivery = (r: Row): DeliveryRow => ({
  id: r.id as number, webhookId: r.webhook_id as string, eventSeq: r.event_seq as number, eventType: r.event_type as string,
  status: r.status as DeliveryStatus, attempts: r.attempts as number, nextAt: r.next_at as number, lastError: (r.last_error as string) ?? null,
  createdAt: r.created_at as number, finishedAt: (r.finished_at as number) ?? null,
});

export class SqliteWebhooks implements WebhookStore {
  constructor(private readonly p: Prepared) {}

  async insert(h: WebhookRow): Promise<void> {
    this.p.sql('INSERT INTO webhooks (id, name, url, secret, filter, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(h.id, h.name, h.url, h.secret, JSON.stringify(h.filter), h.enabled ? 1 : 0, h.createdAt);
  }

  async hooks(enabledOnly: boolean): Promise<WebhookRow[]> {
    return (this.p.sql(`SELECT * FROM webhooks ${enabledOnly ? 'WHERE enabled = 1' : ''} ORDER BY created_at, id`).all() as Row[]).map(toHook);
  }

  async disable(id: string): Promise<boolean> {
    return this.p.sql('UPDATE webhooks SET enabled = 0 WHERE id = ?').run(id).changes > 0;
  }

  async deliveries(webhookId: string, status: DeliveryStatus | undefined, limit: number): Promise<DeliveryRow[]> {
    return (this.p.sql(`SELECT * FROM deliveries WHERE webhook_id = ? ${status ? 'AND status = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(status ? [webhookId, status] : [webhookId]), limit) as Row[]).map(toDelivery);
  }

  async retryDead(deliveryId: number, now: number): Promise<boolean> {
    return this.p.sql(`UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, finished_at = NULL WHERE id = ? AND status = 'dead'`).run(now, deliveryId).changes > 0;
  }

  async enqueue(rows: NewDelivery[], now: number): Promise<void> {
    const insert = this.p.sql(`INSERT INTO deliveries (webhook_id, event_seq, event_type, body, status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`);
    this.p.db.transaction(() => {
      for (const d of rows) insert.run(d.webhookId, d.eventSeq, d.eventType, d.body, d.nextAt, now);
    })();
  }

  async claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.p.db.transaction(() => {
      const due = this.p.sql(`SELECT d.*, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.id LIMIT ?`).all(now, limit) as Row[];
      const lease = this.p.sql('UPDATE deliveries SET next_at = ? WHERE id = ?');
      for (const d of due) lease.run(now + leaseMs, d.id);
      return due.map((d) => ({ ...toDelivery(d), nextAt: now + leaseMs, body: d.body as string, url: d.url as string, secret: d.secret as string }));
    })();
  }

  async delivered(id: number, now: number): Promise<void> {
    this.p.sql(`UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, finished_at = ? WHERE id = ?`).run(now, id);
  }

  async failed(id: number, attempts: number, dead: boolean, nextAt: number, error: string, now: number): Promise<void> {
    this.p.sql('UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, last_error = ?, finished_at = ? WHERE id = ?')
      .run(dead ? 'dead' : 'pending', attempts, nextAt, error, dead ? now : null, id);
  }
}
