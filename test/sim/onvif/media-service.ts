// Media service (trt, ver10): two profiles by default, the main stream
// 'Profile_1' and the sub-stream 'Profile_2', each pointing at an RTSP URL of
// the camera simulator, and a snapshot URL this device serves itself.
import { childText } from './xml.ts';
import type { OnvifDeviceSim } from './device.ts';
import { PATHS, type Operation } from './operation.ts';
import { FAULTS, escapeXml as esc } from './soap.ts';

export interface SimProfile {
  token: string;
  name: string;
  encoding: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** The RTSP URL GetStreamUri gives (the camera simulator's path). */
  streamUri: string;
}

/** Main and sub profiles as Hikvision-like cameras name them; sizes match the camera simulator's h264-720p and h264-cif clips. */
export function defaultProfiles(rtsp: { main: string; sub?: string }): SimProfile[] {
  return [
    { token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 1280, height: 720, fps: 25, bitrateKbps: 4096, streamUri: rtsp.main },
    { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 352, height: 288, fps: 25, bitrateKbps: 512, streamUri: rtsp.sub ?? rtsp.main },
  ];
}

export function mediaOperations(dev: OnvifDeviceSim): Record<string, Operation> {
  const find = (token: string | undefined) => dev.profiles.find((p) => p.token === token);
  const noProfile = (token: string | undefined) => ({ fault: FAULTS.invalidArg('NoProfile', `no profile ${token ?? '(none given)'}`) });
  const mediaUri = (uri: string) =>
    `<trt:MediaUri><tt:Uri>${esc(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>`;
  return {
    GetProfiles: () => ({ xml: `<trt:GetProfilesResponse>${dev.profiles.map((p) => profileXml(p, 'trt:Profiles', dev.hasPtz)).join('')}</trt:GetProfilesResponse>` }),
    GetProfile: (req) => {
      const p = find(childText(req.body, 'ProfileToken'));
      return p ? { xml: `<trt:GetProfileResponse>${profileXml(p, 'trt:Profile', dev.hasPtz)}</trt:GetProfileResponse>` } : noProfile(childText(req.body, 'ProfileToken'));
    },
    GetStreamUri: (req) => {
      const token = childText(req.body, 'ProfileToken');
      const p = find(token);
      return p ? { xml: `<trt:GetStreamUriResponse>${mediaUri(p.streamUri)}</trt:GetStreamUriResponse>` } : noProfile(token);
    },
    GetSnapshotUri: (req) => {
      const token = childText(req.body, 'ProfileToken');
      const p = find(token);
      return p ? { xml: `<trt:GetSnapshotUriResponse>${mediaUri(dev.url(`${PATHS.snapshot}${encodeURIComponent(p.token)}.jpg`))}</trt:GetSnapshotUriResponse>` } : noProfile(token);
    },
  };
}

function profileXml(p: SimProfile, tag: string, ptz: boolean): string {
  const n = p.token.replace(/\D/g, '') || '1';
  const ptzConfig = ptz
    ? '<tt:PTZConfiguration token="PTZToken"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNodeToken</tt:NodeToken>'
      + '<tt:DefaultContinuousPanTiltVelocitySpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>'
      + '<tt:DefaultContinuousZoomVelocitySpace>http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace</tt:DefaultContinuousZoomVelocitySpace>'
      + '<tt:DefaultPTZTimeout>PT5S</tt:DefaultPTZTimeout></tt:PTZConfiguration>'
    : '';
  return `<${tag} token="${esc(p.token)}" fixed="true"><tt:Name>${esc(p.name)}</tt:Name>`
    + '<tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>'
    + `<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"/></tt:VideoSourceConfiguration>`
    + `<tt:VideoEncoderConfiguration token="VideoEncoderToken_${n}"><tt:Name>VideoEncoder_${n}</tt:Name><tt:UseCount>1</tt:UseCount>`
    + `<tt:Encoding>${esc(p.encoding)}</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>`
    + `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>`
    + `<tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>`
    + (p.encoding === 'H264' ? `<tt:H264><tt:GovLength>${p.fps}</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` : '')
    + '<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>0</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>'
    + '<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>'
    + ptzConfig
    + `</${tag}>`;
}
