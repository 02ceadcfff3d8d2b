// s=Playback / s=Download from above for an RTSP/RTMP channel: the footage the
// gateway recorded itself (gateway/recording's MPEG-TS segments), read by one
// ffmpeg (concat of the segments with `inpoint`/`outpoint`) and sent at the
// playback's pace (1, the Scale asked, or the download speed: paced here, not
// with ffmpeg's -readrate, which ffmpeg 4 lacks; ffmpeg waits while ahead), video
// copied to FLV on its stdout, unpacked to access units (upward/flv-*.ts, as a
// channel feed is) and relayed up through the same PS/RTP sender. PTS are the
// position from the range's start, as a device's (copy starts at a keyframe,
// so within one GOP). Seek, pause, resume and speed start ffmpeg again from
// the position; the end of the footage is told up as a device tells it
// (MediaStatus 121, BYE).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Segment } from '../../recording/store/recording-index.ts';
import { SCALES } from '../records/mansrtsp.ts';
import { FlvTagReader } from '../upward/flv-tags.ts';
import { FlvVideoUnpacker } from '../upward/flv-video.ts';
import { PushedFrames } from '../upward/index.ts';
import type { SegmentIndex } from './own-records.ts';
import { checkRecordingOffer, PlaybackRefused, readControl, type RelayedPlayback } from './upper-playback.ts';
import type { UpperOffer } from './upper-sdp.ts';

/** The gateway's recordings as the cascade reads them. */
export interface OwnFootage extends SegmentIndex {
  /** The segment's file when this node can read it (its own disk, shared storage), else undefined. */
  file(segment: Segment): string | undefined;
  ffmpegPath: string;
  /** ffprobe: a segment's first timestamp, which the concat demuxer's inpoint/outpoint are counted from. */
  ffprobePath?: string;
}

/** The recording room's index and files as OwnFootage: a segment is played when its file is here. */
export function ownFootage(room: { index: SegmentIndex; paths: { absolute(rel: string): string } }, ffmpegPath: string): OwnFootage {
  return {
    segments: (channelId, fromMs, toMs) => room.index.segments(channelId, fromMs, toMs),
    file: (segment) => {
      const file = room.paths.absolute(segment.path);
      return existsSync(file) ? file : undefined;
    },
    ffmpegPath,
    // ffprobe beside that ffmpeg when it is named by path, else the one on PATH.
    ffprobePath: basename(ffmpegPath) !== ffmpegPath && existsSync(join(dirname(ffmpegPath), 'ffprobe')) ? join(dirname(ffmpegPath), 'ffprobe') : 'ffprobe',
  };
}

export const END_OF_FOOTAGE = 'end of the recording';
/** Frames read ahead of their time before ffmpeg's output is paused (a few seconds at 25 fps). */
const READ_AHEAD_FRAMES = 100;
type EsFrameOut = Parameters<PushedFrames['push']>[0];
let sequence = 0;

export class OwnPlayback implements RelayedPlayback {
  readonly frames = new PushedFrames();
  readonly id: string;
  endedWhy: string | undefined;
  private ffmpeg: ChildProcess | undefined;
  private readonly listeners: Array<(why: string) => void> = [];
  /** Seconds from the range's start of the last frame sent, and the pace. */
  private position = 0;
  private rate: number;
  private paused = false;
  private runs = 0;
  private paceTimer: NodeJS.Timeout | undefined;
  /** Each file's first timestamp (s), probed when a run cuts it. */
  private readonly starts = new Map<string, Promise<number>>();

  private constructor(
    private readonly d: { footage: OwnFootage; log: Logger },
    channelId: string,
    private readonly dir: string,
    /** The segments' files and lengths (s), oldest first. */
    private readonly files: Array<{ file: string; seconds: number }>,
    /** Where the range starts in the concatenated footage, and how long it lasts (s). */
    private readonly into: number,
    private readonly length: number,
    rate: number,
  ) {
    this.id = `${channelId}~own~${++sequence}`;
    this.rate = rate;
  }

