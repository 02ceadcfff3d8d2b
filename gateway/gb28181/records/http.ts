// Recordings kept on a GB28181 device, over HTTP: the RecordInfo query for a
// channel and a time range. Scoped like the channel itself.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DateTime, ErrorBody, GwError, Id, invalid, READ_ROLES, type RegistryService } from '../../../device-registry/index.ts';
import type { DeviceSync } from '../device-sync.ts';
import { asked } from '../http-routes.ts';
import { gbChannel } from './gb-channel.ts';
import type { DeviceQueries } from '../queries.ts';

export interface RecordRouteDeps {
  registry: RegistryService;
  sync: DeviceSync;
  queries: DeviceQueries;
}

/** A device answers for at most this span at once (devices page long ranges badly). */
const MAX_RANGE_MS = 31 * 24 * 3600_000;
const tags = ['gb28181'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 504: ErrorBody };

export function recordRoutes(app: FastifyInstance, deps: RecordRouteDeps): void {
  app.get('/api/channels/:id/device-recordings', {
    config: { roles: READ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags, response: errors, params: Type.Object({ id: Id }),
      summary: 'Recordings kept on the GB28181 device for this channel in [from, to] (RecordInfo, assembled to SumNum)',
      querystring: Type.Object({ from: DateTime(), to: DateTime(), type: Type.Optional(Type.Union(['all', 'time', 'alarm', 'manual'].map((v) => Type.Literal(v)))) }, { additionalProperties: false }),
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const q = req.query as { from: string; to: string; type?: 'all' | 'time' | 'alarm' | 'manual' };
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (!(to > from)) throw invalid([{ field: 'to', message: 'to must be after from' }]);
    if (to - from > MAX_RANGE_MS) throw invalid([{ field: 'to', message: 'the range may span at most 31 days' }]);
    const { deviceId, channelId } = await gbChannel(deps.registry, id);
    const target = deps.sync.target(deviceId);
    if (!target) throw new GwError('GW_ERR_DEVICE_OFFLINE', `GB28181 device ${deviceId} is not registered`, 'id');
    const result = await asked(() => deps.queries.recordInfo(target, channelId, from, to, q.type ?? 'all'));
    return {
      channelId: id, deviceId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), sumNum: result.sumNum, messages: result.messages, skipped: result.skipped,
      items: result.records.map((r) => ({
        start: new Date(r.startAt).toISOString(), end: new Date(r.endAt).toISOString(), type: r.type, name: r.name, filePath: r.filePath, secrecy: r.secrecy, keptOn: 'device' as const,
      })),
    };
  });
}
