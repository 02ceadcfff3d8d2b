// Sub-streams (子码流): a camera's second, smaller stream for small wall
// tiles. Each runs its own supervised ingest (one camera connection per
// stream), keyed `<channelId>~sub`, only while a player asks for it: started by
// the first viewer, stopped when nobody has watched for the on-demand idle time,
// like an on-demand channel, or all the time while detection decodes it:
// a channel with a sub-stream detects on it (video.detectOn 'main' to keep
// the main stream), its frames in the frame hub under the sub-stream's key
// (detection gives boxes on the main stream's picture, see
// gateway/detection/source-geometry.ts).
// No status in the registry (the channel's status is its main stream's).
import type { Logger } from 'pino';
import type { RegistryService, StoredRow } from '../../device-registry/index.ts';
import type { ChannelVideoStatus } from './channel-status.ts';
import { tapPlan, type TapDefaults } from './channel-spec.ts';
import type { FrameHub } from './frames.ts';
import { IngestSupervisor, type IngestSettings, type IngestSpec } from './ingest/supervisor.ts';

/** Channel ids never hold `~` (see device-registry's Id), so a stream key cannot be mistaken for a channel. */
const SUB_SUFFIX = '~sub';
export type StreamChoice = 'main' | 'sub';

export const subStreamKey = (channelId: string): string => `${channelId}${SUB_SUFFIX}`;

/** The channel and stream a key names: `cam-1` is cam-1's main stream, `cam-1~sub` its sub-stream. */
export function streamOfKey(key: string): { channelId: string; stream: StreamChoice } {
  return key.endsWith(SUB_SUFFIX) ? { channelId: key.slice(0, -SUB_SUFFIX.length), stream: 'sub' } : { channelId: key, stream: 'main' };
}

/** Whether the channel has a sub-stream to play (RTSP channels with a subSource). */
export const hasSubStream = (row: StoredRow | undefined): boolean => row?.doc.kind === 'rtsp' && typeof (row.doc.subSource as { url?: unknown } | undefined)?.url === 'string';

/** Detection decodes the sub-stream rather than the main one (GB28181 sub-streams are left to the GB28181 room). */
export const detectsOnSubStream = (row: StoredRow | undefined): boolean => hasSubStream(row) && (row!.doc.video as { detectOn?: string } | undefined)?.detectOn !== 'main';

/** The frame-hub key detection (and the video quality check) reads for a channel: its sub-stream's, or its own. */
export function detectionFramesKey(id: string, doc: Record<string, unknown>): string {
  return detectsOnSubStream({ id, doc } as StoredRow) ? subStreamKey(id) : id;
}

/** The sub-stream's URL with its credentials, or else the main source's (most cameras use one account for both). */
export function subRtspUrlWithCredentials(row: StoredRow): string {
  const sub = row.doc.subSource as { url: string; username?: string };
  const main = row.doc.source as { username?: string };
  const url = new URL(sub.url);
  if (url.username || url.password) return url.toString(); // credentials left in a DVR-style URL stay as stored
  const ownPassword = row.secret?.subPassword as string | undefined;
  const username = sub.username ?? (ownPassword === undefined ? main.username : undefined);
  const password = ownPassword ?? (sub.username === undefined ? (row.secret?.password as string | undefined) : undefined);
  if (username) url.username = encodeURIComponent(username);
  if (password) url.password = encodeURIComponent(password);
  return url.toString();
}

export interface SubStreamDeps {
  registry: RegistryService;
  /** Ingest settings for a stream key (its own HLS directory and FLV name). */
  settings: (key: string) => IngestSettings;
  idleMs: number;
  /** Why the channel's streams do not run on this node (another node owns it), or undefined. */
  notHere: (row: StoredRow) => string | undefined;
  /** Decoded frames: subscribers of `<channelId>~sub` keep the sub-stream running with a tap. */
  frames: FrameHub;
  tap: TapDefaults;
  log: Logger;
}

