// POST /api/channels/:id/ptz and GET /api/channels/:id/ptz/presets for every
// camera that can be steered: the body is checked once (body.ts), then the
// channel's driver (drivers.ts) sends it in its protocol — GB28181 PTZCmd,
// ONVIF ContinuousMove/Stop/presets.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, GwError, Id, invalid, jsonBounds, notFound, type RegistryService, type Role, type StoredRow } from '../../device-registry/index.ts';
import { checkPtzBody, type PtzBody } from './body.ts';
import type { PtzDriver, PtzDrivers } from './drivers.ts';

/** Operators steer cameras; dispatchers only watch. */
export const PTZ_ROLES: readonly Role[] = ['admin', 'engineer', 'operator'];

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

export function ptzRoutes(app: FastifyInstance, deps: { registry: RegistryService; drivers: PtzDrivers }): void {
  const driverOf = async (id: string): Promise<{ row: StoredRow; driver: PtzDriver }> => {
    const row = await deps.registry.getStored('channels', id);
    if (!row) throw notFound('channel', id);
    const driver = deps.drivers.of(row);
    if (driver) return { row, driver };
    // A room that is off in the configuration adds no driver: its cameras are there but cannot be steered now.
    if (row.doc.kind === 'gb28181') throw new GwError('GW_ERR_UNAVAILABLE', `channel ${id}: GB28181 is not enabled in this gateway`, 'id');
    if (row.doc.onvif) throw new GwError('GW_ERR_UNAVAILABLE', `channel ${id}: ONVIF is not enabled in this gateway`, 'id');
    throw new GwError('GW_ERR_VALIDATION', `channel ${id} is a ${String(row.doc.kind)} channel; PTZ needs a GB28181 channel or an ONVIF camera`, 'id');
  };

  app.post('/api/channels/:id/ptz', {
    config: { roles: PTZ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags: ['ptz'], params: Type.Object({ id: Id }), response: errors,
      summary: 'Steer a GB28181 or ONVIF channel: {pan: left|right, tilt: up|down, zoom: in|out, panSpeed 0-255, tiltSpeed 0-255, zoomSpeed 0-15} ({} stops); '
        + '{preset: {action: set|call|delete, index 1-255, name?}}; {cruise: {action: add|remove|speed|dwell|start|stop, group 0-255, preset|speed|seconds}} (GB28181 only)',
      // The PTZ checks name the fields; the schema only bounds the shape (small, two levels).
      body: Type.Object({}, { additionalProperties: true, maxProperties: 16, ...jsonBounds({ maxDepth: 2, maxBytes: 1024 }) }),
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const problems = checkPtzBody(req.body);
    if (problems.length) throw invalid(problems.map((p) => ({ field: p.field, message: p.message })));
    const { row, driver } = await driverOf(id);
    return driver.send(row, req.body as PtzBody, req.actor!);
  });

  app.get('/api/channels/:id/ptz/presets', {
    config: { roles: PTZ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags: ['ptz'], params: Type.Object({ id: Id }), response: errors,
      summary: "The channel's presets by index, with their names: an ONVIF camera's as it lists them now (new ones given a free index), a GB28181 channel's as set through this API",
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const { row, driver } = await driverOf(id);
    return { channelId: id, ptzPresets: await driver.presets(row, req.actor!) };
  });
}
