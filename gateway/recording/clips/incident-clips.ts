// Every video incident gets its clip: once the post-roll has passed and the
// segments covering it are indexed, the range is exported (the same exporter
// as users' exports), a thumbnail is cut at the alarm's time, the thumbnail
// goes to the evidence store like a snapshot, and the incident gets the clip
// in evidence.clips with a `clip` record on its flow (one write, announced as
// incident.updated). Clips are kept while the incident's hold on the footage
// lasts (see ClipPlanner for repeats). The plan is rebuilt from what is
// stored: at start the holds of this node's footage name the incidents, the
// incidents say which clips they have (stored-clips.ts), and a clip due while
// the gateway was down, or cut short by it, is made then.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type Actor, type RegistryService } from '../../../device-registry/index.ts';
import { newSnapshot, type EvidenceStore } from '../../evidence/index.ts';
import type { RecordingConfig } from '../config.ts';
import type { Exporter } from '../export/exporter.ts';
import { planExport } from '../export/plan.ts';
import { channelOfIncident } from '../holds.ts';
import type { RecordingPaths } from '../paths.ts';
import { policyOf } from '../policy.ts';
import type { RecordingIndex } from '../store/recording-index.ts';
import { ClipPlanner, type ClipDue } from './clip-planner.ts';
import { clipName, coveredTo, heldIncidents, type StoredIncident } from './stored-clips.ts';
import { thumbnailJpeg } from './thumbnail.ts';

const INCIDENT_EVENTS = new Set(['incident.created', 'incident.updated', 'incident.transition']);
const POLL_MS = 1000;
/** `recording.events.maxClipSeconds` when the configuration has none. */
const DEFAULT_MAX_CLIP_SECONDS = 300;
const DAY_MS = 86_400_000;
const CHANNEL_FILE = 'channel';

export interface IncidentNotes {
  note(id: string, body: { action: string; attachments: string[]; data?: Record<string, unknown>; evidence?: { list: 'clips'; item: { url: string } & Record<string, unknown> } }, actor: Actor): Promise<unknown>;
  /** The incident with its flow (GW_ERR_NOT_FOUND when there is none). */
  get(id: string): Promise<StoredIncident>;
}

export interface ClipDeps {
  config: RecordingConfig;
  registry: RegistryService;
  index: RecordingIndex;
  paths: RecordingPaths;
  exporter: Exporter;
  evidence: EvidenceStore;
  incidents: IncidentNotes;
  holdRange(channelId: string, fromMs: number, toMs: number, incidentId: string, reason?: string): Promise<void>;
  /** Whether this node records the channel (in a cluster every node hears every incident; the recording node makes the clip). */
  recordsHere(channelId: string): boolean;
  /** This node (whose footage it looks through for due clips at start). */
  nodeId: string;
  /** Where clips live: `<dir>/<incidentId>/<fromMs>-<toMs>.mp4`. */
  dir: string;
  ffmpegPath: string;
  ffprobePath: string;
  log: Logger;
}

type Payload = Parameters<typeof channelOfIncident>[0] & { evidence?: Record<string, unknown> };

export const clipUrl = (incidentId: string, name: string) => `/api/clips/${incidentId}/${name}`;

export class IncidentClips {
  private readonly planner = new ClipPlanner();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly making = new Set<Promise<void>>();
  /** One incident's events are planned one after the other (the first reads the incident's stored clips). */
  private readonly queues = new Map<string, Promise<ClipDue | undefined>>();
  private stopped = false;

  constructor(private readonly deps: ClipDeps) {
    mkdirSync(deps.dir, { recursive: true });
  }

  readonly onEvent = (e: { type: string; payload: Record<string, unknown> }): void => {
    if (!INCIDENT_EVENTS.has(e.type)) return;
    const p = e.payload as Payload;
    const channelId = channelOfIncident(p);
    if (p.id && channelId && this.deps.recordsHere(channelId)) void this.inTurn(p.id, () => this.see(p, channelId));
  };

