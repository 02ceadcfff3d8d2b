// Wires the rooms into one running process: store → registry → HTTP.
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Accounts, ApiKeys, RegistryService, UrlTokens } from '../device-registry/index.ts';
import { oidcRoutes } from '../device-registry/auth/oidc/index.ts';
import { ensureAdminKey } from './bootstrap/admin-key.ts';
import { ensureAdminUser } from './bootstrap/admin-user.ts';
import { loadOrCreateSecret } from './bootstrap/token-secret.ts';
import { applySeed } from './bootstrap/seed.ts';
import { ConfigError } from './config/load.ts';
import type { GatewayConfig } from './config/schema.ts';
import { exclusively, mediaOwnerRouting, openRegistryStore, ownerFlv, poolOptions, startScaleOut, type MediaOwnerRouting, type ScaleOut } from './cluster/index.ts';
import { buildApp } from './http/app.ts';
import { createMetrics } from './http/metrics.ts';
import { startDetection, type DetectionRoom } from './detection/index.ts';
import { openEvidence, type EvidenceRoom } from './evidence/index.ts';
import { startGb28181, type Gb28181Room } from './gb28181/index.ts';
import { startUpwardStreams, type UpwardRoom } from './gb28181/upward/index.ts';
import { startIncidents, type IncidentRoom } from './incidents/index.ts';
import { startMap, type MapRoom } from './map/index.ts';
import { startOnvifHttp } from './onvif/http/routes.ts';
import { startRecording, type RecordingRoom } from './recording/index.ts';
import { startPlayback, type PlaybackRoom } from './recording/playback/index.ts';
import { startSensors, type SensorsRoom } from './sensors/index.ts';
import { startVideo, type VideoRoom } from './video/index.ts';
import { findFfmpeg } from './video/ffmpeg/locate.ts';
import { PtzDrivers, ptzRoutes } from './ptz/index.ts';
import { livePicture } from './onvif/live-picture.ts';
import { startOnvifRoom, type OnvifRoom } from './onvif/room.ts';
import { startVideoQuality, type VideoQualityRoom } from './video/quality/index.ts';

export interface RunningGateway {
  app: FastifyInstance;
  service: RegistryService;
  keys: ApiKeys;
  /** People, sign-in sessions and the sign-in lockout. */
  accounts: Accounts;
  video?: VideoRoom;
  incidents: IncidentRoom;
  detection?: DetectionRoom;
  sensors?: SensorsRoom;
  gb28181?: Gb28181Room;
  videoQuality?: VideoQualityRoom;
  recording?: RecordingRoom;
  playback?: PlaybackRoom;
  /** ONVIF cameras: PTZ and camera events. */
  onvif?: OnvifRoom;
  /** The map (一张图): layers, nearest cameras, alarm linkage. */
  map: MapRoom;
  /** Scale-out: the NATS side and this node's part in the cluster (undefined on the embedded stores). */
  scaleOut?: ScaleOut;
  /** Call once the HTTP server listens on `port` (a cluster node then starts taking channels). */
  listening(port: number): Promise<void>;
  /** Stops accepting, lets in-flight requests finish (up to shutdown.graceMs), closes the store. */
  close(): Promise<void>;
}

