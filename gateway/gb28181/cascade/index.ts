// Cascade (级联): this gateway as a lower platform of one or more upper
// platforms. It registers with each, answers their catalog and status queries
// with the channels shared with them, tells them of changes (Catalog NOTIFY)
// and incidents (Alarm), forwards their PTZ to GB28181 devices, and answers
// their INVITEs through the upward media module.
import type { DeviceRecord, RecordType } from '../records/record-info.ts';
import type { Logger } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import { Scopes } from '../../../device-registry/index.ts';
import { buildAlarmNotify } from '../manscdp/index.ts';
import type { PlatformIdentity } from '../outgoing.ts';
import { senderOf } from '../sender.ts';
import type { SipEndpoint, SipRemote, SipRequest } from '../sip/index.ts';
import { AlarmFilter, alarmOf, type IncidentForAlarm } from './alarms-up.ts';
import { ChannelBook, type ChannelView } from './channel-book.ts';
import type { ItemContext } from './catalog-items.ts';
import { CatalogNotifier } from './catalog-notifier.ts';
import { CodeAssigner } from './codes.ts';
import { withDefaults, type UpperPlatformConfig } from './config.ts';
import { ShareFilter } from './share.ts';
import { CatalogSubscriptions } from './subscriptions.ts';
import { UpperCalls } from './upper-calls.ts';
import { mediaStatusXml, type DevicePlaybacks } from './upper-playback.ts';
import { ownRecords } from './own-records.ts';
import type { OwnFootage } from './own-playback.ts';
import { UpperLink, type LinkStatus } from './upper-link.ts';
import { UpperMessages } from './upper-messages.ts';
import { UpperRequests } from './upper-requests.ts';
import type { UpwardStreams } from '../upward/index.ts';

export type { UpwardStreams } from '../upward/index.ts';
export type { LinkStatus } from './upper-link.ts';
export { upperProblems, UpperPlatformConfig } from './config.ts';

type IncidentEvent = { type: string; payload: Record<string, unknown> };
export interface IncidentEvents {
  on(event: 'event', listener: (e: IncidentEvent) => void): unknown;
  off(event: 'event', listener: (e: IncidentEvent) => void): unknown;
}

/**
 * Cluster: the lease on the upper links (gateway/cluster/leases/singleton-lease.ts).
 * One node holds them and registers; the others stand by until they take over.
 */
export interface UpperElection {
  follow(work: { held(): void; lost(reason: string, leaving: boolean): Promise<void> }): void;
  /** The node holding the links now, null when none does (or not known yet). */
  heldBy(): string | null;
  readonly holds: boolean;
}

export interface CascadeDeps {
  sip: SipEndpoint;
  registry: RegistryService;
  me: PlatformIdentity;
  uppers: readonly UpperPlatformConfig[];
  /** 8 digits for the codes we assign. */
  civilCode: string;
  /** Sends a PTZCmd to a GB28181 channel's device (queries.ts' PTZ path); throws with the reason. */
  ptz(channel: ChannelView, ptzCmd: string): Promise<void>;
  /** RecordInfo of a shared GB28181 channel, asked of its device (records/); absent: the upper's RecordInfo is not answered. */
  recordInfo?(channel: ChannelView, from: number, to: number, type: RecordType): Promise<DeviceRecord[]>;
  /** Device playbacks (records/history-sessions.ts): an upper's s=Playback / s=Download INVITE for a shared GB28181 channel; absent: 488. */
  playbacks?: DevicePlaybacks;
  incidents?: IncidentEvents;
  /** Cluster: register only while this node holds the links; absent: always. */
  election?: UpperElection;
  log: Logger;
  /** How long a request to an upper platform may go unanswered. */
  requestTimeoutMs: number;
  /** Tests: the first pause after a failed registration (default 2 s). */
  backoffBaseMs?: number;
  /** Tests: how long catalog changes are gathered before a NOTIFY (default 200 ms). */
  notifyDelayMs?: number;
}

