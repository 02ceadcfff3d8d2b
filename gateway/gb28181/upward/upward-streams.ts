// UpwardStreams: the sessions upper platforms opened on our channels, by
// Call-ID. open() checks the channel and the offer, waits for the channel's
// video (starting an on-demand channel as a viewer would) and binds a port;
// start() on ACK; close() on BYE, CANCEL or a lost upper; a session that ends
// by itself (ingest stopped, TCP peer gone, no ACK) is told to onEnded
// listeners so the cascade sends BYE.
import type { Logger } from 'pino';
import type { StoredRow } from '../../../device-registry/index.ts';
import { GwError, notFound } from '../../../device-registry/errors.ts';
import type { MediaPorts } from '../media-ports.ts';
import type { ChannelVideo, FeedTiming, FlvOwners, LiveFlv } from './channel-feed.ts';
import { ChannelFeeds } from './feeds.ts';
import type { UpwardAnswer, UpwardSessionView, UpwardStreams } from './index.ts';
import { checkOffer } from './offer.ts';
import { RtpSender } from './rtp-sender.ts';
import { UpwardSession } from './upward-session.ts';
import type { FrameSource } from './frame-source.ts';
import type { VideoCodec } from '../media/index.ts';

/** What a session sends from: ready when it can answer, its codec (undefined: the first frame's), let go at its end. */
interface SessionSource {
  source: FrameSource;
  ready: Promise<void>;
  codec: () => VideoCodec | undefined;
  release: () => void;
}

export interface UpwardDeps {
  /** The registry channel (read for existence only). */
  channels: { getStored(entity: 'channels', id: string): Promise<StoredRow | undefined> };
  video: ChannelVideo;
  /** The low-latency FLV server the ingest publishes to; undefined when it is off (then every open is a 503). */
  live: LiveFlv | undefined;
  /** Cluster: a channel that runs on another node is read from that node (gateway/cluster/media/owner-flv.ts). */
  owners?: FlvOwners;
  ports: MediaPorts;
  /** Host the media sockets bind to. */
  bindHost: string;
  /** The address put in our SDP answer (gb28181 announceAddress). */
  announceAddress: string;
  log: Logger;
  timing?: Partial<FeedTiming & { ackTimeoutMs: number; connectTimeoutMs: number }>;
}

export interface UpwardStats {
  active: number;
  feeds: number;
  opened: number;
  /** open() refused, by SIP status. */
  refused: Record<string, number>;
  /** Sessions that ended on their own (not by close()). */
  endedByThemselves: number;
  packetsSent: number;
  bytesSent: number;
}

export interface UpwardRoom extends UpwardStreams {
  stats(): UpwardStats;
  /** Ends every session (gateway shutdown); onEnded is not called. */
  stop(): void;
}

const DEFAULTS = { startTimeoutMs: 20_000, touchEveryMs: 2_000, stallMs: 10_000, ackTimeoutMs: 32_000, connectTimeoutMs: 10_000 };

