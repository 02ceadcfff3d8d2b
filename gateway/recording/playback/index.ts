// Playback, export and incident clips over the recording room: VOD HLS with
// media tokens (the live routes' token check), MP4 export jobs, and a clip
// for every video incident. Started once video and evidence run (it needs
// the media tokens and the evidence store). See ../README.md.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeys, RegistryService } from '../../../device-registry/index.ts';
import type { EvidenceStore } from '../../evidence/index.ts';
import { mediaAccess } from '../../video/http/media-access.ts';
import { MediaTokens } from '../../video/http/media-token.ts';
import type { VideoManager } from '../../video/video-manager.ts';
import { IncidentClips, type IncidentNotes } from '../clips/incident-clips.ts';
import { ExportFetches } from '../cluster/export-fetches.ts';
import { RemoteSegments } from '../cluster/remote-segments.ts';
import { SegmentNodes, type ClusterNodeEntry } from '../cluster/segment-nodes.ts';
import type { RecordingConfig } from '../config.ts';
import { Exporter, type ExportSourceRun } from '../export/exporter.ts';
import { exportHolders } from '../http/export-download-proxy.ts';
import { exportRoutes } from '../http/export-routes.ts';
import { playbackRoutes } from '../http/playback-routes.ts';
import type { RecordingRoom } from '../index.ts';

export const EXPORT_DEFAULTS = { keepHours: 24, maxSeconds: 7200, concurrent: 2 };
const CLIP_SWEEP_MS = 60_000;

type IncidentEvent = { type: string; payload: Record<string, unknown> };

export interface PlaybackDeps {
  config: RecordingConfig;
  recording: RecordingRoom;
  registry: RegistryService;
  keys: ApiKeys;
  manager: VideoManager;
  tokenSecret: Buffer;
  mediaTokenTtlSeconds: number;
  dataDir: string;
  nodeId: string;
  /** Cluster: the live nodes and their URLs, to reach the footage another node recorded. */
  liveNodes?: () => Promise<ClusterNodeEntry[]>;
  ffmpegPath: string;
  /** Runners of exports not made of segments, by kind (device: a GB28181 device's recording). */
  exportSources?: Record<string, ExportSourceRun>;
  evidence: EvidenceStore;
  incidents: IncidentNotes & { bus: { on(e: 'event', l: (e: IncidentEvent) => void): unknown; off(e: 'event', l: (e: IncidentEvent) => void): unknown } };
  log: Logger;
}

export interface PlaybackRoom {
  exporter: Exporter;
  clips: IncidentClips;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

/** ffprobe beside ffmpeg (same build), else the one on PATH. */
export function ffprobeBeside(ffmpegPath: string): string {
  const beside = join(dirname(ffmpegPath), basename(ffmpegPath).replace('ffmpeg', 'ffprobe'));
  return beside !== ffmpegPath && existsSync(beside) ? beside : 'ffprobe';
}

export function startPlayback(deps: PlaybackDeps): PlaybackRoom {
  const log = deps.log.child({ module: 'recording-playback' });
  const limits = { ...EXPORT_DEFAULTS, ...deps.config.exports };
  const { index, paths } = deps.recording;
  const ffprobePath = ffprobeBeside(deps.ffmpegPath);
  const tokens = new MediaTokens(deps.tokenSecret, deps.mediaTokenTtlSeconds);
  // Cluster: footage another node recorded is proxied to it (playback) or copied from it (export).
  const sharedStorage = deps.config.sharedStorage ?? false;
  const remote = deps.liveNodes && new RemoteSegments({ nodeId: deps.nodeId, nodes: new SegmentNodes({ liveNodes: deps.liveNodes }), log });
  const fetches = remote && new ExportFetches({
    nodeId: deps.nodeId, dir: join(deps.dataDir, 'exports-fetched'), paths, sharedStorage, remote, tokens, keepMs: limits.keepHours * 3_600_000, log,
  });
  const exporter = new Exporter({
    dir: join(deps.dataDir, 'exports'), ffmpegPath: deps.ffmpegPath, concurrent: limits.concurrent, keepHours: limits.keepHours, store: deps.recording.exportJobs, nodeId: deps.nodeId,
    fetchRemote: fetches && ((entry) => fetches.fetchEntry(entry)), sources: deps.exportSources, log,
  });
  void exporter.resume().catch((err: unknown) => log.error({ err }, 'recording export: could not resume the jobs of the last run'));
  // Clips are made where the channel records now: the room still follows a channel whose lease moved to another node, the video manager does not.
  const clips = new IncidentClips({
    config: deps.config, registry: deps.registry, index, paths, exporter, evidence: deps.evidence, incidents: deps.incidents,
    holdRange: (...args) => deps.recording.holdRange(...args), recordsHere: (id) => deps.recording.channels.status(id) !== undefined && deps.manager.status(id) !== undefined, nodeId: deps.nodeId, dir: join(deps.dataDir, 'clips'), ffmpegPath: deps.ffmpegPath, ffprobePath, log,
  });
  deps.incidents.bus.on('event', clips.onEvent);
  void clips.recover().catch((err: unknown) => log.error({ err }, 'clip: could not look for clips due while the gateway was down'));
  const sweep = setInterval(() => void clips.sweep().catch((err: unknown) => log.error({ err }, 'clip: sweep failed')), CLIP_SWEEP_MS).unref();
  const holders = deps.liveNodes && exportHolders({ nodeId: deps.nodeId, liveNodes: deps.liveNodes });
  const fetchSweep = fetches && setInterval(() => void fetches.sweep().catch((err: unknown) => log.error({ err }, 'recording export: sweep of copies failed')), CLIP_SWEEP_MS).unref();
  return {
    exporter,
    clips,
    routes: (app) => {
      const { checkToken } = mediaAccess({ registry: deps.registry, keys: deps.keys, scopes: app.scopes, manager: deps.manager, tokens });
      playbackRoutes(app, { registry: deps.registry, index, paths, tokens, checkToken, nodeId: deps.nodeId, remote, sharedStorage });
      exportRoutes(app, { registry: deps.registry, audit: deps.registry.store, index, paths, exporter, clips, ffprobePath, maxSeconds: limits.maxSeconds, nodeId: deps.nodeId, fetches, holders });
    },
    stop: async () => {
      clearInterval(sweep);
      clearInterval(fetchSweep);
      remote?.close();
      holders?.close();
      deps.incidents.bus.off('event', clips.onEvent);
      await exporter.stop();
      await clips.stop();
    },
  };
}