interface Upper {
  link: UpperLink;
  share: ShareFilter;
  alarms: AlarmFilter;
  notifier: CatalogNotifier;
}

export class Cascade {
  readonly book: ChannelBook;
  readonly calls: UpperCalls;
  private readonly uppers = new Map<string, Upper>();
  private readonly codes: CodeAssigner;
  private readonly subscriptions: CatalogSubscriptions;
  private readonly messages: UpperMessages;
  private readonly ctx: ItemContext;
  private readonly log: Logger;
  /** The gateway's own recording index, once recording runs: RecordInfo of RTSP/RTMP channels. */
  private recordings: OwnFootage | undefined;
  private stopping = false;

  constructor(private readonly deps: CascadeDeps) {
    this.log = deps.log.child({ component: 'cascade' });
    this.book = new ChannelBook(deps.registry);
    this.codes = new CodeAssigner(deps.civilCode, deps.registry, this.log);
    this.ctx = { platformId: deps.me.id, civilCode: deps.civilCode };
    this.subscriptions = new CatalogSubscriptions(deps.sip);
    const scopes = new Scopes(deps.registry, this.log);
    for (const config of deps.uppers) {
      const upper = withDefaults(config);
      const out = new UpperRequests(deps.me, upper);
      const link = new UpperLink(upper, deps.sip, out, {
        registered: () => undefined,
        lost: (reason) => void this.calls.endAll(upper.id, `upper platform lost: ${reason}`, false),
      }, this.log.child({ upperId: upper.id }), { requestTimeoutMs: deps.requestTimeoutMs, backoffBaseMs: deps.backoffBaseMs });
      const notifier = new CatalogNotifier(link, this.ctx, this.subscriptions, this.log, deps.notifyDelayMs ?? 200);
      this.uppers.set(upper.id, { link, share: new ShareFilter(upper.share, scopes), alarms: new AlarmFilter(upper.alarms, scopes), notifier });
    }
    this.calls = new UpperCalls({
      sip: deps.sip, book: this.book, announceAddress: deps.me.address, log: this.log,
      shares: (upperId, channelId) => this.sharesWith(upperId, this.book.get(channelId)),
      sendBye: (upperId, dialog) => {
        const u = this.uppers.get(upperId);
        if (!u) return Promise.resolve();
        u.link.counts.byes++;
        return u.link.request(u.link.out.bye(dialog), undefined, dialog.remote);
      },
      ...(deps.playbacks ? { playbacks: deps.playbacks } : {}),
      ownFootage: () => this.recordings,
      sendMediaStatus: (upperId, code) => {
        const u = this.uppers.get(upperId);
        return u ? u.link.request(u.link.out.message(mediaStatusXml(u.link.nextSn(), code))) : Promise.resolve();
      },
    });
    this.messages = new UpperMessages({
      sip: deps.sip, ctx: this.ctx, log: this.log, ptz: deps.ptz, recordInfo: deps.recordInfo,
      ownRecordInfo: (channel, from, to, type) => this.recordings && ownRecords(this.recordings, channel.id, channel.code!, from, to, type),
      shared: (upperId) => this.shared(upperId),
      sharedByCode: (upperId, code) => {
        const id = this.book.idOfCode(code);
        const v = id ? this.book.get(id) : undefined;
        return this.sharesWith(upperId, v) ? v : undefined;
      },
    });
  }

  get size(): number {
    return this.uppers.size;
  }

  async start(): Promise<void> {
    await this.book.load();
    await this.refreshFilters();
    for (const v of this.book.all()) if (v.code) this.codes.seen(v.code);
    this.book.on('change', this.onChange);
    this.deps.registry.events.on('device.changed', this.onGridChange);
    this.deps.incidents?.on('event', this.onIncident);
    const election = this.deps.election;
    if (!election) return this.hold();
    for (const u of this.uppers.values()) await u.link.standby('waiting for the cluster to choose the node that holds the links', false);
    election.follow({
      held: () => void this.hold().catch((err: unknown) => this.log.error({ err }, 'GB28181 cascade: taking over the upper links failed')),
      lost: (reason, leaving) => this.standby(reason, leaving),
    });
  }

