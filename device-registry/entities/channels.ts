// Channel entity: RTSP credentials move out of the URL into the secret column;
// a missing RTMP push key is generated and shown once. Credentials some
// cameras take in the URL's path or query (`…/user=admin&password=…`) stay in
// the stored URL, which the ingest needs, and are shown [REDACTED]; a URL sent
// back with [REDACTED] in it keeps the stored values. A sub-stream (subSource,
// RTSP only) is handled the same way; its password is the secret's subPassword.
import { REDACTED, redactUrl } from '../redact-url.ts';
import { Channel, ChannelInput, ChannelPatch } from '../schemas/channel.ts';
import { onvifAltKey } from '../schemas/onvif.ts';
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

/** Puts the stored values back where a URL shown by the API had them redacted (`password=[REDACTED]`); names those it cannot. */
export function restoreRedacted(url: string, storedUrl: string | undefined): { url: string; missing: string[] } {
  const missing: string[] = [];
  if (!url.includes(REDACTED)) return { url, missing };
  const stored = new Map([...(storedUrl ?? '').matchAll(/[?&;/]([^=&\s#/?]*)=([^&\s#]*)/g)].map((m) => [m[1]!, m[2]!]));
  const restored = url.replace(/([?&;/])([^=&\s#/?]*)=\[REDACTED\]/g, (whole, sep: string, name: string) => {
    const value = stored.get(name);
    if (value === undefined) missing.push(name);
    return value === undefined ? whole : `${sep}${name}=${value}`;
  });
  return { url: restored, missing };
}

/** The RTSP URL without credentials, its username, its password (for the secret column) and what could not be restored. */
function prepareRtspUrl(field: string, given: Source, storedUrl: string | undefined) {
  const restored = restoreRedacted(String(given.url), storedUrl);
  const errors = restored.missing.map((name) => ({ field, message: `${name}=${REDACTED} has no stored value to keep; give the value itself` }));
  const fromUrl = splitRtspCredentials(restored.url);
  const username = fromUrl.username ?? (given.username as string | undefined);
  const password = fromUrl.password ?? (given.password as string | undefined);
  return { doc: compact({ url: fromUrl.url, username }), password, errors };
}

/** The sub-stream (rtsp only): its URL and username in the doc, its password as the secret's subPassword. */
function prepareSubSource(subSource: Source | undefined, existing: StoredRow | undefined) {
  if (!subSource) return { doc: undefined, secret: {}, errors: [] };
  const storedUrl = (existing?.doc.subSource as Source | undefined)?.url as string | undefined;
  const prepared = prepareRtspUrl('subSource.url', subSource, storedUrl);
  return { doc: prepared.doc, secret: prepared.password ? { subPassword: prepared.password } : {}, errors: prepared.errors };
}

function prepareSource(kind: string, source: Source, existing: StoredRow | undefined) {
  const oldSecret = existing?.secret ?? {};
  if (kind === 'rtsp') {
    const storedUrl = (existing?.doc.source as Source | undefined)?.url as string | undefined;
    const { doc, password, errors } = prepareRtspUrl('source.url', source, storedUrl);
    return { doc, secret: password ? { password } : null, altKey: null, errors };
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
    const sameKind = existing?.doc.kind === kind ? existing : undefined;
    const source = prepareSource(kind, input.source as Source, sameKind);
    const sub = prepareSubSource(input.subSource as Source | undefined, sameKind);
    const secret = source.secret || Object.keys(sub.secret).length ? { ...source.secret, ...sub.secret } : null;
    const doc = compact({
      id,
      kind,
      name: input.name,
      source: source.doc,
      subSource: sub.doc,
      location: input.location,
      gridCode: input.gridCode,
      tags: input.tags ?? [],
      enabled: input.enabled ?? true,
      mode: input.mode ?? 'on-demand',
      detectionProfile: input.detectionProfile ?? null,
      video: input.video,
      recording: input.recording,
      gbCode: input.gbCode,
      ptzPresets: input.ptzPresets,
      onvif: kind === 'rtsp' ? input.onvif : undefined,
    });
    // An ONVIF camera is one channel: its device service's host:port is the key a second add or import collides on.
    const onvif = doc.onvif as { xaddr?: string } | undefined;
    const altKey = source.altKey ?? (onvif?.xaddr ? onvifAltKey(onvif.xaddr) : null);
    return {
      doc,
      secret,
      columns: { name: String(input.name), kind, gridCode: (input.gridCode as string) ?? null, enabled: doc.enabled as boolean, altKey },
      revealed: source.revealed,
      errors: [...(source.errors ?? []), ...sub.errors],
    };
  },

  toInput(row) {
    const { subPassword, ...secret } = row.secret ?? {};
    const subSource = row.doc.subSource as Source | undefined;
    return {
      ...row.doc,
      source: { ...(row.doc.source as Source), ...secret },
      ...(subSource ? { subSource: { ...subSource, ...(subPassword !== undefined ? { password: subPassword } : {}) } } : {}),
    };
  },

  toPublic(row) {
    const stored = row.doc.source as Source;
    const url = typeof stored.url === 'string' ? redactUrl(stored.url) : undefined;
    const credentialsSet = row.secret?.password !== undefined || row.secret?.pushKey !== undefined || url !== stored.url;
    const source = { ...stored, ...(url !== undefined ? { url } : {}), credentialsSet };
    const storedSub = row.doc.subSource as Source | undefined;
    const subUrl = storedSub ? redactUrl(String(storedSub.url)) : undefined;
    const subSource = storedSub ? { ...storedSub, url: subUrl, credentialsSet: row.secret?.subPassword !== undefined || subUrl !== storedSub.url } : undefined;
    return { ...row.doc, source, ...(subSource ? { subSource } : {}), status: publicStatus(row), ...meta(row) };
  },

  references: (doc) => (typeof doc.gridCode === 'string' ? [{ field: 'gridCode', entity: 'grids', id: doc.gridCode }] : []),
};
