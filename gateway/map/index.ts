// The map room's entry (一张图): the camera index (nearest cameras), the
// default view, the layers with live status, alarm linkage on new incidents,
// device status forwarded to the event stream, and their HTTP routes. It only
// reads: the registry, the incident store and the video and sensor rooms'
// status books.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RegistryService } from '../../device-registry/index.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { PositionBook } from '../gb28181/index.ts';
import { GridLocator } from '../incidents/grid-locator.ts';
import type { IncidentService } from '../incidents/index.ts';
import type { SensorsRoom } from '../sensors/index.ts';
import { healthOf } from '../sensors/http/views.ts';
import type { VideoRoom } from '../video/index.ts';
import { CameraIndex } from './camera-index.ts';
import { tileUrlForLog } from './config.ts';
import type { LiveStatus } from './layers.ts';
import { forwardDeviceStatus, type PublishLive } from './live-status.ts';
import { nearestCamerasOf } from './linkage.ts';
import { mapRoutes } from './routes.ts';
import { DefaultView } from './view.ts';

export { distanceMeters, gcj02ToWgs84, wgs84ToGcj02 } from './coords.ts';
export { MapConfig, WallConfig } from './config.ts';

export interface MapDeps {
  registry: RegistryService;
  incidents: IncidentService;
  video?: VideoRoom;
  sensors?: SensorsRoom;
  /** GB28181 moving channels' last positions (MobilePosition): their point follows it. */
  positions?: Pick<PositionBook, 'last'>;
  /** Live events to every subscriber (every node's in a cluster): device status goes out by it. */
  publishLive: PublishLive;
  log: Logger;
}

export interface MapRoom {
  cameras: CameraIndex;
  routes(app: FastifyInstance): void;
  stop(): void;
}

/** The video book's status of a channel known on this node (others: the registry's, in the row). */
const videoStatus = (video: VideoRoom | undefined): LiveStatus | undefined =>
  video && ((id) => {
    const s = video.manager.status(id);
    return s && { state: s.state, ...(s.reason && s.state !== 'online' ? { reason: s.reason } : {}) };
  });

/** A sensor's health as GET /api/sensors/state says it. */
const sensorStatus = (sensors: SensorsRoom | undefined): LiveStatus | undefined =>
  sensors && ((id) => {
    const info = sensors.directory.get(id);
    if (!info) return undefined;
    const h = healthOf(info, sensors.states.peek(id), sensors.engine);
    return { state: h.health, ...(h.reason && h.health !== 'online' ? { reason: h.reason } : {}) };
  });

export function startMap(config: Pick<GatewayConfig, 'map' | 'wall'>, deps: MapDeps): MapRoom {
  const log = deps.log.child({ module: 'map' });
  const channelStatus = videoStatus(deps.video);
  const cameras = new CameraIndex(deps.registry, channelStatus);
  const view = new DefaultView(deps.registry);
  const locator = new GridLocator(deps.registry);
  const linked = nearestCamerasOf(cameras, config.wall.linkage);
  deps.incidents.decorateCreated(linked);
  const stopForwarding = forwardDeviceStatus(deps.registry.events, deps.publishLive);
  log.info({ tiles: config.map.tiles.map((t) => ({ name: t.name, url: tileUrlForLog(t.url), crs: t.crs })), linkage: config.wall.linkage }, config.map.tiles.length ? 'map base layers configured' : 'map without base layers: grid outlines on a plain background');
  return {
    cameras,
    routes: (app) => mapRoutes(app, {
      map: config.map, linkage: config.wall.linkage, view, cameras, locator,
      layers: { registry: deps.registry, incidents: deps.incidents, channelStatus, sensorStatus: sensorStatus(deps.sensors), channelPosition: deps.positions && ((id) => deps.positions!.last(id)) },
    }),
    stop: () => {
      stopForwarding();
      deps.incidents.decorateCreated(undefined);
      cameras.stop();
    },
  };
}
