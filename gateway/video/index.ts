// The video room's entry: the frame hub, the RTMP/FLV live server, the
// channel manager and their HTTP routes, started and stopped together.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeys, RegistryService } from '../../device-registry/index.ts';
import type { VideoConfig } from '../config/schema.ts';
import { findFfmpeg } from './ffmpeg/locate.ts';
import { childrenTied } from './ffmpeg/tied-spawn.ts';
import { FrameHub } from './frames.ts';
import { MediaTokens } from './http/media-token.ts';
import { mediaAccess, type RemoteMedia } from './http/media-access.ts';
import { channelTestRoute } from './http/test-route.ts';
import { videoRoutes } from './http/video-routes.ts';
import { attachWsFlv } from './http/ws-flv.ts';
import { LiveServer } from './live/live-server.ts';
import { VideoManager } from './video-manager.ts';
import type { ChannelOwnership, GbSource, RecordingHook } from './video-ports.ts';

export { FrameHub, type Frame, type FrameHandler } from './frames.ts';
export { detectionFramesKey } from './sub-streams.ts';
export type { ChannelVideoStatus } from './channel-status.ts';
export type { RecordingHook } from './video-ports.ts';

export interface VideoRoom {
  frames: FrameHub;
  manager: VideoManager;
  live?: LiveServer;
  ports: { rtmp?: number; flvHttp?: number };
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

export interface VideoDeps {
  registry: RegistryService;
  keys: ApiKeys;
  dataDir: string;
  log: Logger;
  /** Cluster mode: which channels this node runs (gateway/cluster), made once the manager exists and before it starts. */
  shard?: (manager: VideoManager) => ChannelOwnership;
  /** The secret media tokens are signed with: the node's file, or in a cluster the one every node shares (gateway/bootstrap/token-secret.ts). */
  tokenSecret: Buffer;
  /** Cluster mode: media of channels that run on another node (gateway/cluster/media mediaOwnerRouting). */
  remoteMedia?: RemoteMedia;
  /** Cluster mode: which node holds each leased channel now. */
  channelOwners?: () => Promise<Map<string, string>>;
  /** The GB28181 room, started before video so its channels are never judged without it. */
  gb?: GbSource;
  /** The recording room: which channels record, and where (gateway/recording). */
  recording?: RecordingHook;
}

export async function startVideo(config: VideoConfig, deps: VideoDeps): Promise<VideoRoom> {
  const log = deps.log.child({ module: 'video' });
  const ffmpeg = findFfmpeg();
  log.info({ ffmpeg: ffmpeg.path, version: ffmpeg.version, tiedToGateway: childrenTied() }, 'ffmpeg found');
  if (!childrenTied()) log.warn('setpriv (util-linux) not found: an ffmpeg outlives a gateway killed with -9 and keeps pulling its camera');
  const frames = new FrameHub();
  frames.on('error', (channelId, err) => log.error({ channelId, err }, 'frame subscriber failed'));

  let live: LiveServer | undefined;
  const ports: VideoRoom['ports'] = {};
  if (config.rtmp.enabled) {
    live = new LiveServer({
      rtmpHost: config.rtmp.host,
      rtmpPort: config.rtmp.port,
      httpPort: config.rtmp.flvHttpPort,
      log: log.child({ component: 'live' }),
      authorizePush: async (key) => {
        const id = (await deps.registry.store.findAltKeys('channels', [`rtmp:${key}`])).get(`rtmp:${key}`);
        const row = id ? await deps.registry.getStored('channels', id) : undefined;
        return row?.doc.enabled === true;
      },
    });
    const bound = await live.start();
    ports.rtmp = bound.rtmpPort;
    ports.flvHttp = bound.httpPort;
  }

  const manager = new VideoManager(deps.registry, frames, ffmpeg, config, deps.dataDir, log, live);
  if (deps.shard) manager.shard(deps.shard(manager));
  if (deps.gb) manager.attachGb(deps.gb);
  if (deps.recording) manager.attachRecording(deps.recording);
  await manager.start();
  const tokens = new MediaTokens(deps.tokenSecret, config.mediaTokenTtlSeconds);
  return {
    frames,
    manager,
    live,
    ports,
    routes: (app) => {
      const flv = live ? { url: (a: string, n: string) => live.flvUrl(a, n), isPublishing: (a: string, n: string) => live.isPublishing(a, n) } : undefined;
      videoRoutes(app, { registry: deps.registry, keys: deps.keys, manager, tokens, frames, ffmpegPath: ffmpeg.path, flv, rtmpPort: ports.rtmp, remote: deps.remoteMedia, owners: deps.channelOwners });
      channelTestRoute(app, { registry: deps.registry, ffmpeg });
      // FLV over WebSocket on the same server and path; its sockets must go before the server's close() waits on them.
      const access = mediaAccess({ registry: deps.registry, keys: deps.keys, scopes: app.scopes, manager, tokens, flv });
      const detachWsFlv = attachWsFlv(app.server, { access, touch: (id) => manager.touch(id), log: log.child({ component: 'ws-flv' }), remote: deps.remoteMedia });
      app.addHook('preClose', async () => detachWsFlv());
    },
    stop: async () => {
      await manager.stop();
      await live?.stop();
    },
  };
}
