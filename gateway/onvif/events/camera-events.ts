// The events room: one supervised PullPoint subscription (subscription.ts)
// per ONVIF channel whose camera has events and whose switches want some,
// kept in step with the registry at once (a channel added, disabled, deleted,
// its switches or camera changed), and a status per ONVIF channel that says
// `subscribed`, `starting`, `failing` (why, when it tries again), `no events`
// (the camera offers none) or `off` (why). In a cluster only the node holding
// a channel's lease subscribes (placement.ts); the others say `elsewhere`.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeviceChanged, RegistryService, StoredRow } from '../../../device-registry/index.ts';
import { onvifCameraOf, type OnvifCamera } from '../camera-of.ts';
import type { OnvifClients } from '../clients.ts';
import type { OnvifEventsConfig } from './config.ts';
import type { EventIncidents } from './incidents.ts';
import type { EventsPlacement } from './placement.ts';
import { EventSubscription, type SubscriptionStatus } from './subscription.ts';

export interface ChannelEventsStatus {
  channelId: string;
  state: SubscriptionStatus['state'] | 'no events' | 'off' | 'elsewhere';
  /** Cluster: the node that subscribes (null: none, the channel is off or being taken over). */
  node?: string | null;
  reason?: string;
  since: string;
  retryAt?: string;
  /** The types that raise incidents on this channel. */
  types: string[];
  subscriptions?: number;
  renewals?: number;
  failures?: number;
  events?: number;
  lastEventAt?: string;
}

interface Followed {
  camera: OnvifCamera;
  /** The camera connection the subscription was made with: a change of it subscribes anew. */
  connection: string;
  subscription?: EventSubscription;
  quiet?: { state: 'no events' | 'off'; reason: string; since: number };
  /** Cluster: another node holds the channel's lease and subscribes. */
  elsewhere?: { since: number };
}

