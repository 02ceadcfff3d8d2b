// One camera's PullPoint subscription, supervised: create it, pull in a loop
// (the camera holds each pull open up to its timeout), renew at two thirds of
// the termination time, and after any failure (a renewal refused or
// unanswered, the camera unreachable, a SOAP fault) subscribe again after a
// pause that doubles from backoff.min to backoff.max. The pause starts over
// only once a renewal succeeds: a camera that takes subscriptions but refuses
// every renewal is not asked every two seconds.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { OnvifEvent, PullPoint } from '../index.ts';

export interface SubscriptionTiming {
  terminationSeconds: number;
  pullTimeoutSeconds: number;
  messageLimit: number;
  backoffSeconds: { min: number; max: number };
}

export interface SubscriptionStatus {
  state: 'starting' | 'subscribed' | 'failing';
  /** Why it is failing (the camera's fault reason, unreachable, timeout …); no credential. */
  reason?: string;
  since: number;
  /** When the next subscription is tried (failing). */
  retryAt?: number;
  subscriptions: number;
  renewals: number;
  failures: number;
  events: number;
  lastEventAt?: number;
}

export interface PullPointMaker {
  createPullPoint(terminationSec: number): Promise<PullPoint>;
}

/** How long stop() waits for the Unsubscribe and for a pull the camera holds open (it cannot be cut short) before it lets go. */
const STOP_GRACE_MS = 1000;

export class EventSubscription {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private current: SubscriptionStatus = { state: 'starting', since: Date.now(), subscriptions: 0, renewals: 0, failures: 0, events: 0 };
  /** The camera's subscription while there is one. */
  private point: PullPoint | undefined;
  /** Each subscription is let go once (stop() and the loop both may). */
  private readonly leaving = new WeakMap<PullPoint, Promise<void>>();

  constructor(
    private readonly camera: PullPointMaker,
    private readonly timing: SubscriptionTiming,
    private readonly onEvents: (events: OnvifEvent[]) => void,
    private readonly log: Logger,
    private readonly onStatus: (status: SubscriptionStatus) => void = () => {},
  ) {}

  get status(): SubscriptionStatus {
    return { ...this.current };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops pulling and unsubscribes at once, without waiting for a pull the camera holds open (a camera
   * answers it when the subscription ends): in a cluster the next node subscribes once this resolves.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    const leaving = this.point && this.letGo(this.point);
    if (this.loop) await Promise.race([Promise.all([this.loop, leaving]), sleep(STOP_GRACE_MS)]);
  }

  private letGo(point: PullPoint): Promise<void> {
    let leaving = this.leaving.get(point);
    if (!leaving) this.leaving.set(point, (leaving = unsubscribeQuietly(point, this.log)));
    if (this.point === point) this.point = undefined;
    return leaving;
  }

  private get stopped() {
    return this.abort.signal.aborted;
  }

  private set(patch: Partial<SubscriptionStatus>): void {
    const state = patch.state ?? this.current.state;
    const since = state !== this.current.state ? Date.now() : this.current.since;
    this.current = { ...this.current, retryAt: undefined, ...patch, since };
    if (patch.state) this.onStatus(this.status);
  }

  private async run(): Promise<void> {
    let pauseMs = this.timing.backoffSeconds.min * 1000;
    while (!this.stopped) {
      let point: PullPoint | undefined;
      try {
        point = await this.camera.createPullPoint(this.timing.terminationSeconds);
        this.point = point;
        this.set({ state: 'subscribed', reason: undefined, subscriptions: this.current.subscriptions + 1 });
        this.log.info({ address: safeAddress(point.address) }, 'ONVIF events subscribed');
        if (await this.pullUntilFailure(point, () => (pauseMs = this.timing.backoffSeconds.min * 1000))) return;
      } catch (err) {
        if (this.stopped) break;
        const reason = (err as Error).message;
        this.set({ state: 'failing', reason, failures: this.current.failures + 1, retryAt: Date.now() + pauseMs });
        this.log.warn({ reason, retryInMs: pauseMs }, 'ONVIF events subscription failed: subscribing again after a pause');
        if (point) void this.letGo(point);
        try {
          await sleep(pauseMs, undefined, { signal: this.abort.signal });
        } catch {
          break; // stopped while waiting
        }
        pauseMs = Math.min(pauseMs * 2, this.timing.backoffSeconds.max * 1000);
        this.set({ state: 'starting' });
      }
    }
  }

  /** Waits, or less when stopped meanwhile. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  /** Pulls and renews until stopped (true) or until something throws. */
  private async pullUntilFailure(point: PullPoint, renewed: () => void): Promise<boolean> {
    const renewEveryMs = (this.timing.terminationSeconds * 1000 * 2) / 3;
    let renewAt = Date.now() + renewEveryMs;
    while (!this.stopped) {
      if (Date.now() >= renewAt) {
        await point.renew(this.timing.terminationSeconds);
        renewAt = Date.now() + renewEveryMs;
        this.current.renewals++;
        renewed();
      }
      // A pull never outlasts the renewal that is due: a short termination gets short pulls.
      const untilRenew = Math.max(1, Math.floor((renewAt - Date.now()) / 1000));
      const timeoutSec = Math.min(this.timing.pullTimeoutSeconds, untilRenew);
      const pulledAt = Date.now();
      const events = await point.pull(timeoutSec, this.timing.messageLimit);
      // Handed on even when stopped meanwhile: the camera gave them to this subscription only (a channel
      // moving to another node), and their candidate ids keep a second delivery from raising twice.
      if (events.length) {
        this.current.events += events.length;
        this.current.lastEventAt = Date.now();
        this.onEvents(events);
      }
      if (this.stopped) break;
      if (events.length) continue;
      if (Date.now() - pulledAt < (timeoutSec * 1000) / 10) {
        // A camera that answers an empty pull at once (no long poll) is not asked in a tight loop.
        await this.pause(Math.min(1000, timeoutSec * 1000));
      }
    }
    await this.letGo(point);
    return true;
  }
}

/** The subscription's address without user info or query (some cameras put a session key there). */
function safeAddress(address: string): string {
  try {
    const url = new URL(address);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'unparsable address';
  }
}

async function unsubscribeQuietly(point: PullPoint, log: Logger): Promise<void> {
  try {
    await point.unsubscribe();
  } catch (err) {
    // The subscription ends at its termination time anyway.
    log.debug({ reason: (err as Error).message }, 'ONVIF Unsubscribe failed');
  }
}
