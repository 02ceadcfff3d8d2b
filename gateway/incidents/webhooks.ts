// Outbound webhooks: subscribers by event type, minimum severity and grid;
// bodies signed with HMAC-SHA256; deliveries stored durably, retried with
// backoff, and kept as dead letters when they keep failing. The queue lives in
// the store (store/webhook-store.ts), so on PostgreSQL every node works it and
// each delivery is sent by one of them at a time.
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { GwError, notFound } from '../../device-registry/index.ts';
import { LoopHealth } from '../loop-health.ts';
import { redactUrl } from '../log.ts';
import type { IncidentsConfig } from './config.ts';
import type { StoredEvent } from './store/types.ts';
import type { DeliveryStatus, DueDelivery, WebhookFilter, WebhookRow, WebhookStore } from './store/webhook-store.ts';
import { SEVERITY_RANK } from './view.ts';

export type { WebhookFilter } from './store/webhook-store.ts';

export interface Webhook {
  id: string;
  name: string;
  url: string;
  filter: WebhookFilter;
  enabled: boolean;
  createdAt: string;
}

// A receiver's URL may hold credentials (user:pass@, ?token=): they are shown redacted, never as given.
const publicHook = ({ secret: _s, createdAt, url, ...hook }: WebhookRow): Webhook => ({ ...hook, url: redactUrl(url), createdAt: new Date(createdAt).toISOString() });

/** fetch refuses a URL with user:pass@ in it: the userinfo is sent as Basic authorization instead. */
function requestTarget(url: string): { url: string; authorization?: string } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url };
  const authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization };
}

/** Why a send failed, with the network cause fetch keeps in `cause`, and no URL credential. */
function failure(err: Error, timeoutMs: number): string {
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return redactUrl(`${err.message}${cause}`);
}
const iso = (ms: number) => new Date(ms).toISOString();

export const signature = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const MAX_BACKOFF_MS = 5 * 60_000;
/** Another node may have changed the subscribers: the enabled list is reloaded at least this often. */
const HOOKS_TTL_MS = 5000;

export class Webhooks {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private hooks: { rows: WebhookRow[]; at: number } | undefined; // enabled ones, reloaded after a change
  /** Attempts made by this node, by outcome (failed: to be retried; dead: given up, kept as a dead letter). */
  readonly counts = { delivered: 0, failed: 0, dead: 0 };
  private readonly health: LoopHealth;

  constructor(private readonly store: WebhookStore, private readonly config: IncidentsConfig['webhooks'], private readonly log: Logger) {
    this.health = new LoopHealth(log, 'webhook delivery');
  }

  async create(input: { name: string; url: string; filter?: WebhookFilter }): Promise<Webhook & { secret: string }> {
    const row: WebhookRow = {
      id: `hook-${randomBytes(5).toString('hex')}`, name: input.name, url: input.url, secret: randomBytes(24).toString('base64url'),
      filter: input.filter ?? {}, enabled: true, createdAt: Date.now(),
    };
    await this.store.insert(row);
    this.hooks = undefined;
    return { ...publicHook(row), secret: row.secret };
  }

  async list(): Promise<Webhook[]> {
    return (await this.store.hooks(false)).map(publicHook);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.store.disable(id))) throw notFound('webhook', id);
    this.hooks = undefined;
  }

  async deliveries(webhookId: string, status?: DeliveryStatus) {
    return (await this.store.deliveries(webhookId, status, 500)).map((d) => ({
      id: d.id, eventSeq: d.eventSeq, eventType: d.eventType, status: d.status, attempts: d.attempts, lastError: d.lastError,
      nextAt: iso(d.nextAt), createdAt: iso(d.createdAt), finishedAt: d.finishedAt ? iso(d.finishedAt) : null,
    }));
  }

  /** Sends a dead letter again, from the first attempt. */
  async retry(deliveryId: number): Promise<void> {
    if (!(await this.store.retryDead(deliveryId, Date.now()))) throw new GwError('GW_ERR_NOT_FOUND', `no dead delivery ${deliveryId}`, 'id');
  }

  private async enabledHooks(): Promise<WebhookRow[]> {
    if (!this.hooks || Date.now() - this.hooks.at > HOOKS_TTL_MS) this.hooks = { rows: await this.store.hooks(true), at: Date.now() };
    return this.hooks.rows;
  }

  /** Queues a delivery of the event to every enabled webhook that wants it. Called once per event, by the node that stored it. */
  async enqueue(event: StoredEvent): Promise<void> {
    const hooks = await this.enabledHooks();
    if (hooks.length === 0) return;
    const severity = event.payload.severity as keyof typeof SEVERITY_RANK;
    const grid = event.payload.gridCode as string | null;
    const body = JSON.stringify({ id: event.seq, type: event.type, at: iso(event.at), incident: event.payload });
    const wanted = hooks.filter(({ filter: f }) =>
      (!f.types?.length || f.types.includes(event.type))
      && (!f.minSeverity || !(SEVERITY_RANK[severity] > SEVERITY_RANK[f.minSeverity]))
      && (!f.grids?.length || (grid !== null && f.grids.includes(grid))));
    if (wanted.length === 0) return;
    await this.store.enqueue(wanted.map((h) => ({ webhookId: h.id, eventSeq: event.seq, eventType: event.type, body, nextAt: event.at })), Date.now());
    this.kick();
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), 500);
  }

  /** Stops the loop and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.deliverDue()
      .then(() => this.health.ok(), (err: unknown) => this.health.failed(err))
      .finally(() => (this.running = undefined));
  }

  private async deliverDue(): Promise<void> {
    // Leased past the longest a send can take: another node takes it over only if this one died mid-send.
    const due = await this.store.claimDue(Date.now(), 50, this.config.timeoutMs * 2 + 10_000);
    // Receivers are independent: a slow one does not hold up the others.
    await Promise.all(due.map((d) => this.deliver(d)));
  }

  private async deliver(d: DueDelivery): Promise<void> {
    let error: string | undefined;
    try {
      const target = requestTarget(d.url);
      const res = await fetch(target.url, {
        method: 'POST', body: d.body, signal: AbortSignal.timeout(this.config.timeoutMs),
        headers: {
          'content-type': 'application/json', 'x-gateway-event': d.eventType, 'x-gateway-delivery': String(d.id), 'x-gateway-signature': signature(d.secret, d.body),
          ...(target.authorization ? { authorization: target.authorization } : {}),
        },
      });
      await res.arrayBuffer();
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (err) {
      error = failure(err as Error, this.config.timeoutMs);
    }
    const now = Date.now();
    if (!error) {
      this.counts.delivered++;
      return this.store.delivered(d.id, now);
    }
    const attempts = d.attempts + 1;
    const dead = attempts >= this.config.maxAttempts;
    this.counts[dead ? 'dead' : 'failed']++;
    await this.store.failed(d.id, attempts, dead, now + Math.min(MAX_BACKOFF_MS, this.config.backoffMs * 2 ** (attempts - 1)), error, now);
    this.log.warn({ webhookId: d.webhookId, delivery: d.id, attempts, error, dead }, dead ? 'webhook delivery failed for good (dead letter)' : 'webhook delivery failed; will retry');
  }
}
