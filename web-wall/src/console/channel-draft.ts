// A camera as the form holds it (every input as text), and back: the body of
// POST /api/channels, or, against the camera as it was loaded, the merge patch
// for PATCH. Passwords and push keys are write-only: blank means "keep".
import type { Channel } from '../api/types.ts';
import { compact, mergePatchBetween, type JsonObject } from './merge-patch.ts';
import { placeDraftOf, placeFields, type PlaceDraft } from './draft-parts.ts';

export type ChannelKind = Channel['kind'];
/** The recording policy's mode; '' is the configuration's default (null). */
export type RecordingChoice = '' | 'off' | 'events' | 'continuous';
type WithRecording = Channel & { recording?: { mode: Exclude<RecordingChoice, ''> } | null };

export interface ChannelDraft extends PlaceDraft {
  id: string;
  kind: ChannelKind;
  name: string;
  url: string;
  /** The sub-stream's URL (RTSP only); blank for none. */
  subUrl: string;
  username: string;
  password: string;
  pushKey: string;
  deviceId: string;
  channelId: string;
  mode: Channel['mode'];
  enabled: boolean;
  detectionProfile: string;
  recording: RecordingChoice;
}

/** The inputs of each kind, by the API's field paths (for placing its messages). */
export const CHANNEL_FIELDS = [
  'id', 'kind', 'name', 'source.url', 'source.username', 'source.password', 'source.pushKey', 'source.deviceId', 'source.channelId', 'subSource.url',
  'location.lat', 'location.lng', 'gridCode', 'tags', 'mode', 'enabled', 'detectionProfile', 'recording',
] as const;

export function channelDraftOf(c?: Channel): ChannelDraft {
  return {
    id: c?.id ?? '',
    kind: c?.kind ?? 'rtsp',
    name: c?.name ?? '',
    url: c?.source.url ?? '',
    subUrl: c?.subSource?.url ?? '',
    username: c?.source.username ?? '',
    password: '',
    pushKey: '',
    deviceId: c?.source.deviceId ?? '',
    channelId: c?.source.channelId ?? '',
    mode: c?.mode ?? 'on-demand',
    enabled: c?.enabled ?? true,
    detectionProfile: c?.detectionProfile ?? '',
    recording: (c as WithRecording | undefined)?.recording?.mode ?? '',
    ...placeDraftOf(c),
  };
}

function sourceOf(d: ChannelDraft): JsonObject {
  switch (d.kind) {
    case 'rtsp': return compact({ url: d.url.trim(), username: d.username.trim(), password: d.password });
    case 'rtmp': return compact({ pushKey: d.pushKey.trim() });
    case 'gb28181': return compact({ deviceId: d.deviceId.trim(), channelId: d.channelId.trim() });
  }
}

/** The channel input (create body); also what a patch is computed between. */
export function channelBody(d: ChannelDraft): JsonObject {
  return {
    ...compact({ id: d.id.trim() }),
    kind: d.kind,
    name: d.name.trim(),
    source: sourceOf(d),
    // The sub-stream keeps the main source's credentials unless its URL carries its own.
    ...(d.kind === 'rtsp' && d.subUrl.trim() ? { subSource: { url: d.subUrl.trim() } } : {}),
    ...placeFields(d),
    mode: d.mode,
    enabled: d.enabled,
    detectionProfile: d.detectionProfile || null,
    recording: d.recording ? { mode: d.recording } : null,
  };
}

/**
 * What to PATCH. The source of a GB28181 channel also holds catalog fields the
 * form does not show: they are absent on both sides, so the patch keeps them.
 */
export function channelPatch(loaded: ChannelDraft, d: ChannelDraft): JsonObject {
  const { id: _before, ...before } = channelBody(loaded);
  const { id: _after, ...after } = channelBody(d);
  return mergePatchBetween(before, after);
}
