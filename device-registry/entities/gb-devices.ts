// GB/T 28181 device entity: the digest password goes to the secret column and
// is kept when a change does not send one.
import { GbDevice, GbDeviceInput, GbDevicePatch } from '../schemas/gb-device.ts';
import { compact, meta, publicStatus, type EntityDescriptor, type Prepared } from './descriptor.ts';

export const gbDevices: EntityDescriptor = {
  entity: 'gbDevices',
  label: 'GB28181 device',
  idField: 'id',
  idPrefix: 'gb',
  path: 'gb28181/devices',
  inputSchema: GbDeviceInput,
  patchSchema: GbDevicePatch,
  publicSchema: GbDevice,

  prepare(input, id, existing): Prepared {
    const password = (input.password as string | undefined) ?? (existing?.secret?.password as string | undefined);
    const doc = compact({
      id,
      name: input.name,
      gridCode: input.gridCode,
      location: input.location,
      tags: input.tags ?? [],
      enabled: input.enabled ?? true,
      mediaTransport: input.mediaTransport ?? 'udp',
      charset: input.charset ?? 'GB2312',
      info: input.info,
    });
    return {
      doc,
      secret: password ? { password } : null,
      columns: { name: String(input.name), kind: 'gb28181', gridCode: (input.gridCode as string) ?? null, enabled: doc.enabled as boolean, altKey: null },
      errors: [],
    };
  },

  toInput: (row) => ({ ...row.doc, ...(row.secret?.password ? { password: row.secret.password } : {}) }),

  toPublic(row) {
    return { ...row.doc, passwordSet: Boolean(row.secret?.password), status: publicStatus(row), ...meta(row) };
  },

  references: (doc) => (typeof doc.gridCode === 'string' ? [{ field: 'gridCode', entity: 'grids', id: doc.gridCode }] : []),
};
