// A registry channel's GB28181 identity: its device and its code on the device.
import { GwError, notFound, type RegistryService } from '../../../device-registry/index.ts';

/** A non-GB28181 channel is a 400 naming `id`. */
export async function gbChannel(registry: RegistryService, id: string): Promise<{ deviceId: string; channelId: string }> {
  const row = await registry.getStored('channels', id);
  if (!row) throw notFound('channel', id);
  const source = row.doc.source as { deviceId?: string; channelId?: string };
  if (row.doc.kind !== 'gb28181' || !source.deviceId || !source.channelId) {
    throw new GwError('GW_ERR_VALIDATION', `channel ${id} is a ${String(row.doc.kind)} channel; device recordings need a GB28181 channel`, 'id');
  }
  return { deviceId: source.deviceId, channelId: source.channelId };
}
