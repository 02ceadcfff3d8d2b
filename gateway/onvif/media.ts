// Media service (ver10): profiles with their encoder settings, the RTSP and
// snapshot URIs of each, and the snapshot itself (HTTP GET, the camera's HTTP
// authentication, bounded, image content only).
import { childText, escapeXml } from '../xml/safe-xml.ts';
import { OnvifError } from './types.ts';
import type { OnvifProfile } from './types.ts';
import { hostPort } from './soap/http.ts';
import type { SoapSession } from './soap/session.ts';
import { parseUrl } from './soap/session.ts';
import { at, elements, numberAt, textAt } from './xml-read.ts';

const TRT = 'http://www.onvif.org/ver10/media/wsdl';
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;

export async function readProfiles(session: SoapSession, url: string): Promise<OnvifProfile[]> {
  const body = await session.call({ url, operation: 'GetProfiles', action: `${TRT}/GetProfiles`, body: '<trt:GetProfiles/>' });
  const answer = at(body, 'GetProfilesResponse');
  if (!answer) throw new OnvifError('malformed', `${new URL(url).host} GetProfiles: no GetProfilesResponse`);
  return mainFirst(elements(answer, 'Profiles').flatMap((p) => {
    const token = childText(p, '@token');
    if (!token) return [];
    const enc = at(p, 'VideoEncoderConfiguration');
    const profile: OnvifProfile = { token, name: textAt(p, 'Name') ?? token, encoding: textAt(enc, 'Encoding') ?? '', ptz: at(p, 'PTZConfiguration') !== undefined };
    const width = numberAt(enc, 'Resolution', 'Width');
    const height = numberAt(enc, 'Resolution', 'Height');
    const fps = numberAt(enc, 'RateControl', 'FrameRateLimit');
    const bitrate = numberAt(enc, 'RateControl', 'BitrateLimit');
    if (width !== undefined) profile.width = width;
    if (height !== undefined) profile.height = height;
    if (fps !== undefined) profile.fps = fps;
    if (bitrate !== undefined) profile.bitrateKbps = bitrate;
    return [profile];
  }));
}

/** The main stream is the largest picture, the sub-stream the next; equal sizes keep the camera's order. */
export function mainFirst(profiles: OnvifProfile[]): OnvifProfile[] {
  const area = (p: OnvifProfile) => (p.width ?? 0) * (p.height ?? 0);
  return profiles.map((p, i) => ({ p, i })).sort((a, b) => area(b.p) - area(a.p) || a.i - b.i).map(({ p }) => p);
}

export async function readStreamUri(session: SoapSession, url: string, profileToken: string): Promise<string | undefined> {
  const body = await session.call({
    url,
    operation: 'GetStreamUri',
    action: `${TRT}/GetStreamUri`,
    body: `<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>${escapeXml(profileToken)}</trt:ProfileToken></trt:GetStreamUri>`,
  });
  return textAt(body, 'GetStreamUriResponse', 'MediaUri', 'Uri');
}

export async function readSnapshotUri(session: SoapSession, url: string, profileToken: string): Promise<string | undefined> {
  const body = await session.call({
    url,
    operation: 'GetSnapshotUri',
    action: `${TRT}/GetSnapshotUri`,
    body: `<trt:GetSnapshotUri><trt:ProfileToken>${escapeXml(profileToken)}</trt:ProfileToken></trt:GetSnapshotUri>`,
  });
  return textAt(body, 'GetSnapshotUriResponse', 'MediaUri', 'Uri');
}

export async function fetchSnapshot(session: SoapSession, snapshotUri: string): Promise<Buffer> {
  const url = parseUrl(snapshotUri, 'snapshot');
  const where = `${hostPort(url)} snapshot`;
  url.username = '';
  url.password = '';
  const answer = await session.http.exchange({ url, method: 'GET', headers: { Accept: 'image/jpeg, image/*' }, timeoutMs: session.timeoutMs, maxBytes: MAX_SNAPSHOT_BYTES, operation: 'snapshot' });
  if (answer.status === 401 || answer.status === 403) throw new OnvifError('auth', `${where}: HTTP ${answer.status}, the camera refused the credentials`);
  if (answer.status !== 200) throw new OnvifError('fault', `${where}: HTTP ${answer.status}`);
  const type = String(answer.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('image/')) throw new OnvifError('malformed', `${where}: the answer is ${type || 'untyped'}, not an image`);
  if (answer.body.length === 0) throw new OnvifError('malformed', `${where}: an empty image`);
  return answer.body;
}
