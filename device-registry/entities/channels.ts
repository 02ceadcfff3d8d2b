// Channel entity: RTSP credentials move out of the URL into the secret column;
// a missing RTMP push key is generated and shown once.
import { Channel, ChannelInput, ChannelPatch } from '../schemas/channel.ts';
import { newPushKey } from '../secrets.ts';
import type { StoredRow } from '../store/registry-store.ts';
import { compact, meta, publicStatus, type EntityDescriptor, type Prepared } from './descriptor.ts';

type Source = Record<string, unknown>;

/** Splits `rtsp://user:pass@host/path` into the bare URL and its credentials. */
export function splitRtspCredentials(raw: string): { url: string; username?: string; password?: string } {
  const url = new URL(raw);
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = '';
  url.password = '';
  return { url: url.toString(), username, password };
}

function prepareSource(kind: string, source: Source, existing: StoredRow | undefined) {
  const oldSecret = existing?.secret ?? {};
  if (kind === 'rtsp') {
    const fromUrl = splitRtspCredentials(String(source.url));
    const username = fromUrl.username ?? (source.username as string | undefined);
    const password = fromUrl.password ?? (source.password as string | undefined);
    return { doc: compact({ url: fromUrl.url, username }), secret: password ? { password } : null, altKey: null };
  }
  if (kind === 'rtmp') {
    const given = source.pushKey as string | undefined;
    const pushKey = given ?? (oldSecret.pushKey as string | undefined) ?? newPushKey();
    const generated = given === undefined && oldSecret.pushKey === undefined;
    return { doc: {}, secret: { pushKey }, altKey: `rtmp:${pushKey}`, revealed: generated ? { pushKey } : undefined };
  }
  return {
    doc: compact({ ...source }),
    secret: null,
    altKey: `gb28181:${String(source.deviceId)}:${String(source.channelId)}`,
  };
}

export const channels: EntityDescriptor = {
  entity: 'channels',
  label: 'channel',
  idField: 'id',
  idPrefix: 'cam',
  inputSchema: ChannelInput,
  patchSchema: ChannelPatch,
  publicSchema: Channel,
  altKeyField: 'source',

  prepare(input, id, existing): Prepared {
    const kind = String(input.kind);
    const source = prepareSource(kind, input.source as Source, existing?.doc.kind === kind ? existing : undefined);
    const doc = compact({
      id,
      kind,
      name: input.name,
      source: source.doc,
      location: input.location,
      gridCode: input.gridCode,
      tags: input.tags ?? [],
      enabled: input.enabled ?? true,
      mode: input.mode ?? 'on-demand',
      detectionProfile: input.detectionProfile ?? null,
      video: input.video,
    });
    return {
      doc,
      secret: source.secret,
      columns: { name: String(input.name), kind, gridCode: (input.gridCode as string) ?? null, enabled: doc.enabled as boolean, altKey: source.altKey },
      revealed: source.revealed,
      errors: [],
    };
  },

  toInput: (row) => ({ ...row.doc, source: { ...(row.doc.source as Source), ...(row.secret ?? {}) } }),

  toPublic(row) {
    const source = { ...(row.doc.source as Source), credentialsSet: row.secret !== null };
    return { ...row.doc, source, status: publicStatus(row), ...meta(row) };
  },

  references: (doc) => (typeof doc.gridCode === 'string' ? [{ field: 'gridCode', entity: 'grids', id: doc.gridCode }] : []),
};
