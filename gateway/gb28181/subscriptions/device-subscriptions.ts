// The platform's subscriptions to each registered device: Catalog (its channel
// changes), Alarm and MobilePosition (GB/T 28181 §9.11). Opened after every
// fresh REGISTER, refreshed in their dialog at two thirds of the granted
// Expires, opened anew when a refresh is refused (481) or unanswered, dropped
// when the device goes offline. A device that refuses a kind (489 Bad Event,
// 405) is not asked again until it registers anew.
import type { Logger } from 'pino';
import type { DeviceSessions } from '../devices.ts';
import { buildSubscribeQuery, type SubscribeCmdType } from '../manscdp/index.ts';
import type { PlatformIdentity } from '../outgoing.ts';
import type { SipEndpoint } from '../sip/index.ts';
import { confirmDialog, EVENT_OF, subscribeRequest, type SubscribeDialog } from './subscribe-request.ts';

export interface SubscriptionSettings {
  kinds: SubscribeCmdType[];
  expiresSeconds: number;
  /** MobilePosition: how often the device is asked to report. */
  positionIntervalSeconds: number;
}

export interface SubscriptionStatus {
  deviceId: string;
  kind: SubscribeCmdType;
  state: 'pending' | 'active' | 'refused' | 'failed';
  reason?: string;
  expiresAt?: string;
  refreshes: number;
}

interface Subscription {
  deviceId: string;
  kind: SubscribeCmdType;
  state: SubscriptionStatus['state'];
  reason?: string;
  dialog?: SubscribeDialog;
  expiresAt?: number;
  refreshes: number;
  timer?: NodeJS.Timeout;
  /** Bumped when the subscription is dropped or reopened, so a late answer changes nothing. */
  generation: number;
}

/** A failed first SUBSCRIBE is tried again after this long (the device may still be starting up). */
const RETRY_MS = 30_000;

export class DeviceSubscriptions {
  private readonly subs = new Map<string, Subscription>();
  private sn = Math.floor(Math.random() * 100_000);
  readonly counts = { sent: 0, refreshed: 0, refused: 0, failed: 0 };

  constructor(
    private readonly deps: { sip: SipEndpoint; me: PlatformIdentity; sessions: DeviceSessions; log: Logger; timeoutMs: number },
    private readonly settings: SubscriptionSettings,
  ) {}

  /** A fresh REGISTER: every kind subscribed again, in new dialogs. */
  start(deviceId: string): void {
    this.forget(deviceId);
    for (const kind of this.settings.kinds) {
      const sub: Subscription = { deviceId, kind, state: 'pending', refreshes: 0, generation: 0 };
      this.subs.set(key(deviceId, kind), sub);
      void this.send(sub);
    }
  }

  /** The device went offline (or was disabled, deleted): its dialogs are gone with it. */
  forget(deviceId: string): void {
    for (const kind of this.settings.kinds) {
      const sub = this.subs.get(key(deviceId, kind));
      if (!sub) continue;
      clearTimeout(sub.timer);
      sub.generation++;
      this.subs.delete(key(deviceId, kind));
    }
  }

  /** Whether a NOTIFY's Call-ID is one of this device's subscription dialogs. */
  owns(deviceId: string, callId: string): boolean {
    return this.settings.kinds.some((kind) => this.subs.get(key(deviceId, kind))?.dialog?.callId === callId);
  }

  list(): SubscriptionStatus[] {
    return [...this.subs.values()].map((s) => ({
      deviceId: s.deviceId, kind: s.kind, state: s.state, refreshes: s.refreshes,
      ...(s.reason ? { reason: s.reason } : {}), ...(s.expiresAt ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
    }));
  }

  close(): void {
    for (const sub of this.subs.values()) clearTimeout(sub.timer);
    this.subs.clear();
  }

  private async send(sub: Subscription): Promise<void> {
    const session = this.deps.sessions.get(sub.deviceId);
    if (!session) return;
    const generation = sub.generation;
    const refresh = sub.dialog !== undefined;
    const xml = buildSubscribeQuery(sub.kind, this.nextSn(), sub.deviceId, { intervalSeconds: this.settings.positionIntervalSeconds });
    const { request, dialog } = subscribeRequest(this.deps.me, session.remote, sub.deviceId, {
      event: EVENT_OF[sub.kind], expires: this.settings.expiresSeconds, xml, charset: session.charset, dialog: sub.dialog,
    });
    this.counts.sent++;
    let status: number;
    let res;
    try {
      res = await this.deps.sip.request(session.remote, request, { timeoutMs: this.deps.timeoutMs });
      status = res.status;
    } catch (err) {
      status = 0;
      sub.reason = `no answer: ${(err as Error).message}`;
    }
    if (sub.generation !== generation || this.subs.get(key(sub.deviceId, sub.kind)) !== sub) return;
    if (res && status >= 200 && status < 300) {
      confirmDialog(dialog, res);
      const granted = Number(res.headers.get('Expires') ?? this.settings.expiresSeconds);
      const seconds = Number.isFinite(granted) && granted > 0 ? granted : this.settings.expiresSeconds;
      Object.assign(sub, { dialog, state: 'active', reason: undefined, expiresAt: Date.now() + seconds * 1000 });
      if (refresh) {
        sub.refreshes++;
        this.counts.refreshed++;
      }
      this.schedule(sub, (seconds * 1000 * 2) / 3, () => this.send(sub));
      return;
    }
    if (status === 489 || status === 405 || status === 501) {
      Object.assign(sub, { state: 'refused', reason: `the device answered ${status} to SUBSCRIBE ${sub.kind}`, dialog: undefined });
      this.counts.refused++;
      this.deps.log.info({ deviceId: sub.deviceId, kind: sub.kind, status }, 'GB28181 device does not offer this subscription');
      return;
    }
    // A refused refresh (481: the device forgot the dialog) or none: open a new one, at once after a lost dialog.
    this.counts.failed++;
    if (status) sub.reason = `the device answered ${status} to SUBSCRIBE ${sub.kind}`;
    Object.assign(sub, { state: 'failed', dialog: undefined });
    this.deps.log.warn({ deviceId: sub.deviceId, kind: sub.kind, reason: sub.reason }, 'GB28181 subscription failed');
    this.schedule(sub, refresh ? 0 : RETRY_MS, () => this.send(sub));
  }

  private schedule(sub: Subscription, ms: number, run: () => Promise<void>): void {
    clearTimeout(sub.timer);
    sub.timer = setTimeout(() => void run(), ms);
    sub.timer.unref();
  }

  private nextSn(): number {
    this.sn = (this.sn + 1) % 1_000_000_000;
    return this.sn;
  }
}

const key = (deviceId: string, kind: string) => `${deviceId}|${kind}`;
