// An upper platform's Playback or Download INVITE (s=Playback / s=Download,
// t=<start> <stop>) for a shared GB28181 channel: the recording is played
// back from the channel's device (records/history-sessions.ts, as the HTTP
// route does) and its frames are relayed up through the upward module's PS/RTP
// sender. The upper's INFO MANSRTSP goes down as the device session's
// controls; the device's end (MediaStatus 121, its BYE) goes up as a device
// would say it: a MediaStatus 121, then our BYE.
import { GwError } from '../../../device-registry/index.ts';
import type { HistoryRequest, HistorySession } from '../records/history-sessions.ts';
import { END_OF_FILE } from '../records/history-sessions.ts';
import { parseMansrtsp, SCALES, type PlaybackControl } from '../records/mansrtsp.ts';
import { RelayError } from '../relay.ts';
import { PushedFrames } from '../upward/index.ts';
import type { UpperOffer } from './upper-sdp.ts';

/** The device playbacks (records/history-sessions.ts `HistorySessions`), as far as the cascade uses them. */
export interface DevicePlaybacks {
  open(channelId: string, r: HistoryRequest, options: { relay: (f: Parameters<PushedFrames['push']>[0]) => void }): Promise<HistorySession>;
  control(session: HistorySession, c: PlaybackControl): Promise<number>;
  close(session: HistorySession, why: string): void;
}

/** Why an INVITE or INFO from above is refused, with the SIP status to answer. */
export class PlaybackRefused extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const RECORDING_SESSIONS = ['Playback', 'Download'] as const;
export const isRecordingSession = (s: string): s is (typeof RECORDING_SESSIONS)[number] => (RECORDING_SESSIONS as readonly string[]).includes(s);

/** A recording relayed up in an upper's call: a device's playback (UpperPlayback) or the gateway's own footage (own-playback.ts). */
export interface RelayedPlayback {
  readonly id: string;
  readonly frames: PushedFrames;
  /** An INFO MANSRTSP body; its status (PlaybackRefused when malformed or refused). */
  control(body: string): Promise<number>;
  /** Called once when it ends, whoever ended it. */
  onEnded(listener: (why: string) => void): void;
  /** True when it reached its end by itself (the upper gets a MediaStatus 121 before our BYE). */
  readonly endedByDevice: boolean;
  close(why: string): void;
}

/** The offer's mode and range, checked: 488 without a range, or with a live SSRC. */
export function checkRecordingOffer(offer: UpperOffer): { mode: 'Playback' | 'Download'; range: { startSec: number; endSec: number } } {
  const mode = offer.session;
  if (!isRecordingSession(mode)) throw new PlaybackRefused(488, `s=${mode} is not Play, Playback or Download`);
  const range = offer.range;
  if (!range || range.endSec <= range.startSec) throw new PlaybackRefused(488, `s=${mode} needs t=<start> <stop> with stop after start`);
  if (offer.ssrc !== undefined && !offer.ssrc.padStart(10, '0').startsWith('1')) throw new PlaybackRefused(488, `a ${mode} SSRC starts with 1, not ${offer.ssrc}`);
  return { mode, range };
}

/** How the device ends a playback by itself: told up as a device tells it. */
const DEVICE_ENDINGS = new Set([END_OF_FILE, 'the device ended the stream (BYE)']);

export class UpperPlayback implements RelayedPlayback {
  private constructor(private readonly playbacks: DevicePlaybacks, private readonly session: HistorySession, readonly frames: PushedFrames) {
    session.live.onClosed((why) => frames.end(why));
  }

  /** Starts the device's playback of the offered range; throws PlaybackRefused with the status for the upper. */
  static async open(playbacks: DevicePlaybacks, channelId: string, offer: UpperOffer): Promise<UpperPlayback> {
    const { mode, range } = checkRecordingOffer(offer);
    // Made before the INVITE down: the device sends right after its 200, before we answer the upper.
    const frames = new PushedFrames();
    let session: HistorySession;
    try {
      session = await playbacks.open(channelId, {
        from: range.startSec * 1000, to: range.endSec * 1000, mode, ...(mode === 'Download' && offer.downloadSpeed ? { downloadSpeed: offer.downloadSpeed } : {}),
      }, { relay: (f) => frames.push(f) });
    } catch (err) {
      throw refusalOf(err);
    }
    return new UpperPlayback(playbacks, session, frames);
  }

  get id(): string {
    return this.session.id;
  }

  /** An INFO MANSRTSP body from above, forwarded to the device; its status (PlaybackRefused when malformed or refused). */
  async control(body: string): Promise<number> {
    const c = readControl(body);
    if (this.session.state === 'ended') throw new PlaybackRefused(481, `the playback has ended (${this.session.endedWhy ?? ''})`);
    try {
      return await this.playbacks.control(this.session, c);
    } catch (err) {
      throw refusalOf(err);
    }
  }

  /** Called once when the device's playback ends, whoever ended it. */
  onEnded(listener: (why: string) => void): void {
    const why = this.session.live.closedWhy;
    if (why) listener(why);
    else this.session.live.onClosed(listener);
  }

  /** True when the device ended it (end of file, its BYE): the upper gets a MediaStatus 121 first. */
  get endedByDevice(): boolean {
    return DEVICE_ENDINGS.has(this.session.live.closedWhy ?? '');
  }

  /** Ends the device's playback (our BYE down), unless it ended already. */
  close(why: string): void {
    this.playbacks.close(this.session, why);
    this.frames.end(why);
  }
}

/** What a device sends at the end of a recording (GB/T 28181-2016 §9.8.4), under the channel's code. */
export function mediaStatusXml(sn: number, code: string): string {
  return `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>MediaStatus</CmdType>\r\n<SN>${sn}</SN>\r\n<DeviceID>${code}</DeviceID>\r\n<NotifyType>121</NotifyType>\r\n</Notify>\r\n`;
}

/** A MANSRTSP body as a control; 400 when it is not one (or asks for a speed devices do not play). */
export function readControl(body: string): PlaybackControl {
  const c = parseMansrtsp(body);
  if (!c) throw new PlaybackRefused(400, 'the body is not a MANSRTSP PLAY or PAUSE');
  const scale = /^scale:\s*(.*)$/im.exec(body)?.[1]?.trim();
  if (scale !== undefined && c.action !== 'speed') throw new PlaybackRefused(400, `Scale ${scale} is not a number`);
  if (c.action === 'speed' && !(SCALES as readonly number[]).includes(c.scale)) throw new PlaybackRefused(400, `Scale ${c.scale} is not one of ${SCALES.join(', ')}`);
  const range = /^range:\s*(.*)$/im.exec(body)?.[1]?.trim();
  if (range !== undefined && c.action === 'resume' && !/^npt=now-/i.test(range)) throw new PlaybackRefused(400, `Range ${range} is not npt=<seconds>- or npt=now-`);
  return c;
}

/** The device side's error as the status for the upper: its own refusal passed on (404 no recording…), else ours. */
function refusalOf(err: unknown): PlaybackRefused {
  if (err instanceof PlaybackRefused) return err;
  if (err instanceof GwError) return new PlaybackRefused(err.statusCode === 404 ? 404 : 488, err.message);
  if (err instanceof RelayError) {
    // The device's final status, as LiveSession and HistorySessions.control word it.
    const device = /refused (?:by the device|the \w+): (\d{3})/.exec(err.message)?.[1];
    const status = device && Number(device) >= 400 ? Number(device) : err.status;
    return new PlaybackRefused(status, err.message);
  }
  return new PlaybackRefused(500, (err as Error).message);
}
