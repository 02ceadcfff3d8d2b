// GB28181 over HTTP: who is registered, live sessions, catalog on demand,
// DeviceInfo/DeviceStatus queries; PTZ (ptz-route.ts). The device rows themselves are the
// registry's (/api/gb28181/devices CRUD).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorBody, GwError, inCoverage, notFound, READ_ROLES, WRITE_ROLES, type RegistryService } from '../../device-registry/index.ts';
import type { DeviceSessions } from './devices.ts';
import type { DeviceSync } from './device-sync.ts';
import { deviceAddressOf } from './edge-proxy.ts';
import type { LiveSessions } from './play/live-sessions.ts';
import type { PtzDrivers } from '../ptz/drivers.ts';
import { gbPtzDriver } from './ptz-route.ts';
import { QueryError, type DeviceQueries, type QueryTarget } from './queries.ts';

export interface GbRouteDeps {
  registry: RegistryService;
  sessions: DeviceSessions;
  live: LiveSessions;
  sync: DeviceSync;
  queries: DeviceQueries;
  status(): Record<string, unknown>;
  /** Cluster: the other node holding the device's registration (homes.ts). */
  elsewhere?(deviceId: string): string | undefined;
  /** POST /api/channels/:id/ptz is shared with ONVIF (gateway/ptz): GB28181 adds its driver. */
  ptz?: PtzDrivers;
}

const tags = ['gb28181'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 504: ErrorBody };
const DeviceParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{20}$' }) });

const iso = (ms: number) => new Date(ms).toISOString();

export function gbRoutes(app: FastifyInstance, deps: GbRouteDeps): void {
  const online = async (deviceId: string): Promise<QueryTarget> => {
    const row = await deps.registry.getStored('gbDevices', deviceId);
    if (!row) throw notFound('GB28181 device', deviceId);
    if (row.doc.enabled === false) throw new GwError('GW_ERR_DEVICE_OFFLINE', `GB28181 device ${deviceId} is disabled`, 'id');
    const target = deps.sync.target(deviceId);
    if (target) return target;
    // Its answers come back to the node it registered with (the SIP proxy hashes by device): only that node can ask it.
    const holder = deps.elsewhere?.(deviceId);
    if (holder) throw new GwError('GW_ERR_DEVICE_OFFLINE', `GB28181 device ${deviceId} is registered with node ${holder}: ask it through that node`, 'id');
    throw new GwError('GW_ERR_DEVICE_OFFLINE', `GB28181 device ${deviceId} is not registered`, 'id');
  };

  /** A registered device is seen by a scoped caller only when the registry places it in their scope. */
  const visible = async <T extends { deviceId: string }>(req: FastifyRequest, items: T[]) => {
    const coverage = await app.scopes.covered(req.actor);
    if (coverage === null) return items;
    const kept: T[] = [];
    for (const item of items) if (inCoverage(coverage, await app.scopes.gridOf('gbDevices', item.deviceId))) kept.push(item);
    return kept;
  };
  const ONE = { by: 'gbDevice', param: 'id' } as const;

  app.get('/api/gb28181/status', {
    config: { roles: READ_ROLES, scope: 'global' }, // the SIP server's counters, no device named
    schema: { tags, summary: 'SIP server: listeners, counters, registered devices, live sessions' },
  }, async () => deps.status());

  app.get('/api/gb28181/registrations', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Devices registered now: address, transport, expiry, last keepalive' },
  }, async (req) => ({
    items: (await visible(req, deps.sessions.all())).map((s) => ({
      deviceId: s.deviceId, transport: s.remote.transport, ...deviceAddressOf(s.remote), mediaTransport: s.mediaTransport,
      // Registered through an edge proxy (Kamailio): where its requests come from and ours go.
      ...(s.remote.proxied ? { proxy: `${s.remote.address}:${s.remote.port}` } : {}),
      registeredAt: iso(s.registeredAt), expiresAt: iso(s.expiresAt), lastKeepaliveAt: iso(s.lastKeepaliveAt), keepalives: s.keepalives,
    })),
  }));

  app.get('/api/gb28181/sessions', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Live play sessions (INVITE dialogs) with their RTP and demux counters' },
  }, async (req) => ({ items: await visible(req, deps.live.list()) }));

  app.post('/api/gb28181/devices/:id/catalog', {
    config: { roles: WRITE_ROLES, scope: ONE },
    schema: { tags, summary: "Query the device's catalog now and sync its channels into the registry", params: DeviceParams, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    await online(id);
    return asked(() => deps.sync.catalog(id));
  });

  const asks = [
    ['info', 'Ask the device for its DeviceInfo (manufacturer, model, firmware, channels)', (t: QueryTarget) => deps.queries.deviceInfo(t)],
    ['device-status', 'Ask the device for its DeviceStatus (online, encoding, recording, alarm inputs)', (t: QueryTarget) => deps.queries.deviceStatus(t)],
  ] as const;
  for (const [path, summary, ask] of asks) {
    app.get(`/api/gb28181/devices/:id/${path}`, { config: { roles: READ_ROLES, scope: ONE }, schema: { tags, summary, params: DeviceParams, response: errors } }, async (req) => {
      const target = await online((req.params as { id: string }).id);
      return asked(() => ask(target));
    });
  }

  deps.ptz?.add(gbPtzDriver({ registry: deps.registry, queries: deps.queries, online, asked }));
}

const QUERY_ERRORS = {
  timeout: 'GW_ERR_DEVICE_TIMEOUT',
  offline: 'GW_ERR_DEVICE_OFFLINE',
  refused: 'GW_ERR_DEVICE_REFUSED',
  unreachable: 'GW_ERR_DEVICE_REFUSED',
  malformed: 'GW_ERR_DEVICE_REFUSED',
} as const;

/** A device round trip, its failures as API errors (expected outcomes, not faults of ours). */
export async function asked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    throw new GwError(QUERY_ERRORS[err.kind], err.message);
  }
}
