// The recording room's entry: the index (SQLite in dataDir, or PostgreSQL),
// start-up reconciliation of index and files, the recorders the video manager
// drives (RecordingHook), holds from incident events, retention and the
// recordings route. See README.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { PgPoolOptions, RegistryService } from '../../device-registry/index.ts';
import type { RaiseIncident } from '../incidents/index.ts';
import { ChannelRecorder } from './channel-recorder.ts';
import type { RecordingConfig } from './config.ts';
import { IncidentHolds } from './holds.ts';
import { recordingRoutes } from './http/routes.ts';
import { RecordingPaths } from './paths.ts';
import { policyOf } from './policy.ts';
import { channelsOnDisk, reconcileChannel } from './reconcile.ts';
import type { DiskFigures } from './retention.ts';
import { RecordingChannels, type VideoView } from './room.ts';
import { SqlExportJobs, type ExportJobStore } from './store/export-jobs.ts';
import { openPgIndex } from './store/pg-index.ts';
import type { RecordingIndex, SegmentClass } from './store/recording-index.ts';
import { openSqliteIndex } from './store/sqlite-index.ts';

export { RecordingConfig } from './config.ts';
export type { RecordingState } from './room.ts';
export type { Gap, Hold, RecordingIndex, Segment } from './store/recording-index.ts';

export interface RecordingRoom {
  index: RecordingIndex;
  /** Export jobs, in the index's database (store/export-jobs.ts). */
  exportJobs: ExportJobStore;
  paths: RecordingPaths;
  channels: RecordingChannels;
  /** Holds footage of a channel for an incident (the clip part uses this). */
  holdRange(channelId: string, fromMs: number, toMs: number, incidentId: string, reason?: string): Promise<void>;
  /** Video runs: start watching and applying retention. */
  attach(video: VideoView): void;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

export interface RecordingDeps {
  registry: RegistryService;
  dataDir: string;
  nodeId: string;
  ffmpegPath: string;
  raise: RaiseIncident;
  /** Incident events (incident.created / .updated / .transition with the public incident as payload). */
  incidentEvents: { on(event: 'event', listener: (e: { type: string; payload: Record<string, unknown> }) => void): unknown; off(event: 'event', listener: (e: { type: string; payload: Record<string, unknown> }) => void): unknown };
  postgresUrl?: string;
  postgresPool?: PgPoolOptions;
  /** Tests: the file system's figures at the edge (a disk budget without filling a disk). */
  disk?: (path: string) => Promise<DiskFigures>;
  log: Logger;
}

/** Stored incident events whose payload is the incident as clients see it. */
const INCIDENT_EVENTS = new Set(['incident.created', 'incident.updated', 'incident.transition']);

export async function startRecording(config: RecordingConfig, deps: RecordingDeps): Promise<RecordingRoom> {
  const log = deps.log.child({ module: 'recording' });
  const paths = new RecordingPaths(join(deps.dataDir, 'recordings'), config.sharedStorage ? { sharedByNode: deps.nodeId } : {});
  mkdirSync(paths.own, { recursive: true });
  const index = deps.postgresUrl ? await openPgIndex(deps.postgresUrl, deps.postgresPool) : openSqliteIndex(join(deps.dataDir, 'recordings.db'));
  log.info({ index: index.where, root: paths.root, nodeId: deps.nodeId }, 'recording index open');

  const classAtStart = async (channelId: string): Promise<SegmentClass> => {
    const row = await deps.registry.getStored('channels', channelId);
    return row && policyOf(row, config).mode === 'continuous' ? 'continuous' : 'events';
  };
  // Before any ffmpeg writes: index and files agree, and what a crash left open is adopted.
  const ids = new Set([...(await channelsOnDisk(paths)), ...(await index.channels(deps.nodeId))]);
  for (const channelId of ids) {
    const cls = await classAtStart(channelId);
    const common = { paths, index, nodeId: deps.nodeId, ffmpegPath: deps.ffmpegPath, classOf: () => cls, log };
    await reconcileChannel(channelId, common);
    const recorder = new ChannelRecorder(channelId, { ...common, onSegment: () => undefined });
    await recorder.start();
    await recorder.drain(true);
    await recorder.stop();
  }

  const channels = new RecordingChannels({ config, registry: deps.registry, index, paths, nodeId: deps.nodeId, ffmpegPath: deps.ffmpegPath, raise: deps.raise, disk: deps.disk, log });
  const holds = new IncidentHolds(index, deps.registry, config, log);
  const onIncident = (e: { type: string; payload: Record<string, unknown> }) => {
    if (!INCIDENT_EVENTS.has(e.type)) return;
    holds.onIncident(e.payload).catch((err: unknown) => log.error({ err, incidentId: e.payload.id }, 'recording: could not hold footage for an incident'));
  };
  deps.incidentEvents.on('event', onIncident);
  return {
    index,
    exportJobs: new SqlExportJobs(index.db),
    paths,
    channels,
    holdRange: (...args) => holds.holdRange(...args),
    attach: (video) => channels.attach(video),
    routes: (app) => recordingRoutes(app, { registry: deps.registry, index }),
    stop: async () => {
      deps.incidentEvents.off('event', onIncident);
      await channels.stop();
      await index.close();
    },
  };
}
