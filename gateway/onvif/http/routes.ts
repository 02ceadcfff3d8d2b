// Adding ONVIF cameras: inspect one (nothing saved), add one as an RTSP
// channel, discover what answers a WS-Discovery probe (with the channel each
// is already registered as), re-read a channel's camera; and the registry's
// bulk import reads kind=onvif rows through import-rows.ts. Engineers and
// admins; a scoped engineer adds only into their cells and sees only the
// channels there. Writes go through the registry service (validated, audited,
// announced). No answer or log line holds a camera password.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorBody, GwError, inCoverage, invalid, notFound, redactUrl, WRITE_ROLES, type RegistryService } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { onvifAltKey } from '../../../device-registry/schemas/onvif.ts';
import type { OnvifConfig } from '../config.ts';
import { discover as discoverDevices, onvifClient, OnvifError, type DiscoveredDevice, type OnvifFacts } from '../index.ts';
import { channelInput, storedFacts, type CameraAddress } from './channel-input.ts';
import { onvifRowResolver } from './import-rows.ts';
import { InspectFailure, inspectCamera, type ClientFactory } from './inspect.ts';
import { CreateBody, DiscoverAnswer, DiscoverBody, InspectAnswer, InspectBody } from './schemas.ts';

export interface OnvifHttpDeps {
  registry: RegistryService;
  log: Logger;
  /** Tests may give another client or discovery; the real ones by default. */
  client?: ClientFactory;
  discover?: (opts: Parameters<typeof discoverDevices>[0] & { log?: Logger }) => Promise<DiscoveredDevice[]>;
}

const tags = ['onvif'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody };

/** URIs as shown to people: credentials some cameras put in them redacted. */
const shownFacts = (facts: OnvifFacts) => ({
  ...facts,
  profiles: facts.profiles.map((p) => ({
    ...p, ...(p.streamUri ? { streamUri: redactUrl(p.streamUri) } : {}), ...(p.snapshotUri ? { snapshotUri: redactUrl(p.snapshotUri) } : {}),
  })),
});

