// One live play of one GB28181 channel (GB/T 28181 §9.2): open a media port,
// INVITE with our SDP offer, ACK the 200, receive RTP → PS → elementary
// stream for the channel's ffmpeg, BYE when the reader goes away. A session
// with no RTP for rtpTimeout ends itself; the ingest supervisor restarts it.
import type { Logger } from 'pino';
import type { VideoCodec } from '../media/index.ts';
import type { DeviceRemote } from '../devices.ts';
import { deviceAddressOf } from '../edge-proxy.ts';
import type { MediaPorts } from '../media-ports.ts';
import type { Dialog, OutgoingRequests } from '../outgoing.ts';
import type { EsStream } from '../relay.ts';
import { RelayError } from '../relay.ts';
import { buildPlayOffer, parsePlayAnswer, type PlayOffer } from '../sdp.ts';
import { formatUri, parseNameAddr, SipError, type SipEndpoint, type SipResponse } from '../sip/index.ts';
import { EsPipeline } from './es-pipeline.ts';
import { RtpReceiver } from './rtp-receiver.ts';

export interface LiveSessionDeps {
  sip: SipEndpoint;
  out: OutgoingRequests;
  ports: MediaPorts;
  log: Logger;
  /** Host the media sockets bind to (the SIP listener's). */
  bindHost: string;
  inviteTimeoutMs: number;
  rtpTimeoutMs: number;
  reorderWindow: number;
}

export interface LiveTarget {
  channelId: string;
  /** The channel's GB code (the INVITE's Request-URI user). */
  gbChannelId: string;
  deviceId: string;
  remote: DeviceRemote;
  transport: 'udp' | 'tcp';
  ssrc: string;
  /** Another offer than live play's (a device playback: records/playback-sdp.ts). */
  offer?: (o: PlayOffer) => string;
}

const MAX_BUFFERED_BEFORE_PIPE = 4 * 1024 * 1024;

export class LiveSession implements EsStream {
  codec: VideoCodec = 'h264';
  dialog: Dialog | undefined;
  readonly startedAt = Date.now();
  firstFrameAt: number | undefined;
  /** The last frame's PTS (90 kHz) and how many frames came: a playback's position. */
  lastPts: number | undefined;
  frames = 0;
  closedWhy: string | undefined;
  private receiver: RtpReceiver | undefined;
  private pipeline: EsPipeline | undefined;
  private sink: { write(chunk: Buffer): boolean; end(): void } | undefined;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private onClose: Array<(why: string) => void> = [];
  /** Frames with their timing, for whoever keeps them (a device download's file). */
  readonly frameTaps: Array<(f: { data: Buffer; codec: VideoCodec; pts?: number; keyframe: boolean }) => void> = [];

  constructor(readonly target: LiveTarget, private readonly d: LiveSessionDeps) {}

  get callId(): string | undefined {
    return this.dialog?.callId;
  }

  get stats() {
    return { receiver: this.receiver?.counts, pipeline: this.pipeline?.counts, demux: this.pipeline?.demuxStats, format: this.pipeline?.format };
  }

  /** Opens the media port, INVITEs and waits for the 200 (RelayError 502/504 when refused or unanswered). */
  async start(abort: AbortSignal): Promise<void> {
    const t = this.target;
    const log = this.d.log;
    this.receiver = await RtpReceiver.open(this.d.ports, {
      transport: t.transport, host: this.d.bindHost, deviceAddress: deviceAddressOf(t.remote).address,
      onPacket: (p) => this.pipeline?.push(p),
      onClosed: (why) => this.close(why),
    });
    this.receiver.ssrcs.add(Number(t.ssrc));
    this.pipeline = new EsPipeline(this.d.reorderWindow, (data, codec, pts, keyframe) => this.frame(data, codec, pts, keyframe), (format, why) => {
      // The demuxer reports every verdict, PS included: only the others are a problem.
      if (format === 'ps') log.debug({ channelId: t.channelId, deviceId: t.deviceId, why }, 'GB28181 media is MPEG-PS');
      else log.warn({ channelId: t.channelId, deviceId: t.deviceId, format, why }, 'GB28181 media is not MPEG-PS; it cannot be played');
    });
    const sdp = (t.offer ?? buildPlayOffer)({ platformId: this.d.out.me.id, address: this.d.out.me.address, port: this.receiver.port, transport: t.transport, ssrc: t.ssrc });
    const { request, localTag, callId } = this.d.out.invite(t.remote, t.gbChannelId, t.ssrc, sdp);
    let response: SipResponse;
    try {
      response = await this.d.sip.request(t.remote, request, { timeoutMs: this.d.inviteTimeoutMs });
    } catch (err) {
      this.release();
      throw inviteFailure(err, t.deviceId, this.d.inviteTimeoutMs);
    }
    if (response.status >= 300) {
      this.release();
      throw new RelayError(502, `INVITE refused by the device: ${response.status} ${response.reason}`);
    }
    this.d.sip.ack(t.remote, request, response);
    this.dialog = {
      callId, localTag, remoteTo: response.headers.get('To') ?? '', remoteTarget: contactUri(response) ?? request.uri, cseq: 1, remote: t.remote,
      routes: response.headers.getAll('Record-Route').reverse(),
    };
    const answer = parsePlayAnswer(response.body.toString('utf8'));
    // The device may send with another SSRC than offered; it says so in y=.
    if (answer.ssrc !== undefined) this.receiver.ssrcs.add(answer.ssrc);
    if (abort.aborted) {
      this.close('reader went away during the INVITE');
      throw new RelayError(502, 'reader went away');
    }
    this.receiver.lastPacketAt = Date.now();
    this.watchdog = setInterval(() => {
      const silent = Date.now() - (this.receiver?.lastPacketAt ?? 0);
      if (silent > this.d.rtpTimeoutMs) this.close(`no RTP for ${Math.round(silent / 1000)} s`);
    }, Math.min(1000, this.d.rtpTimeoutMs / 2));
    this.watchdog.unref();
  }

