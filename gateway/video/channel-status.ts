// One truth about a channel's video, made in one place: the status the API
// shows and the status written to the registry come from the same values, so
// they cannot disagree. What each field means is written here once (and in
// the README).
import type { RegistryService, StatusFence, StatusRow, StoredRow } from '../../device-registry/index.ts';
import { reasonCode } from '../../device-registry/vocabulary.ts';
import type { IngestStatus } from './ingest/supervisor.ts';

export interface ChannelVideoStatus extends Omit<IngestStatus, 'state' | 'reason'> {
  /** starting, online, offline (with a reason), or idle: an on-demand channel nobody watches (not a fault). */
  state: IngestStatus['state'] | 'idle';
  /** Why it is offline or idle: an ingest reason (auth failed, timeout, …) or the manager's (disabled, no push, …). The registry holds the same words. */
  reason?: string;
  /** The reason's code in the shared vocabulary (`no_push`, `unreachable`, `gb28181_disabled`…, device-registry/vocabulary.ts), for clients that say it in their language. */
  reasonCode?: string;
  reasonParams?: Record<string, string | number>;
  /** An ffmpeg runs for it on this node now. */
  running: boolean;
  /** The channel's registry mode, as configured (a detection profile makes an on-demand channel run all the time, see README). */
  mode: 'always-on' | 'on-demand';
  /** pull: the gateway connects to the camera (RTSP, GB28181); push: the ingest runs while an encoder pushes RTMP. */
  feed: 'pull' | 'push';
  /** The last fault since it was last online (reason, when, ffmpeg's line): kept while it restarts or rests idle, so a dead camera nobody watches still says what is wrong. */
  lastProblem?: LastProblem;
}

export interface LastProblem {
  reason: string;
  /** The reason's code in the shared vocabulary, as on the status. */
  reasonCode?: string;
  reasonParams?: Record<string, string | number>;
  /** Epoch ms (ISO in the API). */
  at: number;
  line?: string;
}

/** `reasonCode` (and `reasonParams`) for a reason the vocabulary knows; nothing for one it does not. */
export function codedReason(reason: string | undefined): Pick<ChannelVideoStatus, 'reasonCode' | 'reasonParams'> {
  const c = reasonCode(reason);
  return c ? { reasonCode: c.code, ...(c.params ? { reasonParams: c.params } : {}) } : {};
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
  private readonly problems = new Map<string, LastProblem>();

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
    this.problems.delete(channelId);
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
    return { ...s, running: true, ...this.profileOf(s.channelId), ...codedReason(s.reason), ...this.problemOf(s.channelId) };
  }

  /** Publishes a running ingest's status change: registry and event, the same words. */
  publishLive(s: IngestStatus): void {
    this.noteProblem(s);
    const status = this.live(s);
    void this.registry.setStatus('channels', s.channelId, registryStatus(status), this.fence(s.channelId));
    this.emit(status);
  }

  /** Publishes why a channel does not run: idle (on demand, nobody watches) or offline (disabled, no push, …). */
  publishResting(channelId: string, reason: string, state: 'idle' | 'offline'): void {
    const status: ChannelVideoStatus = { channelId, state, reason, ...codedReason(reason), restarts: 0, transcoding: false, running: false, ...this.profileOf(channelId), ...this.problemOf(channelId) };
    this.resting.set(channelId, status);
    void this.registry.setStatus('channels', channelId, registryStatus(status), this.fence(channelId));
    this.emit(status);
  }

  /** Online clears the last problem; a run that ended on a fault (not a stop) records it. */
  private noteProblem(s: IngestStatus): void {
    if (s.state === 'online') this.problems.delete(s.channelId);
    else if (s.state === 'offline' && s.reason && s.reason !== 'stopped') this.problems.set(s.channelId, { reason: s.reason, ...codedReason(s.reason), at: Date.now(), ...(s.lastError ? { line: s.lastError } : {}) });
  }

  private problemOf(channelId: string): { lastProblem?: LastProblem } {
    const p = this.problems.get(channelId);
    return p ? { lastProblem: p } : {};
  }

  private profileOf(channelId: string): ChannelProfile {
    return this.profiles.get(channelId) ?? { mode: 'on-demand', feed: 'pull' };
  }
}
