// The GB28181 PTZ driver of POST /api/channels/:id/ptz (gateway/ptz/route.ts):
// pan/tilt/zoom, presets (set, call, delete) and cruise of a GB28181 channel,
// sent as one DeviceControl PTZCmd. The presets a person set or removed are
// kept on the channel (`ptzPresets`, with their names) so the wall can list
// them: cameras are not asked (PresetQuery).
import type { Actor, RegistryService, StoredRow } from '../../device-registry/index.ts';
import { presetsAfter, type PtzBody, type StoredPreset } from '../ptz/body.ts';
import type { PtzDriver } from '../ptz/drivers.ts';
import { encodeCruiseCmd, encodePresetCmd, encodePtzCmd } from './manscdp/index.ts';
import type { DeviceQueries, QueryTarget } from './queries.ts';

export interface PtzRouteDeps {
  registry: RegistryService;
  queries: DeviceQueries;
  /** The device's query target, or the API error saying why it cannot be reached. */
  online(deviceId: string): Promise<QueryTarget>;
  /** A device round trip with its failures as API errors. */
  asked<T>(run: () => Promise<T>): Promise<T>;
}

function encodeBody(body: PtzBody): string {
  if ('preset' in body) return encodePresetCmd(body.preset);
  if ('cruise' in body) return encodeCruiseCmd(body.cruise);
  return encodePtzCmd(body);
}

const gbSource = (row: StoredRow) => row.doc.source as { deviceId?: string; channelId?: string };

export function gbPtzDriver(deps: PtzRouteDeps): PtzDriver {
  return {
    name: 'gb28181',
    takes: (row) => row.doc.kind === 'gb28181' && Boolean(gbSource(row).deviceId && gbSource(row).channelId),
    async send(row: StoredRow, body: PtzBody, actor: Actor) {
      const source = gbSource(row);
      const target = await deps.online(source.deviceId!);
      const ptzCmd = encodeBody(body);
      await deps.asked(() => deps.queries.ptz(target, source.channelId!, ptzCmd));
      // Kept only once the device took it: a refused set is no preset.
      const presets = 'preset' in body ? presetsAfter((row.doc.ptzPresets as StoredPreset[] | undefined) ?? [], body.preset) : undefined;
      if (presets) await deps.registry.update('channels', row.id, { ptzPresets: presets }, actor);
      return {
        channelId: row.id, deviceId: source.deviceId, ptzCmd, sentAt: new Date().toISOString(),
        ...(presets || 'preset' in body ? { ptzPresets: presets ?? row.doc.ptzPresets ?? [] } : {}),
      };
    },
    presets: async (row) => (row.doc.ptzPresets as StoredPreset[] | undefined) ?? [],
  };
}