export class SubStreams {
  private readonly supervisors = new Map<string, IngestSupervisor>();
  private readonly lastViewed = new Map<string, number>();
  private readonly resting = new Map<string, ChannelVideoStatus>();
  private readonly pending = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: SubStreamDeps) {}

  /** A player asked for the channel's sub-stream: start it, keep it running. */
  async touch(channelId: string): Promise<void> {
    this.lastViewed.set(channelId, Date.now());
    if (!this.supervisors.has(channelId)) await this.reconcile(channelId);
  }

  /** The sub-stream's own status (key `<channelId>~sub`), or undefined when it was never asked for. */
  status(channelId: string): ChannelVideoStatus | undefined {
    const sup = this.supervisors.get(channelId);
    if (sup) return { ...sup.status, running: true, mode: 'on-demand', feed: 'pull' };
    return this.resting.get(channelId);
  }

  all(): ChannelVideoStatus[] {
    const ids = new Set([...this.supervisors.keys(), ...this.resting.keys()]);
    return [...ids].sort().map((id) => this.status(id)!);
  }

  /** The channel changed (or its owner did): a running sub-stream follows, or stops. */
  changed(channelId: string, row?: StoredRow): Promise<void> {
    if (!this.supervisors.has(channelId) && !this.resting.has(channelId) && !this.tapped(channelId)) return Promise.resolve();
    return this.reconcile(channelId, row);
  }

  /** Frame subscribers of the sub-stream came or went: it starts with a tap, or loses it. */
  tapChanged(channelId: string): Promise<void> {
    return this.reconcile(channelId);
  }

  stopIdle(): void {
    for (const id of this.supervisors.keys()) {
      if (!this.tapped(id) && Date.now() - (this.lastViewed.get(id) ?? 0) > this.deps.idleMs) void this.reconcile(id);
    }
  }

  private tapped(channelId: string): boolean {
    return this.deps.frames.count(subStreamKey(channelId)) > 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.pending.values());
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
    this.supervisors.clear();
  }

  private desired(row: StoredRow | undefined): { spec?: IngestSpec; why: string } {
    if (!row) return { why: 'deleted' };
    if (!hasSubStream(row)) return { why: 'no sub-stream' };
    if (row.doc.enabled !== true) return { why: 'disabled' };
    const elsewhere = this.deps.notHere(row);
    if (elsewhere) return { why: elsewhere };
    const tapped = this.tapped(row.id);
    if (!tapped && Date.now() - (this.lastViewed.get(row.id) ?? 0) > this.deps.idleMs) return { why: 'idle (on demand)' };
    const video = (row.doc.video ?? {}) as { transcode?: IngestSpec['transcode']; gopSeconds?: number };
    const spec: IngestSpec = {
      channelId: subStreamKey(row.id),
      input: { kind: 'rtsp', url: subRtspUrlWithCredentials(row) },
      transcode: video.transcode ?? 'auto',
      gopSeconds: video.gopSeconds ?? 1,
      // Decoded at its own size: the sub-stream is already small.
      ...(tapped ? { tap: tapPlan(row, this.deps.tap, true) } : {}),
    };
    return { spec, why: '' };
  }

  /**
   * One reconcile at a time per channel: two that overlap (a channel change and its tap's subscribers changing)
   * would each start a supervisor while the other stopped the old one, and the first would be left running, unowned.
   */
  private reconcile(channelId: string, known?: StoredRow): Promise<void> {
    const next = (this.pending.get(channelId) ?? Promise.resolve())
      .then(() => this.reconcileNow(channelId, known))
      .catch((err: unknown) => this.deps.log.error({ err, channelId }, 'sub-stream: could not follow the channel'));
    this.pending.set(channelId, next);
    void next.finally(() => this.pending.get(channelId) === next && this.pending.delete(channelId));
    return next;
  }

  private async reconcileNow(channelId: string, known?: StoredRow): Promise<void> {
    if (this.stopped) return;
    const row = known ?? (await this.deps.registry.getStored('channels', channelId));
    const { spec, why } = this.desired(row);
    const current = this.supervisors.get(channelId);
    if (current && spec && JSON.stringify(current.spec) === JSON.stringify(spec)) return;
    if (current) {
      this.supervisors.delete(channelId);
      await current.stop();
    }
    if (this.stopped) return;
    if (!spec) {
      if (!row) {
        this.resting.delete(channelId);
        this.lastViewed.delete(channelId);
      } else this.resting.set(channelId, this.restingStatus(channelId, why));
      return;
    }
    this.resting.delete(channelId);
    const key = subStreamKey(channelId);
    const sup = new IngestSupervisor(spec, this.deps.settings(key), this.deps.log.child({ channelId, stream: 'sub' }));
    this.supervisors.set(channelId, sup);
    sup.on('frame', (frame) => this.deps.frames.publish(frame));
    sup.start();
  }

  private restingStatus(channelId: string, reason: string): ChannelVideoStatus {
    const state = reason.startsWith('idle') ? 'idle' : 'offline';
    return { channelId: subStreamKey(channelId), state, reason, restarts: 0, transcoding: false, running: false, mode: 'on-demand', feed: 'pull' };
  }
}