export function startOnvifHttp(config: OnvifConfig, deps: OnvifHttpDeps) {
  const log = deps.log.child({ module: 'onvif-http' });
  const client: ClientFactory = deps.client ?? ((target, opts) => onvifClient(target, { ...opts, log }));
  const probe = deps.discover ?? discoverDevices;
  const inspectDeps = { client, timeoutMs: config.requestTimeoutMs };
  const removeResolver = deps.registry.addImportResolver('channels', onvifRowResolver({ ...inspectDeps, concurrency: config.import.concurrency }));

  /** The channels registered from these device service URLs, those in the caller's scope only. */
  const registeredIn = async (req: FastifyRequest, xaddrs: string[]): Promise<Map<string, string>> => {
    const keys = [...new Set(xaddrs.map(onvifAltKey).filter((k): k is string => k !== null))];
    const holders = await deps.registry.store.findAltKeys('channels', keys);
    const coverage = await req.server.scopes.covered(req.actor);
    const out = new Map<string, string>();
    for (const [key, channelId] of holders) {
      if (coverage === null || inCoverage(coverage, await req.server.scopes.gridOf('channels', channelId))) out.set(key, channelId);
    }
    return out;
  };
  const registeredOne = async (req: FastifyRequest, xaddrs: string[]) => {
    const found = await registeredIn(req, xaddrs);
    for (const x of xaddrs) {
      const id = found.get(onvifAltKey(x) ?? '');
      if (id) return id;
    }
    return null;
  };

  const inspect = async (camera: CameraAddress, keep?: { main?: string; sub?: string }, xaddr?: string) => {
    try {
      return await inspectCamera(camera, inspectDeps, undefined, keep, xaddr);
    } catch (err) {
      if (err instanceof InspectFailure) {
        log.info({ host: camera.host, port: camera.port, problem: err.kind }, 'ONVIF camera not read');
        throw err.toGwError();
      }
      throw err;
    }
  };

  const routes = (app: FastifyInstance) => {
    app.post('/api/onvif/inspect', {
      config: { roles: WRITE_ROLES, scope: 'filtered' }, // names a registered channel only when in scope
      schema: { tags, summary: 'Read an ONVIF camera: device facts, profiles and their stream URIs (nothing saved)', body: InspectBody, response: { 200: InspectAnswer, ...errors } },
    }, async (req) => {
      const camera = req.body as CameraAddress;
      const found = await inspect(camera);
      return {
        xaddr: found.xaddr, facts: shownFacts(found.facts), main: found.streams.main.token,
        ...(found.streams.sub ? { sub: found.streams.sub.token } : {}), warnings: found.warnings, registered: await registeredOne(req, [found.xaddr]),
      };
    });

    app.post('/api/onvif/channels', {
      config: { roles: WRITE_ROLES, scope: 'filtered' },
      schema: { tags, summary: 'Add an ONVIF camera as an RTSP channel: main profile as source, second as subSource', body: CreateBody, response: { 201: deps.registry.descriptor('channels').publicSchema, ...errors } },
    }, async (req, reply) => {
      const { host, port, username, password, events, ...fields } = req.body as CameraAddress & Record<string, unknown>;
      // Out of scope is refused before the camera is contacted.
      const placement = await req.server.scopes.placementError(req.actor, 'gridCode', fields.gridCode);
      if (placement) throw invalid([placement]);
      const camera = { host, port, username, password };
      const found = await inspect(camera);
      const input = channelInput(found.xaddr, camera, found.facts, found.streams, fields, events);
      const { item } = await deps.registry.create('channels', input, req.actor!);
      log.info({ channelId: item.id, host, port, model: found.facts.model }, 'ONVIF camera added');
      return reply.code(201).header('location', `/api/channels/${encodeURIComponent(String(item.id))}`).header('etag', `"${String(item.version)}"`).send(item);
    });

    app.post('/api/onvif/channels/:id/refresh', {
      config: { roles: WRITE_ROLES, scope: { by: 'channel', param: 'id' } },
      schema: { tags, summary: 'Read the channel\'s camera again: facts, profiles, stream URIs (kept profiles when still there)', response: { 200: deps.registry.descriptor('channels').publicSchema, ...errors } },
    }, async (req) => {
      const { id } = req.params as { id: string };
      const row = await deps.registry.getStored('channels', id);
      if (!row) throw notFound('channel', id); // as the scope check answers one outside the caller's cells
      const onvif = row.doc.onvif as { xaddr: string; profiles: { main?: string; sub?: string } } | undefined;
      if (!onvif) throw new GwError('GW_ERR_CONFLICT', say('onvif_not_onvif', { channel: id }).message, 'id');
      const source = deps.registry.descriptor('channels').toInput(row).source as { username?: string; password?: string };
      const url = new URL(onvif.xaddr);
      const camera = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : undefined, username: source.username ?? '', password: source.password ?? '' };
      const found = await inspect(camera, onvif.profiles, onvif.xaddr);
      const facts = storedFacts(found.facts);
      const patch = {
        source: { url: found.streams.main.streamUri },
        subSource: found.streams.sub ? { url: found.streams.sub.streamUri } : null,
        onvif: {
          profiles: { main: found.streams.main.token, sub: found.streams.sub?.token ?? null },
          facts: { ...facts, hardwareId: facts.hardwareId ?? null },
        },
      };
      const item = await deps.registry.update('channels', id, patch, req.actor!, undefined, { trusted: true });
      log.info({ channelId: id, model: found.facts.model, profiles: found.facts.profiles.length }, 'ONVIF camera read again');
      return item;
    });

    app.post('/api/onvif/discover', {
      config: { roles: WRITE_ROLES, scope: 'filtered' }, // names a registered channel only when in scope
      schema: { tags, summary: 'WS-Discovery: the ONVIF devices that answer a probe, each with the channel it is registered as', body: DiscoverBody, response: { 200: DiscoverAnswer, ...errors } },
    }, async (req) => {
      const started = Date.now();
      const d = config.discovery;
      let devices: DiscoveredDevice[];
      try {
        devices = await probe({
          timeoutMs: (req.body as { timeoutMs?: number } | undefined)?.timeoutMs ?? d.timeoutMs,
          ...(d.interfaces.length ? { interfaces: d.interfaces } : {}),
          ...(d.unicastTo.length ? { unicastTo: d.unicastTo } : {}),
          ...(d.ranges.length ? { ranges: d.ranges, rangePort: d.rangePort } : {}),
          maxDevices: d.maxDevices, maxPerHost: d.maxPerHost, log,
        });
      } catch (err) {
        // No interface to send from (onvif.discovery.interfaces names none this host has).
        if (err instanceof OnvifError) throw new GwError('GW_ERR_UNAVAILABLE', `ONVIF discovery cannot run: ${err.message}`);
        throw err;
      }
      const registered = await registeredIn(req, devices.flatMap((x) => x.xaddrs));
      log.info({ found: devices.length, registered: registered.size, tookMs: Date.now() - started }, 'ONVIF discovery');
      return { devices: devices.map((x) => ({ ...x, ...hostPortOf(x), registered: firstRegistered(registered, x) })), tookMs: Date.now() - started };
    });
  };

  return { routes, stop: () => removeResolver() };
}

function hostPortOf(device: DiscoveredDevice): { host?: string; port?: number } {
  for (const x of device.xaddrs) {
    try {
      const url = new URL(x);
      return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80 };
    } catch {
      // an XAddr that is not a URL: try the next
    }
  }
  return {};
}

const firstRegistered = (registered: Map<string, string>, device: DiscoveredDevice) =>
  device.xaddrs.map((x) => registered.get(onvifAltKey(x) ?? '')).find((id) => id !== undefined) ?? null;

export type OnvifHttp = ReturnType<typeof startOnvifHttp>;
