// The ONVIF PTZ driver of POST /api/channels/:id/ptz (gateway/ptz): motions
// as ContinuousMove on the channel's main profile ({} → Stop), presets by the
// API's index 1–255 mapped to the camera's preset tokens, the map kept on the
// channel's `ptzPresets` ({index, name, token}) as GB28181 keeps its list.
// Cruise is GB28181's; ONVIF cameras answer 409 for it, as a camera without PTZ does.
import type { Actor, RegistryService, StoredRow } from '../../device-registry/index.ts';
import { GwError } from '../../device-registry/index.ts';
import type { PresetCommand } from '../gb28181/manscdp/index.ts';
import { presetsAfter, type PtzBody, type PtzDriver, type StoredPreset } from '../ptz/index.ts';
import { onvifCameraOf, type OnvifCamera } from './camera-of.ts';
import type { OnvifClients } from './clients.ts';
import { askCamera } from './device-errors.ts';
import type { OnvifClient, OnvifPreset } from './index.ts';
import { isStop, velocityOf } from './ptz-velocity.ts';

export interface OnvifPtzDeps {
  registry: RegistryService;
  clients: OnvifClients;
  timeoutMs: number;
}

const storedOf = (row: StoredRow) => (row.doc.ptzPresets as StoredPreset[] | undefined) ?? [];

/**
 * The camera's presets by index: a token already mapped keeps its index; a new one takes its own number when
 * the token is one (Hikvision and Dahua number them) and that index is free, else the lowest free index.
 * Indexes whose token the camera no longer lists are dropped. At most 255.
 */
export function mapPresets(stored: StoredPreset[], camera: OnvifPreset[]): StoredPreset[] {
  const byToken = new Map(stored.filter((p) => p.token).map((p) => [p.token!, p]));
  const kept = camera.flatMap((c) => {
    const known = byToken.get(c.token);
    // The name people gave it here stays; the camera's fills a gap.
    return known ? [{ ...(c.name ? { name: c.name.slice(0, 32) } : {}), ...known }] : [];
  });
  const used = new Set(kept.map((p) => p.index));
  for (const c of camera) {
    if (byToken.has(c.token)) continue;
    const own = /^\d{1,3}$/.test(c.token) ? Number(c.token) : NaN;
    let index = own >= 1 && own <= 255 && !used.has(own) ? own : 0;
    for (let i = 1; !index && i <= 255; i++) if (!used.has(i)) index = i;
    if (!index) break;
    used.add(index);
    kept.push({ index, ...(c.name ? { name: c.name.slice(0, 32) } : {}), token: c.token });
  }
  return kept.sort((a, b) => a.index - b.index);
}

export function onvifPtzDriver(deps: OnvifPtzDeps): PtzDriver {
  const steerable = (row: StoredRow): { camera: OnvifCamera; client: OnvifClient } => {
    const camera = onvifCameraOf(row, [])!;
    if (!camera.enabled) throw new GwError('GW_ERR_DEVICE_OFFLINE', `channel ${row.id} is disabled`, 'id');
    if (!camera.ptz) throw new GwError('GW_ERR_NOT_SUPPORTED', `channel ${row.id}: the ONVIF camera has no PTZ (its capabilities or main profile name none; refresh its facts if it was changed)`, 'id');
    return { camera, client: deps.clients.of(row.id, camera.target, deps.timeoutMs) };
  };
  const save = async (row: StoredRow, presets: StoredPreset[], actor: Actor) => {
    if (JSON.stringify(presets) !== JSON.stringify(storedOf(row))) await deps.registry.update('channels', row.id, { ptzPresets: presets }, actor);
  };

  const preset = async (row: StoredRow, camera: OnvifCamera, client: OnvifClient, cmd: PresetCommand, actor: Actor) => {
    const stored = storedOf(row);
    const token = stored.find((p) => p.index === cmd.index)?.token;
    if (cmd.action === 'set') {
      const kept = stored.find((p) => p.index === cmd.index);
      const name = cmd.name ?? kept?.name ?? `preset ${cmd.index}`;
      const given = await askCamera(() => client.setPreset(camera.mainProfile, name, token));
      const presets = presetsAfter(stored, cmd, given)!;
      await save(row, presets, actor);
      return { operation: 'SetPreset', presetToken: given, ptzPresets: presets };
    }
    if (!token) throw new GwError('GW_ERR_NOT_FOUND', `channel ${row.id} has no preset ${cmd.index} (set it here, or list the camera's: GET /api/channels/${row.id}/ptz/presets)`, 'preset.index');
    if (cmd.action === 'call') {
      await askCamera(() => client.gotoPreset(camera.mainProfile, token));
      return { operation: 'GotoPreset', presetToken: token, ptzPresets: stored };
    }
    await askCamera(() => client.removePreset(camera.mainProfile, token));
    const presets = presetsAfter(stored, cmd) ?? stored;
    await save(row, presets, actor);
    return { operation: 'RemovePreset', presetToken: token, ptzPresets: presets };
  };

  return {
    name: 'onvif',
    takes: (row) => onvifCameraOf(row, []) !== undefined,
    async send(row: StoredRow, body: PtzBody, actor: Actor) {
      if ('cruise' in body) throw new GwError('GW_ERR_NOT_SUPPORTED', `channel ${row.id}: cruise is a GB28181 command; ONVIF cameras are steered by motions and presets here`, 'cruise');
      const { camera, client } = steerable(row);
      const base = { channelId: row.id, profileToken: camera.mainProfile };
      if ('preset' in body) return { ...base, ...(await preset(row, camera, client, body.preset, actor)), sentAt: new Date().toISOString() };
      const velocity = velocityOf(body);
      if (isStop(velocity)) await askCamera(() => client.stop(camera.mainProfile));
      else await askCamera(() => client.continuousMove(camera.mainProfile, velocity));
      return { ...base, operation: isStop(velocity) ? 'Stop' : 'ContinuousMove', ...(isStop(velocity) ? {} : { velocity }), sentAt: new Date().toISOString() };
    },
    async presets(row: StoredRow, actor: Actor) {
      const { camera, client } = steerable(row);
      const presets = mapPresets(storedOf(row), await askCamera(() => client.presets(camera.mainProfile)));
      await save(row, presets, actor);
      return presets;
    },
  };
}