export async function createGateway(config: GatewayConfig, logger: Logger, out: Writable = process.stdout): Promise<RunningGateway> {
  const store = await openRegistryStore(config, logger);
  const service = new RegistryService(store);
  const keys = new ApiKeys(store, service.events);
  const accounts = new Accounts(store, { session: config.auth.session, lockout: config.auth.lockout }, service.events, keys);
  let shuttingDown = false;
  let video: VideoRoom | undefined;
  let incidents: IncidentRoom | undefined;
  let detection: DetectionRoom | undefined;
  let evidence: EvidenceRoom | undefined;
  let sensors: SensorsRoom | undefined;
  let gb28181: Gb28181Room | undefined;
  let upward: UpwardRoom | undefined;
  let videoQuality: VideoQualityRoom | undefined;
  let recording: RecordingRoom | undefined;
  let playback: PlaybackRoom | undefined;
  let onvif: OnvifRoom | undefined;
  let scaleOut: ScaleOut | undefined;
  let remoteMedia: MediaOwnerRouting | undefined;
  let tokenSecret: Buffer | undefined;
  /** Live events (detections, device status) to every subscriber: every node's through the bus in a cluster. Set once incidents run. */
  let publishLive: (type: string, payload: Record<string, unknown>) => void = () => {};
  /** POST /api/channels/:id/ptz: the GB28181 and ONVIF rooms add their drivers. */
  const ptz = new PtzDrivers();
  try {
    // Nodes starting together do their first-start work one at a time.
    await exclusively(config, logger, async () => {
      const seedProblems = await applySeed(service, config.seed, logger.child({ module: 'seed' }));
      if (seedProblems.length) throw new ConfigError(seedProblems);
      await ensureAdminKey(keys, config.auth.adminKey, out, logger);
      await ensureAdminUser(accounts.users, config.auth.adminPassword, out, logger);
    });
    scaleOut = await startScaleOut(config, { registry: service, log: logger });
    evidence = await openEvidence(config, { log: logger });
    const bus = scaleOut?.bus;
    incidents = await startIncidents(config.incidents, {
      registry: service, dataDir: config.dataDir, log: logger,
      postgresUrl: config.store.database === 'postgres' ? config.store.postgres.url! : undefined, postgresPool: poolOptions(config, 'incidents', logger),
      onStoredEvent: bus?.sink, eventLog: bus?.eventLog, queue: bus?.raise, evidence: evidence.store,
    });
    await bus?.attach(incidents);
    // Machine candidates: through the durable queue when there is one (people's reports stay direct).
    const { raise } = incidents;
    const room = incidents;
    publishLive = bus?.publishLive ?? ((type, payload) => room.service.publishLive(type, payload));
    if (config.sensors.enabled) sensors = await startSensors(config.sensors, { registry: service, keys, raise, dataDir: config.dataDir, log: logger, share: scaleOut?.sensorShare });
    const node = scaleOut?.node;
    tokenSecret = node?.mediaTokenSecret ?? loadOrCreateSecret(config.dataDir);
    remoteMedia = node && mediaOwnerRouting({ nodeId: node.nodeId, mode: config.cluster.media, locate: node.media.locate, forget: node.media.forget, log: logger.child({ module: 'media-routing' }) });
    // GB28181 before video: its channels are judged once the room they depend on runs (no false 'disabled').
    if (config.gb28181.enabled) gb28181 = await startGb28181(config.gb28181, { registry: service, raise, publishLive, log: logger, homes: node?.deviceHomes, incidentEvents: room.service.bus, dataDir: config.dataDir, ptz,
      // Cluster: one node holds the upper links (registers); the others stand by.
      upperElection: node && config.gb28181.upper?.length ? node.singleton('gb28181-upper') : undefined,
    });
    if (config.video.enabled && config.recording.enabled) {
      recording = await startRecording(config.recording, {
        registry: service, dataDir: config.dataDir, nodeId: node?.nodeId ?? config.cluster.nodeId ?? 'local', ffmpegPath: findFfmpeg().path, raise, incidentEvents: room.service.bus,
        postgresUrl: config.store.database === 'postgres' ? config.store.postgres.url! : undefined, postgresPool: poolOptions(config, 'evidence', logger), log: logger,
      });
      // Upper platforms (级联) ask for RTSP/RTMP channels' recordings: the gateway's own.
      gb28181?.attachRecordings(recording, findFfmpeg().path);
    }
    if (config.video.enabled) {
      video = await startVideo(config.video, { registry: service, keys, dataDir: config.dataDir, log: logger, shard: node?.shard, tokenSecret, remoteMedia, channelOwners: node?.owners, gb: gb28181?.source, recording: recording?.channels });
      recording?.attach(video.manager);
      // Upper platforms (级联) play our channels from the ingest that runs: the cascade is handed the upward media.
      // In a cluster, a channel that runs on another node is read from there.
      const owners = node && ownerFlv({ nodeId: node.nodeId, locator: node.media, tokenSecret, tokenTtlSeconds: config.video.mediaTokenTtlSeconds });
      if (gb28181?.cascade) gb28181.attachUpward((upward = startUpwardStreams(config.gb28181, { registry: service, video, log: logger, owners })));
      if (recording) playback = startPlayback({ config: config.recording, recording, registry: service, keys, manager: video.manager, tokenSecret, mediaTokenTtlSeconds: config.video.mediaTokenTtlSeconds, dataDir: config.dataDir, nodeId: node?.nodeId ?? config.cluster.nodeId ?? 'local', liveNodes: node?.liveNodes, ffmpegPath: findFfmpeg().path, exportSources: gb28181 && { device: gb28181.deviceExports }, evidence: evidence.store, incidents: room.service, log: logger });
      // Downloads of recordings kept on GB28181 devices are jobs of the same exporter.
      if (playback) gb28181?.attachExports(playback.exporter);
    }
    if (config.detection.enabled && video) {
      const v = video;
      const sourceSize = (id: string) => {
        const input = v.manager.status(id)?.input;
        return input ? ([input.width, input.height] as const) : undefined;
      };
      detection = await startDetection(config.detection, { registry: service, frames: video.frames, raise, publishLive, dataDir: config.dataDir, evidence: evidence.store, sourceSize, log: logger });
    }
    if (config.videoQuality.enabled && video) {
      const v = video;
      videoQuality = await startVideoQuality(config.videoQuality, { registry: service, video: { frames: v.frames, status: (id) => v.manager.status(id), hlsDir: (id) => v.manager.hlsDir(id), ffmpegPath: findFfmpeg().path }, raise, evidence: evidence.store, log: logger });
    }
    // After video: a camera event's snapshot is the channel's live frame when it runs.
    if (config.onvif.enabled) {
      // Cluster: a camera's events are subscribed by the node holding its channel's lease.
      onvif = await startOnvifRoom(config.onvif, { registry: service, raise, evidence: evidence.store, ptz, livePicture: video && livePicture(video, findFfmpeg().path), placement: node?.eventsPlacement(), log: logger });
    }
  } catch (err) {
    await onvif?.stop();
    await videoQuality?.stop();
    await detection?.stop();
    await scaleOut?.leave();
    remoteMedia?.close();
    await playback?.stop();
    upward?.stop();
    await video?.stop();
    await recording?.stop();
    await gb28181?.stop();
    await sensors?.stop();
    await scaleOut?.stop();
    await incidents?.stop();
    await evidence?.close();
    await store.close();
    throw err;
  }
  // Adding ONVIF cameras (inspect, add, discover, refresh, kind=onvif import rows).
  const onvifHttp = config.onvif.enabled ? startOnvifHttp(config.onvif, { registry: service, log: logger }) : undefined;
  const map = startMap(config, {
    registry: service, incidents: incidents.service, video, sensors, positions: gb28181?.positions, publishLive, log: logger,
  });
  const app = await buildApp({
    logger,
    service,
    keys,
    accounts,
    urlTokens: new UrlTokens(tokenSecret!, config.auth.urlTokenTtlSeconds),
    metrics: createMetrics(service, { config, log: logger, incidents, video, gb28181, upward, sensors, detection }),
    readiness: { shuttingDown: () => shuttingDown, checks: { registry: () => store.ping(), incidents: () => incidents.ping(), ...scaleOut?.checks } },
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    wallDir: config.http.wallDir ?? undefined,
    routes: [(a) => oidcRoutes(a, { config: config.auth.oidc, secret: tokenSecret!, accounts }), incidents.routes, evidence!.routes, ...(scaleOut ? [scaleOut.routes] : []), ...(video ? [video.routes] : []), ...(recording ? [recording.routes] : []), ...(playback ? [playback.routes] : []), ...(detection ? [detection.routes] : []), ...(videoQuality ? [videoQuality.routes] : []), ...(sensors ? [sensors.routes] : []), ...(gb28181 ? [gb28181.routes] : []), ...(onvifHttp ? [onvifHttp.routes] : []), (a) => ptzRoutes(a, { registry: service, drivers: ptz }), ...(onvif ? [onvif.routes] : []), map.routes],
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((done) => (timer = setTimeout(done, config.shutdown.graceMs)));
      await Promise.race([app.close(), grace]);
      clearTimeout(timer);
      map.stop();
      onvifHttp?.stop();
      await onvif?.stop();
      await videoQuality?.stop();
      await detection?.stop();
      await scaleOut?.leave();
      remoteMedia?.close();
      await playback?.stop();
      upward?.stop();
      await video?.stop();
      await recording?.stop();
      await gb28181?.stop();
      await sensors?.stop();
      await scaleOut?.stop();
      await incidents.stop();
      await evidence!.close();
      await store.close();
      logger.info('gateway stopped');
    })());
  const listening = async (port: number) => scaleOut?.listening(port);
  return { app, service, keys, accounts, video, incidents, map, detection, sensors, gb28181, videoQuality, recording, playback, onvif, scaleOut, listening, close };
}
