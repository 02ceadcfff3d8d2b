// One tile playing a recording kept on a GB28181 device: the gateway asks the
// device for it (POST /api/channels/{id}/device-playback → a session), and
// hls.js plays the session's HLS as it grows. The device does the seeking,
// pausing and speed (POST .../control, INFO MANSRTSP); where the playback is in
// the recording is the session's positionSec (from the frames' PTS), read
// every second: the HLS evens out a seek's jump, so the picture's own clock
// does not say it. The session is stopped (DELETE) when the tile leaves it,
// and best-effort on page unload.
import Hls from 'hls.js';
import { api, ApiError } from '../api/client.ts';
import { withUrlToken } from '../api/url-token.ts';
import { t } from '../i18n/index.ts';
import type { PlaybackStatus } from './playback-player.ts';
import type { DeviceRange, TilePlayer } from './playback-state.ts';
import './text.ts';

/** The device takes 0.25–4× (mansrtsp.ts SCALES); the wall's 8× plays at 4×. */
export const DEVICE_MAX_RATE = 4;
const POLL_MS = 1000;
/** The first segment appears after ~2 s of frames; a device answering late is given this long. */
const FIRST_SEGMENT_MS = 30_000;
const FRAME_S = 1 / 25;
const END_OF_FILE = /MediaStatus 121/;

interface SessionView { session: string; state: 'playing' | 'ended'; endedWhy?: string; positionSec?: number; hls?: string }

/** What the tile says when the device playback could not start, by the gateway's status. */
export function deviceFailure(err: unknown): string {
  const reason = (err as Error).message;
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 504) return t('playback.deviceTimeout', { reason });
  if (status === 502) return t('playback.deviceRefused', { reason });
  if (status === 409 || status === 429) return t('playback.deviceBusy', { reason });
  return t('playback.failed', { reason });
}

/**
 * `url` with the current URL token only: hls.js reloads a live playlist from the address it last answered from,
 * which carries the token it was fetched with (a second one, or an expired one, is refused).
 */
function withCurrentToken(url: string): string {
  const u = new URL(url, location.href);
  u.searchParams.delete('access_token');
  return withUrlToken(`${u.pathname}${u.search}`);
}

export class DevicePlaybackPlayer implements TilePlayer {
  private hls: Hls | null = null;
  private session: SessionView | null = null;
  private positionSec: number | null = null;
  private destroyed = false;
  private paused = false;
  private rate = 1;
  private poll: ReturnType<typeof setInterval> | undefined;
  /** After a seek: the playlist's fragment count then; the picture jumps to what comes after it. */
  private seekFrom: number | null = null;
  private readonly unload = () => this.stopSession(true);

  constructor(private readonly video: HTMLVideoElement, private readonly channelId: string, readonly range: DeviceRange, private readonly onStatus: (s: PlaybackStatus) => void) {
    video.addEventListener('playing', () => !this.paused && onStatus({ kind: 'playing' }));
    window.addEventListener('pagehide', this.unload);
    void this.open();
  }

  private get base(): string {
    return `/api/channels/${encodeURIComponent(this.channelId)}/device-playback`;
  }

  private sessionUrl(s: SessionView): string {
    return `${this.base}/${encodeURIComponent(s.session)}`;
  }

  private async open(): Promise<void> {
    this.onStatus({ kind: 'loading' });
    let s: SessionView;
    try {
      s = await api<SessionView>(this.base, { method: 'POST', body: { from: new Date(this.range.from).toISOString(), to: new Date(this.range.to).toISOString() } });
    } catch (err) {
      if (!this.destroyed) this.onStatus({ kind: 'failed', reason: deviceFailure(err) });
      return;
    }
    this.session = s;
    // The tile was left while the device was being asked: the session it got is stopped at once.
    if (this.destroyed) return this.stopSession(false);
    if (this.rate !== 1) await this.sendControl({ speed: Math.min(this.rate, DEVICE_MAX_RATE) });
    if (this.paused) await this.sendControl({ pause: true });
    this.poll = setInterval(() => void this.refresh(), POLL_MS);
    if (!s.hls) return this.onStatus({ kind: 'failed', reason: t('playback.deviceNoPicture') });
    if (await this.firstSegment(s.hls)) this.attach(s.hls);
  }

  /** Waits until the playlist lists a segment (ffmpeg writes it after the first frames). */
  private async firstSegment(url: string): Promise<boolean> {
    const until = Date.now() + FIRST_SEGMENT_MS;
    while (!this.destroyed && Date.now() < until) {
      const res = await fetch(withUrlToken(url), { credentials: 'same-origin' }).catch(() => null);
      if (res?.ok && (await res.text()).includes('#EXTINF')) return true;
      if (this.session?.state === 'ended') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!this.destroyed) this.onStatus({ kind: 'failed', reason: this.session?.endedWhy ?? t('playback.deviceNoPicture') });
    return false;
  }