export function createUpwardStreams(deps: UpwardDeps): UpwardRoom {
  const timing = { ...DEFAULTS, ...deps.timing };
  const log = deps.log.child({ module: 'gb28181-upward' });
  const feeds = new ChannelFeeds({ live: deps.live, video: deps.video, owners: deps.owners, timing, log });
  const sessions = new Map<string, { session: UpwardSession; answer: UpwardAnswer; ackTimer: NodeJS.Timeout }>();
  const opening = new Map<string, { cancelled?: string }>();
  const listeners: Array<(callId: string, reason: string) => void> = [];
  const totals = { opened: 0, refused: {} as Record<string, number>, endedByThemselves: 0, packetsSent: 0, bytesSent: 0 };

  const forget = (callId: string) => {
    const entry = sessions.get(callId);
    if (!entry) return;
    sessions.delete(callId);
    clearTimeout(entry.ackTimer);
    totals.packetsSent += entry.session.counts.packets;
    totals.bytesSent += entry.session.counts.bytes;
  };

  const ended = (callId: string, reason: string) => {
    forget(callId);
    totals.endedByThemselves++;
    log.info({ callId, reason }, 'upward session ended');
    for (const l of listeners) l(callId, reason);
  };

  /** The channel's running ingest, shared by its sessions; ready once it gave a keyframe. */
  const channelSource = (channelId: string): SessionSource => {
    const { feed, release } = feeds.acquire(channelId);
    return { source: feed, ready: feed.ready, codec: () => feed.codec, release };
  };

  async function openSession(s: Parameters<UpwardStreams['open']>[0], state: { cancelled?: string }, sourceOf: (channelId: string) => SessionSource): Promise<UpwardAnswer> {
    const row = await deps.channels.getStored('channels', s.channelId);
    if (!row) throw notFound('channels', s.channelId, 'channelId');
    const { target, ssrc } = checkOffer(s.offer);
    const { source, ready, codec, release } = sourceOf(s.channelId);
    let sender: RtpSender | undefined;
    try {
      await ready;
      sender = await RtpSender.open(deps.ports, deps.bindHost, target).catch((err: Error) => {
        throw new GwError('GW_ERR_UNAVAILABLE', `no media port to send from: ${err.message}`, 'offer');
      });
      if (state.cancelled) throw new GwError('GW_ERR_UNAVAILABLE', `the INVITE was ended while preparing: ${state.cancelled}`, 'callId');
    } catch (err) {
      sender?.close();
      release();
      throw err;
    }
    const info = { callId: s.callId, upperId: s.upperId, channelId: s.channelId, ssrc };
    const session = new UpwardSession(info, codec(), source, sender, {
      release, connectTimeoutMs: timing.connectTimeoutMs, ended: (why) => ended(s.callId, why),
    });
    const answer: UpwardAnswer = { address: deps.announceAddress, port: sender.port, transport: target.transport, ...(target.setup ? { setup: target.setup } : {}), ssrc };
    const ackTimer = setTimeout(() => {
      session.close('no ACK');
      ended(s.callId, `no ACK within ${Math.round(timing.ackTimeoutMs / 1000)} s`);
    }, timing.ackTimeoutMs);
    ackTimer.unref();
    sessions.set(s.callId, { session, answer, ackTimer });
    totals.opened++;
    log.info({ callId: s.callId, upperId: s.upperId, channelId: s.channelId, transport: session.transport, codec: session.codec, port: sender.port }, 'upward session opened');
    return answer;
  }

  async function openOnce(s: Parameters<UpwardStreams['open']>[0], sourceOf: (channelId: string) => SessionSource): Promise<UpwardAnswer> {
    const existing = sessions.get(s.callId);
    if (existing) return existing.answer; // a retransmitted or repeated INVITE of the same dialog
    if (opening.has(s.callId)) throw new GwError('GW_ERR_CONFLICT', `call ${s.callId} is being opened already`, 'callId', { sipStatus: 491 });
    const state: { cancelled?: string } = {};
    opening.set(s.callId, state);
    try {
      return await openSession(s, state, sourceOf);
    } catch (err) {
      const status = err instanceof GwError ? String(err.details?.sipStatus ?? err.statusCode) : '500';
      totals.refused[status] = (totals.refused[status] ?? 0) + 1;
      log.warn({ callId: s.callId, upperId: s.upperId, channelId: s.channelId, status, err: (err as Error).message }, 'upward session refused');
      throw err;
    } finally {
      opening.delete(s.callId);
    }
  }

  return {
    open(s) {
      return openOnce(s, channelSource);
    },

    openFrom(s, source) {
      return openOnce(s, () => ({ source, ready: Promise.resolve(), codec: () => undefined, release: () => undefined }));
    },

    start(callId) {
      const entry = sessions.get(callId);
      if (!entry) return;
      clearTimeout(entry.ackTimer);
      entry.session.start();
    },

    close(callId, reason) {
      const pending = opening.get(callId);
      if (pending) pending.cancelled = reason;
      const entry = sessions.get(callId);
      if (!entry) return;
      entry.session.close(reason);
      forget(callId);
      log.info({ callId, reason, packets: entry.session.counts.packets, frames: entry.session.sentFrames }, 'upward session closed');
    },

    sessions(): UpwardSessionView[] {
      return [...sessions.values()].map(({ session: x }) => ({
        callId: x.info.callId, upperId: x.info.upperId, channelId: x.info.channelId, transport: x.transport,
        startedAt: x.startedAt, bytesSent: x.counts.bytes, packetsSent: x.counts.packets,
      }));
    },

    onEnded(listener) {
      listeners.push(listener);
    },

    stats() {
      let packets = 0;
      let bytes = 0;
      for (const { session } of sessions.values()) {
        packets += session.counts.packets;
        bytes += session.counts.bytes;
      }
      return {
        active: sessions.size, feeds: feeds.size, opened: totals.opened, refused: { ...totals.refused }, endedByThemselves: totals.endedByThemselves,
        packetsSent: totals.packetsSent + packets, bytesSent: totals.bytesSent + bytes,
      };
    },

    stop() {
      for (const [callId, entry] of [...sessions]) {
        entry.session.close('gateway stopping');
        forget(callId);
      }
      feeds.closeAll('gateway stopping');
    },
  };
}
