// Playbacks and downloads of recordings kept on GB28181 devices: each is an
// INVITE with `s=Playback` or `s=Download` through the live play path
// (LiveSession: media port, RTP → PS → elementary stream), under its own key
// `<channel>~pb~<n>`. Controls go as INFO MANSRTSP in the dialog; the device's
// MediaStatus 121 (end of file) ends it with a BYE; a device that goes offline
// or stops sending ends it with that reason. A download keeps the frames, with
// their PTS, in an MPEG-PS file.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import type { DeviceSessions } from '../devices.ts';
import { PsMuxer } from '../media/index.ts';
import type { OutgoingRequests } from '../outgoing.ts';
import { LiveSession, type LiveSessionDeps } from '../play/live-session.ts';
import { RelayError } from '../relay.ts';
import { buildRequest, SipError, type SipEndpoint } from '../sip/index.ts';
import { gbChannel } from './gb-channel.ts';
import { buildMansrtsp, MANSRTSP, type PlaybackControl } from './mansrtsp.ts';
import { buildHistoryOffer, historySsrc } from './playback-sdp.ts';
import { PlaybackHls } from './playback-hls.ts';

export interface HistoryRequest {
  /** Epoch ms. */
  from: number;
  to: number;
  mode: 'Playback' | 'Download';
  downloadSpeed?: number;
}

export class HistorySession {
  readonly openedAt = Date.now();
  endedAt: number | undefined;
  endedWhy: string | undefined;
  /** Download: the PS file being written, and whether it is whole. */
  file: string | undefined;
  fileComplete = false;
  /** Playback: its HLS output (playback-hls.ts). */
  hls: PlaybackHls | undefined;
  private cseq = 0;
  private fileStream: WriteStream | undefined;

  constructor(readonly id: string, readonly channelId: string, readonly request: HistoryRequest, readonly live: LiveSession) {}

  get state(): 'playing' | 'ended' {
    return this.endedWhy ? 'ended' : 'playing';
  }

  nextCseq(): number {
    return ++this.cseq;
  }

  /** Writes every frame to `file` as MPEG-PS (PTS kept, so the file has the recording's duration). */
  keepIn(file: string): void {
    this.file = file;
    const out = (this.fileStream = createWriteStream(file));
    let muxer: PsMuxer | undefined;
    this.live.frameTaps.push((f) => {
      if (f.pts === undefined) return;
      muxer ??= new PsMuxer({ video: f.codec });
      out.write(muxer.videoFrame({ data: f.data, pts: f.pts, keyframe: f.keyframe }));
    });
  }

  finishFile(complete: boolean): Promise<void> {
    this.fileComplete = complete;
    const out = this.fileStream;
    if (!out) return Promise.resolve();
    return new Promise((resolve) => out.end(() => resolve()));
  }

  view() {
    const r = this.request;
    return {
      session: this.id, channelId: this.channelId, mode: r.mode, from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(),
      state: this.state, endedWhy: this.endedWhy, openedAt: new Date(this.openedAt).toISOString(), endedAt: this.endedAt ? new Date(this.endedAt).toISOString() : undefined,
      frames: this.live.frames,
      /** Where the playback is in the recording, from the last frame's PTS (the device's PTS follow the recording's time). */
      positionSec: this.live.lastPts === undefined ? undefined : Math.round(this.live.lastPts / 900) / 100,
      // A download's file is the export job's (GET /api/exports); its place on disk is not shown.
      ...(r.mode === 'Download' ? { fileComplete: this.fileComplete } : {}),
      ...(this.hls ? { hls: `/api/channels/${encodeURIComponent(this.channelId)}/device-playback/${encodeURIComponent(this.id)}/hls/index.m3u8` } : {}),
    };
  }
}

export class HistorySessions {
  private readonly sessions = new Map<string, HistorySession>();
  /** Ended sessions stay readable for a while (why they ended). */
  private readonly ended = new Map<string, HistorySession>();
  private sequence = 0;
  readonly counts = { opened: 0, refused: 0, endOfFile: 0, controls: 0 };

  constructor(private readonly d: {
    registry: RegistryService; devices: DeviceSessions; live: LiveSessionDeps; out: OutgoingRequests; sip: SipEndpoint; domain: string; downloadDir: string; log: Logger;
    /** Where playbacks' HLS is written; none: playbacks give position and frames only. */
    playbackDir?: string;
  }) {
    d.devices.on('offline', (deviceId, reason) => {
      for (const s of [...this.sessions.values()]) if (s.live.target.deviceId === deviceId) s.live.close(`device offline: ${reason}`);
    });
  }

  /** The channel's device and code (404 unknown channel, 400 not a GB28181 one). */
  channel(channelId: string): Promise<{ deviceId: string; channelId: string }> {
    return gbChannel(this.d.registry, channelId);
  }

