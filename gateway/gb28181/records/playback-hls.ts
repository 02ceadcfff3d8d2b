// A device playback as HLS: the session's frames, re-muxed to MPEG-PS with
// their PTS (which follow the recording's time), piped into one ffmpeg that
// copies them into HLS segments (no re-encode). The wall plays the playlist.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { findFfmpeg } from '../../video/ffmpeg/locate.ts';
import { PsMuxer } from '../media/index.ts';
import type { LiveSession } from '../play/live-session.ts';

export const PLAYLIST = 'index.m3u8';

export class PlaybackHls {
  private readonly ffmpeg: ChildProcess;
  private muxer: PsMuxer | undefined;

  constructor(readonly dir: string, live: LiveSession, log: Logger) {
    mkdirSync(dir, { recursive: true });
    this.ffmpeg = spawn(findFfmpeg().path, [
      '-hide_banner', '-loglevel', 'error', '-f', 'mpeg', '-i', 'pipe:0', '-c', 'copy', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0',
      '-hls_segment_filename', join(dir, 'seg%05d.ts'), join(dir, PLAYLIST),
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.ffmpeg.stderr?.on('data', (d: Buffer) => log.debug({ dir, ffmpeg: d.toString().slice(0, 300) }, 'device playback HLS ffmpeg'));
    this.ffmpeg.stdin?.on('error', () => undefined); // ffmpeg gone: the session's end says why
    live.frameTaps.push((f) => {
      if (f.pts === undefined || !this.ffmpeg.stdin?.writable) return;
      this.muxer ??= new PsMuxer({ video: f.codec });
      this.ffmpeg.stdin.write(this.muxer.videoFrame({ data: f.data, pts: f.pts, keyframe: f.keyframe }));
    });
  }

  /** Input ends: ffmpeg writes the last segment and the playlist's end. */
  finish(): void {
    this.ffmpeg.stdin?.end();
    setTimeout(() => this.ffmpeg.kill('SIGKILL'), 10_000).unref();
  }

  remove(): void {
    this.ffmpeg.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