  /** Codes are given by the node holding the links (every node outside a cluster): two nodes would give one channel two. */
  private get givesCodes(): boolean {
    return !this.deps.election || this.deps.election.holds;
  }

  /** This node holds the links (always, outside a cluster): codes for shared channels still without one, then register with every upper platform. */
  private async hold(): Promise<void> {
    if (this.stopping) return;
    if (this.deps.election) this.log.info('GB28181 cascade: this node holds the upper links; registering');
    const uncoded = [...this.book.all()].filter((v) => !v.code && this.sharedAnywhere(v)).map((v) => v.id);
    if (uncoded.length) this.log.info({ channels: uncoded.length, assigned: await this.codes.assignMany(uncoded) }, 'GB28181 cascade: codes given to shared channels');
    if (this.stopping || !this.givesCodes) return;
    for (const u of this.uppers.values()) u.link.start();
  }

  /** Another node holds the links now: end our calls and stop at once (unregistering only when this node leaves). */
  private async standby(reason: string, leaving: boolean): Promise<void> {
    this.log.warn({ reason, leaving }, 'GB28181 cascade: this node no longer holds the upper links');
    await Promise.all([...this.uppers.values()].map(async (u) => {
      const stop = u.link.standby(reason, leaving);
      await this.calls.endAll(u.link.upper.id, `this node no longer holds the upper links: ${reason}`, true);
      await stop;
    }));
  }

  /** Cluster: the node holding the upper links (null: none right now); undefined outside a cluster. */
  heldBy(): string | null | undefined {
    return this.deps.election?.heldBy();
  }

  /** The upward media module, once the video room runs. */
  useUpward(upward: UpwardStreams): void {
    this.calls.useUpward(upward);
  }

  /** The gateway's own recordings (gateway/recording), once recording runs: RecordInfo and Playback of RTSP/RTMP channels. */
  useRecordings(footage: OwnFootage): void {
    this.recordings = footage;
  }

  /** True when the request comes from a configured upper platform (its id in From). */
  claims(req: SipRequest): boolean {
    const from = senderOf(req);
    return from !== undefined && this.uppers.has(from);
  }

  async handle(req: SipRequest, remote: SipRemote): Promise<void> {
    const upper = this.uppers.get(senderOf(req) ?? '')!;
    const { link } = upper;
    switch (req.method) {
      case 'MESSAGE':
        return this.messages.handle(req, remote, link);
      case 'INVITE':
        return this.calls.invite(req, remote, link);
      case 'ACK':
        return this.calls.ack(req);
      case 'BYE':
        await this.deps.sip.respond(req, remote, this.calls.bye(req, link) ? 200 : 481);
        return;
      case 'CANCEL':
        return this.calls.cancel(req, remote);
      case 'INFO':
        return this.calls.info(req, remote, link);
      case 'SUBSCRIBE':
        return this.subscriptions.handle(req, remote, link.upper.id);
      case 'OPTIONS':
        await this.deps.sip.respond(req, remote, 200, undefined, { headers: { Allow: ALLOW } });
        return;
      default:
        this.log.info({ upperId: link.upper.id, method: req.method }, 'GB28181 upper platform request not supported');
        await this.deps.sip.respond(req, remote, 405, undefined, { headers: { Allow: ALLOW } });
    }
  }

  status(): LinkStatus[] {
    const standby = this.standbyReason();
    return [...this.uppers.values()].map((u) => {
      const link = u.link.status();
      return { ...link, ...(standby && link.state === 'standby' ? { reason: standby } : {}), sharedChannels: this.shared(u.link.upper.id).length };
    });
  }

