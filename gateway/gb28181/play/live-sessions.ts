// All live sessions: opened by the relay when a channel's ffmpeg connects,
// found by Call-ID when a device sends BYE, ended together when their
// device goes offline.
import type { RegistryService } from '../../../device-registry/index.ts';
import type { DeviceSessions } from '../devices.ts';
import { RelayError, type EsStream } from '../relay.ts';
import { liveSsrc } from '../sdp.ts';
import { LiveSession, type LiveSessionDeps } from './live-session.ts';

export interface LiveSessionView {
  channelId: string;
  deviceId: string;
  gbChannelId: string;
  transport: 'udp' | 'tcp';
  ssrc: string;
  callId?: string;
  startedAt: string;
  firstFrameAt?: string;
  stats: LiveSession['stats'];
}

export class LiveSessions {
  private readonly byChannel = new Map<string, LiveSession>();
  private sequence = 0;
  readonly counts = { opened: 0, refused: 0, endedByDevice: 0 };

  constructor(
    private readonly registry: RegistryService,
    private readonly devices: DeviceSessions,
    private readonly deps: LiveSessionDeps,
    private readonly domain: string,
  ) {
    devices.on('offline', (deviceId, reason) => this.endDevice(deviceId, `device offline: ${reason}`));
  }

  /** The relay's opener: INVITE the channel's device and hand back its stream. */
  readonly open = async (channelId: string, abort: AbortSignal): Promise<EsStream> => {
    const row = await this.registry.getStored('channels', channelId);
    const source = row?.doc.source as { deviceId?: string; channelId?: string } | undefined;
    if (!row || row.doc.kind !== 'gb28181' || !source?.deviceId || !source.channelId) throw new RelayError(404, `channel ${channelId} is not a GB28181 channel`);
    const device = this.devices.get(source.deviceId);
    if (!device) {
      this.counts.refused++;
      throw new RelayError(503, `device ${source.deviceId} is not registered (device offline)`);
    }
    // One session per channel: a new reader replaces an old one (the old ffmpeg is gone or going).
    this.byChannel.get(channelId)?.close('replaced by a new session');
    const session = new LiveSession({
      channelId, gbChannelId: source.channelId, deviceId: source.deviceId, remote: device.remote,
      transport: device.mediaTransport, ssrc: liveSsrc(this.domain, ++this.sequence),
    }, this.deps);
    this.byChannel.set(channelId, session);
    session.onClosed(() => {
      if (this.byChannel.get(channelId) === session) this.byChannel.delete(channelId);
    });
    try {
      await session.start(abort);
    } catch (err) {
      this.counts.refused++;
      if (this.byChannel.get(channelId) === session) this.byChannel.delete(channelId);
      throw err;
    }
    this.counts.opened++;
    return session;
  };

  /** A BYE from a device: true when it ended one of ours. */
  endByCallId(callId: string): boolean {
    for (const s of this.byChannel.values()) {
      if (s.callId === callId) {
        this.counts.endedByDevice++;
        s.endedByDevice();
        return true;
      }
    }
    return false;
  }

  endDevice(deviceId: string, why: string): void {
    for (const s of [...this.byChannel.values()]) if (s.target.deviceId === deviceId) s.close(why);
  }

  closeAll(why: string): void {
    for (const s of [...this.byChannel.values()]) s.close(why);
  }

  get size(): number {
    return this.byChannel.size;
  }

  list(): LiveSessionView[] {
    return [...this.byChannel.values()].map((s) => ({
      channelId: s.target.channelId, deviceId: s.target.deviceId, gbChannelId: s.target.gbChannelId, transport: s.target.transport, ssrc: s.target.ssrc,
      callId: s.callId, startedAt: new Date(s.startedAt).toISOString(), firstFrameAt: s.firstFrameAt ? new Date(s.firstFrameAt).toISOString() : undefined,
      stats: s.stats,
    }));
  }
}