export interface CameraEventsDeps {
  registry: RegistryService;
  clients: OnvifClients;
  /** One SOAP request (onvif.requestTimeoutMs); a pull may take pullTimeoutSeconds more. */
  requestTimeoutMs: number;
  incidents: EventIncidents;
  /** Cluster: subscribe only the channels whose lease this node holds. */
  placement?: EventsPlacement;
  log: Logger;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class CameraEvents {
  private readonly followed = new Map<string, Followed>();
  private changes: Promise<void> = Promise.resolve();
  private stopped = false;
  private unfollowPlacement: (() => void) | undefined;

  constructor(private readonly config: OnvifEventsConfig, private readonly deps: CameraEventsDeps) {}

  async start(): Promise<void> {
    this.deps.registry.events.on('device.changed', this.onChange);
    for await (const row of this.deps.registry.all('channels')) void this.follow(row.id, row);
    this.unfollowPlacement = this.deps.placement?.follow({
      acquired: (channelId) => void this.refollow(channelId),
      released: (channelId) => this.refollow(channelId),
    }, () => this.wanted());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unfollowPlacement?.();
    this.deps.registry.events.off('device.changed', this.onChange);
    await this.changes;
    await Promise.all([...this.followed.values()].map((f) => f.subscription?.stop()));
    this.followed.clear();
  }

  status(): ChannelEventsStatus[] {
    return [...this.followed.keys()].sort().map((id) => this.statusOf(id)!);
  }

  /** Every channel's status; in a cluster each with the node that subscribes it (the lease holder). */
  async statusWithNodes(): Promise<ChannelEventsStatus[]> {
    const items = this.status();
    const placement = this.deps.placement;
    if (!placement) return items;
    const owners = items.some((s) => s.state === 'elsewhere') ? await placement.owners() : new Map<string, string>();
    return items.map((s) => {
      if (s.state === 'off' || s.state === 'no events') return { ...s, node: null };
      if (s.state !== 'elsewhere') return { ...s, node: placement.nodeId };
      const node = owners.get(s.channelId) ?? null;
      const reason = node ? `subscribed by node ${node} (its details: GET /api/onvif/events/status on that node)` : 'no node holds the channel right now (taken over within the lease time)';
      return { ...s, node, reason };
    });
  }

  statusOf(channelId: string): ChannelEventsStatus | undefined {
    const f = this.followed.get(channelId);
    if (!f) return undefined;
    const types = [...f.camera.types].sort();
    if (f.elsewhere) return { channelId, state: 'elsewhere', since: iso(f.elsewhere.since)!, types };
    if (f.quiet || !f.subscription) {
      const quiet = f.quiet ?? { state: 'off' as const, reason: 'stopped', since: Date.now() };
      return { channelId, state: quiet.state, reason: quiet.reason, since: iso(quiet.since)!, types };
    }
    const s = f.subscription.status;
    return {
      channelId, state: s.state, ...(s.reason ? { reason: s.reason } : {}), since: iso(s.since)!, ...(s.retryAt ? { retryAt: iso(s.retryAt) } : {}), types,
      subscriptions: s.subscriptions, renewals: s.renewals, failures: s.failures, events: s.events, ...(s.lastEventAt ? { lastEventAt: iso(s.lastEventAt) } : {}),
    };
  }

  private readonly onChange = (e: DeviceChanged) => {
    if (e.entity !== 'channels') return;
    // One change after the other: a quick edit then delete ends with the delete.
    this.changes = this.changes.then(async () => {
      try {
        void this.follow(e.id, await this.deps.registry.getStored('channels', e.id));
      } catch (err) {
        this.deps.log.error({ err, channelId: e.id }, 'could not follow a channel change');
      }
    });
  };

  /** The lease moved here or away: decided again in turn with registry changes; done once a subscription let go has stopped. */
  private refollow(channelId: string): Promise<void> {
    const done = this.changes.then(async () => {
      try {
        await this.follow(channelId, await this.deps.registry.getStored('channels', channelId));
      } catch (err) {
        this.deps.log.error({ err, channelId }, 'could not follow a lease change');
      }
    });
    this.changes = done;
    return done;
  }

  /** Channels whose events want a node (leased by a cluster node that runs no video). */
  private wanted(): string[] {
    return [...this.followed].filter(([, f]) => !this.quietReason(f.camera)).map(([id]) => id);
  }

  /** Why a camera gets no subscription, or undefined when it should have one. */
  private quietReason(camera: OnvifCamera): { state: 'no events' | 'off'; reason: string } | undefined {
    if (!this.config.enabled) return { state: 'off', reason: 'camera events are off in the configuration (onvif.events.enabled)' };
    if (!camera.enabled) return { state: 'off', reason: 'the channel is disabled' };
    if (!camera.events) return { state: 'no events', reason: 'the camera offers no event service' };
    if (!camera.subscribe) return { state: 'off', reason: 'events are switched off on this channel (onvif.events.enabled)' };
    if (!camera.types.size) return { state: 'off', reason: 'no event type is switched on for this channel (onvif.events.types)' };
    return undefined;
  }

  /** Applies what the row and the lease say; resolves once a subscription let go has stopped. */
  private async follow(channelId: string, row: StoredRow | undefined): Promise<void> {
    if (this.stopped) return;
    const known = this.followed.get(channelId);
    const camera = row && onvifCameraOf(row, this.config.defaultTypes);
    if (!camera) {
      this.followed.delete(channelId);
      this.deps.incidents.forget(channelId);
      this.deps.clients.forget(channelId);
      return known?.subscription?.stop();
    }
    const connection = createHash('sha256').update(JSON.stringify([camera.target, camera.mainProfile])).digest('hex');
    const quiet = this.quietReason(camera);
    const here = !this.deps.placement || this.deps.placement.here(channelId);
    if (known && !quiet && here && known.subscription && known.connection === connection) {
      known.camera = camera; // switches and facts apply to the next events at once; the subscription stays
      return;
    }
    const stopping = known?.subscription?.stop();
    if (quiet) {
      const same = known?.quiet?.state === quiet.state && known.quiet.reason === quiet.reason;
      this.followed.set(channelId, { camera, connection, quiet: { ...quiet, since: same ? known!.quiet!.since : Date.now() } });
      return stopping;
    }
    if (!here) {
      this.followed.set(channelId, { camera, connection, elsewhere: { since: known?.elsewhere?.since ?? Date.now() } });
      return stopping;
    }
    const entry: Followed = { camera, connection };
    const log = this.deps.log.child({ channelId });
    const client = this.deps.clients.of(channelId, camera.target, this.deps.requestTimeoutMs + this.config.pullTimeoutSeconds * 1000);
    entry.subscription = new EventSubscription(client, this.config, (events) => void this.deps.incidents.handle(entry.camera, events), log);
    this.followed.set(channelId, entry);
    entry.subscription.start();
  }
}