  /** `relay`: every frame goes there from the first on (an upper platform's playback, cascade/upper-playback.ts), no HLS, no file. */
  async open(channelId: string, r: HistoryRequest, options: { relay?: FrameTap } = {}): Promise<HistorySession> {
    const { deviceId, channelId: gbChannelId } = await gbChannel(this.d.registry, channelId);
    // Each playback runs an ffmpeg (HLS) and a media port: a bound keeps a burst of clicks from exhausting them.
    if (this.sessions.size >= MAX_SESSIONS) throw new RelayError(503, `${MAX_SESSIONS} device playbacks and downloads are running: stop one first`);
    const device = this.d.devices.get(deviceId);
    if (!device) throw new RelayError(503, `device ${deviceId} is not registered (device offline)`);
    const n = ++this.sequence;
    const ssrc = historySsrc(this.d.domain, n);
    const live = new LiveSession({
      channelId: `${channelId}~pb~${n}`, gbChannelId, deviceId, remote: device.remote, transport: device.mediaTransport, ssrc,
      offer: (o) => buildHistoryOffer({ ...o, mode: r.mode, channelId: gbChannelId, from: r.from, to: r.to, downloadSpeed: r.downloadSpeed }),
    }, this.d.live);
    const session = new HistorySession(`${channelId}~pb~${n}`, channelId, r, live);
    if (options.relay) live.frameTaps.push(options.relay);
    else if (r.mode === 'Download') {
      mkdirSync(this.d.downloadDir, { recursive: true });
      session.keepIn(join(this.d.downloadDir, `${channelId}-${r.from}-${r.to}-${n}.mpg`));
    }
    else if (this.d.playbackDir) session.hls = new PlaybackHls(join(this.d.playbackDir, `${channelId}-pb-${n}-${Date.now()}`), live, this.d.log);
    // Nobody reads a download's elementary stream, and a playback's reader may come late: a sink that drops is attached until then.
    live.pipe({ write: () => true, end: () => undefined });
    live.onClosed((why) => {
      session.endedWhy = why;
      session.endedAt = Date.now();
      this.sessions.delete(session.id);
      this.ended.set(session.id, session);
      if (this.ended.size > 200) {
        const oldest = this.ended.keys().next().value!;
        this.ended.get(oldest)?.hls?.remove();
        this.ended.delete(oldest);
      }
      void session.finishFile(why === END_OF_FILE);
      session.hls?.finish();
      this.d.log.info({ session: session.id, why, frames: live.frames }, 'GB28181 device playback ended');
    });
    try {
      await live.start(new AbortController().signal);
    } catch (err) {
      this.counts.refused++;
      await session.finishFile(false);
      session.hls?.remove();
      throw err;
    }
    this.sessions.set(session.id, session);
    this.counts.opened++;
    return session;
  }

  get(id: string): HistorySession | undefined {
    return this.sessions.get(id) ?? this.ended.get(id);
  }

  /** INFO MANSRTSP in the playback's dialog; the device's answer status (non-2xx throws). */
  async control(session: HistorySession, c: PlaybackControl): Promise<number> {
    const dialog = session.live.dialog;
    if (session.state === 'ended' || !dialog) throw new RelayError(404, `playback ${session.id} has ended (${session.endedWhy ?? 'no dialog'})`);
    const me = this.d.out.me;
    const info = buildRequest({
      method: 'INFO', uri: dialog.remoteTarget, from: `<sip:${me.id}@${me.domain}>;tag=${dialog.localTag}`, to: dialog.remoteTo, callId: dialog.callId,
      cseq: ++dialog.cseq, via: { transport: dialog.remote.transport, host: me.address, port: me.port }, contact: this.d.out.contact,
      headers: dialog.routes.length ? { Route: dialog.routes.join(', ') } : undefined, body: buildMansrtsp(c, session.nextCseq()), contentType: MANSRTSP,
    });
    let status: number;
    try {
      status = (await this.d.sip.request(dialog.remote, info, { timeoutMs: this.d.live.inviteTimeoutMs })).status;
    } catch (err) {
      if (err instanceof SipError) throw new RelayError(err.code === 'SIP_ERR_TIMEOUT' ? 504 : 503, `the device did not take the ${c.action} (${err.message})`);
      throw err;
    }
    if (status >= 300) throw new RelayError(502, `the device refused the ${c.action}: ${status}`);
    this.counts.controls++;
    return status;
  }

  close(session: HistorySession, why: string): void {
    session.live.close(why);
  }

  /** MediaStatus NotifyType 121 from a device: the playback of that channel has reached its end. */
  endOfFile(deviceId: string, gbChannelId: string): boolean {
    let ended = false;
    for (const s of [...this.sessions.values()]) {
      if (s.live.target.deviceId !== deviceId || (s.live.target.gbChannelId !== gbChannelId && deviceId !== gbChannelId)) continue;
      this.counts.endOfFile++;
      s.live.close(END_OF_FILE);
      ended = true;
    }
    return ended;
  }

  /** A BYE from a device for one of ours. */
  endByCallId(callId: string): boolean {
    for (const s of this.sessions.values()) {
      if (s.live.callId === callId) {
        s.live.endedByDevice();
        return true;
      }
    }
    return false;
  }

  closeAll(why: string): void {
    for (const s of [...this.sessions.values()]) s.live.close(why);
    for (const s of this.ended.values()) s.hls?.remove();
  }

  list() {
    return [...this.sessions.values()].map((s) => s.view());
  }
}

type FrameTap = LiveSession['frameTaps'][number];

export const END_OF_FILE = 'end of file (MediaStatus 121)';
const MAX_SESSIONS = 32;
