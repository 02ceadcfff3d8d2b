// POST /api/channels/:id/ptz: pan/tilt/zoom, presets (set, call, delete) and
// cruise of a GB28181 channel, sent as one DeviceControl PTZCmd. The presets a
// person set or removed are kept on the channel (`ptzPresets`, with their
// names) so the wall can list them: cameras are not asked (PresetQuery).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, GwError, Id, invalid, jsonBounds, notFound, type RegistryService, type Role } from '../../device-registry/index.ts';
import {
  checkCruise, checkPreset, checkPtzMove, encodeCruiseCmd, encodePresetCmd, encodePtzCmd,
  type CruiseCommand, type PresetCommand, type PtzInputProblem, type PtzMove,
} from './manscdp/index.ts';
import type { DeviceQueries, QueryTarget } from './queries.ts';

export interface PtzRouteDeps {
  registry: RegistryService;
  queries: DeviceQueries;
  /** The device's query target, or the API error saying why it cannot be reached. */
  online(deviceId: string): Promise<QueryTarget>;
  /** A device round trip with its failures as API errors. */
  asked<T>(run: () => Promise<T>): Promise<T>;
}

/** Operators steer cameras; dispatchers only watch. */
export const PTZ_ROLES: readonly Role[] = ['admin', 'engineer', 'operator'];

interface StoredPreset { index: number; name?: string; gridCode?: string }

type PtzBody = { preset: PresetCommand } | { cruise: CruiseCommand } | PtzMove;

/** Every problem with a body: one command kind at a time (a motion, `preset` or `cruise`). */
function checkBody(body: unknown): PtzInputProblem[] {
  const obj = (body ?? {}) as Record<string, unknown>;
  for (const kind of ['preset', 'cruise'] as const) {
    if (!Object.hasOwn(obj, kind)) continue;
    const others = Object.keys(obj).filter((k) => k !== kind);
    if (others.length) return others.map((field) => ({ field, message: `cannot be sent with ${kind}` }));
    return kind === 'preset' ? checkPreset(obj.preset) : checkCruise(obj.cruise);
  }
  return checkPtzMove(body);
}

function encodeBody(body: PtzBody): string {
  if ('preset' in body) return encodePresetCmd(body.preset);
  if ('cruise' in body) return encodeCruiseCmd(body.cruise);
  return encodePtzCmd(body);
}

/** The channel's preset list after a set or delete (sorted by index); undefined when it does not change. */
export function presetsAfter(current: StoredPreset[], cmd: PresetCommand): StoredPreset[] | undefined {
  const others = current.filter((p) => p.index !== cmd.index);
  if (cmd.action === 'delete') return others.length === current.length ? undefined : others;
  if (cmd.action !== 'set') return undefined;
  // Setting it again keeps what people said of it (name, the cell it looks at) unless a new name is given.
  const kept = current.find((p) => p.index === cmd.index);
  return [...others, { ...kept, index: cmd.index, ...(cmd.name ? { name: cmd.name } : {}) }].sort((a, b) => a.index - b.index);
}

export function ptzRoute(app: FastifyInstance, deps: PtzRouteDeps): void {
  app.post('/api/channels/:id/ptz', {
    config: { roles: PTZ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags: ['gb28181'], params: Type.Object({ id: Id }),
      response: { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 504: ErrorBody },
      summary: 'Steer a GB28181 channel: {pan: left|right, tilt: up|down, zoom: in|out, panSpeed 0-255, tiltSpeed 0-255, zoomSpeed 0-15} ({} stops); '
        + '{preset: {action: set|call|delete, index 1-255, name?}}; {cruise: {action: add|remove|speed|dwell|start|stop, group 0-255, preset|speed|seconds}}',
      // The PTZ codec checks the fields by name; the schema only bounds the shape (small, two levels).
      body: Type.Object({}, { additionalProperties: true, maxProperties: 16, ...jsonBounds({ maxDepth: 2, maxBytes: 1024 }) }),
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const problems = checkBody(req.body);
    if (problems.length) throw invalid(problems.map((p) => ({ field: p.field, message: p.message })));
    const row = await deps.registry.getStored('channels', id);
    if (!row) throw notFound('channel', id);
    const source = row.doc.source as { deviceId?: string; channelId?: string };
    if (row.doc.kind !== 'gb28181' || !source.deviceId || !source.channelId) {
      throw new GwError('GW_ERR_VALIDATION', `channel ${id} is a ${String(row.doc.kind)} channel; PTZ needs a GB28181 channel`, 'id');
    }
    const target = await deps.online(source.deviceId);
    const body = req.body as PtzBody;
    const ptzCmd = encodeBody(body);
    await deps.asked(() => deps.queries.ptz(target, source.channelId!, ptzCmd));
    // Kept only once the device took it: a refused set is no preset.
    const presets = 'preset' in body ? presetsAfter((row.doc.ptzPresets as StoredPreset[] | undefined) ?? [], body.preset) : undefined;
    if (presets) await deps.registry.update('channels', id, { ptzPresets: presets }, req.actor!);
    return {
      channelId: id, deviceId: source.deviceId, ptzCmd, sentAt: new Date().toISOString(),
      ...(presets || 'preset' in body ? { ptzPresets: presets ?? row.doc.ptzPresets ?? [] } : {}),
    };
  });
}
