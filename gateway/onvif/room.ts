// The ONVIF room's running side: PTZ for ONVIF channels (a driver of the
// shared PTZ route, ptz-driver.ts) and camera events (events/), with
// GET /api/onvif/events/status. Adding cameras (inspect, discovery, import)
// lives in http/.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { inCoverage, READ_ROLES, type RegistryService } from '../../device-registry/index.ts';
import type { EvidenceStore } from '../evidence/index.ts';
import type { RaiseIncident } from '../incidents/index.ts';
import type { PtzDrivers } from '../ptz/index.ts';
import { onvifCameraOf } from './camera-of.ts';
import { OnvifClients, type ClientFactory } from './clients.ts';
import type { OnvifConfig } from './config.ts';
import { CameraEvents } from './events/camera-events.ts';
import { EventIncidents } from './events/incidents.ts';
import type { EventsPlacement } from './events/placement.ts';
import type { LivePicture } from './live-picture.ts';
import { onvifPtzDriver } from './ptz-driver.ts';

export interface OnvifRoomDeps {
  registry: RegistryService;
  raise: RaiseIncident;
  evidence: EvidenceStore;
  ptz: PtzDrivers;
  /** The channel's latest live frame (live-picture.ts); without video, the camera's snapshot URI only. */
  livePicture?: LivePicture;
  /** Cluster: camera events are subscribed by the node holding each channel's lease (PTZ works from any node). */
  placement?: EventsPlacement;
  /** Tests may hand another client maker; the real one by default. */
  clients?: ClientFactory;
  log: Logger;
}

export interface OnvifRoom {
  events: CameraEvents;
  incidents: EventIncidents;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

export async function startOnvifRoom(config: OnvifConfig, deps: OnvifRoomDeps): Promise<OnvifRoom> {
  const log = deps.log.child({ module: 'onvif' });
  const ptzClients = new OnvifClients(deps.clients, log.child({ component: 'ptz' }));
  const eventClients = new OnvifClients(deps.clients, log.child({ component: 'events' }));
  deps.ptz.add(onvifPtzDriver({ registry: deps.registry, clients: ptzClients, timeoutMs: config.requestTimeoutMs }));

  const picture = async (channelId: string): Promise<Buffer | undefined> => {
    const live = await deps.livePicture?.(channelId);
    if (live) return live;
    const row = await deps.registry.getStored('channels', channelId);
    const camera = row && onvifCameraOf(row, []);
    return camera ? ptzClients.of(channelId, camera.target, config.requestTimeoutMs).snapshot(camera.mainProfile) : undefined;
  };
  const incidents = new EventIncidents({ raise: deps.raise, evidence: deps.evidence, snapshot: picture, config: config.events, log: log.child({ component: 'events' }) });
  const events = new CameraEvents(config.events, { registry: deps.registry, clients: eventClients, requestTimeoutMs: config.requestTimeoutMs, incidents, placement: deps.placement, log: log.child({ component: 'events' }) });
  await events.start();

  return {
    events,
    incidents,
    routes: (app) => {
      app.get('/api/onvif/events/status', {
        config: { roles: READ_ROLES, scope: 'filtered' },
        schema: {
          tags: ['onvif'],
          summary: 'Camera events of every ONVIF channel: subscribed, starting, failing (why, next try), no events (the camera has none), off (why) or, in a cluster, elsewhere; the types that raise incidents; node: who subscribes',
          querystring: Type.Object({ channelId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        },
      }, async (req) => {
        const { channelId } = req.query as { channelId?: string };
        const coverage = await app.scopes.covered(req.actor);
        const items = [];
        for (const s of await events.statusWithNodes()) {
          if (channelId && s.channelId !== channelId) continue;
          if (coverage === null || inCoverage(coverage, await app.scopes.gridOf('channels', s.channelId))) items.push(s);
        }
        return { items, counts: incidents.counts };
      });
    },
    stop: () => events.stop(),
  };
}