  /** The range's footage on this node, played from its start; PlaybackRefused 404 when there is none. */
  static async open(footage: OwnFootage, channelId: string, offer: UpperOffer, log: Logger): Promise<OwnPlayback> {
    const { mode, range } = checkRecordingOffer(offer);
    const from = range.startSec * 1000;
    const to = range.endSec * 1000;
    const files = (await footage.segments(channelId, from, to)).segments
      .sort((a, b) => a.startMs - b.startMs)
      .map((s) => ({ s, file: footage.file(s) }))
      .filter((x): x is { s: Segment; file: string } => x.file !== undefined);
    if (!files.length) throw new PlaybackRefused(404, `no recording of channel ${channelId} kept on this gateway in that range`);
    const first = files[0]!.s;
    const last = files.at(-1)!.s;
    const into = Math.max(0, from - first.startMs) / 1000;
    // Gaps between segments are not played: the length is the footage's, not the range's.
    const kept = files.reduce((sum, x) => sum + (x.s.endMs - x.s.startMs), 0) / 1000;
    const length = Math.min(kept - into - Math.max(0, last.endMs - to) / 1000, (to - from) / 1000);
    if (length <= 0.04) throw new PlaybackRefused(404, `no recording of channel ${channelId} kept on this gateway in that range`);
    const dir = mkdtempSync(join(tmpdir(), 'gb-own-playback-'));
    const rate = mode === 'Download' ? Math.min(Math.max(offer.downloadSpeed ?? 1, 1), 16) : 1;
    const lengths = files.map((x) => ({ file: x.file, seconds: (x.s.endMs - x.s.startMs) / 1000 }));
    const playback = new OwnPlayback({ footage, log: log.child({ component: 'own-playback', channelId }) }, channelId, dir, lengths, into, length, rate);
    await playback.run();
    return playback;
  }

  async control(body: string): Promise<number> {
    const c = readControl(body);
    if (this.endedWhy) throw new PlaybackRefused(481, `the playback has ended (${this.endedWhy})`);
    if (c.action === 'pause') {
      this.paused = true;
      this.stopFfmpeg();
      return 200;
    }
    if (c.action === 'seek') {
      if (c.seconds >= this.length) throw new PlaybackRefused(400, `npt=${c.seconds} is past the recording's ${Math.floor(this.length)} s`);
      this.position = c.seconds;
    }
    if (c.action === 'speed') {
      if (!(SCALES as readonly number[]).includes(c.scale)) throw new PlaybackRefused(400, `Scale ${c.scale} is not one of ${SCALES.join(', ')}`);
      this.rate = c.scale;
    }
    this.paused = false;
    this.stopFfmpeg();
    await this.run();
    return 200;
  }

  onEnded(listener: (why: string) => void): void {
    if (this.endedWhy) listener(this.endedWhy);
    else this.listeners.push(listener);
  }

  get endedByDevice(): boolean {
    return this.endedWhy === END_OF_FOOTAGE;
  }

  close(why: string): void {
    if (this.endedWhy) return;
    this.endedWhy = why;
    this.stopFfmpeg();
    rmSync(this.dir, { recursive: true, force: true });
    this.frames.end(why);
    for (const l of this.listeners) l(why);
  }