  /** Clips due while the gateway was down (or cut short by a stop): every incident holding this node's recent footage is planned again from what is stored. */
  async recover(now = Date.now()): Promise<{ incidents: number; due: number }> {
    const planned: Array<Promise<ClipDue | undefined>> = [];
    for (const { channelId, incidentId } of await heldIncidents(this.deps.index, this.deps.nodeId, now - this.deps.config.eventRetentionDays * DAY_MS, now)) {
      if (this.stopped) break;
      const incident = await this.deps.incidents.get(incidentId).catch((err: unknown) => void this.deps.log.warn({ err, incidentId }, 'clip: the incident holding footage cannot be read'));
      if (incident && channelOfIncident(incident) === channelId) planned.push(this.inTurn(incidentId, () => this.see(incident, channelId)));
    }
    const found = { incidents: planned.length, due: (await Promise.all(planned)).filter(Boolean).length };
    this.deps.log.info(found, 'clip: incidents holding footage looked through at start; clips due were planned');
    return found;
  }

  private inTurn(incidentId: string, work: () => Promise<ClipDue | undefined>): Promise<ClipDue | undefined> {
    const next = (this.queues.get(incidentId) ?? Promise.resolve(undefined)).then(work)
      .catch((err: unknown) => void this.deps.log.error({ err, incidentId }, 'clip: could not plan an incident clip'))
      .finally(() => this.queues.get(incidentId) === next && this.queues.delete(incidentId));
    this.queues.set(incidentId, next);
    return next;
  }

  /** Plans (or re-plans) the incident's clip; the clip now due, if any. */
  private async see(p: Payload & { id?: string }, channelId: string): Promise<ClipDue | undefined> {
    if (!p.id || this.stopped) return undefined;
    const row = await this.deps.registry.getStored('channels', channelId);
    const policy = row && policyOf(row, this.deps.config);
    if (!policy || policy.mode === 'off') return undefined;
    const frameTs = typeof p.evidence?.frameTs === 'number' ? p.evidence.frameTs : undefined;
    const firstMs = Math.min(frameTs ?? Infinity, Date.parse(p.firstSeen ?? '') || Infinity);
    if (!Number.isFinite(firstMs)) return undefined;
    const lastMs = Math.max(firstMs, Date.parse(p.lastSeen ?? '') || firstMs);
    // First time this run: the clips the incident already has (made before a restart) are covered.
    if (!this.planner.knows(p.id)) this.planner.restore(p.id, channelId, coveredTo(await this.deps.incidents.get(p.id), channelId), firstMs);
    const due = this.planner.see({ incidentId: p.id, channelId, firstMs, lastMs, preRollMs: policy.preRollSeconds * 1000, postRollMs: policy.postRollSeconds * 1000, maxClipMs: (this.deps.config.events.maxClipSeconds ?? DEFAULT_MAX_CLIP_SECONDS) * 1000 });
    if (due) this.schedule(due);
    return due;
  }

  private schedule(due: ClipDue): void {
    clearTimeout(this.timers.get(due.incidentId));
    const timer = setTimeout(() => {
      this.timers.delete(due.incidentId);
      if (!this.planner.current(due) || this.stopped) return;
      this.planner.taken(due);
      const rest = this.planner.rest(due.incidentId);
      if (rest) this.schedule(rest);
      const work = this.make(due).catch((err: unknown) => this.deps.log.error({ err, incidentId: due.incidentId, channelId: due.channelId }, 'clip: could not make the incident clip'));
      this.making.add(work);
      void work.finally(() => this.making.delete(work));
    }, Math.max(0, due.dueAt - Date.now()));
    this.timers.set(due.incidentId, timer);
  }

