// Camera events as incident candidates through the one door: one candidate
// per channel and type per pull (the door keeps one open incident per channel
// and type and counts repeats), with an id the event itself gives (the same
// on whichever node pulls it: raised once), only for the types the channel's switches
// turn on, with a snapshot of the channel's latest frame at most once per
// `snapshotEverySeconds` for each channel and type.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { timeProblem } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { INCIDENT_TYPES } from '../../../device-registry/vocabulary.ts';
import { newSnapshot, type EvidenceStore } from '../../evidence/index.ts';
import { INCIDENT_TIME_WINDOW } from '../../incidents/candidate.ts';
import type { IncidentCandidate, RaiseIncident } from '../../incidents/index.ts';
import { codeOnly, TITLE_MESSAGE } from '../../incidents/title-message.ts';
import type { OnvifCamera } from '../camera-of.ts';
import type { OnvifEvent } from '../index.ts';
import type { OnvifEventsConfig } from './config.ts';
import { incidentTypeOf, topicPath, type OnvifEventType } from './topics.ts';

export interface EventIncidentDeps {
  raise: RaiseIncident;
  evidence: EvidenceStore;
  /** The channel's latest picture as JPEG (its live frame, else the camera's snapshot URI), or undefined. */
  snapshot(channelId: string): Promise<Buffer | undefined>;
  config: Pick<OnvifEventsConfig, 'severity' | 'snapshotEverySeconds'>;
  log: Logger;
}

export interface EventCounts { raised: number; switchedOff: number; ignored: number; failed: number }

/**
 * When it happened: the event's time (the client has moved it onto our clock with the skew it measured),
 * unless that lies outside what the door accepts (a camera clock never set and no skew read); then the arrival time.
 */
export function occurredAt(event: OnvifEvent, now = Date.now()): number {
  const at = Math.round(event.at);
  return timeProblem(at, INCIDENT_TIME_WINDOW, now) === undefined ? at : now;
}

/**
 * The candidate id of a camera event: the same on every node that pulls it, so the door raises it once
 * whichever node (or two, while a channel moves) hands it in. A Changed message is named by what the
 * camera wrote, its own UtcTime included (as written, not moved by a skew each node measures apart).
 * An Initialized message restates a state to each new subscription (after a takeover, a resubscription,
 * a restart) with the camera's time of that moment: it is named by the state alone, so restating it
 * again raises nothing new while the door remembers the id (the event retention).
 */
export function eventCandidateId(channelId: string, type: OnvifEventType, event: OnvifEvent): string {
  const restated = event.operation?.toLowerCase() === 'initialized';
  const when = restated ? 'initialized' : (event.cameraTime ?? String(Math.round(event.at / 1000)));
  const sorted = (items: Record<string, string>) => Object.entries(items).sort(([a], [b]) => a.localeCompare(b));
  const digest = createHash('sha256').update(JSON.stringify([channelId, type, topicPath(event.topic), sorted(event.source), sorted(event.data), when])).digest('hex');
  return `onvif-${digest.slice(0, 40)}`;
}

export class EventIncidents {
  readonly counts: EventCounts = { raised: 0, switchedOff: 0, ignored: 0, failed: 0 };
  private readonly lastSnapshot = new Map<string, number>();

  constructor(private readonly deps: EventIncidentDeps) {}

  /** Raises what a pull brought; never throws (a failed raise is logged and counted). */
  async handle(camera: OnvifCamera, events: OnvifEvent[]): Promise<void> {
    const latest = new Map<OnvifEventType, { event: OnvifEvent; count: number }>();
    for (const event of events) {
      const type = incidentTypeOf(event);
      if (!type) this.counts.ignored++;
      else if (!camera.types.has(type)) this.counts.switchedOff++;
      else latest.set(type, { event, count: (latest.get(type)?.count ?? 0) + 1 });
    }
    for (const [type, { event, count }] of latest) await this.raiseOne(camera, type, event, count);
  }

  forget(channelId: string): void {
    for (const key of this.lastSnapshot.keys()) if (key.startsWith(`${channelId}\n`)) this.lastSnapshot.delete(key);
  }

  private async raiseOne(camera: OnvifCamera, type: OnvifEventType, event: OnvifEvent, count: number): Promise<void> {
    const { channelId } = camera;
    try {
      const at = occurredAt(event);
      const snapshots = await this.snapshotFor(channelId, type, at);
      const title = say('onvif_event_title', { camera: channelId, what: INCIDENT_TYPES[type]?.en ?? type, type });
      // Evidence takes fields of a producer's own: what the camera said (topic, its source and data items).
      const evidence = {
        snapshots, topic: event.topic, eventSource: event.source, eventData: event.data, ...(count > 1 ? { eventsInPull: count } : {}),
        [TITLE_MESSAGE]: codeOnly(title),
      } as NonNullable<IncidentCandidate['evidence']>;
      await this.deps.raise({
        source: { kind: 'onvif', id: channelId }, type, category: 'onvif', severity: this.deps.config.severity, occurredAt: at,
        title: title.message, evidence,
      }, { candidateId: eventCandidateId(channelId, type, event) });
      this.counts.raised++;
    } catch (err) {
      this.counts.failed++;
      this.deps.log.error({ err, channelId, type }, 'camera event could not be raised as an incident');
    }
  }

  private async snapshotFor(channelId: string, type: OnvifEventType, at: number): Promise<string[]> {
    const key = `${channelId}\n${type}`;
    const last = this.lastSnapshot.get(key);
    if (last !== undefined && Date.now() - last < this.deps.config.snapshotEverySeconds * 1000) return [];
    this.lastSnapshot.set(key, Date.now());
    try {
      const jpeg = await this.deps.snapshot(channelId);
      if (!jpeg) return [];
      const { key: evidenceKey, url } = newSnapshot(at);
      await this.deps.evidence.put(evidenceKey, jpeg, 'image/jpeg');
      return [url];
    } catch (err) {
      // The incident matters more than its picture: raised without one.
      this.deps.log.warn({ err, channelId, type }, 'no snapshot for the camera event');
      return [];
    }
  }
}
