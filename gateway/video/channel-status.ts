// One truth about a channel's video, made in one place: the status the API
// shows and the status written to the registry come from the same values, so
// they cannot disagree. What each field means is written here once (and in
// the README).
import type { RegistryService, StatusFence, StatusRow, StoredRow } from '../../device-registry/index.ts';
import type { IngestStatus } from './ingest/supervisor.ts';

export interface ChannelVideoStatus extends Omit<IngestStatus, 'state' | 'reason'> {
  /** starting, online, offline (with a reason), or idle: an on-demand channel nobody watches (not a fault). */
  state: IngestStatus['state'] | 'idle';
  /** Why it is offline or idle: an ingest reason (auth failed, timeout, …) or the manager's (disabled, no push, …). The registry holds the same words. */
  reason?: string;
  /** An ffmpeg runs for it on this node now. */
  running: boolean;
  /** The channel's registry mode, as configured (a detection profile makes an on-demand channel run all the time, see README). */
  mode: 'always-on' | 'on-demand';
  /** pull: the gateway connects to the camera (RTSP, GB28181); push: the ingest runs while an encoder pushes RTMP. */
  feed: 'pull' | 'push';
}

export type ChannelProfile = Pick<ChannelVideoStatus, 'mode' | 'feed'>;

export function channelProfile(row: StoredRow): ChannelProfile {
  return { mode: row.doc.mode === 'always-on' ? 'always-on' : 'on-demand', feed: row.doc.kind === 'rtmp' ? 'push' : 'pull' };
}

/** What the registry keeps of a status: the same state (idle included) and the same reason. */
export function registryStatus(s: Pick<ChannelVideoStatus, 'state' | 'reason'>): StatusRow {
  return { state: s.state, ...(s.reason !== undefined && s.state !== 'online' ? { reason: s.reason } : {}) };
}

/** Statuses of channels that do not run here (idle, disabled, no push, …) and each channel's profile. */
export class ChannelStatusBook {
  private readonly resting = new Map<string, ChannelVideoStatus>();
  private readonly profiles = new Map<string, ChannelProfile>();

  constructor(
    private readonly registry: RegistryService,
    private readonly fence: (channelId: string) => StatusFence | undefined,
    private readonly emit: (status: ChannelVideoStatus) => void,
  ) {}

  /** Remembers the channel's mode and feed from its registry row. */
  follow(row: StoredRow): void {
    this.profiles.set(row.id, channelProfile(row));
  }

  forget(channelId: string): void {
    this.resting.delete(channelId);
    this.profiles.delete(channelId);
  }

  /** The channel runs here now: its status comes from its supervisor. */
  running(channelId: string): void {
    this.resting.delete(channelId);
  }

  restingStatus(channelId: string): ChannelVideoStatus | undefined {
    return this.resting.get(channelId);
  }

  restingIds(): string[] {
    return [...this.resting.keys()];
  }

  /** A running ingest's status as the API shows it. */
  live(s: IngestStatus): ChannelVideoStatus {
    return { ...s, running: true, ...this.profileOf(s.channelId) };
  }

  /** Publishes a running ingest's status change: registry and event, the same words. */
  publishLive(s: IngestStatus): void {
    const status = this.live(s);
    void this.registry.setStatus('channels', s.channelId, registryStatus(status), this.fence(s.channelId));
    this.emit(status);
  }

  /** Publishes why a channel does not run: idle (on demand, nobody watches) or offline (disabled, no push, …). */
  publishResting(channelId: string, reason: string, state: 'idle' | 'offline'): void {
    const status: ChannelVideoStatus = { channelId, state, reason, restarts: 0, transcoding: false, running: false, ...this.profileOf(channelId) };
    this.resting.set(channelId, status);
    void this.registry.setStatus('channels', channelId, registryStatus(status), this.fence(channelId));
    this.emit(status);
  }

  private profileOf(channelId: string): ChannelProfile {
    return this.profiles.get(channelId) ?? { mode: 'on-demand', feed: 'pull' };
  }
}
