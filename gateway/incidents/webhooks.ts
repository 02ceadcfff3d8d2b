// Outbound webhooks: subscribers by event type, minimum severity and grid;
// bodies signed with HMAC-SHA256; deliveries stored durably, retried with
// backoff, and kept as dead letters when they keep failing.
import { createHmac, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { GwError, notFound } from '../../device-registry/index.ts';
import type { IncidentsConfig } from './config.ts';
import type { StoredEvent } from './store/types.ts';
import { SEVERITY_RANK } from './view.ts';

export interface WebhookFilter {
  types?: string[];
  minSeverity?: keyof typeof SEVERITY_RANK;
  grids?: string[];
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  filter: WebhookFilter;
  enabled: boolean;
  createdAt: string;
}

type Row = Record<string, unknown>;
const toHook = (r: Row): Webhook & { secret: string } => ({
  id: r.id as string, name: r.name as string, url: r.url as string, secret: r.secret as string,
  filter: JSON.parse(r.filter as string) as WebhookFilter, enabled: r.enabled === 1, createdAt: new Date(r.created_at as number).toISOString(),
});
const publicHook = ({ secret: _s, ...hook }: Webhook & { secret: string }): Webhook => hook;

export const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const MAX_BACKOFF_MS = 5 * 60_000;

export class Webhooks {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private hooks: Array<Webhook & { secret: string }> | undefined; // enabled ones, reloaded after a change

  constructor(private readonly db: Database.Database, private readonly config: IncidentsConfig['webhooks'], private readonly log: Logger) {}

  create(input: { name: string; url: string; filter?: WebhookFilter }): Webhook & { secret: string } {
    const hook = { id: `hook-${randomBytes(5).toString('hex')}`, secret: randomBytes(24).toString('base64url'), enabled: true, filter: input.filter ?? {}, name: input.name, url: input.url };
    this.db.prepare('INSERT INTO webhooks (id, name, url, secret, filter, enabled, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)')
      .run(hook.id, hook.name, hook.url, hook.secret, JSON.stringify(hook.filter), Date.now());
    this.hooks = undefined;
    return { ...hook, createdAt: new Date().toISOString() };
  }

  list(): Webhook[] {
    return (this.db.prepare('SELECT * FROM webhooks ORDER BY created_at').all() as Row[]).map((r) => publicHook(toHook(r)));
  }

  remove(id: string): void {
    if (this.db.prepare('UPDATE webhooks SET enabled = 0 WHERE id = ?').run(id).changes === 0) throw notFound('webhook', id);
    this.hooks = undefined;
  }

  deliveries(webhookId: string, status?: string) {
    const rows = this.db.prepare(`SELECT id, event_seq, event_type, status, attempts, next_at, last_error, created_at, finished_at FROM deliveries
      WHERE webhook_id = ? ${status ? 'AND status = ?' : ''} ORDER BY id DESC LIMIT 500`).all(...(status ? [webhookId, status] : [webhookId])) as Row[];
    return rows.map((r) => ({
      id: r.id, eventSeq: r.event_seq, eventType: r.event_type, status: r.status, attempts: r.attempts, lastError: r.last_error,
      nextAt: new Date(r.next_at as number).toISOString(), createdAt: new Date(r.created_at as number).toISOString(),
      finishedAt: r.finished_at ? new Date(r.finished_at as number).toISOString() : null,
    }));
  }

  /** Sends a dead letter again, from the first attempt. */
  retry(deliveryId: number): void {
    const r = this.db.prepare(`UPDATE deliveries SET status = 'pending', attempts = 0, next_at = ?, finished_at = NULL WHERE id = ? AND status = 'dead'`).run(Date.now(), deliveryId);
    if (r.changes === 0) throw new GwError('GW_ERR_NOT_FOUND', `no dead delivery ${deliveryId}`, 'id');
  }

  /** Queues a delivery of the event to every enabled webhook that wants it. */
  enqueue(event: StoredEvent): void {
    const hooks = (this.hooks ??= (this.db.prepare('SELECT * FROM webhooks WHERE enabled = 1').all() as Row[]).map(toHook));
    if (hooks.length === 0) return;
    let queued = 0;
    const severity = event.payload.severity as keyof typeof SEVERITY_RANK;
    const grid = event.payload.gridCode as string | null;
    const body = JSON.stringify({ id: event.seq, type: event.type, at: new Date(event.at).toISOString(), incident: event.payload });
    for (const hook of hooks) {
      const f = hook.filter;
      if (f.types?.length && !f.types.includes(event.type)) continue;
      if (f.minSeverity && SEVERITY_RANK[severity] > SEVERITY_RANK[f.minSeverity]) continue;
      if (f.grids?.length && (!grid || !f.grids.includes(grid))) continue;
      this.db.prepare(`INSERT INTO deliveries (webhook_id, event_seq, event_type, body, status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`)
        .run(hook.id, event.seq, event.type, body, event.at, Date.now());
      queued++;
    }
    if (queued) this.kick();
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.deliverDue().catch((err: unknown) => this.log.error({ err }, 'webhook delivery loop failed')).finally(() => (this.running = false));
  }

  private async deliverDue(): Promise<void> {
    const due = this.db.prepare(`SELECT d.*, w.url, w.secret FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status = 'pending' AND d.next_at <= ? ORDER BY d.id LIMIT 50`).all(Date.now()) as Row[];
    // Receivers are independent: a slow one does not hold up the others.
    await Promise.all(due.map((d) => this.deliver(d)));
  }

  private async deliver(d: Row): Promise<void> {
    const body = d.body as string;
    let error: string | undefined;
    try {
      const res = await fetch(d.url as string, {
        method: 'POST', body, signal: AbortSignal.timeout(this.config.timeoutMs),
        headers: { 'content-type': 'application/json', 'x-gateway-event': d.event_type as string, 'x-gateway-delivery': String(d.id), 'x-gateway-signature': signature(d.secret as string, body) },
      });
      await res.arrayBuffer();
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : (err as Error).message;
    }
    const now = Date.now();
    if (!error) {
      this.db.prepare(`UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, finished_at = ? WHERE id = ?`).run(now, d.id);
      return;
    }
    const attempts = (d.attempts as number) + 1;
    const dead = attempts >= this.config.maxAttempts;
    const next = now + Math.min(MAX_BACKOFF_MS, this.config.backoffMs * 2 ** (attempts - 1));
    this.db.prepare(`UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, last_error = ?, finished_at = ? WHERE id = ?`)
      .run(dead ? 'dead' : 'pending', attempts, next, error, dead ? now : null, d.id);
    this.log.warn({ webhookId: d.webhook_id, delivery: d.id, attempts, error, dead }, dead ? 'webhook delivery failed for good (dead letter)' : 'webhook delivery failed; will retry');
  }
}