  /** Why a node that does not hold the links stands by, naming the one that does. */
  private standbyReason(): string | undefined {
    const election = this.deps.election;
    if (!election || election.holds) return undefined;
    const holder = election.heldBy();
    return holder ? `node '${holder}' holds the upper links` : 'no node holds the upper links right now; one takes them within the lease time';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.book.off('change', this.onChange);
    this.deps.registry.events.off('device.changed', this.onGridChange);
    this.deps.incidents?.off('event', this.onIncident);
    this.book.stop();
    await this.calls.endAll(undefined, 'gateway stopping', true);
    for (const u of this.uppers.values()) u.notifier.stop();
    this.codes.stop();
    await Promise.all([...this.uppers.values()].map((u) => u.link.stop()));
  }

  /** The channels shared with one upper platform, by code. */
  shared(upperId: string): ChannelView[] {
    const out: ChannelView[] = [];
    for (const v of this.book.all()) if (this.sharesWith(upperId, v)) out.push(v);
    return out.sort((a, b) => (a.code! < b.code! ? -1 : a.code! > b.code! ? 1 : 0));
  }

  /** Shared with this upper and known by a code of its own (a second channel reusing a GB28181 channel id is not). */
  private sharesWith(upperId: string, v: ChannelView | undefined): v is ChannelView {
    return v !== undefined && v.code !== undefined && this.book.ownsCode(v) && this.uppers.get(upperId)?.share.shares(v) === true;
  }

  /** As sharesWith, for a view the book has already let go of (its code may now be free). */
  private sharedBefore(upperId: string, v: ChannelView | undefined): v is ChannelView {
    const holder = v?.code === undefined ? undefined : this.book.idOfCode(v.code);
    return v?.code !== undefined && (holder === undefined || holder === v.id) && this.uppers.get(upperId)?.share.shares(v) === true;
  }

  private sharedAnywhere(v: ChannelView): boolean {
    for (const u of this.uppers.values()) if (u.share.shares(v)) return true;
    return false;
  }

  private async refreshFilters(): Promise<void> {
    for (const u of this.uppers.values()) await Promise.all([u.share.refresh(), u.alarms.refresh()]);
  }

  private readonly onGridChange = (e: { entity: string }): void => {
    if (e.entity !== 'grids') return;
    this.refreshFilters().catch((err: unknown) => this.log.warn({ err }, 'GB28181 cascade: grid cells could not be read'));
  };

  /** A channel changed: a code when it is newly shared, a NOTIFY to each upper platform that sees the difference. */
  private readonly onChange = (before: ChannelView | undefined, after: ChannelView | undefined): void => {
    if (after && !after.code && this.sharedAnywhere(after)) {
      if (this.givesCodes) this.codes.soon(after.id);
      return;
    }
    if (after?.code) this.codes.seen(after.code);
    for (const [upperId, u] of this.uppers) {
      u.notifier.change(this.sharedBefore(upperId, before) ? before : undefined, this.sharesWith(upperId, after) ? after : undefined);
    }
    if (before) this.calls.endUnshared();
  };

  private readonly onIncident = (e: IncidentEvent): void => {
    if (e.type !== 'incident.created') return;
    const incident = e.payload as unknown as IncidentForAlarm;
    for (const [upperId, u] of this.uppers) {
      if (!u.link.registered || !u.alarms.wants(incident)) continue;
      const channel = this.book.get(incident.source.id);
      const deviceId = this.sharesWith(upperId, channel) ? channel.code! : this.ctx.platformId;
      const xml = buildAlarmNotify(u.link.nextSn(), alarmOf(incident, deviceId));
      u.link.counts.alarmsSent++;
      u.link.request(u.link.out.message(xml)).then(
        (res) => res.status >= 300 && this.log.info({ upperId, incidentId: incident.id, status: res.status }, 'GB28181 upper platform refused an alarm'),
        (err: Error) => this.log.info({ upperId, incidentId: incident.id, err: err.message }, 'GB28181 alarm to the upper platform not answered'),
      );
    }
  };
}

const ALLOW = 'MESSAGE, INVITE, ACK, BYE, CANCEL, INFO, SUBSCRIBE, OPTIONS';
