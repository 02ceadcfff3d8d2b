// video_quality incidents through the one incident door: raised with the
// snapshot and the defects once they persisted, raised again only when a new
// defect joins (a repeat, evidence merged), cleared when the picture stayed
// clean. Keyed per channel, so camera_offline stays a separate incident.
import type { Logger } from 'pino';
import { say } from '../../../device-registry/messages.ts';
import { newSnapshot, type EvidenceStore } from '../../evidence/index.ts';
import type { IncidentCandidate, RaiseIncident } from '../../incidents/index.ts';
import { codeOnly, TITLE_MESSAGE } from '../../incidents/title-message.ts';
import type { QualityResult } from './channel-quality.ts';
import type { VideoQualityConfig } from './config.ts';
import type { EpisodeStep } from './episode.ts';

export const INCIDENT_TYPE = 'video_quality';
const sourceOf = (channelId: string) => ({ kind: 'channel-health' as const, id: channelId });

export class QualityIncidents {
  constructor(private readonly deps: { raise: RaiseIncident; evidence: EvidenceStore; severity: VideoQualityConfig['severity']; log: Logger }) {}

  /** Acts on an episode step; `snapshot` is taken only when an incident is raised. */
  async apply(result: QualityResult, step: EpisodeStep, snapshot: () => Promise<Buffer | undefined>): Promise<void> {
    if (!step) return;
    if ('clear' in step) return this.clear(result.channelId, 'video quality back to normal');
    const { channelId } = result;
    try {
      const snapshots = await this.saveSnapshot(channelId, snapshot, result.frameTs);
      // The title's code for the wall (defects: vocabulary codes, comma-separated); the English stays for API users.
      const title = say('video_quality_title', { camera: channelId, defects: step.raise.join(', ') });
      // Evidence takes fields of a producer's own beside the known ones: the defects and every check.
      const evidence = { snapshots, defects: step.raise, checks: result.checks, frameTs: result.frameTs, [TITLE_MESSAGE]: codeOnly(title) } as NonNullable<IncidentCandidate['evidence']>;
      await this.deps.raise({
        source: sourceOf(channelId), type: INCIDENT_TYPE, category: 'device', severity: this.deps.severity, occurredAt: step.since,
        title: title.message,
        evidence,
      });
      this.deps.log.warn({ channelId, defects: step.raise }, 'video quality defect raised');
    } catch (err) {
      this.deps.log.error({ err, channelId }, 'could not raise video_quality');
    }
  }

  /** Ends the channel's open incident: the picture is clean again, or the channel was deleted or disabled (no look will clear it). */
  async clear(channelId: string, why = 'channel no longer looked at'): Promise<void> {
    try {
      await this.deps.raise({ source: sourceOf(channelId), type: INCIDENT_TYPE, severity: this.deps.severity, occurredAt: Date.now(), clear: true });
      this.deps.log.info({ channelId }, why);
    } catch (err) {
      this.deps.log.error({ err, channelId }, 'could not clear video_quality');
    }
  }

  private async saveSnapshot(channelId: string, snapshot: () => Promise<Buffer | undefined>, at: number): Promise<string[]> {
    try {
      const jpeg = await snapshot();
      if (!jpeg) return [];
      const { key, url } = newSnapshot(at);
      await this.deps.evidence.put(key, jpeg, 'image/jpeg');
      return [url];
    } catch (err) {
      // The incident matters more than its picture: raised without one.
      this.deps.log.warn({ err, channelId }, 'no snapshot for the video_quality incident');
      return [];
    }
  }
}
