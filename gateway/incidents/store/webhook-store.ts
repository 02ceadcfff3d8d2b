// Webhook subscribers and their durable delivery queue, one implementation per
// engine. The queue is shared by every node on the database: `claimDue` hands a
// delivery to one caller at a time (a lease on next_at), so two nodes never
// send the same one at once, and one that died mid-send is retried after the lease.
import type { Severity } from '../candidate.ts';

export interface WebhookFilter {
  types?: string[];
  minSeverity?: Severity;
  grids?: string[];
}

export interface WebhookRow {
  id: string;
  name: string;
  url: string;
  secret: string;
  filter: WebhookFilter;
  enabled: boolean;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryRow {
  id: number;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** A delivery to send now, with what sending needs. */
export interface DueDelivery extends DeliveryRow {
  body: string;
  url: string;
  secret: string;
}

export interface NewDelivery {
  webhookId: string;
  eventSeq: number;
  eventType: string;
  body: string;
  nextAt: number;
}

export interface WebhookStore {
  insert(hook: WebhookRow): Promise<void>;
  /** All webhooks (oldest first), or only the enabled ones. */
  hooks(enabledOnly: boolean): Promise<WebhookRow[]>;
  /** False when there is no such webhook. */
  disable(id: string): Promise<boolean>;
  /** Newest first. */
  deliveries(webhookId: string, status: DeliveryStatus | undefined, limit: number): Promise<DeliveryRow[]>;
  /** Puts a dead letter back in the queue from its first attempt; false when there is no such dead letter. */
  retryDead(deliveryId: number, now: number): Promise<boolean>;
  /** Queues the deliveries together (one event to several webhooks). */
  enqueue(rows: NewDelivery[], now: number): Promise<void>;
  /** Pending deliveries due by `now`, oldest first, leased to the caller until now + leaseMs. */
  claimDue(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>;
  delivered(id: number, now: number): Promise<void>;
  /** A failed attempt: pending again at `nextAt`, or dead (finishedAt set). */
  failed(id: number, attempts: number, dead: boolean, nextAt: number, error: string, now: number): Promise<void>;
}
