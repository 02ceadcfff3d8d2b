// One tile's recorded playback: hls.js on the gateway's VOD playlist of a range
// (GET /api/channels/{id}/play/recording → /media/<token>/<id>/vod.m3u8).
// Positions are wall-clock times: the playlist's PROGRAM-DATE-TIME per segment
// maps a time to the player's position (across DISCONTINUITY gaps), and
// hls.playingDate maps back.
import Hls, { type Fragment } from 'hls.js';
import { api } from '../api/client.ts';

/** How much footage one playlist covers after the time asked (the API allows a day). */
const WINDOW_MS = 3 * 3_600_000;
/** Before the asked time too, so a small step back does not reload. */
const BEFORE_MS = 10 * 60_000;
/**
 * Footage buffered ahead (s) at 1×; at higher speeds more, so the same few seconds of wall time are ahead
 * (8× eats 8 s of footage a second: over a slow link 20 s would be gone in 2.5 s).
 */
const BUFFER_AHEAD_S = 20;
const bufferAhead = (rate: number) => BUFFER_AHEAD_S * Math.max(1, rate / 2);
const FRAME_S = 1 / 25;
/** At the playlist's end, newer footage is asked for once it can hold a few segments. */
const RELOAD_AFTER_END_MS = 5000;

/** `end`: playing reached the end of what is recorded, and newer footage is asked for every few seconds. */
export type PlaybackStatus = { kind: 'loading' } | { kind: 'playing' } | { kind: 'paused' } | { kind: 'end' } | { kind: 'empty' } | { kind: 'failed'; reason: string };

interface PlayAnswer { hls: string; from: string; to: string; start: string | null; segments: number }

export class PlaybackPlayer {
  private hls: Hls | null = null;
  private range: { from: number; to: number } | null = null;
  private rate = 1;
  private paused = false;
  private generation = 0;

