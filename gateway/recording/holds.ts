// Incidents hold footage: an incident raised for a channel (a detection, a
// GB28181 alarm, a video quality defect, a manual report naming a channel in
// evidence.channelId) holds [first frame − preRoll, last seen + postRoll] of
// that channel; a repeat of the deduplicated incident moves its last sighting
// and so widens the hold. Closing the incident (archived, rejected, invalid)
// releases the hold evidenceKeepDaysAfterArchive later.
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';
import type { RecordingConfig } from './config.ts';
import { policyOf } from './policy.ts';
import type { RecordingIndex } from './store/recording-index.ts';

/** Incident types about the camera itself or the storage, not something it saw. */
const NOT_FOOTAGE = new Set(['camera_offline', 'storage_low']);
const DAY_MS = 86_400_000;
const CLOSED = new Set(['archived', 'rejected', 'invalid']);

interface IncidentPayload {
  id?: string;
  type?: string;
  source?: { kind?: string; id?: string };
  firstSeen?: string | null;
  lastSeen?: string | null;
  status?: string;
  closedAt?: string | null;
  evidence?: Record<string, unknown>;
}

/** The channel an incident is about, if any. */
export function channelOfIncident(p: IncidentPayload): string | undefined {
  if (!p.type || NOT_FOOTAGE.has(p.type)) return undefined;
  const kind = p.source?.kind;
  if (kind === 'detector' || kind === 'gb28181' || kind === 'onvif' || (kind === 'channel-health' && p.type === 'video_quality')) return p.source?.id;
  const named = p.evidence?.channelId;
  return kind === 'manual' && typeof named === 'string' ? named : undefined;
}

export class IncidentHolds {
  constructor(
    private readonly index: RecordingIndex,
    private readonly registry: RegistryService,
    private readonly config: RecordingConfig,
    private readonly log: Logger,
  ) {}

  /** Holds [fromMs, toMs] of a channel for an incident (the clip part calls this too). */
  holdRange(channelId: string, fromMs: number, toMs: number, incidentId: string, reason = 'incident'): Promise<void> {
    return this.index.putHold({ channelId, fromMs: Math.floor(fromMs), toMs: Math.ceil(toMs), incidentId, reason });
  }

  /** An incident.created / incident.updated event. */
  async onIncident(p: IncidentPayload): Promise<void> {
    if (!p.id) return;
    const channelId = channelOfIncident(p);
    if (channelId) {
      const row = await this.registry.getStored('channels', channelId);
      const policy = row && policyOf(row, this.config);
      if (policy && policy.mode !== 'off') {
        const frameTs = typeof p.evidence?.frameTs === 'number' ? p.evidence.frameTs : undefined;
        const first = Math.min(frameTs ?? Infinity, Date.parse(p.firstSeen ?? '') || Infinity);
        const last = Date.parse(p.lastSeen ?? '') || first;
        if (Number.isFinite(first)) {
          await this.holdRange(channelId, first - policy.preRollSeconds * 1000, Math.max(first, last) + policy.postRollSeconds * 1000, p.id, p.type ?? 'incident');
          this.log.debug({ channelId, incidentId: p.id }, 'recording: footage held for an incident');
        }
      }
    }
    if (!p.status || !CLOSED.has(p.status)) return;
    const closedAt = (p.closedAt ? Date.parse(p.closedAt) : NaN) || Date.now();
    await this.index.releaseHolds(p.id, closedAt + this.config.evidenceKeepDaysAfterArchive * DAY_MS);
  }
}