  /** Waits for the footage up to `toMs` to be indexed (the segment holding it closes a segment length later). */
  private async footageUpTo(channelId: string, toMs: number): Promise<void> {
    const deadline = Date.now() + (3 * this.deps.config.segmentSeconds + 30) * 1000;
    while (Date.now() < deadline && !this.stopped) {
      if (((await this.deps.index.lastEnd(channelId)) ?? 0) >= toMs) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async make(due: ClipDue): Promise<void> {
    const { channelId, incidentId, fromMs, toMs } = due;
    const log = this.deps.log.child({ incidentId, channelId });
    await this.deps.holdRange(channelId, fromMs, toMs, incidentId, 'clip');
    await this.footageUpTo(channelId, toMs);
    // Footage this node can read: another node's (a pre-roll from before a failover) is left out, a gap in the clip
    // (the clip's export is the gateway's own, with no key whose media token that node would take).
    const readable = (await this.deps.index.segments(channelId, fromMs, toMs)).segments
      .filter((s) => s.nodeId === this.deps.nodeId || (this.deps.config.sharedStorage === true && existsSync(this.deps.paths.absolute(s.path))));
    const plan = await planExport(readable, fromMs, toMs, { paths: this.deps.paths, ffprobe: this.deps.ffprobePath });
    if (!plan) {
      log.warn({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }, 'clip: no footage recorded for the incident');
      return;
    }
    const row = await this.deps.registry.getStored('channels', channelId);
    const job = await this.deps.exporter.submit({ channelId, channelName: String(row?.doc.name ?? channelId), from: fromMs, to: toMs, plan }).done;
    if (job.state !== 'done') throw new Error(`export failed: ${job.reason ?? 'unknown'}`);
    const folder = join(this.deps.dir, incidentId);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, CHANNEL_FILE), channelId);
    const name = clipName(fromMs, toMs); // the planned range: a follow-up after a restart starts at its end
    const file = join(folder, name);
    renameSync(job.file, file);
    this.deps.exporter.forget(job.id);
    const offset = Math.max(0, (due.atMs - plan.actualFrom) / 1000);
    const jpeg = await thumbnailJpeg(this.deps.ffmpegPath, file, Math.min(offset, Math.max(0, plan.seconds - 0.5)));
    const snap = newSnapshot(due.atMs);
    await this.deps.evidence.put(snap.key, jpeg, 'image/jpeg');
    const clip = {
      url: clipUrl(incidentId, name), thumbnailUrl: snap.url, channelId,
      from: new Date(plan.actualFrom).toISOString(), to: new Date(plan.actualTo).toISOString(), durationSeconds: Math.round(plan.seconds * 10) / 10,
    };
    await this.deps.incidents.note(incidentId, { action: 'clip', attachments: [clip.url, clip.thumbnailUrl], data: { clip }, evidence: { list: 'clips', item: clip } }, SYSTEM_ACTOR);
    log.info({ from: clip.from, to: clip.to, seconds: clip.durationSeconds, bytes: job.bytes }, 'clip: attached to the incident');
  }

  /** A clip file of an incident, or undefined (never a path from the URL used raw: the name is checked by the route). */
  file(incidentId: string, name: string): string | undefined {
    const file = join(this.deps.dir, incidentId, name);
    return existsSync(file) ? file : undefined;
  }

  /** Clips whose incident no longer holds its footage (released and past its keep time, or purged) go. */
  async sweep(now = Date.now()): Promise<void> {
    for (const incidentId of readdirSync(this.deps.dir)) {
      const folder = join(this.deps.dir, incidentId);
      let channelId: string;
      try {
        channelId = readFileSync(join(folder, CHANNEL_FILE), 'utf8').trim();
      } catch {
        continue; // being written
      }
      const holds = (await this.deps.index.holds(channelId, 0, 8.64e15)).filter((h) => h.incidentId === incidentId);
      if (holds.some((h) => h.releaseAt === null || h.releaseAt > now)) continue;
      rmSync(folder, { recursive: true, force: true });
      this.planner.forget(incidentId);
      this.deps.log.info({ incidentId, channelId }, 'clip: the incident holds its footage no more; clip deleted');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.queues.values(), ...this.making]);
  }
}