  /** One ffmpeg from `position` on; its frames stamped from there. */
  private async run(): Promise<void> {
    const at = this.position;
    const list = join(this.dir, `list-${++this.runs}.txt`);
    writeFileSync(list, await this.concatList(this.into + at, this.into + this.length));
    if (this.endedWhy) return;
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin',
      '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', '-f', 'flv', 'pipe:1',
    ];
    let firstMs: number | undefined;
    const ffmpeg = spawn(this.d.footage.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.ffmpeg = ffmpeg;
    const tags = new FlvTagReader();
    const unpacker = new FlvVideoUnpacker();
    // Frames read ahead of their time wait here; ffmpeg's output is paused while many do.
    const waiting: Array<{ frame: EsFrameOut; pts: number; afterMs: number }> = [];
    const startedAt = performance.now();
    let read = false;
    const pace = () => {
      this.paceTimer = undefined;
      while (waiting.length && this.ffmpeg === ffmpeg) {
        const wait = startedAt + waiting[0]!.afterMs / this.rate - performance.now();
        if (wait > 0) {
          this.paceTimer = setTimeout(pace, wait);
          break;
        }
        const { frame, pts } = waiting.shift()!;
        this.position = pts / 90_000;
        this.frames.push(frame);
      }
      if (this.ffmpeg !== ffmpeg) return;
      if (waiting.length > READ_AHEAD_FRAMES) ffmpeg.stdout!.pause();
      else ffmpeg.stdout!.resume();
      if (read && !waiting.length) {
        this.ffmpeg = undefined;
        this.close(END_OF_FOOTAGE);
      }
    };
    let stderr = '';
    ffmpeg.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-400)));
    ffmpeg.stdout!.on('data', (chunk: Buffer) => {
      if (this.ffmpeg !== ffmpeg) return;
      try {
        for (const tag of tags.push(chunk)) {
          const es = tag.type === 9 ? unpacker.push(tag.data, tag.timestamp) : undefined;
          if (!es) continue;
          firstMs ??= es.ptsMs;
          const pts = Math.max(0, Math.round((at * 1000 + es.ptsMs - firstMs) * 90));
          waiting.push({ frame: { data: es.data, codec: es.codec, pts, keyframe: es.keyframe }, pts, afterMs: es.ptsMs - firstMs });
        }
      } catch (err) {
        this.close(`the recording could not be read: ${(err as Error).message}`);
        return;
      }
      if (!this.paceTimer) pace();
    });
    ffmpeg.on('error', (err) => this.ffmpeg === ffmpeg && this.close(`ffmpeg could not run: ${err.message}`));
    ffmpeg.on('close', (code) => {
      if (this.ffmpeg !== ffmpeg) return; // stopped for a seek, a pause or a new speed
      if (code !== 0) {
        this.ffmpeg = undefined;
        this.close(`ffmpeg ended with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
        return;
      }
      // All read: the end is told once the frames still waiting have been sent.
      read = true;
      if (!this.paceTimer) pace();
    });
    this.d.log.debug({ at, rate: this.rate, paused: this.paused }, 'own footage played up from');
  }

  /** The concat demuxer's list from `start` to `end` (s into the footage): the segments between, cut with inpoint/outpoint. */
  private async concatList(start: number, end: number): Promise<string> {
    const lines: string[] = [];
    let at = 0;
    for (const f of this.files) {
      const from = at;
      at += f.seconds;
      if (at <= start || from >= end) continue;
      lines.push(`file '${f.file.replace(/'/g, "'\\''")}'`);
      // A recorded MPEG-TS segment's timestamps do not start at 0: the cut points are counted from its first one.
      if (start > from) lines.push(`inpoint ${(await this.startOf(f.file) + start - from).toFixed(3)}`);
      if (end < at) lines.push(`outpoint ${(await this.startOf(f.file) + end - from).toFixed(3)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private startOf(file: string): Promise<number> {
    let start = this.starts.get(file);
    if (!start) {
      start = new Promise((resolve) => {
        execFile(this.d.footage.ffprobePath ?? 'ffprobe', ['-v', 'error', '-show_entries', 'format=start_time', '-of', 'csv=p=0', file], { timeout: 10_000 }, (err, stdout) => {
          const seconds = Number(String(stdout).trim());
          resolve(!err && Number.isFinite(seconds) ? seconds : 0);
        });
      });
      this.starts.set(file, start);
    }
    return start;
  }

  private stopFfmpeg(): void {
    const ffmpeg = this.ffmpeg;
    this.ffmpeg = undefined;
    clearTimeout(this.paceTimer);
    this.paceTimer = undefined;
    ffmpeg?.kill('SIGKILL');
  }
}