  private attach(url: string): void {
    // Segments are named relative to the playlist: each request carries the URL token (the API key stays out of URLs).
    const hls = new Hls({ xhrSetup: (xhr, u) => xhr.open('GET', withCurrentToken(u), true), startPosition: 0, backBufferLength: 30, enableWorker: true });
    this.hls = hls;
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else this.onStatus({ kind: 'failed', reason: data.details });
    });
    hls.on(Hls.Events.LEVEL_UPDATED, (_e, data) => this.afterSeek(data.details.fragments));
    hls.loadSource(url);
    hls.attachMedia(this.video);
    this.video.playbackRate = Math.min(this.rate, DEVICE_MAX_RATE);
    if (!this.paused) void this.video.play().catch(() => undefined);
  }

  /** The playlist grew after a seek: the picture goes to the first segment written since. */
  private afterSeek(fragments: Array<{ start: number }>): void {
    if (this.seekFrom === null || fragments.length <= this.seekFrom) return;
    this.video.currentTime = fragments[this.seekFrom]!.start;
    this.seekFrom = null;
    if (!this.paused) void this.video.play().catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    const s = this.session;
    if (!s || this.destroyed) return;
    try {
      const v = await api<SessionView>(this.sessionUrl(s));
      if (this.destroyed) return;
      this.session = v;
      if (v.positionSec !== undefined) this.positionSec = v.positionSec;
      if (v.state === 'ended') {
        clearInterval(this.poll);
        this.onStatus(END_OF_FILE.test(v.endedWhy ?? '') ? { kind: 'end' } : { kind: 'failed', reason: v.endedWhy ?? '' });
      }
    } catch (err) {
      if (!this.destroyed) this.onStatus({ kind: 'failed', reason: (err as Error).message });
    }
  }

  private async sendControl(body: Record<string, unknown>): Promise<void> {
    const s = this.session;
    if (!s || s.state === 'ended') return;
    try {
      await api(`${this.sessionUrl(s)}/control`, { method: 'POST', body });
    } catch (err) {
      if (!this.destroyed) this.onStatus({ kind: 'failed', reason: deviceFailure(err) });
    }
  }

  /**
   * The recording's time under the playhead: the range's start plus the session's position, less what the playlist
   * holds past the picture (positionSec is the newest frame the gateway has; the HLS keeps the recording's pace).
   */
  playingDate(): number | null {
    if (this.positionSec === null) return null;
    const edge = this.hls?.levels[0]?.details?.edge;
    const behind = edge !== undefined && this.seekFrom === null ? Math.max(0, edge - this.video.currentTime) : 0;
    return this.range.from + Math.max(0, this.positionSec - behind) * 1000;
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    void this.sendControl(paused ? { pause: true } : { resume: true });
    if (paused) {
      this.video.pause();
      this.onStatus({ kind: 'paused' });
    } else if (this.hls) void this.video.play().catch(() => undefined);
  }

  /** While paused, moves the picture within what has arrived (the device is not asked). */
  step(frames: number): void {
    if (this.paused && this.hls) this.video.currentTime = Math.max(0, this.video.currentTime + frames * FRAME_S);
  }

  setRate(rate: number): void {
    if (rate === this.rate) return;
    this.rate = rate;
    const scale = Math.min(rate, DEVICE_MAX_RATE);
    this.video.playbackRate = scale;
    void this.sendControl({ speed: scale });
  }

  /** A time inside the range: the device plays from there (a seek in seconds from the range's start); outside it, nothing. */
  async seek(atMs: number): Promise<void> {
    if (atMs < this.range.from || atMs >= this.range.to) return;
    const seconds = Math.round(atMs - this.range.from) / 1000;
    const fragments = this.hls?.levels[0]?.details?.fragments;
    this.seekFrom = fragments ? fragments.length : null;
    this.positionSec = seconds;
    // A seek plays on at the device: a paused wall pauses it again after.
    await this.sendControl({ seek: seconds });
    if (this.paused) await this.sendControl({ pause: true });
  }

  /** Stops the device's playback (the session's DELETE); on page unload as a request that outlives the page. */
  private stopSession(unloading: boolean): void {
    const s = this.session;
    if (!s || s.state === 'ended') return;
    this.session = { ...s, state: 'ended' };
    // Best effort: a session nobody stops ends at the range's end or after the gateway's RTP timeout.
    api(this.sessionUrl(s), { method: 'DELETE', keepalive: unloading }).catch((err: unknown) => console.warn('device playback not stopped', (err as Error).message));
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.poll);
    window.removeEventListener('pagehide', this.unload);
    this.stopSession(false);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
  }
}
