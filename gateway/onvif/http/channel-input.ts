// What a camera said (OnvifFacts) → the registry's RTSP channel input: the
// main profile's stream URI as `source` (with the credentials given), the
// second profile's as `subSource` (it uses the source's credentials), and the
// `onvif` block (service URL, profile tokens, facts). Pure: no camera, no store.
import type { OnvifFacts, OnvifProfile } from '../index.ts';

export interface CameraAddress {
  host: string;
  port?: number;
  username: string;
  password: string;
}

/** The facts as the registry keeps them: no URI (they are source/subSource), no secret. */
export function storedFacts(facts: OnvifFacts, readAt = Date.now()) {
  return {
    manufacturer: facts.manufacturer,
    model: facts.model,
    firmware: facts.firmware,
    serial: facts.serial,
    ...(facts.hardwareId ? { hardwareId: facts.hardwareId } : {}),
    clockSkewMs: Math.round(facts.clockSkewMs),
    capabilities: { ptz: facts.capabilities.ptz, events: facts.capabilities.events },
    profiles: facts.profiles.slice(0, 32).map((p) => ({
      token: p.token,
      name: p.name,
      encoding: p.encoding,
      ...(p.width !== undefined ? { width: p.width } : {}),
      ...(p.height !== undefined ? { height: p.height } : {}),
      ...(p.fps !== undefined ? { fps: p.fps } : {}),
      ...(p.bitrateKbps !== undefined ? { bitrateKbps: p.bitrateKbps } : {}),
      ptz: p.ptz,
    })),
    readAt: new Date(readAt).toISOString(),
  };
}

/** An RTSP stream URI without the user info some cameras put in it (the credentials are the source's). */
function bareRtsp(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') return undefined;
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return undefined;
  }
}

export interface ChosenStreams {
  main: OnvifProfile & { streamUri: string };
  sub?: OnvifProfile & { streamUri: string };
}

/**
 * The main and sub profiles: the ones asked for by token when still there
 * (a refresh keeps them), else the first and second with an RTSP URI (the
 * client lists the largest first). Undefined when no profile has one.
 */
export function chooseStreams(facts: OnvifFacts, keep?: { main?: string; sub?: string }): ChosenStreams | undefined {
  const playable = facts.profiles
    .map((p) => ({ ...p, streamUri: p.streamUri ? bareRtsp(p.streamUri) : undefined }))
    .filter((p): p is OnvifProfile & { streamUri: string } => p.streamUri !== undefined);
  const byToken = (token?: string) => (token ? playable.find((p) => p.token === token) : undefined);
  const main = byToken(keep?.main) ?? playable[0];
  if (!main) return undefined;
  const kept = byToken(keep?.sub);
  const sub = kept && kept.token !== main.token ? kept : playable.find((p) => p.token !== main.token);
  return { main, ...(sub && sub.streamUri !== main.streamUri ? { sub } : {}) };
}

/** The fields of a channel people choose (name, cell, tags …), passed through as given. */
export const CHANNEL_FIELDS = ['id', 'name', 'location', 'gridCode', 'tags', 'enabled', 'mode', 'detectionProfile', 'video', 'recording'] as const;

export function channelInput(
  xaddr: string, camera: CameraAddress, facts: OnvifFacts, streams: ChosenStreams, fields: Record<string, unknown>, events?: unknown,
): Record<string, unknown> {
  const chosen: Record<string, unknown> = {};
  for (const key of CHANNEL_FIELDS) if (fields[key] !== undefined) chosen[key] = fields[key];
  return {
    ...chosen,
    kind: 'rtsp',
    source: { url: streams.main.streamUri, username: camera.username, password: camera.password },
    ...(streams.sub ? { subSource: { url: streams.sub.streamUri } } : {}),
    onvif: {
      xaddr,
      profiles: { main: streams.main.token, ...(streams.sub ? { sub: streams.sub.token } : {}) },
      facts: storedFacts(facts),
      ...(events ? { events } : {}),
    },
  };
}
