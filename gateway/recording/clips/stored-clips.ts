// What an incident's stored clips already cover, read back from the incident
// (its evidence.clips, and the flow's `clip` records written before
// evidence.clips existed). A clip is named by the range it was planned for,
// `<fromMs>-<toMs>.mp4`, so its planned end (where a follow-up starts) is in
// its URL. The incident is the record of which clips exist: a file whose note
// was never written (killed in between) is made again under the same name.
// The incidents to look at after a restart are those holding this node's
// footage.
import type { RecordingIndex } from '../store/recording-index.ts';

/** The part of an incident (GET /api/incidents/{id}) the clips read. */
export interface StoredIncident {
  id: string;
  type?: string;
  source?: { kind?: string; id?: string };
  firstSeen?: string | null;
  lastSeen?: string | null;
  evidence?: Record<string, unknown>;
  flow?: Array<{ action: string; data?: Record<string, unknown> | null }>;
}

const NAME = /\/(\d{1,16})-(\d{1,16})\.mp4$/;

/** The file name of a clip planned for [fromMs, toMs]. */
export const clipName = (fromMs: number, toMs: number) => `${Math.floor(fromMs)}-${Math.ceil(toMs)}.mp4`;

/** URLs of the incident's clips on a channel. */
export function storedClipUrls(incident: StoredIncident, channelId: string): string[] {
  const listed = Array.isArray(incident.evidence?.clips) ? (incident.evidence.clips as Array<{ url?: unknown; channelId?: unknown }>) : [];
  const noted = (incident.flow ?? []).filter((f) => f.action === 'clip').map((f) => f.data?.clip as { url?: unknown; channelId?: unknown } | undefined);
  return [...listed, ...noted].filter((c) => typeof c?.url === 'string' && (c.channelId === undefined || c.channelId === channelId)).map((c) => c!.url as string);
}

/** The end of the footage the incident's clips on that channel cover, or undefined when it has none. */
export function coveredTo(incident: StoredIncident, channelId: string): number | undefined {
  const ends = storedClipUrls(incident, channelId).map((u) => NAME.exec(u)).filter((m) => m !== null).map((m) => Number(m[2]));
  return ends.length ? Math.max(...ends) : undefined;
}

const FAR_FUTURE = 8.64e15;

/** Incidents whose hold (not released, or released with keep time left) covers footage this node recorded after `since`, one per channel. */
export async function heldIncidents(index: RecordingIndex, nodeId: string, since: number, now: number): Promise<Array<{ channelId: string; incidentId: string }>> {
  const found: Array<{ channelId: string; incidentId: string }> = [];
  for (const channelId of await index.channels(nodeId)) {
    const holds = (await index.holds(channelId, since, FAR_FUTURE)).filter((h) => h.releaseAt === null || h.releaseAt > now);
    for (const incidentId of new Set(holds.map((h) => h.incidentId))) found.push({ channelId, incidentId });
  }
  return found;
}