  constructor(private readonly video: HTMLVideoElement, private readonly channelId: string, private readonly onStatus: (s: PlaybackStatus) => void) {
    video.addEventListener('playing', () => onStatus({ kind: 'playing' }));
    // Paused, a seek (or a new playlist) shows its frame once 'seeked': nothing plays, so no 'playing' clears 'loading'.
    for (const event of ['pause', 'seeked']) {
      video.addEventListener(event, () => {
        if (this.paused) onStatus({ kind: 'paused' });
      });
    }
    // The playlist ends where the footage did when it was asked for: at its end, ask again for what was recorded since.
    video.addEventListener('ended', () => {
      const at = this.playingDate();
      if (at !== null && this.range) this.waitForNewer(at, this.range.to + RELOAD_AFTER_END_MS - Date.now());
    });
  }

  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * At the end of the footage (playing caught up with the recording, which at 8× takes seconds): says so, and asks
   * for a playlist from `atMs` once newer segments can be there. A seek or a new load cancels it.
   */
  private waitForNewer(atMs: number, delayMs: number): void {
    this.onStatus({ kind: 'end' });
    const generation = this.generation;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      if (generation !== this.generation) return;
      // A new playlist only once there is something newer (each load blanks the picture for a moment).
      this.hasFootageAfter(atMs).then((newer) => {
        if (generation !== this.generation) return;
        if (newer) void this.load(atMs);
        else this.waitForNewer(atMs, RELOAD_AFTER_END_MS);
      }, () => generation === this.generation && this.waitForNewer(atMs, RELOAD_AFTER_END_MS));
    }, Math.max(0, delayMs));
  }

  private async hasFootageAfter(atMs: number): Promise<boolean> {
    const to = Date.now();
    if (to <= atMs) return false;
    const r = await api<{ segments: Array<{ end: string }> }>(`/api/channels/${encodeURIComponent(this.channelId)}/recordings?from=${Math.round(atMs)}&to=${to}`);
    return r.segments.some((s) => Date.parse(s.end) > atMs + 1000);
  }

  /**
   * The wall-clock time under the playhead (ms), or null before the first frame: the program date of the
   * fragment holding the position. hls.playingDate says the same once playing, but right after a seek across
   * a gap it still counts from the fragment played before (off by the gap) until hls.js catches up.
   */
  playingDate(): number | null {
    const fragments = this.hls?.levels[0]?.details?.fragments;
    const at = fragments ? dateOf(fragments, this.video.currentTime) : null;
    return at ?? this.hls?.playingDate?.getTime() ?? null;
  }

  /** Holds the picture (seeks still go where asked, and show that frame) until resumed. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.video.pause();
    else if (this.hls) void this.video.play().catch(() => undefined);
  }

  /**
   * While paused, moves the picture `frames` frames (of 25 fps, the cameras' usual rate: the playlist does not say
   * a segment's frame rate; at another rate a step may show the same frame twice or pass one).
   */
  step(frames: number): void {
    if (!this.paused || !this.hls) return;
    this.video.currentTime = Math.max(0, this.video.currentTime + frames * FRAME_S);
  }

  setRate(rate: number): void {
    this.rate = rate;
    this.video.playbackRate = rate;
    if (this.hls) this.hls.config.maxBufferLength = bufferAhead(rate);
  }

  /** Plays from `atMs`: within the loaded playlist by position, else a new playlist around it. */
  async seek(atMs: number): Promise<void> {
    clearTimeout(this.reloadTimer);
    if (this.hls && this.range && atMs >= this.range.from && atMs < this.range.to && this.seekInPlaylist(atMs)) return;
    await this.load(atMs);
  }

  private async load(atMs: number): Promise<void> {
    const generation = ++this.generation;
    this.onStatus({ kind: 'loading' });
    const from = atMs - BEFORE_MS;
    const to = Math.min(atMs + WINDOW_MS, Date.now());
    if (to <= from) return this.onStatus({ kind: 'empty' });
    let answer: PlayAnswer;
    try {
      answer = await api<PlayAnswer>(`/api/channels/${encodeURIComponent(this.channelId)}/play/recording?from=${Math.round(from)}&to=${Math.round(to)}`);
    } catch (err) {
      if (generation === this.generation) this.onStatus({ kind: 'failed', reason: (err as Error).message });
      return;
    }
    if (generation !== this.generation) return;
    if (answer.segments === 0) {
      this.hls?.destroy();
      this.hls = null;
      return this.onStatus({ kind: 'empty' });
    }
    this.hls?.destroy();
    const hls = new Hls({ maxBufferLength: bufferAhead(this.rate), backBufferLength: 30, enableWorker: true });
    this.hls = hls;
    this.range = { from, to };
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else this.onStatus({ kind: 'failed', reason: data.details });
    });
    hls.once(Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (this.seekInPlaylist(atMs)) return;
      // Nothing recorded at or after atMs yet: the last frame, and a look again shortly (not a replay from the playlist's start).
      const last = data.details.fragments.at(-1);
      if (last) this.video.currentTime = Math.max(0, last.start + last.duration - 0.1);
      this.waitForNewer(atMs, RELOAD_AFTER_END_MS);
    });
    hls.loadSource(answer.hls);
    hls.attachMedia(this.video);
  }

  /** Sets the position for `atMs` from the fragments' program dates; false when the playlist is not loaded yet. */
  private seekInPlaylist(atMs: number): boolean {
    const fragments = this.hls?.levels[0]?.details?.fragments;
    if (!fragments?.length) return false;
    const position = positionOf(fragments, atMs);
    if (position === null) return false;
    this.video.currentTime = position;
    this.video.playbackRate = this.rate;
    if (!this.paused) void this.video.play().catch(() => undefined);
    return true;
  }

  destroy(): void {
    this.generation++;
    clearTimeout(this.reloadTimer);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
  }
}

/** The media position of wall-clock `atMs`: inside the fragment holding it, or the start of the next one (a gap). */
export function positionOf(fragments: Array<Pick<Fragment, 'start' | 'duration' | 'programDateTime'>>, atMs: number): number | null {
  for (const f of fragments) {
    if (f.programDateTime === null) continue;
    const end = f.programDateTime + f.duration * 1000;
    if (atMs < f.programDateTime) return f.start;
    if (atMs < end) return f.start + (atMs - f.programDateTime) / 1000;
  }
  return null;
}

/** The wall-clock time of media position `position` (s): the fragment holding it, by its program date. */
export function dateOf(fragments: Array<Pick<Fragment, 'start' | 'duration' | 'programDateTime'>>, position: number): number | null {
  const f = fragments.find((x) => position >= x.start && position < x.start + x.duration) ?? fragments.at(-1);
  if (!f || f.programDateTime === null || position < f.start) return null;
  return f.programDateTime + Math.min(position - f.start, f.duration) * 1000;
}