  pipe(sink: { write(chunk: Buffer): boolean; end(): void }): void {
    this.sink = sink;
    for (const chunk of this.early) sink.write(chunk);
    this.early = [];
    if (this.closedWhy) sink.end();
  }

  /** Called when this session ends, whatever ended it. */
  onClosed(listener: (why: string) => void): void {
    this.onClose.push(listener);
  }

  /** Ends the session: BYE (when confirmed), ports released, the reader's stream ended. */
  close(why: string): void {
    if (this.closedWhy) return;
    this.closedWhy = why;
    this.d.log.info({ channelId: this.target.channelId, deviceId: this.target.deviceId, why, stats: this.stats }, 'GB28181 live session ended');
    if (this.dialog) {
      const bye = this.d.out.bye(this.dialog);
      this.d.sip.request(this.dialog.remote, bye, { timeoutMs: 4000 }).catch((err: Error) => {
        this.d.log.debug({ channelId: this.target.channelId, err: err.message }, 'BYE not answered');
      });
    }
    this.release();
    this.sink?.end();
    for (const l of this.onClose) l(why);
  }

  /** The device hung up (its BYE): no BYE back. */
  endedByDevice(): void {
    this.dialog = undefined;
    this.close('the device ended the stream (BYE)');
  }

  private release(): void {
    clearInterval(this.watchdog);
    this.pipeline?.close();
    this.receiver?.close();
  }

  private frame(data: Buffer, codec: VideoCodec, pts: number | undefined, keyframe: boolean): void {
    this.codec = codec;
    this.frames++;
    if (pts !== undefined) this.lastPts = pts;
    for (const l of this.frameTaps) l({ data, codec, pts, keyframe });
    this.firstFrameAt ??= Date.now();
    if (this.sink) {
      this.sink.write(data);
      return;
    }
    // Before the reader attaches (the INVITE's 200 and the first RTP race it): hold a little.
    this.early.push(data);
    this.earlyBytes += data.length;
    while (this.earlyBytes > MAX_BUFFERED_BEFORE_PIPE && this.early.length > 1) this.earlyBytes -= this.early.shift()!.length;
  }
}

/**
 * Why an INVITE got no answer, as the relay's status and reason phrase (the
 * channel's status reason, see video/ffmpeg/diagnostics.ts): 504 when the
 * device was silent, 503 "device unreachable" when the request could not be sent.
 */
function inviteFailure(err: unknown, deviceId: string, timeoutMs: number): unknown {
  if (!(err instanceof SipError)) return err; // a fault of ours: the relay logs it as one
  if (err.code === 'SIP_ERR_TIMEOUT') return new RelayError(504, `device ${deviceId} did not answer the INVITE within ${timeoutMs / 1000} s`);
  return new RelayError(503, `device ${deviceId} unreachable: the INVITE could not be sent (${err.message})`);
}

function contactUri(response: SipResponse): string | undefined {
  const contact = response.headers.get('Contact');
  if (!contact) return undefined;
  try {
    return formatUri(parseNameAddr(contact).uri);
  } catch {
    return undefined; // an unreadable Contact: the BYE goes to the INVITE's Request-URI
  }
}
